//! `queue`: the on-sale behind a waiting room. N buyers join before the opening; the sale opens;
//! each buyer polls the line's public progress, reads its own entry once for its position and once
//! its turn has come, then holds best available with its pass, books and pays. Reports join and
//! poll rates, the time from the opening to sold out, the latency of the
//! admitted buyers' holds, the fairness of the order (rank correlation of join order and position),
//! and the audit; then the same crowd on the same seats without a waiting room; then the raw rate of
//! the queue's script on one Redis shard (the figure docs/SCALE.md builds on).

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use reqwest::Method;
use serde_json::{json, Value};

use crate::report::Tally;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 10_000)]
    seats: u32,
    #[arg(long, default_value_t = 100_000)]
    buyers: usize,
    /// How often one buyer polls the line's progress at most (ms).
    #[arg(long, default_value_t = 2_000)]
    poll_ms: u64,
    /// The access window of an admitted buyer (s).
    #[arg(long, default_value_t = 120)]
    admission_ttl: u32,
    /// The room's `admitPerMinute` (none: admission bounded by the seats left alone).
    #[arg(long)]
    admit_per_minute: Option<u32>,
    /// Skip the same crowd without a waiting room.
    #[arg(long)]
    no_compare: bool,
    /// Seconds the raw queue-script rate runs.
    #[arg(long, default_value_t = 5)]
    baseline_seconds: u64,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
    /// The room over time (waiting, admitted, sold out), drawn here (SVG; PNG beside it).
    #[arg(long, default_value = "target/queue.svg")]
    chart: String,
}

