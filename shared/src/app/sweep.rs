//! The scheduled sweep (an EventBridge schedule in AWS, a timer in the local gateway): expires
//! PENDING bookings past their deadline, announces holds that lapsed in Redis, relays each event's
//! seat log to `seat.events` and outbox rows left unsent. Safe when two sweeps overlap (bookings
//! move under row locks and only from PENDING; outbox rows are claimed with `SKIP LOCKED`; lapsed
//! holds are taken off the map in one script; seat-log messages have ids derived from their log
//! position, so a repeat is a duplicate consumers drop) and when one crashes half-way.

use chrono::Utc;
use serde::Serialize;

use super::change_booking::expire_due;
use crate::domain::message::SEAT_EVENTS;
use crate::domain::Envelope;
use super::relay::relay_outbox;
use super::{App, AppResult};

/// Bookings expired and messages relayed per run, at most.
const BATCH: u32 = 500;

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub expired: usize,
    pub relayed: usize,
    /// Seats of lapsed holds announced as released.
    pub lapsed: usize,
    /// Seat-log entries published to `seat.events`.
    pub seat_log: usize,
}

pub async fn sweep(app: &App) -> AppResult<SweepReport> {
    let expired = expire_due(app, Utc::now(), BATCH).await?;
    let mut relayed = 0;
    // A broker that is away is not the sweep's failure: the rows wait for the next run.
    while let Ok(n) = relay_outbox(app, BATCH).await {
        relayed += n;
        if n < BATCH as usize {
            break;
        }
    }
    let (mut lapsed, mut seat_log) = (0, 0);
    let now = Utc::now();
    for event in app.locks.active_events().await? {
        lapsed += app.locks.reap(event, now).await?;
        seat_log += relay_seat_log(app, event).await?;
    }
    let report = SweepReport { expired, relayed, lapsed, seat_log };
    tracing::info!(expired, relayed, lapsed, seat_log, "sweep");
    Ok(report)
}

/// Publishes the event's seat-log entries after the relay's cursor, in order, keyed by the event.
/// Stops at the first failure; the cursor only moves past what was published.
async fn relay_seat_log(app: &App, event: uuid::Uuid) -> AppResult<usize> {
    let mut cursor = app.locks.log_cursor(event).await?;
    let mut sent = 0;
    loop {
        let entries = app.locks.seat_log(event, &cursor, BATCH as usize).await?;
        if entries.is_empty() {
            return Ok(sent);
        }
        for (i, (id, fields)) in entries.iter().enumerate() {
            let field = |k: &str| fields.iter().find(|(f, _)| f == k).map(|(_, v)| v.clone()).unwrap_or_default();
            let at = field("at").parse::<i64>().ok().and_then(chrono::DateTime::from_timestamp_millis).unwrap_or_else(Utc::now);
            let mut data = serde_json::json!({
                "eventId": event,
                "seatIds": field("seats").split(',').filter(|s| !s.is_empty()).collect::<Vec<_>>(),
            });
            for (k, v) in fields.iter().filter(|(k, _)| k == "holdId" || k == "bookingId") {
                data[k] = serde_json::json!(v);
            }
            let mut message = Envelope::new(&field("type"), event, at, data);
            // The same log entry always gets the same id: a relay that repeats itself is deduped.
            message.id = uuid::Uuid::new_v5(&event, id.as_bytes());
            let payload = serde_json::to_string(&message).unwrap_or_default();
            if let Err(e) = app.publisher.publish(SEAT_EVENTS, &message.key, &payload).await {
                tracing::warn!(error = %e, %event, "seat log relay paused");
                // The cursor moves past what was published, and no further.
                if let Some((last, _)) = i.checked_sub(1).map(|p| &entries[p]) {
                    app.locks.set_log_cursor(event, last).await?;
                }
                return Ok(sent);
            }
            sent += 1;
        }
        cursor = entries.last().map(|(i, _)| i.clone()).unwrap_or(cursor);
        app.locks.set_log_cursor(event, &cursor).await?;
    }
}
