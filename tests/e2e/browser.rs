//! The storefront (`web/`) as buyers, organisers and door staff use it: real headless Chromium
//! (Debian's, over WebDriver by chromedriver), every journey at a desktop size and a phone size,
//! axe-core (npm) run in the page on every view with no serious or critical violation. Each test
//! asserts what a person sees: words, timers, totals, seats' states.

use std::process::Stdio;
use std::time::{Duration, Instant};

use booking_tests::Stack;
use fantoccini::{Client, ClientBuilder, Locator};
use reqwest::StatusCode;
use serde_json::{json, Value};

/// A screen the journeys run at.
#[derive(Clone, Copy)]
struct Size {
    name: &'static str,
    width: u32,
    height: u32,
    phone: bool,
}

const DESKTOP: Size = Size { name: "desktop", width: 1366, height: 900, phone: false };
const PHONE: Size = Size { name: "phone", width: 390, height: 844, phone: true };
const SIZES: [Size; 2] = [DESKTOP, PHONE];

/// chromedriver on a free port in a process group of its own: dropped (a test that passed, or one
/// that panicked before closing its windows), the group goes, the browsers it started with it.
struct Driver {
    child: tokio::process::Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(group) = self.child.id() {
            let _ = std::process::Command::new("kill")
                .args(["-KILL", "--", &format!("-{group}")])
                .stderr(Stdio::null())
                .status();
        }
    }
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
        .process_group(0)
        .spawn()
        .expect("chromedriver runs (localstack/test.sh installs chromium and chromium-driver)");
        let url = format!("http://127.0.0.1:{port}");
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Driver { child, url }
    }

    /// A browser window of `size`; a phone is emulated as one (touch, its width, a phone's agent).
    async fn browser(&self, size: Size) -> Client {
        let mut options = json!({ "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--disable-background-networking", "--no-first-run",
            "--lang=en-US", format!("--window-size={},{}", size.width, size.height)] });
        if size.phone {
            options["mobileEmulation"] = json!({
                "deviceMetrics": { "width": size.width, "height": size.height, "pixelRatio": 3.0, "touch": true },
                "userAgent": "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36" });
        }
        let mut caps = serde_json::Map::new();
        caps.insert("goog:chromeOptions".into(), options);
        ClientBuilder::rustls()
            .unwrap()
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("chromium starts")
    }
}

/// Opens `path` signed in as `token` (the token in the tab's session storage, as the sign-in
/// view leaves it).
async fn open_as(page: &Client, s: &Stack, path: &str, token: &str) {
    page.goto(&format!("{}/signin", s.base)).await.unwrap();
    page.execute("sessionStorage.setItem('token', arguments[0])", vec![json!(token)])
        .await
        .unwrap();
    page.goto(&format!("{}{path}", s.base)).await.unwrap();
}

/// Waits up to `within` for the script `condition` (an expression) to be true on the page.
async fn until(page: &Client, condition: &str, within: Duration) {
    let start = Instant::now();
    let script = format!("try {{ return !!({condition}); }} catch (_) {{ return false; }}");
    loop {
        if page.execute(&script, vec![]).await.unwrap() == json!(true) {
            return;
        }
        if start.elapsed() > within {
            let text = page.execute("return document.body.innerText", vec![]).await.unwrap();
            panic!(
                "not true after {within:?}: {condition}\npage text:\n{}",
                text.as_str().unwrap_or("")
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The visible text of what `css` finds, read in one step (a push may redraw it between a find and
/// a read).
async fn text_of(page: &Client, css: &str) -> String {
    let text = page
        .execute("return document.querySelector(arguments[0]).innerText", vec![json!(css)])
        .await
        .unwrap_or_else(|e| panic!("{css} is on the page: {e}"));
    text.as_str().unwrap_or_default().to_string()
}

/// Clicks what `css` finds, scrolled to the middle of the screen first as a person would.
async fn click(page: &Client, css: &str) {
    for attempt in 0.. {
        let el =
            page.find(Locator::Css(css)).await.unwrap_or_else(|_| panic!("{css} is on the page"));
        let arg = serde_json::to_value(&el).unwrap();
        let done = async {
            page.execute("arguments[0].scrollIntoView({ block: 'center' })", vec![arg]).await?;
            el.click().await
        };
        match done.await {
            Ok(_) => return,
            // Redrawn by a push between finding and clicking: find it again, as an eye would.
            Err(e) if attempt < 3 && e.to_string().contains("stale element") => continue,
            Err(e) => panic!("clicking {css}: {e}"),
        }
    }
}

/// axe-core's rules, run in the page on `view`: no serious or critical violation. The card
/// field is Stripe's own (an iframe in production; the emulator's stand-in here) and not checked.
async fn axe_clean(page: &Client, size: Size, view: &str) {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let axe = AXE.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../web/node_modules/axe-core/axe.min.js");
        std::fs::read_to_string(path)
            .expect("axe-core is installed (localstack/test.sh: npm ci in web/)")
    });
    page.execute(axe, vec![]).await.unwrap();
    let found = page
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run({ exclude: [['#card']] }, { resultTypes: ['violations'] })
               .then((r) => done(r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help,
                 nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }))))
               .catch((e) => done([{ id: 'axe-failed', impact: 'critical', help: String(e) }]));",
            vec![],
        )
        .await
        .unwrap();
    let bad: Vec<&Value> = found
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .collect();
    assert!(bad.is_empty(), "axe on {view} at {}: {bad:#?}", size.name);
}

