//! Payments: one in flight per booking, settled with the provider's outcome (a success confirms
//! its booking in the same transaction), and provider webhooks applied once each (the event id is
//! recorded in the transaction it takes effect in).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlPool, MySqlRow};
use sqlx::{MySql, Row, Transaction};
use uuid::Uuid;

use super::bookings::{apply, locked_booking};
use super::outbox::enqueue;
use super::{fault, retry, status, uuid, Abort};
use crate::domain::history::PROVIDER;
use crate::domain::message::payment_message;
use crate::domain::{
    Booking, BookingStatus, ChargeOutcome, MessageKind, Payment, PaymentStatus, Refund,
};
use crate::ports::{
    BackendResult, NewPayment, PaymentStore, ProviderRefund, Settled, WebhookReceipt,
};

pub(super) const PAYMENT_COLUMNS: &str =
    "SELECT id, booking_id, user_id, amount_cents, currency, CAST(status AS CHAR) AS status, failure_reason, created_at, refunded_cents, payment_method FROM payments";

/// The [`PaymentStore`] over one pool.
#[derive(Clone)]
pub struct MySqlPayments {
    pool: MySqlPool,
}

pub(super) fn payment_row(r: &MySqlRow) -> Result<Payment, sqlx::Error> {
    Ok(Payment {
        id: uuid(r, "id")?,
        booking_id: uuid(r, "booking_id")?,
        user_id: r.try_get("user_id")?,
        amount_cents: r.try_get("amount_cents")?,
        currency: r.try_get("currency")?,
        status: status(r, "status", PaymentStatus::parse)?,
        failure_reason: r.try_get("failure_reason")?,
        created_at: r.try_get("created_at")?,
        refunded_cents: r.try_get("refunded_cents")?,
    })
}

/// Moves a locked payment to `status` (with a failure reason, if any) and bumps its version.
pub(super) async fn set_payment(
    tx: &mut Transaction<'_, MySql>,
    p: &mut Payment,
    status: PaymentStatus,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET status = ?, failure_reason = COALESCE(?, failure_reason), updated_at = ?, version = version + 1 WHERE id = ?")
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .bind(p.id.to_string())
        .execute(&mut **tx)
        .await?;
    p.status = status;
    if let Some(r) = reason {
        p.failure_reason = Some(r.to_string());
    }
    Ok(())
}

