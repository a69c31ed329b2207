//! Seat changes as `seat.events` carries them, and the WebSocket pushes they become.

use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use uuid::Uuid;

use super::Envelope;
use crate::domain::SeatStatus;

/// A position in an event's seat log (a Redis stream id `ms-n`): orders one event's seat changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LogPosition(pub u64, pub u64);

impl LogPosition {
    pub fn parse(s: &str) -> Option<LogPosition> {
        let (ms, n) = s.split_once('-')?;
        Some(LogPosition(ms.parse().ok()?, n.parse().ok()?))
    }
}

impl std::fmt::Display for LogPosition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{}", self.0, self.1)
    }
}

/// One seat-log entry as `seat.events` carries it: seats of one event that changed status together.
#[derive(Debug, Clone, PartialEq)]
pub struct SeatChange {
    pub event_id: Uuid,
    pub seats: Vec<String>,
    pub status: SeatStatus,
    pub position: LogPosition,
    pub at: DateTime<Utc>,
}

impl SeatChange {
    /// The change a `SeatsHeld` / `SeatsReleased` / `SeatsBooked` message describes; `None` for
    /// other types or a message without an event, seats or log position.
    pub fn from_message(m: &Envelope) -> Option<SeatChange> {
        let status = m.kind().seat_status()?;
        let data = m.data.as_seats()?;
        Some(SeatChange {
            event_id: data.event_id,
            position: LogPosition::parse(&data.log_position)?,
            seats: (!data.seat_ids.is_empty()).then(|| data.seat_ids.clone())?,
            status,
            at: m.occurred_at,
        })
    }
}

/// Seats one WebSocket message carries at most (API Gateway takes messages up to 128 KB).
pub const SEATS_PER_PUSH: usize = 500;

/// API.md's WebSocket messages for consecutive changes of one event, in order:
/// `{"type":"seats.changed","eventId","seats":[{"id","status"}],"at"}`. Changes that arrived together
/// share a message (each seat with its own status, in the order they changed; `at` is the last
/// change's time), so a burst of changes is a few pushes per subscriber, not one per change.
pub fn pushes(event: Uuid, changes: &[SeatChange]) -> Vec<String> {
    let mut out = Vec::new();
    let (mut seats, mut at): (Vec<Value>, Option<DateTime<Utc>>) = (Vec::new(), None);
    let flush = |seats: &mut Vec<Value>, at: Option<DateTime<Utc>>, out: &mut Vec<String>| {
        if let Some(at) = at.filter(|_| !seats.is_empty()) {
            out.push(
                json!({ "type": "seats.changed", "eventId": event, "seats": std::mem::take(seats),
                    "at": at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true) })
                .to_string(),
            );
        }
    };
    for c in changes {
        if seats.len() + c.seats.len() > SEATS_PER_PUSH {
            flush(&mut seats, at, &mut out);
        }
        seats.extend(c.seats.iter().map(|id| json!({ "id": id, "status": c.status })));
        at = Some(c.at);
    }
    flush(&mut seats, at, &mut out);
    out
}
