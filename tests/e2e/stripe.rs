//! Payments through Stripe's API, against the Stripe emulator the stack runs (localstripe): one
//! PaymentIntent of the booking's amount per paid booking, a decline as 402, one Stripe refund per
//! refund however often it is sent, and webhooks checked as Stripe signs them.

use booking_core::config::ProviderKind;
use booking_core::domain::payment::sign_webhook;
use booking_tests::Stack;
use reqwest::StatusCode;
use serde_json::{json, Value};

const WEBHOOK_SECRET: &str = "whsec_test_e2e";

async fn stripe_stack() -> Stack {
    Stack::start_with(|c| {
        c.payments.provider = ProviderKind::Stripe;
        c.webhook_secret = WEBHOOK_SECRET.into();
    })
    .await
}

/// The emulator's address of `path`.
fn stripe_url(path: &str) -> String {
    let base = std::env::var("STRIPE_API_BASE").unwrap_or_else(|_| "http://127.0.0.1:8420".into());
    format!("{base}{path}")
}

/// What the emulator has at `path`.
pub(crate) async fn at_stripe(path: &str) -> Value {
    reqwest::Client::new()
        .get(stripe_url(path))
        .bearer_auth(booking_core::config::LOCAL_STRIPE_KEY)
        .send()
        .await
        .expect("the Stripe emulator answers (bash localstack/stack.sh up)")
        .json()
        .await
        .unwrap()
}

/// The PaymentIntents the Stripe book names for `payment`.
pub(crate) async fn intents_of(s: &Stack, payment: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT intent_id FROM stripe_intents WHERE payment_id = ?")
        .bind(payment)
        .fetch_all(&s.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_paid_booking_has_one_succeeded_payment_intent_of_its_amount_and_a_cancel_one_refund() {
    let s = stripe_stack().await;
    let config = s.get("/api/v1/payments/config", &s.token("sue")).await;
    assert_eq!(config.body["provider"], "stripe");
    assert_eq!(config.body["publishableKey"], "pk_test_local");
    assert!(config.body["jsUrl"].as_str().unwrap().ends_with("/js.stripe.com/v3/"), "{config:?}");
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "sue", &["A-1-1", "A-1-2"]).await;
    let paid = s.pay(&b).await;
    assert_eq!(paid["status"], "SUCCEEDED", "{paid}");
    let payment = paid["id"].as_str().unwrap();
    let intents = intents_of(&s, payment).await;
    assert_eq!(intents.len(), 1);
    let intent = at_stripe(&format!("/v1/payment_intents/{}", intents[0])).await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
    assert_eq!(intent["amount"], 10_000, "the booking's amount");
    assert_eq!(intent["currency"], "usd");
    assert_eq!(intent["metadata"]["paymentId"], payment);
    assert_eq!(intent["metadata"]["bookingId"], b["id"]);

    // A cancel gives it back once, however often the refund is sent.
    let id = b["id"].as_str().unwrap();
    let c = s.put(&format!("/api/v1/bookings/{id}/cancel"), &s.token("sue"), None).await;
    assert_eq!(c.body["status"], "CANCELLED", "{c:?}");
    let refunds: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(r.id AS CHAR), s.stripe_refund_id FROM refunds r JOIN stripe_refunds s ON s.refund_id = r.id WHERE r.payment_id = ?",
    )
    .bind(payment)
    .fetch_all(&s.db)
    .await
    .unwrap();
    assert_eq!(refunds.len(), 1, "one refund row, one Stripe refund");
    let refund = at_stripe(&format!("/v1/refunds/{}", refunds[0].1)).await;
    assert_eq!(
        (refund["amount"].clone(), refund["status"].clone()),
        (json!(10_000), json!("succeeded"))
    );
    booking_core::app::sweep::sweep(&s.app).await.unwrap();
    let again: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM stripe_refunds").fetch_one(&s.db).await.unwrap();
    assert_eq!(again, 1);
}

#[tokio::test]
async fn a_declined_card_is_402_and_the_booking_stays_payable() {
    let s = stripe_stack().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "dee", &["A-1-1"]).await;
    let declined = s
        .post(
            "/api/v1/payments",
            &s.token("dee"),
            json!({ "bookingId": b["id"], "paymentMethod": "pm_card_chargeCustomerFail" }),
        )
        .await;
    declined.assert_problem(402, "PAYMENT_DECLINED");
    let paid = s.pay(&b).await;
    assert_eq!(paid["status"], "SUCCEEDED", "paid with another card: {paid}");
}

