//! Kafka messages: the envelope every topic carries and the topic each type goes to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Booking, BookingStatus, Payment, SeatStatus};
use uuid::Uuid;

pub const BOOKING_EVENTS: &str = "booking.events";
pub const SEAT_EVENTS: &str = "seat.events";
pub const PAYMENT_EVENTS: &str = "payment.events";
/// Where consumers put messages they can never act on, with the reason.
pub const DEAD_LETTER: &str = "dead.letter";

/// The type of a message: which topic it goes to follows from it, exhaustively.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MessageKind {
    BookingCreated,
    BookingConfirmed,
    BookingCancelled,
    BookingExpired,
    /// Some of a live booking's seats were cancelled (the rest stays).
    BookingSeatsCancelled,
    SeatsHeld,
    SeatsReleased,
    SeatsBooked,
    SeatsBlocked,
    SeatsUnblocked,
    PaymentSucceeded,
    PaymentFailed,
    PaymentRefunded,
    TicketsIssued,
    TicketCheckedIn,
    TicketTransferred,
    TicketRevoked,
    /// Freed seats held for a waitlisted user (the notice of the offer).
    WaitlistOffered,
}

impl MessageKind {
    pub const ALL: [MessageKind; 18] = [
        MessageKind::BookingCreated,
        MessageKind::BookingConfirmed,
        MessageKind::BookingCancelled,
        MessageKind::BookingExpired,
        MessageKind::BookingSeatsCancelled,
        MessageKind::SeatsHeld,
        MessageKind::SeatsReleased,
        MessageKind::SeatsBooked,
        MessageKind::SeatsBlocked,
        MessageKind::SeatsUnblocked,
        MessageKind::PaymentSucceeded,
        MessageKind::PaymentFailed,
        MessageKind::PaymentRefunded,
        MessageKind::TicketsIssued,
        MessageKind::TicketCheckedIn,
        MessageKind::TicketTransferred,
        MessageKind::TicketRevoked,
        MessageKind::WaitlistOffered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::BookingCreated => "BookingCreated",
            MessageKind::BookingConfirmed => "BookingConfirmed",
            MessageKind::BookingCancelled => "BookingCancelled",
            MessageKind::BookingExpired => "BookingExpired",
            MessageKind::BookingSeatsCancelled => "BookingSeatsCancelled",
            MessageKind::SeatsHeld => "SeatsHeld",
            MessageKind::SeatsReleased => "SeatsReleased",
            MessageKind::SeatsBooked => "SeatsBooked",
            MessageKind::SeatsBlocked => "SeatsBlocked",
            MessageKind::SeatsUnblocked => "SeatsUnblocked",
            MessageKind::PaymentSucceeded => "PaymentSucceeded",
            MessageKind::PaymentFailed => "PaymentFailed",
            MessageKind::PaymentRefunded => "PaymentRefunded",
            MessageKind::TicketsIssued => "TicketsIssued",
            MessageKind::TicketCheckedIn => "TicketCheckedIn",
            MessageKind::TicketTransferred => "TicketTransferred",
            MessageKind::TicketRevoked => "TicketRevoked",
            MessageKind::WaitlistOffered => "WaitlistOffered",
        }
    }

    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The topic this type goes to.
    pub fn topic(self) -> &'static str {
        match self {
            MessageKind::BookingCreated
            | MessageKind::BookingConfirmed
            | MessageKind::BookingCancelled
            | MessageKind::BookingExpired
            | MessageKind::BookingSeatsCancelled => BOOKING_EVENTS,
            // A booking's tickets travel with the booking's messages (keyed by event, in order).
            MessageKind::TicketsIssued
            | MessageKind::TicketCheckedIn
            | MessageKind::TicketTransferred
            | MessageKind::TicketRevoked
            | MessageKind::WaitlistOffered => BOOKING_EVENTS,
            MessageKind::SeatsHeld
            | MessageKind::SeatsReleased
            | MessageKind::SeatsBooked
            | MessageKind::SeatsBlocked
            | MessageKind::SeatsUnblocked => SEAT_EVENTS,
            MessageKind::PaymentSucceeded
            | MessageKind::PaymentFailed
            | MessageKind::PaymentRefunded => PAYMENT_EVENTS,
        }
    }

    /// The status seats take in a seat message; `None` for other types.
    pub fn seat_status(self) -> Option<SeatStatus> {
        match self {
            MessageKind::SeatsHeld => Some(SeatStatus::Held),
            MessageKind::SeatsReleased => Some(SeatStatus::Available),
            MessageKind::SeatsBooked => Some(SeatStatus::Booked),
            MessageKind::SeatsBlocked => Some(SeatStatus::Blocked),
            MessageKind::SeatsUnblocked => Some(SeatStatus::Available),
            _ => None,
        }
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `{id, type, occurredAt, data}`; `key` (the event id of the seats concerned) orders one event's
/// messages within a partition and is not part of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: MessageKind,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
    #[serde(skip)]
    pub key: String,
}

impl Envelope {
    pub fn new(kind: MessageKind, key: Uuid, occurred_at: DateTime<Utc>, data: Value) -> Envelope {
        Envelope { id: Uuid::now_v7(), kind, occurred_at, data, key: key.to_string() }
    }

    /// The topic of the message's type.
    pub fn topic(&self) -> &'static str {
        self.kind.topic()
    }
}

