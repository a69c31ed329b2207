//! General admission and the waitlist through the gateway: a standing area never sells past its
//! capacity under a race (nor across a Redis restart), and freed seats go to the oldest waiting
//! buyer they fit, lapse to the next, and go back on sale when nobody waits.

use std::collections::BTreeSet;
use std::time::Duration;

use booking_tests::{ids, Stack, WsClient};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

const CAPACITY: usize = 20;

/// One wave of `n` buyers each holding 1-3 places of FLOOR at once and booking what they got;
/// returns the places booked.
async fn wave(s: &Stack, e: &str, from: usize, n: usize) -> Vec<String> {
    futures::stream::iter(from..from + n)
        .map(|i| async move {
            let t = s.token(&format!("fan{i}"));
            let h = s
                .post(
                    &format!("/api/v1/events/{e}/holds"),
                    &t,
                    json!({ "quantity": i % 3 + 1, "section": "FLOOR" }),
                )
                .await;
            if h.status != StatusCode::CREATED {
                assert_eq!(h.status, StatusCode::CONFLICT, "{h:?}");
                return Vec::new();
            }
            let places = ids(&h.body["seatIds"]);
            assert!(
                places.iter().all(|p| p.starts_with("FLOOR-") && p.matches('-').count() == 1),
                "{places:?}"
            );
            let b = s.post("/api/v1/bookings", &t, json!({ "holdId": h.body["id"] })).await;
            if b.status == StatusCode::CREATED {
                places
            } else {
                Vec::new()
            }
        })
        .buffer_unordered(64)
        .concat()
        .await
}