/// A picture of the page in `target/screens/` (the docs' screenshots come from there).
async fn shot(page: &Client, size: Size, name: &str) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../target/screens");
    std::fs::create_dir_all(dir).unwrap();
    let png = page.screenshot().await.unwrap();
    std::fs::write(format!("{dir}/{name}-{}.png", size.name), png).unwrap();
}

/// Types Stripe's test card into the card field (the emulator's stand-in: number, month, year,
/// security code, postcode) and pays.
async fn pay_with(page: &Client, number: &str) {
    until(page, "document.querySelector('#card input')", Duration::from_secs(10)).await;
    for (field, value) in [
        ("number", number),
        ("exp_month", "12"),
        ("exp_year", "34"),
        ("cvc", "123"),
        ("postal_code", "10115"),
    ] {
        page.find(Locator::Css(&format!("#card input[placeholder={field}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    click(page, "#pay").await;
}

/// Picks a seat on the map: its section first, then the seat.
async fn pick(page: &Client, seat_id: &str) {
    let section = seat_id.split('-').next().unwrap();
    click(page, &format!("[data-section=\"{section}\"]")).await;
    click(page, &format!("[data-seat=\"{seat_id}\"]")).await;
}

/// A seat's state as the map shows it.
fn seat(id: &str) -> String {
    format!("document.querySelector('[data-seat=\"{id}\"]')")
}

async fn event(s: &Stack, body: Value) -> String {
    s.create_event(body).await["id"].as_str().unwrap().to_string()
}

fn night(extra: Value) -> Value {
    let mut e = json!({ "name": "Autumn Gala", "venue": "Royal Hall", "startsAt": "2027-03-14T19:30:00Z",
        "currency": "EUR", "maxSeatsPerOrder": 6, "fees": { "perTicketCents": 150, "perOrderCents": 200 },
        "taxRateBps": 1900, "pricesIncludeTax": true,
        "sections": [{ "name": "A", "rows": 4, "seatsPerRow": 12, "priceCents": 4500 },
                     { "name": "B", "rows": 3, "seatsPerRow": 10, "priceCents": 3000 }] });
    for (k, v) in extra.as_object().unwrap() {
        e[k] = v.clone();
    }
    e
}

#[tokio::test]
async fn a_buyer_signs_in_picks_seats_sees_the_total_pays_by_card_and_gets_tickets() {
    let s = Stack::start_live(Duration::from_secs(5)).await;
    let e = event(&s, night(json!({}))).await;
    let driver = Driver::start().await;
    for size in SIZES {
        let page = driver.browser(size).await;
        let user = format!("ann-{}", size.name);
        // Sign in through the sign-in view, from the event list.
        page.goto(&format!("{}/", s.base)).await.unwrap();
        click(&page, "#account a").await;
        until(&page, "document.getElementById('user')", Duration::from_secs(5)).await;
        page.find(Locator::Id("user")).await.unwrap().send_keys(&user).await.unwrap();
        click(&page, "form button.primary").await;
        until(
            &page,
            &format!("document.getElementById('who').textContent.includes('{user}')"),
            Duration::from_secs(5),
        )
        .await;
        // The list: name, date, venue, the all-in price range (face + fee, tax included), status.
        until(&page, "document.querySelector('[data-event]')", Duration::from_secs(5)).await;
        let card = text_of(&page, &format!("[data-event=\"{e}\"]")).await;
        for words in
            ["Autumn Gala", "Royal Hall", "2027", "€31.50", "€46.50", "On sale", "per order"]
        {
            assert!(card.contains(words), "{words:?} in the list's card: {card}");
        }
        axe_clean(&page, size, "the event list").await;
        click(&page, &format!("[data-event=\"{e}\"] a")).await;

        // The event page: the map live, sections with prices, seats at least 24 px on a phone.
        until(&page, "document.body.dataset.live === 'yes'", Duration::from_secs(20)).await;
        let picker = text_of(&page, ".sections").await;
        let free = if size.phone { "46 free" } else { "48 free" };
        assert!(
            picker.contains("Section A") && picker.contains("€46.50") && picker.contains(free),
            "{picker}"
        );
        let px = page
            .execute(&format!("return {}.getBoundingClientRect().width", seat("A-1-1")), vec![])
            .await
            .unwrap();
        assert!(px.as_f64().unwrap() >= 24.0, "a seat is {px} px wide at {}", size.name);
        axe_clean(&page, size, "the event page").await;
        if size.phone {
            shot(&page, size, "event").await;
        }
        // Each size's buyer takes seats 5 and 6 of a row of their own.
        let row = if size.phone { 2 } else { 1 };
        let (five, six) = (format!("A-{row}-5"), format!("A-{row}-6"));
        click(&page, &format!("[data-seat=\"{five}\"]")).await;
        click(&page, &format!("[data-seat=\"{six}\"]")).await;
        until(
            &page,
            &format!("{}.getAttribute('aria-selected') === 'true'", seat(&six)),
            Duration::from_secs(2),
        )
        .await;
        let bar = text_of(&page, "#bar").await;
        assert!(bar.contains("2 seats picked") && bar.contains("€93.00"), "{bar}");
        click(&page, "#hold").await;
        // Held: the seats show as the buyer's own, the bar counts down from 10:00 and totals with
        // the order's fee.
        until(
            &page,
            &format!("{}.dataset.status === 'YOURS'", seat(&five)),
            Duration::from_secs(5),
        )
        .await;
        let bar = text_of(&page, "#bar").await;
        assert!(bar.contains("You hold 2 tickets") && bar.contains("€95.00"), "{bar}");
        let left = text_of(&page, "#hold-timer").await;
        assert!(left.starts_with("09:") || left == "10:00", "the hold's countdown: {left}");
        click(&page, "#checkout").await;

        // The checkout: the order, every part of the total, before the card.
        until(&page, "document.getElementById('pay')", Duration::from_secs(5)).await;
        let order = text_of(&page, "main").await;
        let seat_five = format!("Section A, row {row}, seat 5");
        for words in [
            "Autumn Gala",
            seat_five.as_str(),
            "Tickets",
            "€90.00",
            "Service fees",
            "€5.00",
            "of which tax",
            "Total",
            "€95.00",
        ] {
            assert!(order.contains(words), "{words:?} in the checkout: {order}");
        }
        assert_eq!(text_of(&page, "#pay").await, "Pay €95.00");
        until(&page, "document.querySelector('#card input')", Duration::from_secs(10)).await;
        axe_clean(&page, size, "the checkout").await;
        if size.phone {
            shot(&page, size, "checkout").await;
        }
        // A declined card first: told where they acted, the seats still theirs; then a good one.
        pay_with(&page, "4000000000000341").await;
        until(
            &page,
            "document.getElementById('pay-error').textContent.includes('declined')",
            Duration::from_secs(10),
        )
        .await;
        for input in page.find_all(Locator::Css("#card input")).await.unwrap() {
            input.clear().await.unwrap();
        }
        pay_with(&page, "4242424242424242").await;

        // The confirmation in words, with the tickets: event, date, seat, QR drawn.
        until(&page, "document.getElementById('confirmed')", Duration::from_secs(15)).await;
        let done = text_of(&page, "main").await;
        let seat_six = format!("Section A, row {row}, seat 6");
        for words in
            ["You are going!", "Autumn Gala", "Royal Hall", "€95.00", seat_six.as_str(), "Valid"]
        {
            assert!(done.contains(words), "{words:?} in the confirmation: {done}");
        }
        until(&page, "[...document.querySelectorAll('.ticket img')].filter((i) => i.complete && i.naturalWidth > 0).length === 2", Duration::from_secs(5)).await;
        axe_clean(&page, size, "the confirmation").await;

        // My tickets: the same two, by event.
        click(&page, "nav a[href='/me']").await;
        until(&page, "document.querySelectorAll('.ticket').length === 2", Duration::from_secs(5))
            .await;
        let mine = text_of(&page, "main").await;
        assert!(mine.contains("Autumn Gala") && mine.contains("Paid"), "{mine}");
        axe_clean(&page, size, "my tickets").await;
        let b = s.get(&format!("/api/v1/bookings/users/{user}"), &s.token(&user)).await;
        let confirmed: Vec<_> = b.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["status"] == "CONFIRMED")
            .collect();
        assert_eq!(confirmed.len(), 1, "{b:?}");
        assert_eq!(confirmed[0]["totalCents"], 9500);
        page.close().await.ok();
    }
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn best_available_seats_and_standing_places_are_bought_by_count() {
    let s = Stack::start_live(Duration::from_secs(5)).await;
    let mut body = night(json!({}));
    body["sections"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "name": "FLOOR", "capacity": 100, "priceCents": 2000 }));
    let e = event(&s, body).await;
    let driver = Driver::start().await;
    for size in SIZES {
        let page = driver.browser(size).await;
        let user = format!("bo-{}", size.name);
        open_as(&page, &s, &format!("/events/{e}"), &s.token(&user)).await;
        until(&page, "document.body.dataset.live === 'yes'", Duration::from_secs(20)).await;
        // Best available: three together, anywhere.
        page.find(Locator::Id("quantity")).await.unwrap().select_by_value("3").await.unwrap();
        click(&page, "#best").await;
        until(
            &page,
            "document.getElementById('bar').textContent.includes('You hold 3 tickets')",
            Duration::from_secs(5),
        )
        .await;
        assert_eq!(
            page.execute(
                "return document.querySelectorAll('.grid [data-status=\"YOURS\"]').length",
                vec![]
            )
            .await
            .unwrap(),
            json!(3)
        );
        click(&page, "#checkout").await;
        pay_with(&page, "4242424242424242").await;
        until(&page, "document.getElementById('confirmed')", Duration::from_secs(15)).await;
        // Standing: the area's count, two places, paid.
        page.goto(&format!("{}/events/{e}", s.base)).await.unwrap();
        until(&page, "document.querySelector('[data-area=\"FLOOR\"]')", Duration::from_secs(20))
            .await;
        let area = text_of(&page, "[data-area=\"FLOOR\"]").await;
        assert!(area.contains("€21.50 each") && area.contains("places left"), "{area}");
        axe_clean(&page, size, "the event page with a standing area").await;
        page.find(Locator::Id("qty-FLOOR")).await.unwrap().select_by_value("2").await.unwrap();
        click(&page, "[data-area=\"FLOOR\"] .take").await;
        until(
            &page,
            "document.getElementById('bar').textContent.includes('You hold 2 tickets')",
            Duration::from_secs(5),
        )
        .await;
        click(&page, "#checkout").await;
        until(&page, "document.getElementById('order-seats')", Duration::from_secs(5)).await;
        assert!(text_of(&page, "#order-seats").await.contains("FLOOR, standing"));
        pay_with(&page, "4242424242424242").await;
        until(&page, "document.getElementById('confirmed')", Duration::from_secs(15)).await;
        let t = s.get(&format!("/api/v1/users/{user}/tickets"), &s.token(&user)).await;
        assert_eq!(t.body["items"].as_array().unwrap().len(), 5, "{t:?}");
        page.close().await.ok();
    }
    // The status view may be a moment old (docs/openapi.yaml): asked until it shows the last order.
    let start = Instant::now();
    loop {
        let map = s.get(&format!("/api/v1/events/{e}/seats?view=status"), &s.token("x")).await;
        if map.body["generalAdmission"][0]["booked"] == 4 {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(5), "{map:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(s.audit().await, (0, 0, 0));
}

#[tokio::test]
async fn a_hold_that_runs_out_clears_the_order_and_offers_to_hold_again() {
    let s = Stack::start_live(Duration::from_secs(1)).await;
    let e = event(&s, night(json!({ "holdTtlSeconds": 30 }))).await;
    let driver = Driver::start().await;
    // Both sizes at once: the hold's half minute runs once.
    let run = |size: Size, seat_id: &'static str| {
        let (s, e, driver) = (&s, e.clone(), &driver);
        async move {
            let page = driver.browser(size).await;
            open_as(&page, s, &format!("/events/{e}"), &s.token(&format!("cy-{}", size.name)))
                .await;
            until(&page, "document.body.dataset.live === 'yes'", Duration::from_secs(20)).await;
            pick(&page, seat_id).await;
            click(&page, "#hold").await;
            until(&page, "document.getElementById('hold-timer')", Duration::from_secs(5)).await;
            let left = text_of(&page, "#hold-timer").await;
            assert!(left.starts_with("00:2") || left == "00:30", "{left}");
            // At the end: the order clears, the seat is on sale again, "hold again" is offered.
            until(
                &page,
                "document.getElementById('bar').textContent.includes('Your hold ran out')",
                Duration::from_secs(40),
            )
            .await;
            until(
                &page,
                &format!("{}.dataset.status === 'AVAILABLE'", seat(seat_id)),
                Duration::from_secs(10),
            )
            .await;
            assert!(
                page.execute("return !document.getElementById('checkout')", vec![]).await.unwrap()
                    == json!(true),
                "no checkout after expiry"
            );
            axe_clean(&page, size, "an expired hold").await;
            click(&page, "#hold-again").await;
            until(
                &page,
                "document.getElementById('bar').textContent.includes('You hold 1 ticket')",
                Duration::from_secs(5),
            )
            .await;
            until(
                &page,
                &format!("{}.dataset.status === 'YOURS'", seat(seat_id)),
                Duration::from_secs(5),
            )
            .await;
            page.close().await.ok();
        }
    };
    futures::join!(run(DESKTOP, "B-1-1"), run(PHONE, "B-2-2"));
}

#[tokio::test]
async fn a_seat_another_browser_takes_is_unpicked_with_a_word_within_a_second() {
    let s = Stack::start_live(Duration::from_secs(5)).await;
    let e = event(&s, night(json!({}))).await;
    let driver = Driver::start().await;
    for (size, seat_id) in [(DESKTOP, "A-3-3"), (PHONE, "A-4-4")] {
        let (dee, eve) = (driver.browser(size).await, driver.browser(size).await);
        for (page, user) in [(&dee, "dee"), (&eve, "eve")] {
            open_as(page, &s, &format!("/events/{e}"), &s.token(&format!("{user}-{}", size.name)))
                .await;
            until(page, "document.body.dataset.live === 'yes'", Duration::from_secs(20)).await;
            click(page, &format!("[data-seat=\"{seat_id}\"]")).await;
        }
        click(&eve, "#hold").await;
        let start = Instant::now();
        until(
            &dee,
            &format!("{}.dataset.status === 'HELD'", seat(seat_id)),
            Duration::from_secs(5),
        )
        .await;
        let took = start.elapsed();
        until(&dee, &format!("document.getElementById('message').textContent.includes('{seat_id} was just taken by someone else')"), Duration::from_secs(1)).await;
        assert_eq!(
            dee.execute(&format!("return {}.getAttribute('aria-selected')", seat(seat_id)), vec![])
                .await
                .unwrap(),
            json!("false")
        );
        assert!(!text_of(&dee, "#bar").await.contains("picked"), "the order bar lost the seat");
        assert!(took < Duration::from_secs(2), "the other buyer's hold showed after {took:?}");
        axe_clean(&dee, size, "a seat taken by someone else").await;
        dee.close().await.ok();
        eve.close().await.ok();
    }
}

#[tokio::test]
async fn two_browsers_queue_for_the_last_seat_and_the_one_let_in_buys_it() {
    let s = Stack::start_live(Duration::from_secs(3600)).await;
    let driver = Driver::start().await;
    for (hours, size) in (1..).zip(SIZES) {
        // An hour after the server's clock, which the run before moved on by an hour.
        let opens = (chrono::Utc::now() + chrono::Duration::hours(hours)).to_rfc3339();
        let e = event(
            &s,
            json!({ "name": "Queued night", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
            "onSaleAt": opens, "waitingRoom": { "admissionTtlSeconds": 300 },
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 1, "priceCents": 2500 }] }),
        )
        .await;
        let (ann, ben) = (driver.browser(size).await, driver.browser(size).await);
        for (page, user) in [(&ann, "ann"), (&ben, "ben")] {
            open_as(page, &s, &format!("/events/{e}"), &s.token(&format!("{user}-{}", size.name)))
                .await;
            until(page, "document.getElementById('join')", Duration::from_secs(20)).await;
            assert!(text_of(page, "#sale").await.contains("Not on sale yet"));
            // Buying is not possible yet, and a seat picked now is not kept for later.
            click(page, "[data-seat=\"A-1-1\"]").await;
            assert_eq!(
                page.execute(
                    &format!("return {}.getAttribute('aria-selected')", seat("A-1-1")),
                    vec![]
                )
                .await
                .unwrap(),
                json!("false")
            );
            click(page, "#join").await;
            until(
                page,
                "document.getElementById('queue').dataset.status === 'WAITING'",
                Duration::from_secs(5),
            )
            .await;
            assert!(text_of(page, "#queue")
                .await
                .contains("Your place is drawn when the sale opens"));
        }
        axe_clean(&ben, size, "the queue before the opening").await;
        // While waiting, a page follows the line's public progress, not its own entry: after its
        // first look (404, not joined) and its join, no more reads of the entry.
        let reads = |path: &str| {
            format!("performance.getEntriesByType('resource').filter((r) => new URL(r.name).pathname.endsWith('{path}')).length")
        };
        until(&ben, &format!("{} >= 2", reads("/queue/progress")), Duration::from_secs(10)).await;
        let entry_reads =
            ben.execute(&format!("return {}", reads("/queue")), vec![]).await.unwrap();
        assert_eq!(entry_reads, json!(2), "the waiting page polled its own entry");
        // The sale opens (the server's clock): one seat, so exactly one of the two is let in; the
        // other is told their number, who is ahead, and that they are next.
        s.clock.shift(chrono::Duration::hours(1));
        let start = Instant::now();
        let status = |p: &Client| {
            let p = p.clone();
            async move {
                p.execute("return document.getElementById('queue').dataset.status", vec![])
                    .await
                    .unwrap()
            }
        };
        let (first, second) = loop {
            match (status(&ann).await.as_str(), status(&ben).await.as_str()) {
                (Some("ADMITTED"), Some("WAITING")) => break (&ann, &ben),
                (Some("WAITING"), Some("ADMITTED")) => break (&ben, &ann),
                _ => {}
            }
            assert!(start.elapsed() < Duration::from_secs(15), "nobody let in after the opening");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        until(
            second,
            "document.getElementById('queue').textContent.includes('You are number 2')",
            Duration::from_secs(5),
        )
        .await;
        assert!(text_of(second, "#queue").await.contains("You are next."));
        assert!(text_of(first, "#queue").await.contains("It is your turn"));
        until(
            first,
            "/^[0-9]{2,3}:[0-9]{2}$/.test(document.getElementById('admission-timer').textContent)",
            Duration::from_secs(5),
        )
        .await;
        axe_clean(second, size, "the queue, waiting").await;
        axe_clean(first, size, "the queue, let in").await;
        if size.phone {
            shot(second, size, "queue").await;
        }
        // The one let in picks the seat, holds (the page sends the pass) and pays.
        until(
            first,
            "document.getElementById('sale').dataset.status === 'ON_SALE'",
            Duration::from_secs(15),
        )
        .await;
        click(first, "[data-seat=\"A-1-1\"]").await;
        click(first, "#hold").await;
        until(first, "document.getElementById('checkout')", Duration::from_secs(5)).await;
        click(first, "#checkout").await;
        pay_with(first, "4242424242424242").await;
        until(first, "document.getElementById('confirmed')", Duration::from_secs(15)).await;
        // The other: sold out, keeping their place, and offered the waitlist.
        until(
            second,
            "document.getElementById('queue').dataset.status === 'SOLD_OUT'",
            Duration::from_secs(10),
        )
        .await;
        assert!(text_of(second, "#queue").await.contains("Everything is taken right now"));
        until(second, "document.getElementById('waitlist-join')", Duration::from_secs(5)).await;
        assert!(
            text_of(second, "#bar").await.contains("you keep your place in the queue"),
            "{}",
            text_of(second, "#bar").await
        );
        ann.close().await.ok();
        ben.close().await.ok();
    }
}

#[tokio::test]
async fn the_organiser_cancels_after_a_preview_and_buyers_are_told_their_money_comes_back() {
    let s = Stack::start_live(Duration::from_secs(1)).await;
    let driver = Driver::start().await;
    for size in SIZES {
        let e = event(&s, night(json!({}))).await;
        let b = s.book(&e, "fay", &["A-1-1", "A-1-2"]).await;
        s.pay(&b).await;
        let (org, buyer) = (driver.browser(size).await, driver.browser(size).await);
        open_as(&org, &s, &format!("/events/{e}/organiser"), &s.admin_token()).await;
        until(
            &org,
            "document.querySelector('[data-figure=\"Orders paid\"]')",
            Duration::from_secs(10),
        )
        .await;
        assert_eq!(text_of(&org, "[data-figure=\"Orders paid\"]").await, "1");
        assert_eq!(text_of(&org, "[data-figure=\"Revenue\"]").await, "€95.00");
        axe_clean(&org, size, "the organiser view").await;
        // A camera position taken off sale, in words.
        org.find(Locator::Id("block-seats"))
            .await
            .unwrap()
            .send_keys("A-4-1, A-4-2")
            .await
            .unwrap();
        org.find(Locator::Id("block-reason")).await.unwrap().send_keys("camera").await.unwrap();
        click(&org, "#block").await;
        until(&org, "document.getElementById('block-said').textContent.includes('Taken off sale: A-4-1, A-4-2')", Duration::from_secs(5)).await;
        let map = s.seat_statuses(&e).await;
        assert_eq!((map["A-4-1"].as_str(), map["A-4-2"].as_str()), ("BLOCKED", "BLOCKED"));
        until(
            &org,
            "document.querySelector('[data-figure=\"Seats blocked\"]').textContent === '2'",
            Duration::from_secs(5),
        )
        .await;
        open_as(&buyer, &s, &format!("/events/{e}"), &s.token("fay")).await;
        until(&buyer, "document.body.dataset.live === 'yes'", Duration::from_secs(20)).await;
        // The dangerous button looks it, and asks first with what it will do.
        let colour = org.execute("return getComputedStyle(document.getElementById('cancel-preview')).backgroundColor", vec![]).await.unwrap();
        assert_eq!(colour, json!("rgb(207, 34, 46)"), "cancel is red");
        click(&org, "#cancel-preview").await;
        until(&org, "document.getElementById('cancel-preview-text')", Duration::from_secs(5)).await;
        let preview = text_of(&org, "#cancel-preview-text").await;
        assert!(preview.contains("1 orders (1 paid)") && preview.contains("€95.00"), "{preview}");
        click(&org, "#cancel-confirm").await;
        until(
            &org,
            "document.getElementById('cancel-progress').dataset.done === 'yes'",
            Duration::from_secs(30),
        )
        .await;
        assert!(text_of(&org, "#cancel-progress").await.contains("€95.00 refunded"));
        // The report follows by itself.
        until(
            &org,
            "document.querySelector('[data-figure=\"Refunded\"]').textContent === '€95.00'",
            Duration::from_secs(12),
        )
        .await;
        // The buyer's page: cancelled, the refund said, nothing to buy.
        buyer.refresh().await.unwrap();
        until(
            &buyer,
            "document.getElementById('status').textContent.includes('This event is cancelled')",
            Duration::from_secs(10),
        )
        .await;
        assert!(text_of(&buyer, "#status").await.contains("money back"));
        assert!(text_of(&buyer, "#bar").await.contains("This event is cancelled"));
        assert_eq!(
            buyer
                .execute(
                    "return document.querySelector('.seatmap').classList.contains('closed')",
                    vec![]
                )
                .await
                .unwrap(),
            json!(true),
            "the map of a cancelled sale is greyed"
        );
        click(&buyer, "[data-seat=\"A-2-2\"]").await;
        assert_eq!(
            buyer
                .execute(&format!("return {}.getAttribute('aria-selected')", seat("A-2-2")), vec![])
                .await
                .unwrap(),
            json!("false")
        );
        axe_clean(&buyer, size, "a cancelled event").await;
        click(&buyer, "nav a[href='/me']").await;
        until(&buyer, "document.querySelector('[data-booking]')", Duration::from_secs(5)).await;
        let mine = text_of(&buyer, "main").await;
        assert!(
            mine.contains("Cancelled")
                && mine.contains("refunded")
                && mine.contains("No longer valid"),
            "{mine}"
        );
        org.close().await.ok();
        buyer.close().await.ok();
    }
}

#[tokio::test]
async fn the_door_admits_a_ticket_once_and_refuses_the_rest() {
    let s = Stack::start().await;
    let e = s.simple_event(1, 4, 4).await;
    let paid = |seats: &'static [&'static str]| {
        let (s, e) = (&s, e.clone());
        async move {
            let b = s.book(&e, "vera", seats).await;
            s.pay(&b).await;
            let id = b["id"].as_str().unwrap().to_string();
            let t = s.get(&format!("/api/v1/bookings/{id}/tickets"), &s.token("vera")).await;
            (id, t.body["items"][0]["code"].as_str().unwrap().to_string())
        }
    };
    let driver = Driver::start().await;
    for size in SIZES {
        let (_, good) = paid(if size.phone { &["A-1-2"] } else { &["A-1-1"] }).await;
        let (cancelled, revoked) = paid(if size.phone { &["A-1-4"] } else { &["A-1-3"] }).await;
        let c =
            s.put(&format!("/api/v1/bookings/{cancelled}/cancel"), &s.token("vera"), None).await;
        assert_eq!(c.status, StatusCode::OK);
        let page = driver.browser(size).await;
        // A steward signs in as door staff (the local stand-in of the user pool).
        page.goto(&format!("{}/door?event={e}&gate=north", s.base)).await.unwrap();
        until(&page, "document.getElementById('user')", Duration::from_secs(5)).await;
        page.find(Locator::Id("user"))
            .await
            .unwrap()
            .send_keys(&format!("steward-{}", size.name))
            .await
            .unwrap();
        click(&page, "form button.primary").await;
        until(
            &page,
            "document.getElementById('who').textContent.includes('(staff)')",
            Duration::from_secs(5),
        )
        .await;
        until(
            &page,
            "document.getElementById('code') === document.activeElement",
            Duration::from_secs(5),
        )
        .await;
        let scan = |code: String| {
            let page = &page;
            async move {
                page.find(Locator::Id("code"))
                    .await
                    .unwrap()
                    .send_keys(&format!("{code}\n"))
                    .await
                    .unwrap()
            }
        };
        let verdict = |result: &'static str| {
            let page = &page;
            async move {
                until(
                    page,
                    &format!("document.getElementById('result').dataset.result === '{result}'"),
                    Duration::from_secs(5),
                )
                .await
            }
        };
        scan(good.clone()).await;
        verdict("ADMITTED").await;
        assert_eq!(text_of(&page, "#seat").await, if size.phone { "A-1-2" } else { "A-1-1" });
        assert_eq!(
            page.execute(
                "return getComputedStyle(document.getElementById('result')).backgroundColor",
                vec![]
            )
            .await
            .unwrap(),
            json!("rgb(26, 127, 55)")
        );
        axe_clean(&page, size, "the door").await;
        if size.phone {
            shot(&page, size, "door").await;
        }
        scan(good).await;
        verdict("ALREADY_IN").await;
        assert!(text_of(&page, "#detail").await.contains("gate north"));
        scan(revoked).await;
        verdict("REVOKED").await;
        assert!(text_of(&page, "#verdict").await.contains("NOT VALID"));
        scan("not-a-ticket".into()).await;
        verdict("INVALID").await;
        axe_clean(&page, size, "the door after a refusal").await;
        page.close().await.ok();
    }
}

