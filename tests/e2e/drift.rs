//! Drift repaired: a process that dies between MySQL's commit and the Redis step leaves the seat
//! locks behind; the sweep's repair puts them back in line with MySQL. Each round leaves what a
//! kill at one point of a payment's settlement, a cancel or a partial cancel leaves (the MySQL half
//! committed through the stores the functions use, the Redis half not run), or of a booking (its
//! Redis claim made, its MySQL transaction never run: nothing to repair, the claim lapses at its
//! payment deadline), or completes a booking whole; the repair then runs at a random moment, after
//! one or several such deaths.

use std::collections::BTreeSet;

use booking_core::domain::cancel::Canceller;
use booking_core::domain::BookingStatus;
use booking_core::ports::HoldLookup;
use booking_tests::Stack;
use rand::{Rng, SeedableRng};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// The seats MySQL and the seat map (Redis) each have BOOKED.
async fn booked(s: &Stack, e: &str) -> (BTreeSet<String>, BTreeSet<String>) {
    let mysql: Vec<String> =
        sqlx::query_scalar("SELECT seat_id FROM seats WHERE event_id = ? AND status = 'BOOKED'")
            .bind(e)
            .fetch_all(&s.db)
            .await
            .unwrap();
    let redis = s.seat_statuses(e).await.into_iter().filter(|(_, st)| st == "BOOKED");
    (mysql.into_iter().collect(), redis.map(|(seat, _)| seat).collect())
}

fn id(b: &Value) -> uuid::Uuid {
    b["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn the_sweep_puts_redis_back_in_line_with_mysql_after_deaths_between_the_stores() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 40, 4).await;
    let event: uuid::Uuid = e.parse().unwrap();
    let seed: u64 = rand::random();
    eprintln!("drift seed {seed}");
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (mut next, mut owed) = (1, 0);
    let mut orphaned: Vec<String> = Vec::new();
    for round in 0..12 {
        let n = rng.gen_range(1..=3);
        let seats: Vec<String> = (next..next + n).map(|k| format!("A-1-{k}")).collect();
        next += n;
        let refs: Vec<&str> = seats.iter().map(String::as_str).collect();
        let buyer = format!("buyer-{round}");
        let now = s.app.now();
        match rng.gen_range(0..5) {
            // A payment settled; its book.lua never ran, and the pending locks lapsed since.
            0 => {
                let b = s.book(&e, &buyer, &refs).await;
                s.pay(&b).await;
                let b = s.app.bookings.get(id(&b)).await.unwrap().unwrap();
                assert_eq!(b.status, BookingStatus::Confirmed);
                s.app.holds.free_booking(&b, now).await.unwrap();
                owed += n;
            }
            // A cancel of a paid booking committed; its release.lua never ran.
            1 => {
                let b = s.book(&e, &buyer, &refs).await;
                s.pay(&b).await;
                s.app.bookings.cancel(id(&b), None, Canceller::Buyer, now, &buyer).await.unwrap();
                owed += n;
            }
            // A partial cancel of one seat committed; its release.lua never ran.
            2 if n > 1 => {
                let b = s.book(&e, &buyer, &refs).await;
                s.pay(&b).await;
                let one = [seats[0].clone()];
                let c = s.app.bookings.cancel(id(&b), Some(&one), Canceller::Buyer, now, &buyer);
                c.await.unwrap();
                owed += 1;
            }
            // A booking whose claim moved the hold's locks to it, and whose MySQL transaction never
            // ran: Redis alone has the seats, pending until the payment deadline; not the repair's.
            3 => {
                let t = s.token(&buyer);
                let h = s
                    .post(&format!("/api/v1/events/{e}/holds"), &t, json!({ "seatIds": refs }))
                    .await;
                assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
                let HoldLookup::Live(hold) = s.app.holds.get(id(&h.body)).await.unwrap() else {
                    panic!("the hold just made is live")
                };
                let deadline = now + chrono::Duration::seconds(600);
                assert!(s.app.holds.claim(&hold, uuid::Uuid::now_v7(), deadline).await.unwrap());
                orphaned.extend(seats.iter().cloned());
            }
            // Whole, through the API: nothing to repair.
            _ => {
                let b = s.book(&e, &buyer, &refs).await;
                s.pay(&b).await;
            }
        }
        // The sweep comes now and then, after one or several deaths.
        if rng.gen_bool(0.4) || round == 11 {
            let repaired = booking_core::app::drift::repair(&s.app, event).await.unwrap();
            assert_eq!(repaired, owed, "round {round} (seed {seed})");
            owed = 0;
            let (mysql, redis) = booked(&s, &e).await;
            assert_eq!(mysql, redis, "round {round} (seed {seed})");
            assert_eq!(booking_core::app::drift::repair(&s.app, event).await.unwrap(), 0);
        }
    }
    // Every seat MySQL has free can be held again (but those a claim still has: below).
    let (mysql, _) = booked(&s, &e).await;
    let free: Vec<String> =
        (1..next).map(|k| format!("A-1-{k}")).filter(|seat| !mysql.contains(seat)).collect();
    let free: Vec<String> = free.into_iter().filter(|seat| !orphaned.contains(seat)).collect();
    for seat in free.iter().take(4) {
        let h = s
            .post(
                &format!("/api/v1/events/{e}/holds"),
                &s.token("after"),
                json!({ "seatIds": [seat] }),
            )
            .await;
        assert_eq!(h.status, StatusCode::CREATED, "{seat}: {h:?} (seed {seed})");
    }
    // A claim no booking followed lapses at its deadline: its seats are on sale again.
    s.clock.shift(chrono::Duration::seconds(601));
    for (k, seat) in orphaned.iter().enumerate() {
        let h = s
            .post(
                &format!("/api/v1/events/{e}/holds"),
                &s.token(&format!("late-{k}")),
                json!({ "seatIds": [seat] }),
            )
            .await;
        assert_eq!(h.status, StatusCode::CREATED, "{seat}: {h:?} (seed {seed})");
    }
    assert_eq!(s.audit().await.0, 0, "no seat in two live bookings");
}
