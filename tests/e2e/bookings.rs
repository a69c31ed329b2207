//! Bookings and payments over HTTP: two-layer locking, the status machine, owners only.

use booking_tests::{ids, Stack};
use redis::AsyncCommands;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn hold_book_and_pay_confirms_the_booking_and_books_the_seats() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 6, 4).await;
    let alice = s.token("alice");
    let b = s.book(&e, "alice", &["A-1-1", "A-1-2"]).await;
    assert_eq!(
        (b["status"].as_str(), b["totalCents"].as_i64(), b["currency"].as_str()),
        (Some("PENDING"), Some(10_000), Some("USD"))
    );
    assert_eq!(ids(&b["seatIds"]), ["A-1-1", "A-1-2"]);
    let id = b["id"].as_str().unwrap();
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "HELD", "a pending booking holds its seats");
    // The hold became the booking: it is gone.
    let p = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
    assert_eq!(
        (p.body["status"].as_str(), p.body["amountCents"].as_i64()),
        (Some("SUCCEEDED"), Some(10_000))
    );
    let got = s.get(&format!("/api/v1/bookings/{id}"), &alice).await;
    assert_eq!(got.body["status"], "CONFIRMED");
    let map = s.seat_statuses(&e).await;
    assert_eq!(
        (map["A-1-1"].as_str(), map["A-1-2"].as_str(), map["A-1-3"].as_str()),
        ("BOOKED", "BOOKED", "AVAILABLE")
    );
    let (rows,): (String,) = sqlx::query_as("SELECT GROUP_CONCAT(CONCAT(seat_id, ':', status, ':', version) ORDER BY seat_id) FROM seats WHERE event_id = ? AND status <> 'AVAILABLE'")
        .bind(&e).fetch_one(&s.db).await.unwrap();
    assert_eq!(rows, "A-1-1:BOOKED:2,A-1-2:BOOKED:2", "each seat row was checked and bumped twice");
    // Confirming again with the payment is a no-op; without a good payment it is 402.
    let again = s
        .put(
            &format!("/api/v1/bookings/{id}/confirm"),
            &alice,
            Some(json!({ "paymentId": p.body["id"] })),
        )
        .await;
    assert_eq!((again.status, again.body["status"].as_str()), (StatusCode::OK, Some("CONFIRMED")));
    s.put(
        &format!("/api/v1/bookings/{id}/confirm"),
        &alice,
        Some(json!({ "paymentId": uuid::Uuid::now_v7() })),
    )
    .await
    .assert_problem(402, "PAYMENT_REQUIRED");
    s.put(&format!("/api/v1/bookings/{id}/confirm"), &alice, Some(json!({})))
        .await
        .assert_problem(402, "PAYMENT_REQUIRED");
    // Another user cannot hold or book them.
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("bob"), json!({ "seatIds": ["A-1-2"] }))
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn booking_seats_directly_holds_and_books_in_one_call() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 5, 4).await;
    let b = s
        .post(
            "/api/v1/bookings",
            &s.token("alice"),
            json!({ "eventId": e, "seatIds": ["A-1-3", "A-1-4"] }),
        )
        .await;
    assert_eq!(
        (b.status, b.body["status"].as_str()),
        (StatusCode::CREATED, Some("PENDING")),
        "{b:?}"
    );
    let c = s
        .post(
            "/api/v1/bookings",
            &s.token("bob"),
            json!({ "eventId": e, "seatIds": ["A-1-4", "A-1-5"] }),
        )
        .await;
    c.assert_problem(409, "SEATS_UNAVAILABLE");
    assert_eq!(ids(&c.body["seatIds"]), ["A-1-4"]);
    s.post("/api/v1/bookings", &s.token("bob"), json!({ "eventId": e }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    s.post("/api/v1/bookings", &s.token("bob"), json!({ "holdId": uuid::Uuid::now_v7() }))
        .await
        .assert_problem(404, "HOLD_NOT_FOUND");
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings").fetch_one(&s.db).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn a_declined_card_keeps_the_booking_pending_and_the_user_may_pay_again() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 5, 4).await;
    let alice = s.token("alice");
    let b = s.book(&e, "alice", &["A-1-1"]).await;
    let id = b["id"].as_str().unwrap();
    let declined = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": id, "paymentMethod": "pm_card_chargeCustomerFail" }),
        )
        .await;
    declined.assert_problem(402, "PAYMENT_DECLINED");
    let pid = declined.body["paymentId"].as_str().unwrap();
    let p = s.get(&format!("/api/v1/payments/{pid}"), &alice).await;
    assert_eq!(
        (p.body["status"].as_str(), p.body["failureReason"].as_str()),
        (Some("FAILED"), Some("card_declined"))
    );
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "PENDING");
    s.put(&format!("/api/v1/bookings/{id}/confirm"), &alice, Some(json!({ "paymentId": pid })))
        .await
        .assert_problem(402, "PAYMENT_REQUIRED");
    let ok = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(ok.body["status"], "SUCCEEDED", "{ok:?}");
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "CONFIRMED");
    // A confirmed booking takes no more payments.
    s.post("/api/v1/payments", &alice, json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }))
        .await
        .assert_problem(409, "BOOKING_STATE_CONFLICT");
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn cancelling_a_paid_booking_refunds_it_and_frees_the_seats() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 5, 4).await;
    let alice = s.token("alice");
    let b = s.book(&e, "alice", &["A-1-1", "A-1-2"]).await;
    let id = b["id"].as_str().unwrap();
    let p = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
        )
        .await;
    let c = s.put(&format!("/api/v1/bookings/{id}/cancel"), &alice, None).await;
    assert_eq!((c.status, c.body["status"].as_str()), (StatusCode::OK, Some("CANCELLED")), "{c:?}");
    assert_eq!(
        s.get(&format!("/api/v1/payments/{}", p.body["id"].as_str().unwrap()), &alice).await.body
            ["status"],
        "REFUNDED"
    );
    assert!(s.seat_statuses(&e).await.values().all(|st| st == "AVAILABLE"));
    let twice = s.put(&format!("/api/v1/bookings/{id}/cancel"), &alice, None).await;
    assert_eq!((twice.status, twice.body["status"].as_str()), (StatusCode::OK, Some("CANCELLED")));
    s.put(
        &format!("/api/v1/bookings/{id}/confirm"),
        &alice,
        Some(json!({ "paymentId": p.body["id"] })),
    )
    .await
    .assert_problem(409, "BOOKING_STATE_CONFLICT");
    // The seats sell again.
    let again = s.book(&e, "bob", &["A-1-1", "A-1-2"]).await;
    assert_eq!(again["status"], "PENDING");
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn bookings_are_their_owners_and_admins_to_see() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 5, 4).await;
    let b = s.book(&e, "alice", &["A-1-1"]).await;
    let id = b["id"].as_str().unwrap();
    let mallory = s.token("mallory");
    s.get(&format!("/api/v1/bookings/{id}"), &mallory)
        .await
        .assert_problem(404, "BOOKING_NOT_FOUND");
    s.put(&format!("/api/v1/bookings/{id}/cancel"), &mallory, None)
        .await
        .assert_problem(404, "BOOKING_NOT_FOUND");
    s.post(
        "/api/v1/payments",
        &mallory,
        json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
    )
    .await
    .assert_problem(404, "BOOKING_NOT_FOUND");
    s.get("/api/v1/bookings/users/alice", &mallory).await.assert_problem(403, "FORBIDDEN");
    assert_eq!(
        s.get(&format!("/api/v1/bookings/{id}"), &s.admin_token()).await.status,
        StatusCode::OK
    );
    let listed = s.get("/api/v1/bookings/users/alice", &s.admin_token()).await;
    assert_eq!(listed.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        s.get(&format!("/api/v1/bookings/{id}"), &s.token("alice")).await.body["status"],
        "PENDING",
        "nothing changed"
    );
}

