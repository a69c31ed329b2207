//! The local payment sandbox: the outcome follows the payment method, as in common card test modes;
//! refunds are kept in the sandbox's own book (`sandbox_refunds`), one per idempotency key, as a
//! provider would keep them, so tests can see what the "provider" refunded and how often it was asked.

use async_trait::async_trait;
use chrono::Utc;
use sqlx::MySqlPool;

use crate::domain::{ChargeOutcome, Payment, Refund};
use crate::ports::{BackendError, BackendResult, PaymentProvider};

/// What the sandbox (and the in-memory provider of the fast tests) answers to a charge with
/// `method`: `pm_card_visa` succeeds, `pm_card_chargeDeclined` and `pm_card_chargeCustomerFail`
/// (Stripe's test ids) fail, `pm_card_async` settles later through the webhook,
/// `pm_card_threeDSecureRequired` waits for the buyer's authentication; any other method is
/// declined as unknown.
pub fn test_card(method: &str) -> ChargeOutcome {
    match method {
        "pm_card_visa" => ChargeOutcome::Succeeded,
        "pm_card_chargeDeclined" | "pm_card_chargeCustomerFail" => {
            ChargeOutcome::Failed("card_declined".into())
        }
        "pm_card_async" => ChargeOutcome::Processing,
        "pm_card_threeDSecureRequired" => ChargeOutcome::RequiresAction("secret".into()),
        _ => ChargeOutcome::Failed("unknown_payment_method".into()),
    }
}

/// The sandbox provider: charges by [`test_card`], refunds into its own book.
#[derive(Debug, Clone)]
pub struct SandboxProvider {
    book: MySqlPool,
}

impl SandboxProvider {
    /// A sandbox keeping its book of refunds in `book`.
    pub fn new(book: MySqlPool) -> Self {
        SandboxProvider { book }
    }
}

#[async_trait]
impl PaymentProvider for SandboxProvider {
    async fn charge(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        Ok(test_card(&payment.method))
    }

    /// The sandbox charges by method alone, so it knows the outcome of any charge: a card that
    /// succeeds had succeeded, an async one is still processing until its webhook.
    async fn status(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        self.charge(payment).await
    }

    /// One refund per idempotency key: asking again only counts the request.
    async fn refund(&self, refund: &Refund) -> BackendResult<()> {
        sqlx::query!(
            "INSERT INTO sandbox_refunds (idempotency_key, payment_id, amount_cents, created_at) VALUES (?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE requests = requests + 1",
            refund.id.to_string(),
            refund.payment_id.to_string(),
            refund.amount_cents,
            Utc::now()
        )
        .execute(&self.book)
        .await
        .map_err(|e| BackendError::transient("refunding at the sandbox provider", e))?;
        tracing::info!(refund_id = %refund.id, payment_id = %refund.payment_id, amount_cents = refund.amount_cents, "sandbox refund");
        Ok(())
    }
}
