//! Seat holds over HTTP: all or nothing, owners only, extension cap, release, expiry, seat cap.

use booking_core::adapters::kafka::MskContext;
use booking_tests::{ids, Stack};
use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn time(v: &Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn a_hold_takes_all_its_seats_or_none() {
    let s = Stack::start().await;
    let e = s.simple_event(2, 5, 10).await;
    let (alice, bob) = (s.token("alice"), s.token("bob"));
    let a = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &alice,
            json!({ "seatIds": ["A-1-2", "A-1-3"] }),
        )
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
    assert_eq!(a.body["userId"], "alice");
    assert_eq!(a.body["eventId"], e.as_str());
    assert_eq!(ids(&a.body["seatIds"]), ["A-1-2", "A-1-3"]);
    let ttl = time(&a.body["expiresAt"]) - time(&a.body["createdAt"]);
    assert_eq!(ttl.num_seconds(), 600, "the default hold TTL");

    // Bob's request overlaps one seat: nothing of his is held and the answer names the seat in the way.
    let b = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &bob,
            json!({ "seatIds": ["A-1-4", "A-1-3", "A-1-5"] }),
        )
        .await;
    b.assert_problem(409, "SEATS_UNAVAILABLE");
    assert_eq!(ids(&b.body["seatIds"]), ["A-1-3"]);
    let map = s.seat_statuses(&e).await;
    let held: Vec<&String> = map.iter().filter(|(_, st)| *st == "HELD").map(|(id, _)| id).collect();
    assert_eq!(held, ["A-1-2", "A-1-3"]);
    let info = s.get(&format!("/api/v1/events/{e}"), &bob).await;
    assert_eq!(info.body["availability"], json!({ "available": 8, "held": 2, "booked": 0 }));
    let only_held = s.get(&format!("/api/v1/events/{e}/seats?status=HELD"), &bob).await;
    assert_eq!(only_held.body["seats"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_hold_is_its_owners_and_admins_to_see() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 5, 5).await;
    let alice = s.token("alice");
    let h =
        s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "seatIds": ["A-1-1"] })).await;
    let id = h.body["id"].as_str().unwrap();
    let mine = s.get(&format!("/api/v1/holds/{id}"), &alice).await;
    assert_eq!((mine.status, &mine.body), (StatusCode::OK, &h.body));
    s.get(&format!("/api/v1/holds/{id}"), &s.token("mallory"))
        .await
        .assert_problem(404, "HOLD_NOT_FOUND");
    s.send(Method::PUT, &format!("/api/v1/holds/{id}/extend"), Some(&s.token("mallory")), None)
        .await
        .assert_problem(404, "HOLD_NOT_FOUND");
    s.send(Method::DELETE, &format!("/api/v1/holds/{id}"), Some(&s.token("mallory")), None)
        .await
        .assert_problem(404, "HOLD_NOT_FOUND");
    assert_eq!(
        s.get(&format!("/api/v1/holds/{id}"), &s.admin_token()).await.status,
        StatusCode::OK
    );
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "HELD", "others' attempts changed nothing");
}

#[tokio::test]
async fn releasing_frees_the_seats_at_once() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let alice = s.token("alice");
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &alice,
            json!({ "seatIds": ["A-1-1", "A-1-2"] }),
        )
        .await;
    let id = h.body["id"].as_str().unwrap();
    let del = s.send(Method::DELETE, &format!("/api/v1/holds/{id}"), Some(&alice), None).await;
    assert_eq!(del.status, StatusCode::NO_CONTENT, "{del:?}");
    s.get(&format!("/api/v1/holds/{id}"), &alice).await.assert_problem(404, "HOLD_NOT_FOUND");
    s.send(Method::DELETE, &format!("/api/v1/holds/{id}"), Some(&alice), None)
        .await
        .assert_problem(404, "HOLD_NOT_FOUND");
    s.send(Method::PUT, &format!("/api/v1/holds/{id}/extend"), Some(&alice), None)
        .await
        .assert_problem(404, "HOLD_NOT_FOUND");
    assert!(s.seat_statuses(&e).await.values().all(|st| st == "AVAILABLE"));
    let again = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("bob"),
            json!({ "seatIds": ["A-1-1", "A-1-2"] }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CREATED, "released seats can be held again: {again:?}");
}

