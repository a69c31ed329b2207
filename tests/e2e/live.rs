//! Events out, end to end: the relay, the consumer functions fed MSK-shaped batches by the
//! gateway, WebSocket subscribers, email through the AWS emulator, the sweep, and the live page in
//! a real browser.

use std::time::{Duration, Instant};

use booking_core::adapters::kafka::MskContext;
use booking_tests::{eventually, Stack, WsClient};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// "Within a second" (API.md), measured from the HTTP answer that made the change.
const WITHIN: Duration = Duration::from_secs(1);

/// Waits for the consumers to have joined: a hold's push arrives (the first can take a group join).
async fn warm_up(s: &Stack, ws: &mut WsClient, event: &str, seat: &str) {
    let t = s.token("warm-up");
    let h =
        s.post(&format!("/api/v1/events/{event}/holds"), &t, json!({ "seatIds": [seat] })).await;
    assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
    let m = ws
        .next(Duration::from_secs(60))
        .await
        .expect("the first push arrives once the consumer has joined");
    assert_eq!(m["seats"], json!([{ "id": seat, "status": "HELD" }]), "{m}");
}

/// The next `seats.changed` as (seat ids, status), asserting it came within [`WITHIN`] of `since`.
async fn change(ws: &mut WsClient, since: Instant) -> (Vec<String>, String) {
    let m = ws.next(Duration::from_secs(5)).await.expect("a seats.changed push");
    assert!(since.elapsed() < WITHIN, "pushed {:?} after the change: {m}", since.elapsed());
    assert_eq!(m["type"], "seats.changed", "{m}");
    let seats = m["seats"].as_array().unwrap();
    let status = seats[0]["status"].as_str().unwrap().to_string();
    assert!(seats.iter().all(|s| s["status"] == json!(status)), "{m}");
    (seats.iter().map(|s| s["id"].as_str().unwrap().to_string()).collect(), status)
}

