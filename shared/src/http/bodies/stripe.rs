//! A Stripe webhook event, as far as it is read here (<https://docs.stripe.com/api/events>): its
//! id, its type and the object's `metadata.paymentId` (set on every PaymentIntent this system
//! creates). Stripe sends many more fields; they are not looked at.

use std::collections::HashMap;

use serde::Deserialize;
use uuid::Uuid;

use crate::domain::{ProviderEvent, ProviderEventKind, RuleError};

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
    #[serde(default)]
    pub last_payment_error: Option<StripeLastError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StripeLastError {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub decline_code: Option<String>,
}

impl StripeEvent {
    /// The provider event this is, if it is one this system acts on: a PaymentIntent of one of
    /// its payments that succeeded or failed. `None`: acknowledged, nothing to do.
    pub fn provider_event(self) -> Result<Option<ProviderEvent>, RuleError> {
        if self.id.is_empty()
            || self.id.len() > 255
            || !self.id.bytes().all(|c| c.is_ascii_graphic())
        {
            return Err(RuleError::invalid("id", "1-255 printable ASCII characters"));
        }
        let kind = match self.kind.as_str() {
            "payment_intent.succeeded" => ProviderEventKind::PaymentSucceeded,
            "payment_intent.payment_failed" => ProviderEventKind::PaymentFailed,
            _ => return Ok(None),
        };
        let object = self.data.object;
        let Some(payment_id) =
            object.metadata.get("paymentId").and_then(|p| Uuid::parse_str(p).ok())
        else {
            return Ok(None);
        };
        let failure_reason = object
            .last_payment_error
            .and_then(|e| e.decline_code.or(e.code))
            .map(|r| r.chars().take(255).collect());
        Ok(Some(ProviderEvent { id: self.id, kind, payment_id, failure_reason }))
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
        let e = ok.provider_event().unwrap().unwrap();
        assert_eq!((e.kind, e.payment_id), (ProviderEventKind::PaymentSucceeded, p));
        let failed: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_2", "type": "payment_intent.payment_failed",
            "data": { "object": { "metadata": { "paymentId": p.to_string() },
                "last_payment_error": { "code": "card_declined", "decline_code": "stolen_card" } } }
        }))
        .unwrap();
        assert_eq!(
            failed.provider_event().unwrap().unwrap().failure_reason.as_deref(),
            Some("stolen_card")
        );
        let other: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_3", "type": "customer.created", "data": { "object": {} }
        }))
        .unwrap();
        assert!(other.provider_event().unwrap().is_none());
        let foreign: StripeEvent = serde_json::from_value(serde_json::json!({
            "id": "evt_4", "type": "payment_intent.succeeded", "data": { "object": { "metadata": {} } }
        }))
        .unwrap();
        assert!(foreign.provider_event().unwrap().is_none(), "not one of this system's intents");
    }
}
