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
        let event_id = m.data.event_id().or_else(|| m.key.parse().ok())?;
        let booking_id = m.data.booking_id();
        let seats = m.data.seat_ids();
        if booking_id.is_none() && seats.is_empty() {
            return None;
        }
        Some(Change {
            id: m.id,
            event_id,
            booking_id,
            seats,
            at: m.occurred_at,
            kind: m.kind().as_str().to_string(),
            actor: actor.to_string(),
            data: m.data.data_json(),
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
    use crate::domain::message::{IssuedTicket, Message, SeatsChanged, TicketsIssued};
    use crate::domain::BookingStatus;

    #[test]
    fn a_message_about_a_booking_or_seats_is_a_change_and_others_are_not() {
        let now = Utc::now();
        let mut b = crate::domain::booking::tests::booking();
        b.seat_ids = vec!["A-1-2".into(), "A-1-1".into()];
        let m = crate::domain::message::announce(&b, BookingStatus::Pending, now).remove(0);
        let c = Change::of(&m, "ann").unwrap();
        assert_eq!((c.id, c.event_id, c.booking_id), (m.id, b.event_id, Some(b.id)));
        assert_eq!(c.seats, ["A-1-1", "A-1-2"], "sorted");
        assert_eq!((c.kind.as_str(), c.actor.as_str()), ("BookingCreated", "ann"));
        assert_eq!(c.data["totalCents"], 12_000, "the data as the message carries it");

        let ticket = |seat: &str| IssuedTicket {
            ticket_id: Uuid::now_v7(),
            seat_id: seat.into(),
            holder_user_id: "ann".into(),
        };
        let tickets = vec![ticket("B-1-2"), ticket("B-1-1"), ticket("B-1-1")];
        let issued = TicketsIssued { booking_id: b.id, event_id: b.event_id, tickets };
        let issued = Envelope::new(b.event_id, now, Message::TicketsIssued(issued));
        assert_eq!(Change::of(&issued, SYSTEM).unwrap().seats, ["B-1-1", "B-1-2"]);

        let seats = |ids: Vec<String>| SeatsChanged {
            event_id: b.event_id,
            log_position: "1-1".into(),
            seat_ids: ids,
            hold_id: Some(Uuid::now_v7().to_string()),
            booking_id: None,
            user_id: Some("bob".into()),
        };
        let held = Envelope::new(b.event_id, now, Message::SeatsHeld(seats(vec!["C-1-1".into()])));
        let c = Change::of(&held, "bob").unwrap();
        assert_eq!((c.booking_id, c.seats.as_slice()), (None, &["C-1-1".to_string()][..]));

        let nothing = Envelope::new(b.event_id, now, Message::SeatsReleased(seats(vec![])));
        assert_eq!(Change::of(&nothing, PROVIDER), None, "neither a booking nor seats");
    }
}
