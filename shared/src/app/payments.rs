//! Payments: charge through the provider, settle in MySQL (which confirms the booking), and apply
//! the provider's webhooks once each.

use uuid::Uuid;

use super::after_change::{after_change, count_change};
use super::get_booking::get_booking;
use super::{App, AppError, AppResult, Resource};
use crate::domain::payment::{verify_webhook, SignatureError};
use crate::domain::{
    Caller, ChargeOutcome, Payment, PaymentStatus, ProviderEvent, ProviderEventKind, SaleStatus,
};
use crate::metrics::{self, Metric};
use crate::ports::{NewPayment, ProviderRefund, Settled, WebhookReceipt};

/// `POST /payments`. The payment row is written PROCESSING before the provider is called, so a
/// crash after the charge leaves a record the webhook settles: a paid order is never lost.
pub async fn create_payment(
    app: &App,
    caller: &Caller,
    booking_id: Uuid,
    method: &str,
) -> AppResult<Payment> {
    let booking = get_booking(app, caller, booking_id).await?;
    if booking.user_id != caller.user_id {
        return Err(AppError::NotFound(Resource::Booking));
    }
    let now = app.now();
    // A cancelled event takes no payment (the store checks again in the step that records it).
    if app.event(booking.event_id).await?.cancelled_at.is_some() {
        return Err(AppError::NotOnSale(SaleStatus::Cancelled));
    }
    booking.payable(now).map_err(AppError::BookingState)?;
    let mut payment = Payment {
        id: Uuid::now_v7(),
        booking_id: booking.id,
        amount_cents: booking.total_cents,
        currency: booking.currency.clone(),
        status: PaymentStatus::Processing,
        failure_reason: None,
        created_at: now,
        refunded_cents: 0,
        client_secret: None,
        user_id: caller.user_id.clone(),
        method: method.to_string(),
    };
    match app.payments.insert(&payment).await? {
        NewPayment::Inserted => {}
        NewPayment::InFlight(other) => return Err(AppError::PaymentInFlight(other)),
        NewPayment::EventCancelled => return Err(AppError::NotOnSale(SaleStatus::Cancelled)),
        NewPayment::NotPayable(status) => {
            return Err(status.map_or(AppError::NotFound(Resource::Booking), AppError::BookingState))
        }
    }
    let outcome = app.provider.charge(&payment).await?;
    settle(app, &mut payment, &outcome, None).await?;
    payment.shown_as(&outcome);
    match outcome {
        ChargeOutcome::Failed(reason) => {
            Err(AppError::PaymentDeclined { payment_id: payment.id, reason })
        }
        _ => Ok(payment),
    }
}

/// `GET /payments/{id}`. A payment still in flight is asked about at the provider and settled with
/// what it says, as its webhook would (a buyer back from authenticating sees the outcome at once).
pub async fn get_payment(app: &App, caller: &Caller, id: Uuid) -> AppResult<Payment> {
    let mut payment = match app.payments.get(id).await? {
        Some(p) if caller.may_see(&p.user_id) => p,
        _ => return Err(AppError::NotFound(Resource::Payment)),
    };
    if payment.in_flight() {
        let outcome = app.provider.status(&payment).await?;
        settle(app, &mut payment, &outcome, None).await?;
        payment.shown_as(&outcome);
    }
    Ok(payment)
}

/// Settles in MySQL, then does what must follow outside the transaction: seat locks, refunds.
async fn settle(
    app: &App,
    payment: &mut Payment,
    outcome: &ChargeOutcome,
    webhook: Option<WebhookReceipt<'_>>,
) -> AppResult<Settled> {
    // Nothing to settle, so nothing to lock: an outcome still pending, or a payment (as read just
    // before) no longer in flight, which it never is again (`settlement::settle`'s first rule):
    // the provider's webhook after the buyer's own call settled it.
    if matches!(outcome, ChargeOutcome::Processing | ChargeOutcome::RequiresAction(_))
        || !payment.in_flight()
    {
        return Ok(Settled::Unchanged);
    }
    let now = app.now();
    let settled = app.payments.settle(payment, outcome, webhook, now).await?;
    match &settled {
        Settled::Confirmed(b) => {
            metrics::count(Metric::PaymentsSucceeded, 1);
            after_change(app, b, now).await?;
            count_change(b);
            payment.status = PaymentStatus::Succeeded;
        }
        Settled::Refunded(b, refunds) => {
            after_change(app, b, now).await?;
            payment.status = PaymentStatus::Refunded;
            super::refunds::send(app, refunds).await;
            tracing::warn!(payment_id = %payment.id, booking_id = %b.id, "payment succeeded too late; refunded");
        }
        Settled::Failed => {
            metrics::count(Metric::PaymentsFailed, 1);
            payment.status = PaymentStatus::Failed;
            payment.client_secret = None;
            if let ChargeOutcome::Failed(r) = outcome {
                payment.failure_reason = Some(r.clone());
            }
        }
        Settled::Unchanged => {}
    }
    Ok(settled)
}

