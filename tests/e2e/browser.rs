//! The live seat-map page in a real headless browser (Debian's chromium, driven over WebDriver by
//! chromedriver): it colours seats by status, follows other buyers' changes within a second, and
//! lets its signed-in user hold and book.

use std::process::Stdio;
use std::time::{Duration, Instant};

use booking_tests::Stack;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::json;

/// Opens the live page at `url` signed in with `token`, as its sign-in leaves it: the token in the
/// tab's session storage, never in the address.
async fn signed_in(page: &Client, url: &str, token: &str) {
    page.goto(url).await.unwrap();
    page.execute("sessionStorage.setItem('token', arguments[0])", vec![json!(token)])
        .await
        .unwrap();
    page.goto(url).await.unwrap();
}

/// chromedriver on a free port, killed when dropped.
struct Driver {
    _child: tokio::process::Child,
    url: String,
}

impl Driver {
    async fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = tokio::process::Command::new(
            std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "chromedriver".into()),
        )
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("chromedriver runs (localstack/test.sh installs chromium and chromium-driver)");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { _child: child, url }
    }

    async fn browser(&self) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--no-first-run", "--window-size=1200,900"] }),
        );
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("chromium starts")
    }
}

/// The seat's colour-giving status on the page, once it exists.
async fn seat_status(page: &Client, seat: &str) -> Option<String> {
    let el = page.find(Locator::Css(&format!("[data-seat=\"{seat}\"]"))).await.ok()?;
    el.attr("data-status").await.ok()?
}

