//! Bookings: made from a live hold of one's own, the two layers agreeing, expiry and cancel.

use std::sync::Arc;

use chrono::Duration;

use super::{book, bought, hold, ids};
use crate::app::change_booking::{cancel_booking, confirm_booking};
use crate::app::create_booking::create_booking;
use crate::app::expiry::expire_due;
use crate::app::get_booking::{get_booking, list_bookings};
use crate::app::AppError;
use crate::domain::{BookingSource, BookingStatus, MessageKind, SeatStatus};
use crate::testing::{admin, buyer, TestApp};

#[tokio::test]
async fn a_booking_of_a_hold_is_pending_at_the_seats_price_until_its_deadline() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    assert_eq!(
        (b.status, b.total_cents, b.currency.as_str()),
        (BookingStatus::Pending, 10_000, "EUR")
    );
    assert_eq!(b.expires_at, b.created_at + Duration::seconds(600));
    assert_eq!(t.messages(MessageKind::BookingCreated).len(), 1);
}

#[tokio::test]
async fn seats_can_be_held_and_booked_in_one_call() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let source = BookingSource::Seats { event_id: e.id, seat_ids: ids(&["A-1-3"]), code: None };
    let b = create_booking(&t, &buyer("ann"), source, None).await.unwrap();
    assert_eq!(b.seat_ids, ["A-1-3"]);
}

#[tokio::test]
async fn only_the_holds_owner_books_it_and_only_once() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    let err = create_booking(&t, &admin(), BookingSource::Hold(h.id), None).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "not even an admin books another's hold");
    create_booking(&t, &buyer("ann"), BookingSource::Hold(h.id), None).await.unwrap();
    let again =
        create_booking(&t, &buyer("ann"), BookingSource::Hold(h.id), None).await.unwrap_err();
    assert!(matches!(again, AppError::NotFound(_) | AppError::HoldExpired), "{again:?}");
}

#[tokio::test]
async fn a_lapsed_hold_cannot_be_booked() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    t.pass(Duration::seconds(601));
    let err = create_booking(&t, &buyer("ann"), BookingSource::Hold(h.id), None).await.unwrap_err();
    assert!(matches!(err, AppError::HoldExpired));
}

#[tokio::test]
async fn the_system_of_record_refuses_a_seat_another_live_booking_has() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let first = book(&t, e.id, "ann", &["A-1-1"]).await;
    // Redis forgets the first booking's lock (a lost structure): MySQL still says no.
    t.memory.state().locks.clear();
    let h = hold(&t, e.id, "bob", &["A-1-1"]).await;
    let err = create_booking(&t, &buyer("bob"), BookingSource::Hold(h.id), None).await.unwrap_err();
    assert!(matches!(err, AppError::SeatsUnavailable(s) if s == ["A-1-1"]));
    assert_eq!(t.bookings.get(first.id).await.unwrap().unwrap().status, BookingStatus::Pending);
}

#[tokio::test]
async fn an_unpaid_booking_expires_and_frees_its_seats() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    t.pass(Duration::seconds(601));
    assert_eq!(expire_due(&t, t.now(), 10).await.unwrap(), 1);
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Expired);
    assert_eq!(expire_due(&t, t.now(), 10).await.unwrap(), 0, "once");
    hold(&t, e.id, "bob", &["A-1-1"]).await;
}

#[tokio::test]
async fn a_read_past_the_deadline_shows_the_booking_expired() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    t.pass(Duration::seconds(601));
    assert_eq!(get_booking(&t, &buyer("ann"), b.id).await.unwrap().status, BookingStatus::Expired);
}