#[tokio::test]
async fn a_forged_stale_or_unsigned_stripe_webhook_changes_nothing() {
    let s = stripe_stack().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "vic", &["A-1-1"]).await;
    // A payment left processing, as a card still being confirmed is.
    let payment = uuid::Uuid::now_v7();
    sqlx::query("INSERT INTO payments (id, booking_id, user_id, amount_cents, currency, status, payment_method, created_at, updated_at) VALUES (?, ?, 'vic', 5000, 'USD', 'PROCESSING', 'pm_card_visa', NOW(3), NOW(3))")
        .bind(payment.to_string())
        .bind(b["id"].as_str().unwrap())
        .execute(&s.db)
        .await
        .unwrap();
    let event = json!({ "id": "evt_forged_1", "object": "event", "type": "payment_intent.succeeded",
        "data": { "object": { "id": "pi_x", "object": "payment_intent", "metadata": { "paymentId": payment } } } })
    .to_string();
    let post = |signature: Option<String>| {
        let mut req = reqwest::Client::new()
            .post(format!("{}/api/v1/payments/webhook", s.base))
            .header("content-type", "application/json")
            .body(event.clone());
        if let Some(sig) = signature {
            req = req.header("stripe-signature", sig);
        }
        req.send()
    };
    let now = chrono::Utc::now().timestamp();
    for bad in [
        None,
        Some(sign_webhook("whsec_someone_else", now, event.as_bytes())),
        Some(sign_webhook(WEBHOOK_SECRET, now - 400, event.as_bytes())),
        Some(sign_webhook(WEBHOOK_SECRET, now, b"another body")),
    ] {
        let res = post(bad.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad:?}");
    }
    let status: String = sqlx::query_scalar("SELECT status FROM payments WHERE id = ?")
        .bind(payment.to_string())
        .fetch_one(&s.db)
        .await
        .unwrap();
    assert_eq!(status, "PROCESSING", "nothing moved");
    // Signed as Stripe signs, with the old and the new secret during a rotation: applied once.
    let good = sign_webhook(WEBHOOK_SECRET, now, event.as_bytes());
    let rotated = format!(
        "{},v1={}",
        sign_webhook("whsec_old", now, event.as_bytes()),
        good.split("v1=").nth(1).unwrap()
    );
    let first: Value = post(Some(rotated)).await.unwrap().json().await.unwrap();
    assert_eq!(first["applied"], true, "{first}");
    let replay: Value = post(Some(good)).await.unwrap().json().await.unwrap();
    assert_eq!(replay["applied"], false, "an event id is applied once: {replay}");
}

