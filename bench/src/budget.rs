//! `budget`: what one hold, release, booking, payment and check-in costs each store, counted, not
//! timed. `n` of each, one after another through the gateway; around each step the servers' own
//! counters are read: MySQL's statements (`Questions`: each a round trip), transactions
//! (`Com_commit`) and rows written (the handler's row inserts, updates and deletes), Redis's commands
//! (`total_commands_processed`: a script is one). After a step the relay is given time to move its
//! outbox rows and seat log (the history rows it archives are part of what the step costs: until a
//! second passes with no more than idle work), and
//! what the idle gateway does in the same time (its relay and sweep loops polling) is measured
//! alone and taken off. Another client of the same servers (a gateway `run.sh` started) counts as
//! the step's: stop it first (`bash localstack/stack.sh down` stops it with the rest).

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{json, Value};

#[derive(clap::Args)]
pub struct Options {
    /// Operations of each kind.
    #[arg(long, default_value_t = 200)]
    n: u32,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
}

/// How long the relay and the consumers are given at most after a step (the relay runs every
/// 100 ms, the sweep every 5 s).
const SETTLE_SECONDS: u32 = 15;

/// The servers' counters at a moment.
#[derive(Debug, Clone, Copy, Default)]
struct Counters {
    statements: f64,
    commits: f64,
    rows: f64,
    redis: f64,
}

impl std::ops::Sub for Counters {
    type Output = Counters;
    fn sub(self, o: Counters) -> Counters {
        Counters {
            statements: self.statements - o.statements,
            commits: self.commits - o.commits,
            rows: self.rows - o.rows,
            redis: self.redis - o.redis,
        }
    }
}

impl Counters {
    fn scaled(self, by: f64) -> Counters {
        Counters {
            statements: self.statements * by,
            commits: self.commits * by,
            rows: self.rows * by,
            redis: self.redis * by,
        }
    }
}

struct Servers {
    db: sqlx::MySqlPool,
    redis: redis::aio::MultiplexedConnection,
}

impl Servers {
    async fn read(&mut self) -> anyhow::Result<Counters> {
        let status: Vec<(String, String)> = sqlx::query_as(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Questions', 'Com_commit', \
             'Handler_write', 'Handler_update', 'Handler_delete')",
        )
        .fetch_all(&self.db)
        .await?;
        let get = |name: &str| {
            status.iter().find(|(k, _)| k == name).and_then(|(_, v)| v.parse::<f64>().ok())
        };
        let info: String = redis::cmd("INFO").arg("stats").query_async(&mut self.redis).await?;
        let redis = info
            .lines()
            .find_map(|l| l.strip_prefix("total_commands_processed:"))
            .and_then(|v| v.trim().parse::<f64>().ok())
            .context("total_commands_processed")?;
        // The reads of the counters are statements and commands too: one each, taken off.
        Ok(Counters {
            statements: get("Questions").context("Questions")? - 1.0,
            commits: get("Com_commit").unwrap_or(0.0),
            rows: get("Handler_write").unwrap_or(0.0)
                + get("Handler_update").unwrap_or(0.0)
                + get("Handler_delete").unwrap_or(0.0),
            redis: redis - 1.0,
        })
    }

    /// The counters' growth a second while nothing but the gateway's own loops runs.
    async fn idle_rate(&mut self) -> anyhow::Result<Counters> {
        let (before, t) = (self.read().await?, Instant::now());
        tokio::time::sleep(Duration::from_secs(5)).await;
        let grown = self.read().await? - before;
        Ok(grown.scaled(1.0 / t.elapsed().as_secs_f64()))
    }
}

struct Client {
    http: reqwest::Client,
    url: String,
    secret: String,
}

