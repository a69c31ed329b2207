//! Cancels and their money: a whole cancel refunds what is left, a partial one its seats' share,
//! the event's cancel everything; each refund is sent once under its own id.

use super::{book, bought, ids};
use crate::app::cancel_event::{cancel_event, work};
use crate::app::change_booking::{cancel_booking, cancel_seats};
use crate::app::refunds::send_due;
use crate::app::AppError;
use crate::domain::ticket::TicketStatus;
use crate::domain::{BookingStatus, MessageKind, PaymentStatus, RefundReason, RuleError};
use crate::testing::{admin, buyer, TestApp};

#[tokio::test]
async fn cancelling_a_paid_booking_refunds_all_of_it_and_revokes_its_tickets() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let c = cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(c.status, BookingStatus::Cancelled);
    assert_eq!(t.provider_refunded(), 10_000);
    let s = t.memory.state();
    assert_eq!(
        s.refunds.iter().map(|(r, _, sent)| (r.reason, *sent)).collect::<Vec<_>>(),
        [(RefundReason::BookingCancelled, true)]
    );
    assert!(s.tickets.values().all(|x| x.status == TicketStatus::Revoked));
    assert!(s.payments.values().all(|p| p.status == PaymentStatus::Refunded));
}

#[tokio::test]
async fn a_partial_cancel_refunds_the_seats_share_and_keeps_the_rest() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2", "A-1-3"]).await;
    let kept = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-2"])).await.unwrap();
    assert_eq!((kept.seat_ids.clone(), kept.total_cents), (ids(&["A-1-1", "A-1-3"]), 10_000));
    assert_eq!(kept.status, BookingStatus::Confirmed);
    assert_eq!(t.provider_refunded(), 5_000);
    let tickets = t.tickets.for_booking(b.id).await.unwrap();
    let revoked: Vec<_> = tickets
        .iter()
        .filter(|x| x.status == TicketStatus::Revoked)
        .map(|x| x.seat_id.as_str())
        .collect();
    assert_eq!(revoked, ["A-1-2"]);
    let p = t.memory.state().payments.values().next().unwrap().clone();
    assert_eq!((p.status, p.refunded_cents), (PaymentStatus::Succeeded, 5_000));
    assert_eq!(t.messages(MessageKind::BookingSeatsCancelled).len(), 1);
}

#[tokio::test]
async fn partial_then_whole_cancel_never_refunds_more_than_was_paid() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-1"])).await.unwrap();
    cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(t.provider_refunded(), 10_000);
    let reasons: Vec<_> =
        t.memory.state().refunds.iter().map(|(r, _, _)| (r.reason, r.amount_cents)).collect();
    assert_eq!(
        reasons,
        [(RefundReason::PartialCancel, 5_000), (RefundReason::BookingCancelled, 5_000)]
    );
}

#[tokio::test]
async fn a_partial_cancel_of_an_unpaid_booking_lowers_its_total_without_money() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let kept = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-2"])).await.unwrap();
    assert_eq!((kept.total_cents, kept.status), (5_000, BookingStatus::Pending));
    assert!(t.memory.state().refunds.is_empty());
    // The freed seat is on sale again at once.
    super::hold(&t, e.id, "bob", &["A-1-2"]).await;
}

#[tokio::test]
async fn a_partial_cancel_takes_only_some_of_the_bookings_own_seats() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let err = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-3"])).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(RuleError::Invalid { .. })));
    let err = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-1", "A-1-2"])).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(RuleError::Invalid { .. })), "all seats is a cancel");
    let err = cancel_seats(&t, &buyer("bob"), b.id, &ids(&["A-1-1"])).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)));
    assert_eq!(t.provider_refunded(), 0);
}

#[tokio::test]
async fn no_partial_cancel_while_a_payment_is_in_flight() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let p = crate::app::payments::create_payment(&t, &buyer("ann"), b.id, "pm_card_async")
        .await
        .unwrap();
    let err = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-1"])).await.unwrap_err();
    assert!(matches!(err, AppError::PaymentInFlight(id) if id == p.id));
}

#[tokio::test]
async fn an_admin_may_cancel_a_buyers_booking() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1"]).await;
    assert!(matches!(cancel_booking(&t, &buyer("bob"), b.id).await, Err(AppError::NotFound(_))));
    assert_eq!(cancel_booking(&t, &admin(), b.id).await.unwrap().status, BookingStatus::Cancelled);
}

#[tokio::test]
async fn cancelling_an_event_cancels_every_live_booking_and_refunds_the_paid_ones() {
    let t = TestApp::new();
    let e = t.event(1, 6).await;
    let paid = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let unpaid = book(&t, e.id, "bob", &["A-1-3"]).await;
    super::hold(&t, e.id, "cat", &["A-1-4"]).await;
    assert!(matches!(
        cancel_event(&t, &buyer("ann"), e.id, false).await,
        Err(AppError::Forbidden(_))
    ));
    cancel_event(&t, &admin(), e.id, false).await.unwrap();
    assert_eq!(work(&t, e.id, 100).await.unwrap(), 2);
    for id in [paid.id, unpaid.id] {
        assert_eq!(t.bookings.get(id).await.unwrap().unwrap().status, BookingStatus::Cancelled);
    }
    assert_eq!(t.provider_refunded(), 10_000);
    assert_eq!(work(&t, e.id, 100).await.unwrap(), 0, "a second run finds nothing to do");
    assert!(t.memory.state().holds.is_empty(), "holds released");
}

#[tokio::test]
async fn a_refund_the_provider_did_not_take_is_sent_again_later_under_the_same_id() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1"]).await;
    cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    // As if the mark after the provider's answer was lost.
    for (_, _, sent) in t.memory.state().refunds.iter_mut() {
        *sent = false;
    }
    t.pass(chrono::Duration::seconds(120));
    assert_eq!(send_due(&t, None, chrono::Duration::seconds(60), 10).await.unwrap(), 1);
    let s = t.memory.state();
    assert_eq!(s.provider_refunds.len(), 1, "one refund at the provider");
    assert_eq!(
        s.provider_refunds.values().next().unwrap(),
        &(5_000, 2),
        "asked twice, refunded once"
    );
}