/// One request: (kind, latency µs, status).
type Log = Mutex<Vec<(&'static str, u64, u16)>>;

struct Client {
    http: reqwest::Client,
    url: String,
    log: Log,
}

impl Client {
    async fn call(
        &self,
        kind: &'static str,
        method: Method,
        path: &str,
        token: &str,
        pass: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let t = Instant::now();
        let mut req = self.http.request(method, format!("{}{path}", self.url));
        if !token.is_empty() {
            req = req.bearer_auth(token);
        }
        if let Some(p) = pass {
            req = req.header("queue-token", p);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let (status, body) = match req.send().await {
            Ok(r) => {
                let s = r.status().as_u16();
                (s, r.json().await.unwrap_or(Value::Null))
            }
            Err(_) => (0, Value::Null),
        };
        self.log.lock().unwrap().push((kind, t.elapsed().as_micros() as u64, status));
        (status, body)
    }

    fn tally(&self, kind: &str) -> Tally {
        let mut t = Tally::default();
        for (k, lat, st) in self.log.lock().unwrap().iter() {
            if *k == kind {
                t.latencies.push(*lat);
                *t.by_status.entry(*st).or_default() += 1;
            }
        }
        t
    }
}

/// What became of one buyer.
#[derive(Default, Clone)]
struct Buyer {
    position: Option<u64>,
    done: bool,
    next_poll: Option<Instant>,
}

pub async fn run(
    url: &str,
    secret: &str,
    redis: &str,
    database: &str,
    concurrency: usize,
    o: Options,
) -> anyhow::Result<bool> {
    let gateway = crate::chaos::Gateway::maybe(&o.gateway, url).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let opens = chrono::Utc::now() + chrono::Duration::days(1);
    let (event, all) = crate::create_event(
        &http,
        url,
        secret,
        o.seats,
        4,
        json!({ "onSaleAt": opens.to_rfc3339(), "waitingRoom": {
            "admissionTtlSeconds": o.admission_ttl, "admitPerMinute": o.admit_per_minute,
        } }),
    )
    .await?;
    let seat_count = all.len() as u32;
    let pace =
        o.admit_per_minute.map_or("as the seats left allow".into(), |n| format!("{n} a minute"));
    println!("on-sale with a waiting room: {seat_count} seats, {} buyers, {concurrency} at a time, admitting {pace}, through {url} (event {event})", o.buyers);
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..o.buyers)
            .map(|i| local_gateway::auth::mint(secret, &format!("q{run}-{i}"), false, 7200))
            .collect(),
    );
    let client = Arc::new(Client { http, url: url.to_string(), log: Mutex::new(Vec::new()) });

    // Everyone joins before the opening, in index order (a worker takes the next index).
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let joiners: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, next, tokens, event) =
                (client.clone(), next.clone(), tokens.clone(), event.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= tokens.len() {
                        break;
                    }
                    let path = format!("/api/v1/events/{event}/queue");
                    let (status, _) = client
                        .call("join", Method::POST, &path, &tokens[i], None, Some(json!({})))
                        .await;
                    if status != 201 {
                        eprintln!("join {i}: {status}");
                    }
                }
            })
        })
        .collect();
    futures::future::join_all(joiners).await;
    let join_time = started.elapsed();
    let mut joins = client.tally("join");
    joins.report("join", join_time);

    // The opening: an admin moves onSaleAt to now.
    let admin = local_gateway::auth::mint(secret, "bench-admin", true, 3600);
    let (status, _) = client
        .call(
            "open",
            Method::PATCH,
            &format!("/api/v1/events/{event}"),
            &admin,
            None,
            Some(json!({ "onSaleAt": chrono::Utc::now().to_rfc3339() })),
        )
        .await;
    anyhow::ensure!(status == 200, "opening the sale: {status}");
    let opened = Instant::now();

    let buyers = Arc::new(Mutex::new(vec![Buyer::default(); o.buyers]));
    let sold_out = Arc::new(AtomicBool::new(false));
    let sold_out_after = Arc::new(AtomicU64::new(0));
    let bought = Arc::new(AtomicU64::new(0));
    // The room's counts every 250 ms, for the chart: (seconds since the opening, stats).
    let room: Arc<Mutex<Vec<(f64, Value)>>> = Arc::default();
    let monitor = {
        let (client, event, sold_out, sold_out_after, admin, room) = (
            client.clone(),
            event.clone(),
            sold_out.clone(),
            sold_out_after.clone(),
            admin.clone(),
            room.clone(),
        );
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(250)).await;
                let stats = client
                    .http
                    .get(format!("{}/api/v1/events/{event}/queue/stats", client.url))
                    .bearer_auth(&admin)
                    .send()
                    .await;
                if let Ok(stats) = stats {
                    if let Ok(v) = stats.json::<Value>().await {
                        room.lock().unwrap().push((opened.elapsed().as_secs_f64(), v));
                    }
                }
                let Ok(r) = client
                    .http
                    .get(format!("{}/api/v1/events/{event}", client.url))
                    .bearer_auth(&admin)
                    .send()
                    .await
                else {
                    continue;
                };
                let Ok(e) = r.json::<Value>().await else { continue };
                if e["availability"]["available"] == 0 && e["availability"]["held"] == 0 {
                    sold_out_after.store(opened.elapsed().as_millis() as u64, Ordering::Relaxed);
                    sold_out.store(true, Ordering::Relaxed);
                    break;
                }
            }
        })
    };
    let cursor = Arc::new(AtomicUsize::new(0));
    let poll_every = Duration::from_millis(o.poll_ms);
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, tokens, event, buyers, sold_out, cursor, bought) = (
                client.clone(), tokens.clone(), event.clone(), buyers.clone(), sold_out.clone(),
                cursor.clone(), bought.clone(),
            );
            tokio::spawn(async move {
                let n = tokens.len();
                let mut idle = 0;
                while !sold_out.load(Ordering::Relaxed) {
                    let i = cursor.fetch_add(1, Ordering::Relaxed) % n;
                    let due = {
                        let mut b = buyers.lock().unwrap();
                        let due = !b[i].done && b[i].next_poll.is_none_or(|t| t <= Instant::now());
                        if due {
                            b[i].next_poll = Some(Instant::now() + poll_every);
                        }
                        due
                    };
                    if !due {
                        idle += 1;
                        if idle >= n {
                            // Nobody is due: everyone polled recently or is done.
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            idle = 0;
                        }
                        continue;
                    }
                    idle = 0;
                    let token = &tokens[i];
                    // The line's progress, the same for everyone (the edge's copy in AWS); the
                    // buyer's own entry only once the places are drawn (for its position) and
                    // once its turn has come (for the pass).
                    let path = format!("/api/v1/events/{event}/queue/progress");
                    let (status, line) = client.call("progress", Method::GET, &path, "", None, None).await;
                    if status != 200 {
                        continue;
                    }
                    let position = buyers.lock().unwrap()[i].position;
                    let mine = match position {
                        None => line["opened"] == true,
                        Some(p) => line["servedUpTo"].as_u64().is_some_and(|s| p <= s),
                    };
                    if !mine {
                        continue;
                    }
                    let path = format!("/api/v1/events/{event}/queue");
                    let (status, entry) = client.call("poll", Method::GET, &path, token, None, None).await;
                    if status != 200 {
                        continue;
                    }
                    if let Some(p) = entry["position"].as_u64() {
                        buyers.lock().unwrap()[i].position.get_or_insert(p);
                    }
                    match entry["status"].as_str() {
                        Some("ADMITTED") => {
                            let pass = entry["accessToken"].as_str().unwrap_or_default().to_string();
                            let quantity = rand::thread_rng().gen_range(1..=2);
                            let (st, hold) = client
                                .call("hold", Method::POST, &format!("/api/v1/events/{event}/holds"), token, Some(&pass),
                                    Some(json!({ "quantity": quantity })))
                                .await;
                            if st == 201 {
                                let (st, booking) = client
                                    .call("book", Method::POST, "/api/v1/bookings", token, None, Some(json!({ "holdId": hold["id"] })))
                                    .await;
                                if st == 201 {
                                    let (st, _) = client
                                        .call("pay", Method::POST, "/api/v1/payments", token, None,
                                            Some(json!({ "bookingId": booking["id"], "paymentMethod": "pm_card_visa" })))
                                        .await;
                                    if st == 201 {
                                        bought.fetch_add(1, Ordering::Relaxed);
                                    }
                                }
                            }
                            buyers.lock().unwrap()[i].done = true;
                        }
                        Some("EXPIRED") => buyers.lock().unwrap()[i].done = true,
                        _ => {}
                    }
                }
            })
        })
        .collect();
    futures::future::join_all(workers).await;
    monitor.abort();
    {
        let room = room.lock().unwrap();
        if let (Some(first), Some(last)) = (room.first(), room.last()) {
            println!("room at {:.2} s: {}; at {:.2} s: {}", first.0, first.1, last.0, last.1);
        }
        crate::report::room_chart(&o.chart, &room)?;
    }
    let sale_time = opened.elapsed();
    let sold_after = sold_out_after.load(Ordering::Relaxed);
    println!(
        "opening to sold out: {:.1} s; {} buyers paid",
        sold_after as f64 / 1000.0,
        bought.load(Ordering::Relaxed)
    );
    for kind in ["progress", "poll", "hold", "book", "pay"] {
        client.tally(kind).report(kind, sale_time);
    }
    let (order, placed): (Vec<f64>, Vec<f64>) = buyers
        .lock()
        .unwrap()
        .iter()
        .enumerate()
        .filter_map(|(i, b)| b.position.map(|p| (i as f64, p as f64)))
        .unzip();
    if order.len() > 1 {
        println!(
            "fairness: rank correlation of join order and position over {} early joiners = {:+.4} (fair: near 0)",
            order.len(),
            spearman(&order, &placed)
        );
    }
    let db = sqlx::mysql::MySqlPool::connect(database).await?;
    let clean = crate::sellout::audit(&db, &event, seat_count).await?;
    let room_hold_p99 = p99(&client.tally("hold"));

    if !o.no_compare {
        println!("\nthe same crowd on the same seats without a waiting room:");
        let (plain, _) =
            crate::create_event(&client.http, url, secret, o.seats, 4, json!({})).await?;
        let crowd = Arc::new(Client {
            http: client.http.clone(),
            url: url.to_string(),
            log: Mutex::new(Vec::new()),
        });
        let next = Arc::new(AtomicUsize::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (crowd, next, tokens, plain) = (crowd.clone(), next.clone(), tokens.clone(), plain.clone());
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= tokens.len() {
                            break;
                        }
                        let quantity = rand::thread_rng().gen_range(1..=2);
                        let (st, hold) = crowd
                            .call("hold", Method::POST, &format!("/api/v1/events/{plain}/holds"), &tokens[i], None,
                                Some(json!({ "quantity": quantity })))
                            .await;
                        if st == 201 {
                            let (st, booking) = crowd
                                .call("book", Method::POST, "/api/v1/bookings", &tokens[i], None, Some(json!({ "holdId": hold["id"] })))
                                .await;
                            if st == 201 {
                                crowd
                                    .call("pay", Method::POST, "/api/v1/payments", &tokens[i], None,
                                        Some(json!({ "bookingId": booking["id"], "paymentMethod": "pm_card_visa" })))
                                    .await;
                            }
                        }
                    }
                })
            })
            .collect();
        futures::future::join_all(workers).await;
        let took = started.elapsed();
        let mut holds = crowd.tally("hold");
        holds.report("hold", took);
        crowd.tally("book").report("book", took);
        println!(
            "hold p99: {room_hold_p99:.2} ms for admitted buyers behind the room, {:.2} ms for the crowd without it",
            p99(&holds)
        );
        crate::sellout::audit(&db, &plain, seat_count).await?;
    }

    crate::chaos::stop(gateway).await;
    queue_baseline(redis, concurrency, Duration::from_secs(o.baseline_seconds)).await?;
    Ok(clean)
}

