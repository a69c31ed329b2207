//! The relays: unsent outbox rows (MySQL) and each event's seat log (Redis) to Kafka, in order.
//! In AWS the `relay` function runs them a few times a second for most of each minute (started by
//! a schedule every minute), the sweep once more; locally the gateway runs them every 100 ms.
//! Two relays at once are safe: outbox rows are claimed with `SKIP LOCKED`, and seat-log messages
//! have ids derived from their log position, so a repeat is a duplicate the consumers drop.

use std::time::{Duration, Instant};

use chrono::Utc;
use serde::Serialize;
use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::message::SEAT_EVENTS;
use crate::domain::Envelope;
use crate::metrics::{self, Metric};

/// Messages relayed per read, at most.
const BATCH: usize = 500;

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RelayReport {
    pub outbox: usize,
    pub seat_log: usize,
}

/// Relays up to `limit` unsent messages; returns how many were sent. With the broker away it sends
/// nothing and leaves every row for the next run. Two relays at once never take the same rows.
pub async fn relay_outbox(app: &App, limit: u32) -> AppResult<usize> {
    let sent = crate::adapters::mysql_bookings::relay_outbox(&app.pool, app.publisher.as_ref(), limit).await?;
    metrics::count(Metric::OutboxRelayed, sent as u64);
    Ok(sent)
}

/// Everything unsent, now: the outbox, then every active event's seat log. A broker that is away
/// is not a failure: what was not sent waits for the next run.
pub async fn relay(app: &App) -> AppResult<RelayReport> {
    let mut report = RelayReport::default();
    while let Ok(n) = relay_outbox(app, BATCH as u32).await {
        report.outbox += n;
        if n < BATCH {
            break;
        }
    }
    for event in app.locks.active_events().await? {
        report.seat_log += relay_seat_log(app, event).await?;
    }
    metrics::count(Metric::SeatLogRelayed, report.seat_log as u64);
    Ok(report)
}

/// The relay function: [`relay`] every `every` until `run_for` has passed (a Lambda started each
/// minute by its schedule, stopping before the next starts).
pub async fn relay_for(app: &App, run_for: Duration, every: Duration) -> AppResult<RelayReport> {
    let (started, mut total) = (Instant::now(), RelayReport::default());
    while started.elapsed() < run_for {
        let r = relay(app).await?;
        total.outbox += r.outbox;
        total.seat_log += r.seat_log;
        tokio::time::sleep(every).await;
    }
    Ok(total)
}

/// Publishes the event's seat-log entries after the relay's cursor, in order, keyed by the event.
/// Stops at the first failure; the cursor only moves past what was published.
async fn relay_seat_log(app: &App, event: Uuid) -> AppResult<usize> {
    let mut cursor = app.locks.log_cursor(event).await?;
    let mut sent = 0;
    loop {
        let entries = app.locks.seat_log(event, &cursor, BATCH).await?;
        if entries.is_empty() {
            return Ok(sent);
        }
        let messages: Vec<(String, String)> = entries
            .iter()
            .map(|(id, fields)| message_of(event, id, fields))
            .map(|m| (m.key.clone(), serde_json::to_string(&m).unwrap_or_default()))
            .collect();
        let batch: Vec<(&str, &str, &str)> = messages.iter().map(|(key, payload)| (SEAT_EVENTS, key.as_str(), payload.as_str())).collect();
        // All in flight at once, in log order (one partition, an idempotent producer keeps it).
        let ok = app.publisher.publish_in_order(&batch, "seat log relay").await;
        sent += ok;
        // The cursor moves past what was published in order, and no further.
        if let Some((last, _)) = ok.checked_sub(1).map(|p| &entries[p]) {
            app.locks.set_log_cursor(event, last).await?;
            cursor = last.clone();
        }
        if ok < entries.len() {
            return Ok(sent);
        }
    }
}

/// The `seat.events` message of one seat-log entry. The same entry always gets the same id, so a
/// relay that repeats itself is deduped.
fn message_of(event: Uuid, id: &str, fields: &[(String, String)]) -> Envelope {
    let field = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default();
    let at = field("at").parse::<i64>().ok().and_then(chrono::DateTime::from_timestamp_millis).unwrap_or_else(Utc::now);
    let mut data = serde_json::json!({
        "eventId": event,
        "logPosition": id,
        "seatIds": field("seats").split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
    });
    for (k, v) in fields.iter().filter(|(k, _)| k == "holdId" || k == "bookingId") {
        data[k] = serde_json::json!(v);
    }
    let mut message = Envelope::new(&field("type"), event, at, data);
    message.id = Uuid::new_v5(&event, id.as_bytes());
    message
}
