//! The `data` of each message type, one struct a type (or a family of types with one shape), and
//! the constructors that build them from the domain's values. Field names are the wire's
//! (docs/EVENTS.md); `tests::recorded` holds one message of each type as it travels.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{Booking, BookingStatus, Payment, PaymentStatus, RefundReason};

/// A booking's change of status (`BookingCreated`, `Confirmed`, `Cancelled`, `Expired`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BookingChanged {
    pub booking_id: Uuid,
    pub user_id: String,
    pub event_id: Uuid,
    pub seat_ids: Vec<String>,
    pub total_cents: i64,
    pub currency: String,
    pub status: BookingStatus,
}

impl BookingChanged {
    /// The booking as it is after moving to `status`.
    pub fn of(b: &Booking, status: BookingStatus) -> BookingChanged {
        BookingChanged {
            booking_id: b.id,
            user_id: b.user_id.clone(),
            event_id: b.event_id,
            seat_ids: b.seat_ids.clone(),
            total_cents: b.total_cents,
            currency: b.currency.clone(),
            status,
        }
    }
}

/// Some of a live booking's seats cancelled (`BookingSeatsCancelled`): `seatIds` went, the booking
/// keeps `keptSeatIds` at `totalCents`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatsCancelled {
    pub booking_id: Uuid,
    pub user_id: String,
    pub event_id: Uuid,
    pub seat_ids: Vec<String>,
    pub kept_seat_ids: Vec<String>,
    pub total_cents: i64,
    pub currency: String,
    pub status: BookingStatus,
    pub cancelled_cents: i64,
}

impl SeatsCancelled {
    /// `b` is the booking after the cancel (its kept seats and total).
    pub fn of(b: &Booking, seats: &[String], cancelled_cents: i64) -> SeatsCancelled {
        SeatsCancelled {
            booking_id: b.id,
            user_id: b.user_id.clone(),
            event_id: b.event_id,
            seat_ids: seats.to_vec(),
            kept_seat_ids: b.seat_ids.clone(),
            total_cents: b.total_cents,
            currency: b.currency.clone(),
            status: b.status,
            cancelled_cents,
        }
    }
}

/// Seats of one event that changed status together, as the seat log has them (`SeatsHeld`,
/// `Released`, `Booked`, `Blocked`, `Unblocked`). The ids the script wrote with the entry come along.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatsChanged {
    pub event_id: Uuid,
    /// The entry's position in the event's seat log (`ms-n`).
    pub log_position: String,
    pub seat_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hold_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub booking_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
}

/// A payment's change (`PaymentSucceeded`, `PaymentFailed`, `PaymentRefunded`); a refund owed here
/// names itself (`refundId`, `refundCents`, `reason`), one the provider made on its own does not.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentChanged {
    pub payment_id: Uuid,
    pub booking_id: Uuid,
    pub user_id: String,
    pub amount_cents: i64,
    pub currency: String,
    pub failure_reason: Option<String>,
    pub status: PaymentStatus,
    pub refunded_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_id: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refund_cents: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<RefundReason>,
}

impl PaymentChanged {
    pub fn of(p: &Payment) -> PaymentChanged {
        PaymentChanged {
            payment_id: p.id,
            booking_id: p.booking_id,
            user_id: p.user_id.clone(),
            amount_cents: p.amount_cents,
            currency: p.currency.clone(),
            failure_reason: p.failure_reason.clone(),
            status: p.status,
            refunded_cents: p.refunded_cents,
            refund_id: None,
            refund_cents: None,
            reason: None,
        }
    }

    /// The payment after owing back `refund` of it.
    pub fn refunded(p: &Payment, refund: &crate::domain::Refund) -> PaymentChanged {
        PaymentChanged {
            refund_id: Some(refund.id),
            refund_cents: Some(refund.amount_cents),
            reason: Some(refund.reason),
            ..PaymentChanged::of(p)
        }
    }
}

/// A chargeback on a booking's payment (`PaymentDisputed`), as the provider last told of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PaymentDisputed {
    pub payment_id: Uuid,
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub user_id: String,
    pub currency: String,
    #[serde(flatten)]
    pub dispute: crate::domain::Dispute,
}

/// One ticket of `TicketsIssued`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssuedTicket {
    pub ticket_id: Uuid,
    pub seat_id: String,
    pub holder_user_id: String,
}

/// A confirmed booking's tickets (`TicketsIssued`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketsIssued {
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub tickets: Vec<IssuedTicket>,
}

/// Why tickets were revoked (the only reason today: their seats' booking, or those seats of it,
/// was cancelled).
pub const REVOKED_BY_CANCEL: &str = "BOOKING_CANCELLED";

/// Tickets of a booking revoked together (`TicketRevoked`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketsRevoked {
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub ticket_ids: Vec<String>,
    pub seat_ids: Vec<String>,
    pub reason: String,
}

/// A scan that admitted a ticket or let it out (`TicketCheckedIn`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketCheckedIn {
    pub ticket_id: Uuid,
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub seat_id: String,
    pub gate: String,
    /// `IN` or `OUT`.
    pub direction: String,
    pub staff_id: String,
    pub at: DateTime<Utc>,
    pub scanned_at: DateTime<Utc>,
}

/// A ticket given to another user (`TicketTransferred`): the old one is void, `newTicketId` is theirs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TicketTransferred {
    pub ticket_id: Uuid,
    pub new_ticket_id: Uuid,
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub seat_id: String,
    pub from_user_id: String,
    pub to_user_id: String,
}

/// Freed seats held for a waitlisted user (`WaitlistOffered`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitlistOffered {
    pub event_id: Uuid,
    pub user_id: String,
    pub hold_id: Uuid,
    pub seat_ids: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub quantity: u32,
}

/// A presale draw picked a registrant and issued them an access code (`PresaleCodeIssued`). The
/// code itself stays off Kafka: the notifier reads it, and the contact, from the registration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PresaleCodeIssued {
    pub event_id: Uuid,
    pub user_id: String,
    pub draw_id: Uuid,
}
