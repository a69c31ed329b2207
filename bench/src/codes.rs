//! `codes`: the code race. `buyers` each hold one seat of a plain event (the hold path without a
//! code), then each holds one seat of a second event with one DISCOUNT code of `uses` uses (the
//! hold path with a code: the use is counted in the hold script); the holds that got a use are
//! booked and paid. Exactly `uses` paid orders, the code's `used` count, the audit, and both hold
//! rates beside the raw Redis lock of the same run.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::bookings::{all_at_once, post};

#[derive(clap::Args)]
pub struct Options {
    /// Buyers racing, one seat each.
    #[arg(long, default_value_t = 5_000)]
    buyers: u32,
    /// Uses of the one code they race for.
    #[arg(long, default_value_t = 50)]
    uses: u32,
    /// Seconds the raw Redis baseline runs.
    #[arg(long, default_value_t = 5)]
    baseline_seconds: u64,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
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
    let n = o.buyers as usize;
    let (plain, seats) = crate::create_event(&http, url, secret, o.buyers, 4, json!({})).await?;
    let (coded, _) = crate::create_event(&http, url, secret, o.buyers, 4, json!({})).await?;
    let admin = local_gateway::auth::mint(secret, "bench-admin", true, 3600);
    let code = json!({ "code": "RACE", "kind": "DISCOUNT", "maxUses": o.uses, "percentOff": 10 });
    let (status, made) =
        post(&http, url, &admin, &format!("/api/v1/events/{coded}/codes"), code, None).await;
    anyhow::ensure!(status == 201, "making the code: {status} {made}");
    println!(
        "code race: {n} buyers, one seat each, {} uses of one code, {concurrency} at a time",
        o.uses
    );
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..n)
            .map(|i| local_gateway::auth::mint(secret, &format!("coder-{i}"), false, 3600))
            .collect(),
    );
    let seats = Arc::new(seats);
    let holds = Arc::new(Mutex::new(vec![String::new(); n]));
    let mut rates = Vec::new();
    for (event, with_code) in [(plain.clone(), false), (coded.clone(), true)] {
        let (h, u, tk, st, out) =
            (http.clone(), url.to_string(), tokens.clone(), seats.clone(), holds.clone());
        let (mut tally, took) = all_at_once(n, concurrency, move |i| {
            let (h, u, tk, st, out, event) =
                (h.clone(), u.clone(), tk.clone(), st.clone(), out.clone(), event.clone());
            async move {
                let mut body = json!({ "seatIds": [st[i]] });
                if with_code {
                    body["code"] = json!("RACE");
                }
                let (status, b) =
                    post(&h, &u, &tk[i], &format!("/api/v1/events/{event}/holds"), body, None)
                        .await;
                if with_code {
                    out.lock().unwrap()[i] = b["id"].as_str().unwrap_or_default().to_string();
                }
                status
            }
        })
        .await;
        tally.report(if with_code { "hold with code" } else { "hold without code" }, took);
        println!("  answers: {:?}", tally.by_status);
        rates
            .push((n as f64 / took.as_secs_f64(), tally.by_status.get(&201).copied().unwrap_or(0)));
    }
    let won: Vec<(usize, String)> =
        holds.lock().unwrap().iter().cloned().enumerate().filter(|(_, h)| !h.is_empty()).collect();
    let mut paid = 0;
    for (i, hold) in &won {
        let (status, b) =
            post(&http, url, &tokens[*i], "/api/v1/bookings", json!({ "holdId": hold }), None)
                .await;
        if status != 201 {
            println!("  booking {hold}: {status} {b}");
            continue;
        }
        let body = json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" });
        let (status, p) = post(&http, url, &tokens[*i], "/api/v1/payments", body, None).await;
        if status == 201 && p["amountCents"] == 4500 {
            paid += 1;
        } else {
            println!("  payment: {status} {p}");
        }
    }
    let listed: serde_json::Value = http
        .get(format!("{url}/api/v1/events/{coded}/codes"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let used = listed["items"][0]["used"].as_u64().unwrap_or(0);
    crate::chaos::stop(gateway).await;
    let raw = crate::baseline::redis_baseline(
        redis,
        o.buyers,
        concurrency,
        Duration::from_secs(o.baseline_seconds),
    )
    .await?;
    let ((plain_rate, plain_won), (code_rate, code_won)) = (rates[0], rates[1]);
    println!(
        "holds without code: {plain_won} of {n} held; with code: {code_won} held (uses {})",
        o.uses
    );
    println!(
        "paid orders with the code: {paid} (must be {}); the code's used count {used}",
        o.uses
    );
    println!(
        "ratio: holds without code {plain_rate:.0}/s vs raw lock {raw:.0}/s = {:.2}",
        plain_rate / raw
    );
    println!(
        "ratio: holds with code {code_rate:.0}/s vs raw lock {raw:.0}/s = {:.2}",
        code_rate / raw
    );
    let db = sqlx::MySqlPool::connect(database).await?;
    let clean = crate::sellout::audit(&db, &coded, o.uses).await?;
    let exact = code_won == u64::from(o.uses) && paid == o.uses && used == u64::from(o.uses);
    println!("code race verdict: {}", if exact { "EXACT" } else { "WRONG" });
    Ok(clean && exact)
}
