//! Price tiers through the gateway: racing buyers get exactly `untilSold` seats at each tier, each
//! booking pays the face its hold quoted with the event's fees and tax and Stripe charges exactly
//! that, the report counts by tier, the seat map shows the price now, and the counts survive Redis
//! losing the event's structure.

use std::sync::Arc;

use booking_tests::Stack;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::stripe::{at_stripe, intents_of};

/// 40 seats: 5 at 30.00, then 10 at 40.00, then 50.00; a 2.50 fee a ticket and 10 % tax on top.
async fn waves(s: &Stack) -> String {
    let ev = s
        .create_event(json!({
            "name": "Waves", "venue": "Hall", "startsAt": "2027-06-01T20:00:00Z",
            "maxSeatsPerOrder": 4, "fees": { "perTicketCents": 250 }, "taxRateBps": 1000,
            "pricesIncludeTax": false,
            "sections": [{ "name": "A", "rows": 4, "seatsPerRow": 10, "priceCents": 5000,
                "tiers": [{ "priceCents": 3000, "untilSold": 5 },
                          { "priceCents": 4000, "untilSold": 10 }] }]
        }))
        .await;
    assert_eq!(ev["sections"][0]["tiers"][1], json!({ "priceCents": 4000, "untilSold": 10 }));
    ev["id"].as_str().unwrap().to_string()
}

/// One ticket at `face`: (face + 2.50) + 10 %, rounded half away from zero.
fn all_in(face: i64) -> i64 {
    ((face + 250) * 11 + 5) / 10
}

fn face(booking: &Value) -> i64 {
    booking["breakdown"]["faceCents"].as_i64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_buyers_get_exactly_until_sold_seats_at_each_tier_and_pay_the_quote() {
    let s = Arc::new(Stack::start().await);
    let e = waves(&s).await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (s, e) = (s.clone(), e.clone());
            tokio::spawn(async move {
                let seat = format!("A-{}-{}", i / 10 + 1, i % 10 + 1);
                let body = json!({ "eventId": e, "seatIds": [seat] });
                s.post("/api/v1/bookings", &s.token(&format!("racer-{i}")), body).await
            })
        })
        .collect();
    let mut booked = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        booked.push(a.body);
    }
    let at = |p: i64| booked.iter().filter(|b| face(b) == p).count();
    assert_eq!((at(3000), at(4000), at(5000)), (5, 10, 25), "exactly untilSold at each tier");
    for b in &booked {
        assert_eq!(b["totalCents"].as_i64().unwrap(), all_in(face(b)), "{b}");
        let paid = s.pay(b).await;
        assert_eq!(paid["amountCents"], b["totalCents"]);
    }
    // What Stripe charged is the quote, for one booking of each price.
    for p in [3000, 4000, 5000] {
        let b = booked.iter().find(|b| face(b) == p).unwrap();
        let payment: String = sqlx::query_scalar("SELECT id FROM payments WHERE booking_id = ?")
            .bind(b["id"].as_str().unwrap())
            .fetch_one(&s.db)
            .await
            .unwrap();
        let intent = intents_of(&s, &payment).await.remove(0);
        let charged = at_stripe(&format!("/v1/payment_intents/{intent}")).await["amount"].clone();
        assert_eq!(charged, json!(all_in(p)));
    }
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    assert_eq!(
        report.body["tiers"],
        json!([
            { "section": "A", "tier": 1, "priceCents": 3000, "booked": 5, "faceCents": 15000 },
            { "section": "A", "tier": 2, "priceCents": 4000, "booked": 10, "faceCents": 40000 },
            { "section": "A", "priceCents": 5000, "booked": 25, "faceCents": 125000 }
        ]),
        "{report:?}"
    );
    // A paid early-bird seat cancelled is back on sale at its tier.
    let early = booked.iter().find(|b| face(b) == 3000).unwrap();
    let (id, seat) = (early["id"].as_str().unwrap(), early["seatIds"][0].as_str().unwrap());
    let who = s.token(early["userId"].as_str().unwrap());
    let c = s.put(&format!("/api/v1/bookings/{id}/cancel"), &who, None).await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    let again = s
        .post(&format!("/api/v1/events/{e}/holds"), &s.token("late"), json!({ "seatIds": [seat] }))
        .await;
    assert_eq!(again.body["prices"], json!([{ "priceCents": 3000, "tier": 1 }]), "{again:?}");
    assert_eq!(again.body["breakdown"]["totalCents"], all_in(3000));
    assert_eq!(s.audit().await, (0, 0, 0));
}

