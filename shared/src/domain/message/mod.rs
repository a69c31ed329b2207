//! Kafka messages: the envelope every topic carries, the typed `data` of each type
//! ([`payloads`]), and the topic each type goes to. A message is built by the constructors here and
//! read back by matching on [`Message`]: no field is looked up by name.

pub mod payloads;
pub mod seats;
#[cfg(test)]
mod tests;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::{Booking, BookingStatus, Dispute, Payment, PaymentStatus, Refund, SeatStatus};
pub use payloads::*;
pub use seats::{pushes, LogPosition, SeatChange, SEATS_PER_PUSH};

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
    /// Seats set aside for a presale's access code (`RESERVED` to everyone else).
    SeatsReserved,
    /// Reserved seats back on general sale: the code ended or was deleted.
    SeatsUnreserved,
    PaymentSucceeded,
    PaymentFailed,
    PaymentRefunded,
    /// The buyer's bank opened (or moved) a chargeback on a payment: the organiser is told.
    PaymentDisputed,
    TicketsIssued,
    TicketCheckedIn,
    TicketTransferred,
    TicketRevoked,
    /// Freed seats held for a waitlisted user (the notice of the offer).
    WaitlistOffered,
    /// A presale draw issued a registrant their access code (the notice of the code).
    PresaleCodeIssued,
}

impl MessageKind {
    pub const ALL: [MessageKind; 22] = [
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
        MessageKind::SeatsReserved,
        MessageKind::SeatsUnreserved,
        MessageKind::PaymentSucceeded,
        MessageKind::PaymentFailed,
        MessageKind::PaymentRefunded,
        MessageKind::PaymentDisputed,
        MessageKind::TicketsIssued,
        MessageKind::TicketCheckedIn,
        MessageKind::TicketTransferred,
        MessageKind::TicketRevoked,
        MessageKind::WaitlistOffered,
        MessageKind::PresaleCodeIssued,
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
            MessageKind::SeatsReserved => "SeatsReserved",
            MessageKind::SeatsUnreserved => "SeatsUnreserved",
            MessageKind::PaymentSucceeded => "PaymentSucceeded",
            MessageKind::PaymentFailed => "PaymentFailed",
            MessageKind::PaymentRefunded => "PaymentRefunded",
            MessageKind::PaymentDisputed => "PaymentDisputed",
            MessageKind::TicketsIssued => "TicketsIssued",
            MessageKind::TicketCheckedIn => "TicketCheckedIn",
            MessageKind::TicketTransferred => "TicketTransferred",
            MessageKind::TicketRevoked => "TicketRevoked",
            MessageKind::WaitlistOffered => "WaitlistOffered",
            MessageKind::PresaleCodeIssued => "PresaleCodeIssued",
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
            | MessageKind::WaitlistOffered
            | MessageKind::PresaleCodeIssued => BOOKING_EVENTS,
            MessageKind::SeatsHeld
            | MessageKind::SeatsReleased
            | MessageKind::SeatsBooked
            | MessageKind::SeatsBlocked
            | MessageKind::SeatsUnblocked
            | MessageKind::SeatsReserved
            | MessageKind::SeatsUnreserved => SEAT_EVENTS,
            MessageKind::PaymentSucceeded
            | MessageKind::PaymentFailed
            | MessageKind::PaymentRefunded
            | MessageKind::PaymentDisputed => PAYMENT_EVENTS,
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
            MessageKind::SeatsReserved => Some(SeatStatus::Reserved),
            MessageKind::SeatsUnreserved => Some(SeatStatus::Available),
            _ => None,
        }
    }
}

impl std::fmt::Display for MessageKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A message's type with its data: `{"type": ..., "data": {...}}` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Message {
    BookingCreated(BookingChanged),
    BookingConfirmed(BookingChanged),
    BookingCancelled(BookingChanged),
    BookingExpired(BookingChanged),
    BookingSeatsCancelled(SeatsCancelled),
    SeatsHeld(SeatsChanged),
    SeatsReleased(SeatsChanged),
    SeatsBooked(SeatsChanged),
    SeatsBlocked(SeatsChanged),
    SeatsUnblocked(SeatsChanged),
    SeatsReserved(SeatsChanged),
    SeatsUnreserved(SeatsChanged),
    PaymentSucceeded(PaymentChanged),
    PaymentFailed(PaymentChanged),
    PaymentRefunded(PaymentChanged),
    PaymentDisputed(PaymentDisputed),
    TicketsIssued(TicketsIssued),
    TicketCheckedIn(TicketCheckedIn),
    TicketTransferred(TicketTransferred),
    TicketRevoked(TicketsRevoked),
    WaitlistOffered(WaitlistOffered),
    PresaleCodeIssued(PresaleCodeIssued),
}

