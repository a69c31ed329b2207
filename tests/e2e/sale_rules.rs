//! The sale's rules on its side doors, tried as the attacker's probe tried them (issue "sale rules"):
//! the waitlist before the sale opens, paying for a cancelled event, a nonce used on another ticket.

use booking_tests::Stack;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_waitlist_of_an_event_not_yet_on_sale_offers_nothing() {
    let s = Stack::start().await;
    let opens = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let e = s
        .create_event(json!({ "name": "Soon", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "maxSeatsPerOrder": 2, "onSaleAt": opens,
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 4, "priceCents": 5000 }] }))
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let path = format!("/api/v1/events/{e}/waitlist");
    // Join, leave, join again, many at once: an entry, never an offer of the free seats.
    let joined = s.post(&path, &s.token("eve"), json!({ "quantity": 2 })).await;
    assert_eq!((joined.status, &joined.body["status"]), (StatusCode::CREATED, &json!("WAITING")));
    let left = s.send(reqwest::Method::DELETE, &path, Some(&s.token("eve")), None).await;
    assert_eq!(left.status, StatusCode::NO_CONTENT, "{left:?}");
    let again = futures::future::join_all(
        (0..6)
            .map(|i| (s.token(&format!("eve-{i}")), &s, &path))
            .map(|(t, s, path)| async move { s.post(path, &t, json!({ "quantity": 2 })).await }),
    )
    .await;
    for a in &again {
        assert_eq!(a.body["status"], "WAITING", "{a:?}");
    }
    let statuses = s.seat_statuses(&e).await;
    assert!(statuses.values().all(|st| st == "AVAILABLE"), "nothing held: {statuses:?}");
    // Nor is anything held by the sweep while the sale is closed.
    booking_core::app::sweep::sweep(&s.app).await.unwrap();
    let eve = s.get(&path, &s.token("eve-0")).await;
    assert_eq!(eve.body["status"], "WAITING", "{eve:?}");
}

#[tokio::test]
async fn a_cancelled_event_takes_no_payment() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let booking = s.book(&e, "pat", &["A-1-1", "A-1-2"]).await;
    let id = booking["id"].as_str().unwrap().to_string();
    let c = s.post(&format!("/api/v1/events/{e}/cancel"), &s.admin_token(), json!({})).await;
    assert_eq!(c.status, StatusCode::ACCEPTED, "{c:?}");
    // Right after the cancel, before its job has run: refused, many times at once.
    let pat = s.token("pat");
    let tries = futures::future::join_all((0..6).map(|_| {
        s.post(
            "/api/v1/payments",
            &pat,
            json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
        )
    }))
    .await;
    for a in &tries {
        a.assert_problem(409, "NOT_ON_SALE");
    }
    let payments: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE booking_id = ?")
        .bind(&id)
        .fetch_one(&s.db)
        .await
        .unwrap();
    assert_eq!(payments, 0, "nothing recorded, nothing charged");
}

/// An event of 32 seats where one person may have 4 in all, 2 at once.
async fn limited(s: &Stack) -> String {
    let e = s
        .create_event(
            json!({ "name": "Limited", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "maxSeatsPerOrder": 2, "maxTicketsPerUser": 4,
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 32, "priceCents": 5000 }] }),
        )
        .await;
    assert_eq!(e["maxTicketsPerUser"], 4);
    e["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn one_person_gets_no_more_than_max_tickets_per_user_across_orders_even_at_once() {
    let s = Stack::start().await;
    let e = limited(&s).await;
    // The probe's sequence: buy, pay, buy again. Two orders of two fit; a third does not.
    for seats in [["A-1-1", "A-1-2"], ["A-1-3", "A-1-4"]] {
        let b = s.book(&e, "max", &seats).await;
        s.pay(&b).await;
    }
    let holds = format!("/api/v1/events/{e}/holds");
    let max = s.token("max");
    let third = s.post(&holds, &max, json!({ "seatIds": ["A-1-5"] })).await;
    third.assert_problem(422, "USER_LIMIT_EXCEEDED");
    assert_eq!(third.body["maxTicketsPerUser"], 4);
    s.post(&holds, &max, json!({ "quantity": 1 })).await.assert_problem(422, "USER_LIMIT_EXCEEDED");
    s.post("/api/v1/bookings", &max, json!({ "eventId": e, "seatIds": ["A-1-6"] }))
        .await
        .assert_problem(422, "USER_LIMIT_EXCEEDED");
    // Another person, many single-seat holds at once: exactly two at once stand, and after paying
    // those, exactly two more; never more than four in all.
    let ned = s.token("ned");
    let mut tickets = 0;
    for round in 0..3 {
        // A fresh second of the per-user write limit (RATE_LIMIT_WRITES_PER_SECOND) each round.
        tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
        let tries = futures::future::join_all((0..8).map(|i| {
            let seat = format!("A-1-{}", 7 + round * 8 + i);
            s.post(&holds, &ned, json!({ "seatIds": [seat] }))
        }))
        .await;
        let held: Vec<_> = tries.iter().filter(|a| a.status == StatusCode::CREATED).collect();
        for a in tries.iter().filter(|a| a.status != StatusCode::CREATED) {
            assert!(
                a.body["code"] == "SEAT_LIMIT_EXCEEDED"
                    || a.body["code"] == "USER_LIMIT_EXCEEDED"
                    || a.body["code"] == "SEATS_UNAVAILABLE",
                "{a:?}"
            );
        }
        for h in &held {
            let b = s.post("/api/v1/bookings", &ned, json!({ "holdId": h.body["id"] })).await;
            assert_eq!(b.status, StatusCode::CREATED, "{b:?}");
            s.pay(&b.body).await;
            tickets += 1;
        }
        assert!(held.len() <= 2, "round {round}: {} holds at once", held.len());
    }
    assert_eq!(tickets, 4, "four in all, no more");
    let live: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE event_id = ? AND holder_user_id = 'ned' AND live = 1",
    )
    .bind(&e)
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!(live, 4);
}

