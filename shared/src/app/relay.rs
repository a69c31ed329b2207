//! The relays: unsent outbox rows (MySQL) and each event's seat log (Redis) to Kafka, in order.
//! In AWS the `relay` function runs them a few times a second for most of each minute (started by
//! a schedule every minute), the sweep once more; locally the gateway runs them every 100 ms.
//! Two relays at once are safe: outbox rows are claimed with `SKIP LOCKED`, and seat-log messages
//! have ids derived from their log position, so a repeat is a duplicate the consumers drop.

use std::time::{Duration, Instant};

use serde::Serialize;
use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::history::{Change, SYSTEM};
use crate::domain::message::{Message, SeatsChanged, SEAT_EVENTS};
use crate::domain::{Envelope, MessageKind};
use crate::metrics::{self, Metric};
use crate::ports::{BackendError, SeatLogEntry};

/// Messages relayed per read, at most.
const BATCH: usize = 500;
/// How long a relay keeps the outbox rows it claimed: far longer than a send takes (5 s at most),
/// short enough that rows a dead relay claimed go out again soon.
const CLAIM_FOR: chrono::Duration = chrono::Duration::seconds(30);

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct RelayReport {
    pub outbox: usize,
    pub seat_log: usize,
}

/// Relays up to `limit` unsent messages; returns how many were sent. Claim (and commit), send
/// outside any transaction, mark sent: no row lock or pooled connection is held across the send.
/// What the broker did not take is given back for the next run. Two relays at once never take the
/// same rows.
pub async fn relay_outbox(app: &App, limit: u32) -> AppResult<usize> {
    let now = app.now();
    let claimed = app.outbox.claim(limit, now, now + CLAIM_FOR).await?;
    let messages: Vec<(&str, &str, &str)> =
        claimed.iter().map(|m| (m.topic.as_str(), m.key.as_str(), m.payload.as_str())).collect();
    let delivered = app.publisher.publish_in_order(&messages, "outbox relay").await;
    let (sent, unsent) = claimed.split_at(delivered);
    app.outbox.mark_sent(&sent.iter().map(|m| m.seq).collect::<Vec<_>>(), app.now()).await?;
    app.outbox.unclaim(&unsent.iter().map(|m| m.seq).collect::<Vec<_>>()).await?;
    metrics::count(Metric::OutboxRelayed, sent.len() as u64);
    Ok(sent.len())
}

/// Everything unsent, now: the outbox, then every active event's seat log. A broker that is away
/// is not a failure: what was not sent waits for the next run.
pub async fn relay(app: &App) -> AppResult<RelayReport> {
    let mut report = RelayReport::default();
    loop {
        match relay_outbox(app, BATCH as u32).await {
            Ok(n) => {
                report.outbox += n;
                if n < BATCH {
                    break;
                }
            }
            // The seat logs still go out; the outbox waits for the next run.
            Err(e) => {
                tracing::warn!(error = %e, "outbox relay paused");
                break;
            }
        }
    }
    for event in app.sweep.active_events().await? {
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
    let mut cursor = app.seat_log.cursor(event).await?;
    let mut sent = 0;
    loop {
        let entries = app.seat_log.entries(event, &cursor, BATCH).await?;
        if entries.is_empty() {
            return Ok(sent);
        }
        let messages = entries
            .iter()
            .map(|entry| {
                let m = message_of(event, entry)?;
                let payload = serde_json::to_string(&m)
                    .map_err(|e| BackendError::permanent("serializing a seat message", e))?;
                Ok((m, payload))
            })
            .collect::<Result<Vec<(Envelope, String)>, BackendError>>()?;
        // Holds and releases live in Redis only: their record goes into the hold history before
        // the cursor passes them (again after a repeat: it keeps one per log entry).
        let changes: Vec<Change> = messages
            .iter()
            .filter(|(m, _)| {
                matches!(m.kind(), MessageKind::SeatsHeld | MessageKind::SeatsReleased)
            })
            .filter_map(|(m, _)| {
                let actor = m.data.as_seats().and_then(|s| s.user_id.as_deref());
                Change::of(m, actor.unwrap_or(SYSTEM))
            })
            .collect();
        app.hold_history.archive(&changes).await?;
        let batch: Vec<(&str, &str, &str)> = messages
            .iter()
            .map(|(m, payload)| (SEAT_EVENTS, m.key.as_str(), payload.as_str()))
            .collect();
        // All in flight at once, in log order (one partition, an idempotent producer keeps it).
        let ok = app.publisher.publish_in_order(&batch, "seat log relay").await;
        sent += ok;
        // The cursor moves past what was published in order, and no further.
        if let Some(last) = ok.checked_sub(1).map(|p| &entries[p].position) {
            app.seat_log.set_cursor(event, last).await?;
            cursor = last.clone();
        }
        if ok < entries.len() {
            return Ok(sent);
        }
    }
}

/// The `seat.events` message of one seat-log entry. The same entry always gets the same id, so a
/// relay that repeats itself is deduped.
fn message_of(event: Uuid, entry: &SeatLogEntry) -> Result<Envelope, BackendError> {
    let seats = SeatsChanged {
        event_id: event,
        log_position: entry.position.clone(),
        seat_ids: entry.seats.clone(),
        hold_id: entry.hold_id.clone(),
        booking_id: entry.booking_id.clone(),
        user_id: entry.user_id.clone(),
    };
    let data = Message::seats(entry.kind, seats).ok_or_else(|| {
        BackendError::permanent(
            "relaying the seat log",
            anyhow::anyhow!("entry {} of {event} is a {}", entry.position, entry.kind),
        )
    })?;
    let mut message = Envelope::new(event, entry.at, data);
    message.id = Uuid::new_v5(&event, entry.position.as_bytes());
    Ok(message)
}
