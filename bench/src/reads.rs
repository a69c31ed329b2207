//! `reads`: the seat map's read rate, as every viewer loads it when an on-sale opens. A
//! `seats`-seat event with some seats held, then `wrk -t2 -c32` (Debian's package) through the
//! gateway on each view of the map, the event itself as the reference.

use std::process::Command;

use serde_json::json;

#[derive(clap::Args)]
pub struct Options {
    #[arg(long, default_value_t = 10_000)]
    seats: u32,
    /// Seconds of each wrk run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// wrk's connections.
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// Run this gateway binary as the bench's own child.
    #[arg(long)]
    gateway: Option<String>,
}

/// One wrk run: requests/s, p50 and p99 in ms, bytes per answer.
fn wrk(
    url: &str,
    token: &str,
    headers: &[&str],
    o: &Options,
) -> anyhow::Result<(f64, f64, f64, f64)> {
    let mut cmd = Command::new("wrk");
    cmd.args(["-t2", &format!("-c{}", o.connections), &format!("-d{}s", o.seconds), "--latency"])
        .args(["-H", &format!("Authorization: Bearer {token}")]);
    for h in headers {
        cmd.args(["-H", h]);
    }
    let out = cmd.arg(url).output()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |prefix: &str| -> Option<&str> {
        text.lines()
            .map(str::trim)
            .find(|l| l.starts_with(prefix))
            .and_then(|l| l.split_whitespace().nth(1))
    };
    let ms = |v: Option<&str>| -> f64 {
        let v = v.unwrap_or("0");
        let n: f64 = v.trim_end_matches(|c: char| c.is_alphabetic()).parse().unwrap_or(0.0);
        if v.ends_with("us") {
            n / 1000.0
        } else if v.ends_with("ms") {
            n
        } else if v.ends_with('s') {
            n * 1000.0
        } else {
            n
        }
    };
    let rps: f64 = field("Requests/sec:").and_then(|v| v.parse().ok()).unwrap_or(0.0);
    let bytes = |v: Option<&str>| -> f64 {
        let v = v.unwrap_or("0");
        let n: f64 = v.trim_end_matches(|c: char| c.is_alphabetic()).parse().unwrap_or(0.0);
        n * match v.chars().rev().take(2).collect::<String>().as_str() {
            "BK" => 1024.0,
            "BM" => 1024.0 * 1024.0,
            "BG" => 1024.0 * 1024.0 * 1024.0,
            _ => 1.0,
        }
    };
    let per_answer = if rps > 0.0 { bytes(field("Transfer/sec:")) / rps } else { 0.0 };
    if rps == 0.0 {
        anyhow::bail!("wrk measured nothing (is Debian's wrk installed?): {text}");
    }
    Ok((rps, ms(field("50%")), ms(field("99%")), per_answer))
}

pub async fn run(url: &str, secret: &str, o: Options) -> anyhow::Result<()> {
    let _gateway = crate::chaos::Gateway::maybe(&o.gateway, url).await?;
    let http = reqwest::Client::new();
    let (event, seats) = crate::create_event(&http, url, secret, o.seats, 10, json!({})).await?;
    // Some seats held, so that the statuses are not all alike.
    for (i, pick) in seats.chunks(4).step_by(5).take(250).enumerate() {
        let token = local_gateway::auth::mint(secret, &format!("reads-{i}"), false, 3600);
        http.post(format!("{url}/api/v1/events/{event}/holds"))
            .bearer_auth(&token)
            .json(&json!({ "seatIds": pick }))
            .send()
            .await?
            .error_for_status()?;
    }
    let token = local_gateway::auth::mint(secret, "reads-viewer", false, 3600);
    let map = format!("{url}/api/v1/events/{event}/seats");
    let status_tag = http
        .get(format!("{map}?view=status"))
        .bearer_auth(&token)
        .send()
        .await?
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    println!(
        "seat map reads: {} seats, 1,000 held, wrk -t2 -c{} -d{}s through {url}",
        seats.len(),
        o.connections,
        o.seconds
    );
    let runs: [(&str, String, Vec<String>); 6] = [
        ("event (GET /events/{id}, reference)", format!("{url}/api/v1/events/{event}"), vec![]),
        ("whole map, plain", map.clone(), vec![]),
        ("whole map, gzip", map.clone(), vec!["Accept-Encoding: gzip".into()]),
        ("layout, gzip", format!("{map}?view=layout"), vec!["Accept-Encoding: gzip".into()]),
        ("statuses, gzip", format!("{map}?view=status"), vec!["Accept-Encoding: gzip".into()]),
        (
            "statuses, If-None-Match (304)",
            format!("{map}?view=status"),
            vec!["Accept-Encoding: gzip".into(), format!("If-None-Match: {status_tag}")],
        ),
    ];
    for (name, target, headers) in runs {
        let headers: Vec<&str> = headers.iter().map(String::as_str).collect();
        let (rps, p50, p99, size) = wrk(&target, &token, &headers, &o)?;
        println!(
            "{name:<38} {rps:>9.0} reads/s  p50 {p50:>7.2} ms  p99 {p99:>7.2} ms  {size:>9.0} bytes/answer"
        );
    }
    Ok(())
}
