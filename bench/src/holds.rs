//! `holds`: buyers race to hold 1-4 random seats and release them.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::seq::SliceRandom;
use rand::Rng;
use serde_json::json;

use crate::report::Tally;

pub async fn holds(
    url: &str,
    seats: u32,
    concurrency: usize,
    duration: Duration,
    secret: &str,
) -> anyhow::Result<()> {
    let http = reqwest::Client::builder().pool_max_idle_per_host(concurrency).build()?;
    let (event, all) =
        crate::create_event(&http, url, secret, seats, 10, serde_json::json!({})).await?;
    let all = Arc::new(all);
    println!(
        "hold path: {} seats, {concurrency} concurrent buyers, {}s, through {url}",
        all.len(),
        duration.as_secs()
    );
    let deadline = Instant::now() + duration;
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|w| {
            let (http, url, event, all) =
                (http.clone(), url.to_string(), event.clone(), all.clone());
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
                    let Ok(res) = res else {
                        *hold.by_status.entry(0).or_default() += 1;
                        continue;
                    };
                    let status = res.status().as_u16();
                    let body: serde_json::Value = res.json().await.unwrap_or_default();
                    hold.latencies.push(t.elapsed().as_micros() as u64);
                    *hold.by_status.entry(status).or_default() += 1;
                    if let Some(id) = body["id"].as_str() {
                        let t = Instant::now();
                        let status = match http
                            .delete(format!("{url}/api/v1/holds/{id}"))
                            .bearer_auth(&token)
                            .send()
                            .await
                        {
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
    println!(
        "hold+release {:.0} req/s",
        (hold.latencies.len() + release.latencies.len()) as f64 / elapsed.as_secs_f64()
    );
    Ok(())
}