#[tokio::test]
async fn a_subscriber_sees_every_seat_change_in_order_within_a_second() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let e = s.simple_event(1, 10, 6).await;
    let mut ws = WsClient::connect(&s.ws_url("watcher", Some(&e))).await.expect("connected");
    // A second client subscribes by message, twice (the same as once).
    let mut other = WsClient::connect(&s.ws_url("other", None)).await.expect("connected");
    for _ in 0..2 {
        other.send(json!({ "action": "subscribe", "eventId": e })).await;
        assert_eq!(
            other.next(Duration::from_secs(5)).await,
            Some(json!({ "type": "subscribed", "eventId": e }))
        );
    }
    warm_up(&s, &mut ws, &e, "A-1-10").await;
    assert_eq!(other.next(Duration::from_secs(5)).await.unwrap()["seats"][0]["id"], "A-1-10");

    let alice = s.token("alice");
    let t = Instant::now();
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &alice,
            json!({ "seatIds": ["A-1-1", "A-1-2"] }),
        )
        .await;
    assert_eq!(h.status, StatusCode::CREATED);
    assert_eq!(change(&mut ws, t).await, (vec!["A-1-1".into(), "A-1-2".into()], "HELD".into()));
    let t = Instant::now();
    let gone = s
        .send(
            reqwest::Method::DELETE,
            &format!("/api/v1/holds/{}", h.body["id"].as_str().unwrap()),
            Some(&alice),
            None,
        )
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    assert_eq!(
        change(&mut ws, t).await,
        (vec!["A-1-1".into(), "A-1-2".into()], "AVAILABLE".into())
    );
    // Hold, book, pay (which confirms), cancel: HELD, BOOKED, AVAILABLE, each pushed once.
    let t = Instant::now();
    let b = s.post("/api/v1/bookings", &alice, json!({ "eventId": e, "seatIds": ["A-1-3"] })).await;
    assert_eq!(b.status, StatusCode::CREATED, "{b:?}");
    assert_eq!(change(&mut ws, t).await, (vec!["A-1-3".into()], "HELD".into()));
    let t = Instant::now();
    let p = s
        .post(
            "/api/v1/payments",
            &alice,
            json!({ "bookingId": b.body["id"], "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
    assert_eq!(change(&mut ws, t).await, (vec!["A-1-3".into()], "BOOKED".into()));
    let t = Instant::now();
    let c = s
        .put(&format!("/api/v1/bookings/{}/cancel", b.body["id"].as_str().unwrap()), &alice, None)
        .await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    assert_eq!(change(&mut ws, t).await, (vec!["A-1-3".into()], "AVAILABLE".into()));
    assert_eq!(ws.next(Duration::from_millis(500)).await, None, "each change once");

    // The other subscriber saw the same five changes in the same order.
    let mut seen = Vec::new();
    while let Some(m) = other.next(Duration::from_millis(500)).await {
        seen.push((
            m["seats"][0]["id"].as_str().unwrap().to_string(),
            m["seats"][0]["status"].as_str().unwrap().to_string(),
        ));
    }
    let expected = [
        ("A-1-1", "HELD"),
        ("A-1-1", "AVAILABLE"),
        ("A-1-3", "HELD"),
        ("A-1-3", "BOOKED"),
        ("A-1-3", "AVAILABLE"),
    ];
    assert_eq!(seen, expected.map(|(a, b)| (a.to_string(), b.to_string())));

    // After unsubscribing nothing more arrives; a closed connection is forgotten on the next push.
    other.send(json!({ "action": "unsubscribe", "eventId": e })).await;
    assert_eq!(
        other.next(Duration::from_secs(5)).await,
        Some(json!({ "type": "unsubscribed", "eventId": e }))
    );
    ws.close().await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let h =
        s.post(&format!("/api/v1/events/{e}/holds"), &alice, json!({ "seatIds": ["A-1-5"] })).await;
    assert_eq!(h.status, StatusCode::CREATED);
    assert_eq!(other.next(Duration::from_secs(1)).await, None);
    assert!(
        s.app.connections.subscribers(e.parse().unwrap()).await.unwrap().is_empty(),
        "no subscriber is left"
    );
}

#[tokio::test]
async fn websocket_input_is_checked() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 2, 2).await;
    let base = s.base.replace("http://", "ws://");
    let (status, body) =
        WsClient::connect(&format!("{base}/ws")).await.err().expect("no token, no connection");
    assert_eq!((status, body["code"].as_str()), (401, Some("UNAUTHORIZED")));
    let forged = local_gateway::auth::mint("not-the-secret", "mallory", false, 60);
    assert_eq!(
        WsClient::connect(&format!("{base}/ws?token={forged}")).await.err().map(|e| e.0),
        Some(401)
    );
    let unknown = uuid::Uuid::now_v7();
    let (status, body) = WsClient::connect(&s.ws_url("ann", Some(&unknown.to_string())))
        .await
        .err()
        .expect("unknown event refused");
    assert_eq!((status, body["code"].as_str()), (404, Some("EVENT_NOT_FOUND")));

    let mut ws = WsClient::connect(&s.ws_url("ann", None)).await.expect("connected");
    ws.send(json!({ "action": "subscribe", "eventId": "not-a-uuid" })).await;
    let m = ws.next(Duration::from_secs(5)).await.unwrap();
    assert_eq!((m["type"].as_str(), m["status"].as_u64()), (Some("error"), Some(422)), "{m}");
    ws.send(json!({ "action": "subscribe", "eventId": unknown })).await;
    assert_eq!(ws.next(Duration::from_secs(5)).await.unwrap()["code"], "EVENT_NOT_FOUND");
    ws.send(json!({ "action": "dance" })).await;
    assert_eq!(ws.next(Duration::from_secs(5)).await.unwrap()["message"], "Forbidden");
    ws.send(json!({ "action": "subscribe", "eventId": e })).await;
    assert_eq!(ws.next(Duration::from_secs(5)).await.unwrap()["type"], "subscribed");
    // Nothing was subscribed by the refused attempts.
    assert!(s.app.connections.subscribers(unknown).await.unwrap().is_empty());
    assert_eq!(s.app.connections.subscribers(e.parse().unwrap()).await.unwrap().len(), 1);
}