/// The sweep's reconciliation: payments in flight for longer than `after` (the process died between
/// the charge and its settlement, or the provider's webhook never came) are settled with what the
/// provider says, exactly as its webhook would; one still waiting for the buyer's authentication
/// after its booking stopped being payable is abandoned at the provider (nobody is charged for
/// seats that are gone). Returns how many were settled.
pub async fn reconcile(app: &App, after: chrono::Duration, limit: u32) -> AppResult<usize> {
    let mut settled = 0;
    for mut payment in app.payments.stale(app.now() - after, limit).await? {
        let mut outcome = app.provider.status(&payment).await?;
        if let ChargeOutcome::RequiresAction(_) = outcome {
            let booking = app.bookings.get(payment.booking_id).await?;
            if booking.is_none_or(|b| b.payable(app.now()).is_err()) {
                outcome = app.provider.abandon(&payment).await?;
            }
        }
        if settle(app, &mut payment, &outcome, None).await? != Settled::Unchanged {
            tracing::warn!(payment_id = %payment.id, status = ?payment.status, "payment reconciled with the provider");
            settled += 1;
        }
    }
    Ok(settled)
}

/// How recent a charge may be and not yet be matched (its webhook or its request still settling).
const UNMATCHED_AFTER_MINUTES: i64 = 10;

/// The daily reconciliation: the provider's charges that succeeded in the `window` before the
/// last few minutes and have no payment here that took them (SUCCEEDED, or REFUNDED since) for the
/// same amount: money taken with no order to show for it, to refund or explain. Logged and
/// counted (`UnmatchedCharges`) for the alarm.
pub async fn unmatched_charges(
    app: &App,
    window: chrono::Duration,
) -> AppResult<Vec<crate::ports::ProviderCharge>> {
    let now = app.now();
    let settled_by = now - chrono::Duration::minutes(UNMATCHED_AFTER_MINUTES);
    let mut unmatched = Vec::new();
    for charge in app.provider.succeeded_since(now - window).await? {
        if charge.created_at > settled_by {
            continue;
        }
        let ours = match charge.payment_id {
            Some(id) => app.payments.get(id).await?,
            None => None,
        };
        let matched = ours.is_some_and(|p| {
            matches!(p.status, PaymentStatus::Succeeded | PaymentStatus::Refunded)
                && p.amount_cents == charge.amount_cents
                && p.currency.eq_ignore_ascii_case(&charge.currency)
        });
        if !matched {
            tracing::error!(reference = charge.reference, payment_id = ?charge.payment_id, amount_cents = charge.amount_cents, "a charge at the provider with no payment here");
            unmatched.push(charge);
        }
    }
    metrics::count(Metric::UnmatchedCharges, unmatched.len() as u64);
    Ok(unmatched)
}

/// The daily run of [`unmatched_charges`] (`functions/payments-audit`): 25 hours, so each day's
/// run overlaps the one before and no charge falls between two.
pub async fn daily_audit(app: &App) -> AppResult<Vec<crate::ports::ProviderCharge>> {
    unmatched_charges(app, chrono::Duration::hours(25)).await
}

/// Proof that a webhook body was signed by the provider: made only by [`authenticate_webhook`],
/// and asked for by [`apply_webhook`], so an unsigned event cannot be applied.
pub struct Signed(());

/// Whether `body` is signed by the provider now (`Payment-Signature`).
pub fn authenticate_webhook(app: &App, signature: Option<&str>, body: &[u8]) -> AppResult<Signed> {
    verify_webhook(&app.config.webhook_secret, signature, body, app.now().timestamp())
        .map(|()| Signed(()))
        .map_err(AppError::BadSignature)
}

/// `POST /payments/webhook`: the provider's `event`, read from a signed body, applied once. Only
/// the transitions the contract allows: a success or failure settles a PROCESSING payment; a
/// refund of a SUCCEEDED payment cancels the booking it paid for.
pub async fn apply_webhook(app: &App, _signed: Signed, event: ProviderEvent) -> AppResult<bool> {
    let Some(mut payment) = app.payments.get(event.payment_id).await? else {
        return Ok(false);
    };
    let hook = WebhookReceipt { id: &event.id, kind: event.kind.as_str() };
    let applied = match &event.kind {
        ProviderEventKind::PaymentSucceeded => {
            settle(app, &mut payment, &ChargeOutcome::Succeeded, Some(hook)).await?
                != Settled::Unchanged
        }
        ProviderEventKind::PaymentFailed => {
            let reason = event.failure_reason.clone().unwrap_or_else(|| "payment_failed".into());
            settle(app, &mut payment, &ChargeOutcome::Failed(reason), Some(hook)).await?
                != Settled::Unchanged
        }
        ProviderEventKind::RefundSucceeded => {
            let now = app.now();
            match app.payments.apply_refund(&payment, hook, now).await? {
                ProviderRefund::Unchanged => false,
                ProviderRefund::Refunded => true,
                ProviderRefund::Cancelled(b) => {
                    metrics::count(Metric::PaymentsRefunded, 1);
                    after_change(app, &b, now).await?;
                    count_change(&b);
                    tracing::warn!(payment_id = %payment.id, booking_id = %b.id, "refunded at the provider; booking cancelled");
                    true
                }
            }
        }
        ProviderEventKind::Disputed(dispute) => {
            let recorded = app.payments.dispute(&payment, dispute, hook, app.now()).await?;
            if let Some(b) = &recorded {
                metrics::count(Metric::PaymentsDisputed, 1);
                tracing::warn!(payment_id = %payment.id, booking_id = %b.id, status = dispute.status, amount_cents = dispute.amount_cents, "chargeback on a booking");
            }
            recorded.is_some()
        }
        ProviderEventKind::Other(_) => false,
    };
    tracing::info!(webhook_id = %event.id, kind = event.kind.as_str(), applied, "webhook");
    Ok(applied)
}

impl From<SignatureError> for AppError {
    fn from(e: SignatureError) -> Self {
        AppError::BadSignature(e)
    }
}