#[tokio::test]
async fn a_standing_area_never_sells_past_its_capacity_even_across_a_redis_restart() {
    let s = Stack::start().await;
    let ev = s
        .create_event(json!({ "name": "Club night", "venue": "Basement", "startsAt": "2027-01-01T22:00:00Z",
            "maxSeatsPerOrder": 4,
            "sections": [{ "name": "FLOOR", "capacity": CAPACITY, "priceCents": 2000, "category": "standing" },
                         { "name": "BAL", "rows": 1, "seatsPerRow": 4, "priceCents": 4000 }] }))
        .await;
    assert_eq!(
        (&ev["seatCount"], &ev["sections"][0]["capacity"]),
        (&json!(CAPACITY + 4), &json!(CAPACITY)),
        "{ev}"
    );
    assert!(ev["sections"][0].get("rows").is_none(), "{ev}");
    let e = ev["id"].as_str().unwrap().to_string();
    // Rows and a capacity together, or neither, is not a section.
    let bad = s
        .post("/api/v1/events", &s.admin_token(), json!({ "name": "x", "venue": "y", "startsAt": "2027-01-01T22:00:00Z",
            "sections": [{ "name": "F", "capacity": 10, "rows": 1, "seatsPerRow": 1, "priceCents": 1 }] }))
        .await;
    bad.assert_problem(422, "VALIDATION_FAILED");

    let map = s.get(&format!("/api/v1/events/{e}/seats"), &s.token("r")).await;
    assert_eq!(map.body["seats"].as_array().unwrap().len(), 4, "places are not listed one by one");
    assert_eq!(map.body["generalAdmission"][0]["available"], CAPACITY, "{map:?}");

    // Two waves of 150 buyers racing for 20 places, Redis losing the event between them.
    let mut sold = wave(&s, &e, 0, 150).await;
    s.forget_in_redis(&e).await;
    sold.extend(wave(&s, &e, 150, 150).await);

    let distinct: BTreeSet<&String> = sold.iter().collect();
    assert_eq!(distinct.len(), sold.len(), "a place booked twice: {sold:?}");
    assert!(sold.len() <= CAPACITY, "{} places sold of {CAPACITY}", sold.len());
    assert!(sold.len() >= CAPACITY - 3, "the area sells out ({} of {CAPACITY})", sold.len());
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id \
         WHERE bs.event_id = ? AND bs.seat_id LIKE 'FLOOR-%' AND b.status IN ('PENDING', 'CONFIRMED') AND bs.released_at IS NULL",
    )
    .bind(&e)
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!(live as usize, sold.len());
    assert_eq!(s.audit().await, (0, 0, 0));
    let map = s.get(&format!("/api/v1/events/{e}/seats"), &s.token("r")).await;
    let area = &map.body["generalAdmission"][0];
    assert_eq!(
        area["held"].as_u64().unwrap()
            + area["booked"].as_u64().unwrap()
            + area["available"].as_u64().unwrap(),
        CAPACITY as u64
    );
    assert_eq!(area["available"].as_u64().unwrap() as usize, CAPACITY - sold.len(), "{map:?}");

    // A GA place pays and gets its ticket like a seat; the report counts places as seats.
    let fan = sqlx::query_as::<_, (String, String)>(
        "SELECT b.id, b.user_id FROM bookings b JOIN booking_seats bs ON bs.booking_id = b.id \
         WHERE b.event_id = ? AND b.status = 'PENDING' AND bs.seat_id LIKE 'FLOOR-%' LIMIT 1",
    )
    .bind(&e)
    .fetch_one(&s.db)
    .await
    .unwrap();
    let p = s
        .post(
            "/api/v1/payments",
            &s.token(&fan.1),
            json!({ "bookingId": fan.0, "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
    let t = s.get(&format!("/api/v1/bookings/{}/tickets", fan.0), &s.token(&fan.1)).await;
    let tickets = t.body["items"].as_array().unwrap();
    assert!(
        !tickets.is_empty()
            && tickets.iter().all(|t| t["seatId"].as_str().unwrap().starts_with("FLOOR-")),
        "{t:?}"
    );
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    let seats = &report.body["seats"];
    let total: u64 = ["available", "held", "booked", "blocked"]
        .iter()
        .map(|k| seats[*k].as_u64().unwrap())
        .sum();
    assert_eq!(total as usize, CAPACITY + 4, "{report:?}");
    assert_eq!(seats["booked"].as_u64().unwrap() as usize, tickets.len(), "{report:?}");
}

async fn entry(s: &Stack, e: &str, user: &str) -> Value {
    let a = s.get(&format!("/api/v1/events/{e}/waitlist"), &s.token(user)).await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    a.body
}

#[tokio::test]
async fn freed_seats_go_to_the_oldest_waiting_buyer_then_the_next_then_back_on_sale() {
    let s = Stack::start().await;
    let e = s
        .create_event(
            json!({ "name": "Sold out", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "maxSeatsPerOrder": 2, "holdTtlSeconds": 60,
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 2, "priceCents": 5000 }] }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ann = s.book(&e, "ann", &["A-1-1"]).await;
    s.pay(&ann).await;
    let bob = s.book(&e, "bob", &["A-1-2"]).await;

    let path = format!("/api/v1/events/{e}/waitlist");
    s.get(&path, &s.token("cid")).await.assert_problem(404, "WAITLIST_ENTRY_NOT_FOUND");
    s.post(&path, &s.token("cid"), json!({ "quantity": 0 }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    s.post(&path, &s.token("cid"), json!({ "quantity": 3 }))
        .await
        .assert_problem(422, "SEAT_LIMIT_EXCEEDED");
    s.post(&path, &s.token("cid"), json!({ "quantity": 1, "section": "Z" }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let joined = s.post(&path, &s.token("cid"), json!({ "quantity": 1 })).await;
    assert_eq!(joined.status, StatusCode::CREATED, "{joined:?}");
    assert_eq!((&joined.body["status"], &joined.body["offer"]), (&json!("WAITING"), &Value::Null));
    assert_eq!(
        s.post(&path, &s.token("cid"), json!({ "quantity": 1 })).await.status,
        StatusCode::OK
    );
    for user in ["dee", "fay"] {
        assert_eq!(
            s.post(&path, &s.token(user), json!({ "quantity": 1 })).await.status,
            StatusCode::CREATED
        );
    }
    let mut cid_ws = WsClient::connect(&s.ws_url("cid", Some(&e))).await.expect("connected");

    // Bob cancels: his seat goes to cid, the oldest, held in cid's name.
    let c = s
        .put(
            &format!("/api/v1/bookings/{}/cancel", bob["id"].as_str().unwrap()),
            &s.token("bob"),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let cid = entry(&s, &e, "cid").await;
    assert_eq!(
        (&cid["status"], &cid["offer"]["seatIds"]),
        (&json!("OFFERED"), &json!(["A-1-2"])),
        "{cid}"
    );
    assert_eq!(entry(&s, &e, "dee").await["status"], "WAITING");
    let pushed = cid_ws.next(Duration::from_secs(5)).await.expect("a push");
    assert_eq!(
        (&pushed["type"], &pushed["holdId"]),
        (&json!("waitlist.offered"), &cid["offer"]["holdId"]),
        "{pushed}"
    );
    assert_eq!(s.seat_statuses(&e).await["A-1-2"], "HELD");
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("eve"), json!({ "seatIds": ["A-1-2"] }))
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");
    // Cid books the offer like any hold: accepted.
    let b = s
        .post("/api/v1/bookings", &s.token("cid"), json!({ "holdId": cid["offer"]["holdId"] }))
        .await;
    assert_eq!(b.status, StatusCode::CREATED, "{b:?}");
    assert_eq!(entry(&s, &e, "cid").await["status"], "ACCEPTED");
    s.pay(&b.body).await;

    // Ann cancels (refunded): her seat goes to dee, who lets it lapse; then to fay.
    let c = s
        .put(
            &format!("/api/v1/bookings/{}/cancel", ann["id"].as_str().unwrap()),
            &s.token("ann"),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    let dee = entry(&s, &e, "dee").await;
    assert_eq!(
        (&dee["status"], &dee["offer"]["seatIds"]),
        (&json!("OFFERED"), &json!(["A-1-1"])),
        "{dee}"
    );
    s.clock.shift(chrono::Duration::seconds(61));
    let swept = booking_core::app::sweep::sweep(&s.app).await.unwrap();
    assert_eq!(swept.offers, 1, "{swept:?}");
    assert_eq!(entry(&s, &e, "dee").await["status"], "EXPIRED");
    let fay = entry(&s, &e, "fay").await;
    assert_eq!(
        (&fay["status"], &fay["offer"]["seatIds"]),
        (&json!("OFFERED"), &json!(["A-1-1"])),
        "{fay}"
    );
    // Dee's hold is gone: booking it is too late.
    let late = s
        .post("/api/v1/bookings", &s.token("dee"), json!({ "holdId": dee["offer"]["holdId"] }))
        .await;
    assert!(late.status == StatusCode::GONE || late.status == StatusCode::NOT_FOUND, "{late:?}");

    // Fay leaves: nobody waits, so the seat is back on sale.
    let left = s.send(Method::DELETE, &path, Some(&s.token("fay")), None).await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{left:?}");
    assert_eq!(entry(&s, &e, "fay").await["status"], "LEFT");
    s.send(Method::DELETE, &path, Some(&s.token("fay")), None)
        .await
        .assert_problem(404, "WAITLIST_ENTRY_NOT_FOUND");
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "AVAILABLE");
    // Fay may come back, at the end of the line.
    assert_eq!(
        s.post(&path, &s.token("fay"), json!({ "quantity": 1 })).await.status,
        StatusCode::CREATED
    );
    let fay = entry(&s, &e, "fay").await;
    assert_eq!(fay["status"], "OFFERED", "the free seat is offered at once: {fay}");

    // Everyone offered was told, through the outbox (email/SMS by the notifications consumer).
    let offers: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history WHERE msg_key = ? AND payload LIKE '%\"type\":\"WaitlistOffered\"%'")
        .bind(&e)
        .fetch_one(&s.db)
        .await
        .unwrap();
    assert_eq!(offers, 4);
    assert_eq!(s.audit().await, (0, 0, 0));
}
