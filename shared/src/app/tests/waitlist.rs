//! The waitlist: freed seats offered to the oldest entry they fit, as a hold in that user's name;
//! booking the hold accepts the offer; an offer not taken lapses to the next in line.

use chrono::Duration;

use super::{book, bought, hold};
use crate::app::change_booking::cancel_booking;
use crate::app::release_hold::release_hold;
use crate::app::waitlist::{join, leave, my_entry, sweep};
use crate::app::AppError;
use crate::domain::waitlist::WaitlistStatus;
use crate::domain::{BookingSource, MessageKind, RuleError};
use crate::testing::{buyer, TestApp};

#[tokio::test]
async fn freed_seats_go_to_the_oldest_entry_as_a_hold_in_its_name() {
    let t = TestApp::new();
    let e = t.event(1, 2).await;
    let h = hold(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let (entry, new) = join(&t, &buyer("bob"), e.id, 2, None).await.unwrap();
    assert!(new && entry.status == WaitlistStatus::Waiting);
    join(&t, &buyer("cat"), e.id, 2, None).await.unwrap();
    release_hold(&t, &buyer("ann"), h.id).await.unwrap();
    let bob = my_entry(&t, &buyer("bob"), e.id).await.unwrap();
    assert_eq!(bob.status, WaitlistStatus::Offered);
    let offer = bob.offer.unwrap();
    assert_eq!(offer.seat_ids.len(), 2);
    assert_eq!(my_entry(&t, &buyer("cat"), e.id).await.unwrap().status, WaitlistStatus::Waiting);
    assert_eq!(t.messages(MessageKind::WaitlistOffered).len(), 1);
    // The offered hold is bob's: he books it, which accepts the offer in the same step.
    let b = crate::app::create_booking::create_booking(
        &t,
        &buyer("bob"),
        BookingSource::Hold(offer.hold_id),
        None,
    )
    .await
    .unwrap();
    assert_eq!(b.seat_ids.len(), 2);
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Accepted);
}

#[tokio::test]
async fn an_offer_not_taken_lapses_and_goes_to_the_next_in_line() {
    let t = TestApp::new();
    let e = t.event(1, 1).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    join(&t, &buyer("bob"), e.id, 1, None).await.unwrap();
    join(&t, &buyer("cat"), e.id, 1, None).await.unwrap();
    cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Offered);
    t.pass(Duration::seconds(601));
    sweep(&t).await.unwrap();
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Expired);
    assert_eq!(my_entry(&t, &buyer("cat"), e.id).await.unwrap().status, WaitlistStatus::Offered);
}

#[tokio::test]
async fn a_freed_seat_too_few_for_an_entry_waits_for_more() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    let one = bought(&t, e.id, "ann", &["A-1-1"]).await;
    hold(&t, e.id, "dan", &["A-1-2", "A-1-3"]).await;
    join(&t, &buyer("bob"), e.id, 2, None).await.unwrap();
    cancel_booking(&t, &buyer("ann"), one.id).await.unwrap();
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Waiting);
}

#[tokio::test]
async fn joining_twice_is_one_entry_and_leaving_gives_an_offer_back() {
    let t = TestApp::new();
    let e = t.event(1, 1).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    assert!(join(&t, &buyer("bob"), e.id, 1, None).await.unwrap().1);
    assert!(!join(&t, &buyer("bob"), e.id, 1, None).await.unwrap().1, "the same entry");
    release_hold(&t, &buyer("ann"), h.id).await.unwrap();
    leave(&t, &buyer("bob"), e.id).await.unwrap();
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Left);
    hold(&t, e.id, "cat", &["A-1-1"]).await;
    assert!(matches!(leave(&t, &buyer("bob"), e.id).await, Err(AppError::NotFound(_))));
}

#[tokio::test]
async fn a_waitlist_entry_asks_for_a_bounded_quantity_of_a_known_section() {
    let t = TestApp::new();
    let e = t.event(1, 2).await;
    assert!(matches!(
        join(&t, &buyer("bob"), e.id, 0, None).await,
        Err(AppError::Rule(RuleError::Invalid { .. }))
    ));
    assert!(matches!(
        join(&t, &buyer("bob"), e.id, 7, None).await,
        Err(AppError::Rule(RuleError::SeatLimit { max: 6, .. }))
    ));
    assert!(matches!(
        join(&t, &buyer("bob"), e.id, 1, Some("Z".into())).await,
        Err(AppError::Rule(RuleError::Invalid { .. }))
    ));
}

#[tokio::test]
async fn joining_while_seats_are_free_offers_them_at_once() {
    let t = TestApp::new();
    let e = t.event(1, 2).await;
    let (entry, _) = join(&t, &buyer("bob"), e.id, 2, None).await.unwrap();
    assert_eq!(entry.status, WaitlistStatus::Offered);
}

#[tokio::test]
async fn a_line_before_the_sale_offers_nothing_until_it_opens() {
    let t = TestApp::new();
    let opens = t.now() + Duration::hours(1);
    let e = t.event_with(1, 4, |s| s.on_sale_at = Some(opens)).await;
    let (entry, _) = join(&t, &buyer("bob"), e.id, 2, None).await.unwrap();
    assert_eq!(entry.status, WaitlistStatus::Waiting, "free seats, but the sale is not open");
    // Leaving and joining again gets nothing either, nor does a sweep.
    leave(&t, &buyer("bob"), e.id).await.unwrap();
    join(&t, &buyer("bob"), e.id, 2, None).await.unwrap();
    assert_eq!(sweep(&t).await.unwrap(), 0);
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Waiting);
    assert!(t.messages(MessageKind::WaitlistOffered).is_empty());
    // At `onSaleAt` the sweep offers the free seats to the line.
    t.pass(Duration::hours(1));
    assert_eq!(sweep(&t).await.unwrap(), 1);
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Offered);
}

#[tokio::test]
async fn the_waitlist_keeps_to_max_tickets_per_user() {
    let t = TestApp::new();
    let e = t
        .event_with(1, 4, |s| {
            s.max_seats_per_order = Some(3);
            s.max_tickets_per_user = Some(2);
        })
        .await;
    let asked = join(&t, &buyer("bob"), e.id, 3, None).await;
    assert!(
        matches!(asked, Err(AppError::Rule(RuleError::UserLimit { max: 2, requested: 3 }))),
        "{asked:?}"
    );
    // Bob holds two tickets already: a freed seat goes past him to the next in line.
    bought(&t, e.id, "bob", &["A-1-1", "A-1-2"]).await;
    let ann = book(&t, e.id, "ann", &["A-1-3", "A-1-4"]).await;
    join(&t, &buyer("bob"), e.id, 1, None).await.unwrap();
    join(&t, &buyer("cat"), e.id, 1, None).await.unwrap();
    cancel_booking(&t, &buyer("ann"), ann.id).await.unwrap();
    assert_eq!(my_entry(&t, &buyer("bob"), e.id).await.unwrap().status, WaitlistStatus::Waiting);
    assert_eq!(my_entry(&t, &buyer("cat"), e.id).await.unwrap().status, WaitlistStatus::Offered);
}
