//! Live viewers during the on-sale: WebSocket clients subscribed to the event, as browsers showing
//! the seat map would be. Each applies every `seats.changed` it gets to its own picture of the
//! map; at the end every picture must equal the seat map the API serves, and the report gives how
//! long changes took from Redis to the viewer (`at` is stamped when the seats changed; one clock).

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::Value;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message;

/// What one viewer saw.
#[derive(Default)]
pub struct Seen {
    pub messages: usize,
    /// Milliseconds from each change to its arrival.
    pub lag_ms: Vec<u64>,
    /// Seat -> status after every change, in order.
    pub map: HashMap<String, String>,
}

/// A viewer, until it has heard nothing for 2 s after [`Watcher::finish`].
pub struct Watcher {
    task: JoinHandle<anyhow::Result<Seen>>,
    stop: tokio::sync::watch::Sender<bool>,
    /// Messages so far.
    pub messages: Arc<AtomicUsize>,
}

impl Watcher {
    pub async fn start(url: &str, token: &str, event: &str) -> anyhow::Result<Watcher> {
        let ws = format!("{}/ws?token={token}&eventId={event}", url.replacen("http", "ws", 1));
        let (mut stream, _) = tokio_tungstenite::connect_async(ws).await?;
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let messages = Arc::new(AtomicUsize::new(0));
        let count = messages.clone();
        let task = tokio::spawn(async move {
            let mut seen = Seen::default();
            loop {
                let wait = if *stopped.borrow() {
                    Duration::from_secs(2)
                } else {
                    Duration::from_secs(3600)
                };
                let next = tokio::select! {
                    m = tokio::time::timeout(wait, stream.next()) => m,
                    _ = stopped.changed() => continue,
                };
                let Ok(Some(Ok(Message::Text(text)))) = next else {
                    if next.is_err() {
                        return Ok(seen);
                    }
                    continue;
                };
                let m: Value = serde_json::from_str(text.as_str())?;
                if m["type"] != "seats.changed" {
                    continue;
                }
                seen.messages += 1;
                count.fetch_add(1, Ordering::Relaxed);
                if let Some(at) =
                    m["at"].as_str().and_then(|a| chrono::DateTime::parse_from_rfc3339(a).ok())
                {
                    seen.lag_ms.push(
                        (chrono::Utc::now().timestamp_millis() - at.timestamp_millis()).max(0)
                            as u64,
                    );
                }
                for s in m["seats"].as_array().into_iter().flatten() {
                    seen.map.insert(
                        s["id"].as_str().unwrap_or_default().to_string(),
                        s["status"].as_str().unwrap_or_default().to_string(),
                    );
                }
            }
        });
        Ok(Watcher { task, stop, messages })
    }

    /// Lets the viewer drain what is still coming, then returns what it saw.
    pub async fn finish(self) -> anyhow::Result<Seen> {
        let _ = self.stop.send(true);
        self.task.await?
    }
}

/// Waits until every viewer has had a message (the consumers have joined Kafka and pushes flow),
/// at most `within`; returns how long that took.
pub async fn until_live(viewers: &[Watcher], within: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    while viewers.iter().any(|v| v.messages.load(Ordering::Relaxed) == 0) {
        anyhow::ensure!(
            started.elapsed() < within,
            "no push reached the live viewers within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(started.elapsed())
}

/// Prints the viewers' report for a general-admission sale: whether each one's picture counts
/// `held` and `booked` places as the seat map does.
pub fn report_counts(seen: &[Seen], held: usize, booked: usize) -> bool {
    let mut all_match = true;
    for (i, s) in seen.iter().enumerate() {
        let count = |st: &str| s.map.values().filter(|v| v.as_str() == st).count();
        let (h, b) = (count("HELD"), count("BOOKED"));
        let ok = (h, b) == (held, booked);
        all_match &= ok;
        println!(
            "live viewer {i}: {} messages, {h} held and {b} booked places, {} (the map: {held} and {booked})",
            s.messages,
            if ok { "MATCHES" } else { "DIFFERS" }
        );
    }
    all_match
}

/// Prints the viewers' report and whether each one's picture equals `actual` (seat -> status).
/// Seats a viewer never heard about are AVAILABLE in its picture, as the map was when it subscribed.
pub fn report(seen: &[Seen], actual: &HashMap<String, String>) -> bool {
    let mut lag: Vec<u64> = seen.iter().flat_map(|s| s.lag_ms.iter().copied()).collect();
    lag.sort_unstable();
    let pct = |p: f64| {
        lag.get(((lag.len() as f64 * p) as usize).min(lag.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let mut all_match = true;
    for (i, s) in seen.iter().enumerate() {
        let wrong = actual
            .iter()
            .filter(|(seat, status)| {
                s.map.get(*seat).map(String::as_str).unwrap_or("AVAILABLE") != status.as_str()
            })
            .count();
        all_match &= wrong == 0;
        println!(
            "live viewer {i}: {} messages, picture {} ({wrong} seats differ from the seat map)",
            s.messages,
            if wrong == 0 { "MATCHES" } else { "DIFFERS" }
        );
    }
    println!(
        "live viewers: change -> screen p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
        pct(0.50),
        pct(0.95),
        pct(0.99),
        lag.last().copied().unwrap_or(0)
    );
    all_match
}
