//! Tickets and check-in through the gateway: one signed ticket per seat of a confirmed booking,
//! verifiable offline with the event's public key; two gates scanning one ticket at once admit it
//! once; nonces replay (for their own ticket only); transfer re-issues; a giver's cancel leaves
//! the given seat sold; a checked-in seat is not cancelled by its buyer; the offline list.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use booking_tests::{Answer, Stack};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Books and pays `seats` for `user`: the CONFIRMED booking's id.
async fn paid(s: &Stack, event: &str, user: &str, seats: &[&str]) -> String {
    let b = s.book(event, user, seats).await;
    let id = b["id"].as_str().unwrap().to_string();
    let p = s
        .post(
            "/api/v1/payments",
            &s.token(user),
            json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
    id
}

/// What the booking's payments gave back, in all.
async fn refunded(s: &Stack, booking: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT CAST(SUM(refunded_cents) AS SIGNED) FROM payments WHERE booking_id = ?",
    )
    .bind(booking)
    .fetch_one(&s.db)
    .await
    .unwrap()
}

fn staff(who: &str) -> String {
    local_gateway::auth::mint_staff(booking_tests::SECRET, who, 3600)
}

async fn scan(s: &Stack, token: &str, body: Value) -> Answer {
    s.post("/api/v1/checkins", token, body).await
}

#[tokio::test]
async fn a_paid_booking_gets_one_signed_ticket_per_seat() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let booking = paid(&s, &e, "tess", &["A-1-1", "A-1-2"]).await;
    let t = s.token("tess");
    let list = s.get(&format!("/api/v1/bookings/{booking}/tickets"), &t).await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    let items = list.body["items"].as_array().unwrap().clone();
    assert_eq!(items.len(), 2);
    let seats: Vec<&str> = items.iter().map(|t| t["seatId"].as_str().unwrap()).collect();
    assert_eq!(seats, ["A-1-1", "A-1-2"]);
    assert!(items.iter().all(|t| t["status"] == "VALID" && t["holderUserId"] == "tess"));
    // The code verifies offline with the event's public key, and says what it is for.
    let key = s.get(&format!("/api/v1/events/{e}/checkin-key"), &s.token("anyone")).await;
    assert_eq!(key.body["alg"], "Ed25519");
    let public = URL_SAFE_NO_PAD.decode(key.body["publicKey"].as_str().unwrap()).unwrap();
    let public = ed25519_dalek::VerifyingKey::from_bytes(&public.try_into().unwrap()).unwrap();
    for t in &items {
        let code = t["code"].as_str().unwrap();
        let mut parts = code.split('.');
        assert_eq!(parts.next(), Some("T1"));
        let payload = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        let sig = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
        let sig = ed25519_dalek::Signature::from_bytes(&sig.try_into().unwrap());
        public.verify_strict(&payload, &sig).expect("the code is signed with the event's key");
        assert_eq!(&payload[16..32], uuid::Uuid::parse_str(&e).unwrap().as_bytes());
        assert_eq!(std::str::from_utf8(&payload[32..]).unwrap(), t["seatId"].as_str().unwrap());
    }
    // Listed per user; nobody else sees them.
    let mine = s.get(&format!("/api/v1/users/tess/tickets?eventId={e}"), &t).await;
    assert_eq!(mine.body["items"].as_array().unwrap().len(), 2, "{mine:?}");
    s.get("/api/v1/users/tess/tickets", &s.token("mallory")).await.assert_problem(403, "FORBIDDEN");
    s.get(&format!("/api/v1/bookings/{booking}/tickets"), &s.token("mallory"))
        .await
        .assert_problem(404, "BOOKING_NOT_FOUND");
    // The QR code.
    let id = items[0]["id"].as_str().unwrap();
    let qr = s
        .http
        .get(format!("{}/api/v1/tickets/{id}/qr.svg", s.base))
        .bearer_auth(&t)
        .send()
        .await
        .unwrap();
    assert_eq!(qr.status(), StatusCode::OK);
    assert_eq!(qr.headers()["content-type"], "image/svg+xml");
    assert!(qr.text().await.unwrap().contains("<svg"), "an SVG image");
    s.get(&format!("/api/v1/tickets/{id}/qr.svg"), &s.token("mallory"))
        .await
        .assert_problem(404, "TICKET_NOT_FOUND");
    // A pending booking has none.
    let pending = s.book(&e, "tess", &["A-1-3"]).await;
    let none =
        s.get(&format!("/api/v1/bookings/{}/tickets", pending["id"].as_str().unwrap()), &t).await;
    assert_eq!(none.body["items"], json!([]));
}

