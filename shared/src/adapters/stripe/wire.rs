//! The few fields of Stripe's documented shapes this reads
//! (<https://docs.stripe.com/api/payment_intents>, `/api/refunds`, `/api/events`, `/api/errors`),
//! and what they mean here.

use std::collections::HashMap;

use chrono::DateTime;
use serde::Deserialize;
use uuid::Uuid;

use crate::domain::ChargeOutcome;
use crate::ports::ProviderCharge;

/// A page of `payment_intent.succeeded` events (`GET /v1/events`).
#[derive(Debug, Deserialize)]
pub(super) struct EventPage {
    pub(super) data: Vec<IntentEvent>,
    #[serde(default)]
    pub(super) has_more: bool,
}

#[derive(Debug, Deserialize)]
pub(super) struct IntentEvent {
    pub(super) id: String,
    pub(super) data: IntentEventData,
}

#[derive(Debug, Deserialize)]
pub(super) struct IntentEventData {
    pub(super) object: IntentObject,
}

/// The PaymentIntent an event carries, as far as the reconciliation reads it.
#[derive(Debug, Deserialize)]
pub(super) struct IntentObject {
    pub(super) id: String,
    pub(super) amount: i64,
    pub(super) currency: String,
    pub(super) created: i64,
    #[serde(default)]
    pub(super) metadata: HashMap<String, String>,
}

impl IntentObject {
    pub(super) fn charge(self) -> ProviderCharge {
        ProviderCharge {
            payment_id: self.metadata.get("paymentId").and_then(|p| Uuid::parse_str(p).ok()),
            reference: self.id,
            amount_cents: self.amount,
            currency: self.currency.to_ascii_uppercase(),
            created_at: DateTime::from_timestamp(self.created, 0).unwrap_or_default(),
        }
    }
}

/// A PaymentIntent, as far as it is read here.
#[derive(Debug, Deserialize)]
pub(super) struct Intent {
    pub(super) id: String,
    pub(super) status: String,
    #[serde(default)]
    pub(super) client_secret: Option<String>,
    #[serde(default)]
    pub(super) last_payment_error: Option<StripeError>,
}

/// A refund, as far as it is read here.
#[derive(Debug, Deserialize)]
pub(super) struct StripeRefund {
    pub(super) id: String,
}

/// Stripe's error object (`{"error": {...}}`).
#[derive(Debug, Deserialize)]
pub(super) struct StripeError {
    #[serde(default)]
    pub(super) code: Option<String>,
    #[serde(default)]
    pub(super) decline_code: Option<String>,
    #[serde(default)]
    pub(super) message: Option<String>,
    #[serde(default)]
    pub(super) payment_intent: Option<Box<Intent>>,
}

#[derive(Debug, Deserialize)]
pub(super) struct ErrorBody {
    pub(super) error: StripeError,
}

impl StripeError {
    /// The reason a payment failed, as stored (`card_declined`, ...).
    pub(super) fn reason(&self) -> String {
        self.decline_code
            .clone()
            .or_else(|| self.code.clone())
            .or_else(|| self.message.clone())
            .unwrap_or_else(|| "card_declined".into())
    }
}

impl Intent {
    /// What the intent's status means for the payment.
    pub(super) fn outcome(&self) -> ChargeOutcome {
        match self.status.as_str() {
            "succeeded" => ChargeOutcome::Succeeded,
            "requires_payment_method" | "canceled" => ChargeOutcome::Failed(
                self.last_payment_error
                    .as_ref()
                    .map(StripeError::reason)
                    .unwrap_or_else(|| self.status.clone()),
            ),
            "requires_action" => match &self.client_secret {
                Some(secret) => ChargeOutcome::RequiresAction(secret.clone()),
                None => ChargeOutcome::Processing,
            },
            // processing, requires_confirmation, requires_capture: not yet.
            _ => ChargeOutcome::Processing,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn intent(json: &str) -> Intent {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn an_intents_status_is_read_as_stripe_documents_it() {
        assert_eq!(
            intent(r#"{"id":"pi_1","status":"succeeded"}"#).outcome(),
            ChargeOutcome::Succeeded
        );
        assert_eq!(
            intent(r#"{"id":"pi_1","status":"requires_action","client_secret":"pi_1_secret_x"}"#)
                .outcome(),
            ChargeOutcome::RequiresAction("pi_1_secret_x".into())
        );
        for pending in ["processing", "requires_confirmation", "requires_capture"] {
            let i = intent(&format!(r#"{{"id":"pi_1","status":"{pending}"}}"#));
            assert_eq!(i.outcome(), ChargeOutcome::Processing, "{pending}");
        }
        let declined = intent(
            r#"{"id":"pi_1","status":"requires_payment_method","last_payment_error":{"code":"card_declined","decline_code":"insufficient_funds"}}"#,
        );
        assert_eq!(declined.outcome(), ChargeOutcome::Failed("insufficient_funds".into()));
        let error: ErrorBody = serde_json::from_str(
            r#"{"error":{"type":"card_error","code":"card_declined","message":"Your card was declined.","payment_intent":{"id":"pi_2","status":"requires_payment_method"}}}"#,
        )
        .unwrap();
        assert_eq!(error.error.reason(), "card_declined");
        assert_eq!(error.error.payment_intent.unwrap().id, "pi_2");
    }
}