/// The emails the AWS emulator took for `to`: (subject, body).
pub(crate) async fn emails_to(to: &str) -> Vec<(String, String)> {
    let endpoint =
        std::env::var("AWS_ENDPOINT_URL").unwrap_or_else(|_| "http://127.0.0.1:5000".into());
    let data: Value =
        reqwest::get(format!("{endpoint}/moto-api/data.json")).await.unwrap().json().await.unwrap();
    data["ses"]["Message"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .filter(|m| {
            m["destinations"]["ToAddresses"].as_array().is_some_and(|a| a.iter().any(|d| d == to))
        })
        .map(|m| {
            (
                m["subject"].as_str().unwrap_or_default().to_string(),
                m["body"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The emails to `to`, once there is one (at most a minute).
pub(crate) async fn first_emails_to(to: &str) -> Vec<(String, String)> {
    eventually(Duration::from_secs(60), "an email", || async {
        Some(emails_to(to).await).filter(|m| !m.is_empty())
    })
    .await
}

/// The offset `group` has committed on partition 0 of this test's `topic`.
fn committed(s: &Stack, group: &str, topic: &str) -> i64 {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    let group = format!("{}{group}", s.redis_prefix);
    let c: BaseConsumer<MskContext> = s.kafka().client(&[("group.id", &group)]).unwrap();
    let mut tpl = rdkafka::TopicPartitionList::new();
    tpl.add_partition(&format!("{}{topic}", s.redis_prefix), 0);
    let got = c.committed_offsets(tpl, Duration::from_secs(10)).unwrap();
    got.elements().first().and_then(|e| e.offset().to_raw()).unwrap_or(-1)
}

/// The raw messages on this test's `topic` so far.
async fn read_topic(s: &Stack, topic: &str, want: usize) -> Vec<Vec<u8>> {
    use rdkafka::consumer::{Consumer, StreamConsumer};
    let group = format!("{}reader-{}", s.redis_prefix, uuid::Uuid::new_v4());
    let c: StreamConsumer<MskContext> =
        s.kafka().client(&[("group.id", &group), ("auto.offset.reset", "earliest")]).unwrap();
    c.subscribe(&[&format!("{}{topic}", s.redis_prefix)]).unwrap();
    let mut out = Vec::new();
    while out.len() < want {
        let m = tokio::time::timeout(Duration::from_secs(30), c.recv())
            .await
            .expect("messages arrive")
            .unwrap();
        out.push(rdkafka::Message::payload(&m).unwrap_or_default().to_vec());
    }
    out
}

#[tokio::test]
async fn a_confirmed_booking_mails_once_even_when_its_message_comes_twice() {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let e = s.simple_event(1, 4, 4).await;
    let user = format!("mail-{}", uuid::Uuid::new_v4().simple());
    let to = format!("{user}@example.com");
    // A buyer whose token has a phone number gets an SMS too.
    let now = chrono::Utc::now().timestamp();
    let token = local_gateway::auth::sign(
        booking_tests::SECRET,
        &json!({ "sub": user, "exp": now + 600, "email": to, "phone_number": "+15555550123" }),
    );
    let h = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &token,
            json!({ "seatIds": ["A-1-1", "A-1-2"] }),
        )
        .await;
    let b = s.post("/api/v1/bookings", &token, json!({ "holdId": h.body["id"] })).await.body;
    let p = s
        .post(
            "/api/v1/payments",
            &token,
            json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(p.body["status"], "SUCCEEDED", "{p:?}");
    let mails = first_emails_to(&to).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "Your tickets for Test night");
    assert!(
        mails[0].1.contains("Seats: A-1-1, A-1-2") && mails[0].1.contains("100.00 USD"),
        "{}",
        mails[0].1
    );
    // The email carries the tickets: each seat's code, the same the API serves.
    let tickets =
        s.get(&format!("/api/v1/bookings/{}/tickets", b["id"].as_str().unwrap()), &token).await;
    for t in tickets.body["items"].as_array().unwrap() {
        let code = t["code"].as_str().unwrap();
        assert!(mails[0].1.contains(code), "the email carries {code}: {}", mails[0].1);
    }

    // The BookingConfirmed message, delivered again: produced once more to the topic (the gateway's
    // consumer takes it), and handed to the function twice in one MSK batch.
    let messages = read_topic(&s, "booking.events", 2).await;
    let confirmed = messages
        .iter()
        .find(|m| serde_json::from_slice::<Value>(m).unwrap()["type"] == "BookingConfirmed")
        .unwrap()
        .clone();
    let raw = String::from_utf8(confirmed.clone()).unwrap();
    let id =
        serde_json::from_slice::<Value>(&confirmed).unwrap()["id"].as_str().unwrap().to_string();
    // Both sends are on record: a claim taken now would mean the SMS was never sent.
    for channel in ["email", "sms"] {
        assert!(
            !s.app
                .claims
                .claim(&format!("notify#{id}#{channel}"), chrono::Utc::now())
                .await
                .unwrap(),
            "{channel} sent"
        );
    }
    s.app.publisher.publish("booking.events", &e, &raw).await.unwrap();
    let record = |offset: i64| {
        json!({ "topic": "booking.events", "partition": 0, "offset": offset, "timestamp": 1_795_000_000_000i64,
            "timestampType": "CREATE_TIME", "key": STANDARD.encode(&e), "value": STANDARD.encode(&confirmed), "headers": [] })
    };
    let batch: aws_lambda_events::event::kafka::KafkaEvent =
        serde_json::from_value(json!({ "eventSource": "aws:kafka", "records": { "booking.events-0": [record(1), record(2)] } })).unwrap();
    let consumer = booking_core::consumers::consumer("notifications").unwrap();
    let report = booking_core::consumers::consume(&s.app, "notifications", batch, consumer.handler)
        .await
        .unwrap();
    assert_eq!((report.records, report.done, report.dead_lettered), (2, 0, 0), "{report:?}");
    // Wait until the gateway's consumer has committed past the duplicate (offset 3: created,
    // confirmed, tickets issued, duplicate).
    eventually(Duration::from_secs(30), "the duplicate consumed", || async {
        (committed(&s, "notifications", "booking.events") >= 4).then_some(())
    })
    .await;
    assert_eq!(emails_to(&to).await.len(), 1, "still exactly one email");

    // Giving a ticket away tells the buyer.
    let tickets =
        s.get(&format!("/api/v1/bookings/{}/tickets", b["id"].as_str().unwrap()), &token).await;
    let ticket = tickets.body["items"][0]["id"].as_str().unwrap().to_string();
    let moved = s
        .post(
            &format!("/api/v1/tickets/{ticket}/transfer"),
            &token,
            json!({ "toUserId": "friend" }),
        )
        .await;
    assert_eq!(moved.status, reqwest::StatusCode::OK, "{moved:?}");
    let mails = eventually(Duration::from_secs(30), "a second email", || async {
        Some(emails_to(&to).await).filter(|m| m.len() >= 2)
    })
    .await;
    assert!(
        mails.iter().any(|(subject, body)| subject == "Ticket transferred: Test night"
            && body.contains("friend")),
        "{mails:?}"
    );
}

#[tokio::test]
async fn a_message_no_consumer_can_read_goes_to_the_dead_letter_topic() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    s.app.publisher.publish("booking.events", "k", "this is not JSON").await.unwrap();
    let letters = read_topic(&s, "dead.letter", 1).await;
    let letter: Value = serde_json::from_slice(&letters[0]).unwrap();
    assert_eq!(letter["consumer"], "notifications");
    assert!(letter["reason"].as_str().unwrap().starts_with("not a message"), "{letter}");
    assert_eq!(letter["origin"], "booking.events-0@0");
    // The batch was committed: the consumer goes on with the next message.
    eventually(Duration::from_secs(30), "the dead letter's batch committed", || async {
        (committed(&s, "notifications", "booking.events") >= 1).then_some(())
    })
    .await;
    assert_eq!(committed(&s, "notifications", "booking.events"), 1);
}

#[tokio::test]
async fn an_unpaid_booking_past_its_deadline_expires_once_under_racing_sweeps_and_is_announced() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let e = s.simple_event(1, 4, 4).await;
    let mut ws = WsClient::connect(&s.ws_url("watcher", Some(&e))).await.expect("connected");
    warm_up(&s, &mut ws, &e, "A-1-4").await;
    let user = format!("late-{}", uuid::Uuid::new_v4().simple());
    let b = s.book(&e, &user, &["A-1-1", "A-1-2"]).await;
    assert_eq!(ws.next(Duration::from_secs(5)).await.unwrap()["seats"][0]["status"], "HELD");
    // Its payment deadline passes.
    sqlx::query("UPDATE bookings SET expires_at = NOW(3) - INTERVAL 1 SECOND WHERE id = ?")
        .bind(b["id"].as_str().unwrap())
        .execute(&s.db)
        .await
        .unwrap();
    let (one, two) = tokio::join!(
        booking_core::app::sweep::sweep(&s.app),
        booking_core::app::sweep::sweep(&s.app)
    );
    // Measured from the sweeps' end, as the HTTP changes are from their answer.
    let t = Instant::now();
    assert_eq!(one.unwrap().expired + two.unwrap().expired, 1, "expired once");
    assert_eq!(
        change(&mut ws, t).await,
        (vec!["A-1-1".into(), "A-1-2".into()], "AVAILABLE".into())
    );
    assert_eq!(ws.next(Duration::from_millis(500)).await, None, "announced once");
    let got =
        s.get(&format!("/api/v1/bookings/{}", b["id"].as_str().unwrap()), &s.token(&user)).await;
    assert_eq!(got.body["status"], "EXPIRED");
    let map = s.seat_statuses(&e).await;
    assert_eq!((map["A-1-1"].as_str(), map["A-1-2"].as_str()), ("AVAILABLE", "AVAILABLE"));
    // The buyer hears about it, once.
    let to = format!("{user}@example.com");
    let mails = first_emails_to(&to).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert_eq!(mails[0].0, "Your seats for Test night were released");
}
