//! `bookings`: the booking path's capacity, not the demand a sell-out paces it at. `holds` buyers
//! each hold two seats first (not measured); then every hold is booked at once by `concurrency`
//! workers (bookings/s), then every booking paid at once (payments/s), each beside the raw MySQL
//! write-transaction rate of the same run; then the audit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::report::Tally;

#[derive(clap::Args)]
pub struct Options {
    /// Holds to book (two seats each).
    #[arg(long, default_value_t = 2_000)]
    holds: u32,
    /// Send an Idempotency-Key with each booking and payment (the DynamoDB claim's cost).
    #[arg(long)]
    keys: bool,
    /// Seconds the raw MySQL baseline runs.
    #[arg(long, default_value_t = 5)]
    baseline_seconds: u64,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
}

/// One buyer's request: its user's token, the path and the body; the answer's status and body.
pub(crate) async fn post(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    path: &str,
    body: Value,
    key: Option<String>,
) -> (u16, Value) {
    let mut req = http.post(format!("{url}{path}")).bearer_auth(token).json(&body);
    if let Some(k) = key {
        req = req.header("idempotency-key", k);
    }
    match req.send().await {
        Ok(r) => (r.status().as_u16(), r.json().await.unwrap_or(Value::Null)),
        Err(_) => (0, Value::Null),
    }
}

/// Runs `work` over every item with `concurrency` workers; returns the tally and the time taken.
pub(crate) async fn all_at_once<F, Fut>(
    items: usize,
    concurrency: usize,
    work: F,
) -> (Tally, Duration)
where
    F: Fn(usize) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = u16> + Send,
{
    let work = Arc::new(work);
    let tally = Arc::new(Mutex::new(Tally::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (work, tally, next) = (work.clone(), tally.clone(), next.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= items {
                        break;
                    }
                    let t = Instant::now();
                    let status = work(i).await;
                    let mut tally = tally.lock().unwrap();
                    tally.latencies.push(t.elapsed().as_micros() as u64);
                    *tally.by_status.entry(status).or_default() += 1;
                }
            })
        })
        .collect();
    futures::future::join_all(workers).await;
    let took = started.elapsed();
    let tally = std::mem::take(&mut *tally.lock().unwrap());
    (tally, took)
}

pub async fn run(
    url: &str,
    secret: &str,
    database: &str,
    concurrency: usize,
    o: Options,
) -> anyhow::Result<bool> {
    let gateway = crate::chaos::Gateway::maybe(&o.gateway, url).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let n = o.holds as usize;
    let (event, seats) = crate::create_event(&http, url, secret, o.holds * 2, 4, json!({})).await?;
    println!(
        "booking capacity: {n} holds of 2 seats (event {event}), {concurrency} at a time, keys {}",
        o.keys
    );
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..n)
            .map(|i| local_gateway::auth::mint(secret, &format!("capacity-{i}"), false, 3600))
            .collect(),
    );
    let seats = Arc::new(seats);
    let ids = Arc::new(Mutex::new(vec![String::new(); n]));

    // Not measured: every buyer holds two seats.
    let (h, url_s) = (http.clone(), url.to_string());
    let (tk, st, ev, out) = (tokens.clone(), seats.clone(), event.clone(), ids.clone());
    let (mut holds, took) = all_at_once(n, concurrency, move |i| {
        let (h, url_s, tk, st, ev, out) =
            (h.clone(), url_s.clone(), tk.clone(), st.clone(), ev.clone(), out.clone());
        async move {
            let body = json!({ "seatIds": [st[2 * i], st[2 * i + 1]] });
            let (status, b) =
                post(&h, &url_s, &tk[i], &format!("/api/v1/events/{ev}/holds"), body, None).await;
            out.lock().unwrap()[i] = b["id"].as_str().unwrap_or_default().to_string();
            status
        }
    })
    .await;
    holds.report("hold", took);

    // Every hold booked at once.
    let (h, url_s) = (http.clone(), url.to_string());
    let (tk, holds_ids, out) = (tokens.clone(), Arc::new(ids.lock().unwrap().clone()), ids.clone());
    let keys = o.keys;
    let (mut book, book_took) = all_at_once(n, concurrency, move |i| {
        let (h, url_s, tk, holds_ids, out) =
            (h.clone(), url_s.clone(), tk.clone(), holds_ids.clone(), out.clone());
        async move {
            let key = keys.then(|| format!("book-{}", holds_ids[i]));
            let (status, b) = post(
                &h,
                &url_s,
                &tk[i],
                "/api/v1/bookings",
                json!({ "holdId": holds_ids[i] }),
                key,
            )
            .await;
            out.lock().unwrap()[i] = b["id"].as_str().unwrap_or_default().to_string();
            status
        }
    })
    .await;
    book.report("book", book_took);

    // Every booking paid at once.
    let (h, url_s) = (http.clone(), url.to_string());
    let (tk, bookings) = (tokens.clone(), Arc::new(ids.lock().unwrap().clone()));
    let (mut pay, pay_took) = all_at_once(n, concurrency, move |i| {
        let (h, url_s, tk, bookings) = (h.clone(), url_s.clone(), tk.clone(), bookings.clone());
        async move {
            let key = keys.then(|| format!("pay-{}", bookings[i]));
            let body = json!({ "bookingId": bookings[i], "paymentMethod": "pm_card_visa" });
            post(&h, &url_s, &tk[i], "/api/v1/payments", body, key).await.0
        }
    })
    .await;
    pay.report("pay", pay_took);
    crate::chaos::stop(gateway).await;

    let booked = book.by_status.get(&201).copied().unwrap_or(0);
    let paid = pay.by_status.get(&201).copied().unwrap_or(0);
    let raw = crate::baseline::mysql_baseline(
        database,
        concurrency,
        Duration::from_secs(o.baseline_seconds),
    )
    .await?;
    let (book_rate, pay_rate) =
        (booked as f64 / book_took.as_secs_f64(), paid as f64 / pay_took.as_secs_f64());
    println!(
        "ratio: bookings {book_rate:.0}/s vs raw MySQL write transaction {raw:.0}/s = {:.2}",
        book_rate / raw
    );
    println!(
        "ratio: payments {pay_rate:.0}/s vs raw MySQL write transaction {raw:.0}/s = {:.2}",
        pay_rate / raw
    );
    let db = sqlx::MySqlPool::connect(database).await?;
    let clean = crate::sellout::audit(&db, &event, o.holds * 2).await?;
    Ok(clean && booked == n as u64 && paid == n as u64)
}
