//! Request bodies as they travel (camelCase JSON, unknown fields refused), and what they mean:
//! each turns into the domain's own types with `TryFrom`, applying the rules of shape (one form or
//! the other, bounded strings). Rules that need the event or the booking stay in the domain.

use serde::Deserialize;
use uuid::Uuid;

use chrono::{DateTime, Utc};

use super::integral;
use crate::domain::{BookingSource, HoldAsk, ProviderEvent, ProviderEventKind, RuleError};

mod codes;
mod events;
mod stripe;
#[cfg(test)]
mod tests;

pub use codes::CodeBody;
pub use events::{EventBody, EventPatchBody};
pub use stripe::{StripeEvent, StripeWork};

/// Longest payment method name accepted.
const METHOD_MAX: usize = 100;
/// Longest webhook event id and failure reason accepted.
const WEBHOOK_TEXT_MAX: usize = 255;
/// Longest webhook event type accepted.
const WEBHOOK_TYPE_MAX: usize = 64;

/// Body of `POST /events/{eventId}/holds`: explicit seats, or a quantity for best available.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HoldBody {
    #[serde(default)]
    pub seat_ids: Option<Vec<String>>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub quantity: Option<u32>,
    #[serde(default)]
    pub section: Option<String>,
    /// A discount or access code (checked against the event's codes).
    #[serde(default)]
    pub code: Option<String>,
}

impl TryFrom<HoldBody> for HoldAsk {
    type Error = RuleError;

    fn try_from(b: HoldBody) -> Result<HoldAsk, RuleError> {
        match (b.seat_ids, b.quantity) {
            (Some(_), Some(_)) => {
                Err(RuleError::invalid("seatIds", "give seatIds or quantity, not both"))
            }
            (None, None) => Err(RuleError::invalid("seatIds", "give seatIds or quantity")),
            (Some(_), None) if b.section.is_some() => {
                Err(RuleError::invalid("section", "section goes with quantity, not with seatIds"))
            }
            (Some(ids), None) => Ok(HoldAsk::Seats(ids)),
            (None, Some(quantity)) => Ok(HoldAsk::Best { quantity, section: b.section }),
        }
    }
}

/// Body of `POST /bookings`: a hold to turn into a booking, or seats to hold and book at once.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BookingBody {
    #[serde(default)]
    pub hold_id: Option<Uuid>,
    #[serde(default)]
    pub event_id: Option<Uuid>,
    #[serde(default)]
    pub seat_ids: Option<Vec<String>>,
    /// A code for seats held and booked at once (a hold's booking uses the hold's code).
    #[serde(default)]
    pub code: Option<String>,
}

impl TryFrom<BookingBody> for BookingSource {
    type Error = RuleError;

    fn try_from(b: BookingBody) -> Result<BookingSource, RuleError> {
        if b.code.is_some() && b.hold_id.is_some() {
            return Err(RuleError::invalid("code", "a hold's booking uses the code its hold took"));
        }
        match (b.hold_id, b.event_id, b.seat_ids) {
            (Some(h), None, None) => Ok(BookingSource::Hold(h)),
            (None, Some(event_id), Some(seat_ids)) => {
                Ok(BookingSource::Seats { event_id, seat_ids, code: b.code })
            }
            (Some(_), _, _) => {
                Err(RuleError::invalid("holdId", "give holdId, or eventId and seatIds, not both"))
            }
            (None, None, Some(_)) => Err(RuleError::invalid("eventId", "seatIds need an eventId")),
            (None, Some(_), None) => Err(RuleError::invalid("seatIds", "eventId needs seatIds")),
            (None, None, None) => {
                Err(RuleError::invalid("holdId", "give holdId, or eventId and seatIds"))
            }
        }
    }
}

/// Body of `PUT /bookings/{id}/confirm`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ConfirmBody {
    #[serde(default)]
    pub payment_id: Option<String>,
}

impl ConfirmBody {
    /// The payment named. An id that is not a UUID names no payment: payment required, like any
    /// unknown id.
    pub fn payment(&self) -> Option<Uuid> {
        self.payment_id.as_deref().and_then(|p| Uuid::parse_str(p).ok())
    }
}

/// Body of `POST /payments`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PaymentBody {
    pub booking_id: Uuid,
    pub payment_method: String,
}

/// A payment asked for: the booking, and the provider's name of the method (1-100 characters).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentAsk {
    pub booking_id: Uuid,
    pub method: String,
}

impl TryFrom<PaymentBody> for PaymentAsk {
    type Error = RuleError;