fn p99(t: &Tally) -> f64 {
    let mut l = t.latencies.clone();
    l.sort_unstable();
    l.get((l.len() as f64 * 0.99) as usize).or(l.last()).copied().unwrap_or(0) as f64 / 1000.0
}

/// Spearman's rank correlation of two rankings of the same items (no ties).
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let rank = |v: &[f64]| {
        let mut idx: Vec<usize> = (0..v.len()).collect();
        idx.sort_by(|x, y| v[*x].total_cmp(&v[*y]));
        let mut r = vec![0.0; v.len()];
        for (k, i) in idx.into_iter().enumerate() {
            r[i] = k as f64;
        }
        r
    };
    let (ra, rb) = (rank(a), rank(b));
    let n = a.len() as f64;
    let d2: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

/// The queue's script straight on one Redis (one shard): joins of new users, then polls of them,
/// from `concurrency` tasks for `time` each. What one shard of a waiting room takes.
pub async fn queue_baseline(redis: &str, concurrency: usize, time: Duration) -> anyhow::Result<()> {
    use booking_core::ports::{Queue, RequestLimit};
    let seats =
        booking_core::adapters::redis::RedisSeats::new(redis, "benchq.", None, None, false)?;
    let now = chrono::Utc::now();
    let spec = booking_core::domain::EventSpec {
        name: "raw".into(),
        venue: "raw".into(),
        starts_at: now + chrono::Duration::days(30),
        currency: None,
        max_seats_per_order: None,
        max_tickets_per_user: None,
        hold_ttl_seconds: None,
        on_sale_at: Some(now + chrono::Duration::days(1)),
        sales_end_at: None,
        waiting_room: Some(booking_core::domain::WaitingRoomSpec::default()),
        charges: Default::default(),
        sections: vec![booking_core::domain::SectionSpec {
            name: "A".into(),
            rows: Some(100),
            seats_per_row: Some(100),
            capacity: None,
            price_cents: 1,
            category: None,
            tiers: Vec::new(),
        }],
    };
    let event = Arc::new(
        spec.validate(uuid::Uuid::now_v7(), now, 600).map_err(|e| anyhow::anyhow!("{e}"))?,
    );
    let limit = RequestLimit { requests: 0, window_ms: 10_000 };
    let joined = Arc::new(AtomicUsize::new(0));
    // Joins before the opening; polls after it (each places its early joiner by the shuffle).
    let mut open = (*event).clone();
    open.on_sale_at = now;
    let open = Arc::new(open);
    for op in ["join", "poll"] {
        let event = if op == "join" { event.clone() } else { open.clone() };
        let count = Arc::new(AtomicU64::new(0));
        let until = Instant::now() + time;
        let tasks: Vec<_> = (0..concurrency)
            .map(|_| {
                let (seats, event, count, joined) =
                    (seats.clone(), event.clone(), count.clone(), joined.clone());
                tokio::spawn(async move {
                    let line = booking_core::domain::queue::Line::general(&event);
                    while Instant::now() < until {
                        let now = chrono::Utc::now();
                        let ok = if op == "join" {
                            let i = joined.fetch_add(1, Ordering::Relaxed);
                            seats.join(line, &format!("u{i}"), now, limit).await.is_ok()
                        } else {
                            let i = rand::thread_rng()
                                .gen_range(0..joined.load(Ordering::Relaxed).max(1));
                            seats.poll(line, &format!("u{i}"), now, limit).await.is_ok()
                        };
                        if ok {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        futures::future::join_all(tasks).await;
        println!(
            "raw queue script on one Redis shard: {:.0} {op}s/s ({concurrency} clients)",
            count.load(Ordering::Relaxed) as f64 / time.as_secs_f64()
        );
    }
    Ok(())
}
