//! Holds: all or nothing, within the seat cap and the sales window, one winner per seat.

use std::sync::Arc;

use chrono::Duration;

use super::{hold, ids};
use crate::app::hold_seats::hold_seats;
use crate::app::{extend_hold, get_hold, release_hold, AppError};
use crate::domain::{HoldAsk, RuleError, SaleStatus, SeatStatus};
use crate::testing::{buyer, TestApp};

#[tokio::test]
async fn a_hold_takes_every_seat_asked_for_or_none() {
    let t = TestApp::new();
    let e = t.event(2, 5).await;
    hold(&t, e.id, "ann", &["A-1-2"]).await;
    let err = hold_seats(&t, &buyer("bob"), e.id, HoldAsk::Seats(ids(&["A-1-1", "A-1-2"])), None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::SeatsUnavailable(s) if s == ["A-1-2"]));
    // A-1-1 was not taken by the refused hold.
    hold(&t, e.id, "cat", &["A-1-1"]).await;
}

#[tokio::test]
async fn unknown_and_repeated_seats_are_refused_before_anything_is_held() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    let ask = |s: &[&str]| HoldAsk::Seats(ids(s));
    let err =
        hold_seats(&t, &buyer("ann"), e.id, ask(&["A-1-1", "Z-9-9"]), None).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(RuleError::UnknownSeats(u)) if u == ["Z-9-9"]));
    let err =
        hold_seats(&t, &buyer("ann"), e.id, ask(&["A-1-1", "A-1-1"]), None).await.unwrap_err();
    assert!(matches!(err, AppError::Rule(RuleError::RepeatedSeats(_))));
    assert!(t.seat_map.snapshot(e.id, t.now()).await.unwrap().unwrap().taken.is_empty());
}

#[tokio::test]
async fn a_user_holds_at_most_the_events_cap_across_holds() {
    let t = TestApp::new();
    let e = t.event(2, 10).await; // max 6 per order
    hold(&t, e.id, "ann", &["A-1-1", "A-1-2", "A-1-3", "A-1-4"]).await;
    let err = hold_seats(
        &t,
        &buyer("ann"),
        e.id,
        HoldAsk::Seats(ids(&["A-2-1", "A-2-2", "A-2-3"])),
        None,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AppError::Rule(RuleError::SeatLimit { max: 6, requested: 7 })));
    hold(&t, e.id, "ann", &["A-2-1", "A-2-2"]).await;
}

#[tokio::test]
async fn nothing_is_held_before_the_sale_opens_or_after_it_ends() {
    let t = TestApp::new();
    let later = t.now() + Duration::hours(1);
    let e = t.event_with(1, 4, |s| s.on_sale_at = Some(later)).await;
    let err = hold_seats(&t, &buyer("ann"), e.id, HoldAsk::Seats(ids(&["A-1-1"])), None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotOnSale(SaleStatus::Scheduled)), "{err:?}");
    t.pass(Duration::hours(2));
    hold(&t, e.id, "ann", &["A-1-1"]).await;
}

#[tokio::test]
async fn best_available_picks_free_seats_together() {
    let t = TestApp::new();
    let e = t.event(3, 6).await;
    hold(&t, e.id, "ann", &["A-1-3"]).await;
    let h = hold_seats(&t, &buyer("bob"), e.id, HoldAsk::Best { quantity: 3, section: None }, None)
        .await
        .unwrap();
    assert_eq!(h.seat_ids.len(), 3);
    assert!(!h.seat_ids.contains(&"A-1-3".to_string()));
    let rows: std::collections::HashSet<_> =
        h.seat_ids.iter().map(|s| s.split('-').nth(1).unwrap().to_string()).collect();
    assert_eq!(rows.len(), 1, "side by side in one row: {:?}", h.seat_ids);
}

#[tokio::test]
async fn best_available_says_unavailable_when_too_few_seats_are_left() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    hold(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let err =
        hold_seats(&t, &buyer("bob"), e.id, HoldAsk::Best { quantity: 2, section: None }, None)
            .await
            .unwrap_err();
    assert!(matches!(err, AppError::SeatsUnavailable(_)));
}

#[tokio::test]
async fn a_released_hold_frees_its_seats_at_once() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    release_hold::release_hold(&t, &buyer("ann"), h.id).await.unwrap();
    hold(&t, e.id, "bob", &["A-1-1"]).await;
}

#[tokio::test]
async fn only_its_owner_releases_or_reads_a_hold() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    assert!(matches!(
        release_hold::release_hold(&t, &buyer("bob"), h.id).await,
        Err(AppError::NotFound(_))
    ));
    assert!(matches!(
        get_hold::get_hold(&t, &buyer("bob"), h.id).await,
        Err(AppError::NotFound(_))
    ));
    assert_eq!(get_hold::get_hold(&t, &buyer("ann"), h.id).await.unwrap().id, h.id);
}

#[tokio::test]
async fn a_hold_lapses_by_its_ttl_and_its_seats_go_to_the_next_buyer() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    t.pass(Duration::seconds(601));
    assert!(matches!(
        get_hold::live_hold(&t, &buyer("ann"), h.id).await,
        Err(AppError::HoldExpired)
    ));
    assert!(
        matches!(get_hold::get_hold(&t, &buyer("ann"), h.id).await, Err(AppError::NotFound(_))),
        "gone to a reader"
    );
    hold(&t, e.id, "bob", &["A-1-1"]).await;
}

#[tokio::test]
async fn an_extension_moves_the_expiry_but_never_past_three_ttls() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    let h = hold(&t, e.id, "ann", &["A-1-1"]).await;
    let mut last = h.expires_at;
    for _ in 0..5 {
        t.pass(Duration::seconds(500));
        if let Ok(x) = extend_hold::extend_hold(&t, &buyer("ann"), h.id).await {
            assert!(x.expires_at >= last);
            last = x.expires_at;
        }
    }
    assert!(last <= h.created_at + Duration::seconds(1800), "{last} vs {}", h.created_at);
}

