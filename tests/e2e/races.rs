//! Races tested as races: hundreds of concurrent holds over overlapping seats.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use booking_tests::{ids, Stack};
use rand::seq::SliceRandom;
use rand::Rng;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn overlapping_holds_never_share_a_seat() {
    let s = Arc::new(Stack::start().await);
    let e = s.simple_event(2, 15, 4).await; // 30 seats
    let seats: Vec<String> =
        (1..=2).flat_map(|r| (1..=15).map(move |n| format!("A-{r}-{n}"))).collect();
    let mut tasks = Vec::new();
    for i in 0..400 {
        let (s, e) = (s.clone(), e.clone());
        let mut rng = rand::thread_rng();
        let n = rng.gen_range(1..=4);
        let pick: Vec<String> = seats.choose_multiple(&mut rng, n).cloned().collect();
        tasks.push(tokio::spawn(async move {
            let a = s
                .post(
                    &format!("/api/v1/events/{e}/holds"),
                    &s.token(&format!("user-{i}")),
                    json!({ "seatIds": pick }),
                )
                .await;
            (pick, a)
        }));
    }
    let mut owner: BTreeMap<String, usize> = BTreeMap::new();
    let (mut won, mut lost) = (0, 0);
    let mut losers_blockers = Vec::new();
    for (i, t) in tasks.into_iter().enumerate() {
        let (pick, a) = t.await.unwrap();
        match a.status {
            StatusCode::CREATED => {
                won += 1;
                assert_eq!(
                    ids(&a.body["seatIds"]).into_iter().collect::<BTreeSet<_>>(),
                    pick.iter().cloned().collect()
                );
                for seat in pick {
                    assert!(owner.insert(seat.clone(), i).is_none(), "{seat} held twice");
                }
            }
            StatusCode::CONFLICT => {
                lost += 1;
                let blockers = ids(&a.body["seatIds"]);
                assert!(
                    !blockers.is_empty() && blockers.iter().all(|b| pick.contains(b)),
                    "409 names seats of the request"
                );
                losers_blockers.extend(blockers);
            }
            other => panic!("unexpected {other}: {a:?}"),
        }
    }
    assert!(won > 0 && lost > 0, "a real race: {won} won, {lost} lost");
    for b in losers_blockers {
        assert!(owner.contains_key(&b), "a 409 named {b}, which nobody holds");
    }
    let map = s.seat_statuses(&e).await;
    for (seat, status) in &map {
        let expected = if owner.contains_key(seat) { "HELD" } else { "AVAILABLE" };
        assert_eq!(status, expected, "{seat}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn best_available_under_contention_sells_each_seat_once() {
    let s = Arc::new(Stack::start().await);
    let e = s.simple_event(4, 10, 2).await; // 40 seats, 100 buyers of 2
    let tasks: Vec<_> = (0..100)
        .map(|i| {
            let (s, e) = (s.clone(), e.clone());
            tokio::spawn(async move {
                s.post(
                    &format!("/api/v1/events/{e}/holds"),
                    &s.token(&format!("buyer-{i}")),
                    json!({ "quantity": 2 }),
                )
                .await
            })
        })
        .collect();
    let mut taken = BTreeSet::new();
    let mut winners = 0;
    for t in tasks {
        let a = t.await.unwrap();
        match a.status {
            StatusCode::CREATED => {
                winners += 1;
                for seat in ids(&a.body["seatIds"]) {
                    assert!(taken.insert(seat.clone()), "{seat} held twice");
                }
            }
            StatusCode::CONFLICT => assert_eq!(a.code(), "SEATS_UNAVAILABLE"),
            other => panic!("unexpected {other}: {a:?}"),
        }
    }
    assert_eq!(winners, 20, "every seat is sold once when demand exceeds supply");
    assert!(s.seat_statuses(&e).await.values().all(|st| st == "HELD"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_contended_sell_out_sells_each_seat_once_and_every_sale_is_paid_once() {
    let s = Arc::new(Stack::start().await);
    let e = s.simple_event(2, 10, 4).await; // 20 seats, 80 buyers
    let seats: Vec<String> =
        (1..=2).flat_map(|r| (1..=10).map(move |n| format!("A-{r}-{n}"))).collect();
    let tasks: Vec<_> = (0..80)
        .map(|i| {
            let (s, e) = (s.clone(), e.clone());
            let pick: Vec<String> = {
                let mut rng = rand::thread_rng();
                let n = rng.gen_range(1..=3);
                seats.choose_multiple(&mut rng, n).cloned().collect()
            };
            tokio::spawn(async move {
                let t = s.token(&format!("fan-{i}"));
                // Half hold first, half book seats directly; every fourth pays with a declined card first.
                let booking = if i % 2 == 0 {
                    let h = s
                        .post(&format!("/api/v1/events/{e}/holds"), &t, json!({ "seatIds": pick }))
                        .await;
                    if h.status != StatusCode::CREATED {
                        assert_eq!(h.status, StatusCode::CONFLICT, "{h:?}");
                        return None;
                    }
                    s.post("/api/v1/bookings", &t, json!({ "holdId": h.body["id"] })).await
                } else {
                    s.post("/api/v1/bookings", &t, json!({ "eventId": e, "seatIds": pick })).await
                };
                if booking.status != StatusCode::CREATED {
                    assert_eq!(booking.status, StatusCode::CONFLICT, "{booking:?}");
                    return None;
                }
                let id = booking.body["id"].as_str().unwrap().to_string();
                if i % 4 == 1 {
                    let d = s
                        .post(
                            "/api/v1/payments",
                            &t,
                            json!({ "bookingId": id, "paymentMethod": "pm_card_chargeCustomerFail" }),
                        )
                        .await;
                    assert_eq!(d.status.as_u16(), 402);
                }
                let key = format!("pay-{i}");
                let p = s
                    .post_once(
                        "/api/v1/payments",
                        &t,
                        &key,
                        json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
                    )
                    .await;
                let retry = s
                    .post_once(
                        "/api/v1/payments",
                        &t,
                        &key,
                        json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
                    )
                    .await;
                assert_eq!(
                    (p.status, &p.body),
                    (retry.status, &retry.body),
                    "a retried payment is the same payment"
                );
                assert_eq!(p.body["status"], "SUCCEEDED", "{p:?}");
                Some(ids(&booking.body["seatIds"]))
            })
        })
        .collect();
    let mut sold = BTreeSet::new();
    let mut orders = 0;
    for t in tasks {
        if let Some(bought) = t.await.unwrap() {
            orders += 1;
            for seat in bought {
                assert!(sold.insert(seat.clone()), "{seat} sold twice");
            }
        }
    }
    assert!(orders > 1, "several buyers got seats");
    let map = s.seat_statuses(&e).await;
    for (seat, status) in &map {
        assert_eq!(status, if sold.contains(seat) { "BOOKED" } else { "AVAILABLE" }, "{seat}");
    }
    assert_eq!(
        s.audit().await,
        (0, 0, 0),
        "no seat in two live bookings, every CONFIRMED booking paid exactly once"
    );
    let (confirmed,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings WHERE status = 'CONFIRMED'")
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!(confirmed, orders);
}