#[tokio::test]
async fn a_transfer_to_someone_at_the_limit_is_refused_and_the_count_survives_a_redis_loss() {
    let s = Stack::start().await;
    let e = limited(&s).await;
    for seats in [["A-1-1", "A-1-2"], ["A-1-3", "A-1-4"]] {
        let b = s.book(&e, "kim", &seats).await;
        s.pay(&b).await;
    }
    let gift = s.book(&e, "lou", &["A-1-5"]).await;
    s.pay(&gift).await;
    let list = s
        .get(&format!("/api/v1/bookings/{}/tickets", gift["id"].as_str().unwrap()), &s.token("lou"))
        .await;
    let ticket = list.body["items"][0]["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/tickets/{ticket}/transfer");
    s.post(&path, &s.token("lou"), json!({ "toUserId": "kim" }))
        .await
        .assert_problem(409, "USER_LIMIT_EXCEEDED");
    let still = s
        .get(&format!("/api/v1/bookings/{}/tickets", gift["id"].as_str().unwrap()), &s.token("lou"))
        .await;
    assert_eq!(still.body["items"][0]["status"], "VALID", "the ticket did not move: {still:?}");
    // Redis loses the event; the count is rebuilt from MySQL with the seat locks, holders included.
    s.forget_in_redis(&e).await;
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("kim"), json!({ "seatIds": ["A-1-9"] }))
        .await
        .assert_problem(422, "USER_LIMIT_EXCEEDED");
    s.post(&path, &s.token("lou"), json!({ "toUserId": "kim" }))
        .await
        .assert_problem(409, "USER_LIMIT_EXCEEDED");
    let given = s.post(&path, &s.token("lou"), json!({ "toUserId": "mo" })).await;
    assert_eq!(given.status, StatusCode::OK, "{given:?}");
    // Lou gave hers away: she has room for four again; Mo has one of four.
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("mo"),
            json!({ "seatIds": ["A-1-10", "A-1-11"] }),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
}

#[tokio::test]
async fn pages_carry_their_security_headers_and_personal_answers_are_never_cached() {
    let s = Stack::start().await;
    let http = reqwest::Client::new();
    let storefront =
        ["/", "/events/0190a7e0-0000-7000-8000-000000000000", "/me", "/door", "/app/main.js"];
    for path in storefront.into_iter().chain(["/docs"]) {
        let res = http.get(format!("{}{path}", s.base)).send().await.unwrap();
        let h = res.headers();
        let csp = h["content-security-policy"].to_str().unwrap();
        assert!(
            csp.contains("frame-ancestors 'none'") && csp.contains("default-src 'none'"),
            "{path}: {csp}"
        );
        assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src *"), "{path}: {csp}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        let referrer =
            if path == "/docs" { "no-referrer" } else { "strict-origin-when-cross-origin" };
        assert_eq!(h["referrer-policy"], referrer, "{path}");
        if path != "/docs" {
            assert!(
                h["strict-transport-security"].to_str().unwrap().contains("max-age="),
                "{path}"
            );
            assert!(!csp.contains("script-src 'self' 'unsafe-inline'"), "{path}: {csp}");
        }
        let body = res.text().await.unwrap();
        assert!(
            !body.contains("unpkg.com") && !body.contains("cdn"),
            "{path} loads nothing from a CDN"
        );
        assert!(!body.contains("params.get(\"token\")"), "{path} takes no token from the address");
    }
    let js = http.get(format!("{}/docs/swagger-ui-bundle.js", s.base)).send().await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);

    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "zed", &["A-1-1"]).await;
    let id = b["id"].as_str().unwrap();
    for path in [
        format!("/api/v1/bookings/{id}"),
        "/api/v1/bookings/users/zed".to_string(),
        "/api/v1/users/zed/tickets".to_string(),
    ] {
        let res =
            http.get(format!("{}{path}", s.base)).bearer_auth(s.token("zed")).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{path}");
    }
    // The spec bounds If-None-Match at 256 characters.
    let long = format!("\"{}\"", "x".repeat(300));
    let res = http
        .get(format!("{}/api/v1/events/{e}/seats?view=status", s.base))
        .bearer_auth(s.token("zed"))
        .header("if-none-match", long)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_waitlist_of_a_queued_sale_is_refused_without_a_queue_entry() {
    let s = Stack::start().await;
    let e = s
        .create_event(
            json!({ "name": "Queued", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "waitingRoom": { "admissionTtlSeconds": 300 },
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 4, "priceCents": 5000 }] }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    s.post(&format!("/api/v1/events/{e}/waitlist"), &s.token("quin"), json!({ "quantity": 1 }))
        .await
        .assert_problem(403, "FORBIDDEN");
}
