//! The sales report agrees with what was sold, refunded and used, and with an independent query.

use booking_tests::Stack;
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_report_counts_what_mysql_holds_by_category() {
    let s = Stack::start().await;
    let ev = s
        .create_event(json!({ "name": "Report night", "venue": "V", "startsAt": "2027-01-01T20:00:00Z",
            "sections": [{ "name": "V", "rows": 1, "seatsPerRow": 4, "priceCents": 10000, "category": "vip" },
                         { "name": "G", "rows": 2, "seatsPerRow": 5, "priceCents": 2500 }] }))
        .await;
    let e = ev["id"].as_str().unwrap();
    // Confirmed: 2 VIP (200.00) + 3 standard (75.00); pending: 1 standard; cancelled after payment
    // (refunded 50.00): 2 standard.
    s.pay(&s.book(e, "ann", &["V-1-1", "V-1-2"]).await).await;
    s.pay(&s.book(e, "bob", &["G-1-1", "G-1-2", "G-1-3"]).await).await;
    s.book(e, "cid", &["G-2-1"]).await;
    let refunded = s.book(e, "dee", &["G-2-2", "G-2-3"]).await;
    s.pay(&refunded).await;
    let c = s
        .put(
            &format!("/api/v1/bookings/{}/cancel", refunded["id"].as_str().unwrap()),
            &s.token("dee"),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK);
    // One ticket in the venue.
    let tickets = s.get("/api/v1/users/ann/tickets", &s.token("ann")).await;
    let door = local_gateway::auth::mint_staff(booking_tests::SECRET, "door", 600);
    let scan = s
        .post(
            "/api/v1/checkins",
            &door,
            json!({ "eventId": e, "code": tickets.body["items"][0]["code"], "gate": "a" }),
        )
        .await;
    assert_eq!(scan.status, StatusCode::OK, "{scan:?}");

    s.get(&format!("/api/v1/events/{e}/report"), &s.token("ann"))
        .await
        .assert_problem(403, "FORBIDDEN");
    let r = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    assert_eq!(r.status, StatusCode::OK, "{r:?}");
    assert_eq!(
        r.body,
        json!({ "eventId": e,
            "seats": { "available": 8, "held": 1, "booked": 5, "blocked": 0 },
            "bookings": { "pending": 1, "confirmed": 2, "cancelled": 1, "expired": 0 },
            "revenueCents": 27500, "faceCents": 27500, "feesCents": 0, "taxCents": 0,
            "refundedCents": 5000, "disputes": 0, "disputedCents": 0,
            "categories": [{ "category": "standard", "booked": 3, "revenueCents": 7500 },
                           { "category": "vip", "booked": 2, "revenueCents": 20000 }],
            "tiers": [{ "section": "G", "priceCents": 2500, "booked": 3, "faceCents": 7500 },
                      { "section": "V", "priceCents": 10000, "booked": 2, "faceCents": 20000 }],
            "discountCents": 0, "codes": [],
            "channels": { "public": { "orders": 2, "revenueCents": 27500 },
                          "presale": { "orders": 0, "revenueCents": 0 } },
            "checkedIn": 1 })
    );
    // An independent query of the same tables agrees on the money.
    let (revenue, refunds): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT CAST(COALESCE(SUM(total_cents), 0) AS SIGNED) FROM bookings WHERE status = 'CONFIRMED'), \
                (SELECT CAST(COALESCE(SUM(amount_cents), 0) AS SIGNED) FROM payments WHERE status = 'REFUNDED')",
    )
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!(
        (r.body["revenueCents"].as_i64(), r.body["refundedCents"].as_i64()),
        (Some(revenue), Some(refunds))
    );
}
