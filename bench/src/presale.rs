//! `presale`: an on-sale with a presale. A tenth of the crowd holds an access code (one code of
//! three uses in four of them) that sets section P (a tenth of the seats) aside until ten seconds
//! into the general sale. In the presale the code holders race for best-available pairs while a
//! sample of everyone else is refused; their holds are booked and paid. The general sale then opens
//! to half of the rest, who race for what is left outside P; when the reservation ends, the other
//! half races for P. Verdict: exactly `maxUses` presale holds and paid orders, nobody without the
//! code holding anything before the sale nor a seat of P before the reservation ends, the rest of
//! P sold after it, and a clean audit; the hold rates with and without the code beside the raw lock.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use serde_json::{json, Value};

use crate::bookings::{all_at_once, post};

#[derive(clap::Args)]
pub struct Options {
    /// The crowd; a tenth of it holds the presale's code.
    #[arg(long, default_value_t = 10_000)]
    buyers: u32,
    /// Seats in all, in rows of 50; the last tenth (section P) is reserved for the code.
    #[arg(long, default_value_t = 5_000)]
    seats: u32,
    /// Seconds from the start to the general sale (the presale's holds, bookings and payments
    /// must fit in them).
    #[arg(long, default_value_t = 45)]
    presale_seconds: i64,
    /// Seconds the raw Redis baseline runs.
    #[arg(long, default_value_t = 5)]
    baseline_seconds: u64,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
}

/// The sale the waves of buyers go to.
struct Sale {
    http: reqwest::Client,
    url: String,
    event: String,
    tokens: Arc<Vec<String>>,
    concurrency: usize,
}

