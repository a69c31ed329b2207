//! Payments: one in flight per booking, settled with the provider's outcome (a success confirms
//! its booking in the same transaction), and provider webhooks applied once each (the event id is
//! recorded in the transaction it takes effect in).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::MySqlPool;
use sqlx::{MySql, Row, Transaction};
use uuid::Uuid;

use super::outbox::commit;
use super::rows::{payment_rows, PaymentRow};
use super::tx::{apply, locked_booking, locked_order, locked_payment, move_payment, owe_refund};
use super::{fault, retry, uuid, Abort};
use crate::domain::history::PROVIDER;
use crate::domain::message::dispute_message;
use crate::domain::settlement::{self, ProviderRefundPlan, Settlement};
use crate::domain::{
    Booking, BookingStatus, ChargeOutcome, Dispute, Envelope, Payment, PaymentStatus, Refund,
    RefundReason,
};
use crate::ports::{
    BackendResult, NewPayment, PaymentStore, ProviderRefund, Settled, WebhookReceipt,
};

/// The [`PaymentStore`] over one pool.
#[derive(Clone)]
pub struct MySqlPayments {
    pool: MySqlPool,
}

/// Records a provider event as applied; `false` if it was applied before (nothing more to do).
async fn first_receipt(
    tx: &mut Transaction<'_, MySql>,
    webhook: WebhookReceipt<'_>,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let fresh = sqlx::query!(
        "INSERT IGNORE INTO processed_webhooks (id, type, applied_at) VALUES (?, ?, ?)",
        webhook.id,
        webhook.kind,
        now
    )
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(fresh == 1)
}

/// Moves a locked PROCESSING payment to SUCCEEDED, its announcement in `out`.
async fn succeed(
    tx: &mut Transaction<'_, MySql>,
    p: &mut Payment,
    event: Uuid,
    now: DateTime<Utc>,
    out: &mut Vec<Envelope>,
) -> Result<(), Abort> {
    move_payment(tx, p, PaymentStatus::Succeeded, None, event, now, out).await
}

