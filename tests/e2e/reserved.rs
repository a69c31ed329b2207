//! A presale's reserved seats through the gateway: `RESERVED` to every viewer and unholdable without
//! the code under a race of buyers with and without it, AVAILABLE to the code's holder on the map,
//! kept when Redis loses the event, and at the code's end every unsold one on general sale at once,
//! announced in one `seats.changed`.

use std::time::Duration;

use booking_tests::{eventually, Stack, WsClient};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn statuses(s: &Stack, e: &str, code: Option<&str>) -> Vec<String> {
    let path = match code {
        Some(c) => format!("/api/v1/events/{e}/seats?code={c}"),
        None => format!("/api/v1/events/{e}/seats"),
    };
    let m = s.get(&path, &s.token("viewer")).await;
    assert_eq!(m.status, StatusCode::OK, "{m:?}");
    let row1 = m.body["seats"].as_array().unwrap().iter().filter(|s| s["row"] == 1);
    row1.map(|s| s["status"].as_str().unwrap().to_string()).collect()
}

async fn hold(s: &Stack, e: &str, who: &str, seats: Value, code: Option<&str>) -> (u16, Value) {
    let mut body = json!({ "seatIds": seats });
    if let Some(c) = code {
        body["code"] = json!(c);
    }
    let h = s.post(&format!("/api/v1/events/{e}/holds"), &s.token(who), body).await;
    (h.status.as_u16(), h.body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reserved_seats_go_to_the_codes_holders_only_and_back_on_sale_at_its_end_in_one_push() {
    let s = Stack::start_live(Duration::from_millis(200)).await;
    let e = s.simple_event(2, 6, 4).await;
    let mut ws = WsClient::connect(&s.ws_url("watcher", Some(&e))).await.expect("connected");
    // The consumers take a moment to join: the first push says they have.
    let (warm, _) = hold(&s, &e, "warm", json!(["A-2-6"]), None).await;
    assert_eq!(warm, 201);
    let first = ws.next(Duration::from_secs(60)).await.expect("the first push");
    assert_eq!(first["seats"], json!([{ "id": "A-2-6", "status": "HELD" }]), "{first}");

    let until = chrono::Utc::now() + chrono::Duration::seconds(8);
    let body = json!({ "code": "FANS", "kind": "ACCESS", "maxUses": 10, "validUntil": until,
        "reservedSeatIds": ["A-1-1", "A-1-2", "A-1-3", "A-1-4", "A-1-5", "A-1-6"] });
    let c = s.post(&format!("/api/v1/events/{e}/codes"), &s.admin_token(), body).await;
    assert_eq!((c.status, &c.body["reservedSeats"]), (StatusCode::CREATED, &json!(6)), "{c:?}");
    let pushed = ws.next(Duration::from_secs(5)).await.expect("a push of the reservation");
    assert_eq!(pushed["seats"].as_array().unwrap().len(), 6, "{pushed}");
    assert!(pushed["seats"].as_array().unwrap().iter().all(|s| s["status"] == "RESERVED"));
    assert_eq!(statuses(&s, &e, None).await, vec!["RESERVED"; 6]);
    assert_eq!(statuses(&s, &e, Some("fans")).await, vec!["AVAILABLE"; 6]);
    let view = s.get(&format!("/api/v1/events/{e}/seats?view=status"), &s.token("v")).await;
    assert_eq!(&view.body["statuses"].as_str().unwrap()[..6], "RRRRRR", "{view:?}");
    // Another code may not reserve them too.
    let twice = json!({ "code": "CLUB", "kind": "ACCESS", "maxUses": 1, "validUntil": until,
        "reservedSeatIds": ["A-1-6", "A-2-1"] });
    s.post(&format!("/api/v1/events/{e}/codes"), &s.admin_token(), twice)
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");

    // 24 buyers race for the 6 seats, 3 of them with the code and all three for A-1-1 and A-1-2:
    // one of those gets them, nobody without the code gets any.
    let stack = &s;
    let event = e.as_str();
    let racers = (0..24).map(|i| async move {
        let code = (i % 8 == 0).then_some("fans");
        let seats = match code {
            Some(_) => json!(["A-1-1", "A-1-2"]),
            None => json!([format!("A-1-{}", i % 6 + 1), format!("A-1-{}", (i + 1) % 6 + 1)]),
        };
        (code, hold(stack, event, &format!("racer-{i}"), seats, code).await)
    });
    let results = futures::future::join_all(racers).await;
    for (code, (status, body)) in &results {
        match code {
            None => assert_eq!((status, &body["code"]), (&409, &json!("SEATS_UNAVAILABLE"))),
            Some(_) => assert!(*status == 201 || *status == 409, "{status} {body}"),
        }
    }
    let won = results.iter().filter(|(_, (st, _))| *st == 201).count();
    assert_eq!(won, 1, "one code holder got A-1-1 and A-1-2");
    let m = ws.next(Duration::from_secs(5)).await.expect("the hold's push");
    assert_eq!(m["seats"][0]["status"], "HELD", "{m}");
    let held = 2;

    // The code's end: every unsold seat is on sale at once, in one push.
    let before = statuses(&s, &e, None).await;
    let free: Vec<String> = before
        .iter()
        .enumerate()
        .filter(|(_, st)| *st == "RESERVED")
        .map(|(i, _)| format!("A-1-{}", i + 1))
        .collect();
    assert_eq!(free.len(), 6 - held);
    let m = ws.next(Duration::from_secs(15)).await.expect("the end's push");
    let mut ids: Vec<String> =
        m["seats"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().into()).collect();
    ids.sort();
    assert_eq!(ids, free, "{m}");
    assert!(m["seats"].as_array().unwrap().iter().all(|s| s["status"] == "AVAILABLE"), "{m}");
    assert!(chrono::Utc::now() >= until);
    let (status, body) = hold(&s, &e, "late", json!([free[0]]), None).await;
    assert_eq!(status, 201, "{body}");
    let late = ws.next(Duration::from_secs(5)).await.map(|m| m["seats"][0]["status"].clone());
    assert_eq!(late, Some(json!("HELD")));
}

#[tokio::test]
async fn reserved_seats_survive_redis_losing_the_event_and_come_back_when_the_code_is_deleted() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let body = json!({ "code": "FANS", "kind": "ACCESS", "maxUses": 5,
        "validUntil": chrono::Utc::now() + chrono::Duration::days(1), "reservedSections": ["A"] });
    let c = s.post(&format!("/api/v1/events/{e}/codes"), &s.admin_token(), body).await;
    assert_eq!((c.status, &c.body["reservedSeats"]), (StatusCode::CREATED, &json!(4)), "{c:?}");
    s.forget_in_redis(&e).await;
    let stack = &s;
    let reserved = eventually(Duration::from_secs(5), "the map rebuilt", || async {
        (statuses(stack, &e, None).await == vec!["RESERVED"; 4]).then_some(())
    });
    reserved.await;
    assert_eq!(hold(&s, &e, "ann", json!(["A-1-1"]), None).await.0, 409);
    assert_eq!(hold(&s, &e, "ann", json!(["A-1-1"]), Some("FANS")).await.0, 201);
    crate::codes::delete_code(&s, &e, "fans").await;
    assert_eq!(statuses(&s, &e, None).await, vec!["HELD", "AVAILABLE", "AVAILABLE", "AVAILABLE"]);
    assert_eq!(hold(&s, &e, "bob", json!(["A-1-2"]), None).await.0, 201);
}