/// A form POST to the emulator.
async fn to_stripe(path: &str, form: &[(&str, &str)]) -> Value {
    let res = reqwest::Client::new()
        .post(stripe_url(path))
        .bearer_auth(booking_core::config::LOCAL_STRIPE_KEY)
        .form(form)
        .send()
        .await
        .expect("the Stripe emulator answers");
    assert!(res.status().is_success(), "{path}: {}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

#[tokio::test]
async fn a_card_that_needs_3d_secure_settles_by_the_webhook_stripe_sends_once_authenticated() {
    let s = stripe_stack().await;
    // The emulator signs and sends its events to this test's gateway, as Stripe does.
    let hook = format!("/_config/webhooks/{}", uuid::Uuid::now_v7().simple());
    let url = format!("{}/api/v1/payments/webhook", s.base);
    to_stripe(&hook, &[("url", &url), ("secret", WEBHOOK_SECRET)]).await;
    let card = three_d_secure_card().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "tia", &["A-1-1"]).await;
    let p = pay_with(&s, "tia", &b, &card).await;
    assert_eq!(
        (p.status, &p.body["status"]),
        (StatusCode::CREATED, &json!("REQUIRES_ACTION")),
        "{p:?}"
    );
    let payment = p.body["id"].as_str().unwrap().to_string();
    let intent_id = intents_of(&s, &payment).await.remove(0);
    let intent = at_stripe(&format!("/v1/payment_intents/{intent_id}")).await;
    assert_eq!(intent["status"], "requires_action", "{intent}");
    assert_eq!(p.body["clientSecret"], intent["client_secret"], "what Stripe.js completes it with");
    // The buyer authenticates (Stripe.js's step); Stripe charges and sends payment_intent.succeeded.
    let secret = p.body["clientSecret"].as_str().unwrap();
    to_stripe(
        &format!("/v1/payment_intents/{intent_id}/_authenticate"),
        &[("client_secret", secret), ("success", "true")],
    )
    .await;
    let id = b["id"].as_str().unwrap();
    let confirmed = booking_tests::eventually(
        std::time::Duration::from_secs(20),
        "the booking confirmed by Stripe's webhook",
        || async {
            let got = s.get(&format!("/api/v1/bookings/{id}"), &s.token("tia")).await;
            (got.body["status"] == "CONFIRMED").then_some(got)
        },
    )
    .await;
    assert_eq!(confirmed.body["status"], "CONFIRMED");
    let receipts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM payments WHERE id = ? AND status = 'SUCCEEDED'")
            .bind(&payment)
            .fetch_one(&s.db)
            .await
            .unwrap();
    assert_eq!(receipts, 1);
}

/// `user` pays booking `b` with the payment method `method`.
async fn pay_with(s: &Stack, user: &str, b: &Value, method: &str) -> booking_tests::Answer {
    let body = json!({ "bookingId": b["id"], "paymentMethod": method });
    s.post("/api/v1/payments", &s.token(user), body).await
}

/// A card that needs 3-D Secure, as a payment method at the emulator.
async fn three_d_secure_card() -> String {
    let card = to_stripe(
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", "4000002760003184"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2030"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    card["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_read_of_a_payment_waiting_for_3d_secure_asks_stripe_and_settles_it() {
    // No webhook reaches this gateway: only the reads settle.
    let s = stripe_stack().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "una", &["A-1-1"]).await;
    let pay = || async {
        let card = three_d_secure_card().await;
        let body = json!({ "bookingId": b["id"], "paymentMethod": card });
        let p = s.post("/api/v1/payments", &s.token("una"), body).await;
        assert_eq!(p.body["status"], "REQUIRES_ACTION", "{p:?}");
        (
            p.body["id"].as_str().unwrap().to_string(),
            p.body["clientSecret"].as_str().unwrap().to_string(),
        )
    };
    let s = &s;
    let authenticate = |payment: String, secret: String, success: bool| async move {
        let intent = intents_of(s, &payment).await.remove(0);
        let path = format!("/v1/payment_intents/{intent}/_authenticate");
        to_stripe(&path, &[("client_secret", &secret), ("success", &success.to_string())]).await;
        s.get(&format!("/api/v1/payments/{payment}"), &s.token("una")).await
    };
    // The buyer fails the bank's check: the payment fails, the booking may be paid again.
    let (first, secret) = pay().await;
    let read = s.get(&format!("/api/v1/payments/{first}"), &s.token("una")).await;
    assert_eq!(read.body["status"], "REQUIRES_ACTION", "asked, still waiting: {read:?}");
    let failed = authenticate(first, secret, false).await;
    assert_eq!(failed.body["status"], "FAILED", "{failed:?}");
    assert_eq!(failed.body["failureReason"], "payment_intent_authentication_failure");
    assert!(failed.body.get("clientSecret").is_none());
    // Then passes it: the read settles the payment and confirms the booking.
    let (second, secret) = pay().await;
    let paid = authenticate(second, secret, true).await;
    assert_eq!(paid.body["status"], "SUCCEEDED", "{paid:?}");
    let id = b["id"].as_str().unwrap();
    let got = s.get(&format!("/api/v1/bookings/{id}"), &s.token("una")).await;
    assert_eq!(got.body["status"], "CONFIRMED", "{got:?}");
    assert_eq!(
        s.get(&format!("/api/v1/bookings/{id}/tickets"), &s.token("una")).await.body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_refund_made_in_stripes_dashboard_cancels_the_booking_and_frees_its_seats_once() {
    let s = stripe_stack().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "ray", &["A-1-1"]).await;
    let paid = s.pay(&b).await;
    let intent = intents_of(&s, paid["id"].as_str().unwrap()).await.remove(0);
    // The organiser refunds in Stripe's dashboard; Stripe says so with charge.refunded.
    to_stripe("/v1/refunds", &[("payment_intent", &intent)]).await;
    let event = |id: &str, full: bool| {
        json!({ "id": id, "object": "event", "type": "charge.refunded",
            "data": { "object": { "id": "ch_x", "object": "charge", "payment_intent": intent,
                "refunded": full, "amount_refunded": 5000, "metadata": {} } } })
        .to_string()
    };
    let send = |body: String| {
        let sig = sign_webhook(WEBHOOK_SECRET, chrono::Utc::now().timestamp(), body.as_bytes());
        reqwest::Client::new()
            .post(format!("{}/api/v1/payments/webhook", s.base))
            .header("content-type", "application/json; charset=utf-8")
            .header("stripe-signature", sig)
            .body(body)
            .send()
    };
    let partial: Value = send(event("evt_partial", false)).await.unwrap().json().await.unwrap();
    assert_eq!(partial["applied"], false, "a partial refund moves nothing: {partial}");
    let full: Value = send(event("evt_full", true)).await.unwrap().json().await.unwrap();
    assert_eq!(full["applied"], true, "{full}");
    let again: Value = send(event("evt_full", true)).await.unwrap().json().await.unwrap();
    assert_eq!(again["applied"], false, "{again}");
    let id = b["id"].as_str().unwrap();
    let got = s.get(&format!("/api/v1/bookings/{id}"), &s.token("ray")).await;
    assert_eq!(got.body["status"], "CANCELLED", "{got:?}");
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "AVAILABLE");
    let tickets = s.get(&format!("/api/v1/bookings/{id}/tickets"), &s.token("ray")).await;
    assert!(tickets.body["items"].as_array().unwrap().iter().all(|t| t["status"] == "REVOKED"));
    let ours: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM stripe_refunds").fetch_one(&s.db).await.unwrap();
    assert_eq!(ours, 0, "the refund was Stripe's; none is made again here");
}

#[tokio::test]
async fn a_chargeback_is_recorded_on_the_booking_reported_and_told_to_the_organiser_once() {
    let desk = format!("disputes-{}@example.com", uuid::Uuid::now_v7().simple());
    let s = Stack::start_live_with(std::time::Duration::from_secs(3600), |c| {
        c.payments.provider = ProviderKind::Stripe;
        c.webhook_secret = WEBHOOK_SECRET.into();
        c.payments.disputes_email = Some(desk.clone());
    })
    .await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "dan", &["A-1-1", "A-1-2"]).await;
    let unpaid = s.book(&e, "dan", &["A-1-3"]).await;
    let paid = s.pay(&b).await;
    let intent = intents_of(&s, paid["id"].as_str().unwrap()).await.remove(0);
    let send = |id: &str, intent: &str, status: &str| {
        let kind = if matches!(status, "won" | "lost") { "closed" } else { "created" };
        let body = json!({ "id": id, "object": "event", "type": format!("charge.dispute.{kind}"),
            "data": { "object": { "id": "dp_1", "object": "dispute", "charge": "ch_1",
                "payment_intent": intent, "amount": 10_000, "currency": "usd",
                "reason": "fraudulent", "status": status, "metadata": {} } } })
        .to_string();
        let sig = sign_webhook(WEBHOOK_SECRET, chrono::Utc::now().timestamp(), body.as_bytes());
        let req = reqwest::Client::new()
            .post(format!("{}/api/v1/payments/webhook", s.base))
            .header("content-type", "application/json")
            .header("stripe-signature", sig)
            .body(body);
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let first = send("evt_dispute_1", &intent, "needs_response").await;
    assert_eq!(first["applied"], true, "{first}");
    assert_eq!(send("evt_dispute_1", &intent, "needs_response").await["applied"], false, "once");
    assert_eq!(send("evt_dispute_2", "pi_not_ours", "needs_response").await["applied"], false);
    let id = b["id"].as_str().unwrap();
    let got = s.get(&format!("/api/v1/bookings/{id}"), &s.token("dan")).await;
    assert_eq!(
        got.body["dispute"],
        json!({ "status": "needs_response", "amountCents": 10_000, "reason": "fraudulent" }),
        "{got:?}"
    );
    assert_eq!(got.body["status"], "CONFIRMED", "the booking stands until the bank decides");
    let other = unpaid["id"].as_str().unwrap();
    let untouched = s.get(&format!("/api/v1/bookings/{other}"), &s.token("dan")).await;
    assert!(untouched.body.get("dispute").is_none(), "{untouched:?}");
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    assert_eq!(
        (&report.body["disputes"], &report.body["disputedCents"]),
        (&json!(1), &json!(10_000))
    );
    // The organiser's desk hears of it, once.
    let mails = crate::live::first_emails_to(&desk).await;
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(mails[0].0.starts_with("Chargeback on a booking"), "{mails:?}");
    assert!(mails[0].1.contains("100.00 USD") && mails[0].1.contains("fraudulent"), "{mails:?}");
    // The bank decides for the seller: the status moves, nothing is counted twice.
    let won = send("evt_dispute_3", &intent, "won").await;
    assert_eq!(won["applied"], true, "{won}");
    let got = s.get(&format!("/api/v1/bookings/{id}"), &s.token("dan")).await;
    assert_eq!(got.body["dispute"]["status"], "won");
    let report = s.get(&format!("/api/v1/events/{e}/report"), &s.admin_token()).await;
    assert_eq!(report.body["disputes"], 1);
}

#[tokio::test]
async fn a_3d_secure_payment_never_completed_is_abandoned_at_stripe_once_its_booking_is_gone() {
    let s = stripe_stack().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "abe", &["A-1-1"]).await;
    let card = three_d_secure_card().await;
    let p = pay_with(&s, "abe", &b, &card).await;
    assert_eq!(p.body["status"], "REQUIRES_ACTION", "{p:?}");
    let payment = p.body["id"].as_str().unwrap().to_string();
    // Two minutes on, the booking still payable: the sweep asks, and leaves it to the buyer.
    s.clock.shift(chrono::Duration::seconds(150));
    booking_core::app::sweep::sweep(&s.app).await.unwrap();
    let intent = intents_of(&s, &payment).await.remove(0);
    let at = at_stripe(&format!("/v1/payment_intents/{intent}")).await;
    assert_eq!(at["status"], "requires_action", "{at}");
    // Past the booking's deadline: the booking expires and Stripe cancels the intent, so a late
    // authentication charges nobody.
    s.clock.shift(chrono::Duration::seconds(600));
    booking_core::app::sweep::sweep(&s.app).await.unwrap();
    let at = at_stripe(&format!("/v1/payment_intents/{intent}")).await;
    assert_eq!(at["status"], "canceled", "{at}");
    let read = s.get(&format!("/api/v1/payments/{payment}"), &s.token("abe")).await;
    assert_eq!(read.body["status"], "FAILED", "{read:?}");
    let id = b["id"].as_str().unwrap();
    let got = s.get(&format!("/api/v1/bookings/{id}"), &s.token("abe")).await;
    assert_eq!(got.body["status"], "EXPIRED", "{got:?}");
    assert_eq!(s.seat_statuses(&e).await["A-1-1"], "AVAILABLE");
}

#[tokio::test]
async fn the_daily_audit_lists_a_charge_stripe_took_that_no_payment_here_took() {
    let s = stripe_stack().await;
    let e = s.simple_event(1, 4, 4).await;
    let b = s.book(&e, "ivy", &["A-1-1"]).await;
    let paid = s.pay(&b).await;
    assert_eq!(paid["status"], "SUCCEEDED");
    // A charge made at Stripe for a payment this system never recorded (a process that died
    // before its row, a charge made by hand in the dashboard).
    let stray = uuid::Uuid::now_v7().to_string();
    let intent = to_stripe(
        "/v1/payment_intents",
        &[
            ("amount", "4200"),
            ("currency", "usd"),
            ("payment_method", "pm_card_visa"),
            ("confirm", "true"),
            ("metadata[paymentId]", &stray),
        ],
    )
    .await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
    // Ten minutes on (a charge that young may still be settling): the audit names it, and not ours.
    s.clock.shift(chrono::Duration::minutes(11));
    let unmatched = booking_core::app::payments::daily_audit(&s.app).await.unwrap();
    let ours = intents_of(&s, paid["id"].as_str().unwrap()).await.remove(0);
    assert!(unmatched.iter().all(|c| c.reference != ours), "a paid booking is matched");
    let found: Vec<_> = unmatched.iter().filter(|c| c.reference == intent["id"]).collect();
    assert_eq!(found.len(), 1, "{unmatched:?}");
    assert_eq!(
        (found[0].payment_id.map(|p| p.to_string()), found[0].amount_cents),
        (Some(stray), 4200)
    );
}
