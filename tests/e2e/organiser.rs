//! Organiser tools through the gateway: cancelling an event (dry run, the cancel job killed
//! mid-way and run twice at once, every payment refunded once at the provider), blocks, partial
//! cancels with partial refunds, and the history of bookings and seats.

use std::time::Duration;

use booking_core::app::cancel_event;
use booking_tests::{eventually, Stack, WsClient};
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

/// Seats per booking in the cancel test, and the section's price.
const SEATS: usize = 2;
const PRICE: i64 = 5000;

/// The `type` of each Change of a history answer, in order.
fn kinds(h: &booking_tests::Answer) -> Vec<&str> {
    h.body["items"].as_array().unwrap().iter().map(|c| c["type"].as_str().unwrap()).collect()
}

async fn scalar(s: &Stack, sql: &str, event: &str) -> i64 {
    sqlx::query_scalar(sql).bind(event).fetch_one(&s.db).await.unwrap()
}

#[tokio::test]
async fn cancelling_an_event_cancels_and_refunds_every_booking_once_though_killed_and_run_twice() {
    let s = Stack::start_sandbox().await;
    let e = s
        .create_event(
            json!({ "name": "Called off", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "maxSeatsPerOrder": 4,
            "sections": [{ "name": "A", "rows": 25, "seatsPerRow": 20, "priceCents": PRICE }] }),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // 240 bookings of two seats by 240 buyers: 150 paid (CONFIRMED), 90 not yet (PENDING).
    let bookings: Vec<Value> = futures::stream::iter(0..240)
        .map(|i| {
            let (s, e) = (&s, &e);
            async move {
                let (row, n) = (i / 10 + 1, (i % 10) * 2 + 1);
                let seats = [format!("A-{row}-{n}"), format!("A-{row}-{}", n + 1)];
                let b = s.book(e, &format!("buyer{i}"), &[&seats[0], &seats[1]]).await;
                if i < 150 {
                    s.pay(&b).await;
                }
                b
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    // A hold nobody booked yet.
    let late = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("late"),
            json!({ "seatIds": ["A-25-1"] }),
        )
        .await;
    assert_eq!(late.status, StatusCode::CREATED, "{late:?}");

    // The preview counts what the cancel will do and changes nothing.
    s.post(&format!("/api/v1/events/{e}/cancel?dryRun=true"), &s.token("buyer1"), json!({}))
        .await
        .assert_problem(403, "FORBIDDEN");
    let dry = s
        .post(&format!("/api/v1/events/{e}/cancel?dryRun=true"), &s.admin_token(), json!({}))
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{dry:?}");
    let refund_cents = 150 * SEATS as i64 * PRICE;
    assert_eq!(dry.body, json!({ "bookings": 240, "confirmed": 150, "refundCents": refund_cents }));
    let ev = s.get(&format!("/api/v1/events/{e}"), &s.token("buyer1")).await;
    assert_eq!(ev.body["saleStatus"], "ON_SALE", "{ev:?}");

    // The cancel: the event stops selling at once.
    let c = s.post(&format!("/api/v1/events/{e}/cancel"), &s.admin_token(), json!({})).await;
    assert_eq!(c.status, StatusCode::ACCEPTED, "{c:?}");
    assert_eq!(c.body["saleStatus"], "CANCELLED");
    assert_eq!(c.body["cancellation"]["bookingsLeft"], 240, "{c:?}");
    assert!(c.body["cancellation"]["completedAt"].is_null());
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("new"), json!({ "seatIds": ["A-25-5"] }))
        .await
        .assert_problem(409, "NOT_ON_SALE");
    s.post("/api/v1/bookings", &s.token("late"), json!({ "holdId": late.body["id"] }))
        .await
        .assert_problem(409, "NOT_ON_SALE");

    // The job, killed mid-way: stopped at whatever await it had reached once some bookings were
    // cancelled (mid-transaction, between a commit and its refund, between the provider's answer
    // and the mark).
    let app = s.app.clone();
    let id: uuid::Uuid = e.parse().unwrap();
    let job = tokio::spawn(async move { cancel_event::work(&app, id, 240).await });
    let cancelled_sql = "SELECT COUNT(*) FROM bookings WHERE event_id = ? AND status = 'CANCELLED'";
    eventually(Duration::from_secs(60), "40 bookings cancelled by the job", || async {
        (scalar(&s, cancelled_sql, &e).await >= 40).then_some(())
    })
    .await;
    job.abort();
    let _ = job.await;
    let after_kill = scalar(&s, cancelled_sql, &e).await;
    assert!(after_kill < 240, "the job was stopped before the end ({after_kill})");
    // Then two jobs at once, batch by batch, until it is finished.
    for _ in 0..20 {
        let (a, b) =
            tokio::join!(cancel_event::work(&s.app, id, 50), cancel_event::work(&s.app, id, 50));
        a.unwrap();
        b.unwrap();
        if s.app.cancellations.finish(id, s.app.now()).await.unwrap() {
            break;
        }
    }

    // Every booking CANCELLED, every payment REFUNDED in full, every ticket revoked, every seat free.
    assert_eq!(scalar(&s, cancelled_sql, &e).await, 240);
    let payments = "SELECT COUNT(*) FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE b.event_id = ? \
                    AND p.status = 'REFUNDED' AND p.refunded_cents = p.amount_cents";
    assert_eq!(scalar(&s, payments, &e).await, 150);
    // The provider saw exactly one refund per payment, of the whole amount; what it was asked
    // twice (a refund sent again after the kill) it applied once.
    let per_payment: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT r.payment_id, COUNT(*), CAST(SUM(r.amount_cents) AS SIGNED) FROM sandbox_refunds r \
         JOIN payments p ON p.id = r.payment_id JOIN bookings b ON b.id = p.booking_id WHERE b.event_id = ? \
         GROUP BY r.payment_id",
    )
    .bind(&e)
    .fetch_all(&s.db)
    .await
    .unwrap();
    assert_eq!(per_payment.len(), 150);
    assert!(
        per_payment.iter().all(|(_, n, cents)| *n == 1 && *cents == SEATS as i64 * PRICE),
        "{per_payment:?}"
    );
    assert_eq!(per_payment.iter().map(|p| p.2).sum::<i64>(), refund_cents, "what the dry run said");
    assert_eq!(
        scalar(&s, "SELECT COUNT(*) FROM refunds WHERE event_id = ? AND sent_at IS NULL", &e).await,
        0
    );
    assert_eq!(
        scalar(&s, "SELECT COUNT(*) FROM tickets WHERE event_id = ? AND live = 1", &e).await,
        0
    );
    assert_eq!(
        scalar(&s, "SELECT COUNT(*) FROM tickets WHERE event_id = ? AND status = 'REVOKED'", &e)
            .await,
        150 * SEATS as i64
    );
    assert_eq!(
        scalar(&s, "SELECT COUNT(*) FROM seats WHERE event_id = ? AND status <> 'AVAILABLE'", &e)
            .await,
        0
    );
    assert!(s.seat_statuses(&e).await.values().all(|st| st == "AVAILABLE"), "holds released too");
    // Every buyer is told: one BookingCancelled message per booking, in the outbox with it.
    assert_eq!(
        scalar(&s, "SELECT COUNT(*) FROM history WHERE msg_key = ? AND payload LIKE '%\"type\":\"BookingCancelled\"%'", &e).await,
        240
    );
    assert_eq!(s.audit().await, (0, 0, 0));

    // The event shows the finished cancel; cancelling again changes nothing.
    let ev = s.get(&format!("/api/v1/events/{e}"), &s.admin_token()).await;
    let progress = &ev.body["cancellation"];
    assert!(progress["completedAt"].is_string(), "{ev:?}");
    assert_eq!(
        (
            &progress["bookingsLeft"],
            &progress["refundsPending"],
            &progress["bookingsCancelled"],
            &progress["refundedCents"]
        ),
        (&json!(0), &json!(0), &json!(240), &json!(refund_cents))
    );
    let again = s.post(&format!("/api/v1/events/{e}/cancel"), &s.admin_token(), json!({})).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    cancel_event::run(&s.app).await.unwrap();
    assert_eq!(scalar(&s, "SELECT COUNT(*) FROM sandbox_refunds r JOIN payments p ON p.id = r.payment_id JOIN bookings b ON b.id = p.booking_id WHERE b.event_id = ?", &e).await, 150);

    // A paid booking's history tells the whole story, the cancel's part by the system.
    let paid = &bookings.iter().find(|b| b["userId"] == "buyer0").unwrap();
    let h = s
        .get(
            &format!("/api/v1/bookings/{}/history", paid["id"].as_str().unwrap()),
            &s.token("buyer0"),
        )
        .await;
    assert_eq!(h.status, StatusCode::OK, "{h:?}");
    let types = kinds(&h);
    assert_eq!(
        types,
        [
            "BookingCreated",
            "PaymentSucceeded",
            "BookingConfirmed",
            "TicketsIssued",
            "BookingCancelled",
            "TicketRevoked",
            "PaymentRefunded"
        ],
        "{h:?}"
    );
    assert_eq!(h.body["items"][0]["actor"], "buyer0");
    assert_eq!(h.body["items"][4]["actor"], "system");
    s.get(
        &format!("/api/v1/bookings/{}/history", paid["id"].as_str().unwrap()),
        &s.token("buyer1"),
    )
    .await
    .assert_problem(404, "BOOKING_NOT_FOUND");
}

#[tokio::test]
async fn blocked_seats_cannot_be_held_show_blocked_live_and_survive_a_reload() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let e = s.simple_event(1, 10, 6).await;
    let mut ws = WsClient::connect(&s.ws_url("watcher", Some(&e))).await.expect("connected");
    // The first push can take a consumer group join.
    let warm = s
        .post(
            &format!("/api/v1/events/{e}/holds"),
            &s.token("warm"),
            json!({ "seatIds": ["A-1-10"] }),
        )
        .await;
    assert_eq!(warm.status, StatusCode::CREATED);
    ws.next(Duration::from_secs(60)).await.expect("the first push");

    let path = format!("/api/v1/events/{e}/blocks");
    let admin = s.admin_token();
    s.post(&path, &s.token("ann"), json!({ "seatIds": ["A-1-1"] }))
        .await
        .assert_problem(403, "FORBIDDEN");
    s.post(&path, &admin, json!({ "seatIds": ["Z-9-9"] }))
        .await
        .assert_problem(422, "UNKNOWN_SEATS");
    // A held seat cannot be blocked, and nothing of an all-or-none block happens then.
    s.post(&path, &admin, json!({ "seatIds": ["A-1-2", "A-1-10"], "reason": "camera" }))
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");
    let b =
        s.post(&path, &admin, json!({ "seatIds": ["A-1-2", "A-1-1"], "reason": "camera" })).await;
    assert_eq!(
        (b.status, &b.body),
        (StatusCode::OK, &json!({ "seatIds": ["A-1-1", "A-1-2"] })),
        "{b:?}"
    );
    let m = ws.next(Duration::from_secs(5)).await.expect("a push");
    assert_eq!(
        m["seats"],
        json!([{ "id": "A-1-1", "status": "BLOCKED" }, { "id": "A-1-2", "status": "BLOCKED" }]),
        "{m}"
    );
    // Blocking again is the same block.
    assert_eq!(s.post(&path, &admin, json!({ "seatIds": ["A-1-1"] })).await.status, StatusCode::OK);

    let statuses = s.seat_statuses(&e).await;
    assert_eq!((statuses["A-1-1"].as_str(), statuses["A-1-3"].as_str()), ("BLOCKED", "AVAILABLE"));
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("ann"), json!({ "seatIds": ["A-1-1"] }))
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");
    let best = s
        .post(&format!("/api/v1/events/{e}/holds"), &s.token("ann"), json!({ "quantity": 2 }))
        .await;
    assert_eq!(best.status, StatusCode::CREATED);
    assert!(
        !booking_tests::ids(&best.body["seatIds"]).iter().any(|x| x == "A-1-1" || x == "A-1-2"),
        "{best:?}"
    );

    // Redis loses the event: the map is rebuilt from MySQL with the blocks.
    s.forget_in_redis(&e).await;
    assert_eq!(s.seat_statuses(&e).await["A-1-2"], "BLOCKED");
    s.post(&format!("/api/v1/events/{e}/holds"), &s.token("bob"), json!({ "seatIds": ["A-1-2"] }))
        .await
        .assert_problem(409, "SEATS_UNAVAILABLE");

    // Put back: on sale again.
    let u = s
        .send_with(
            Method::DELETE,
            &path,
            &admin,
            Some(json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3"] })),
            &[],
        )
        .await;
    assert_eq!(
        (u.status, &u.body),
        (StatusCode::OK, &json!({ "seatIds": ["A-1-1", "A-1-2"] })),
        "{u:?}"
    );
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "AVAILABLE");
    let booked = s.book(&e, "cid", &["A-1-1"]).await;

    // The seat's history: blocked, put back, booked, each with who did it.
    s.get(&format!("/api/v1/events/{e}/seats/A-1-1/history"), &s.token("cid"))
        .await
        .assert_problem(403, "FORBIDDEN");
    s.get(&format!("/api/v1/events/{e}/seats/Q-1-1/history"), &admin)
        .await
        .assert_problem(404, "SEAT_NOT_FOUND");
    // The hold before the booking lives in Redis: the relay (every 100 ms here) archives it.
    let history = format!("/api/v1/events/{e}/seats/A-1-1/history");
    let h =
        eventually(Duration::from_secs(5), "the hold archived in the seat's history", || async {
            let h = s.get(&history, &admin).await;
            h.body["items"]
                .as_array()
                .is_some_and(|i| i.iter().any(|c| c["type"] == "SeatsHeld"))
                .then_some(h)
        })
        .await;
    assert_eq!(h.status, StatusCode::OK, "{h:?}");
    let items = h.body["items"].as_array().unwrap();
    let seen: Vec<(&str, &str)> =
        items.iter().map(|c| (c["type"].as_str().unwrap(), c["actor"].as_str().unwrap())).collect();
    assert_eq!(
        seen,
        [
            ("SeatsBlocked", "admin-1"),
            ("SeatsUnblocked", "admin-1"),
            ("SeatsHeld", "cid"),
            ("BookingCreated", "cid")
        ]
    );
    assert_eq!(items[0]["data"]["reason"], "camera");
    assert_eq!(items[3]["data"]["bookingId"], booked["id"]);
    // Holds and releases are kept off the database writer: the hold is in DynamoDB only.
    let (in_mysql,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM history WHERE event_id = ? AND type IN ('SeatsHeld', 'SeatsReleased')",
    )
    .bind(e.to_string())
    .fetch_one(&s.db)
    .await
    .unwrap();
    assert_eq!(in_mysql, 0);
    // A change and the message announcing it are one row; a block's change has no message, and
    // the relay has nothing to send for it.
    let rows: Vec<(String, Option<String>, bool)> = sqlx::query_as(
        "SELECT type, topic, sent_at IS NOT NULL FROM history WHERE event_id = ? AND type IS NOT NULL ORDER BY seq",
    )
    .bind(e.to_string())
    .fetch_all(&s.db)
    .await
    .unwrap();
    let created = rows.iter().filter(|r| r.0 == "BookingCreated").collect::<Vec<_>>();
    assert_eq!(created.len(), 1, "{rows:?}");
    assert!(created[0].1.is_some(), "the booking's change carries its message: {rows:?}");
    let blocks = rows.iter().filter(|r| r.0.ends_with("locked")).collect::<Vec<_>>();
    assert_eq!(blocks.len(), 2, "blocked, put back: {rows:?}");
    for (kind, topic, sent) in blocks {
        assert_eq!((topic, sent), (&None, &true), "{kind}: nothing to relay");
    }
}