#[tokio::test]
async fn gates_racing_on_one_ticket_admit_it_exactly_once() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let booking = paid(&s, &e, "gus", &["A-1-1"]).await;
    let tickets = s.get(&format!("/api/v1/bookings/{booking}/tickets"), &s.token("gus")).await;
    let code = tickets.body["items"][0]["code"].as_str().unwrap().to_string();
    // Twenty stewards at two gates scan the same ticket at the same moment.
    const GATES: usize = 20;
    let answers = futures::future::join_all((0..GATES).map(|g| {
        let (s, code, e) = (&s, code.clone(), e.clone());
        async move {
            scan(
                s,
                &staff(&format!("steward-{g}")),
                json!({ "eventId": e, "code": code, "gate": format!("gate-{}", g % 2) }),
            )
            .await
        }
    }))
    .await;
    let admitted: Vec<&Answer> = answers.iter().filter(|a| a.status == StatusCode::OK).collect();
    assert_eq!(admitted.len(), 1, "exactly one gate admits: {answers:?}");
    let first = admitted[0];
    assert_eq!(first.body["result"], "ADMITTED");
    assert_eq!(first.body["ticket"]["status"], "CHECKED_IN");
    for a in answers.iter().filter(|a| a.status != StatusCode::OK) {
        a.assert_problem(409, "ALREADY_CHECKED_IN");
        assert_eq!(a.body["gate"], first.body["gate"], "the refusal names the first scan's gate");
    }
    let scans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM checkins").fetch_one(&s.db).await.unwrap();
    assert_eq!(scans, GATES as i64, "every scan is recorded");

    // Out, then in again; a retry with the same nonce gets the first answer, even after a change.
    let door = staff("steward-0");
    let out =
        scan(&s, &door, json!({ "eventId": e, "code": code, "gate": "exit", "direction": "out" }))
            .await;
    assert_eq!(out.body["result"], "EXITED", "{out:?}");
    scan(&s, &door, json!({ "eventId": e, "code": code, "gate": "exit", "direction": "out" }))
        .await
        .assert_problem(409, "NOT_CHECKED_IN");
    let body = json!({ "eventId": e, "code": code, "gate": "north", "nonce": "scan-42" });
    let again = scan(&s, &door, body.clone()).await;
    assert_eq!(again.body["result"], "ADMITTED", "{again:?}");
    let retry = scan(&s, &door, body).await;
    assert_eq!(
        (retry.status, &retry.body),
        (again.status, &again.body),
        "the same nonce, the same answer"
    );
    // A nonce is one ticket's: the same nonce on another ticket is refused, and admits nothing.
    let hal = paid(&s, &e, "hal", &["A-1-2"]).await;
    let theirs = s.get(&format!("/api/v1/bookings/{hal}/tickets"), &s.token("hal")).await;
    let other_code = theirs.body["items"][0]["code"].as_str().unwrap().to_string();
    let reused = json!({ "eventId": e, "code": other_code, "gate": "north", "nonce": "scan-42" });
    scan(&s, &door, reused).await.assert_problem(409, "NONCE_REUSED");
    let fresh = scan(&s, &door, json!({ "eventId": e, "code": other_code, "gate": "north" })).await;
    assert_eq!(fresh.body["result"], "ADMITTED", "the refused scan left the ticket out: {fresh:?}");

    // Codes that are not tickets, and tickets of another event.
    let forged = code.replace("T1.", "T1.A");
    scan(&s, &door, json!({ "eventId": e, "code": forged, "gate": "g" }))
        .await
        .assert_problem(422, "INVALID_TICKET");
    scan(&s, &door, json!({ "eventId": e, "code": "hello", "gate": "g" }))
        .await
        .assert_problem(422, "INVALID_TICKET");
    let other = s.simple_event(1, 1, 1).await;
    scan(&s, &door, json!({ "eventId": other, "code": code, "gate": "g" }))
        .await
        .assert_problem(409, "WRONG_EVENT");
    // Buyers do not scan (authorisation before the body is read).
    scan(&s, &s.token("gus"), json!({ "nonsense": true })).await.assert_problem(403, "FORBIDDEN");
}

