//! Idempotency keys, signed webhooks, late payments and the outbox.

use std::sync::Arc;
use std::time::Duration;

use booking_core::adapters::kafka::{Kafka, KafkaPublisher, MskContext};
use booking_core::app::relay::relay_outbox;
use booking_tests::Stack;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::Message;
use reqwest::StatusCode;
use serde_json::{json, Value};

const WEBHOOK_SECRET: &str = "local-webhook-secret";

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

#[tokio::test]
async fn a_retried_request_with_the_same_key_does_the_work_once() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 6, 6).await;
    let alice = s.token("alice");
    let body = json!({ "eventId": e, "seatIds": ["A-1-1"] });
    let key = format!("k-{}", uuid::Uuid::new_v4());
    let first = s.post_once("/api/v1/bookings", &alice, &key, body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED, "{first:?}");
    let retry = s.post_once("/api/v1/bookings", &alice, &key, body.clone()).await;
    assert_eq!(
        (retry.status, &retry.body),
        (StatusCode::CREATED, &first.body),
        "the first answer, replayed"
    );
    let other = s
        .post_once("/api/v1/bookings", &alice, &key, json!({ "eventId": e, "seatIds": ["A-1-2"] }))
        .await;
    other.assert_problem(422, "IDEMPOTENCY_KEY_REUSED");
    // Keys are per user: Bob's same key is his own.
    let bob = s
        .post_once(
            "/api/v1/bookings",
            &s.token("bob"),
            &key,
            json!({ "eventId": e, "seatIds": ["A-1-3"] }),
        )
        .await;
    assert_eq!(bob.status, StatusCode::CREATED);
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings").fetch_one(&s.db).await.unwrap();
    assert_eq!(n, 2);
    // Payments too: one charge for many retries.
    let id = first.body["id"].as_str().unwrap();
    let pay = json!({ "bookingId": id, "paymentMethod": "pm_card_visa" });
    let pk = format!("p-{}", uuid::Uuid::new_v4());
    let p1 = s.post_once("/api/v1/payments", &alice, &pk, pay.clone()).await;
    let p2 = s.post_once("/api/v1/payments", &alice, &pk, pay.clone()).await;
    assert_eq!((p1.status, &p1.body), (p2.status, &p2.body));
    let (payments,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM payments").fetch_one(&s.db).await.unwrap();
    assert_eq!(payments, 1);
    s.post_once("/api/v1/payments", &alice, &"x".repeat(256), pay)
        .await
        .assert_problem(400, "INVALID_IDEMPOTENCY_KEY");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_retries_with_one_key_book_once() {
    let s = Arc::new(Stack::start().await);
    let e = s.simple_event(1, 6, 6).await;
    let key = format!("k-{}", uuid::Uuid::new_v4());
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let (s, e, key) = (s.clone(), e.clone(), key.clone());
            tokio::spawn(async move {
                s.post_once(
                    "/api/v1/bookings",
                    &s.token("alice"),
                    &key,
                    json!({ "eventId": e, "seatIds": ["A-1-1", "A-1-2"] }),
                )
                .await
            })
        })
        .collect();
    let mut created = Vec::new();
    for t in tasks {
        let a = t.await.unwrap();
        match a.status {
            StatusCode::CREATED => created.push(a.body["id"].clone()),
            StatusCode::CONFLICT => assert_eq!(a.code(), "IDEMPOTENCY_IN_PROGRESS", "{a:?}"),
            other => panic!("{other}: {a:?}"),
        }
    }
    assert!(!created.is_empty());
    assert!(created.iter().all(|id| *id == created[0]), "every 201 is the same booking");
    let (n,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM bookings").fetch_one(&s.db).await.unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn an_async_payment_settles_through_a_signed_webhook_once() {
    let s = Stack::start_sandbox().await;
    let e = s.simple_event(1, 4, 4).await;
    let alice = s.token("alice");
    let b = s.book(&e, "alice", &["A-1-1"]).await;
    let id = b["id"].as_str().unwrap();
    let p = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": id, "paymentMethod": "pm_card_async" }),
        )
        .await;
    assert_eq!(
        (p.status, p.body["status"].as_str()),
        (StatusCode::CREATED, Some("PROCESSING")),
        "{p:?}"
    );
    let pid = p.body["id"].as_str().unwrap();
    let event = json!({ "id": format!("evt_{}", uuid::Uuid::new_v4()), "type": "payment.succeeded", "data": { "paymentId": pid } });

    // Forged, stale and unsigned webhooks change nothing.
    s.webhook(&event, "wrong-secret", now()).await.assert_problem(400, "INVALID_SIGNATURE");
    s.webhook(&event, WEBHOOK_SECRET, now() - 301).await.assert_problem(400, "INVALID_SIGNATURE");
    s.webhook(&event, WEBHOOK_SECRET, now() + 400).await.assert_problem(400, "INVALID_SIGNATURE");
    let unsigned = s
        .http
        .post(format!("{}/api/v1/payments/webhook", s.base))
        .body(event.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        s.get(&format!("/api/v1/payments/{pid}"), &alice).await.body["status"],
        "PROCESSING"
    );
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "PENDING");

    let ok = s.webhook(&event, WEBHOOK_SECRET, now()).await;
    assert_eq!((ok.status, &ok.body["applied"]), (StatusCode::OK, &json!(true)), "{ok:?}");
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "CONFIRMED");
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "BOOKED");
    let again = s.webhook(&event, WEBHOOK_SECRET, now()).await;
    assert_eq!(
        (again.status, &again.body["applied"]),
        (StatusCode::OK, &json!(false)),
        "each event id takes effect once"
    );
    // A settled payment is never settled again, whatever a later signed event says.
    let failed = json!({ "id": format!("evt_{}", uuid::Uuid::new_v4()), "type": "payment.failed", "data": { "paymentId": pid, "failureReason": "card_declined" } });
    let late = s.webhook(&failed, WEBHOOK_SECRET, now()).await;
    assert_eq!((late.status, &late.body["applied"]), (StatusCode::OK, &json!(false)), "{late:?}");
    assert_eq!(s.get(&format!("/api/v1/payments/{pid}"), &alice).await.body["status"], "SUCCEEDED");
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "CONFIRMED");
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM history WHERE payload LIKE '%\"type\":\"BookingConfirmed\"%'",
    )
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!(n, 1, "confirmed once");
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn a_payment_that_succeeds_after_the_booking_expired_is_refunded() {
    let s = Stack::start_sandbox().await;
    let e = s.simple_event(1, 4, 4).await;
    let alice = s.token("alice");
    let b = s.book(&e, "alice", &["A-1-1", "A-1-2"]).await;
    let id = b["id"].as_str().unwrap();
    let p = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": id, "paymentMethod": "pm_card_async" }),
        )
        .await;
    let pid = p.body["id"].as_str().unwrap();
    // The payment deadline passes (moved into the past rather than waited for) and the sweep runs.
    sqlx::query("UPDATE bookings SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?")
        .bind(id)
        .execute(&s.db)
        .await
        .unwrap();
    let expired =
        booking_core::app::expiry::expire_due(&s.app, chrono::Utc::now(), 100).await.unwrap();
    assert_eq!(expired, 1);
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "EXPIRED");
    assert!(
        s.seat_statuses(&e).await.values().all(|st| st == "AVAILABLE"),
        "expired seats are free again"
    );
    let late = json!({ "id": format!("evt_{}", uuid::Uuid::new_v4()), "type": "payment.succeeded", "data": { "paymentId": pid } });
    assert_eq!(s.webhook(&late, WEBHOOK_SECRET, now()).await.status, StatusCode::OK);
    assert_eq!(s.get(&format!("/api/v1/payments/{pid}"), &alice).await.body["status"], "REFUNDED");
    assert_eq!(s.get(&format!("/api/v1/bookings/{id}"), &alice).await.body["status"], "EXPIRED");
    s.put(&format!("/api/v1/bookings/{id}/cancel"), &alice, None)
        .await
        .assert_problem(409, "BOOKING_STATE_CONFLICT");
    assert_eq!(s.audit().await, (0, 0, 0));
    // Two sweeps racing over the same due bookings expire each once.
    let b2 = s.book(&e, "bob", &["A-1-3"]).await;
    sqlx::query("UPDATE bookings SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?")
        .bind(b2["id"].as_str().unwrap())
        .execute(&s.db)
        .await
        .unwrap();
    let (a, c) = tokio::join!(
        booking_core::app::expiry::expire_due(&s.app, chrono::Utc::now(), 100),
        booking_core::app::expiry::expire_due(&s.app, chrono::Utc::now(), 100)
    );
    assert_eq!(a.unwrap() + c.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bookings_go_on_while_kafka_is_away_and_every_event_arrives_after() {
    let s = Stack::start().await;
    s.create_topics().await;
    let e = s.simple_event(1, 6, 6).await;
    // The broker is away: nothing answers on this address.
    let nowhere = Kafka::at("127.0.0.1:1", &s.app.config);
    let away = s.app_with_publisher(KafkaPublisher::new(nowhere, &s.redis_prefix)).await;
    for (user, seat) in [("alice", "A-1-1"), ("bob", "A-1-2"), ("carol", "A-1-3")] {
        let b = s.book(&e, user, &[seat]).await;
        let p = s
            .post(
                "/api/v1/payments",
                &s.token(user),
                json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" }),
            )
            .await;
        assert_eq!(p.body["status"], "SUCCEEDED");
    }
    assert_eq!(
        relay_outbox(&away, 100).await.unwrap(),
        0,
        "nothing is sent while the broker is away"
    );
    let expected: Vec<(String, String)> =
        sqlx::query_as("SELECT id, topic FROM history WHERE sent_at IS NULL ORDER BY seq")
            .fetch_all(&s.db)
            .await
            .unwrap();
    // Seat changes go out through the seat log, not the outbox: one source per change.
    assert_eq!(
        expected.len(),
        3 * 4,
        "created, payment succeeded, confirmed, tickets issued: per booking"
    );

    // It is back: every message goes out, in order, once marked.
    let back = s.app_with_publisher(KafkaPublisher::new(s.kafka(), &s.redis_prefix)).await;
    let mut sent = 0;
    for _ in 0..10 {
        sent += relay_outbox(&back, 100).await.unwrap();
        if sent == expected.len() {
            break;
        }
    }
    assert_eq!(sent, expected.len());
    let (unsent,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM history WHERE sent_at IS NULL")
        .fetch_one(&s.db)
        .await
        .unwrap();
    assert_eq!(unsent, 0);

    let group = format!("{}audit", s.redis_prefix);
    let consumer: StreamConsumer<MskContext> = s
        .kafka()
        .client(&[
            ("group.id", &group),
            ("auto.offset.reset", "earliest"),
            ("enable.auto.commit", "false"),
        ])
        .unwrap();
    let topics: Vec<String> = ["booking.events", "seat.events", "payment.events"]
        .iter()
        .map(|t| format!("{}{t}", s.redis_prefix))
        .collect();
    consumer.subscribe(&topics.iter().map(String::as_str).collect::<Vec<_>>()).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while seen.len() < expected.len() && tokio::time::Instant::now() < deadline {
        if let Ok(Ok(m)) = tokio::time::timeout(Duration::from_secs(2), consumer.recv()).await {
            let v: Value = serde_json::from_slice(m.payload().unwrap_or_default()).unwrap();
            assert_eq!(m.key(), Some(e.as_bytes()), "keyed by event id");
            assert!(v["type"].is_string() && v["occurredAt"].is_string() && v["data"].is_object());
            seen.insert(v["id"].as_str().unwrap().to_string());
        }
    }
    let want: std::collections::BTreeSet<String> = expected.into_iter().map(|(id, _)| id).collect();
    assert_eq!(seen, want, "every event arrived");
}

#[tokio::test]
async fn a_payment_left_processing_is_settled_with_the_provider_by_the_sweep() {
    use booking_core::domain::{Payment, PaymentStatus};
    let s = Stack::start_sandbox().await;
    let e = s.simple_event(1, 4, 4).await;
    let ann = s.token("ann");
    let b = s.book(&e, "ann", &["A-1-1"]).await;
    let later = s.book(&e, "ann", &["A-1-2"]).await;
    let other = s.book(&e, "ann", &["A-1-3"]).await;
    // The process died between the charge and its settlement: the row says PROCESSING, three
    // minutes old, while the provider charged the card.
    let payment = |booking: &Value, age_seconds: i64, method: &str| Payment {
        id: uuid::Uuid::now_v7(),
        booking_id: booking["id"].as_str().unwrap().parse().unwrap(),
        user_id: "ann".into(),
        amount_cents: 5000,
        currency: "USD".into(),
        status: PaymentStatus::Processing,
        failure_reason: None,
        created_at: chrono::Utc::now() - chrono::Duration::seconds(age_seconds),
        refunded_cents: 0,
        client_secret: None,
        method: method.into(),
    };
    let charged = payment(&b, 180, "pm_card_visa");
    s.app.payments.insert(&charged).await.unwrap();
    // An async payment waits for its webhook; a fresh one may still be settling in its request.
    let waiting = payment(&other, 180, "pm_card_async");
    s.app.payments.insert(&waiting).await.unwrap();
    let fresh = payment(&later, 5, "pm_card_visa");
    s.app.payments.insert(&fresh).await.unwrap();

    let report = booking_core::app::sweep::sweep(&s.app).await.unwrap();
    assert_eq!(report.reconciled, 1, "{report:?}");
    for (p, want) in [(&charged, "SUCCEEDED"), (&waiting, "PROCESSING"), (&fresh, "PROCESSING")] {
        let status: String = sqlx::query_scalar("SELECT status FROM payments WHERE id = ?")
            .bind(p.id.to_string())
            .fetch_one(&s.db)
            .await
            .unwrap();
        assert_eq!(status, want, "{p:?}");
    }
    let got = s.get(&format!("/api/v1/bookings/{}", b["id"].as_str().unwrap()), &ann).await;
    assert_eq!(got.body["status"], "CONFIRMED", "a paid order is never lost");
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "BOOKED");
    assert_eq!(s.audit().await, (0, 0, 0));
    assert_eq!(
        booking_core::app::sweep::sweep(&s.app).await.unwrap().reconciled,
        0,
        "settled once"
    );
    // A read of a payment in flight asks the provider too: the fresh one is settled by its GET.
    let read = s.get(&format!("/api/v1/payments/{}", fresh.id), &ann).await;
    assert_eq!(read.body["status"], "SUCCEEDED", "{read:?}");
    let waiting = s.get(&format!("/api/v1/payments/{}", waiting.id), &ann).await;
    assert_eq!(waiting.body["status"], "PROCESSING", "{waiting:?}");
}
