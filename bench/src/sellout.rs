//! `sellout`: N seats, M buyers racing to hold, book and pay, many for the same seats; some abandon,
//! some are declined and pay again, some pay late through the webhook, some retry with the same
//! idempotency key. Ends with the report, the MySQL audit, the baselines and an SVG chart.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use serde_json::{json, Value};
use sqlx::mysql::MySqlPool;

use crate::report::Tally;
use crate::{baseline, chaos};

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 10_000)]
    seats: u32,
    #[arg(long, default_value_t = 100_000)]
    buyers: usize,
    /// Percent of buyers who hold and walk away.
    #[arg(long, default_value_t = 10)]
    abandon_pct: u32,
    /// Percent whose card is declined first.
    #[arg(long, default_value_t = 5)]
    declined_pct: u32,
    /// Percent who pay asynchronously, settled by a signed webhook.
    #[arg(long, default_value_t = 5)]
    late_pct: u32,
    /// Percent who retry their booking and payment with the same idempotency key.
    #[arg(long, default_value_t = 10)]
    retry_pct: u32,
    /// Percent of buyers going for the same hot tenth of the seats.
    #[arg(long, default_value_t = 50)]
    hot_pct: u32,
    #[arg(long, env = "PAYMENT_WEBHOOK_SECRET", default_value = "local-webhook-secret")]
    webhook_secret: String,
    /// Seconds each raw backend baseline runs.
    #[arg(long, default_value_t = 5)]
    baseline_seconds: u64,
    #[arg(long, default_value = "target/onsale.svg")]
    chart: String,
    /// Send no Idempotency-Key (except on retries): isolates the DynamoDB emulator's cost.
    #[arg(long)]
    no_keys: bool,
    /// Inject a fault mid-sale.
    #[arg(long, value_enum)]
    chaos: Option<crate::chaos::Mode>,
    /// Run this gateway binary as the bench's own child (needed for `--chaos gateway-kill`).
    #[arg(long)]
    gateway: Option<String>,
    /// Sell one general-admission area of `--seats` places (buyers ask for 1-4 places of it)
    /// instead of a seated hall.
    #[arg(long)]
    ga: bool,
    /// Live viewers: WebSocket clients following the event's seat map (none under chaos).
    #[arg(long, default_value_t = 4)]
    viewers: usize,
    /// The stack script that brings services back.
    #[arg(long, default_value = "localstack/stack.sh")]
    stack: String,
}

