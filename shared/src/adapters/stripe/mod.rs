//! Payments through Stripe: PaymentIntents created and confirmed with the payment id as
//! `Idempotency-Key` and `bookingId`/`paymentId` in metadata, amount and currency the booking's;
//! refunds through the Refunds API with the refund row's id as `Idempotency-Key`. The intents and
//! refunds made are kept in the provider's own book (`stripe_intents`, `stripe_refunds`), so a
//! status asks about the right intent and a refund already made is not asked for again.
//!
//! The request and response types are the few fields of Stripe's documented shapes this uses
//! (`wire`).

use std::collections::HashSet;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::MySqlPool;
use uuid::Uuid;

use crate::config::Payments;

mod wire;

use crate::domain::{ChargeOutcome, Payment, Refund};
use crate::ports::{BackendError, BackendResult, PaymentProvider, ProviderCharge};
use wire::{ErrorBody, EventPage, Intent, StripeError, StripeRefund};

/// How long one call to Stripe may take.
const TIMEOUT: Duration = Duration::from_secs(15);
/// The most pages of 100 events one reconciliation reads (100,000 charges: a stadium's on-sale
/// twice over in one day); a window with more fails the audit (its alarm) rather than leave
/// charges unread.
const MAX_EVENT_PAGES: usize = 1_000;

/// The [`PaymentProvider`] over Stripe's API.
#[derive(Clone)]
pub struct StripeProvider {
    http: reqwest::Client,
    base: String,
    key: String,
    book: MySqlPool,
}

impl StripeProvider {
    /// A provider calling `payments.stripe_api_base` with the secret key, keeping its book in `book`.
    pub fn new(payments: &Payments, book: MySqlPool) -> anyhow::Result<Self> {
        super::install_crypto();
        let http = reqwest::Client::builder().timeout(TIMEOUT).build()?;
        Ok(StripeProvider {
            http,
            base: payments.stripe_api_base.trim_end_matches('/').to_string(),
            key: payments.stripe_secret_key.clone(),
            book,
        })
    }