/// Moves a locked payment to `status` and announces it (`kind`) in the same transaction.
#[allow(clippy::too_many_arguments)]
async fn move_payment(
    tx: &mut Transaction<'_, MySql>,
    p: &mut Payment,
    status: PaymentStatus,
    reason: Option<&str>,
    kind: MessageKind,
    event: Uuid,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<(), Abort> {
    set_payment(tx, p, status, reason, now).await?;
    enqueue(tx, &[payment_message(kind, p, event, now)], actor).await
}

/// Owes back `amount` of a locked SUCCEEDED payment, in the transaction that decided it: the
/// refund row (sent to the provider after the commit, under its id as idempotency key), the
/// payment's refunded total (REFUNDED once it reaches the amount) and the `PaymentRefunded` message.
pub(super) async fn owe_refund(
    tx: &mut Transaction<'_, MySql>,
    p: &mut Payment,
    event: Uuid,
    amount: i64,
    why: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> Result<Refund, Abort> {
    let refund = Refund {
        id: Uuid::now_v7(),
        payment_id: p.id,
        booking_id: p.booking_id,
        event_id: event,
        amount_cents: amount,
        currency: p.currency.clone(),
        reason: why.to_string(),
    };
    sqlx::query(
        "INSERT INTO refunds (id, payment_id, booking_id, event_id, amount_cents, currency, reason, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(refund.id.to_string())
    .bind(p.id.to_string())
    .bind(p.booking_id.to_string())
    .bind(event.to_string())
    .bind(amount)
    .bind(&p.currency)
    .bind(why)
    .bind(now)
    .execute(&mut **tx)
    .await?;
    p.refunded_cents += amount;
    if p.refunded_cents >= p.amount_cents {
        p.status = PaymentStatus::Refunded;
    }
    sqlx::query("UPDATE payments SET status = ?, refunded_cents = ?, updated_at = ?, version = version + 1 WHERE id = ?")
        .bind(p.status.as_str())
        .bind(p.refunded_cents)
        .bind(now)
        .bind(p.id.to_string())
        .execute(&mut **tx)
        .await?;
    let mut m = payment_message(MessageKind::PaymentRefunded, p, event, now);
    m.data["refundId"] = serde_json::json!(refund.id);
    m.data["refundCents"] = serde_json::json!(amount);
    m.data["reason"] = serde_json::json!(why);
    enqueue(tx, &[m], actor).await?;
    Ok(refund)
}

/// Records a provider event as applied; `false` if it was applied before (nothing more to do).
async fn first_receipt(
    tx: &mut Transaction<'_, MySql>,
    webhook: WebhookReceipt<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let fresh = sqlx::query(
        "INSERT IGNORE INTO processed_webhooks (id, type, applied_at) VALUES (?, ?, ?)",
    )
    .bind(webhook.id)
    .bind(webhook.kind)
    .bind(now)
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(fresh == 1)
}

impl MySqlPayments {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlPayments { pool }
    }

    /// The booking a payment is for, read without locks, so that rows are then locked
    /// booking -> payment like everywhere.
    async fn booking_of(&self, payment: Uuid) -> Result<Option<Uuid>, sqlx::Error> {
        let booking: Option<String> =
            sqlx::query_scalar("SELECT booking_id FROM payments WHERE id = ?")
                .bind(payment.to_string())
                .fetch_optional(&self.pool)
                .await?;
        booking
            .map(|b| Uuid::parse_str(&b).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()
    }

    /// Opens a transaction holding the payment's booking and the payment locked (in that order),
    /// with the provider event recorded first if there is one; `None` if the payment or booking is
    /// unknown, or the event was applied before.
    async fn lock_pair(
        &self,
        id: Uuid,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<(Transaction<'static, MySql>, Booking, Payment)>, Abort> {
        let Some(booking_id) = self.booking_of(id).await? else { return Ok(None) };
        let mut tx = self.pool.begin().await.map_err(fault("settling a payment"))?;
        if let Some(webhook) = webhook {
            if !first_receipt(&mut tx, webhook, now).await? {
                return Ok(None);
            }
        }
        let Some(b) = locked_booking(&mut tx, booking_id).await? else { return Ok(None) };
        let p = Self::locked_payment(&mut tx, id).await?;
        Ok(Some((tx, b, p)))
    }

    async fn locked_payment(
        tx: &mut Transaction<'_, MySql>,
        id: Uuid,
    ) -> Result<Payment, sqlx::Error> {
        let row = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE id = ? FOR UPDATE"))
            .bind(id.to_string())
            .fetch_one(&mut **tx)
            .await?;
        payment_row(&row)
    }
    async fn try_settle(
        &self,
        id: Uuid,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Settled, Abort> {
        let Some((mut tx, mut b, mut p)) = self.lock_pair(id, webhook, now).await? else {
            return Ok(Settled::Unchanged);
        };
        if p.status != PaymentStatus::Processing {
            tx.commit().await?;
            return Ok(Settled::Unchanged);
        }
        let result = match outcome {
            ChargeOutcome::Processing => Settled::Unchanged,
            ChargeOutcome::Failed(reason) => {
                move_payment(
                    &mut tx,
                    &mut p,
                    PaymentStatus::Failed,
                    Some(reason),
                    MessageKind::PaymentFailed,
                    b.event_id,
                    PROVIDER,
                    now,
                )
                .await?;
                Settled::Failed
            }
            ChargeOutcome::Succeeded => {
                move_payment(
                    &mut tx,
                    &mut p,
                    PaymentStatus::Succeeded,
                    None,
                    MessageKind::PaymentSucceeded,
                    b.event_id,
                    PROVIDER,
                    now,
                )
                .await?;
                if b.status == BookingStatus::Pending && now < b.expires_at {
                    apply(&mut tx, &mut b, BookingStatus::Confirmed, now, PROVIDER).await?;
                    Settled::Confirmed(b)
                } else {
                    // Too late: the booking expired (or is being expired now: that refunds its
                    // succeeded payments, this one included), was cancelled, or was paid already.
                    // The money goes back; the booking stays as it is.
                    let mut refunds = Vec::new();
                    if b.status == BookingStatus::Pending {
                        refunds =
                            apply(&mut tx, &mut b, BookingStatus::Expired, now, PROVIDER).await?;
                    }
                    if !refunds.iter().any(|r| r.payment_id == p.id) {
                        let amount = p.amount_cents;
                        refunds.push(
                            owe_refund(
                                &mut tx,
                                &mut p,
                                b.event_id,
                                amount,
                                "LATE_PAYMENT",
                                PROVIDER,
                                now,
                            )
                            .await?,
                        );
                    }
                    Settled::Refunded(b, refunds)
                }
            }
        };
        tx.commit().await?;
        Ok(result)
    }

    async fn try_refund(
        &self,
        id: Uuid,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> Result<ProviderRefund, Abort> {
        let Some((mut tx, mut b, mut p)) = self.lock_pair(id, Some(webhook), now).await? else {
            return Ok(ProviderRefund::Unchanged);
        };
        if p.status != PaymentStatus::Succeeded {
            tx.commit().await?;
            return Ok(ProviderRefund::Unchanged);
        }
        // The provider gave the money back already: the payment is REFUNDED in full, and nothing is
        // owed (no refund row). A booking it paid for is cancelled, which refunds nothing more.
        sqlx::query("UPDATE payments SET refunded_cents = amount_cents WHERE id = ?")
            .bind(p.id.to_string())
            .execute(&mut *tx)
            .await?;
        p.refunded_cents = p.amount_cents;
        move_payment(
            &mut tx,
            &mut p,
            PaymentStatus::Refunded,
            None,
            MessageKind::PaymentRefunded,
            b.event_id,
            PROVIDER,
            now,
        )
        .await?;
        let outcome = if b.status == BookingStatus::Confirmed {
            apply(&mut tx, &mut b, BookingStatus::Cancelled, now, PROVIDER).await?;
            ProviderRefund::Cancelled(Box::new(b))
        } else {
            ProviderRefund::Refunded
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn try_insert(&self, p: &Payment, method: &str) -> Result<NewPayment, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("recording a payment"))?;
        let row = sqlx::query(
            "SELECT CAST(status AS CHAR) AS status FROM bookings WHERE id = ? FOR UPDATE",
        )
        .bind(p.booking_id.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let status = row.map(|r| status(&r, "status", BookingStatus::parse)).transpose()?;
        if status != Some(BookingStatus::Pending) {
            return Ok(NewPayment::NotPayable(status));
        }
        let live: Option<String> = sqlx::query_scalar("SELECT id FROM payments WHERE booking_id = ? AND status IN ('PROCESSING', 'SUCCEEDED') LIMIT 1")
            .bind(p.booking_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(other) = live {
            return Ok(NewPayment::InFlight(
                Uuid::parse_str(&other).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            ));
        }
        sqlx::query(
            "INSERT INTO payments (id, booking_id, user_id, amount_cents, currency, status, payment_method, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, 'PROCESSING', ?, ?, ?)",
        )
        .bind(p.id.to_string())
        .bind(p.booking_id.to_string())
        .bind(&p.user_id)
        .bind(p.amount_cents)
        .bind(&p.currency)
        .bind(method)
        .bind(p.created_at)
        .bind(p.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewPayment::Inserted)
    }
}

#[async_trait]
impl PaymentStore for MySqlPayments {
    async fn insert(&self, p: &Payment, method: &str) -> BackendResult<NewPayment> {
        retry("recording a payment", || self.try_insert(p, method)).await
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Payment>> {
        let row = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE id = ?"))
            .bind(id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(fault("reading a payment"))?;
        row.map(|r| payment_row(&r)).transpose().map_err(fault("decoding a payment"))
    }

    async fn stale(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> BackendResult<Vec<(Payment, String)>> {
        let rows = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE status = 'PROCESSING' AND created_at < ? ORDER BY created_at LIMIT ?"))
            .bind(before)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(fault("finding stale payments"))?;
        rows.iter()
            .map(|r| Ok((payment_row(r)?, r.try_get::<String, _>("payment_method")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding a payment"))
    }

    async fn settle(
        &self,
        id: Uuid,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> BackendResult<Settled> {
        retry("settling a payment", || self.try_settle(id, outcome, webhook, now)).await
    }

    async fn apply_refund(
        &self,
        id: Uuid,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<ProviderRefund> {
        retry("refunding a payment", || self.try_refund(id, webhook, now)).await
    }

    async fn unsent_refunds(
        &self,
        event: Option<Uuid>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> BackendResult<Vec<Refund>> {
        let mut q = sqlx::QueryBuilder::new(
            "SELECT id, payment_id, booking_id, event_id, amount_cents, currency, reason FROM refunds \
             WHERE sent_at IS NULL AND created_at < ",
        );
        q.push_bind(before);
        if let Some(e) = event {
            q.push(" AND event_id = ").push_bind(e.to_string());
        }
        q.push(" ORDER BY created_at LIMIT ").push_bind(limit);
        let rows =
            q.build().fetch_all(&self.pool).await.map_err(fault("finding unsent refunds"))?;
        rows.iter()
            .map(|r| {
                Ok(Refund {
                    id: uuid(r, "id")?,
                    payment_id: uuid(r, "payment_id")?,
                    booking_id: uuid(r, "booking_id")?,
                    event_id: uuid(r, "event_id")?,
                    amount_cents: r.try_get("amount_cents")?,
                    currency: r.try_get("currency")?,
                    reason: r.try_get("reason")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding a refund"))
    }

    async fn refund_sent(&self, id: Uuid, now: DateTime<Utc>) -> BackendResult<()> {
        sqlx::query("UPDATE refunds SET sent_at = COALESCE(sent_at, ?), attempts = attempts + 1 WHERE id = ?")
            .bind(now)
            .bind(id.to_string())
            .execute(&self.pool)
            .await
            .map_err(fault("marking a refund sent"))?;
        Ok(())
    }
}