#[tokio::test]
async fn a_transfer_reissues_the_code_and_leaves_the_given_seat_sold_when_the_giver_cancels() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let since = chrono::Utc::now() - chrono::Duration::seconds(5);
    let booking = paid(&s, &e, "amy", &["A-1-1", "A-1-2"]).await;
    let list = s.get(&format!("/api/v1/bookings/{booking}/tickets"), &s.token("amy")).await;
    let (t1, t2) = (list.body["items"][0].clone(), list.body["items"][1].clone());
    let door = staff("door");

    // Amy gives A-1-1 to Ben: a new ticket and code; the old code is revoked.
    let path = |t: &Value| format!("/api/v1/tickets/{}/transfer", t["id"].as_str().unwrap());
    // Someone else's ticket: 404, before the body is looked at.
    s.post(&path(&t1), &s.token("ben"), json!({ "toUserId": 7 }))
        .await
        .assert_problem(404, "TICKET_NOT_FOUND");
    s.post(&path(&t1), &s.token("ben"), json!({ "toUserId": "cat" }))
        .await
        .assert_problem(404, "TICKET_NOT_FOUND");
    let moved = s.post(&path(&t1), &s.token("amy"), json!({ "toUserId": "ben" })).await;
    assert_eq!(moved.status, StatusCode::OK, "{moved:?}");
    assert_eq!(
        (moved.body["holderUserId"].as_str(), moved.body["seatId"].as_str()),
        (Some("ben"), Some("A-1-1"))
    );
    assert_ne!(moved.body["code"], t1["code"]);
    let bens = s.get("/api/v1/users/ben/tickets", &s.token("ben")).await;
    assert_eq!(bens.body["items"][0]["id"], moved.body["id"]);
    s.post(&path(&t1), &s.token("amy"), json!({ "toUserId": "cat" }))
        .await
        .assert_problem(409, "TICKET_REVOKED");
    scan(&s, &door, json!({ "eventId": e, "code": t1["code"], "gate": "g" }))
        .await
        .assert_problem(409, "TICKET_REVOKED");
    let ok =
        scan(&s, &door, json!({ "eventId": e, "code": moved.body["code"], "gate": "g" })).await;
    assert_eq!(ok.body["result"], "ADMITTED", "{ok:?}");
    s.post(&path(&moved.body), &s.token("ben"), json!({ "toUserId": "cat" }))
        .await
        .assert_problem(409, "ALREADY_CHECKED_IN");

    // The offline list: the revoked code and the used one.
    let list = s
        .get(
            &format!(
                "/api/v1/events/{e}/checkin-list?since={}",
                since.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            ),
            &door,
        )
        .await;
    assert_eq!(list.status, StatusCode::OK, "{list:?}");
    assert_eq!(list.body["revoked"], json!([t1["code"]]));
    assert_eq!(list.body["used"][0]["code"], moved.body["code"]);
    assert_eq!(list.body["used"][0]["gate"], "g");
    s.get(&format!("/api/v1/events/{e}/checkin-list"), &s.token("amy"))
        .await
        .assert_problem(403, "FORBIDDEN");

    // Amy's view of her booking: the given ticket is TRANSFERRED, without its code.
    let mine = s.get(&format!("/api/v1/bookings/{booking}/tickets"), &s.token("amy")).await;
    let items = mine.body["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "one per seat: {mine:?}");
    let gone = items.iter().find(|t| t["seatId"] == "A-1-1").unwrap();
    assert_eq!(gone["status"], "TRANSFERRED");
    assert!(gone.get("code").is_none(), "the giver never sees the holder's code: {gone}");

    // Amy cancels the booking: only her own seat is freed, revoked and refunded; Ben's seat stays
    // sold and his ticket (checked in) stays his.
    let c = s.put(&format!("/api/v1/bookings/{booking}/cancel"), &s.token("amy"), None).await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    assert_eq!(c.body["status"], "CONFIRMED", "{c:?}");
    assert_eq!(c.body["seatIds"], json!(["A-1-1"]));
    assert_eq!(c.body["totalCents"], 5000);
    scan(&s, &door, json!({ "eventId": e, "code": t2["code"], "gate": "g" }))
        .await
        .assert_problem(409, "TICKET_REVOKED");
    let held = s.get("/api/v1/users/ben/tickets", &s.token("ben")).await;
    assert_eq!(held.body["items"][0]["status"], "CHECKED_IN", "{held:?}");
    let refunded = refunded(&s, &booking).await;
    assert_eq!(refunded, 5000, "A-1-2's price only");
    let again = s.put(&format!("/api/v1/bookings/{booking}/cancel"), &s.token("amy"), None).await;
    again.assert_problem(409, "BOOKING_STATE_CONFLICT");
    // Every ticket change went out with the transaction that made it: issued (two seats, one
    // message), transferred, checked in (the transferred one), revoked (the cancel).
    for kind in ["TicketsIssued", "TicketTransferred", "TicketCheckedIn", "TicketRevoked"] {
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM history WHERE payload LIKE ?")
            .bind(format!("%\"type\":\"{kind}\"%"))
            .fetch_one(&s.db)
            .await
            .unwrap();
        assert_eq!(count, 1, "{kind} messages");
    }
    let after = s
        .send(
            Method::GET,
            &format!("/api/v1/bookings/{booking}/tickets"),
            Some(&s.token("amy")),
            None,
        )
        .await;
    let statuses: Vec<&str> = after.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 2, "{after:?}");
    assert!(statuses.contains(&"TRANSFERRED") && statuses.contains(&"REVOKED"), "{after:?}");
}