/// One wave of buyers (`range` of the tokens) asking for best-available pairs, with `code` or
/// without; returns (holds/s, each buyer's hold id and seats, the answers by status).
async fn wave(
    sale: &Sale,
    range: std::ops::Range<usize>,
    code: Option<&str>,
    name: &str,
) -> (f64, Vec<Vec<String>>, std::collections::BTreeMap<u16, u64>) {
    let n = range.len();
    let got = Arc::new(Mutex::new(vec![Vec::new(); n]));
    let (h, u, tk, out, ev) =
        (sale.http.clone(), sale.url.clone(), sale.tokens.clone(), got.clone(), sale.event.clone());
    let concurrency = sale.concurrency;
    let (code, start) = (code.map(str::to_string), range.start);
    let (mut tally, took) = all_at_once(n, concurrency, move |i| {
        let (h, u, tk, out, ev, code) =
            (h.clone(), u.clone(), tk.clone(), out.clone(), ev.clone(), code.clone());
        async move {
            let mut body = json!({ "quantity": 2 });
            if let Some(c) = code {
                body["code"] = json!(c);
            }
            let (status, b) =
                post(&h, &u, &tk[start + i], &format!("/api/v1/events/{ev}/holds"), body, None)
                    .await;
            if status == 201 {
                let seats = b["seatIds"].as_array().cloned().unwrap_or_default();
                out.lock().unwrap()[i] =
                    seats.iter().filter_map(|s| s.as_str().map(str::to_string)).collect();
                if let Some(id) = b["id"].as_str() {
                    out.lock().unwrap()[i].insert(0, id.to_string());
                }
            }
            status
        }
    })
    .await;
    tally.report(name, took);
    println!("  answers: {:?}", tally.by_status);
    let got = std::mem::take(&mut *got.lock().unwrap());
    (n as f64 / took.as_secs_f64(), got, tally.by_status.clone())
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
    let (n, fans) = (o.buyers as usize, (o.buyers / 10).max(1) as usize);
    let uses = (fans * 3 / 4).max(1);
    let reserved_rows = (o.seats / 10).div_ceil(50).max(1);
    let rows = o.seats.div_ceil(50).saturating_sub(reserved_rows).max(1);
    let on_sale = Utc::now() + chrono::Duration::seconds(o.presale_seconds);
    let reserved_until = on_sale + chrono::Duration::seconds(10);
    let sections = json!([{ "name": "G", "rows": rows, "seatsPerRow": 50, "priceCents": 5000 },
        { "name": "P", "rows": reserved_rows, "seatsPerRow": 50, "priceCents": 5000 }]);
    let extra = json!({ "onSaleAt": on_sale, "sections": sections });
    let (event, _) = crate::create_event(&http, url, secret, o.seats, 4, extra).await?;
    let admin = local_gateway::auth::mint(secret, "bench-admin", true, 3600);
    let code = json!({ "code": "FANCLUB", "kind": "ACCESS", "maxUses": uses,
        "validUntil": reserved_until, "reservedSections": ["P"] });
    let (status, made) =
        post(&http, url, &admin, &format!("/api/v1/events/{event}/codes"), code, None).await;
    anyhow::ensure!(status == 201, "making the code: {status} {made}");
    println!(
        "presale: {n} buyers, {fans} with a code of {uses} uses reserving section P ({} seats of \
         {}), pairs, {concurrency} at a time",
        made["reservedSeats"],
        (rows + reserved_rows) * 50
    );
    let tokens: Arc<Vec<String>> = Arc::new(
        (0..n)
            .map(|i| local_gateway::auth::mint(secret, &format!("fan-{i}"), false, 3600))
            .collect(),
    );
    let sale = Sale {
        http: http.clone(),
        url: url.to_string(),
        event: event.clone(),
        tokens: tokens.clone(),
        concurrency,
    };

    // The presale: the code's holders race; a sample of the rest is refused.
    let (code_rate, won, answers) = wave(&sale, 0..fans, Some("fanclub"), "presale holds").await;
    let presale_holds = answers.get(&201).copied().unwrap_or(0) as usize;
    let sample = fans..(fans + 200).min(n);
    let (_, early, _) = wave(&sale, sample, None, "before the sale").await;
    let early_held = early.iter().filter(|s| !s.is_empty()).count();
    let mut paid = 0;
    for (i, got) in won.iter().enumerate().filter(|(_, g)| !g.is_empty()) {
        let (status, b) =
            post(&http, url, &tokens[i], "/api/v1/bookings", json!({ "holdId": got[0] }), None)
                .await;
        let body = json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" });
        let (pay, p) = post(&http, url, &tokens[i], "/api/v1/payments", body, None).await;
        if status == 201 && pay == 201 && p["amountCents"] == b["totalCents"] {
            paid += 1;
        } else {
            println!("  presale order: {status} {b} / {pay} {p}");
        }
    }
    let left = (on_sale - Utc::now()).num_milliseconds();
    println!("presale done with {:.1} s to spare before the general sale", left as f64 / 1000.0);
    anyhow::ensure!(left > 0, "the presale did not fit in --presale-seconds {}", o.presale_seconds);
    tokio::time::sleep(Duration::from_millis(left as u64 + 200)).await;

    // The general sale, P still reserved; then P on sale.
    let half = fans + (n - fans) / 2;
    let (plain_rate, general, _) = wave(&sale, fans..half, None, "general sale holds").await;
    let in_p = |seats: &[Vec<String>]| {
        seats.iter().flat_map(|s| s.iter().skip(1)).filter(|s| s.starts_with("P-")).count()
    };
    let p_before = in_p(&general);
    let wait = (reserved_until - Utc::now()).num_milliseconds().max(0) as u64;
    tokio::time::sleep(Duration::from_millis(wait + 200)).await;
    let (_, late, _) = wave(&sale, half..n, None, "after the reservation").await;
    let (p_presale, p_after) = (in_p(&won), in_p(&late));
    let listed: Value = http
        .get(format!("{url}/api/v1/events/{event}/codes"))
        .bearer_auth(&admin)
        .send()
        .await?
        .json()
        .await?;
    let used = listed["items"][0]["used"].as_u64().unwrap_or(0) as usize;
    crate::chaos::stop(gateway).await;
    let raw = crate::baseline::redis_baseline(
        redis,
        o.seats,
        concurrency,
        Duration::from_secs(o.baseline_seconds),
    )
    .await?;
    let reserved = made["reservedSeats"].as_u64().unwrap_or(0) as usize;
    println!("presale holds {presale_holds} (must be {uses}), paid {paid}, the code's used {used}");
    println!("holds without the code before the sale: {early_held} (must be 0)");
    println!(
        "seats of P: {p_presale} held in the presale, {p_before} in the general sale while \
         reserved (must be 0), {p_after} after (must be the other {})",
        reserved - p_presale
    );
    println!(
        "ratio: presale holds with the code {code_rate:.0}/s vs raw lock {raw:.0}/s = {:.2}",
        code_rate / raw
    );
    println!(
        "ratio: general sale holds {plain_rate:.0}/s vs raw lock {raw:.0}/s = {:.2}",
        plain_rate / raw
    );
    let db = sqlx::MySqlPool::connect(database).await?;
    let clean = crate::sellout::audit(&db, &event, (rows + reserved_rows) * 50).await?;
    let exact = presale_holds == uses
        && paid == uses
        && used == uses
        && early_held == 0
        && p_before == 0
        && p_presale + p_after == reserved;
    println!("presale verdict: {}", if exact { "EXACT" } else { "WRONG" });
    Ok(clean && exact)
}
