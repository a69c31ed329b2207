//! Bad input is answered 4xx problem+json and changes nothing.

use booking_tests::{ids, Stack};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn bad_hold_requests_are_refused_and_hold_nothing() {
    let s = Stack::start().await;
    let e = s.simple_event(2, 5, 4).await;
    let t = s.token("alice");
    let path = format!("/api/v1/events/{e}/holds");
    let raw = |b: &str| s.send(Method::POST, &path, Some(&t), Some(b.as_bytes().to_vec()));
    raw("{\"seatIds\": [").await.assert_problem(400, "MALFORMED_JSON");
    raw("").await.assert_problem(400, "MALFORMED_JSON");
    raw("[1,2]").await.assert_problem(422, "VALIDATION_FAILED");
    raw("{\"seatIds\": \"A-1-1\"}").await.assert_problem(422, "VALIDATION_FAILED");
    raw("{\"quantity\": \"two\"}").await.assert_problem(422, "VALIDATION_FAILED");
    raw("{\"quantity\": -1}").await.assert_problem(422, "VALIDATION_FAILED");
    raw("{\"seatIds\": [\"A-1-1\"], \"sneaky\": true}")
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    s.post(&path, &t, json!({})).await.assert_problem(422, "VALIDATION_FAILED");
    s.post(&path, &t, json!({ "seatIds": [] })).await.assert_problem(422, "VALIDATION_FAILED");
    s.post(&path, &t, json!({ "seatIds": ["A-1-1"], "quantity": 1 }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    s.post(&path, &t, json!({ "quantity": 1, "section": "Z" }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let unknown = s
        .post(&path, &t, json!({ "seatIds": ["A-1-1", "A-9-1", "Z-1-1", "A-1-01", "nonsense"] }))
        .await;
    unknown.assert_problem(422, "UNKNOWN_SEATS");
    assert_eq!(ids(&unknown.body["seatIds"]), ["A-9-1", "Z-1-1", "A-1-01", "nonsense"]);
    let repeated = s.post(&path, &t, json!({ "seatIds": ["A-1-2", "A-1-1", "A-1-2"] })).await;
    repeated.assert_problem(422, "REPEATED_SEATS");
    assert_eq!(ids(&repeated.body["seatIds"]), ["A-1-2"]);
    s.post(&path, &t, json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3", "A-1-4", "A-1-5"] }))
        .await
        .assert_problem(422, "SEAT_LIMIT_EXCEEDED");
    let many: Vec<String> = (0..5000).map(|i| format!("A-1-{}", i + 1)).collect();
    s.post(&path, &t, json!({ "seatIds": many })).await.assert_problem(422, "UNKNOWN_SEATS");
    let huge = format!("{{\"seatIds\": [\"A-1-1\"], \"pad\": \"{}\"}}", "x".repeat(70 * 1024));
    raw(&huge).await.assert_problem(413, "PAYLOAD_TOO_LARGE");
    // An unknown event is 404 before the body is looked at.
    let other = format!("/api/v1/events/{}/holds", uuid::Uuid::now_v7());
    s.send(Method::POST, &other, Some(&t), Some(b"{not json".to_vec()))
        .await
        .assert_problem(404, "EVENT_NOT_FOUND");
    s.send(Method::POST, "/api/v1/events/xyz/holds", Some(&t), Some(b"{}".to_vec()))
        .await
        .assert_problem(400, "INVALID_ID");

    assert!(s.seat_statuses(&e).await.values().all(|st| st == "AVAILABLE"), "nothing was held");
    let ok = s.post(&path, &t, json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3", "A-1-4"] })).await;
    assert_eq!(
        ok.status.as_u16(),
        201,
        "the user's cap was not used up by refused requests: {ok:?}"
    );
}

#[tokio::test]
async fn bad_event_definitions_are_refused_and_create_nothing() {
    let s = Stack::start().await;
    let admin = s.admin_token();
    let good = json!({ "name": "N", "venue": "V", "startsAt": "2027-01-01T00:00:00Z", "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 1, "priceCents": 1 }] });
    let with = |k: &str, v: serde_json::Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    for (body, code) in [
        (with("startsAt", json!("tomorrow")), "VALIDATION_FAILED"),
        (with("name", json!("")), "VALIDATION_FAILED"),
        (with("currency", json!("dollars")), "VALIDATION_FAILED"),
        (with("maxSeatsPerOrder", json!(0)), "VALIDATION_FAILED"),
        (with("maxSeatsPerOrder", json!(51)), "VALIDATION_FAILED"),
        (with("holdTtlSeconds", json!(10)), "VALIDATION_FAILED"),
        (with("holdTtlSeconds", json!(3601)), "VALIDATION_FAILED"),
        (with("sections", json!([])), "VALIDATION_FAILED"),
        (
            with(
                "sections",
                json!([{ "name": "A", "rows": "1", "seatsPerRow": 1, "priceCents": 1 }]),
            ),
            "VALIDATION_FAILED",
        ),
        (
            with(
                "sections",
                json!([{ "name": "A-B", "rows": 1, "seatsPerRow": 1, "priceCents": 1 }]),
            ),
            "VALIDATION_FAILED",
        ),
        (
            with(
                "sections",
                json!([{ "name": "A", "rows": 1, "seatsPerRow": 1, "priceCents": -1 }]),
            ),
            "VALIDATION_FAILED",
        ),
        (with("extra", json!(1)), "VALIDATION_FAILED"),
    ] {
        s.post("/api/v1/events", &admin, body).await.assert_problem(422, code);
    }
    s.send(Method::POST, "/api/v1/events", Some(&admin), Some(b"nope".to_vec()))
        .await
        .assert_problem(400, "MALFORMED_JSON");
    let (events, seats): (i64, i64) =
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM seats)")
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!((events, seats), (0, 0));
}
