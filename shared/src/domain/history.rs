//! History: the record of every change to a booking or a seat. A change is written in the same
//! transaction as what it records (most are the outbox message announcing it, with its id), so the
//! two cannot disagree; it is never updated or deleted. Holds and releases, which live in Redis, are
//! archived from its seat log to a store of their own; a seat's history is both, in order.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::Envelope;

/// Changes served per history, at most (a booking or seat with more shows its first ones).
pub const MAX_CHANGES: usize = 1000;

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

/// One history of two, each oldest first: all in order of time (then id, as each store orders
/// them), a change both hold once, the first [`MAX_CHANGES`].
pub fn merged(a: Vec<Change>, b: Vec<Change>) -> Vec<Change> {
    let mut all = a;
    all.extend(b);
    all.sort_by_key(|c| (c.at, c.id));
    all.dedup_by_key(|c| c.id);
    all.truncate(MAX_CHANGES);
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::message::{IssuedTicket, Message, SeatsChanged, TicketsIssued};
    use crate::domain::BookingStatus;

    fn change(kind: &str, at_ms: i64) -> Change {
        let at = DateTime::from_timestamp_millis(1_800_000_000_000 + at_ms).unwrap();
        Change::of_seats(Uuid::nil(), &["A-1-1".into()], kind, SYSTEM, at, Value::Null)
    }

    #[test]
    fn a_seats_history_is_its_record_and_its_holds_in_order_once_each_and_bounded() {
        let (booked, held, released) =
            (change("SeatsBooked", 30), change("SeatsHeld", 10), change("SeatsReleased", 20));
        let all = merged(vec![booked.clone()], vec![held.clone(), released.clone(), held.clone()]);
        let kinds: Vec<&str> = all.iter().map(|c| c.kind.as_str()).collect();
        assert_eq!(kinds, ["SeatsHeld", "SeatsReleased", "SeatsBooked"]);

        let many = (0..MAX_CHANGES as i64).map(|i| change("SeatsHeld", 100 + i)).collect();
        let all = merged(many, vec![change("SeatsBooked", 0)]);
        assert_eq!(all.len(), MAX_CHANGES);
        assert_eq!(all[0].kind, "SeatsBooked", "the oldest are kept, the newest left off");
    }

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
