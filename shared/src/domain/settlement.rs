//! The money rules of a booking, as plans: what settling a payment, leaving the live statuses, a
//! partial cancel and a provider's refund do to a booking, its payments and the refunds owed.
//!
//! Each function is pure and decides on the booking and payments as one transaction has them
//! locked; a store applies the plan it returns in that same transaction (`ports::orders`), so what
//! is decided here is what is written, atomically.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Booking, BookingStatus, ChargeOutcome, Payment, PaymentStatus};

/// Why money goes back to a buyer (stored with the refund and sent in `PaymentRefunded`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefundReason {
    /// The booking was cancelled (by its buyer, an organiser, or the event's cancel).
    BookingCancelled,
    /// Some of the booking's seats were cancelled: their share goes back.
    PartialCancel,
    /// The payment succeeded after its booking stopped being payable.
    LatePayment,
}

impl RefundReason {
    pub const ALL: [RefundReason; 3] =
        [RefundReason::BookingCancelled, RefundReason::PartialCancel, RefundReason::LatePayment];

    pub fn as_str(self) -> &'static str {
        match self {
            RefundReason::BookingCancelled => "BOOKING_CANCELLED",
            RefundReason::PartialCancel => "PARTIAL_CANCEL",
            RefundReason::LatePayment => "LATE_PAYMENT",
        }
    }

    pub fn parse(s: &str) -> Option<RefundReason> {
        RefundReason::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl serde::Serialize for RefundReason {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for RefundReason {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        RefundReason::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown refund reason {s:?}")))
    }
}

/// An amount a plan owes back from one SUCCEEDED payment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundOwed {
    pub payment_id: Uuid,
    pub amount_cents: i64,
    pub reason: RefundReason,
}

/// What is left to give back of a payment (nothing unless it SUCCEEDED).
pub fn refundable(p: &Payment) -> i64 {
    match p.status {
        PaymentStatus::Succeeded => (p.amount_cents - p.refunded_cents).max(0),
        _ => 0,
    }
}

impl Booking {
    /// Whether a payment may be taken or succeed for the booking at `now`: only a PENDING booking
    /// before its deadline. `Err` carries the status it has in effect (a PENDING booking past its
    /// deadline is EXPIRED, whatever the sweep has done yet).
    pub fn payable(&self, now: DateTime<Utc>) -> Result<(), BookingStatus> {
        match self.status {
            BookingStatus::Pending if now < self.expires_at => Ok(()),
            BookingStatus::Pending => Err(BookingStatus::Expired),
            other => Err(other),
        }
    }
}

/// What settling a payment with the provider's outcome does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Settlement {
    /// Nothing: the payment is no longer PROCESSING (settled before), or the provider is still at it.
    Unchanged,
    /// The payment is FAILED with this reason; the booking stays as it is (it may be paid again).
    Fail(String),
    /// The payment is SUCCEEDED and its booking CONFIRMED.
    Confirm,
    /// The payment succeeded for a booking no longer payable: it is SUCCEEDED and owes back `refund`
    /// in full; with `expire`, the booking (PENDING past its deadline) is EXPIRED in the same step.
    RefundLate { expire: bool, refund: RefundOwed },
}

/// Settles `payment` of `booking` with `outcome` at `now`: a success confirms a payable booking
/// and is given back otherwise (money is never kept for seats not sold).
pub fn settle(
    booking: &Booking,
    payment: &Payment,
    outcome: &ChargeOutcome,
    now: DateTime<Utc>,
) -> Settlement {
    if !payment.in_flight() {
        return Settlement::Unchanged;
    }
    match outcome {
        ChargeOutcome::Processing | ChargeOutcome::RequiresAction(_) => Settlement::Unchanged,
        ChargeOutcome::Failed(reason) => Settlement::Fail(reason.clone()),
        ChargeOutcome::Succeeded => match booking.payable(now) {
            Ok(()) => Settlement::Confirm,
            Err(_) => Settlement::RefundLate {
                expire: booking.status == BookingStatus::Pending,
                refund: RefundOwed {
                    payment_id: payment.id,
                    amount_cents: payment.amount_cents - payment.refunded_cents,
                    reason: RefundReason::LatePayment,
                },
            },
        },
    }
}