/// Every request: (kind, ms since start, latency µs, status).
type Log = Mutex<Vec<(&'static str, u64, u64, u16)>>;

struct Client {
    http: reqwest::Client,
    url: String,
    started: Instant,
    log: Log,
    /// The Stripe emulator's API, when the gateway pays through Stripe (the local default).
    stripe: Option<String>,
}

impl Client {
    /// One request, as a client would send it: a connection that fails is tried again (up to
    /// 10 s), the way browsers and SDKs retry; the latency counts from the first try.
    async fn call(
        &self,
        kind: &'static str,
        method: reqwest::Method,
        path: &str,
        token: &str,
        key: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        let t = Instant::now();
        let (status, body) = loop {
            let mut req =
                self.http.request(method.clone(), format!("{}{path}", self.url)).bearer_auth(token);
            if let Some(k) = key {
                req = req.header("idempotency-key", k);
            }
            if let Some(b) = &body {
                req = req.json(b);
            }
            match req.send().await {
                Ok(r) => {
                    let s = r.status().as_u16();
                    break (s, r.json().await.unwrap_or(Value::Null));
                }
                Err(_) if t.elapsed() < Duration::from_secs(10) => {
                    tokio::time::sleep(Duration::from_millis(100)).await
                }
                Err(_) => break (0, Value::Null),
            }
        };
        let at = self.started.elapsed().as_millis() as u64;
        self.log.lock().unwrap().push((kind, at, t.elapsed().as_micros() as u64, status));
        (status, body)
    }
}

#[derive(Default)]
struct Outcomes {
    hold_lost: AtomicU64,
    abandoned: AtomicU64,
    book_lost: AtomicU64,
    paid: AtomicU64,
    declined_then_paid: AtomicU64,
    paid_late: AtomicU64,
    retried: AtomicU64,
    retry_mismatch: AtomicU64,
    errors: AtomicU64,
}

pub async fn run(
    url: &str,
    secret: &str,
    redis: &str,
    database: &str,
    concurrency: usize,
    o: Options,
) -> anyhow::Result<bool> {
    anyhow::ensure!(
        o.chaos != Some(chaos::Mode::GatewayKill) || o.gateway.is_some(),
        "--chaos gateway-kill needs --gateway PATH"
    );
    let gateway = chaos::Gateway::maybe(&o.gateway, url).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let (event, all) = if o.ga {
        let area = json!({ "sections": [{ "name": GA_AREA, "capacity": o.seats, "priceCents": 5000, "category": "standing" }] });
        let (event, _) = crate::create_event(&http, url, secret, o.seats, 4, area).await?;
        (event, (1..=o.seats).map(|n| format!("{GA_AREA}-{n}")).collect::<Vec<_>>())
    } else {
        crate::create_event(&http, url, secret, o.seats, 4, json!({})).await?
    };
    let (per_row, seat_count) = (50u32, all.len() as u32);
    println!("on-sale: {seat_count} seats, {} buyers, {concurrency} at a time, through {url} (event {event})", o.buyers);
    let viewer_token = local_gateway::auth::mint(secret, "bench-viewer", false, 3600);
    let mut viewers = Vec::new();
    for _ in 0..if o.chaos.is_none() { o.viewers } else { 0 } {
        viewers.push(crate::watch::Watcher::start(url, &viewer_token, &event).await?);
    }
    if !viewers.is_empty() {
        // The pipeline is live before the sale starts: a probe hold reaches every viewer.
        let probe = http_probe_hold(url, &viewer_token, &event, &all[all.len() - 1]).await?;
        let took = crate::watch::until_live(&viewers, Duration::from_secs(90)).await?;
        println!(
            "live viewers: {} subscribed; the first push reached them after {} ms",
            viewers.len(),
            took.as_millis()
        );
        reqwest::Client::new()
            .delete(format!("{url}/api/v1/holds/{probe}"))
            .bearer_auth(&viewer_token)
            .send()
            .await?;
    }

    // Users and idempotency keys are new each run: keys live 24 h.
    let run = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let stripe = stripe_of(&http, url, &viewer_token).await?;
    println!(
        "payments: {}",
        stripe
            .as_deref()
            .map_or("the sandbox provider".into(), |s| format!("through Stripe's API at {s}"))
    );
    let client = Arc::new(Client {
        http,
        url: url.to_string(),
        started: Instant::now(),
        log: Mutex::new(Vec::new()),
        stripe,
    });
    let outcomes = Arc::new(Outcomes::default());
    let next = Arc::new(AtomicUsize::new(0));
    let o = Arc::new(o);
    let progress = {
        let (client, next, o) = (client.clone(), next.clone(), o.clone());
        tokio::spawn(async move {
            let mut last = 0;
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                let n = client.log.lock().unwrap().len();
                let done = next.load(Ordering::Relaxed).min(o.buyers);
                eprintln!(
                    "  {:>4}s  buyers {done:>7}/{}  {:>6} req/s",
                    client.started.elapsed().as_secs(),
                    o.buyers,
                    n - last
                );
                last = n;
            }
        })
    };
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (client, outcomes, next, o, event, secret, run) = (
                client.clone(),
                outcomes.clone(),
                next.clone(),
                o.clone(),
                event.clone(),
                secret.to_string(),
                run.clone(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= o.buyers {
                        break;
                    }
                    buyer(
                        &client,
                        &outcomes,
                        &o,
                        &event,
                        &secret,
                        seat_count,
                        per_row,
                        &format!("{run}-{i}"),
                    )
                    .await;
                }
            })
        })
        .collect();
    let fault = async {
        let mode = o.chaos?;
        let (began, lifted) =
            chaos::inject(mode, gateway.as_ref(), url, database, &event, &o.stack).await;
        let at = |t: Instant| t.duration_since(client.started).as_secs_f64();
        Some(crate::report::Fault {
            name: format!("{mode:?}"),
            began: at(began),
            lifted: at(lifted),
        })
    };
    let (fault, results) = tokio::join!(fault, futures::future::join_all(workers));
    for r in results {
        r?;
    }
    progress.abort();
    let elapsed = client.started.elapsed();
    if o.chaos.is_some() {
        let token = local_gateway::auth::mint(secret, "bench-probe", false, 3600);
        match chaos::serving_again(&client.http, url, &token, &event).await {
            Some(d) => println!(
                "after the fault: serving again ({} ms after the sale ended)",
                d.as_millis()
            ),
            None => println!("after the fault: NOT serving 60 s after the sale ended"),
        }
    }

    // The live viewers: what they saw, once the last changes have reached them.
    let live_ok = if viewers.is_empty() {
        true
    } else {
        let mut seen = Vec::new();
        for v in futures::future::join_all(viewers.into_iter().map(|v| v.finish())).await {
            seen.push(v?);
        }
        let map: serde_json::Value = client
            .http
            .get(format!("{url}/api/v1/events/{event}/seats"))
            .bearer_auth(&viewer_token)
            .send()
            .await?
            .json()
            .await?;
        if o.ga {
            // An area's places are counted, not listed: each viewer's picture must count the same.
            let area = &map["generalAdmission"][0];
            let count = |k: &str| area[k].as_u64().unwrap_or(u64::MAX) as usize;
            crate::watch::report_counts(&seen, count("held"), count("booked"))
        } else {
            let actual = map["seats"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|s| {
                    (
                        s["id"].as_str().unwrap_or_default().to_string(),
                        s["status"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            crate::watch::report(&seen, &actual)
        }
    };

    // The report, by kind.
    let log = std::mem::take(&mut *client.log.lock().unwrap());
    println!(
        "\n{} requests in {:.1}s: {:.0} req/s overall",
        log.len(),
        elapsed.as_secs_f64(),
        log.len() as f64 / elapsed.as_secs_f64()
    );
    let mut rates = BTreeMap::new();
    for kind in ["hold", "release", "book", "pay", "3ds", "pay-read", "webhook", "retry"] {
        let mut t = Tally::default();
        let (mut first, mut last) = (u64::MAX, 0);
        for (k, at, lat, st) in &log {
            if *k == kind {
                t.latencies.push(*lat);
                *t.by_status.entry(*st).or_default() += 1;
                first = first.min(*at);
                last = last.max(*at);
            }
        }
        if !t.latencies.is_empty() {
            // A kind's rate over the window it was active in, not the whole run.
            let window = Duration::from_millis((last - first).max(1000));
            rates.insert(kind, t.latencies.len() as f64 / window.as_secs_f64());
            t.report(kind, window);
        }
    }
    let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
    println!(
        "outcomes: hold lost {}, abandoned {}, booking lost {}, paid {} (declined first {}, late via webhook {}), retries {} (mismatched {}), transport errors {}",
        g(&outcomes.hold_lost), g(&outcomes.abandoned), g(&outcomes.book_lost), g(&outcomes.paid), g(&outcomes.declined_then_paid),
        g(&outcomes.paid_late), g(&outcomes.retried), g(&outcomes.retry_mismatch), g(&outcomes.errors)
    );

    // The audit, straight from MySQL.
    let db = MySqlPool::connect(database).await?;
    let clean = audit(&db, &event, seat_count).await?;

    // Baselines, now, on this machine.
    let bs = Duration::from_secs(o.baseline_seconds);
    let redis_rate = baseline::redis_baseline(redis, seat_count, concurrency, bs).await?;
    let mysql_rate = baseline::mysql_baseline(database, concurrency, bs).await?;
    if let Some(h) = rates.get("hold") {
        println!(
            "ratio: hold path {h:.0}/s vs raw Redis lock {redis_rate:.0}/s = {:.2}",
            h / redis_rate
        );
    }
    if let Some(b) = rates.get("book") {
        println!(
            "ratio: booking path {b:.0}/s vs raw MySQL write transaction {mysql_rate:.0}/s = {:.2}",
            b / mysql_rate
        );
    }
    if o.chaos.is_some() {
        // Everything the sale wrote must reach Kafka once the broker is back (the relay runs in the gateway).
        let started = Instant::now();
        let mut unsent: i64 = -1;
        while started.elapsed() < Duration::from_secs(60) {
            unsent = sqlx::query_scalar("SELECT COUNT(*) FROM history WHERE sent_at IS NULL")
                .fetch_one(&db)
                .await?;
            if unsent == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        println!(
            "outbox: {unsent} messages unsent after {} ms (must be 0)",
            started.elapsed().as_millis()
        );
        if unsent != 0 {
            return Ok(false);
        }
    }
    chaos::stop(gateway).await;
    crate::report::chart(&o.chart, &log, elapsed, fault.as_ref())?;
    Ok(clean && live_ok)
}

/// The audit of one event, straight from MySQL, printed: no seat in two live bookings, every
/// CONFIRMED booking with exactly one SUCCEEDED payment, no SUCCEEDED payment without one.
/// Returns whether it is clean.
pub async fn audit(db: &MySqlPool, event: &str, seat_count: u32) -> anyhow::Result<bool> {
    let (sold, doubled, unpaid, orphan): (i64, i64, i64, i64) = sqlx::query_as(
        "SELECT \
           (SELECT COUNT(*) FROM seats WHERE event_id = ? AND status = 'BOOKED'), \
           (SELECT COUNT(*) FROM (SELECT bs.seat_id FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id \
              WHERE bs.event_id = ? AND b.status IN ('PENDING','CONFIRMED') AND bs.released_at IS NULL GROUP BY bs.seat_id HAVING COUNT(*) > 1) x), \
           (SELECT COUNT(*) FROM bookings b WHERE b.event_id = ? AND b.status = 'CONFIRMED' AND \
              (SELECT COUNT(*) FROM payments p WHERE p.booking_id = b.id AND p.status = 'SUCCEEDED') <> 1), \
           (SELECT COUNT(*) FROM payments p JOIN bookings b ON b.id = p.booking_id \
              WHERE b.event_id = ? AND p.status = 'SUCCEEDED' AND b.status <> 'CONFIRMED')",
    )
    .bind(event)
    .bind(event)
    .bind(event)
    .bind(event)
    .fetch_one(db)
    .await?;
    println!("seats sold: {sold} of {seat_count}");
    println!("audit: seats in more than one live booking {doubled} (must be 0)");
    println!(
        "audit: CONFIRMED bookings without exactly one SUCCEEDED payment {unpaid} (must be 0)"
    );
    println!(
        "audit: SUCCEEDED payments without a confirmed booking or refund {orphan} (must be 0)"
    );
    let clean = doubled == 0 && unpaid == 0 && orphan == 0;
    println!("audit verdict: {}", if clean { "CLEAN" } else { "FAILED" });
    Ok(clean)
}

/// Holds one seat as `token`'s user; returns the hold id.
async fn http_probe_hold(
    url: &str,
    token: &str,
    event: &str,
    seat: &str,
) -> anyhow::Result<String> {
    let res: serde_json::Value = reqwest::Client::new()
        .post(format!("{url}/api/v1/events/{event}/holds"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "seatIds": [seat] }))
        .send()
        .await?
        .json()
        .await?;
    res["id"]
        .as_str()
        .map(String::from)
        .ok_or_else(|| anyhow::anyhow!("the probe hold failed: {res}"))
}

/// The general-admission area of `--ga`.
const GA_AREA: &str = "FLOOR";

#[allow(clippy::too_many_arguments)]
async fn buyer(
    c: &Client,
    out: &Outcomes,
    o: &Options,
    event: &str,
    secret: &str,
    seats: u32,
    per_row: u32,
    i: &str,
) {
    use reqwest::Method;
    let token = local_gateway::auth::mint(secret, &format!("buyer-{i}"), false, 3600);
    let (pick, roll): (Value, u32) = {
        let mut rng = rand::thread_rng();
        let n = rng.gen_range(1..=4u32);
        let body = if o.ga {
            json!({ "quantity": n, "section": GA_AREA })
        } else if rng.gen_range(0..100) < o.hot_pct {
            // The hot tenth: everyone wants the front rows.
            let hot = (seats / 10).max(n);
            let start = rng.gen_range(0..=hot - n);
            let ids: Vec<String> = (start..start + n)
                .map(|s| format!("A-{}-{}", s / per_row + 1, s % per_row + 1))
                .collect();
            json!({ "seatIds": ids })
        } else {
            json!({ "quantity": n })
        };
        (body, rng.gen_range(0..100))
    };
    let (st, hold) = c
        .call(
            "hold",
            Method::POST,
            &format!("/api/v1/events/{event}/holds"),
            &token,
            None,
            Some(pick),
        )
        .await;
    if !won(st, out, &out.hold_lost) {
        return;
    }
    let hold_id = hold["id"].as_str().unwrap_or_default().to_string();
    if roll < o.abandon_pct {
        if roll % 2 == 0 {
            c.call(
                "release",
                Method::DELETE,
                &format!("/api/v1/holds/{hold_id}"),
                &token,
                None,
                None,
            )
            .await;
        }
        out.abandoned.fetch_add(1, Ordering::Relaxed);
        return;
    }
    let retry = roll >= 100 - o.retry_pct;
    let book_key = format!("book-{i}");
    let body = json!({ "holdId": hold_id });
    let keyed = retry || !o.no_keys;
    let (st, booking) = c
        .call(
            "book",
            Method::POST,
            "/api/v1/bookings",
            &token,
            keyed.then_some(book_key.as_str()),
            Some(body.clone()),
        )
        .await;
    if retry {
        out.retried.fetch_add(1, Ordering::Relaxed);
        let (st2, again) = c
            .call("retry", Method::POST, "/api/v1/bookings", &token, Some(&book_key), Some(body))
            .await;
        if st2 != st || again != booking {
            out.retry_mismatch.fetch_add(1, Ordering::Relaxed);
        }
    }
    if !won(st, out, &out.book_lost) {
        return;
    }
    let booking_id = booking["id"].as_str().unwrap_or_default().to_string();
    let declined = (o.abandon_pct..o.abandon_pct + o.declined_pct).contains(&roll);
    let late = (o.abandon_pct + o.declined_pct..o.abandon_pct + o.declined_pct + o.late_pct)
        .contains(&roll);
    if declined {
        c.call(
            "pay",
            Method::POST,
            "/api/v1/payments",
            &token,
            None,
            Some(json!({ "bookingId": booking_id, "paymentMethod": "pm_card_chargeCustomerFail" })),
        )
        .await;
    }
    let method = match (&c.stripe, late) {
        (Some(stripe), true) => three_d_secure_card(c, stripe).await,
        (None, true) => "pm_card_async".to_string(),
        _ => "pm_card_visa".to_string(),
    };
    let pay_key = format!("pay-{i}");
    let pay = json!({ "bookingId": booking_id, "paymentMethod": method });
    let (st, payment) = c
        .call(
            "pay",
            Method::POST,
            "/api/v1/payments",
            &token,
            keyed.then_some(pay_key.as_str()),
            Some(pay.clone()),
        )
        .await;
    if retry {
        let (st2, again) = c
            .call("retry", Method::POST, "/api/v1/payments", &token, Some(&pay_key), Some(pay))
            .await;
        if st2 != st || again != payment {
            out.retry_mismatch.fetch_add(1, Ordering::Relaxed);
        }
    }
    if st != 201 {
        out.errors.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if let (true, Some(stripe)) = (late, &c.stripe) {
        // The buyer passes the bank's check (Stripe.js's step), and the page reads the payment,
        // which asks Stripe and settles it (Stripe's webhook comes a second later, and finds it
        // settled).
        let secret = payment["clientSecret"].as_str().unwrap_or_default();
        authenticate(c, stripe, secret).await;
        let pid = payment["id"].as_str().unwrap_or_default();
        let path = format!("/api/v1/payments/{pid}");
        let (_, read) = c.call("pay-read", Method::GET, &path, &token, None, None).await;
        if read["status"] != "SUCCEEDED" {
            out.errors.fetch_add(1, Ordering::Relaxed);
        }
        out.paid_late.fetch_add(1, Ordering::Relaxed);
    } else if late {
        let pid = payment["id"].as_str().unwrap_or_default();
        let hook = json!({ "id": format!("evt_{i}"), "type": "payment.succeeded", "data": { "paymentId": pid } }).to_string();
        let sig = booking_core_sign(&o.webhook_secret, &hook);
        let t = Instant::now();
        let st = match c
            .http
            .post(format!("{}/api/v1/payments/webhook", c.url))
            .header("payment-signature", sig)
            .header("content-type", "application/json")
            .body(hook)
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        c.log.lock().unwrap().push((
            "webhook",
            c.started.elapsed().as_millis() as u64,
            t.elapsed().as_micros() as u64,
            st,
        ));
        out.paid_late.fetch_add(1, Ordering::Relaxed);
    } else if declined {
        out.declined_then_paid.fetch_add(1, Ordering::Relaxed);
    }
    out.paid.fetch_add(1, Ordering::Relaxed);
}

/// The Stripe emulator's API when the gateway at `url` pays through Stripe. Its webhooks go to the
/// gateway `bash localstack/bench.sh` runs (it moves the stack's one endpoint there for the run).
async fn stripe_of(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> anyhow::Result<Option<String>> {
    let config: Value = http
        .get(format!("{url}/api/v1/payments/config"))
        .bearer_auth(token)
        .send()
        .await?
        .json()
        .await?;
    if config["provider"] != "stripe" {
        return Ok(None);
    }
    Ok(Some(std::env::var("STRIPE_API_BASE").unwrap_or_else(|_| "http://127.0.0.1:8420".into())))
}

/// A card at the emulator that needs 3-D Secure (Stripe's test card 4000 0027 6000 3184).
async fn three_d_secure_card(c: &Client, stripe: &str) -> String {
    let form = [
        ("type", "card"),
        ("card[number]", "4000002760003184"),
        ("card[exp_month]", "12"),
        ("card[exp_year]", "2030"),
        ("card[cvc]", "123"),
    ];
    let card: Value = match c
        .http
        .post(format!("{stripe}/v1/payment_methods"))
        .basic_auth(booking_core::config::LOCAL_STRIPE_KEY, Some(""))
        .form(&form)
        .send()
        .await
    {
        Ok(r) => r.json().await.unwrap_or(Value::Null),
        Err(_) => Value::Null,
    };
    card["id"].as_str().unwrap_or("pm_card_visa").to_string()
}

/// The buyer's authentication of the PaymentIntent whose client secret is `secret`, at the
/// emulator (what Stripe.js does with the bank's page); the intent id is the secret's prefix.
async fn authenticate(c: &Client, stripe: &str, secret: &str) {
    let intent = secret.split("_secret_").next().unwrap_or_default();
    let t = Instant::now();
    let st = match c
        .http
        .post(format!("{stripe}/v1/payment_intents/{intent}/_authenticate"))
        .basic_auth(booking_core::config::LOCAL_STRIPE_KEY, Some(""))
        .form(&[("client_secret", secret), ("success", "true")])
        .send()
        .await
    {
        Ok(r) => r.status().as_u16(),
        Err(_) => 0,
    };
    let at = c.started.elapsed().as_millis() as u64;
    c.log.lock().unwrap().push(("3ds", at, t.elapsed().as_micros() as u64, st));
}

/// Whether a create answered 201; otherwise counts it as lost (4xx) or as an error.
fn won(status: u16, out: &Outcomes, lost: &AtomicU64) -> bool {
    if status == 201 {
        return true;
    }
    if status == 0 || status >= 500 { &out.errors } else { lost }.fetch_add(1, Ordering::Relaxed);
    false
}

/// The provider's `Payment-Signature` for a webhook body, now.
fn booking_core_sign(secret: &str, body: &str) -> String {
    booking_core::domain::payment::sign_webhook(
        secret,
        chrono::Utc::now().timestamp(),
        body.as_bytes(),
    )
}