#[tokio::test]
async fn a_buyer_who_walked_in_does_not_cancel_for_the_money() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let booking = paid(&s, &e, "ida", &["A-1-1", "A-1-2"]).await;
    let list = s.get(&format!("/api/v1/bookings/{booking}/tickets"), &s.token("ida")).await;
    let inside = list.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["seatId"] == "A-1-2")
        .unwrap()
        .clone();
    let ok = scan(&s, &staff("door"), json!({ "eventId": e, "code": inside["code"], "gate": "g" }))
        .await;
    assert_eq!(ok.body["result"], "ADMITTED", "{ok:?}");
    let cancel = format!("/api/v1/bookings/{booking}/cancel");
    let whole = s.put(&cancel, &s.token("ida"), None).await;
    whole.assert_problem(409, "ALREADY_CHECKED_IN");
    assert_eq!(whole.body["seatIds"], json!(["A-1-2"]));
    s.put(&cancel, &s.token("ida"), Some(json!({ "seatIds": ["A-1-2"] })))
        .await
        .assert_problem(409, "ALREADY_CHECKED_IN");
    // Many at once: none of them gets through.
    let ida = s.token("ida");
    let tries = futures::future::join_all((0..8).map(|_| s.put(&cancel, &ida, None))).await;
    assert!(tries.iter().all(|a| a.status == StatusCode::CONFLICT), "{tries:?}");
    let refunded = refunded(&s, &booking).await;
    assert_eq!(refunded, 0);
    // The seat not used may go back; an admin may cancel the rest.
    let part = s.put(&cancel, &s.token("ida"), Some(json!({ "seatIds": ["A-1-1"] }))).await;
    assert_eq!(
        (part.status, part.body["seatIds"].clone()),
        (StatusCode::OK, json!(["A-1-2"])),
        "{part:?}"
    );
    let by_admin = s.put(&cancel, &s.admin_token(), None).await;
    assert_eq!(by_admin.body["status"], "CANCELLED", "{by_admin:?}");
}