    /// A form POST to Stripe with an idempotency key: the body of a 2xx, or Stripe's error with its
    /// status (4xx are permanent, the rest transient).
    async fn post<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, String)],
        key: &str,
        what: &str,
    ) -> BackendResult<Result<T, (u16, StripeError)>> {
        let req = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.key)
            .header("idempotency-key", key)
            .form(form);
        Self::answer(req, what).await
    }

    /// A GET from Stripe: the body of a 2xx; Stripe's refusal (4xx) is a permanent error here.
    async fn get<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
        what: &str,
    ) -> BackendResult<T> {
        let req = self.http.get(format!("{}{path}", self.base)).bearer_auth(&self.key).query(query);
        Self::answer(req, what).await?.map_err(|(status, e)| refused(what, status, &e))
    }

    async fn answer<T: serde::de::DeserializeOwned>(
        req: reqwest::RequestBuilder,
        what: &str,
    ) -> BackendResult<Result<T, (u16, StripeError)>> {
        let res = req.send().await.map_err(|e| BackendError::transient(what.to_string(), e))?;
        let status = res.status().as_u16();
        let bytes = res.bytes().await.map_err(|e| BackendError::transient(what.to_string(), e))?;
        if (200..300).contains(&status) {
            return serde_json::from_slice(&bytes).map(Ok).map_err(|e| {
                BackendError::permanent(format!("{what}: reading Stripe's answer"), e)
            });
        }
        match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) if (400..500).contains(&status) => Ok(Err((status, body.error))),
            _ => Err(BackendError::transient(
                what.to_string(),
                anyhow::anyhow!("Stripe answered {status}: {}", String::from_utf8_lossy(&bytes)),
            )),
        }
    }

    async fn intent_of(&self, payment: Uuid) -> BackendResult<Option<String>> {
        sqlx::query_scalar!(
            "SELECT intent_id FROM stripe_intents WHERE payment_id = ?",
            payment.to_string()
        )
        .fetch_optional(&self.book)
        .await
        .map_err(|e| BackendError::transient("reading the Stripe book", e))
    }

    async fn remember_intent(&self, payment: Uuid, intent: &str) -> BackendResult<()> {
        sqlx::query!(
            "INSERT IGNORE INTO stripe_intents (payment_id, intent_id, created_at) VALUES (?, ?, ?)",
            payment.to_string(),
            intent,
            Utc::now()
        )
        .execute(&self.book)
        .await
        .map_err(|e| BackendError::transient("writing the Stripe book", e))?;
        Ok(())
    }

    /// Creates and confirms the payment's intent (or, with the same idempotency key, gets the
    /// answer Stripe gave the first time).
    async fn create_intent(&self, p: &Payment) -> BackendResult<ChargeOutcome> {
        let form = [
            ("amount", p.amount_cents.to_string()),
            ("currency", p.currency.to_ascii_lowercase()),
            ("payment_method", p.method.clone()),
            ("payment_method_types[]", "card".to_string()),
            ("confirm", "true".to_string()),
            ("metadata[bookingId]", p.booking_id.to_string()),
            ("metadata[paymentId]", p.id.to_string()),
        ];
        let what = "creating a Stripe PaymentIntent";
        match self.post::<Intent>("/v1/payment_intents", &form, &p.id.to_string(), what).await? {
            Ok(intent) => {
                self.remember_intent(p.id, &intent.id).await?;
                tracing::info!(payment_id = %p.id, intent = intent.id, status = intent.status, "Stripe PaymentIntent");
                Ok(intent.outcome())
            }
            // Our key or our rate, not the buyer's card: the payment stays PROCESSING and the
            // sweep asks again.
            Err((status @ (401 | 403 | 429), error)) => Err(BackendError::transient(
                what,
                anyhow::anyhow!("Stripe answered {status}: {:?}", error.message),
            )),
            // A decline (402 card_error) or a payment method Stripe does not know (400, 404).
            Err((status, error)) => {
                if let Some(intent) = &error.payment_intent {
                    self.remember_intent(p.id, &intent.id).await?;
                }
                tracing::info!(payment_id = %p.id, status, reason = error.reason(), "Stripe refused the charge");
                Ok(ChargeOutcome::Failed(error.reason()))
            }
        }
    }
}

#[async_trait]
impl PaymentProvider for StripeProvider {
    async fn charge(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        self.create_intent(payment).await
    }

    async fn payment_of(&self, intent: &str) -> BackendResult<Option<Uuid>> {
        let id = sqlx::query_scalar!(
            "SELECT payment_id FROM stripe_intents WHERE intent_id = ?",
            intent
        )
        .fetch_optional(&self.book)
        .await
        .map_err(|e| BackendError::transient("reading the Stripe book", e))?;
        id.map(|i| Uuid::parse_str(&i))
            .transpose()
            .map_err(|e| BackendError::permanent("reading the Stripe book", e))
    }

    /// The intent's status at Stripe. A payment with no intent in the book (the process died
    /// between Stripe's answer and the book) sends the create again with the same idempotency
    /// key, which Stripe answers with the first answer.
    async fn status(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        let Some(intent) = self.intent_of(payment.id).await? else {
            return self.create_intent(payment).await;
        };
        let path = format!("/v1/payment_intents/{intent}");
        let intent: Intent = self.get(&path, &[], "reading a Stripe PaymentIntent").await?;
        Ok(intent.outcome())
    }