impl Client {
    async fn send(
        &self,
        method: reqwest::Method,
        path: String,
        token: String,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self.http.request(method, format!("{}{path}", self.url)).bearer_auth(&token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await?;
        let status = res.status();
        let v = res.json::<Value>().await.unwrap_or(Value::Null);
        anyhow::ensure!(status.is_success(), "{path}: {status} {v}");
        Ok(v)
    }

    fn buyer(&self, i: usize) -> String {
        local_gateway::auth::mint(&self.secret, &format!("budget-{i}"), false, 3600)
    }
}

/// Runs `step` over every item, then lets the relay catch up, and gives the counters' growth per
/// item less the idle gateway's over the same time.
async fn measure<T, F, Fut>(
    servers: &mut Servers,
    idle: Counters,
    items: &[T],
    step: F,
) -> anyhow::Result<(Counters, Vec<Value>)>
where
    F: Fn(usize, &T) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Value>>,
{
    let (before, t) = (servers.read().await?, Instant::now());
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(step(i, item).await?);
    }
    // The relay and the consumers finish the step's work: until a second passes with no more
    // than the idle gateway's own statements (at most a few seconds).
    let mut last = servers.read().await?;
    for _ in 0..SETTLE_SECONDS {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = servers.read().await?;
        let second = now - last;
        last = now;
        if second.statements <= idle.statements * 1.2 + 2.0
            && second.commits <= idle.commits * 1.2 + 1.0
        {
            break;
        }
    }
    let grown = last - before - idle.scaled(t.elapsed().as_secs_f64());
    Ok((grown.scaled(1.0 / items.len() as f64), out))
}

pub async fn run(
    url: &str,
    secret: &str,
    redis: &str,
    database: &str,
    o: Options,
) -> anyhow::Result<bool> {
    let _gateway = crate::chaos::Gateway::maybe(&o.gateway, url).await?;
    let c =
        Client { http: reqwest::Client::new(), url: url.to_string(), secret: secret.to_string() };
    let mut servers = Servers {
        db: sqlx::MySqlPool::connect(database).await?,
        redis: redis::Client::open(redis)?.get_multiplexed_async_connection().await?,
    };
    let n = o.n as usize;
    let (event, seats) = crate::create_event(&c.http, url, secret, o.n, 4, json!({})).await?;
    let seats: Vec<String> = seats.into_iter().take(n).collect();
    println!("budget: {n} of each operation, one at a time, through {url} (event {event})");
    let idle = servers.idle_rate().await?;
    println!(
        "idle gateway a second: {:.1} MySQL statements, {:.1} Redis commands (taken off below)",
        idle.statements, idle.redis
    );
    let post = reqwest::Method::POST;
    let hold = |i: usize, seat: &String| {
        let body = json!({ "seatIds": [seat] });
        c.send(post.clone(), format!("/api/v1/events/{event}/holds"), c.buyer(i), Some(body))
    };
    let mut rows = Vec::new();
    let (cost, holds) = measure(&mut servers, idle, &seats, hold).await?;
    rows.push(("hold (1 seat)", cost));
    let (cost, _) = measure(&mut servers, idle, &holds, |i, h| {
        let id = h["id"].as_str().unwrap_or_default().to_string();
        c.send(reqwest::Method::DELETE, format!("/api/v1/holds/{id}"), c.buyer(i), None)
    })
    .await?;
    rows.push(("release", cost));
    let (_, holds) = measure(&mut servers, idle, &seats, hold).await?;
    let (cost, bookings) = measure(&mut servers, idle, &holds, |i, h| {
        c.send(
            post.clone(),
            "/api/v1/bookings".into(),
            c.buyer(i),
            Some(json!({ "holdId": h["id"] })),
        )
    })
    .await?;
    rows.push(("booking (of a hold)", cost));
    let (cost, _) = measure(&mut servers, idle, &bookings, |i, b| {
        let body = json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" });
        c.send(post.clone(), "/api/v1/payments".into(), c.buyer(i), Some(body))
    })
    .await?;
    rows.push(("payment (confirms the booking, issues the ticket)", cost));
    let mut codes = Vec::with_capacity(n);
    for (i, b) in bookings.iter().enumerate() {
        let id = b["id"].as_str().unwrap_or_default();
        let t = c
            .send(reqwest::Method::GET, format!("/api/v1/bookings/{id}/tickets"), c.buyer(i), None)
            .await?;
        codes.push(t["items"][0]["code"].as_str().unwrap_or_default().to_string());
    }
    let (cost, _) = measure(&mut servers, idle, &codes, |i, code| {
        let steward = local_gateway::auth::mint_staff(secret, &format!("steward-{i}"), 600);
        let body = json!({ "eventId": event, "code": code, "gate": "a" });
        c.send(post.clone(), "/api/v1/checkins".into(), steward, Some(body))
    })
    .await?;
    rows.push(("check-in", cost));
    println!("| operation | MySQL statements | MySQL transactions | MySQL rows written | Redis commands |");
    println!("|---|---|---|---|---|");
    for (name, c) in &rows {
        println!(
            "| {name} | {:.1} | {:.1} | {:.1} | {:.1} |",
            c.statements, c.commits, c.rows, c.redis
        );
    }
    Ok(true)
}