#[tokio::test]
async fn a_partial_cancel_frees_those_seats_refunds_their_share_and_revokes_their_tickets() {
    let s = Stack::start_sandbox().await;
    let e = s.simple_event(1, 10, 6).await;
    let b = s.book(&e, "ann", &["A-1-1", "A-1-2", "A-1-3"]).await;
    let id = b["id"].as_str().unwrap().to_string();
    let payment = s.pay(&b).await;
    let cancel = format!("/api/v1/bookings/{id}/cancel");
    let ann = s.token("ann");

    s.put(&cancel, &s.token("bob"), Some(json!({ "seatIds": ["A-1-1"] })))
        .await
        .assert_problem(404, "BOOKING_NOT_FOUND");
    s.put(&cancel, &ann, Some(json!({ "seatIds": ["A-1-4"] })))
        .await
        .assert_problem(422, "VALIDATION_FAILED");
    s.put(&cancel, &ann, Some(json!({ "seatIds": ["A-1-1", "A-1-2", "A-1-3"] })))
        .await
        .assert_problem(422, "VALIDATION_FAILED");

    let c = s.put(&cancel, &ann, Some(json!({ "seatIds": ["A-1-2"] }))).await;
    assert_eq!(c.status, StatusCode::OK, "{c:?}");
    assert_eq!(
        (&c.body["status"], &c.body["seatIds"], &c.body["totalCents"]),
        (&json!("CONFIRMED"), &json!(["A-1-1", "A-1-3"]), &json!(10000))
    );
    let p = s.get(&format!("/api/v1/payments/{}", payment["id"].as_str().unwrap()), &ann).await;
    assert_eq!(
        (&p.body["status"], &p.body["refundedCents"]),
        (&json!("SUCCEEDED"), &json!(5000)),
        "{p:?}"
    );
    let tickets = s.get(&format!("/api/v1/bookings/{id}/tickets"), &ann).await;
    let by_seat: std::collections::BTreeMap<String, String> = tickets.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (t["seatId"].as_str().unwrap().to_string(), t["status"].as_str().unwrap().to_string())
        })
        .collect();
    assert_eq!(by_seat["A-1-2"], "REVOKED");
    assert_eq!((by_seat["A-1-1"].as_str(), by_seat["A-1-3"].as_str()), ("VALID", "VALID"));
    // The seat is on sale again, for anyone.
    assert_eq!(s.seat_statuses(&e).await["A-1-2"], "AVAILABLE");
    s.book(&e, "bob", &["A-1-2"]).await;
    assert_eq!(s.audit().await, (0, 0, 0));

    // A refund the provider took but that was never marked (a crash in between) is sent again by
    // the sweep, and the provider applies it once.
    sqlx::query("UPDATE refunds SET sent_at = NULL").execute(&s.db).await.unwrap();
    s.clock.shift(chrono::Duration::seconds(booking_core::app::sweep::REFUND_AFTER_SECONDS + 1));
    assert_eq!(booking_core::app::sweep::sweep(&s.app).await.unwrap().refunds, 1);
    let (rows, requests): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), CAST(SUM(requests) AS SIGNED) FROM sandbox_refunds")
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!((rows, requests), (1, 2));

    // Cancelling the rest refunds the rest: the payment is REFUNDED, in full, in two refunds.
    let rest = s.put(&cancel, &ann, None).await;
    assert_eq!(rest.body["status"], "CANCELLED", "{rest:?}");
    let p = s.get(&format!("/api/v1/payments/{}", payment["id"].as_str().unwrap()), &ann).await;
    assert_eq!((&p.body["status"], &p.body["refundedCents"]), (&json!("REFUNDED"), &json!(15000)));
    let total: i64 =
        sqlx::query_scalar("SELECT CAST(SUM(amount_cents) AS SIGNED) FROM sandbox_refunds")
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!(total, 15000);
    let h = s.get(&format!("/api/v1/bookings/{id}/history"), &ann).await;
    let types = kinds(&h);
    assert_eq!(
        types,
        [
            "BookingCreated",
            "PaymentSucceeded",
            "BookingConfirmed",
            "TicketsIssued",
            "BookingSeatsCancelled",
            "TicketRevoked",
            "PaymentRefunded",
            "BookingCancelled",
            "TicketRevoked",
            "PaymentRefunded"
        ]
    );

    // A pending booking gives seats back before it is paid: the payment charges the kept seats.
    let pending = s.book(&e, "cid", &["A-1-5", "A-1-6"]).await;
    let c = s
        .put(
            &format!("/api/v1/bookings/{}/cancel", pending["id"].as_str().unwrap()),
            &s.token("cid"),
            Some(json!({ "seatIds": ["A-1-6"] })),
        )
        .await;
    assert_eq!(
        (&c.body["status"], &c.body["totalCents"]),
        (&json!("PENDING"), &json!(5000)),
        "{c:?}"
    );
    let paid = s.pay(&c.body).await;
    assert_eq!(paid["amountCents"], 5000);
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    assert_eq!(
        (&report.body["revenueCents"], &report.body["refundedCents"]),
        (&json!(5000), &json!(15000)),
        "{report:?}"
    );
}
