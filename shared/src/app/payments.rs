//! Payments: charge through the provider, settle in MySQL (which confirms the booking), and apply
//! the provider's webhooks once each.

use chrono::{SubsecRound, Utc};
use uuid::Uuid;

use super::change_booking::{after_change, count_change};
use super::get_booking::get_booking;
use super::{App, AppError, AppResult};
use crate::domain::payment::{verify_webhook, SignatureError};
use crate::domain::{BookingStatus, Caller, ChargeOutcome, Payment, PaymentRequest, PaymentStatus, WebhookEvent};
use crate::metrics::{self, Metric};
use crate::ports::{NewPayment, ProviderRefund, Settled};

/// `POST /payments`. The payment row is written PROCESSING before the provider is called, so a
/// crash after the charge leaves a record the webhook settles: a paid order is never lost.
pub async fn create_payment(app: &App, caller: &Caller, request: PaymentRequest) -> AppResult<Payment> {
    let booking = get_booking(app, caller, request.booking_id).await?;
    if booking.user_id != caller.user_id {
        return Err(AppError::NotFound("booking"));
    }
    if request.payment_method.is_empty() || request.payment_method.len() > 100 {
        return Err(crate::domain::RuleError::invalid("paymentMethod", "1-100 characters").into());
    }
    let now = Utc::now().trunc_subsecs(3);
    if booking.status != BookingStatus::Pending || now >= booking.expires_at {
        return Err(AppError::BookingState(if booking.status == BookingStatus::Pending { BookingStatus::Expired } else { booking.status }));
    }
    let mut payment = Payment {
        id: Uuid::now_v7(),
        booking_id: booking.id,
        amount_cents: booking.total_cents,
        currency: booking.currency.clone(),
        status: PaymentStatus::Processing,
        failure_reason: None,
        created_at: now,
        user_id: caller.user_id.clone(),
    };
    match app.bookings.insert_payment(&payment, &request.payment_method).await? {
        NewPayment::Inserted => {}
        NewPayment::InFlight(other) => return Err(AppError::PaymentInFlight(other)),
        NewPayment::NotPayable(status) => return Err(status.map_or(AppError::NotFound("booking"), AppError::BookingState)),
    }
    let outcome = app.payments.charge(&payment, &request.payment_method).await?;
    settle(app, &mut payment, &outcome, None).await?;
    match outcome {
        ChargeOutcome::Failed(reason) => Err(AppError::PaymentDeclined { payment_id: payment.id, reason }),
        _ => Ok(payment),
    }
}

pub async fn get_payment(app: &App, caller: &Caller, id: Uuid) -> AppResult<Payment> {
    match app.bookings.get_payment(id).await? {
        Some(p) if caller.may_see(&p.user_id) => Ok(p),
        _ => Err(AppError::NotFound("payment")),
    }
}

/// Settles in MySQL, then does what must follow outside the transaction: seat locks, refunds.
async fn settle(app: &App, payment: &mut Payment, outcome: &ChargeOutcome, webhook: Option<(&str, &str)>) -> AppResult<Settled> {
    let now = Utc::now().trunc_subsecs(3);
    let settled = app.bookings.settle_payment(payment.id, outcome, webhook, now).await?;
    match &settled {
        Settled::Confirmed(b) => {
            metrics::count(Metric::PaymentsSucceeded, 1);
            after_change(app, b, now).await?;
            count_change(b);
            payment.status = PaymentStatus::Succeeded;
        }
        Settled::Refunded(b) => {
            metrics::count(Metric::PaymentsRefunded, 1);
            after_change(app, b, now).await?;
            payment.status = PaymentStatus::Refunded;
            app.payments.refund(payment).await?;
            tracing::warn!(payment_id = %payment.id, booking_id = %b.id, "payment succeeded too late; refunded");
        }
        Settled::Failed => {
            metrics::count(Metric::PaymentsFailed, 1);
            payment.status = PaymentStatus::Failed;
            if let ChargeOutcome::Failed(r) = outcome {
                payment.failure_reason = Some(r.clone());
            }
        }
        Settled::Unchanged => {}
    }
    Ok(settled)
}

/// The sweep's reconciliation: payments PROCESSING for longer than `after` (the process died between
/// the charge and its settlement, or the provider's webhook never came) are settled with what the
/// provider says, exactly as its webhook would. Returns how many were settled.
pub async fn reconcile(app: &App, after: chrono::Duration, limit: u32) -> AppResult<usize> {
    let mut settled = 0;
    for (mut payment, method) in app.bookings.stale_payments(Utc::now() - after, limit).await? {
        let outcome = app.payments.status(&payment, &method).await?;
        if outcome == ChargeOutcome::Processing {
            continue;
        }
        if settle(app, &mut payment, &outcome, None).await? != Settled::Unchanged {
            tracing::warn!(payment_id = %payment.id, status = ?payment.status, "payment reconciled with the provider");
            settled += 1;
        }
    }
    Ok(settled)
}

/// Whether `body` is signed by the provider now (`Payment-Signature`).
pub fn authenticate_webhook(app: &App, signature: Option<&str>, body: &[u8]) -> AppResult<()> {
    verify_webhook(&app.config.webhook_secret, signature, body, Utc::now().timestamp()).map_err(AppError::BadSignature)
}

/// `POST /payments/webhook`: a signed provider event, applied once.
pub async fn apply_webhook(app: &App, signature: Option<&str>, body: &[u8]) -> AppResult<bool> {
    authenticate_webhook(app, signature, body)?;
    let event: WebhookEvent = serde_json::from_slice(body)
        .map_err(|e| crate::domain::RuleError::invalid("body", format!("not a webhook event: {e}")))?;
    event.validate()?;
    let Some(mut payment) = app.bookings.get_payment(event.data.payment_id).await? else {
        return Ok(false);
    };
    let hook = Some((event.id.as_str(), event.kind.as_str()));
    let applied = match event.kind.as_str() {
        "payment.succeeded" => settle(app, &mut payment, &ChargeOutcome::Succeeded, hook).await? != Settled::Unchanged,
        "payment.failed" => {
            let reason = event.data.failure_reason.clone().unwrap_or_else(|| "payment_failed".into());
            settle(app, &mut payment, &ChargeOutcome::Failed(reason), hook).await? != Settled::Unchanged
        }
        "refund.succeeded" => {
            let now = Utc::now().trunc_subsecs(3);
            match app.bookings.refund_payment(payment.id, (event.id.as_str(), event.kind.as_str()), now).await? {
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
        _ => false,
    };
    tracing::info!(webhook_id = %event.id, kind = %event.kind, applied, "webhook");
    Ok(applied)
}

impl From<SignatureError> for AppError {
    fn from(e: SignatureError) -> Self {
        AppError::BadSignature(e)
    }
}
