//! A Stripe webhook event, as far as it is read here (<https://docs.stripe.com/api/events>): its
//! id, its type and the object's `metadata.paymentId` (set on every PaymentIntent this system
//! creates), or a charge's or dispute's `payment_intent` (`/api/charges`, `/api/disputes`). Stripe
//! sends many more fields; they are not looked at.

use std::collections::HashMap;

use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{Dispute, ProviderEvent, ProviderEventKind, RuleError};

#[derive(Debug, Clone, Deserialize)]
pub struct StripeEvent {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: StripeEventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StripeEventData {
    pub object: StripeEventObject,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StripeEventObject {
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    /// A charge's PaymentIntent.
    #[serde(default)]
    pub payment_intent: Option<String>,
    /// A charge refunded in full.
    #[serde(default)]
    pub refunded: bool,
    #[serde(default)]
    pub last_payment_error: Option<StripeLastError>,
    /// A dispute's amount, status and reason.
    #[serde(default)]
    pub amount: Option<i64>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StripeLastError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
}

/// What a Stripe event is to this system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StripeWork {
    /// An event of one of its payments, named in the intent's metadata.
    Event(ProviderEvent),
    /// An event of a PaymentIntent's charge (refunded in full at Stripe's dashboard, or disputed
    /// by the buyer's bank): the event id, the intent (whose payment the provider's book names)
    /// and what happened.
    OfIntent { id: String, intent: String, kind: ProviderEventKind },
    /// Nothing to do: acknowledged.
    Nothing,
}

impl StripeEvent {
    /// What this event asks of this system: a PaymentIntent of one of its payments that succeeded
    /// or failed, a charge refunded in full, or a chargeback opened or moved.
    pub fn work(self) -> Result<StripeWork, RuleError> {
        if self.id.is_empty()
            || self.id.len() > 255
            || !self.id.bytes().all(|c| c.is_ascii_graphic())
        {
            return Err(RuleError::invalid("id", "1-255 printable ASCII characters"));
        }
        let object = &self.data.object;
        let of_intent = match self.kind.as_str() {
            // A partial refund (ours for a partial cancel, or the dashboard's): nothing moves.
            "charge.refunded" if object.refunded => Some(ProviderEventKind::RefundSucceeded),
            "charge.refunded" => return Ok(StripeWork::Nothing),
            "charge.dispute.created" | "charge.dispute.updated" | "charge.dispute.closed" => {
                Some(ProviderEventKind::Disputed(Dispute {
                    status: bounded(object.status.as_deref(), 32, "needs_response"),
                    amount_cents: object.amount.unwrap_or(0).max(0),
                    reason: bounded(object.reason.as_deref(), 64, "general"),
                }))
            }
            _ => None,
        };
        if let Some(kind) = of_intent {
            return Ok(match self.data.object.payment_intent.filter(|i| i.len() <= 255) {
                Some(intent) => StripeWork::OfIntent { id: self.id, intent, kind },
                None => StripeWork::Nothing,
            });
        }
        Ok(match self.provider_event() {
            Some(e) => StripeWork::Event(e),
            None => StripeWork::Nothing,
        })
    }

    fn provider_event(self) -> Option<ProviderEvent> {
        let kind = match self.kind.as_str() {
            "payment_intent.succeeded" => ProviderEventKind::PaymentSucceeded,
            "payment_intent.payment_failed" => ProviderEventKind::PaymentFailed,
            _ => return None,
        };
        let object = self.data.object;
        let payment_id = object.metadata.get("paymentId").and_then(|p| Uuid::parse_str(p).ok())?;
        let failure_reason = object
            .last_payment_error
            .and_then(|e| e.decline_code.or(e.code))
            .map(|r| r.chars().take(255).collect());
        Some(ProviderEvent { id: self.id, kind, payment_id, failure_reason })
    }
}

/// A word of Stripe's (a status, a reason) kept to `max` ASCII word characters, or `default`.
fn bounded(word: Option<&str>, max: usize, default: &str) -> String {
    match word {
        Some(w)
            if !w.is_empty()
                && w.len() <= max
                && w.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') =>
        {
            w.to_string()
        }
        _ => default.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payment_intent_event_names_its_payment_and_others_are_acknowledged() {
        let p = Uuid::now_v7();
        let ok: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_1", "type": "payment_intent.succeeded", "created": 1, "livemode": false,
            "data": { "object": { "id": "pi_1", "object": "payment_intent", "metadata": { "paymentId": p.to_string() } } }
        }))
        .unwrap();
        let StripeWork::Event(e) = ok.work().unwrap() else { panic!("an event") };
        assert_eq!((e.kind, e.payment_id), (ProviderEventKind::PaymentSucceeded, p));
        let failed: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_2", "type": "payment_intent.payment_failed",
            "data": { "object": { "metadata": { "paymentId": p.to_string() },
                "last_payment_error": { "code": "card_declined", "decline_code": "stolen_card" } } }
        }))
        .unwrap();
        let StripeWork::Event(f) = failed.work().unwrap() else { panic!("an event") };
        assert_eq!(f.failure_reason.as_deref(), Some("stolen_card"));
        let other: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_3", "type": "customer.created", "data": { "object": {} }
        }))
        .unwrap();
        assert_eq!(other.work().unwrap(), StripeWork::Nothing);
        let foreign: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_4", "type": "payment_intent.succeeded", "data": { "object": { "metadata": {} } }
        }))
        .unwrap();
        assert_eq!(
            foreign.work().unwrap(),
            StripeWork::Nothing,
            "not one of this system's intents"
        );
        let refunded = |full: bool| -> StripeEvent {
            serde_json::from_value(serde_json::json!({
                "id": "evt_5", "type": "charge.refunded",
                "data": { "object": { "id": "ch_1", "object": "charge", "payment_intent": "pi_9",
                    "refunded": full, "metadata": {} } }
            }))
            .unwrap()
        };
        assert_eq!(
            refunded(true).work().unwrap(),
            StripeWork::OfIntent {
                id: "evt_5".into(),
                intent: "pi_9".into(),
                kind: ProviderEventKind::RefundSucceeded
            }
        );
        assert_eq!(refunded(false).work().unwrap(), StripeWork::Nothing, "a partial refund");
        let disputed = |reason: &str| -> StripeEvent {
            serde_json::from_value(serde_json::json!({
                "id": "evt_6", "type": "charge.dispute.created",
                "data": { "object": { "id": "dp_1", "object": "dispute", "charge": "ch_1",
                    "payment_intent": "pi_9", "amount": 5000, "currency": "usd",
                    "reason": reason, "status": "needs_response", "metadata": {} } }
            }))
            .unwrap()
        };
        let want = |reason: &str| StripeWork::OfIntent {
            id: "evt_6".into(),
            intent: "pi_9".into(),
            kind: ProviderEventKind::Disputed(Dispute {
                status: "needs_response".into(),
                amount_cents: 5000,
                reason: reason.into(),
            }),
        };
        assert_eq!(disputed("fraudulent").work().unwrap(), want("fraudulent"));
        assert_eq!(
            disputed("<script>").work().unwrap(),
            want("general"),
            "a word of Stripe's is bounded before it is stored"
        );
    }
}