/// What a booking leaving the live statuses (cancelled or expired) owes back: all that is left of
/// its SUCCEEDED payments but `keep` (the order's fee on a buyer's own cancel), oldest first.
pub fn refunds_on_leave(payments: &[Payment], keep: i64) -> Vec<RefundOwed> {
    let left: i64 = payments.iter().map(refundable).sum();
    allocate_refund(payments, (left - keep.max(0)).max(0), RefundReason::BookingCancelled)
}

/// Splits `share` over the payments, each giving back at most what is left of it, in the order
/// given (oldest first); what the payments cannot cover is not owed.
pub fn allocate_refund(payments: &[Payment], share: i64, reason: RefundReason) -> Vec<RefundOwed> {
    let mut owed = share;
    let mut out = Vec::new();
    for p in payments {
        let amount = owed.min(refundable(p));
        if amount <= 0 {
            continue;
        }
        out.push(RefundOwed { payment_id: p.id, amount_cents: amount, reason });
        owed -= amount;
    }
    out
}

/// What a refund the provider made on its own (its dashboard, a dispute) does here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProviderRefundPlan {
    /// Not a SUCCEEDED payment: nothing.
    Unchanged,
    /// The payment is REFUNDED in full (nothing more is owed); with `cancel`, the CONFIRMED booking it
    /// paid for is CANCELLED with it: money back never leaves the seats sold.
    Refunded { cancel: bool },
}