    /// Cancels the intent (Stripe cancels one that still requires action); if Stripe refuses (the
    /// buyer completed it meanwhile), the intent's status says what it came to.
    async fn abandon(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        let Some(intent) = self.intent_of(payment.id).await? else {
            return self.status(payment).await;
        };
        let path = format!("/v1/payment_intents/{intent}/cancel");
        let key = format!("cancel-{}", payment.id);
        match self.post::<Intent>(&path, &[], &key, "cancelling a Stripe PaymentIntent").await? {
            Ok(cancelled) => {
                tracing::info!(payment_id = %payment.id, intent, status = cancelled.status, "Stripe PaymentIntent abandoned");
                Ok(cancelled.outcome())
            }
            Err(_) => self.status(payment).await,
        }
    }

    /// The `payment_intent.succeeded` events since `since` (Stripe keeps events 30 days, and
    /// lists them the same way for a webhook that never came), each intent once.
    async fn succeeded_since(&self, since: DateTime<Utc>) -> BackendResult<Vec<ProviderCharge>> {
        let what = "listing Stripe's payment_intent.succeeded events";
        let (mut out, mut seen, mut after) = (Vec::new(), HashSet::new(), None::<String>);
        for _ in 0..MAX_EVENT_PAGES {
            let mut query = vec![
                ("type", "payment_intent.succeeded".to_string()),
                ("created[gte]", since.timestamp().to_string()),
                ("limit", "100".to_string()),
            ];
            if let Some(a) = after.take() {
                query.push(("starting_after", a));
            }
            let page: EventPage = self.get("/v1/events", &query, what).await?;
            after = page.data.last().map(|e| e.id.clone());
            for event in page.data {
                let charge: ProviderCharge = event.data.object.charge();
                if seen.insert(charge.reference.clone()) {
                    out.push(charge);
                }
            }
            if !page.has_more || after.is_none() {
                return Ok(out);
            }
        }
        Err(BackendError::permanent(
            what,
            anyhow::anyhow!(
                "more than {} succeeded charges since {since}: the audit would be incomplete",
                MAX_EVENT_PAGES * 100
            ),
        ))
    }

    /// One Stripe refund per refund row: the row's id is the idempotency key, and a refund already
    /// in the book is not asked for again.
    async fn refund(&self, refund: &Refund) -> BackendResult<()> {
        let what = "refunding through Stripe";
        let made = sqlx::query_scalar!(
            "SELECT stripe_refund_id FROM stripe_refunds WHERE refund_id = ?",
            refund.id.to_string()
        )
        .fetch_optional(&self.book)
        .await
        .map_err(|e| BackendError::transient("reading the Stripe book", e))?;
        if made.is_some() {
            return Ok(());
        }
        let Some(intent) = self.intent_of(refund.payment_id).await? else {
            return Err(BackendError::permanent(
                what,
                anyhow::anyhow!("payment {} has no PaymentIntent", refund.payment_id),
            ));
        };
        let form = [
            ("payment_intent", intent),
            ("amount", refund.amount_cents.to_string()),
            ("metadata[refundId]", refund.id.to_string()),
            ("metadata[paymentId]", refund.payment_id.to_string()),
        ];
        match self.post::<StripeRefund>("/v1/refunds", &form, &refund.id.to_string(), what).await? {
            Ok(made) => {
                sqlx::query!(
                    "INSERT IGNORE INTO stripe_refunds (refund_id, stripe_refund_id, created_at) VALUES (?, ?, ?)",
                    refund.id.to_string(),
                    &made.id,
                    Utc::now()
                )
                .execute(&self.book)
                .await
                .map_err(|e| BackendError::transient("writing the Stripe book", e))?;
                tracing::info!(refund_id = %refund.id, stripe_refund = made.id, amount_cents = refund.amount_cents, "Stripe refund");
                Ok(())
            }
            Err((status, e)) => Err(refused(what, status, &e)),
        }
    }
}

/// Stripe's refusal of a call that is not the buyer's card's to decline: a permanent error.
fn refused(what: &str, status: u16, e: &StripeError) -> BackendError {
    BackendError::permanent(what, anyhow::anyhow!("Stripe answered {status}: {:?}", e.message))
}