#[tokio::test]
async fn an_extension_moves_the_expiry_but_never_past_three_ttls() {
    let s = Stack::start().await;
    let ev = s.create_event(json!({ "name": "N", "venue": "V", "startsAt": "2027-01-01T00:00:00Z", "holdTtlSeconds": 30,
        "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 3, "priceCents": 100 }] })).await;
    let e = ev["id"].as_str().unwrap();
    let alice = s.token("alice");
    let h =
        s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "seatIds": ["A-1-1"] })).await;
    let id = h.body["id"].as_str().unwrap();
    let created = time(&h.body["createdAt"]);
    let mut expires = time(&h.body["expiresAt"]);
    // Time passes by the stack's clock, not the test's: 25 s before each extension.
    for want in [55, 80, 90] {
        s.clock.shift(chrono::Duration::seconds(25));
        let x =
            s.send(Method::PUT, &format!("/api/v1/holds/{id}/extend"), Some(&alice), None).await;
        assert_eq!(x.status, StatusCode::OK, "{x:?}");
        let extended = time(&x.body["expiresAt"]);
        assert!(extended > expires, "later than before");
        // One TTL from the stack's now (a few ms after the shift), never past 3 x TTL.
        let over = (extended - (created + chrono::Duration::seconds(want))).num_milliseconds();
        assert!(
            if want == 90 { over == 0 } else { (0..1_000).contains(&over) },
            "{want}: {over} ms"
        );
        expires = extended;
    }
    let read = s.get(&format!("/api/v1/holds/{id}"), &alice).await;
    assert_eq!(time(&read.body["expiresAt"]), expires, "the extension is what is stored");
    // The lock itself moved too: Redis expires it at the new time.
    let mut redis = s.redis().await;
    let pttl: i64 = redis.pttl(format!("{}hold:{{{e}}}:A-1-1", s.redis_prefix)).await.unwrap();
    let want = (expires - Utc::now()).num_milliseconds();
    assert!(
        (want - 1_000..=want + 1_000).contains(&pttl),
        "lock TTL {pttl} ms follows the extension ({want} ms)"
    );
    // Past the last expiry the hold is gone, and nothing extends it.
    s.clock.shift(chrono::Duration::seconds(16));
    s.send(Method::PUT, &format!("/api/v1/holds/{id}/extend"), Some(&alice), None)
        .await
        .assert_problem(410, "HOLD_EXPIRED");
}

#[tokio::test]
async fn a_lapsed_hold_frees_its_seats_by_itself() {
    let s = Stack::start().await;
    let ev = s.create_event(json!({ "name": "N", "venue": "V", "startsAt": "2027-01-01T00:00:00Z", "holdTtlSeconds": 30,
        "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 3, "priceCents": 100 }] })).await;
    let e = ev["id"].as_str().unwrap();
    let alice = s.token("alice");
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &alice,
            json!({ "seatIds": ["A-1-1", "A-1-2"] }),
        )
        .await;
    let id = h.body["id"].as_str().unwrap();
    // The hold's TTL passes by the stack's clock (Redis still has the lock for 30 s).
    s.clock.shift(chrono::Duration::seconds(30));
    s.get(&format!("/api/v1/holds/{id}"), &alice).await.assert_problem(404, "HOLD_NOT_FOUND");
    s.send(Method::PUT, &format!("/api/v1/holds/{id}/extend"), Some(&alice), None)
        .await
        .assert_problem(410, "HOLD_EXPIRED");
    assert!(s.seat_statuses(e).await.values().all(|st| st == "AVAILABLE"));
    // The sweep announces the lapse and relays the event's seat log to `seat.events`, in order.
    s.create_topics().await;
    let report = booking_core::app::sweep::sweep(&s.app).await.unwrap();
    assert_eq!((report.lapsed, report.seat_log), (2, 2), "{report:?}");
    let again = booking_core::app::sweep::sweep(&s.app).await.unwrap();
    assert_eq!((again.lapsed, again.seat_log), (0, 0), "a second sweep finds nothing new");
    let group = format!("{}seats", s.redis_prefix);
    let consumer: rdkafka::consumer::StreamConsumer<MskContext> =
        s.kafka().client(&[("group.id", &group), ("auto.offset.reset", "earliest")]).unwrap();
    rdkafka::consumer::Consumer::subscribe(&consumer, &[&format!("{}seat.events", s.redis_prefix)])
        .unwrap();
    let mut kinds = Vec::new();
    while kinds.len() < 2 {
        let m = tokio::time::timeout(std::time::Duration::from_secs(30), consumer.recv())
            .await
            .expect("seat events arrive")
            .unwrap();
        let v: Value = serde_json::from_slice(rdkafka::Message::payload(&m).unwrap()).unwrap();
        assert_eq!(v["data"]["eventId"], json!(e));
        assert_eq!(ids(&v["data"]["seatIds"]), ["A-1-1", "A-1-2"]);
        kinds.push(v["type"].as_str().unwrap().to_string());
    }
    assert_eq!(kinds, ["SeatsHeld", "SeatsReleased"]);
    let bob = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("bob"),
            json!({ "seatIds": ["A-1-2"] }),
        )
        .await;
    assert_eq!(bob.status, StatusCode::CREATED, "{bob:?}");
}

#[tokio::test]
async fn a_user_never_holds_more_than_the_seat_cap_of_an_event() {
    let s = Stack::start().await;
    let e = s.simple_event(2, 10, 4).await;
    let alice = s.token("alice");
    let first = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &alice,
            json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3"] }),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    let over = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &alice,
            json!({ "seatIds": ["A-2-1", "A-2-2"] }),
        )
        .await;
    over.assert_problem(422, "SEAT_LIMIT_EXCEEDED");
    s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "quantity": 2 }))
        .await
        .assert_problem(422, "SEAT_LIMIT_EXCEEDED");
    // The cap comes before availability: even seats held by others answer 422, not 409.
    s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "seatIds": ["A-1-1", "A-2-9"] }))
        .await
        .assert_problem(422, "SEAT_LIMIT_EXCEEDED");
    let one_more =
        s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "seatIds": ["A-2-1"] })).await;
    assert_eq!(one_more.status, StatusCode::CREATED, "{one_more:?}");
    assert_eq!(s.seat_statuses(&e).await.values().filter(|st| *st == "HELD").count(), 4);
    // Releasing gives the room back.
    let id = first.body["id"].as_str().unwrap();
    s.send(Method::DELETE, &format!("/api/v1/holds/{id}"), Some(&alice), None).await;
    assert_eq!(
        s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "quantity": 3 })).await.status,
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn best_available_gives_adjacent_seats_without_stranding_one() {
    let s = Stack::start().await;
    let ev = s.create_event(json!({ "name": "N", "venue": "V", "startsAt": "2027-01-01T00:00:00Z",
        "sections": [{ "name": "A", "rows": 2, "seatsPerRow": 6, "priceCents": 100 }, { "name": "B", "rows": 1, "seatsPerRow": 4, "priceCents": 50 }] })).await;
    let e = ev["id"].as_str().unwrap();
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("x"), json!({ "seatIds": ["A-1-1"] }))
        .await;
    let h = s
        .post(&format!("/api/v1/events/{e}/holds"), &s.token("alice"), json!({ "quantity": 4 }))
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
    assert_eq!(
        ids(&h.body["seatIds"]),
        ["A-2-1", "A-2-2", "A-2-3", "A-2-4"],
        "row 1 would strand a single seat"
    );
    let b = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("bob"),
            json!({ "quantity": 2, "section": "B" }),
        )
        .await;
    assert_eq!(ids(&b.body["seatIds"]), ["B-1-1", "B-1-2"]);
    let none = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("carol"),
            json!({ "quantity": 3, "section": "B" }),
        )
        .await;
    none.assert_problem(409, "SEATS_UNAVAILABLE");
}

