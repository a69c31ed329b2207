//! Payments: one in flight per booking, a success confirms, a late success is given back, and a
//! provider's event moves state once and only the way the contract allows.

use std::sync::Arc;

use chrono::Duration;
use uuid::Uuid;

use super::{book, bought};
use crate::app::payments::{
    apply_webhook, authenticate_webhook, create_payment, get_payment, reconcile,
};
use crate::app::AppError;
use crate::domain::payment::sign_webhook;
use crate::domain::ticket::TicketStatus;
use crate::domain::{
    BookingStatus, MessageKind, PaymentStatus, ProviderEvent, ProviderEventKind, RefundReason,
};
use crate::testing::{buyer, TestApp};

/// Applies a signed provider event of `kind` for `payment`.
async fn webhook(t: &TestApp, id: &str, kind: ProviderEventKind, payment: Uuid) -> bool {
    let body = format!("{{\"id\":\"{id}\"}}");
    let sig = sign_webhook(&t.config.webhook_secret, t.now().timestamp(), body.as_bytes());
    let signed = authenticate_webhook(t, Some(&sig), body.as_bytes()).unwrap();
    let event = ProviderEvent { id: id.into(), kind, payment_id: payment, failure_reason: None };
    apply_webhook(t, signed, event).await.unwrap()
}

fn payment_of(t: &TestApp, booking: Uuid) -> crate::domain::Payment {
    t.memory.state().payments.values().find(|p| p.booking_id == booking).unwrap().clone()
}

#[tokio::test]
async fn a_card_that_succeeds_confirms_the_booking_and_issues_a_ticket_per_seat() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    assert_eq!(b.status, BookingStatus::Confirmed);
    let p = payment_of(&t, b.id);
    assert_eq!((p.status, p.amount_cents), (PaymentStatus::Succeeded, 10_000));
    let tickets = t.tickets.for_booking(b.id).await.unwrap();
    assert_eq!(tickets.iter().map(|t| t.seat_id.as_str()).collect::<Vec<_>>(), ["A-1-1", "A-1-2"]);
    assert!(tickets.iter().all(|x| x.status == TicketStatus::Valid && x.holder_user_id == "ann"));
    assert_eq!(t.messages(MessageKind::TicketsIssued).len(), 1);
}

#[tokio::test]
async fn the_amount_is_the_bookings_never_the_callers() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1", "A-1-2", "A-1-3"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await.unwrap();
    assert_eq!((p.amount_cents, p.currency.as_str()), (15_000, "EUR"));
}

#[tokio::test]
async fn a_declined_card_fails_the_payment_and_the_booking_stays_payable() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let err = create_payment(&t, &buyer("ann"), b.id, "pm_card_chargeDeclined").await.unwrap_err();
    assert!(
        matches!(err, AppError::PaymentDeclined { ref reason, .. } if reason == "card_declined")
    );
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Pending);
    create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await.unwrap();
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Confirmed);
}

#[tokio::test]
async fn one_payment_in_flight_per_booking() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let first = create_payment(&t, &buyer("ann"), b.id, "pm_card_async").await.unwrap();
    assert_eq!(first.status, PaymentStatus::Processing);
    let err = create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await.unwrap_err();
    assert!(matches!(err, AppError::PaymentInFlight(id) if id == first.id));
}

#[tokio::test]
async fn only_the_buyer_pays_and_not_after_the_deadline() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    assert!(matches!(
        create_payment(&t, &buyer("bob"), b.id, "pm_card_visa").await,
        Err(AppError::NotFound(_))
    ));
    t.pass(Duration::seconds(601));
    let err = create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await.unwrap_err();
    assert!(matches!(err, AppError::BookingState(BookingStatus::Expired)), "{err:?}");
    assert!(t.memory.state().payments.is_empty(), "nothing charged");
}

#[tokio::test]
async fn a_webhook_success_confirms_a_processing_payment_once() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_async").await.unwrap();
    assert!(webhook(&t, "evt_1", ProviderEventKind::PaymentSucceeded, p.id).await);
    assert!(
        !webhook(&t, "evt_1", ProviderEventKind::PaymentSucceeded, p.id).await,
        "an event applies once"
    );
    assert!(
        !webhook(&t, "evt_2", ProviderEventKind::PaymentSucceeded, p.id).await,
        "settled already"
    );
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Confirmed);
    assert_eq!(t.messages(MessageKind::PaymentSucceeded).len(), 1);
}

#[tokio::test]
async fn a_failure_after_success_changes_nothing() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1"]).await;
    let p = payment_of(&t, b.id);
    assert!(!webhook(&t, "evt_f", ProviderEventKind::PaymentFailed, p.id).await);
    assert_eq!(
        get_payment(&t, &buyer("ann"), p.id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn a_success_after_the_deadline_expires_the_booking_and_refunds_it_all_as_late() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_async").await.unwrap();
    t.pass(Duration::seconds(601));
    assert!(webhook(&t, "evt_late", ProviderEventKind::PaymentSucceeded, p.id).await);
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Expired);
    let p = payment_of(&t, b.id);
    assert_eq!((p.status, p.refunded_cents), (PaymentStatus::Refunded, 10_000));
    let refunds: Vec<_> =
        t.memory.state().refunds.iter().map(|(r, _, _)| (r.amount_cents, r.reason)).collect();
    assert_eq!(refunds, [(10_000, RefundReason::LatePayment)], "one refund, of all of it");
    assert_eq!(t.provider_refunded(), 10_000);
}