/// Waits up to `within` for the seat to show `status`; returns how long it took.
async fn until_shown(page: &Client, seat: &str, status: &str, within: Duration) -> Duration {
    let start = Instant::now();
    loop {
        let now = seat_status(page, seat).await;
        if now.as_deref() == Some(status) {
            return start.elapsed();
        }
        assert!(start.elapsed() < within, "{seat} shows {now:?}, not {status}, after {within:?}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test]
async fn the_live_page_follows_other_buyers_and_lets_its_user_hold_and_book() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let e = s.simple_event(2, 6, 4).await;
    let driver = Driver::start().await;
    let page = driver.browser().await;
    let result = async {
        signed_in(&page, &format!("{}/live?event={e}", s.base), &s.token("carol")).await;
        until_shown(&page, "A-2-6", "AVAILABLE", Duration::from_secs(20)).await;
        // Warm-up: the consumer functions join Kafka once.
        let other = s.token("dave");
        let h = s.post(&format!("/api/v1/events/{e}/holds"), &other, json!({ "seatIds": ["A-2-6"] })).await;
        assert_eq!(h.status, StatusCode::CREATED);
        until_shown(&page, "A-2-6", "HELD", Duration::from_secs(60)).await;

        // Another buyer holds a seat: it changes colour within a second.
        let h = s.post(&format!("/api/v1/events/{e}/holds"), &other, json!({ "seatIds": ["A-1-1"] })).await;
        assert_eq!(h.status, StatusCode::CREATED);
        let took = until_shown(&page, "A-1-1", "HELD", Duration::from_secs(1)).await;
        let colour = page.execute("return getComputedStyle(document.querySelector('[data-seat=\"A-1-1\"]')).backgroundColor", vec![]).await.unwrap();
        assert_eq!(colour, json!("rgb(210, 153, 34)"), "held seats are amber");
        let released = s.send(reqwest::Method::DELETE, &format!("/api/v1/holds/{}", h.body["id"].as_str().unwrap()), Some(&other), None).await;
        assert_eq!(released.status, StatusCode::NO_CONTENT);
        until_shown(&page, "A-1-1", "AVAILABLE", Duration::from_secs(1)).await;

        // The page's own user picks two seats, holds and books them.
        for seat in ["A-1-3", "A-1-4"] {
            page.find(Locator::Css(&format!("[data-seat=\"{seat}\"]"))).await.unwrap().click().await.unwrap();
        }
        page.find(Locator::Id("hold")).await.unwrap().click().await.unwrap();
        until_shown(&page, "A-1-3", "HELD", Duration::from_secs(2)).await;
        let map = s.seat_statuses(&e).await;
        assert_eq!((map["A-1-3"].as_str(), map["A-1-4"].as_str()), ("HELD", "HELD"));
        page.find(Locator::Id("book")).await.unwrap().click().await.unwrap();
        until_shown(&page, "A-1-4", "BOOKED", Duration::from_secs(2)).await;
        let bookings = s.get("/api/v1/bookings/users/carol", &s.token("carol")).await;
        assert_eq!(bookings.body["items"][0]["status"], "CONFIRMED", "{bookings:?}");
        // The page shows the booking's two tickets with their QR codes, drawn.
        let start = Instant::now();
        loop {
            let drawn = page
                .execute("return [...document.querySelectorAll('#tickets .ticket img')].filter(i => i.complete && i.naturalWidth > 0).length", vec![])
                .await
                .unwrap();
            if drawn == json!(2) {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(5), "QR codes drawn: {drawn}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }

        // API Gateway drops the connection (idle, or after two hours): the page reconnects and
        // resyncs, and a change made while it was away shows.
        for c in s.app.connections.subscribers(e.parse().unwrap()).await.unwrap() {
            let closed = s.http.delete(format!("{}/@connections/{c}", s.base)).send().await.unwrap();
            assert_eq!(closed.status(), StatusCode::NO_CONTENT);
        }
        let h = s.post(&format!("/api/v1/events/{e}/holds"), &other, json!({ "seatIds": ["A-2-1"] })).await;
        assert_eq!(h.status, StatusCode::CREATED);
        until_shown(&page, "A-2-1", "HELD", Duration::from_secs(10)).await;
        let h = s.post(&format!("/api/v1/events/{e}/holds"), &other, json!({ "seatIds": ["A-2-2"] })).await;
        assert_eq!(h.status, StatusCode::CREATED);
        until_shown(&page, "A-2-2", "HELD", Duration::from_secs(2)).await;
        took
    }
    .await;
    page.close().await.ok();
    drop(driver);
    assert!(result < Duration::from_secs(1));
}

/// An attribute of the element `css` on the page, once the element exists.
async fn attr(page: &Client, css: &str, name: &str) -> Option<String> {
    page.find(Locator::Css(css)).await.ok()?.attr(name).await.ok()?
}

/// Waits up to `within` for `attr(css, name)` to be `value`.
async fn until_attr(page: &Client, css: &str, name: &str, value: &str, within: Duration) {
    let start = Instant::now();
    loop {
        let now = attr(page, css, name).await;
        if now.as_deref() == Some(value) {
            return;
        }
        assert!(
            start.elapsed() < within,
            "{css} has {name}={now:?}, not {value}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn two_buyers_queue_for_the_last_seat_and_the_one_admitted_books_it() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let opens = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let ev = s
        .create_event(
            json!({ "name": "Queued night", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "onSaleAt": opens, "waitingRoom": { "admissionTtlSeconds": 300 },
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 1, "priceCents": 2500 }] }),
        )
        .await;
    let e = ev["id"].as_str().unwrap().to_string();
    let driver = Driver::start().await;
    let (ann, ben) = (driver.browser().await, driver.browser().await);
    let result = async {
        for (page, user) in [(&ann, "ann"), (&ben, "ben")] {
            signed_in(page, &format!("{}/live?event={e}", s.base), &s.token(user)).await;
            until_attr(page, "#sale", "data-status", "SCHEDULED", Duration::from_secs(20)).await;
            page.find(Locator::Id("join")).await.unwrap().click().await.unwrap();
            until_attr(page, "#queue", "data-status", "WAITING", Duration::from_secs(5)).await;
        }
        // The sale opens: one seat, so exactly one of the two is admitted; the other waits.
        s.clock.shift(chrono::Duration::hours(1));
        let start = Instant::now();
        let (first, second) = loop {
            let a = attr(&ann, "#queue", "data-status").await;
            let b = attr(&ben, "#queue", "data-status").await;
            match (a.as_deref(), b.as_deref()) {
                (Some("ADMITTED"), Some("WAITING")) => break (&ann, &ben),
                (Some("WAITING"), Some("ADMITTED")) => break (&ben, &ann),
                _ => {}
            }
            assert!(start.elapsed() < Duration::from_secs(10), "after the opening: {a:?} {b:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        until_attr(first, "#sale", "data-status", "ON_SALE", Duration::from_secs(5)).await;
        // The admitted buyer picks the seat on the map, holds it (the page sends its pass), books
        // and pays; the other is told the sale is sold out, keeping their place.
        first.find(Locator::Css("[data-seat=\"A-1-1\"]")).await.unwrap().click().await.unwrap();
        first.find(Locator::Id("hold")).await.unwrap().click().await.unwrap();
        until_shown(first, "A-1-1", "HELD", Duration::from_secs(5)).await;
        until_attr(second, "#queue", "data-status", "SOLD_OUT", Duration::from_secs(5)).await;
        first.find(Locator::Id("book")).await.unwrap().click().await.unwrap();
        until_attr(first, "#bookings li", "data-status", "CONFIRMED", Duration::from_secs(5)).await;
        until_shown(second, "A-1-1", "BOOKED", Duration::from_secs(5)).await;
        let held_by_second =
            second.find(Locator::Id("hold")).await.unwrap().attr("disabled").await.unwrap();
        assert!(held_by_second.is_some(), "the buyer still waiting cannot hold");
    }
    .await;
    ann.close().await.ok();
    ben.close().await.ok();
    drop(driver);
    result
}

#[tokio::test]
async fn the_door_page_admits_a_ticket_once_and_refuses_a_revoked_one() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let paid = |seats: &'static [&'static str]| {
        let (s, e) = (&s, e.clone());
        async move {
            let b = s.book(&e, "vera", seats).await;
            let id = b["id"].as_str().unwrap().to_string();
            let p = s
                .post(
                    "/api/v1/payments",
                    &s.token("vera"),
                    json!({ "bookingId": id, "paymentMethod": "pm_card_visa" }),
                )
                .await;
            assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
            let t = s.get(&format!("/api/v1/bookings/{id}/tickets"), &s.token("vera")).await;
            (id, t.body["items"][0]["code"].as_str().unwrap().to_string())
        }
    };
    let (_, good) = paid(&["A-1-2"]).await;
    let (cancelled, revoked) = paid(&["A-1-3"]).await;
    let c = s.put(&format!("/api/v1/bookings/{cancelled}/cancel"), &s.token("vera"), None).await;
    assert_eq!(c.status, StatusCode::OK);
    let driver = Driver::start().await;
    let page = driver.browser().await;
    let result = async {
        page.goto(&format!("{}/door?event={e}&gate=north", s.base)).await.unwrap();
        page.find(Locator::Id("user")).await.unwrap().send_keys("steward-1").await.unwrap();
        page.find(Locator::Css("#signin button")).await.unwrap().click().await.unwrap();
        until_text(&page, "#who", "signed in as steward-1 (staff)").await;
        let scan = |code: String| {
            let page = &page;
            async move {
                let input = page.find(Locator::Id("code")).await.unwrap();
                input.send_keys(&format!("{code}\n")).await.unwrap();
            }
        };
        scan(good.clone()).await;
        until_attr(&page, "#result", "data-result", "ADMITTED", Duration::from_secs(5)).await;
        assert_eq!(page.find(Locator::Id("seat")).await.unwrap().text().await.unwrap(), "A-1-2");
        let colour = page
            .execute(
                "return getComputedStyle(document.getElementById('result')).backgroundColor",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(colour, json!("rgb(26, 127, 55)"), "admitted is green");
        scan(good.clone()).await;
        until_attr(&page, "#result", "data-result", "ALREADY_IN", Duration::from_secs(5)).await;
        assert!(page
            .find(Locator::Id("detail"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
            .contains("gate north"));
        scan(revoked.clone()).await;
        until_attr(&page, "#result", "data-result", "REVOKED", Duration::from_secs(5)).await;
        assert_eq!(page.find(Locator::Id("seat")).await.unwrap().text().await.unwrap(), "A-1-3");
        scan("not-a-ticket".into()).await;
        until_attr(&page, "#result", "data-result", "INVALID", Duration::from_secs(5)).await;
    }
    .await;
    page.close().await.ok();
    drop(driver);
    result
}

/// Waits up to 5 s for the element's text to be `text`.
async fn until_text(page: &Client, css: &str, text: &str) {
    let start = Instant::now();
    loop {
        let now = match page.find(Locator::Css(css)).await {
            Ok(el) => el.text().await.ok(),
            Err(_) => None,
        };
        if now.as_deref() == Some(text) {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{css} reads {now:?}, not {text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_organiser_view_blocks_seats_reads_the_report_and_cancels_after_a_preview() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 6, 4).await;
    let b = s.book(&e, "vera", &["A-1-3"]).await;
    let p = s
        .post(
            "/api/v1/payments",
            &s.token("vera"),
            json!({ "bookingId": b["id"], "paymentMethod": "pm_card_visa" }),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
    let driver = Driver::start().await;
    let page = driver.browser().await;
    let result = async {
        // The organiser pastes their token into the sign-in form: it never appears in the address.
        page.goto(&format!("{}/live?event={e}", s.base)).await.unwrap();
        page.find(Locator::Id("paste")).await.unwrap().send_keys(&s.admin_token()).await.unwrap();
        page.find(Locator::Css("#signin button")).await.unwrap().click().await.unwrap();
        until_text(&page, "#who", "signed in as admin-1 (organiser)").await;
        until_shown(&page, "A-1-1", "AVAILABLE", Duration::from_secs(10)).await;
        let click = |css: String| {
            let page = &page;
            async move { page.find(Locator::Css(&css)).await.unwrap().click().await.unwrap() }
        };
        // Block two seats with a reason.
        click("[data-seat=\"A-1-1\"]".into()).await;
        click("[data-seat=\"A-1-2\"]".into()).await;
        page.find(Locator::Id("block-reason")).await.unwrap().send_keys("camera").await.unwrap();
        click("#block".into()).await;
        until_shown(&page, "A-1-2", "BLOCKED", Duration::from_secs(5)).await;
        let map = s.seat_statuses(&e).await;
        assert_eq!((map["A-1-1"].as_str(), map["A-1-2"].as_str()), ("BLOCKED", "BLOCKED"));
        // The report, as MySQL has it.
        click("#report-show".into()).await;
        until_text(&page, "td[data-figure=\"seats blocked\"]", "2").await;
        until_text(&page, "td[data-figure=\"revenue\"]", "50.00").await;
        // Put one back.
        click("[data-seat=\"A-1-1\"]".into()).await;
        click("#unblock".into()).await;
        until_shown(&page, "A-1-1", "AVAILABLE", Duration::from_secs(5)).await;
        assert_eq!(s.seat_statuses(&e).await["A-1-1"], "AVAILABLE");
        // Cancel: first what it will do, then done, then its progress to the end.
        click("#cancel-preview".into()).await;
        until_text(
            &page,
            "#cancel-preview-text",
            "This cancels 1 bookings (1 paid) and refunds 50.00.",
        )
        .await;
        let still = s.get(&format!("/api/v1/events/{e}"), &s.token("vera")).await;
        assert_eq!(still.body["saleStatus"], "ON_SALE", "the preview changes nothing");
        click("#cancel-confirm".into()).await;
        until_attr(&page, "#sale", "data-status", "CANCELLED", Duration::from_secs(5)).await;
        booking_core::app::cancel_event::run(&s.app).await.unwrap();
        until_attr(&page, "#cancel-progress", "data-done", "yes", Duration::from_secs(10)).await;
        until_text(&page, "#cancel-progress", "Cancelled: 1 bookings cancelled, 50.00 refunded.")
            .await;
        let vera = s
            .get(&format!("/api/v1/bookings/{}", b["id"].as_str().unwrap()), &s.token("vera"))
            .await;
        assert_eq!(vera.body["status"], "CANCELLED");
    }
    .await;
    page.close().await.ok();
    drop(driver);
    result
}

#[tokio::test]
async fn the_api_docs_render_from_the_vendored_swagger_ui_under_their_policy() {
    let s = Stack::start().await;
    let driver = Driver::start().await;
    let page = driver.browser().await;
    let result = async {
        page.goto(&format!("{}/docs", s.base)).await.unwrap();
        let start = Instant::now();
        loop {
            let title = match page.find(Locator::Css(".swagger-ui .info .title")).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if title.contains("Ticket booking API") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "the UI did not render: {title:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    .await;
    page.close().await.ok();
    drop(driver);
    result
}

/// The element `css`, once it exists (at most `within`).
async fn found(page: &Client, css: &str, within: Duration) -> fantoccini::elements::Element {
    let start = Instant::now();
    loop {
        if let Ok(el) = page.find(Locator::Css(css)).await {
            return el;
        }
        assert!(start.elapsed() < within, "{css} not on the page");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn the_live_page_pays_with_stripe_js_through_the_banks_3d_secure_check() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let e = s.simple_event(1, 4, 4).await;
    let driver = Driver::start().await;
    let page = driver.browser().await;
    let result = async {
        signed_in(&page, &format!("{}/live?event={e}", s.base), &s.token("tess")).await;
        until_shown(&page, "A-1-2", "AVAILABLE", Duration::from_secs(20)).await;
        // Stripe.js (the emulator's stand-in) puts its card field on the page.
        found(&page, "#card input[placeholder=number]", Duration::from_secs(10)).await;
        page.find(Locator::Css("[data-seat=\"A-1-2\"]")).await.unwrap().click().await.unwrap();
        page.find(Locator::Id("hold")).await.unwrap().click().await.unwrap();
        until_shown(&page, "A-1-2", "HELD", Duration::from_secs(5)).await;
        // A card whose bank asks for 3-D Secure.
        for (field, value) in
            [("number", "4000002760003184"), ("exp_month", "12"), ("exp_year", "30"), ("cvc", "123")]
        {
            let input = page.find(Locator::Css(&format!("#card input[placeholder={field}]"))).await.unwrap();
            input.send_keys(value).await.unwrap();
        }
        page.find(Locator::Id("book")).await.unwrap().click().await.unwrap();
        // Stripe's window asks the buyer to confirm with the bank.
        let start = Instant::now();
        let confirm = loop {
            if let Ok(b) = page.find(Locator::XPath("//button[text()='Complete authentication']")).await {
                break b;
            }
            assert!(start.elapsed() < Duration::from_secs(10), "no 3-D Secure step");
            tokio::time::sleep(Duration::from_millis(50)).await;
        };
        confirm.click().await.unwrap();
        until_shown(&page, "A-1-2", "BOOKED", Duration::from_secs(10)).await;
        let order = page.find(Locator::Id("order")).await.unwrap().text().await.unwrap();
        assert!(order.ends_with("payment SUCCEEDED"), "{order}");
        let bookings = s.get("/api/v1/bookings/users/tess", &s.token("tess")).await;
        assert_eq!(bookings.body["items"][0]["status"], "CONFIRMED", "{bookings:?}");
        let payment: (String, String) = sqlx::query_as(
            "SELECT p.status, p.payment_method FROM payments p JOIN stripe_intents i ON i.payment_id = p.id",
        )
        .fetch_one(&s.db)
        .await
        .unwrap();
        assert_eq!(payment.0, "SUCCEEDED");
        assert!(payment.1.starts_with("card_"), "the card typed in, not the test card: {payment:?}");
    }
    .await;
    page.close().await.ok();
    drop(driver);
    result
}