impl Message {
    pub fn kind(&self) -> MessageKind {
        use Message as M;
        match self {
            M::BookingCreated(_) => MessageKind::BookingCreated,
            M::BookingConfirmed(_) => MessageKind::BookingConfirmed,
            M::BookingCancelled(_) => MessageKind::BookingCancelled,
            M::BookingExpired(_) => MessageKind::BookingExpired,
            M::BookingSeatsCancelled(_) => MessageKind::BookingSeatsCancelled,
            M::SeatsHeld(_) => MessageKind::SeatsHeld,
            M::SeatsReleased(_) => MessageKind::SeatsReleased,
            M::SeatsBooked(_) => MessageKind::SeatsBooked,
            M::SeatsBlocked(_) => MessageKind::SeatsBlocked,
            M::SeatsUnblocked(_) => MessageKind::SeatsUnblocked,
            M::SeatsReserved(_) => MessageKind::SeatsReserved,
            M::SeatsUnreserved(_) => MessageKind::SeatsUnreserved,
            M::PaymentSucceeded(_) => MessageKind::PaymentSucceeded,
            M::PaymentFailed(_) => MessageKind::PaymentFailed,
            M::PaymentRefunded(_) => MessageKind::PaymentRefunded,
            M::PaymentDisputed(_) => MessageKind::PaymentDisputed,
            M::TicketsIssued(_) => MessageKind::TicketsIssued,
            M::TicketCheckedIn(_) => MessageKind::TicketCheckedIn,
            M::TicketTransferred(_) => MessageKind::TicketTransferred,
            M::TicketRevoked(_) => MessageKind::TicketRevoked,
            M::WaitlistOffered(_) => MessageKind::WaitlistOffered,
            M::PresaleCodeIssued(_) => MessageKind::PresaleCodeIssued,
        }
    }

    /// The seat message of `kind` (one of the seven seat types) with `seats`; `None` for other types.
    pub fn seats(kind: MessageKind, seats: SeatsChanged) -> Option<Message> {
        Some(match kind {
            MessageKind::SeatsHeld => Message::SeatsHeld(seats),
            MessageKind::SeatsReleased => Message::SeatsReleased(seats),
            MessageKind::SeatsBooked => Message::SeatsBooked(seats),
            MessageKind::SeatsBlocked => Message::SeatsBlocked(seats),
            MessageKind::SeatsUnblocked => Message::SeatsUnblocked(seats),
            MessageKind::SeatsReserved => Message::SeatsReserved(seats),
            MessageKind::SeatsUnreserved => Message::SeatsUnreserved(seats),
            _ => return None,
        })
    }

    /// The data of a seat message.
    pub fn as_seats(&self) -> Option<&SeatsChanged> {
        use Message as M;
        match self {
            M::SeatsHeld(s)
            | M::SeatsReleased(s)
            | M::SeatsBooked(s)
            | M::SeatsBlocked(s)
            | M::SeatsUnblocked(s)
            | M::SeatsReserved(s)
            | M::SeatsUnreserved(s) => Some(s),
            _ => None,
        }
    }

    /// The event the message is about, where its data names it (payment messages do not).
    pub fn event_id(&self) -> Option<Uuid> {
        use Message as M;
        match self {
            M::BookingCreated(b)
            | M::BookingConfirmed(b)
            | M::BookingCancelled(b)
            | M::BookingExpired(b) => Some(b.event_id),
            M::BookingSeatsCancelled(c) => Some(c.event_id),
            M::PaymentSucceeded(_) | M::PaymentFailed(_) | M::PaymentRefunded(_) => None,
            M::PaymentDisputed(d) => Some(d.event_id),
            M::TicketsIssued(t) => Some(t.event_id),
            M::TicketCheckedIn(t) => Some(t.event_id),
            M::TicketTransferred(t) => Some(t.event_id),
            M::TicketRevoked(t) => Some(t.event_id),
            M::WaitlistOffered(w) => Some(w.event_id),
            M::PresaleCodeIssued(p) => Some(p.event_id),
            seats => seats.as_seats().map(|s| s.event_id),
        }
    }

    /// The booking the message is about, if any.
    pub fn booking_id(&self) -> Option<Uuid> {
        use Message as M;
        match self {
            M::BookingCreated(b)
            | M::BookingConfirmed(b)
            | M::BookingCancelled(b)
            | M::BookingExpired(b) => Some(b.booking_id),
            M::BookingSeatsCancelled(c) => Some(c.booking_id),
            M::PaymentSucceeded(p) | M::PaymentFailed(p) | M::PaymentRefunded(p) => {
                Some(p.booking_id)
            }
            M::PaymentDisputed(d) => Some(d.booking_id),
            M::TicketsIssued(t) => Some(t.booking_id),
            M::TicketCheckedIn(t) => Some(t.booking_id),
            M::TicketTransferred(t) => Some(t.booking_id),
            M::TicketRevoked(t) => Some(t.booking_id),
            M::WaitlistOffered(_) | M::PresaleCodeIssued(_) => None,
            seats => seats.as_seats().and_then(|s| s.booking_id.as_deref()?.parse().ok()),
        }
    }