#[tokio::test]
async fn a_ten_thousand_seat_map_is_ready_and_its_times_are_reported() {
    let s = Stack::start_live(Duration::from_secs(5)).await;
    let e = event(
        &s,
        json!({ "name": "Arena", "venue": "Dome", "startsAt": "2027-06-01T19:00:00Z",
        "sections": [{ "name": "FLOOR", "rows": 50, "seatsPerRow": 100, "priceCents": 9000 },
                     { "name": "UPPER", "rows": 50, "seatsPerRow": 100, "priceCents": 6000 }] }),
    )
    .await;
    let driver = Driver::start().await;
    for size in SIZES {
        let page = driver.browser(size).await;
        open_as(&page, &s, "/", &s.token("gus")).await;
        page.goto(&format!("{}/events/{e}", s.base)).await.unwrap();
        until(
            &page,
            "performance.getEntriesByName('map-ready').length === 1",
            Duration::from_secs(30),
        )
        .await;
        let t = page
            .execute("const p = performance.getEntriesByName('first-contentful-paint')[0];
                      return { paint: p ? p.startTime : null, ready: performance.getEntriesByName('map-ready')[0].startTime,
                               seats: document.querySelectorAll('[data-seat]').length }", vec![])
            .await
            .unwrap();
        println!("storefront budget, 10,000 seats at {}: first paint {:.0} ms, map ready {:.0} ms, {} seats of the shown section drawn",
            size.name, t["paint"].as_f64().unwrap_or(f64::NAN), t["ready"].as_f64().unwrap(), t["seats"]);
        assert_eq!(t["seats"], 5000, "the first section's seats are drawn");
        // A status change still shows promptly on the big map.
        let far = if size.phone { "FLOOR-49-100" } else { "FLOOR-50-100" };
        let h = s
            .post(
                &format!("/api/v1/events/{e}/holds"),
                &s.token("hal"),
                json!({ "seatIds": [far] }),
            )
            .await;
        assert_eq!(h.status, StatusCode::CREATED);
        until(&page, &format!("{}.dataset.status === 'HELD'", seat(far)), Duration::from_secs(3))
            .await;
        page.close().await.ok();
    }
}

#[tokio::test]
async fn a_sold_out_buyer_joins_the_waitlist_and_checks_out_the_seats_that_come_back() {
    let s = Stack::start_live(Duration::from_secs(5)).await;
    let driver = Driver::start().await;
    for size in SIZES {
        let e = event(
            &s,
            json!({ "name": "Small room", "venue": "Cellar", "startsAt": "2027-02-02T20:00:00Z",
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": 2, "priceCents": 3000 }] }),
        )
        .await;
        let first = s
            .post(
                &format!("/api/v1/events/{e}/holds"),
                &s.token("ida"),
                json!({ "seatIds": ["A-1-1", "A-1-2"] }),
            )
            .await;
        assert_eq!(first.status, StatusCode::CREATED);
        let page = driver.browser(size).await;
        let user = format!("jo-{}", size.name);
        open_as(&page, &s, &format!("/events/{e}"), &s.token(&user)).await;
        until(&page, "document.getElementById('waitlist-join')", Duration::from_secs(20)).await;
        assert!(text_of(&page, "#status").await.contains("Sold out right now"));
        page.find(Locator::Id("waitlist-quantity"))
            .await
            .unwrap()
            .select_by_value("2")
            .await
            .unwrap();
        click(&page, "#waitlist-join").await;
        until(&page, "document.getElementById('waitlist-state').textContent.includes('You are on the waitlist for 2 tickets')", Duration::from_secs(5)).await;
        axe_clean(&page, size, "the waitlist").await;
        // The first buyer lets go: the seats are offered to the waitlist, held in this buyer's name.
        let gone = s
            .send(
                reqwest::Method::DELETE,
                &format!("/api/v1/holds/{}", first.body["id"].as_str().unwrap()),
                Some(&s.token("ida")),
                None,
            )
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT);
        until(
            &page,
            "document.getElementById('waitlist-state').textContent.includes('are held for you')",
            Duration::from_secs(15),
        )
        .await;
        assert!(text_of(&page, "#waitlist").await.contains("A-1-1, A-1-2"));
        click(&page, "#waitlist button.primary").await;
        until(&page, "document.getElementById('pay')", Duration::from_secs(5)).await;
        assert_eq!(text_of(&page, "#pay").await, "Pay $60.00");
        pay_with(&page, "4242424242424242").await;
        until(&page, "document.getElementById('confirmed')", Duration::from_secs(15)).await;
        let w = s.get(&format!("/api/v1/events/{e}/waitlist"), &s.token(&user)).await;
        assert_eq!(w.body["status"], "ACCEPTED", "{w:?}");
        page.close().await.ok();
    }
}

#[tokio::test]
async fn a_buyer_gives_a_ticket_to_a_friend_who_then_has_it() {
    let s = Stack::start_live(Duration::from_secs(5)).await;
    let e = event(&s, night(json!({}))).await;
    let driver = Driver::start().await;
    for size in SIZES {
        let (giver, friend) = (format!("liv-{}", size.name), format!("max-{}", size.name));
        let b = s
            .book(&e, &giver, if size.phone { &["B-1-3", "B-1-4"] } else { &["B-1-1", "B-1-2"] })
            .await;
        s.pay(&b).await;
        let page = driver.browser(size).await;
        open_as(&page, &s, "/me", &s.token(&giver)).await;
        until(&page, "document.querySelectorAll('.ticket').length === 2", Duration::from_secs(10))
            .await;
        axe_clean(&page, size, "my tickets with the give form").await;
        click(&page, ".ticket details summary").await;
        let field = page.find(Locator::Css(".ticket details input")).await.unwrap();
        field.send_keys(&friend).await.unwrap();
        click(&page, ".ticket .give-button").await;
        until(
            &page,
            "document.querySelectorAll('.ticket[data-status=\"VALID\"]').length === 1",
            Duration::from_secs(10),
        )
        .await;
        let theirs = s.get(&format!("/api/v1/users/{friend}/tickets"), &s.token(&friend)).await;
        assert_eq!(theirs.body["items"].as_array().unwrap().len(), 1, "{theirs:?}");
        // The friend sees it in their tickets, with the event and its QR code.
        open_as(&page, &s, "/me", &s.token(&friend)).await;
        until(&page, "document.querySelectorAll('.ticket img').length === 1 && document.querySelector('.ticket img').naturalWidth > 0", Duration::from_secs(10)).await;
        assert!(text_of(&page, ".ticket").await.contains("Autumn Gala"));
        page.close().await.ok();
    }
}
