//! `checkins`: the door under load. Sells `tickets` seats (bookings of 4, paid), then scans at the
//! door through the API: every ticket once from `concurrency` stewards (check-ins/s on many tickets,
//! each admitted exactly once), then one ticket from all of them at once for a few seconds
//! (check-ins/s on one ticket: one conditional write wins, the rest are answered 409).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::report::Tally;

#[derive(clap::Args)]
pub struct Options {
    /// Tickets to sell and scan.
    #[arg(long, default_value_t = 2_000)]
    tickets: u32,
    /// Seconds of scanning one ticket.
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
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
    let (event, seats) = crate::create_event(&http, url, secret, o.tickets, 4, json!({})).await?;
    let seats: Vec<String> = seats.into_iter().take(o.tickets as usize).collect();
    println!(
        "check-in: {} tickets of event {event}, {concurrency} stewards, through {url}",
        seats.len()
    );

    // Sell every seat: bookings of 4, paid, by as many buyers.
    let groups: Arc<Vec<Vec<String>>> = Arc::new(seats.chunks(4).map(<[String]>::to_vec).collect());
    let next = Arc::new(AtomicUsize::new(0));
    let codes = Arc::new(Mutex::new(Vec::new()));
    let sellers: Vec<_> = (0..concurrency)
        .map(|_| {
            let (http, groups, next, codes, event, url, secret) = (
                http.clone(),
                groups.clone(),
                next.clone(),
                codes.clone(),
                event.clone(),
                url.to_string(),
                secret.to_string(),
            );
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(group) = groups.get(i) else { break };
                    let token =
                        local_gateway::auth::mint(&secret, &format!("fan-{i}"), false, 3600);
                    let post = |path: String, body: Value| {
                        let (http, token, url) = (http.clone(), token.clone(), url.clone());
                        async move {
                            http.post(format!("{url}{path}"))
                                .bearer_auth(&token)
                                .json(&body)
                                .send()
                                .await?
                                .json::<Value>()
                                .await
                        }
                    };
                    let Ok(b) = post(
                        "/api/v1/bookings".into(),
                        json!({ "eventId": event, "seatIds": group }),
                    )
                    .await
                    else {
                        continue;
                    };
                    let _ = post(
                        "/api/v1/payments".into(),
                        json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" }),
                    )
                    .await;
                    if let Ok(r) = http
                        .get(format!(
                            "{url}/api/v1/bookings/{}/tickets",
                            b["id"].as_str().unwrap_or_default()
                        ))
                        .bearer_auth(&token)
                        .send()
                        .await
                    {
                        if let Ok(t) = r.json::<Value>().await {
                            let mut c = codes.lock().unwrap();
                            for t in t["items"].as_array().into_iter().flatten() {
                                c.push(t["code"].as_str().unwrap_or_default().to_string());
                            }
                        }
                    }
                }
            })
        })
        .collect();
    futures::future::join_all(sellers).await;
    let codes = Arc::new(std::mem::take(&mut *codes.lock().unwrap()));
    println!("sold: {} tickets", codes.len());

    // Many tickets: each scanned once. Every scan is a steward of its own (a scanner robot would
    // trip the per-user write limit, which is for people).
    let steward = {
        let secret = secret.to_string();
        let n = Arc::new(AtomicUsize::new(0));
        Arc::new(move || {
            local_gateway::auth::mint_staff(
                &secret,
                &format!("steward-{}", n.fetch_add(1, Ordering::Relaxed)),
                600,
            )
        })
    };
    let scan = |http: reqwest::Client, token: String, body: Value, url: String| async move {
        let t = Instant::now();
        let status = match http
            .post(format!("{url}/api/v1/checkins"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
        {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        (status, t.elapsed().as_micros() as u64)
    };
    let many = Arc::new(Mutex::new(Tally::default()));
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (http, codes, next, many, steward, event, url) =
                (http.clone(), codes.clone(), next.clone(), many.clone(), steward.clone(), event.clone(), url.to_string());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(code) = codes.get(i) else { break };
                    let body = json!({ "eventId": event, "code": code, "gate": format!("gate-{}", w % 4) });
                    let (status, lat) = scan(http.clone(), steward(), body, url.clone()).await;
                    let mut t = many.lock().unwrap();
                    t.latencies.push(lat);
                    *t.by_status.entry(status).or_default() += 1;
                }
            })
        })
        .collect();
    futures::future::join_all(workers).await;
    let took = started.elapsed();
    let took_many = took;
    let mut many = std::mem::take(&mut *many.lock().unwrap());
    let admitted = many.by_status.get(&200).copied().unwrap_or(0);
    many.report("scan many", took);
    println!(
        "check-ins on many tickets: {:.0}/s; admitted {admitted} of {} (each once)",
        admitted as f64 / took.as_secs_f64(),
        codes.len()
    );

    // One ticket, everyone at once: one ADMITTED, the rest 409 ALREADY_CHECKED_IN (each still a
    // conditional write attempt and a recorded scan).
    let one = Arc::new(Mutex::new(Tally::default()));
    let until = Instant::now() + Duration::from_secs(o.seconds);
    let target = codes.first().cloned().unwrap_or_default();
    // Let it out first (it was admitted above), so the race starts from VALID.
    let _ = scan(
        http.clone(),
        steward(),
        json!({ "eventId": event, "code": target, "gate": "exit", "direction": "out" }),
        url.to_string(),
    )
    .await;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (http, one, steward, event, url, target) =
                (http.clone(), one.clone(), steward.clone(), event.clone(), url.to_string(), target.clone());
            tokio::spawn(async move {
                while Instant::now() < until {
                    let body = json!({ "eventId": event, "code": target, "gate": format!("gate-{}", w % 2) });
                    let (status, lat) = scan(http.clone(), steward(), body, url.clone()).await;
                    let mut t = one.lock().unwrap();
                    t.latencies.push(lat);
                    *t.by_status.entry(status).or_default() += 1;
                }
            })
        })
        .collect();
    futures::future::join_all(workers).await;
    let took = started.elapsed();
    let mut one = std::mem::take(&mut *one.lock().unwrap());
    let admitted_once = one.by_status.get(&200).copied().unwrap_or(0);
    one.report("scan one", took);
    println!(
        "check-ins on one ticket: {:.0} scans/s, admitted {admitted_once} time(s) (must be 1)",
        one.latencies.len() as f64 / took.as_secs_f64()
    );
    crate::chaos::stop(gateway).await;
    let raw =
        crate::baseline::mysql_baseline(database, concurrency, Duration::from_secs(o.seconds))
            .await?;
    println!(
        "ratio: check-ins on many tickets {:.0}/s vs raw MySQL write transaction {raw:.0}/s = {:.2}",
        admitted as f64 / took_many.as_secs_f64(),
        admitted as f64 / took_many.as_secs_f64() / raw
    );
    Ok(admitted == codes.len() as u64 && admitted_once == 1)
}