/// The message a booking's change of status announces on `booking.events`. Its seats' changes
/// are announced by the seat log (`seat.events`), written in the same Redis step that moves them:
/// one source, in the order the seats changed.
pub fn announce(b: &Booking, to: BookingStatus, now: DateTime<Utc>) -> Vec<Envelope> {
    let booking = json!({ "bookingId": b.id, "userId": b.user_id, "eventId": b.event_id, "seatIds": b.seat_ids,
        "totalCents": b.total_cents, "currency": b.currency, "status": to });
    let kind = match to {
        BookingStatus::Pending => MessageKind::BookingCreated,
        BookingStatus::Confirmed => MessageKind::BookingConfirmed,
        BookingStatus::Cancelled => MessageKind::BookingCancelled,
        BookingStatus::Expired => MessageKind::BookingExpired,
    };
    vec![Envelope::new(kind, b.event_id, now, booking)]
}

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
        let status = m.kind.seat_status()?;
        let seats: Vec<String> = m.data["seatIds"]
            .as_array()?
            .iter()
            .filter_map(|s| s.as_str().map(String::from))
            .collect();
        Some(SeatChange {
            event_id: m.data["eventId"].as_str().and_then(|e| Uuid::parse_str(e).ok())?,
            position: m.data["logPosition"].as_str().and_then(LogPosition::parse)?,
            seats: (!seats.is_empty()).then_some(seats)?,
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

/// A payment message (`PaymentSucceeded`, `PaymentFailed`, `PaymentRefunded`), keyed by its event.
pub fn payment_message(
    kind: MessageKind,
    p: &Payment,
    event: Uuid,
    now: DateTime<Utc>,
) -> Envelope {
    Envelope::new(
        kind,
        event,
        now,
        json!({ "paymentId": p.id, "bookingId": p.booking_id, "userId": p.user_id, "amountCents": p.amount_cents,
            "currency": p.currency, "failureReason": p.failure_reason, "status": p.status,
            "refundedCents": p.refunded_cents }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_goes_to_its_topic() {
        let e = |k: MessageKind| Envelope::new(k, Uuid::nil(), Utc::now(), Value::Null);
        assert_eq!(e(MessageKind::SeatsBooked).topic(), SEAT_EVENTS);
        assert_eq!(e(MessageKind::BookingConfirmed).topic(), BOOKING_EVENTS);
        assert_eq!(e(MessageKind::PaymentRefunded).topic(), PAYMENT_EVENTS);
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                json!(k.as_str()),
                "the wire name is the name"
            );
        }
        assert_eq!(MessageKind::parse("SeatsStolen"), None);
        let unknown = json!({ "id": Uuid::nil(), "type": "SeatsStolen", "occurredAt": "2027-01-01T00:00:00Z", "data": {} });
        assert!(
            serde_json::from_value::<Envelope>(unknown).is_err(),
            "an unknown type is refused, not defaulted"
        );
    }

    #[test]
    fn a_status_change_announces_only_the_booking() {
        let b = crate::domain::booking::tests::booking();
        let out = announce(&b, BookingStatus::Confirmed, Utc::now());
        assert_eq!(out.iter().map(|m| m.kind).collect::<Vec<_>>(), [MessageKind::BookingConfirmed]);
        assert_eq!(out[0].topic(), BOOKING_EVENTS);
    }

    #[test]
    fn seat_log_messages_become_pushes_in_log_order() {
        let event = Uuid::now_v7();
        let m = |kind: MessageKind, pos: &str| {
            Envelope::new(
                kind,
                event,
                Utc::now(),
                json!({ "eventId": event, "seatIds": ["A-1-1", "A-1-2"], "logPosition": pos }),
            )
        };
        let held = SeatChange::from_message(&m(MessageKind::SeatsHeld, "1700000000000-1")).unwrap();
        let booked =
            SeatChange::from_message(&m(MessageKind::SeatsBooked, "1700000000000-10")).unwrap();
        assert_eq!(held.status, SeatStatus::Held);
        assert!(held.position < booked.position, "positions compare as numbers, not text");
        let one: Vec<Value> = pushes(event, std::slice::from_ref(&booked))
            .iter()
            .map(|p| serde_json::from_str(p).unwrap())
            .collect();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0]["type"], "seats.changed");
        assert_eq!(
            one[0]["seats"],
            json!([{ "id": "A-1-1", "status": "BOOKED" }, { "id": "A-1-2", "status": "BOOKED" }])
        );
        // Changes that came together share a message, in order, each seat with its own status.
        let both: Value =
            serde_json::from_str(&pushes(event, &[held.clone(), booked.clone()])[0]).unwrap();
        assert_eq!(both["seats"][0], json!({ "id": "A-1-1", "status": "HELD" }));
        assert_eq!(both["seats"][3], json!({ "id": "A-1-2", "status": "BOOKED" }));
        // A burst larger than one message is split, nothing lost.
        let burst = vec![held; SEATS_PER_PUSH];
        let split = pushes(event, &burst);
        assert_eq!(split.len(), 2);
        let total: usize = split
            .iter()
            .map(|p| serde_json::from_str::<Value>(p).unwrap()["seats"].as_array().unwrap().len())
            .sum();
        assert_eq!(total, 2 * SEATS_PER_PUSH);
        assert_eq!(SeatChange::from_message(&m(MessageKind::BookingConfirmed, "1-1")), None);
        assert_eq!(SeatChange::from_message(&m(MessageKind::SeatsHeld, "garbage")), None);
    }
}