#[tokio::test]
async fn a_users_bookings_are_listed_newest_first_a_page_at_a_time() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 10, 10).await;
    let mut made = Vec::new();
    for n in 1..=5 {
        made.push(
            s.book(&e, "alice", &[&format!("A-1-{n}")]).await["id"].as_str().unwrap().to_string(),
        );
    }
    let alice = s.token("alice");
    let id = &made[0].clone();
    s.put(&format!("/api/v1/bookings/{id}/cancel"), &alice, None).await;
    let p1 = s.get("/api/v1/bookings/users/alice?limit=3", &alice).await;
    let cursor = p1.body["nextCursor"].as_str().unwrap().to_string();
    let p2 = s.get(&format!("/api/v1/bookings/users/alice?limit=3&cursor={cursor}"), &alice).await;
    let seen: Vec<String> = [&p1, &p2]
        .iter()
        .flat_map(|p| {
            ids(&json!(p.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|b| b["id"].clone())
                .collect::<Vec<_>>()))
        })
        .collect();
    made.reverse();
    assert_eq!(seen, made);
    assert!(p2.body["nextCursor"].is_null());
    let cancelled = s.get("/api/v1/bookings/users/alice?status=CANCELLED", &alice).await;
    assert_eq!(
        ids(&json!(cancelled.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b["id"].clone())
            .collect::<Vec<_>>())),
        [id.as_str()]
    );
    s.get("/api/v1/bookings/users/alice?status=LOST", &alice)
        .await
        .assert_problem(400, "INVALID_QUERY");
}

#[tokio::test]
async fn mysql_refuses_a_seat_that_redis_lost_the_lock_of() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let first = s.book(&e, "alice", &["A-1-1"]).await;
    // Redis loses the lock of a pending booking's seat (failover, eviction): the fast gate lets a
    // second buyer hold it, and the versioned row in MySQL stops the double booking.
    let mut redis = s.redis().await;
    let _: () = redis.del(format!("{}hold:{{{e}}}:A-1-1", s.redis_prefix)).await.unwrap();
    let bob = s.token("bob");
    let h = s
        .post(&format!("/api/v1/events/{e}/holds"), &bob, json!({ "seatIds": ["A-1-1", "A-1-2"] }))
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "Redis alone no longer knows: {h:?}");
    let b = s.post("/api/v1/bookings", &bob, json!({ "holdId": h.body["id"] })).await;
    b.assert_problem(409, "SEATS_UNAVAILABLE");
    assert_eq!(ids(&b.body["seatIds"]), ["A-1-1"]);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings").fetch_one(&s.db).await.unwrap();
    assert_eq!(n, 1, "no second booking, not even half of one");
    assert_eq!(
        s.get(&format!("/api/v1/bookings/{}", first["id"].as_str().unwrap()), &s.token("alice"))
            .await
            .body["status"],
        "PENDING"
    );
    assert_eq!(s.audit().await, (0, 0, 0));
    assert_eq!(s.seat_statuses(&e).await["A-1-2"], "AVAILABLE", "the refused claim was undone");
}
