//! Codes through the gateway: made and listed by admins only, a discount quoted by the hold and
//! charged at Stripe, exactly `maxUses` paid orders under a race of buyers, uses given back by a
//! released hold and an unpaid cancel, and a presale's access code opening the sale early.

use std::sync::Arc;

use booking_tests::Stack;
use reqwest::StatusCode;
use serde_json::json;

use crate::stripe::{at_stripe, intents_of};

async fn make_code(s: &Stack, event: &str, body: serde_json::Value) {
    let c = s.post(&format!("/api/v1/events/{event}/codes"), &s.admin_token(), body).await;
    assert_eq!(c.status, StatusCode::CREATED, "{c:?}");
}

/// Deletes the event's `code` as an admin: 204.
pub(crate) async fn delete_code(s: &Stack, event: &str, code: &str) {
    let path = format!("/api/v1/events/{event}/codes/{code}");
    let d = s.send(reqwest::Method::DELETE, &path, Some(&s.admin_token()), None).await;
    assert_eq!(d.status, StatusCode::NO_CONTENT, "{d:?}");
}

async fn codes(s: &Stack, event: &str) -> serde_json::Value {
    let l = s.get(&format!("/api/v1/events/{event}/codes"), &s.admin_token()).await;
    assert_eq!(l.status, StatusCode::OK, "{l:?}");
    l.body["items"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_buyers_get_exactly_max_uses_paid_orders_at_the_discounted_price() {
    let s = Arc::new(Stack::start().await);
    let e = s.simple_event(4, 10, 4).await;
    make_code(
        &s,
        &e,
        json!({ "code": "early20", "kind": "DISCOUNT", "maxUses": 3, "percentOff": 20 }),
    )
    .await;
    let tasks: Vec<_> = (0..40)
        .map(|i| {
            let (s, e) = (s.clone(), e.clone());
            tokio::spawn(async move {
                let seat = format!("A-{}-{}", i / 10 + 1, i % 10 + 1);
                let body = json!({ "eventId": e, "seatIds": [seat], "code": "EARLY20" });
                s.post("/api/v1/bookings", &s.token(&format!("racer-{i}")), body).await
            })
        })
        .collect();
    let mut booked = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        match a.status {
            StatusCode::CREATED => booked.push(a.body),
            StatusCode::CONFLICT => a.assert_problem(409, "CODE_EXHAUSTED"),
            other => panic!("unexpected {other}: {a:?}"),
        }
    }
    assert_eq!(booked.len(), 3, "exactly maxUses orders");
    for b in &booked {
        assert_eq!(
            (&b["code"], &b["totalCents"], &b["breakdown"]["discountCents"]),
            (&json!("EARLY20"), &json!(4000), &json!(1000))
        );
    }
    // An unpaid order cancelled gives its use back: one more buyer gets it.
    let gone = booked.pop().unwrap();
    let id = gone["id"].as_str().unwrap();
    let c = s
        .put(
            &format!("/api/v1/bookings/{id}/cancel"),
            &s.token(gone["userId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    assert_eq!(codes(&s, &e).await[0]["used"], 2);
    let late = s
        .post(
            "/api/v1/bookings",
            &s.token("late"),
            json!({ "eventId": e, "seatIds": ["A-4-10"], "code": "early20" }),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{late:?}");
    booked.push(late.body);
    for b in &booked {
        let paid = s.pay(b).await;
        assert_eq!(paid["amountCents"], 4000);
        let intent = intents_of(&s, paid["id"].as_str().unwrap()).await.remove(0);
        assert_eq!(at_stripe(&format!("/v1/payment_intents/{intent}")).await["amount"], 4000);
    }
    // A paid order cancelled keeps its use: the code stays used up.
    let id = booked[0]["id"].as_str().unwrap();
    let c = s
        .put(
            &format!("/api/v1/bookings/{id}/cancel"),
            &s.token(booked[0]["userId"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    let more = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("after"),
            json!({ "seatIds": ["A-4-9"], "code": "early20" }),
        )
        .await;
    more.assert_problem(409, "CODE_EXHAUSTED");
    assert_eq!(codes(&s, &e).await[0]["used"], 3);
    let (uses, back): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), CAST(COUNT(given_back_at) AS SIGNED) FROM code_uses")
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!((uses, back), (4, 1), "every use and its giving back is in the history");
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    let by_code = json!([{ "code": "EARLY20", "kind": "DISCOUNT", "orders": 2,
        "revenueCents": 8000, "discountCents": 2000 }]);
    assert_eq!(
        (&report.body["codes"], &report.body["discountCents"]),
        (&by_code, &json!(2000)),
        "{report:?}"
    );
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn an_access_code_opens_a_presale_for_its_section_and_admins_alone_keep_codes() {
    let s = Stack::start().await;
    let ev = s
        .create_event(json!({
            "name": "Presale night", "venue": "Hall", "startsAt": "2027-06-01T20:00:00Z",
            "onSaleAt": "2027-05-01T10:00:00Z",
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 6, "priceCents": 5000 },
                         { "name": "B", "rows": 1, "seatsPerRow": 6, "priceCents": 3000 }]
        }))
        .await;
    let e = ev["id"].as_str().unwrap();
    let body = json!({ "code": "FANS", "kind": "ACCESS", "maxUses": 2, "maxTicketsPerUse": 2,
        "sections": ["A"], "validUntil": "2027-05-01T10:00:00Z" });
    let by_buyer =
        s.post(&format!("/api/v1/events/{e}/codes"), &s.token("ann"), body.clone()).await;
    by_buyer.assert_problem(403, "FORBIDDEN");
    make_code(&s, e, body.clone()).await;
    s.post(&format!("/api/v1/events/{e}/codes"), &s.admin_token(), body)
        .await
        .assert_problem(409, "CODE_TAKEN");
    let bad = json!({ "code": "X", "kind": "DISCOUNT", "maxUses": 1 });
    s.post(&format!("/api/v1/events/{e}/codes"), &s.admin_token(), bad)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let hold = |user: &'static str, seats: serde_json::Value, code: Option<&'static str>| {
        let s = &s;
        async move {
            let mut b = json!({ "seatIds": seats });
            if let Some(c) = code {
                b["code"] = json!(c);
            }
            s.post(&format!("/api/v1/events/{e}/holds"), &s.token(user), b).await
        }
    };
    hold("ann", json!(["A-1-1"]), None).await.assert_problem(409, "NOT_ON_SALE");
    hold("ann", json!(["B-1-1"]), Some("fans")).await.assert_problem(422, "CODE_INVALID");
    hold("ann", json!(["A-1-1", "A-1-2", "A-1-3"]), Some("fans"))
        .await
        .assert_problem(422, "CODE_INVALID");
    hold("ann", json!(["A-1-1"]), Some("nope")).await.assert_problem(422, "CODE_INVALID");
    let h = hold("ann", json!(["A-1-1", "A-1-2"]), Some("fans")).await;
    assert_eq!(
        (h.status, &h.body["code"], &h.body["breakdown"]["totalCents"]),
        (StatusCode::CREATED, &json!("FANS"), &json!(10_000)),
        "{h:?}"
    );
    // A released hold gives its use back in the same step.
    let second = hold("bob", json!(["A-1-3"]), Some("fans")).await;
    assert_eq!(second.status, StatusCode::CREATED, "{second:?}");
    hold("cy", json!(["A-1-4"]), Some("fans")).await.assert_problem(409, "CODE_EXHAUSTED");
    let id = second.body["id"].as_str().unwrap();
    assert_eq!(
        s.send(
            reqwest::Method::DELETE,
            &format!("/api/v1/holds/{id}"),
            Some(&s.token("bob")),
            None
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    let b = s.post("/api/v1/bookings", &s.token("ann"), json!({ "holdId": h.body["id"] })).await;
    assert_eq!((b.status, &b.body["code"]), (StatusCode::CREATED, &json!("FANS")), "{b:?}");
    s.pay(&b.body).await;
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    let channels = json!({ "public": { "orders": 0, "revenueCents": 0 },
        "presale": { "orders": 1, "revenueCents": 10_000 } });
    assert_eq!(report.body["channels"], channels, "{report:?}");
    let listed = codes(&s, e).await;
    assert_eq!(
        (&listed[0]["code"], &listed[0]["used"], &listed[0]["kind"]),
        (&json!("FANS"), &json!(1), &json!("ACCESS"))
    );
    // Deleted: no new hold takes it; the order that took it keeps it.
    delete_code(&s, e, "fans").await;
    hold("cy", json!(["A-1-4"]), Some("fans")).await.assert_problem(422, "CODE_INVALID");
    let kept = s
        .get(&format!("/api/v1/bookings/{}", b.body["id"].as_str().unwrap()), &s.token("ann"))
        .await;
    assert_eq!((&kept.body["status"], &kept.body["code"]), (&json!("CONFIRMED"), &json!("FANS")));
}

#[tokio::test]
async fn a_presale_draw_picks_exactly_count_registrants_and_each_code_opens_the_presale_once() {
    let s = Stack::start().await;
    let ev = s
        .create_event(json!({
            "name": "Drawn night", "venue": "Hall", "startsAt": "2027-06-01T20:00:00Z",
            "onSaleAt": "2027-05-01T10:00:00Z",
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 10, "priceCents": 5000 }]
        }))
        .await;
    let e = ev["id"].as_str().unwrap();
    for i in 0..8 {
        let r = s
            .post(
                &format!("/api/v1/events/{e}/presale/registrations"),
                &s.token(&format!("fan{i}")),
                json!({}),
            )
            .await;
        assert_eq!(
            (r.status, &r.body["status"]),
            (StatusCode::CREATED, &json!("REGISTERED")),
            "{r:?}"
        );
    }
    let again = s
        .post(&format!("/api/v1/events/{e}/presale/registrations"), &s.token("fan0"), json!({}))
        .await;
    assert_eq!(again.status, StatusCode::OK, "registered once: {again:?}");
    let draw = json!({ "count": 3, "maxTicketsPerUse": 2, "validUntil": "2027-05-01T10:00:00Z" });
    s.post(&format!("/api/v1/events/{e}/presale/draw"), &s.token("fan0"), draw.clone())
        .await
        .assert_problem(403, "FORBIDDEN");
    let d = s.post(&format!("/api/v1/events/{e}/presale/draw"), &s.admin_token(), draw).await;
    assert_eq!(
        (d.status, &d.body),
        (StatusCode::OK, &json!({ "drawn": 3, "entrants": 8 })),
        "{d:?}"
    );
    let mut winners = Vec::new();
    for i in 0..8 {
        let user = format!("fan{i}");
        let me =
            s.get(&format!("/api/v1/events/{e}/presale/registrations/me"), &s.token(&user)).await;
        match me.body["status"].as_str() {
            Some("SELECTED") => winners.push((user, me.body["code"].as_str().unwrap().to_string())),
            Some("NOT_SELECTED") => assert!(me.body.get("code").is_none()),
            _ => panic!("{me:?}"),
        }
    }
    assert_eq!(winners.len(), 3, "exactly count");
    let (user, code) = &winners[0];
    let hold = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token(user),
            json!({ "seatIds": ["A-1-1", "A-1-2"], "code": code }),
        )
        .await;
    assert_eq!(hold.status, StatusCode::CREATED, "the winner's presale: {hold:?}");
    s.post(
        &format!("/api/v1/events/{e}/holds"),
        &s.token("fan-x"),
        json!({ "seatIds": ["A-1-3"], "code": code }),
    )
    .await
    .assert_problem(409, "CODE_EXHAUSTED");
    let (draws, seed_len): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), CAST(MAX(LENGTH(seed)) AS SIGNED) FROM presale_draws")
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!((draws, seed_len), (1, 64), "the draw keeps its seed");
    s.get(&format!("/api/v1/events/{e}/presale/registrations/me"), &s.token("nobody"))
        .await
        .assert_problem(404, "REGISTRATION_NOT_FOUND");
}

#[tokio::test]
async fn a_codes_uses_survive_redis_losing_the_event() {
    let s = Stack::start().await;
    let e = s.simple_event(2, 10, 4).await;
    make_code(&s, &e, json!({ "code": "TWO", "kind": "DISCOUNT", "maxUses": 2, "percentOff": 10 }))
        .await;
    let stack = &s;
    let order = |who: &str, seat: &str| {
        let body = json!({ "eventId": e, "seatIds": [seat], "code": "TWO" });
        let token = stack.token(who);
        async move { stack.post("/api/v1/bookings", &token, body).await }
    };
    // One use paid for, one held by an unpaid order.
    let paid = order("ann", "A-1-1").await;
    assert_eq!(paid.status, StatusCode::CREATED, "{paid:?}");
    s.pay(&paid.body).await;
    let pending = order("bob", "A-1-2").await;
    assert_eq!(pending.status, StatusCode::CREATED, "{pending:?}");
    // Redis loses the event; the next hold rebuilds it from MySQL, the code's two uses with it.
    s.forget_in_redis(&e).await;
    let late = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("cat"),
            json!({ "seatIds": ["A-2-1"], "code": "two" }),
        )
        .await;
    late.assert_problem(409, "CODE_EXHAUSTED");
    assert_eq!(codes(&s, &e).await[0]["used"], 2);
}