impl MySqlPayments {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlPayments { pool }
    }

    /// Opens a transaction holding the payment's booking and the payment locked (in that order,
    /// as everywhere; both named by `read`, the payment as the caller read it), with the provider
    /// event recorded first if there is one; `None` if the payment or booking is unknown, or the
    /// event was applied before.
    async fn lock_pair(
        &self,
        read: &Payment,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Option<(Transaction<'static, MySql>, Booking, Payment)>, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("settling a payment"))?;
        if let Some(webhook) = webhook {
            if !first_receipt(&mut tx, webhook, now).await? {
                return Ok(None);
            }
        }
        let Some(b) = locked_booking(&mut tx, read.booking_id).await? else { return Ok(None) };
        let p = locked_payment(&mut tx, read.id).await?;
        Ok((p.booking_id == b.id).then_some((tx, b, p)))
    }

    async fn try_settle(
        &self,
        payment: &Payment,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> Result<Settled, Abort> {
        let Some((mut tx, mut b, mut p)) = self.lock_pair(payment, webhook, now).await? else {
            return Ok(Settled::Unchanged);
        };
        let out = &mut Vec::new();
        let result = match settlement::settle(&b, &p, outcome, now) {
            Settlement::Unchanged => Settled::Unchanged,
            Settlement::Fail(reason) => {
                let failed = PaymentStatus::Failed;
                move_payment(&mut tx, &mut p, failed, Some(&reason), b.event_id, now, out).await?;
                Settled::Failed
            }
            Settlement::Confirm => {
                succeed(&mut tx, &mut p, b.event_id, now, out).await?;
                apply(&mut tx, &mut b, BookingStatus::Confirmed, now, out).await?;
                Settled::Confirmed(b)
            }
            Settlement::RefundLate { expire, refund } => {
                // The booking expired (or was cancelled, or paid already): the money goes back;
                // a PENDING booking past its deadline is expired in the same step.
                succeed(&mut tx, &mut p, b.event_id, now, out).await?;
                let payments = std::slice::from_mut(&mut p);
                let mut refunds =
                    vec![owe_refund(&mut tx, payments, b.event_id, refund, now, out).await?];
                if expire {
                    refunds.extend(apply(&mut tx, &mut b, BookingStatus::Expired, now, out).await?);
                }
                Settled::Refunded(b, refunds)
            }
        };
        commit(tx, out, PROVIDER).await?;
        Ok(result)
    }

    async fn try_dispute(
        &self,
        payment: &Payment,
        dispute: &Dispute,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> Result<Option<Booking>, Abort> {
        let Some((mut tx, mut b, p)) = self.lock_pair(payment, Some(webhook), now).await? else {
            return Ok(None);
        };
        if !p.disputable() {
            tx.commit().await?;
            return Ok(None);
        }
        sqlx::query!(
            "UPDATE bookings SET dispute_status = ?, dispute_amount_cents = ?, dispute_reason = ?, \
             updated_at = ?, version = version + 1 WHERE id = ?",
            &dispute.status,
            dispute.amount_cents,
            &dispute.reason,
            now,
            b.id.to_string()
        )
        .execute(&mut *tx)
        .await?;
        b.dispute = Some(dispute.clone());
        b.updated_at = now;
        b.version += 1;
        commit(tx, &[dispute_message(&b, &p, dispute, now)], PROVIDER).await?;
        Ok(Some(b))
    }

    async fn try_refund(
        &self,
        payment: &Payment,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> Result<ProviderRefund, Abort> {
        let Some((mut tx, mut b, mut p)) = self.lock_pair(payment, Some(webhook), now).await?
        else {
            return Ok(ProviderRefund::Unchanged);
        };
        let ProviderRefundPlan::Refunded { cancel } = settlement::provider_refunded(&b, &p) else {
            tx.commit().await?;
            return Ok(ProviderRefund::Unchanged);
        };
        // The provider gave the money back already: the payment is REFUNDED in full, and nothing is
        // owed (no refund row). A booking it paid for is cancelled, which refunds nothing more.
        sqlx::query!(
            "UPDATE payments SET refunded_cents = amount_cents WHERE id = ?",
            p.id.to_string()
        )
        .execute(&mut *tx)
        .await?;
        p.refunded_cents = p.amount_cents;
        let (refunded, out) = (PaymentStatus::Refunded, &mut Vec::new());
        move_payment(&mut tx, &mut p, refunded, None, b.event_id, now, out).await?;
        let outcome = if cancel {
            apply(&mut tx, &mut b, BookingStatus::Cancelled, now, out).await?;
            ProviderRefund::Cancelled(Box::new(b))
        } else {
            ProviderRefund::Refunded
        };
        commit(tx, out, PROVIDER).await?;
        Ok(outcome)
    }

    async fn try_insert(&self, p: &Payment) -> Result<NewPayment, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("recording a payment"))?;
        let Some(b) = locked_order(&mut tx, p.booking_id).await? else {
            return Ok(NewPayment::NotPayable(None));
        };
        if let Err(status) = b.payable(p.created_at) {
            return Ok(NewPayment::NotPayable(Some(status)));
        }
        // A locking read of the event: its cancel (an UPDATE of the row) waits for this payment
        // to be recorded, and its cancel job then refunds it; a payment after the cancel is refused.
        // With it, the booking's payment in flight, if any (the booking's lock, taken by every
        // payment first, keeps a second from starting meanwhile).
        let read = sqlx::query!(
            "SELECT cancelled_at IS NOT NULL AS `cancelled: bool`, \
             (SELECT id FROM payments WHERE booking_id = ? AND status IN ('PROCESSING', 'SUCCEEDED') LIMIT 1) AS live \
             FROM events WHERE id = ? LOCK IN SHARE MODE",
            p.booking_id.to_string(),
            b.event_id.to_string()
        )
        .fetch_optional(&mut *tx)
        .await?;
        let live = match read {
            Some(r) if !r.cancelled => r.live,
            _ => return Ok(NewPayment::EventCancelled),
        };
        if let Some(other) = live {
            return Ok(NewPayment::InFlight(
                Uuid::parse_str(&other).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            ));
        }
        sqlx::query!(
            "INSERT INTO payments (id, booking_id, user_id, amount_cents, currency, status, payment_method, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, 'PROCESSING', ?, ?, ?)",
            p.id.to_string(),
            p.booking_id.to_string(),
            &p.user_id,
            p.amount_cents,
            &p.currency,
            &p.method,
            p.created_at,
            p.created_at
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewPayment::Inserted)
    }
}

#[async_trait]
impl PaymentStore for MySqlPayments {
    async fn insert(&self, p: &Payment) -> BackendResult<NewPayment> {
        retry("recording a payment", || self.try_insert(p)).await
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Payment>> {
        let row = payment_rows!("WHERE id = ?", id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(fault("reading a payment"))?;
        row.map(PaymentRow::payment).transpose().map_err(fault("decoding a payment"))
    }

    async fn stale(&self, before: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Payment>> {
        let rows = payment_rows!(
            "WHERE status = 'PROCESSING' AND created_at < ? ORDER BY created_at LIMIT ?",
            before,
            limit
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("finding stale payments"))?;
        rows.into_iter()
            .map(PaymentRow::payment)
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding a payment"))
    }

    async fn settle(
        &self,
        payment: &Payment,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> BackendResult<Settled> {
        retry("settling a payment", || self.try_settle(payment, outcome, webhook, now)).await
    }

    async fn dispute(
        &self,
        payment: &Payment,
        dispute: &Dispute,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<Booking>> {
        retry("recording a dispute", || self.try_dispute(payment, dispute, webhook, now)).await
    }

    async fn apply_refund(
        &self,
        payment: &Payment,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<ProviderRefund> {
        retry("refunding a payment", || self.try_refund(payment, webhook, now)).await
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
                let reason: String = r.try_get("reason")?;
                Ok(Refund {
                    id: uuid(r, "id")?,
                    payment_id: uuid(r, "payment_id")?,
                    booking_id: uuid(r, "booking_id")?,
                    event_id: uuid(r, "event_id")?,
                    amount_cents: r.try_get("amount_cents")?,
                    currency: r.try_get("currency")?,
                    reason: RefundReason::parse(&reason).ok_or_else(|| {
                        sqlx::Error::Decode(format!("refund reason {reason:?}").into())
                    })?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding a refund"))
    }

    async fn refund_sent(&self, id: Uuid, now: DateTime<Utc>) -> BackendResult<()> {
        sqlx::query!(
            "UPDATE refunds SET sent_at = COALESCE(sent_at, ?), attempts = attempts + 1 WHERE id = ?",
            now,
            id.to_string()
        )
            .execute(&self.pool)
            .await
            .map_err(fault("marking a refund sent"))?;
        Ok(())
    }
}
