//! The local payment sandbox: the outcome follows the payment method, as in common card test modes.

use async_trait::async_trait;

use crate::domain::{ChargeOutcome, Payment};
use crate::ports::{BackendResult, PaymentProvider};

/// `pm_card_visa` succeeds, `pm_card_chargeDeclined` fails, `pm_card_async` settles later through
/// the webhook; any other method is declined as unknown.
#[derive(Debug, Clone, Default)]
pub struct SandboxProvider;

#[async_trait]
impl PaymentProvider for SandboxProvider {
    async fn charge(&self, _payment: &Payment, method: &str) -> BackendResult<ChargeOutcome> {
        Ok(match method {
            "pm_card_visa" => ChargeOutcome::Succeeded,
            "pm_card_chargeDeclined" => ChargeOutcome::Failed("card_declined".into()),
            "pm_card_async" => ChargeOutcome::Processing,
            _ => ChargeOutcome::Failed("unknown_payment_method".into()),
        })
    }

    /// The sandbox charges by method alone, so it knows the outcome of any charge: a card that
    /// succeeds had succeeded, an async one is still processing until its webhook.
    async fn status(&self, payment: &Payment, method: &str) -> BackendResult<ChargeOutcome> {
        self.charge(payment, method).await
    }

    async fn refund(&self, payment: &Payment) -> BackendResult<()> {
        tracing::info!(payment_id = %payment.id, amount_cents = payment.amount_cents, "sandbox refund");
        Ok(())
    }
}
