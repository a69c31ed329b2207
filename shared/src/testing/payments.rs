//! Payments, the provider and idempotency records in memory, applying the settlement plans
//! (`domain::settlement`) under the state's lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Memory;
use crate::domain::history::PROVIDER;
use crate::domain::message::dispute_message;
use crate::domain::settlement::{self, ProviderRefundPlan, Settlement};
use crate::domain::{
    Booking, BookingStatus, ChargeOutcome, Dispute, Payment, PaymentStatus, Refund,
};
use crate::ports::{
    BackendResult, IdempotencyStore, KeyClaim, NewPayment, PaymentProvider, PaymentStore,
    ProviderRefund, Settled, StoredResponse, WebhookReceipt,
};

#[async_trait]
impl PaymentStore for Memory {
    async fn insert(&self, payment: &Payment) -> BackendResult<NewPayment> {
        let mut s = self.state();
        let Some(b) = s.bookings.get(&payment.booking_id) else {
            return Ok(NewPayment::NotPayable(None));
        };
        if let Err(status) = b.payable(payment.created_at) {
            return Ok(NewPayment::NotPayable(Some(status)));
        }
        if s.events.get(&b.event_id).is_some_and(|e| e.cancelled_at.is_some()) {
            return Ok(NewPayment::EventCancelled);
        }
        if let Some(other) = s.live_payments(payment.booking_id).first() {
            return Ok(NewPayment::InFlight(other.id));
        }
        s.payments.insert(payment.id, payment.clone());
        Ok(NewPayment::Inserted)
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Payment>> {
        Ok(self.state().payments.get(&id).cloned())
    }

    async fn stale(&self, before: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Payment>> {
        let s = self.state();
        Ok(s.payments
            .values()
            .filter(|p| p.status == PaymentStatus::Processing && p.created_at < before)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn settle(
        &self,
        payment: &Payment,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> BackendResult<Settled> {
        let mut s = self.state();
        let Some(mut p) = s.payments.get(&payment.id).cloned() else {
            return Ok(Settled::Unchanged);
        };
        if let Some(w) = webhook {
            if !s.webhooks.insert(w.id.to_string()) {
                return Ok(Settled::Unchanged);
            }
        }
        let mut b = s.bookings[&p.booking_id].clone();
        Ok(match settlement::settle(&b, &p, outcome, now) {
            Settlement::Unchanged => Settled::Unchanged,
            Settlement::Fail(reason) => {
                s.move_payment(&mut p, PaymentStatus::Failed, Some(&reason), b.event_id, now);
                Settled::Failed
            }
            Settlement::Confirm => {
                s.move_payment(&mut p, PaymentStatus::Succeeded, None, b.event_id, now);
                s.apply(&mut b, BookingStatus::Confirmed, now, PROVIDER)?;
                Settled::Confirmed(b)
            }
            Settlement::RefundLate { expire, refund } => {
                s.move_payment(&mut p, PaymentStatus::Succeeded, None, b.event_id, now);
                let mut refunds = vec![s.owe_refund(refund, b.event_id, PROVIDER, now)];
                if expire {
                    refunds.extend(s.apply(&mut b, BookingStatus::Expired, now, PROVIDER)?);
                }
                Settled::Refunded(b, refunds)
            }
        })
    }

    async fn apply_refund(
        &self,
        payment: &Payment,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<ProviderRefund> {
        let mut s = self.state();
        let Some(mut p) = s.payments.get(&payment.id).cloned() else {
            return Ok(ProviderRefund::Unchanged);
        };
        if !s.webhooks.insert(webhook.id.to_string()) {
            return Ok(ProviderRefund::Unchanged);
        }
        let mut b = s.bookings[&p.booking_id].clone();
        let ProviderRefundPlan::Refunded { cancel } = settlement::provider_refunded(&b, &p) else {
            return Ok(ProviderRefund::Unchanged);
        };
        p.refunded_cents = p.amount_cents;
        s.move_payment(&mut p, PaymentStatus::Refunded, None, b.event_id, now);
        if cancel {
            s.apply(&mut b, BookingStatus::Cancelled, now, PROVIDER)?;
            return Ok(ProviderRefund::Cancelled(Box::new(b)));
        }
        Ok(ProviderRefund::Refunded)
    }

    async fn dispute(
        &self,
        payment: &Payment,
        dispute: &Dispute,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<Booking>> {
        let mut s = self.state();
        let Some(p) = s.payments.get(&payment.id).cloned() else { return Ok(None) };
        if !s.webhooks.insert(webhook.id.to_string()) || !p.disputable() {
            return Ok(None);
        }
        let b = s.bookings.get_mut(&p.booking_id).expect("a payment's booking");
        b.dispute = Some(dispute.clone());
        b.updated_at = now;
        b.version += 1;
        let b = b.clone();
        s.enqueue(vec![dispute_message(&b, &p, dispute, now)], PROVIDER);
        Ok(Some(b))
    }

    async fn unsent_refunds(
        &self,
        event: Option<Uuid>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> BackendResult<Vec<Refund>> {
        let s = self.state();
        Ok(s.refunds
            .iter()
            .filter(|(r, at, sent)| !sent && *at < before && event.is_none_or(|e| r.event_id == e))
            .take(limit as usize)
            .map(|(r, _, _)| r.clone())
            .collect())
    }

    async fn refund_sent(&self, id: Uuid, _now: DateTime<Utc>) -> BackendResult<()> {
        for (r, _, sent) in self.state().refunds.iter_mut() {
            if r.id == id {
                *sent = true;
            }
        }
        Ok(())
    }
}

/// The sandbox's card test modes, and a book of refunds by idempotency key.
#[async_trait]
impl PaymentProvider for Memory {
    async fn charge(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        Ok(crate::adapters::sandbox::test_card(&payment.method))
    }

    async fn refund(&self, refund: &Refund) -> BackendResult<()> {
        let mut s = self.state();
        let entry = s.provider_refunds.entry(refund.id).or_insert((refund.amount_cents, 0));
        entry.1 += 1;
        Ok(())
    }

    async fn status(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        self.charge(payment).await
    }
}

#[async_trait]
impl IdempotencyStore for Memory {
    async fn claim(
        &self,
        user: &str,
        key: &str,
        fingerprint: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<KeyClaim> {
        let mut s = self.state();
        let k = (user.to_string(), key.to_string());
        Ok(match s.keys.get(&k) {
            None => {
                s.keys.insert(k, (fingerprint.to_string(), None));
                KeyClaim::Claimed
            }
            Some((f, _)) if f != fingerprint => KeyClaim::Mismatch,
            Some((_, Some(r))) => KeyClaim::Replay(r.clone()),
            Some((_, None)) => KeyClaim::InProgress,
        })
    }

    async fn complete(
        &self,
        user: &str,
        key: &str,
        response: &StoredResponse,
    ) -> BackendResult<()> {
        if let Some(entry) = self.state().keys.get_mut(&(user.to_string(), key.to_string())) {
            entry.1 = Some(response.clone());
        }
        Ok(())
    }

    async fn abandon(&self, user: &str, key: &str) -> BackendResult<()> {
        self.state().keys.remove(&(user.to_string(), key.to_string()));
        Ok(())
    }
}
