//! The sale's rules on the side doors, as an attacker would try them: a ticket given away and then
//! cancelled for the money, a refund after walking in, a cancel racing a transfer.

use std::sync::Arc;

use super::bought;
use crate::app::change_booking::{cancel_booking, cancel_seats};
use crate::app::tickets::{booking_tickets, check_in, holders_ticket, transfer};
use crate::app::AppError;
use crate::domain::ticket::{Direction, Scan, ScanResult, ServedStatus, TicketStatus};
use crate::domain::BookingStatus;
use crate::testing::{admin, buyer, steward, TestApp};

/// Ann buys two seats at 5,000 and gives the ticket of A-1-1 to Bob: (booking, Bob's ticket id).
async fn given(t: &TestApp) -> (crate::domain::Booking, uuid::Uuid) {
    let e = t.event(1, 4).await;
    let b = bought(t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let first = t.tickets.for_booking(b.id).await.unwrap().remove(0);
    assert_eq!(first.seat_id, "A-1-1");
    let bobs = transfer(t, &buyer("ann"), first.id, "bob").await.unwrap();
    (b, bobs.id)
}

#[tokio::test]
async fn a_given_ticket_is_the_holders_alone_and_the_giver_sees_no_code() {
    let t = TestApp::new();
    let (b, bobs) = given(&t).await;
    let seen = booking_tickets(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(seen.len(), 2, "one per seat, the replaced ticket not listed: {seen:?}");
    let gone = seen.iter().find(|x| x.seat_id == "A-1-1").unwrap();
    assert_eq!((gone.status, gone.code.as_deref()), (ServedStatus::Transferred, None));
    let kept = seen.iter().find(|x| x.seat_id == "A-1-2").unwrap();
    assert!(kept.code.is_some() && kept.status == ServedStatus::Valid);
    // Bob (and an admin) see the code; Ann cannot read Bob's ticket at all.
    assert!(holders_ticket(&t, &buyer("bob"), bobs).await.unwrap().code.is_some());
    assert!(booking_tickets(&t, &admin(), b.id).await.unwrap().iter().all(|x| x.code.is_some()));
    assert!(matches!(holders_ticket(&t, &buyer("ann"), bobs).await, Err(AppError::NotFound(_))));
}

#[tokio::test]
async fn the_givers_cancel_frees_and_refunds_only_what_is_still_hers() {
    let t = TestApp::new();
    let (b, bobs) = given(&t).await;
    let after = cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(after.status, BookingStatus::Confirmed, "the given seat stays sold");
    assert_eq!((after.seat_ids.as_slice(), after.total_cents), (&["A-1-1".to_string()][..], 5_000));
    assert_eq!(t.provider_refunded(), 5_000, "only A-1-2's price comes back");
    assert_eq!(t.tickets.get(bobs).await.unwrap().unwrap().status, TicketStatus::Valid);
    // Nothing is left that is Ann's: a second cancel, or naming the given seat, does nothing.
    assert!(matches!(cancel_booking(&t, &buyer("ann"), b.id).await, Err(AppError::AllTransferred)));
    assert!(matches!(
        cancel_seats(&t, &buyer("ann"), b.id, &["A-1-1".into()]).await,
        Err(AppError::Rule(_))
    ));
    assert_eq!(t.provider_refunded(), 5_000);
    assert_eq!(t.tickets.get(bobs).await.unwrap().unwrap().status, TicketStatus::Valid);
}

#[tokio::test]
async fn a_checked_in_seat_is_not_refunded_to_its_buyer_but_an_admin_may() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let inside = t.tickets.for_booking(b.id).await.unwrap().remove(1);
    let scan = Scan {
        event_id: e.id,
        code: t.ticket_code(&inside),
        gate: "north".into(),
        direction: Direction::In,
        nonce: None,
        scanned_at: None,
    };
    assert!(matches!(
        check_in(&t, &steward(), scan).await.unwrap().result,
        ScanResult::Admitted(_)
    ));
    let whole = cancel_booking(&t, &buyer("ann"), b.id).await;
    assert!(matches!(whole, Err(AppError::SeatsCheckedIn(ref s)) if s == &["A-1-2".to_string()]));
    let seat = cancel_seats(&t, &buyer("ann"), b.id, &["A-1-2".into()]).await;
    assert!(matches!(seat, Err(AppError::SeatsCheckedIn(_))), "{seat:?}");
    assert_eq!(t.provider_refunded(), 0);
    // The seat not used may still go back.
    let kept = cancel_seats(&t, &buyer("ann"), b.id, &["A-1-1".into()]).await.unwrap();
    assert_eq!((kept.seat_ids.len(), t.provider_refunded()), (1, 5_000));
    // An admin may (a buyer turned away at the door).
    let done = cancel_booking(&t, &admin(), b.id).await.unwrap();
    assert_eq!((done.status, t.provider_refunded()), (BookingStatus::Cancelled, 10_000));
}

#[tokio::test]
async fn a_cancel_racing_a_transfer_never_takes_the_given_seat_and_the_money() {
    for _ in 0..20 {
        let t = Arc::new(TestApp::new());
        let e = t.event(1, 4).await;
        let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
        let first = t.tickets.for_booking(b.id).await.unwrap().remove(0);
        let (t1, t2) = (t.clone(), t.clone());
        let gift = tokio::spawn(async move { transfer(&t1, &buyer("ann"), first.id, "bob").await });
        let cancel = tokio::spawn(async move { cancel_booking(&t2, &buyer("ann"), b.id).await });
        let (gift, cancel) = (gift.await.unwrap(), cancel.await.unwrap().unwrap());
        match gift {
            // Given first: Bob keeps a live ticket, Ann gets back only her other seat.
            Ok(bobs) => {
                let held = t.tickets.get(bobs.id).await.unwrap().unwrap();
                assert_eq!(held.status, TicketStatus::Valid);
                assert_eq!(
                    (cancel.status, t.provider_refunded()),
                    (BookingStatus::Confirmed, 5_000)
                );
            }
            // Cancelled first: nothing to give, all of it back.
            Err(_) => {
                assert_eq!(
                    (cancel.status, t.provider_refunded()),
                    (BookingStatus::Cancelled, 10_000)
                );
            }
        }
    }
}

/// An event of 10 seats where one person may have 4 in all (3 at once).
async fn limited(t: &TestApp) -> crate::domain::Event {
    t.event_with(1, 10, |s| {
        s.max_seats_per_order = Some(3);
        s.max_tickets_per_user = Some(4);
    })
    .await
}

fn over_the_limit<T: std::fmt::Debug>(r: &Result<T, AppError>) -> bool {
    matches!(r, Err(AppError::Rule(crate::domain::RuleError::UserLimit { max: 4, .. })))
}

#[tokio::test]
async fn one_person_buys_no_more_than_the_limit_across_orders() {
    let t = TestApp::new();
    let e = limited(&t).await;
    bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let pending = super::book(&t, e.id, "ann", &["A-1-3"]).await;
    // Two bought, one pending: one more seat fits, two do not.
    let two = crate::app::hold_seats::hold_seats(
        &t,
        &buyer("ann"),
        e.id,
        crate::domain::HoldAsk::Seats(super::ids(&["A-1-4", "A-1-5"])),
        None,
    )
    .await;
    assert!(over_the_limit(&two), "{two:?}");
    super::hold(&t, e.id, "ann", &["A-1-4"]).await;
    let fifth = crate::app::hold_seats::hold_seats(
        &t,
        &buyer("ann"),
        e.id,
        crate::domain::HoldAsk::Seats(super::ids(&["A-1-5"])),
        None,
    )
    .await;
    assert!(over_the_limit(&fifth), "{fifth:?}");
    // A seat given back makes room again.
    cancel_booking(&t, &buyer("ann"), pending.id).await.unwrap();
    super::hold(&t, e.id, "ann", &["A-1-5"]).await;
}

#[tokio::test]
async fn a_transfer_to_someone_at_the_limit_is_refused_and_changes_nothing() {
    let t = TestApp::new();
    let e = limited(&t).await;
    bought(&t, e.id, "bob", &["A-1-1", "A-1-2"]).await;
    bought(&t, e.id, "bob", &["A-1-3", "A-1-4"]).await;
    let ann = bought(&t, e.id, "ann", &["A-1-5"]).await;
    let hers = t.tickets.for_booking(ann.id).await.unwrap().remove(0);
    let refused = transfer(&t, &buyer("ann"), hers.id, "bob").await;
    assert!(matches!(refused, Err(AppError::ReceiverLimit { max: 4 })), "{refused:?}");
    assert_eq!(t.tickets.get(hers.id).await.unwrap().unwrap().status, TicketStatus::Valid);
    // Cat receives it; then Cat's own purchases count it.
    transfer(&t, &buyer("ann"), hers.id, "cat").await.unwrap();
    bought(&t, e.id, "cat", &["A-1-6", "A-1-7"]).await;
    let more = crate::app::hold_seats::hold_seats(
        &t,
        &buyer("cat"),
        e.id,
        crate::domain::HoldAsk::Seats(super::ids(&["A-1-8", "A-1-8"][..1])),
        None,
    )
    .await;
    assert!(more.is_ok(), "three held, one more fits: {more:?}");
    // And Ann, who gave it away, has room for it again.
    super::hold(&t, e.id, "ann", &["A-1-9", "A-1-10"]).await;
}

#[tokio::test]
async fn racing_orders_of_one_person_never_pass_the_limit() {
    let t = Arc::new(TestApp::new());
    let e = t
        .event_with(1, 40, |s| {
            s.max_seats_per_order = Some(2);
            s.max_tickets_per_user = Some(5);
        })
        .await;
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let t = t.clone();
            let seats = vec![format!("A-1-{}", 2 * i + 1)];
            tokio::spawn(async move {
                let h = crate::app::hold_seats::hold_seats(
                    &t,
                    &buyer("ann"),
                    e.id,
                    crate::domain::HoldAsk::Seats(seats),
                    None,
                )
                .await?;
                let b = crate::app::create_booking::create_booking(
                    &t,
                    &buyer("ann"),
                    crate::domain::BookingSource::Hold(h.id),
                    None,
                )
                .await?;
                crate::app::payments::create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await
            })
        })
        .collect();
    let mut paid = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            paid += 1;
        }
    }
    // Two at once per order; five in all, whatever the interleaving.
    assert!(paid <= 5, "{paid} paid orders of one seat");
    let (tickets, _) =
        crate::app::tickets::user_tickets(&t, &buyer("ann"), "ann", Some(e.id), None, 50)
            .await
            .unwrap();
    assert!(tickets.len() <= 5, "{} tickets", tickets.len());
}