    fn try_from(b: PaymentBody) -> Result<PaymentAsk, RuleError> {
        if b.payment_method.is_empty() || b.payment_method.len() > METHOD_MAX {
            return Err(RuleError::invalid("paymentMethod", "1-100 characters"));
        }
        Ok(PaymentAsk { booking_id: b.booking_id, method: b.payment_method })
    }
}

/// Body of `POST /payments/webhook`. Unknown fields are refused: a provider message that says more
/// than this reads is not applied on a guess.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookBody {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: WebhookData,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WebhookData {
    pub payment_id: Uuid,
    #[serde(default)]
    pub failure_reason: Option<String>,
}

impl TryFrom<WebhookBody> for ProviderEvent {
    type Error = RuleError;

    /// The event id (what makes it take effect once) is 1-255 printable ASCII characters; the type
    /// and failure reason are bounded.
    fn try_from(b: WebhookBody) -> Result<ProviderEvent, RuleError> {
        if b.id.is_empty()
            || b.id.len() > WEBHOOK_TEXT_MAX
            || !b.id.bytes().all(|c| c.is_ascii_graphic())
        {
            return Err(RuleError::invalid("id", "1-255 printable ASCII characters"));
        }
        if b.kind.is_empty() || b.kind.len() > WEBHOOK_TYPE_MAX {
            return Err(RuleError::invalid("type", "1-64 characters"));
        }
        if b.data.failure_reason.as_ref().is_some_and(|r| r.len() > WEBHOOK_TEXT_MAX) {
            return Err(RuleError::invalid("data.failureReason", "at most 255 characters"));
        }
        Ok(ProviderEvent {
            id: b.id,
            kind: ProviderEventKind::parse(&b.kind),
            payment_id: b.data.payment_id,
            failure_reason: b.data.failure_reason,
        })
    }
}

/// Longest user id a transfer may name, and longest gate name and nonce of a scan.
const USER_ID_MAX: usize = 128;
const GATE_MAX: usize = 64;
const NONCE_MAX: usize = 64;

/// Body of `POST /tickets/{ticketId}/transfer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TransferBody {
    pub to_user_id: String,
}

impl TransferBody {
    /// The receiving user: 1-128 printable characters.
    pub fn to_user(self) -> Result<String, RuleError> {
        let u = self.to_user_id;
        if u.trim().is_empty() || u.chars().count() > USER_ID_MAX || u.chars().any(char::is_control)
        {
            return Err(RuleError::invalid("toUserId", "1-128 printable characters"));
        }
        Ok(u)
    }
}

/// Body of `POST /checkins`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CheckinBody {
    pub event_id: Uuid,
    pub code: String,
    pub gate: String,
    #[serde(default)]
    pub direction: Option<crate::domain::ticket::Direction>,
    #[serde(default)]
    pub nonce: Option<String>,
    /// When an offline scanner read the code (default: now).
    #[serde(default)]
    pub scanned_at: Option<DateTime<Utc>>,
}

impl TryFrom<CheckinBody> for crate::domain::ticket::Scan {
    type Error = RuleError;

    fn try_from(b: CheckinBody) -> Result<Self, RuleError> {
        if b.code.len() > crate::domain::ticket::CODE_MAX {
            return Err(RuleError::invalid("code", "at most 512 characters"));
        }
        if b.gate.trim().is_empty()
            || b.gate.chars().count() > GATE_MAX
            || b.gate.chars().any(char::is_control)
        {
            return Err(RuleError::invalid("gate", "1-64 printable characters"));
        }
        if let Some(n) = &b.nonce {
            if n.is_empty() || n.len() > NONCE_MAX || !n.bytes().all(|c| c.is_ascii_graphic()) {
                return Err(RuleError::invalid("nonce", "1-64 printable ASCII characters"));
            }
        }
        Ok(crate::domain::ticket::Scan {
            event_id: b.event_id,
            code: b.code,
            gate: b.gate,
            direction: b.direction.unwrap_or_default(),
            nonce: b.nonce,
            scanned_at: b.scanned_at,
        })
    }
}

/// Body of `POST /events/{eventId}/blocks`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BlockBody {
    pub seat_ids: Vec<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

/// Body of `DELETE /events/{eventId}/blocks` and of a partial `PUT /bookings/{id}/cancel`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SeatsBody {
    pub seat_ids: Vec<String>,
}

/// Body of `POST /events/{eventId}/waitlist`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaitlistBody {
    #[serde(deserialize_with = "integral::whole")]
    pub quantity: u32,
    #[serde(default)]
    pub section: Option<String>,
}
