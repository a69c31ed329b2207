//! `onsale-bench`: measures the hold path through the local gateway, beside the raw Redis lock rate
//! measured on the same machine at the same moment.
//!
//! `cargo run --release -p onsale-bench -- holds` with the gateway up (`bash localstack/run.sh --detach`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::json;

#[derive(Parser)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Buyers race to hold 1-4 random seats and release them; then the raw Redis baseline.
    Holds {
        #[arg(long, default_value = "http://127.0.0.1:8080")]
        url: String,
        #[arg(long, default_value_t = 10_000)]
        seats: u32,
        #[arg(long, default_value_t = 64)]
        concurrency: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        #[arg(long, env = "LOCAL_JWT_SECRET", default_value = "local-dev-secret")]
        secret: String,
        #[arg(long, default_value = "redis://127.0.0.1:6379/")]
        redis: String,
    },
}

/// Latencies in microseconds and outcome counts of one kind of request.
#[derive(Default)]
struct Tally {
    latencies: Vec<u64>,
    by_status: std::collections::BTreeMap<u16, u64>,
}

impl Tally {
    fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        for (k, v) in other.by_status {
            *self.by_status.entry(k).or_default() += v;
        }
    }

    fn report(&mut self, name: &str, elapsed: Duration) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let pct = |p: f64| if n == 0 { 0.0 } else { self.latencies[((n as f64 * p) as usize).min(n - 1)] as f64 / 1000.0 };
        println!(
            "{name:<10} {n:>8} req  {:>9.0} req/s  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  statuses {:?}",
            n as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.95),
            pct(0.99),
            pct(1.0),
            self.by_status
        );
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Holds { url, seats, concurrency, seconds, secret, redis } => {
            holds(&url, seats, concurrency, Duration::from_secs(seconds), &secret).await?;
            redis_baseline(&redis, seats, concurrency, Duration::from_secs(seconds)).await?;
        }
    }
    Ok(())
}

async fn holds(url: &str, seats: u32, concurrency: usize, duration: Duration, secret: &str) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let per_row = 50u32;
    let rows = seats.div_ceil(per_row);
    let admin = local_gateway::auth::mint(secret, "bench-admin", true, 3600);
    let event: serde_json::Value = http
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(&admin)
        .json(&json!({ "name": "Bench on-sale", "venue": "Bench", "startsAt": "2027-01-01T00:00:00Z", "maxSeatsPerOrder": 10,
            "sections": [{ "name": "A", "rows": rows, "seatsPerRow": per_row, "priceCents": 5000 }] }))
        .send()
        .await
        .context("is the gateway up? bash localstack/run.sh --detach")?
        .error_for_status()?
        .json()
        .await?;
    let event = event["id"].as_str().context("event id")?.to_string();
    let all: Arc<Vec<String>> = Arc::new((1..=rows).flat_map(|r| (1..=per_row).map(move |n| format!("A-{r}-{n}"))).collect());
    println!("hold path: {} seats, {concurrency} concurrent buyers, {}s, through {url}", all.len(), duration.as_secs());
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (http, url, event, all) = (http.clone(), url.to_string(), event.clone(), all.clone());
            let token = local_gateway::auth::mint(secret, &format!("bench-user-{w}"), false, 3600);
            tokio::spawn(async move {
                let (mut hold, mut release) = (Tally::default(), Tally::default());
                while Instant::now() < deadline {
                    let pick: Vec<String> = {
                        let mut rng = rand::thread_rng();
                        let n = rng.gen_range(1..=4);
                        all.choose_multiple(&mut rng, n).cloned().collect()
                    };
                    let t = Instant::now();
                    let res = http
                        .post(format!("{url}/api/v1/events/{event}/holds"))
                        .bearer_auth(&token)
                        .json(&json!({ "seatIds": pick }))
                        .send()
                        .await;
                    let Ok(res) = res else { *hold.by_status.entry(0).or_default() += 1; continue };
                    let status = res.status().as_u16();
                    let body: serde_json::Value = res.json().await.unwrap_or_default();
                    hold.latencies.push(t.elapsed().as_micros() as u64);
                    *hold.by_status.entry(status).or_default() += 1;
                    if let Some(id) = body["id"].as_str() {
                        let t = Instant::now();
                        let status = match http.delete(format!("{url}/api/v1/holds/{id}")).bearer_auth(&token).send().await {
                            Ok(r) => r.status().as_u16(),
                            Err(_) => 0,
                        };
                        release.latencies.push(t.elapsed().as_micros() as u64);
                        *release.by_status.entry(status).or_default() += 1;
                    }
                }
                (hold, release)
            })
        })
        .collect();
    let (mut hold, mut release) = (Tally::default(), Tally::default());
    for w in workers {
        let (h, r) = w.await?;
        hold.merge(h);
        release.merge(r);
    }
    let elapsed = started.elapsed();
    hold.report("hold", elapsed);
    release.report("release", elapsed);
    println!("hold+release {:.0} req/s", (hold.latencies.len() + release.latencies.len()) as f64 / elapsed.as_secs_f64());
    Ok(())
}

/// The raw backend limit: a multi-key all-or-nothing lock in one Lua call and its release, straight
/// at Redis with the same concurrency and seat picks.
async fn redis_baseline(url: &str, seats: u32, concurrency: usize, duration: Duration) -> anyhow::Result<()> {
    let lock = redis::Script::new(
        "for i = 1, #KEYS do if redis.call('EXISTS', KEYS[i]) == 1 then return 0 end end \
         for i = 1, #KEYS do redis.call('SET', KEYS[i], ARGV[1], 'PX', 600000) end return 1",
    );
    let unlock = redis::Script::new(
        "for i = 1, #KEYS do if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end end return 1",
    );
    let client = redis::Client::open(url)?;
    let run = format!("bench:{}", uuid::Uuid::new_v4().simple());
    let done = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let mut conn = client.get_multiplexed_async_connection().await?;
        let (lock, unlock, run, done) = (lock.clone(), unlock.clone(), run.clone(), done.clone());
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            while Instant::now() < deadline {
                let keys: Vec<String> = {
                    let mut rng = rand::thread_rng();
                    let n = rng.gen_range(1..=4);
                    (0..n).map(|_| format!("{run}:{{e}}:{}", rng.gen_range(0..seats))).collect()
                };
                let t = Instant::now();
                let mut inv = lock.prepare_invoke();
                for k in &keys {
                    inv.key(k);
                }
                let ok: i64 = inv.arg(w).invoke_async(&mut conn).await.unwrap_or(-1);
                tally.latencies.push(t.elapsed().as_micros() as u64);
                *tally.by_status.entry(if ok == 1 { 201 } else { 409 }).or_default() += 1;
                if ok == 1 {
                    let mut inv = unlock.prepare_invoke();
                    for k in &keys {
                        inv.key(k);
                    }
                    let _: Result<i64, _> = inv.arg(w).invoke_async(&mut conn).await;
                    done.fetch_add(1, Ordering::Relaxed);
                }
            }
            tally
        }));
    }
    let mut tally = Tally::default();
    for t in tasks {
        tally.merge(t.await?);
    }
    let elapsed = started.elapsed();
    println!("raw Redis baseline: multi-key Lua lock + unlock, {concurrency} concurrent");
    tally.report("redis lock", elapsed);
    Ok(())
}
