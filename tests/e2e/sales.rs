//! Sales windows: an event sells between `onSaleAt` and `salesEndAt`, and nothing is held outside
//! them; admins move the window with PATCH.

use booking_tests::Stack;
use chrono::{DateTime, Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::json;

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn time(v: &serde_json::Value) -> DateTime<Utc> {
    v.as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn an_event_sells_only_inside_its_window_and_admins_move_it() {
    let s = Stack::start().await;
    let ev = s
        .create_event(json!({ "name": "Later", "venue": "V", "startsAt": at(Duration::days(30)),
            "onSaleAt": at(Duration::hours(1)), "salesEndAt": at(Duration::hours(3)),
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 4, "priceCents": 100 }] }))
        .await;
    assert_eq!(ev["saleStatus"], "SCHEDULED", "{ev}");
    let id = ev["id"].as_str().unwrap();
    let t = s.token("ann");
    let hold = |seat: &'static str| {
        let (s, t) = (&s, t.clone());
        async move {
            s.post(&format!("/api/v1/events/{id}/holds"), &t, json!({ "seatIds": [seat] })).await
        }
    };
    let early = hold("A-1-1").await;
    early.assert_problem(409, "NOT_ON_SALE");
    assert_eq!(early.body["saleStatus"], "SCHEDULED");
    let direct =
        s.post("/api/v1/bookings", &t, json!({ "eventId": id, "seatIds": ["A-1-1"] })).await;
    direct.assert_problem(409, "NOT_ON_SALE");
    assert_eq!(s.seat_statuses(id).await["A-1-1"], "AVAILABLE", "nothing was held");

    // Only admins move the window (authorisation before the body is read), and only to a window
    // that ends after it opens.
    let path = format!("/api/v1/events/{id}");
    let patch = |token: String, body: serde_json::Value| {
        let (s, path) = (&s, path.clone());
        async move { s.send_with(Method::PATCH, &path, &token, Some(body), &[]).await }
    };
    patch(t.clone(), json!({ "onSaleAt": "nonsense" })).await.assert_problem(403, "FORBIDDEN");
    patch(s.admin_token(), json!({ "onSaleAt": at(Duration::hours(4)) }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    patch(s.admin_token(), json!({ "seatCount": 9 }))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    let moved =
        patch(s.admin_token(), json!({ "onSaleAt": at(-Duration::minutes(1)), "name": "Now" }))
            .await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(
        (moved.body["saleStatus"].as_str(), moved.body["name"].as_str()),
        (Some("ON_SALE"), Some("Now"))
    );
    assert_eq!(moved.body["sections"], ev["sections"], "sections never change");
    let got = s.get(&path, &t).await;
    assert_eq!(got.body["saleStatus"], "ON_SALE");
    assert_eq!(time(&got.body["onSaleAt"]), time(&moved.body["onSaleAt"]));

    // On sale: holds work. After the end, new holds are refused; a hold taken on sale still books.
    let taken = hold("A-1-1").await;
    assert_eq!(taken.status, StatusCode::CREATED, "{taken:?}");
    // The sales end a minute from now; two minutes later the hold (ten minutes) still stands.
    let ends = patch(s.admin_token(), json!({ "salesEndAt": at(Duration::minutes(1)) })).await;
    assert_eq!(ends.status, StatusCode::OK, "{ends:?}");
    s.clock.shift(Duration::minutes(2));
    hold("A-1-2").await.assert_problem(409, "NOT_ON_SALE");
    let late = s.post("/api/v1/bookings", &t, json!({ "eventId": id, "seatIds": ["A-1-3"] })).await;
    late.assert_problem(409, "NOT_ON_SALE");
    assert_eq!(late.body["saleStatus"], "ENDED");
    let booked = s.post("/api/v1/bookings", &t, json!({ "holdId": taken.body["id"] })).await;
    assert_eq!(
        booked.status,
        StatusCode::CREATED,
        "a hold taken on sale books after the end: {booked:?}"
    );
    assert_eq!(s.get(&path, &t).await.body["saleStatus"], "ENDED");
}

#[tokio::test]
async fn without_a_window_an_event_sells_from_its_creation_until_it_starts() {
    let s = Stack::start().await;
    let starts = Utc::now() + Duration::days(10);
    let ev = s
        .create_event(json!({ "name": "N", "venue": "V", "startsAt": starts.to_rfc3339(),
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 2, "priceCents": 100 }] }))
        .await;
    assert_eq!(ev["saleStatus"], "ON_SALE");
    assert_eq!(time(&ev["onSaleAt"]), time(&ev["createdAt"]));
    assert_eq!(time(&ev["salesEndAt"]).timestamp(), starts.timestamp());
    assert!(ev.get("waitingRoom").is_none(), "{ev}");
    let listed = s.get("/api/v1/events", &s.token("u")).await;
    assert_eq!(listed.body["items"][0]["saleStatus"], "ON_SALE", "{listed:?}");
    // An event that starts before it would go on sale has no window.
    let past = s
        .post(
            "/api/v1/events",
            &s.admin_token(),
            json!({ "name": "N", "venue": "V", "startsAt": at(-Duration::days(1)),
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 2, "priceCents": 100 }] }),
        )
        .await;
    past.assert_problem(422, "VALIDATION_FAILED");
}