#[tokio::test]
async fn a_success_for_a_cancelled_booking_is_given_back_and_the_booking_stays_cancelled() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_async").await.unwrap();
    // A PENDING booking may be cancelled while its payment is in flight.
    crate::app::change_booking::cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert!(webhook(&t, "evt_c", ProviderEventKind::PaymentSucceeded, p.id).await);
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Cancelled);
    assert_eq!(t.provider_refunded(), 5_000);
    assert!(
        t.tickets.for_booking(b.id).await.unwrap().is_empty(),
        "no ticket for money given back"
    );
}

#[tokio::test]
async fn a_refund_made_at_the_provider_cancels_the_booking_and_revokes_its_tickets() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1"]).await;
    let p = payment_of(&t, b.id);
    assert!(webhook(&t, "evt_r", ProviderEventKind::RefundSucceeded, p.id).await);
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Cancelled);
    assert!(t
        .tickets
        .for_booking(b.id)
        .await
        .unwrap()
        .iter()
        .all(|x| x.status == TicketStatus::Revoked));
    assert!(t.memory.state().refunds.is_empty(), "the provider refunded already: nothing owed");
    assert!(
        !webhook(&t, "evt_r2", ProviderEventKind::RefundSucceeded, p.id).await,
        "refunded once"
    );
}

#[tokio::test]
async fn a_refund_event_for_a_payment_that_never_succeeded_changes_nothing() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_async").await.unwrap();
    assert!(!webhook(&t, "evt_x", ProviderEventKind::RefundSucceeded, p.id).await);
    assert_eq!(payment_of(&t, b.id).status, PaymentStatus::Processing);
}

#[tokio::test]
async fn an_unsigned_or_stale_webhook_is_refused() {
    let t = TestApp::new();
    let body = b"{}";
    assert!(authenticate_webhook(&t, None, body).is_err());
    let old = sign_webhook(&t.config.webhook_secret, t.now().timestamp() - 301, body);
    assert!(authenticate_webhook(&t, Some(&old), body).is_err());
    let forged = sign_webhook("another-secret", t.now().timestamp(), body);
    assert!(authenticate_webhook(&t, Some(&forged), body).is_err());
}

#[tokio::test]
async fn a_payment_left_processing_is_reconciled_with_the_provider() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_async").await.unwrap();
    // The provider says the card went through after all.
    t.memory.state().payments.get_mut(&p.id).unwrap().method = "pm_card_visa".into();
    t.pass(Duration::seconds(120));
    assert_eq!(reconcile(&t, Duration::seconds(60), 10).await.unwrap(), 1);
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Confirmed);
}

#[tokio::test]
async fn a_card_that_needs_authentication_requires_action_until_a_read_finds_it_settled() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_threeDSecureRequired").await.unwrap();
    assert_eq!(
        (p.status, p.client_secret.as_deref()),
        (PaymentStatus::RequiresAction, Some("secret"))
    );
    let again = get_payment(&t, &buyer("ann"), p.id).await.unwrap();
    assert_eq!(again.status, PaymentStatus::RequiresAction, "still waiting for the buyer");
    assert!(matches!(
        create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await,
        Err(AppError::PaymentInFlight(id)) if id == p.id
    ));
    // The buyer authenticates; the provider has charged the card.
    t.memory.state().payments.get_mut(&p.id).unwrap().method = "pm_card_visa".into();
    let read = get_payment(&t, &buyer("ann"), p.id).await.unwrap();
    assert_eq!((read.status, read.client_secret), (PaymentStatus::Succeeded, None));
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Confirmed);
    assert_eq!(t.messages(MessageKind::TicketsIssued).len(), 1, "settled once");
    get_payment(&t, &buyer("ann"), p.id).await.unwrap();
    assert_eq!(
        t.messages(MessageKind::TicketsIssued).len(),
        1,
        "a read of a settled payment moves nothing"
    );
}

#[tokio::test]
async fn a_payment_is_its_buyers_to_read() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1"]).await;
    let p = payment_of(&t, b.id);
    assert!(matches!(get_payment(&t, &buyer("bob"), p.id).await, Err(AppError::NotFound(_))));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn paying_one_booking_many_times_at_once_charges_it_once() {
    let t = Arc::new(TestApp::new());
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(
                async move { create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await },
            )
        })
        .collect();
    let mut ok = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            ok += 1;
        }
    }
    assert_eq!(ok, 1);
    let succeeded =
        t.memory.state().payments.values().filter(|p| p.status == PaymentStatus::Succeeded).count();
    assert_eq!(succeeded, 1);
}

#[tokio::test]
async fn a_cancelled_event_takes_no_payment() {
    let t = TestApp::new();
    let e = t.event(1, 2).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    crate::app::cancel_event::cancel_event(&t, &crate::testing::admin(), e.id, false)
        .await
        .unwrap();
    let paid = create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await;
    assert!(
        matches!(paid, Err(AppError::NotOnSale(crate::domain::SaleStatus::Cancelled))),
        "{paid:?}"
    );
    assert!(t.memory.state().payments.is_empty(), "nothing was recorded, nothing charged");
    // The store refuses it too, in the step that would record it (a cancel between the check and
    // the step).
    let p = crate::domain::Payment {
        id: Uuid::now_v7(),
        booking_id: b.id,
        amount_cents: b.total_cents,
        currency: b.currency.clone(),
        status: PaymentStatus::Processing,
        failure_reason: None,
        created_at: t.now(),
        refunded_cents: 0,
        client_secret: None,
        user_id: "ann".into(),
        method: "pm_card_visa".into(),
    };
    let recorded = t.payments.insert(&p).await.unwrap();
    assert_eq!(recorded, crate::ports::NewPayment::EventCancelled);
}
