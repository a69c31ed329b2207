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
