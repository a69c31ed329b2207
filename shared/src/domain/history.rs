//! History: the record of every change to a booking or a seat. A change is written in the same
//! transaction as what it records (most are the outbox message announcing it, with its id), so the
//! two cannot disagree; it is never updated or deleted.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::Envelope;

/// Who made a change that no person made.
pub const SYSTEM: &str = "system";
/// The payment provider (its webhook, or what it answered).
pub const PROVIDER: &str = "provider";

/// One change: `{at, type, actor, data}` as served; the event, booking and seats it touched index it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Change {
    #[serde(skip)]
    pub id: Uuid,
    #[serde(skip)]
    pub event_id: Uuid,
    #[serde(skip)]
    pub booking_id: Option<Uuid>,
    #[serde(skip)]
    pub seats: Vec<String>,
    pub at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub kind: String,
    pub actor: String,
    pub data: Value,
}

impl Change {
    /// The change a message announces, made by `actor`: every message about a booking (by its
    /// `bookingId`) or about seats (`seatIds`, `seatId`, or the seats of `tickets`). `None` for a
    /// message about neither, or without an event.
    pub fn of(m: &Envelope, actor: &str) -> Option<Change> {
        let d = &m.data;
        let event_id =
            d["eventId"].as_str().or(Some(m.key.as_str())).and_then(|e| e.parse().ok())?;
        let booking_id = d["bookingId"].as_str().and_then(|b| b.parse().ok());
        let mut seats: Vec<String> = d["seatIds"]
            .as_array()
            .into_iter()
            .flatten()
            .chain(d["tickets"].as_array().into_iter().flatten().map(|t| &t["seatId"]))
            .chain(std::iter::once(&d["seatId"]))
            .filter_map(|s| s.as_str().map(String::from))
            .collect();
        seats.sort();
        seats.dedup();
        if booking_id.is_none() && seats.is_empty() {
            return None;
        }
        Some(Change {
            id: m.id,
            event_id,
            booking_id,
            seats,
            at: m.occurred_at,
            kind: m.kind.as_str().to_string(),
            actor: actor.to_string(),
            data: d.clone(),
        })
    }

    /// A change to seats that no outbox message announces (a block, an unblock: their seat-log
    /// entries announce them).
    pub fn of_seats(
        event_id: Uuid,
        seats: &[String],
        kind: &str,
        actor: &str,
        at: DateTime<Utc>,
        data: Value,
    ) -> Change {
        Change {
            id: Uuid::now_v7(),
            event_id,
            booking_id: None,
            seats: seats.to_vec(),
            at,
            kind: kind.to_string(),
            actor: actor.to_string(),
            data,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::MessageKind;
    use serde_json::json;

    #[test]
    fn a_message_about_a_booking_or_seats_is_a_change_and_others_are_not() {
        let event = Uuid::now_v7();
        let booking = Uuid::now_v7();
        let now = Utc::now();
        let m = Envelope::new(
            MessageKind::BookingCreated,
            event,
            now,
            json!({ "bookingId": booking, "eventId": event, "seatIds": ["A-1-2", "A-1-1"] }),
        );
        let c = Change::of(&m, "ann").unwrap();
        assert_eq!((c.id, c.event_id, c.booking_id), (m.id, event, Some(booking)));
        assert_eq!(c.seats, ["A-1-1", "A-1-2"]);
        assert_eq!((c.kind.as_str(), c.actor.as_str()), ("BookingCreated", "ann"));

        let issued = Envelope::new(
            MessageKind::TicketsIssued,
            event,
            now,
            json!({ "bookingId": booking, "tickets": [{ "seatId": "B-1-1" }, { "seatId": "B-1-2" }] }),
        );
        assert_eq!(Change::of(&issued, SYSTEM).unwrap().seats, ["B-1-1", "B-1-2"]);

        let scan = Envelope::new(
            MessageKind::TicketCheckedIn,
            event,
            now,
            json!({ "ticketId": Uuid::now_v7(), "seatId": "C-1-1" }),
        );
        let c = Change::of(&scan, "steward").unwrap();
        assert_eq!((c.booking_id, c.seats.as_slice()), (None, &["C-1-1".to_string()][..]));

        let other =
            Envelope::new(MessageKind::PaymentFailed, event, now, json!({ "paymentId": 1 }));
        assert_eq!(Change::of(&other, PROVIDER), None);
    }
}