#[tokio::test]
async fn a_booking_is_its_buyers_and_an_admins_to_see() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    assert!(matches!(get_booking(&t, &buyer("bob"), b.id).await, Err(AppError::NotFound(_))));
    assert_eq!(get_booking(&t, &admin(), b.id).await.unwrap().id, b.id);
    assert!(matches!(
        list_bookings(&t, &buyer("bob"), "ann", None, None, 10).await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn a_users_bookings_list_newest_first_in_pages() {
    let t = TestApp::new();
    let e = t.event(1, 6).await;
    let first = book(&t, e.id, "ann", &["A-1-1"]).await;
    let second = book(&t, e.id, "ann", &["A-1-2"]).await;
    let third = book(&t, e.id, "ann", &["A-1-3"]).await;
    let (page, next) = list_bookings(&t, &buyer("ann"), "ann", None, None, 2).await.unwrap();
    assert_eq!(page.iter().map(|b| b.id).collect::<Vec<_>>(), [third.id, second.id]);
    let (rest, end) = list_bookings(&t, &buyer("ann"), "ann", None, next, 2).await.unwrap();
    assert_eq!((rest.iter().map(|b| b.id).collect::<Vec<_>>(), end), (vec![first.id], None));
}

#[tokio::test]
async fn a_pending_booking_is_cancelled_without_money_and_its_seats_freed() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    let c = cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(c.status, BookingStatus::Cancelled);
    assert!(t.memory.state().refunds.is_empty());
    assert_eq!(t.memory.state().seats[&(e.id, "A-1-1".to_string())], SeatStatus::Available);
    hold(&t, e.id, "bob", &["A-1-1"]).await;
}

#[tokio::test]
async fn cancelling_twice_answers_the_cancelled_booking_and_an_expired_one_conflicts() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    cancel_booking(&t, &buyer("ann"), b.id).await.unwrap();
    assert_eq!(
        cancel_booking(&t, &buyer("ann"), b.id).await.unwrap().status,
        BookingStatus::Cancelled
    );
    let late = book(&t, e.id, "ann", &["A-1-2"]).await;
    t.pass(Duration::seconds(601));
    let err = cancel_booking(&t, &buyer("ann"), late.id).await.unwrap_err();
    assert!(matches!(err, AppError::BookingState(BookingStatus::Expired)));
}

#[tokio::test]
async fn confirming_needs_a_succeeded_payment_of_that_booking() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = book(&t, e.id, "ann", &["A-1-1"]).await;
    assert!(matches!(
        confirm_booking(&t, &buyer("ann"), b.id, None).await,
        Err(AppError::PaymentRequired)
    ));
    let other = bought(&t, e.id, "bob", &["A-1-2"]).await;
    let bobs = t.memory.state().payments.values().find(|p| p.booking_id == other.id).unwrap().id;
    assert!(matches!(
        confirm_booking(&t, &buyer("ann"), b.id, Some(bobs)).await,
        Err(AppError::PaymentRequired)
    ));
    assert_eq!(
        confirm_booking(&t, &buyer("bob"), other.id, Some(bobs)).await.unwrap().status,
        BookingStatus::Confirmed
    );
}

#[tokio::test]
async fn a_cancelled_event_takes_no_new_booking() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    crate::app::cancel_event::cancel_event(&t, &admin(), e.id, false).await.unwrap();
    let err = create_booking(&t, &buyer("ann"), BookingSource::Hold(h.id), None).await.unwrap_err();
    assert!(
        matches!(err, AppError::NotOnSale(_) | AppError::NotFound(_) | AppError::HoldExpired),
        "{err:?}"
    );
    assert!(t.memory.state().bookings.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_buyers_booking_one_seat_at_once_exactly_one_gets_it() {
    let t = Arc::new(TestApp::new());
    let e = t.event(1, 2).await;
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                let source =
                    BookingSource::Seats { event_id: e.id, seat_ids: ids(&["A-1-2"]), code: None };
                create_booking(&t, &buyer(&format!("u{i}")), source, None).await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        if task.await.unwrap().is_ok() {
            won += 1;
        }
    }
    assert_eq!(won, 1);
    assert_eq!(t.memory.state().bookings.len(), 1);
}

#[tokio::test]
async fn the_sweep_books_again_what_mysql_sold_and_frees_what_it_cancelled_once_a_minute() {
    let t = TestApp::new();
    let e = t.event(1, 6).await;
    let sold = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let gone = bought(&t, e.id, "bob", &["A-1-3"]).await;
    crate::app::change_booking::cancel_booking(&t, &buyer("bob"), gone.id).await.unwrap();
    // What a death between the stores leaves: ann's seats not booked in Redis, bob's still are.
    let now = t.now();
    t.holds.free_booking(&sold, now).await.unwrap();
    t.holds.mark_booked(&gone, now).await.unwrap();
    let report = crate::app::sweep::sweep(&t).await.unwrap();
    assert_eq!(report.repaired, 3);
    let map = crate::app::seat_map::seat_map(&t, e.id, None, None).await.unwrap();
    let status = |id: &str| map.seats.iter().find(|s| s.id == id).unwrap().status;
    assert_eq!(
        [status("A-1-1"), status("A-1-2"), status("A-1-3")],
        [SeatStatus::Booked, SeatStatus::Booked, SeatStatus::Available]
    );
    // Drift again within the minute waits for the next comparison.
    t.holds.mark_booked(&gone, now).await.unwrap();
    assert_eq!(crate::app::sweep::sweep(&t).await.unwrap().repaired, 0);
    t.pass(chrono::Duration::seconds(61));
    assert_eq!(crate::app::sweep::sweep(&t).await.unwrap().repaired, 1);
}