pub fn provider_refunded(booking: &Booking, payment: &Payment) -> ProviderRefundPlan {
    if payment.status != PaymentStatus::Succeeded {
        return ProviderRefundPlan::Unchanged;
    }
    ProviderRefundPlan::Refunded { cancel: booking.status == BookingStatus::Confirmed }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::booking::tests::booking;

    /// A payment of `amount` for `b` in `status`, `refunded` of it given back.
    pub fn payment(b: &Booking, amount: i64, status: PaymentStatus, refunded: i64) -> Payment {
        Payment {
            id: Uuid::now_v7(),
            booking_id: b.id,
            amount_cents: amount,
            currency: b.currency.clone(),
            status,
            failure_reason: None,
            created_at: b.created_at,
            refunded_cents: refunded,
            client_secret: None,
            user_id: b.user_id.clone(),
            method: "pm_card_visa".into(),
        }
    }

    #[test]
    fn a_booking_is_payable_only_while_pending_and_before_its_deadline() {
        let b = booking();
        assert_eq!(b.payable(b.created_at), Ok(()));
        assert_eq!(
            b.payable(b.expires_at),
            Err(BookingStatus::Expired),
            "the deadline is exclusive"
        );
        for s in [BookingStatus::Confirmed, BookingStatus::Cancelled, BookingStatus::Expired] {
            let b = Booking { status: s, ..booking() };
            assert_eq!(b.payable(b.created_at), Err(s));
        }
    }

    #[test]
    fn a_success_before_the_deadline_confirms() {
        let b = booking();
        let p = payment(&b, b.total_cents, PaymentStatus::Processing, 0);
        assert_eq!(settle(&b, &p, &ChargeOutcome::Succeeded, b.created_at), Settlement::Confirm);
    }

    #[test]
    fn a_success_after_the_deadline_expires_the_booking_and_gives_it_all_back() {
        let b = booking();
        let p = payment(&b, b.total_cents, PaymentStatus::Processing, 0);
        assert_eq!(
            settle(&b, &p, &ChargeOutcome::Succeeded, b.expires_at),
            Settlement::RefundLate {
                expire: true,
                refund: RefundOwed {
                    payment_id: p.id,
                    amount_cents: 12_000,
                    reason: RefundReason::LatePayment
                }
            }
        );
    }

    #[test]
    fn a_success_for_a_cancelled_or_confirmed_booking_is_given_back_and_the_booking_kept() {
        for s in [BookingStatus::Cancelled, BookingStatus::Confirmed, BookingStatus::Expired] {
            let b = Booking { status: s, ..booking() };
            let p = payment(&b, 500, PaymentStatus::Processing, 0);
            match settle(&b, &p, &ChargeOutcome::Succeeded, b.created_at) {
                Settlement::RefundLate { expire, refund } => {
                    assert!(!expire, "a {s:?} booking is not moved");
                    assert_eq!((refund.amount_cents, refund.payment_id), (500, p.id));
                }
                other => panic!("{s:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn a_failure_fails_and_a_settled_payment_never_settles_again() {
        let b = booking();
        let p = payment(&b, 100, PaymentStatus::Processing, 0);
        assert_eq!(
            settle(&b, &p, &ChargeOutcome::Failed("card_declined".into()), b.created_at),
            Settlement::Fail("card_declined".into())
        );
        assert_eq!(settle(&b, &p, &ChargeOutcome::Processing, b.created_at), Settlement::Unchanged);
        for s in [PaymentStatus::Succeeded, PaymentStatus::Failed, PaymentStatus::Refunded] {
            let p = payment(&b, 100, s, 0);
            for o in [ChargeOutcome::Succeeded, ChargeOutcome::Failed("x".into())] {
                assert_eq!(settle(&b, &p, &o, b.created_at), Settlement::Unchanged, "{s:?}");
            }
        }
    }

    #[test]
    fn leaving_gives_back_what_is_left_of_each_succeeded_payment() {
        let b = booking();
        let paid = payment(&b, 12_000, PaymentStatus::Succeeded, 2_000);
        let failed = payment(&b, 12_000, PaymentStatus::Failed, 0);
        let refunded = payment(&b, 12_000, PaymentStatus::Refunded, 12_000);
        assert_eq!(
            refunds_on_leave(&[failed, paid.clone(), refunded], 0),
            [RefundOwed {
                payment_id: paid.id,
                amount_cents: 10_000,
                reason: RefundReason::BookingCancelled
            }]
        );
        assert!(refunds_on_leave(&[], 0).is_empty(), "an unpaid booking owes nothing");
        let kept = refunds_on_leave(std::slice::from_ref(&paid), 239);
        assert_eq!(kept.iter().map(|r| r.amount_cents).collect::<Vec<_>>(), [10_000 - 239]);
        assert!(refunds_on_leave(&[paid], 20_000).is_empty(), "never less than nothing");
    }

    #[test]
    fn a_share_is_split_over_payments_in_order_and_never_over_what_is_left() {
        let b = booking();
        let first = payment(&b, 3_000, PaymentStatus::Succeeded, 2_500);
        let second = payment(&b, 5_000, PaymentStatus::Succeeded, 0);
        let owed =
            allocate_refund(&[first.clone(), second.clone()], 2_000, RefundReason::PartialCancel);
        assert_eq!(
            owed.iter().map(|r| (r.payment_id, r.amount_cents)).collect::<Vec<_>>(),
            [(first.id, 500), (second.id, 1_500)]
        );
        let all = allocate_refund(&[first, second], 99_999, RefundReason::PartialCancel);
        assert_eq!(
            all.iter().map(|r| r.amount_cents).sum::<i64>(),
            5_500,
            "capped at what was paid"
        );
        assert!(allocate_refund(
            &[payment(&b, 1, PaymentStatus::Succeeded, 0)],
            0,
            RefundReason::PartialCancel
        )
        .is_empty());
    }

    #[test]
    fn a_refund_made_at_the_provider_cancels_only_a_confirmed_booking() {
        let b = Booking { status: BookingStatus::Confirmed, ..booking() };
        let paid = payment(&b, 100, PaymentStatus::Succeeded, 0);
        assert_eq!(provider_refunded(&b, &paid), ProviderRefundPlan::Refunded { cancel: true });
        let cancelled = Booking { status: BookingStatus::Cancelled, ..booking() };
        assert_eq!(
            provider_refunded(&cancelled, &paid),
            ProviderRefundPlan::Refunded { cancel: false }
        );
        for s in [PaymentStatus::Processing, PaymentStatus::Failed, PaymentStatus::Refunded] {
            assert_eq!(
                provider_refunded(&b, &payment(&b, 100, s, 0)),
                ProviderRefundPlan::Unchanged
            );
        }
    }

    #[test]
    fn refund_reasons_keep_their_stored_names() {
        for r in RefundReason::ALL {
            assert_eq!(RefundReason::parse(r.as_str()), Some(r));
            assert_eq!(serde_json::to_value(r).unwrap(), serde_json::json!(r.as_str()));
        }
        assert_eq!(RefundReason::parse("BECAUSE"), None);
    }
}
