//! Fees and tax through the gateway and Stripe: every price shown is all in, the hold quotes what
//! the booking costs, Stripe is asked for exactly that, a partial cancel gives back exactly its
//! seats' lines, and the report splits face, fees and tax.

use booking_tests::Stack;
use serde_json::json;

use crate::stripe::{at_stripe, intents_of};

/// An event of one section at 50.00 a seat, 2.50 a ticket and 1.99 an order in fees, 20 % tax
/// added on top (as US sales tax is).
async fn taxed(s: &Stack) -> String {
    let e = s
        .create_event(json!({
            "name": "Taxed night", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "fees": { "perTicketCents": 250, "perOrderCents": 199 },
            "taxRateBps": 2000, "pricesIncludeTax": false,
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 4, "priceCents": 5000 },
                         { "name": "FLOOR", "capacity": 10, "priceCents": 2000 }]
        }))
        .await;
    assert_eq!(
        (&e["fees"], &e["taxRateBps"], &e["pricesIncludeTax"]),
        (&json!({ "perTicketCents": 250, "perOrderCents": 199 }), &json!(2000), &json!(false))
    );
    e["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn what_is_shown_quoted_charged_and_refunded_is_the_all_in_price() {
    let s = Stack::start().await;
    let e = taxed(&s).await;
    // The seat map shows each seat and place all in: (5000 + 250) + 20 % = 6300; (2000 + 250) + 20 % = 2700.
    let map = s.get(&format!("/api/v1/events/{e}/seats"), &s.token("ann")).await;
    assert!(map.body["seats"].as_array().unwrap().iter().all(|x| x["totalPriceCents"] == 6300));
    assert_eq!(map.body["generalAdmission"][0]["totalPriceCents"], 2700);
    let layout = s.get(&format!("/api/v1/events/{e}/seats?view=layout"), &s.token("ann")).await;
    assert_eq!(layout.body["seats"][0]["totalPriceCents"], 6300, "{layout:?}");
    // The hold quotes what the booking will cost: two tickets and the order's fee (199 + 40 tax).
    let hold = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("ann"),
            json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3"] }),
        )
        .await;
    let quote = json!({ "faceCents": 15_000, "feesCents": 949, "taxCents": 3190,
        "discountCents": 0, "totalCents": 19_139 });
    assert_eq!(hold.body["breakdown"], quote, "{hold:?}");
    let b = s.post("/api/v1/bookings", &s.token("ann"), json!({ "holdId": hold.body["id"] })).await;
    assert_eq!((&b.body["breakdown"], &b.body["totalCents"]), (&quote, &json!(19_139)), "{b:?}");
    let paid = s.pay(&b.body).await;
    assert_eq!(paid["amountCents"], 19_139);
    let intent = intents_of(&s, paid["id"].as_str().unwrap()).await.remove(0);
    let at = at_stripe(&format!("/v1/payment_intents/{intent}")).await;
    assert_eq!(at["amount"], 19_139, "Stripe charges it");
    // One seat given back: exactly its line, at Stripe too.
    let id = b.body["id"].as_str().unwrap();
    let kept = s
        .put(
            &format!("/api/v1/bookings/{id}/cancel"),
            &s.token("ann"),
            Some(json!({ "seatIds": ["A-1-2"] })),
        )
        .await;
    assert_eq!(kept.body["totalCents"], 19_139 - 6300, "{kept:?}");
    let refunded: (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(r.amount_cents) AS SIGNED), COUNT(s.refund_id) FROM refunds r \
         LEFT JOIN stripe_refunds s ON s.refund_id = r.id",
    )
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!(refunded, (6300, 1), "one Stripe refund of the seat's line");
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    assert_eq!(
        (
            &report.body["revenueCents"],
            &report.body["faceCents"],
            &report.body["feesCents"],
            &report.body["taxCents"]
        ),
        (&json!(12_839), &json!(10_000), &json!(699), &json!(2140)),
        "{report:?}"
    );
    // The buyer cancels the rest: all of it comes back but the order's fee (199 + 40 tax).
    let gone = s.put(&format!("/api/v1/bookings/{id}/cancel"), &s.token("ann"), None).await;
    assert_eq!(gone.body["status"], "CANCELLED", "{gone:?}");
    let refunds: Vec<i64> =
        sqlx::query_scalar("SELECT amount_cents FROM refunds ORDER BY created_at")
            .fetch_all(&s.db)
            .await
            .unwrap();
    assert_eq!(refunds, [6300, 12_839 - 239]);
}