    /// The seats the message is about (sorted, each once).
    pub fn seat_ids(&self) -> Vec<String> {
        use Message as M;
        let mut seats: Vec<String> = match self {
            M::BookingCreated(b)
            | M::BookingConfirmed(b)
            | M::BookingCancelled(b)
            | M::BookingExpired(b) => b.seat_ids.clone(),
            M::BookingSeatsCancelled(c) => c.seat_ids.clone(),
            M::PaymentSucceeded(_)
            | M::PaymentFailed(_)
            | M::PaymentRefunded(_)
            | M::PaymentDisputed(_) => Vec::new(),
            M::TicketsIssued(t) => t.tickets.iter().map(|t| t.seat_id.clone()).collect(),
            M::TicketCheckedIn(t) => vec![t.seat_id.clone()],
            M::TicketTransferred(t) => vec![t.seat_id.clone()],
            M::TicketRevoked(t) => t.seat_ids.clone(),
            M::WaitlistOffered(w) => w.seat_ids.clone(),
            M::PresaleCodeIssued(_) => Vec::new(),
            seats => seats.as_seats().map(|s| s.seat_ids.clone()).unwrap_or_default(),
        };
        seats.sort();
        seats.dedup();
        seats
    }

    /// The data alone, as JSON (what the history keeps).
    pub fn data_json(&self) -> serde_json::Value {
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(mut m)) => m.remove("data").unwrap_or_default(),
            _ => serde_json::Value::Null,
        }
    }
}

/// `{id, type, occurredAt, data}`; `key` (the event id of the seats concerned) orders one event's
/// messages within a partition and is not part of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub id: Uuid,
    pub occurred_at: DateTime<Utc>,
    #[serde(flatten)]
    pub data: Message,
    #[serde(skip)]
    pub key: String,
}

impl Envelope {
    pub fn new(key: Uuid, occurred_at: DateTime<Utc>, data: Message) -> Envelope {
        Envelope { id: Uuid::now_v7(), occurred_at, data, key: key.to_string() }
    }

    pub fn kind(&self) -> MessageKind {
        self.data.kind()
    }

    /// The topic of the message's type.
    pub fn topic(&self) -> &'static str {
        self.kind().topic()
    }
}

/// The message a booking's change of status announces on `booking.events`. Its seats' changes
/// are announced by the seat log (`seat.events`), written in the same Redis step that moves them:
/// one source, in the order the seats changed.
pub fn announce(b: &Booking, to: BookingStatus, now: DateTime<Utc>) -> Vec<Envelope> {
    let data = BookingChanged::of(b, to);
    let message = match to {
        BookingStatus::Pending => Message::BookingCreated(data),
        BookingStatus::Confirmed => Message::BookingConfirmed(data),
        BookingStatus::Cancelled => Message::BookingCancelled(data),
        BookingStatus::Expired => Message::BookingExpired(data),
    };
    vec![Envelope::new(b.event_id, now, message)]
}

/// A payment's move to its status (`PaymentSucceeded`, `PaymentFailed`, `PaymentRefunded` from the
/// provider), keyed by its event.
pub fn payment_message(p: &Payment, event: Uuid, now: DateTime<Utc>) -> Envelope {
    let data = PaymentChanged::of(p);
    let message = match p.status {
        PaymentStatus::Succeeded => Message::PaymentSucceeded(data),
        PaymentStatus::Failed => Message::PaymentFailed(data),
        PaymentStatus::Refunded | PaymentStatus::Processing | PaymentStatus::RequiresAction => {
            Message::PaymentRefunded(data)
        }
    };
    Envelope::new(event, now, message)
}

/// A refund owed on `p` (after it was counted in `p`'s refunded total).
pub fn refund_message(p: &Payment, refund: &Refund, now: DateTime<Utc>) -> Envelope {
    Envelope::new(
        refund.event_id,
        now,
        Message::PaymentRefunded(PaymentChanged::refunded(p, refund)),
    )
}

/// The chargeback `dispute` on payment `p` of booking `b`.
pub fn dispute_message(
    b: &Booking,
    p: &Payment,
    dispute: &Dispute,
    now: DateTime<Utc>,
) -> Envelope {
    let data = PaymentDisputed {
        payment_id: p.id,
        booking_id: b.id,
        event_id: b.event_id,
        user_id: b.user_id.clone(),
        currency: p.currency.clone(),
        dispute: dispute.clone(),
    };
    Envelope::new(b.event_id, now, Message::PaymentDisputed(data))
}