/// The section's price now, from the seat map's status view.
async fn price_now(s: &Stack, e: &str) -> Value {
    let v = s.get(&format!("/api/v1/events/{e}/seats?view=status"), &s.token("viewer")).await;
    assert_eq!(v.status, StatusCode::OK, "{v:?}");
    v.body["prices"][0].clone()
}

#[tokio::test]
async fn the_map_shows_the_price_now_and_the_counts_survive_redis_losing_the_event() {
    let s = Stack::start().await;
    let e = waves(&s).await;
    assert_eq!(
        price_now(&s, &e).await,
        json!({ "section": "A", "priceCents": 3000, "totalPriceCents": all_in(3000), "tier": 1 })
    );
    // Four seats held, one more booked: the first tier is taken.
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("ann"),
            json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3", "A-1-4"] }),
        )
        .await;
    assert_eq!(h.body["breakdown"]["faceCents"], 12000, "{h:?}");
    let b = s.book(&e, "bob", &["A-2-1"]).await;
    s.pay(&b).await;
    // The status view is a moment old at most (each instance reads it once per 250 ms).
    let wait = std::time::Duration::from_secs(2);
    booking_tests::eventually(wait, "the second tier's price on the map", || async {
        (price_now(&s, &e).await["priceCents"] == 4000).then_some(())
    })
    .await;
    let map = s.get(&format!("/api/v1/events/{e}/seats?status=AVAILABLE"), &s.token("v")).await;
    assert_eq!(map.body["seats"][0]["totalPriceCents"], all_in(4000), "{map:?}");
    // Redis loses the event: the pending hold is gone with it, the paid seat is rebuilt at its tier.
    s.forget_in_redis(&e).await;
    let next = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("cat"),
            json!({ "seatIds": ["A-3-1"] }),
        )
        .await;
    assert_eq!(next.body["prices"], json!([{ "priceCents": 3000, "tier": 1 }]), "{next:?}");
    let (booked_tier,): (Option<u8>,) =
        sqlx::query_as("SELECT tier FROM booking_seats WHERE booking_id = ?")
            .bind(b["id"].as_str().unwrap())
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!(booked_tier, Some(1));
    // Two of the five are taken (the paid one and cat's): three left at 30.00.
    let more = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("dan"),
            json!({ "seatIds": ["A-4-1", "A-4-2", "A-4-3", "A-4-4"] }),
        )
        .await;
    let faces: Vec<i64> = more.body["prices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["priceCents"].as_i64().unwrap())
        .collect();
    assert_eq!(faces, [3000, 3000, 3000, 4000], "{more:?}");
}

#[tokio::test]
async fn a_payment_settled_after_its_pending_seat_lapsed_counts_at_its_tier_again() {
    let s = Stack::start().await;
    let e = waves(&s).await;
    // Four of the five seats at 30.00 sell; a fifth buyer's booking stays unpaid past its deadline
    // (a 3-D Secure check taking its time): Redis lets its seat go, and its place at the tier.
    for (n, who) in ["a", "b", "c", "d"].iter().enumerate() {
        let b = s.book(&e, who, &[&format!("A-1-{}", n + 1)]).await;
        s.pay(&b).await;
    }
    let late = s.book(&e, "late", &["A-1-5"]).await;
    assert_eq!(face(&late), 3000);
    s.clock.shift(chrono::Duration::minutes(30));
    let id = uuid::Uuid::parse_str(late["id"].as_str().unwrap()).unwrap();
    let ev = uuid::Uuid::parse_str(&e).unwrap();
    s.app.sweep.reap(ev, s.app.now()).await.unwrap();
    // A buyer who looks in meanwhile is quoted the freed place, and lets it go.
    let t = s.token("looker");
    let h = s.post(&format!("/api/v1/events/{e}/holds"), &t, json!({ "seatIds": ["A-3-1"] })).await;
    assert_eq!(h.body["prices"][0]["priceCents"], 3000, "{h:?}");
    let path = format!("/api/v1/holds/{}", h.body["id"].as_str().unwrap());
    assert_eq!(s.send(reqwest::Method::DELETE, &path, Some(&t), None).await.status, 204);
    // Then the provider says it paid: the settlement books the seat as MySQL has it, at tier 1.
    let stored = s.app.bookings.get(id).await.unwrap().unwrap();
    s.app.holds.mark_booked(&stored, s.app.now()).await.unwrap();
    let next = s.book(&e, "next", &["A-2-1"]).await;
    assert_eq!(face(&next), 4000, "the fifth seat at 30.00 is the late buyer's: {next}");
}