#[tokio::test]
async fn the_seat_map_shows_held_seats_as_held() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    hold(&t, e.id, "ann", &["A-1-2"]).await;
    let snap = t.seat_map.snapshot(e.id, t.now()).await.unwrap().unwrap();
    assert_eq!(snap.taken.get("A-1-2"), Some(&SeatStatus::Held));
    assert_eq!(snap.taken.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_buyers_racing_for_one_seat_exactly_one_holds_it() {
    let t = Arc::new(TestApp::new());
    let e = t.event(1, 2).await;
    let tasks: Vec<_> = (0..32)
        .map(|i| {
            let t = t.clone();
            tokio::spawn(async move {
                hold_seats(
                    &t,
                    &buyer(&format!("u{i}")),
                    e.id,
                    HoldAsk::Seats(ids(&["A-1-1"])),
                    None,
                )
                .await
            })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => won += 1,
            Err(AppError::SeatsUnavailable(_)) => {}
            Err(e) => panic!("{e:?}"),
        }
    }
    assert_eq!(won, 1);
}

#[tokio::test]
async fn a_cancelled_event_holds_nothing() {
    let t = TestApp::new();
    let e = t.event(1, 3).await;
    crate::app::cancel_event::cancel_event(&t, &crate::testing::admin(), e.id, false)
        .await
        .unwrap();
    let err = hold_seats(&t, &buyer("ann"), e.id, HoldAsk::Seats(ids(&["A-1-1"])), None)
        .await
        .unwrap_err();
    assert!(matches!(err, AppError::NotOnSale(SaleStatus::Cancelled)), "{err:?}");
}

#[tokio::test]
async fn holds_count_against_the_write_limit_in_their_own_step_once_per_request() {
    let t = Arc::new(TestApp::new());
    let e = t.event(2, 5).await;
    let limit = t.config.rate_limit_writes as usize;
    hold(&t, e.id, "bob", &["A-1-1"]).await;
    // At the start of a window (the clock follows the real one), a flood of holds of one user at
    // once, each refused: the first `limit` are judged, the rest are not even looked at.
    let into_window = t.now().timestamp_millis().rem_euclid(1000);
    t.pass(Duration::milliseconds(1000 - into_window));
    let tries: Vec<_> = (0..limit + 5)
        .map(|_| {
            let t = t.clone();
            tokio::spawn(async move {
                hold_seats(&t, &buyer("ann"), e.id, HoldAsk::Seats(ids(&["A-1-1"])), None).await
            })
        })
        .collect();
    let (mut busy, mut limited) = (0, 0);
    for r in tries {
        match r.await.unwrap() {
            Err(AppError::SeatsUnavailable(_)) => busy += 1,
            Err(AppError::RateLimited { retry_after_ms }) if retry_after_ms <= 1000 => limited += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((busy, limited), (limit, 5));
    // Someone else is not slowed; ann is let in again in the next window.
    let best = HoldAsk::Best { quantity: 1, section: None };
    hold_seats(&t, &buyer("cy"), e.id, best.clone(), None).await.unwrap();
    t.pass(Duration::seconds(1));
    hold_seats(&t, &buyer("ann"), e.id, best, None).await.unwrap();
}

#[tokio::test]
async fn a_release_counts_against_the_write_limit_of_its_event_and_frees_nothing_past_it() {
    let t = TestApp::new();
    let limit = t.config.rate_limit_writes as usize;
    let e = t.event(1, 5).await;
    let bobs = hold(&t, e.id, "bob", &["A-1-2"]).await;
    let into_window = t.now().timestamp_millis().rem_euclid(1000);
    t.pass(Duration::milliseconds(1000 - into_window));
    // The window's writes spent on a hold and refused holds; the release is one too many.
    let anns = hold(&t, e.id, "ann", &["A-1-1"]).await;
    for _ in 1..limit {
        let busy = hold_seats(&t, &buyer("ann"), e.id, HoldAsk::Seats(ids(&["A-1-2"])), None).await;
        assert!(matches!(busy, Err(AppError::SeatsUnavailable(_))), "{busy:?}");
    }
    let err = release_hold::release_hold(&t, &buyer("ann"), anns.id).await.unwrap_err();
    assert!(matches!(err, AppError::RateLimited { retry_after_ms } if retry_after_ms <= 1000));
    let cy = hold_seats(&t, &buyer("cy"), e.id, HoldAsk::Seats(ids(&["A-1-1"])), None).await;
    assert!(matches!(cy, Err(AppError::SeatsUnavailable(_))), "still ann's: {cy:?}");
    // Someone else's hold is not found, and is not freed.
    let err = release_hold::release_hold(&t, &buyer("cy"), bobs.id).await.unwrap_err();
    assert!(matches!(err, AppError::NotFound(_)), "{err:?}");
    t.pass(Duration::seconds(1));
    release_hold::release_hold(&t, &buyer("ann"), anns.id).await.unwrap();
    hold(&t, e.id, "cy", &["A-1-1"]).await;
    let again = release_hold::release_hold(&t, &buyer("ann"), anns.id).await.unwrap_err();
    assert!(matches!(again, AppError::NotFound(_)), "released once: {again:?}");
    let gone = hold_seats(&t, &buyer("dee"), e.id, HoldAsk::Seats(ids(&["A-1-2"])), None).await;
    assert!(matches!(gone, Err(AppError::SeatsUnavailable(_))), "bob's hold kept: {gone:?}");
}
