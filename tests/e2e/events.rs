//! Events and seat maps over HTTP.

use booking_tests::{eventually, Stack, SECRET};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn an_admin_creates_an_event_and_everyone_can_read_it() {
    let s = Stack::start().await;
    let e = s
        .create_event(json!({
            "name": "Opening night", "venue": "Arena", "startsAt": "2027-03-01T19:30:00Z", "currency": "EUR",
            "maxSeatsPerOrder": 6, "holdTtlSeconds": 120,
            "sections": [
                { "name": "VIP", "rows": 2, "seatsPerRow": 5, "priceCents": 15000, "category": "vip" },
                { "name": "B", "rows": 10, "seatsPerRow": 20, "priceCents": 4500 }
            ]
        }))
        .await;
    assert_eq!(e["seatCount"], 210);
    assert_eq!(
        (e["currency"].as_str(), e["maxSeatsPerOrder"].as_u64(), e["holdTtlSeconds"].as_u64()),
        (Some("EUR"), Some(6), Some(120))
    );
    assert_eq!(e["sections"][1]["category"], "standard");
    let id = e["id"].as_str().unwrap();
    assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 7);

    let got = s.get(&format!("/api/v1/events/{id}"), &s.token("someone")).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.body["name"], "Opening night");
    assert_eq!(got.body["availability"], json!({ "available": 210, "held": 0, "booked": 0 }));

    let map = s.get(&format!("/api/v1/events/{id}/seats"), &s.token("someone")).await;
    let seats = map.body["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 210);
    assert_eq!(
        seats[0],
        json!({ "id": "VIP-1-1", "section": "VIP", "row": 1, "number": 1, "priceCents": 15000, "totalPriceCents": 15000, "category": "vip", "status": "AVAILABLE" })
    );
    assert_eq!(seats[209]["id"], "B-10-20");
    // MySQL has the same seats as versioned rows.
    let (rows, versions): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(SUM(version) AS SIGNED) FROM seats WHERE event_id = ?",
    )
    .bind(id)
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!((rows, versions), (210, 0));
}