#[tokio::test]
async fn holds_keep_working_after_redis_loses_the_event() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 8, 4).await;
    // Carol has a pending booking of three seats: after the loss they are still hers, and still
    // count toward her cap of four.
    s.book(&e, "carol", &["A-1-6", "A-1-7", "A-1-8"]).await;
    let mut redis = s.redis().await;
    let keys: Vec<String> = redis.keys(format!("{}*", s.redis_prefix)).await.unwrap();
    assert!(!keys.is_empty());
    let _: () = redis.del(keys).await.unwrap();
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("alice"),
            json!({ "seatIds": ["A-1-1"] }),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "HELD");
    let carol = s.token("carol");
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("dave"), json!({ "seatIds": ["A-1-6"] }))
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");
    s.post(&format!("/api/v1/events/{e}/holds"), &carol, json!({ "seatIds": ["A-1-2", "A-1-3"] }))
        .await
        .assert_problem(422, "SEAT_LIMIT_EXCEEDED");
    let one =
        s.post(&format!("/api/v1/events/{e}/holds"), &carol, json!({ "seatIds": ["A-1-2"] })).await;
    assert_eq!(one.status, StatusCode::CREATED, "{one:?}");
}

#[tokio::test]
async fn the_gateway_counts_holds_and_conflicts_at_metrics() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let read = |text: &str, name: &str| -> u64 {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")).and_then(|v| v.trim().parse().ok()))
            .unwrap_or(0)
    };
    let metrics = || async {
        s.http.get(format!("{}/metrics", s.base)).send().await.unwrap().text().await.unwrap()
    };
    let before = metrics().await;
    s.post(
        &format!("/api/v1/events/{e}/holds"),
        &s.token("alice"),
        json!({ "seatIds": ["A-1-1"] }),
    )
    .await;
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("bob"), json!({ "seatIds": ["A-1-1"] }))
        .await;
    let after = metrics().await;
    // Counters are per process and tests run in parallel: they grow by at least this test's share.
    assert!(
        read(&after, "booking_holds_created_total") > read(&before, "booking_holds_created_total"),
        "{after}"
    );
    assert!(
        read(&after, "booking_hold_conflicts_total")
            > read(&before, "booking_hold_conflicts_total"),
        "{after}"
    );
    assert!(after.contains("# TYPE booking_payments_succeeded_total counter"));
}
