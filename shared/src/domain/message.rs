//! Kafka messages: the envelope every topic carries and the topic each type goes to.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use super::{Booking, BookingStatus, Payment};
use uuid::Uuid;

pub const BOOKING_EVENTS: &str = "booking.events";
pub const SEAT_EVENTS: &str = "seat.events";
pub const PAYMENT_EVENTS: &str = "payment.events";

/// `{id, type, occurredAt, data}`; `key` (the event id of the seats concerned) orders one event's
/// messages within a partition and is not part of the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope {
    pub id: Uuid,
    #[serde(rename = "type")]
    pub kind: String,
    pub occurred_at: DateTime<Utc>,
    pub data: Value,
    #[serde(skip)]
    pub key: String,
}

impl Envelope {
    pub fn new(kind: &str, key: Uuid, occurred_at: DateTime<Utc>, data: Value) -> Envelope {
        Envelope { id: Uuid::now_v7(), kind: kind.to_string(), occurred_at, data, key: key.to_string() }
    }

    /// The topic of a message type.
    pub fn topic(&self) -> &'static str {
        match self.kind.as_str() {
            "SeatsHeld" | "SeatsReleased" | "SeatsBooked" => SEAT_EVENTS,
            "PaymentSucceeded" | "PaymentFailed" | "PaymentRefunded" => PAYMENT_EVENTS,
            _ => BOOKING_EVENTS,
        }
    }
}

/// The messages a booking's change of status announces.
pub fn announce(b: &Booking, to: BookingStatus, now: DateTime<Utc>) -> Vec<Envelope> {
    let booking = json!({ "bookingId": b.id, "userId": b.user_id, "eventId": b.event_id, "seatIds": b.seat_ids,
        "totalCents": b.total_cents, "currency": b.currency, "status": to });
    let seats = json!({ "eventId": b.event_id, "bookingId": b.id, "seatIds": b.seat_ids });
    let kind = match to {
        BookingStatus::Pending => "BookingCreated",
        BookingStatus::Confirmed => "BookingConfirmed",
        BookingStatus::Cancelled => "BookingCancelled",
        BookingStatus::Expired => "BookingExpired",
    };
    let mut out = vec![Envelope::new(kind, b.event_id, now, booking)];
    match to {
        BookingStatus::Confirmed => out.push(Envelope::new("SeatsBooked", b.event_id, now, seats)),
        BookingStatus::Cancelled | BookingStatus::Expired => out.push(Envelope::new("SeatsReleased", b.event_id, now, seats)),
        BookingStatus::Pending => {}
    }
    out
}

/// A payment message (`PaymentSucceeded`, `PaymentFailed`, `PaymentRefunded`), keyed by its event.
pub fn payment_message(kind: &str, p: &Payment, event: Uuid, now: DateTime<Utc>) -> Envelope {
    Envelope::new(
        kind,
        event,
        now,
        json!({ "paymentId": p.id, "bookingId": p.booking_id, "userId": p.user_id, "amountCents": p.amount_cents,
            "currency": p.currency, "failureReason": p.failure_reason }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_type_goes_to_its_topic() {
        let e = |k: &str| Envelope::new(k, Uuid::nil(), Utc::now(), Value::Null);
        assert_eq!(e("SeatsBooked").topic(), SEAT_EVENTS);
        assert_eq!(e("BookingConfirmed").topic(), BOOKING_EVENTS);
        assert_eq!(e("PaymentRefunded").topic(), PAYMENT_EVENTS);
    }
}