#[tokio::test]
async fn only_admins_create_events_and_only_with_a_valid_token() {
    let s = Stack::start().await;
    let body = json!({ "name": "X", "venue": "Y", "startsAt": "2027-01-01T00:00:00Z", "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 1, "priceCents": 1 }] });
    s.post("/api/v1/events", &s.token("user-1"), body.clone())
        .await
        .assert_problem(403, "FORBIDDEN");
    s.send(Method::POST, "/api/v1/events", None, Some(body.to_string().into_bytes()))
        .await
        .assert_problem(401, "UNAUTHORIZED");
    let forged = local_gateway::auth::mint("not-the-secret", "admin-1", true, 3600);
    s.post("/api/v1/events", &forged, body.clone()).await.assert_problem(401, "UNAUTHORIZED");
    let expired = local_gateway::auth::mint(SECRET, "admin-1", true, -5);
    s.post("/api/v1/events", &expired, body.clone()).await.assert_problem(401, "UNAUTHORIZED");
    s.get("/api/v1/events", "garbage").await.assert_problem(401, "UNAUTHORIZED");
    let (count,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM events").fetch_one(&s.db).await.unwrap();
    assert_eq!(count, 0, "nothing was created");
}

#[tokio::test]
async fn events_are_listed_a_page_at_a_time() {
    let s = Stack::start().await;
    let mut created = Vec::new();
    for _ in 0..5 {
        created.push(s.simple_event(1, 2, 2).await);
    }
    let t = s.token("lister");
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    for _ in 0..3 {
        let path = match &cursor {
            Some(c) => format!("/api/v1/events?limit=2&cursor={c}"),
            None => "/api/v1/events?limit=2".to_string(),
        };
        let page = s.get(&path, &t).await;
        assert_eq!(page.status, StatusCode::OK, "{page:?}");
        for e in page.body["items"].as_array().unwrap() {
            seen.push(e["id"].as_str().unwrap().to_string());
        }
        cursor = page.body["nextCursor"].as_str().map(str::to_string);
    }
    assert_eq!(seen, created, "three pages list all five events once, oldest first");
    assert_eq!(cursor, None, "the last page has no next cursor");
    s.get("/api/v1/events?limit=0", &t).await.assert_problem(400, "INVALID_QUERY");
    s.get("/api/v1/events?limit=abc", &t).await.assert_problem(400, "INVALID_QUERY");
    s.get("/api/v1/events?cursor=%%%", &t).await.assert_problem(400, "INVALID_CURSOR");
}

#[tokio::test]
async fn unknown_routes_events_and_bad_ids_are_4xx() {
    let s = Stack::start().await;
    let t = s.token("u");
    s.get("/api/v1/nothing", &t).await.assert_problem(404, "ROUTE_NOT_FOUND");
    s.send(Method::PATCH, "/api/v1/events", Some(&t), None)
        .await
        .assert_problem(404, "ROUTE_NOT_FOUND");
    let unknown = uuid::Uuid::now_v7();
    s.get(&format!("/api/v1/events/{unknown}"), &t).await.assert_problem(404, "EVENT_NOT_FOUND");
    s.get(&format!("/api/v1/events/{unknown}/seats"), &t)
        .await
        .assert_problem(404, "EVENT_NOT_FOUND");
    s.get("/api/v1/events/not-a-uuid", &t).await.assert_problem(400, "INVALID_ID");
    s.get("/api/v1/holds/123", &t).await.assert_problem(400, "INVALID_ID");
    let e = s.simple_event(1, 3, 3).await;
    s.get(&format!("/api/v1/events/{e}/seats?status=SOLD"), &t)
        .await
        .assert_problem(400, "INVALID_QUERY");
}

#[tokio::test]
async fn an_event_of_one_hundred_thousand_seats_is_the_limit() {
    let s = Stack::start().await;
    let section =
        |name: &str| json!({ "name": name, "rows": 100, "seatsPerRow": 500, "priceCents": 1000 });
    let body = json!({ "name": "Stadium", "venue": "S", "startsAt": "2027-06-01T18:00:00Z", "sections": [section("N"), section("S")] });
    let e = s.create_event(body.clone()).await;
    assert_eq!(e["seatCount"], 100_000);
    let id = e["id"].as_str().unwrap();
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM seats WHERE event_id = ?")
        .bind(id)
        .fetch_one(&s.db)
        .await
        .unwrap();
    assert_eq!(rows, 100_000);
    let statuses = s.seat_statuses(id).await;
    assert_eq!(statuses.len(), 100_000);
    let mut too_big = body;
    too_big["sections"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "X", "rows": 1, "seatsPerRow": 1, "priceCents": 1 }));
    s.post("/api/v1/events", &s.admin_token(), too_big)
        .await
        .assert_problem(422, "VALIDATION_FAILED");
}

/// A raw GET of the seat map with `view` and extra headers: status, headers, body bytes.
async fn seat_view(
    s: &Stack,
    e: &str,
    view: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
    let mut req = s
        .http
        .get(format!("{}/api/v1/events/{e}/seats?view={view}", s.base))
        .bearer_auth(s.token("viewer"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let (status, headers) = (res.status(), res.headers().clone());
    (status, headers, res.bytes().await.unwrap().to_vec())
}

fn etag(headers: &reqwest::header::HeaderMap) -> String {
    headers["etag"].to_str().unwrap().to_string()
}

#[tokio::test]
async fn the_seat_map_comes_as_a_layout_and_compact_statuses_with_etags_and_gzip() {
    use std::io::Read;
    let s = Stack::start().await;
    let e = s.simple_event(2, 5, 10).await;

    // The layout: the seats in map order without statuses, cacheable.
    let (status, headers, body) = seat_view(&s, &e, "layout", &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers["cache-control"].to_str().unwrap().starts_with("public"));
    let layout: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let seats = layout["seats"].as_array().unwrap();
    assert_eq!(seats.len(), 10);
    assert_eq!(
        seats[0],
        json!({ "id": "A-1-1", "section": "A", "row": 1, "number": 1, "priceCents": 5000, "totalPriceCents": 5000, "category": "standard" })
    );
    let (status, _, _) = seat_view(&s, &e, "layout", &[("if-none-match", &etag(&headers))]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED, "an unchanged layout is not sent again");

    // The statuses: one character per layout seat.
    let (status, headers, body) = seat_view(&s, &e, "status", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let before: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(before["statuses"], "AAAAAAAAAA");
    let first_tag = etag(&headers);
    let (status, again, body) =
        seat_view(&s, &e, "status", &[("if-none-match", &format!("W/\"x\", {first_tag}"))]).await;
    assert_eq!((status, body.len()), (StatusCode::NOT_MODIFIED, 0));
    assert_eq!(etag(&again), first_tag);

    // A hold shows within the view's freshness (250 ms), under a new tag; the old tag gets 200.
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("h"),
            json!({ "seatIds": ["A-1-2", "A-2-5"] }),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
    let within = std::time::Duration::from_secs(3);
    let after = eventually(within, "the hold in the status view", || async {
        let (status, headers, body) =
            seat_view(&s, &e, "status", &[("if-none-match", &first_tag)]).await;
        if status == StatusCode::OK {
            assert_ne!(etag(&headers), first_tag);
            return Some(serde_json::from_slice::<serde_json::Value>(&body).unwrap());
        }
        assert_eq!(status, StatusCode::NOT_MODIFIED);
        None
    })
    .await;
    assert_eq!(after["statuses"], "AHAAAAAAAH");
    assert!(after["asOf"].as_str().unwrap() >= before["asOf"].as_str().unwrap());

    // gzip for a client that accepts it: the same JSON.
    let (status, headers, zipped) =
        seat_view(&s, &e, "status", &[("accept-encoding", "gzip")]).await;
    assert_eq!((status, headers["content-encoding"].to_str().unwrap()), (StatusCode::OK, "gzip"));
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&zipped[..]).read_to_string(&mut plain).unwrap();
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&plain).unwrap()["statuses"],
        "AHAAAAAAAH"
    );

    // The contract's whole map: an entity tag too, and 304 while nothing changed.
    let (status, headers, body) = seat_view(&s, &e, "full", &[]).await;
    assert_eq!(status, StatusCode::OK);
    let full: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(full["seats"][1]["status"], "HELD");
    let (status, _, _) = seat_view(&s, &e, "full", &[("if-none-match", &etag(&headers))]).await;
    assert_eq!(status, StatusCode::NOT_MODIFIED);

    s.get(&format!("/api/v1/events/{e}/seats?view=compact"), &s.token("v"))
        .await
        .assert_problem(400, "INVALID_QUERY");
    let same =
        s.get(&format!("/api/v1/events/{e}/seats?view=status&status=HELD"), &s.token("v")).await;
    assert_eq!(same.body["statuses"], "AHAAAAAAAH", "status filters the whole map only");
}
