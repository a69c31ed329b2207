//! The waiting room through the gateway: the opening's shuffle, late joiners behind, admission in
//! position order tied to the seats left, access passes bound to user and event, sold out and
//! back, abandoned admissions expiring, removal, and the per-user limit.

use booking_tests::{Answer, Stack};
use chrono::{Duration, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

fn at(offset: Duration) -> String {
    (Utc::now() + offset).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// A waiting-room event with `seats` seats in one row, going on sale in an hour.
async fn queued_event(s: &Stack, seats: u32, room: Value) -> String {
    let ev = s
        .create_event(
            json!({ "name": "Big on-sale", "venue": "V", "startsAt": at(Duration::days(30)),
            "onSaleAt": at(Duration::hours(1)), "maxSeatsPerOrder": 2, "holdTtlSeconds": 600,
            "waitingRoom": room,
            "sections": [{ "name": "A", "rows": 1, "seatsPerRow": seats, "priceCents": 100 }] }),
        )
        .await;
    assert_eq!(
        ev["waitingRoom"]["admissionTtlSeconds"],
        room["admissionTtlSeconds"].as_u64().map_or(json!(600), |t| json!(t))
    );
    ev["id"].as_str().unwrap().to_string()
}

async fn join(s: &Stack, ev: &str, user: &str) -> Answer {
    s.post(&format!("/api/v1/events/{ev}/queue"), &s.token(user), json!({})).await
}

async fn entry(s: &Stack, ev: &str, user: &str) -> Value {
    let a = s.get(&format!("/api/v1/events/{ev}/queue"), &s.token(user)).await;
    assert_eq!(a.status, StatusCode::OK, "{a:?}");
    a.body
}

/// Holds `seat` as `user` showing `pass` (if any) as `Queue-Token`.
async fn hold(s: &Stack, ev: &str, user: &str, seat: &str, pass: Option<&str>) -> Answer {
    let headers: Vec<(&str, &str)> = pass.map(|p| ("queue-token", p)).into_iter().collect();
    s.send_with(
        Method::POST,
        &format!("/api/v1/events/{ev}/holds"),
        &s.token(user),
        Some(json!({ "seatIds": [seat] })),
        &headers,
    )
    .await
}

/// Spearman's rank correlation of two rankings of the same items.
fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let d2: f64 = a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum();
    1.0 - 6.0 * d2 / (n * (n * n - 1.0))
}

#[tokio::test]
async fn early_joiners_are_shuffled_at_the_opening_and_later_ones_queue_behind() {
    let s = Stack::start().await;
    let ev = queued_event(&s, 2, json!({})).await;
    const EARLY: usize = 300;
    let users: Vec<String> = (0..EARLY).map(|i| format!("early-{i:03}")).collect();
    for u in &users {
        let a = join(&s, &ev, u).await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        assert_eq!(
            (a.body["status"].as_str(), &a.body["position"]),
            (Some("WAITING"), &Value::Null)
        );
    }
    // A second join is the same entry (200), and before the opening no order exists anywhere:
    // the queue has no seed yet.
    let again = join(&s, &ev, &users[0]).await;
    assert_eq!(again.status, StatusCode::OK);
    let mut redis = s.redis().await;
    let seed: Option<String> = redis::cmd("HGET")
        .arg(format!("{}qmeta:{{{ev}}}", s.redis_prefix))
        .arg("seed")
        .query_async(&mut redis)
        .await
        .unwrap();
    assert_eq!(seed, None, "no shuffle seed exists before onSaleAt");

    s.clock.shift(Duration::hours(1));
    let late: Vec<String> = (0..5).map(|i| format!("late-{i}")).collect();
    for (i, u) in late.iter().enumerate() {
        let a = join(&s, &ev, u).await;
        assert_eq!(a.body["position"], json!(EARLY + i + 1), "late joiners line up behind: {a:?}");
    }
    let mut positions = Vec::new();
    for u in &users {
        positions
            .push(entry(&s, &ev, u).await["position"].as_u64().expect("placed at the opening"));
    }
    let mut sorted = positions.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=EARLY as u64).collect::<Vec<_>>(), "positions 1..n without gaps");
    // Join order against position: a fair shuffle has a rank correlation near 0 (its standard
    // deviation is 1/sqrt(n-1) = 0.058 here; 0.25 is over four of them).
    let order: Vec<f64> = (1..=EARLY).map(|i| i as f64).collect();
    let placed: Vec<f64> = positions.iter().map(|p| *p as f64).collect();
    let rho = spearman(&order, &placed);
    assert!(rho.abs() < 0.25, "rank correlation of join order and position: {rho}");
    // Two seats: the first two positions are admitted, in position order, nobody else.
    let admitted: Vec<u64> = {
        let mut v = Vec::new();
        for u in &users {
            let e = entry(&s, &ev, u).await;
            if e["status"] == "ADMITTED" {
                v.push(e["position"].as_u64().unwrap());
            }
        }
        v.sort_unstable();
        v
    };
    assert_eq!(admitted, vec![1, 2]);
    let stats = s.get(&format!("/api/v1/events/{ev}/queue/stats"), &s.admin_token()).await;
    assert_eq!(
        stats.body,
        json!({ "waiting": EARLY + 5 - 2, "admitted": 2, "soldOut": 0, "servedUpTo": 2, "joined": EARLY + 5 })
    );
    s.get(&format!("/api/v1/events/{ev}/queue/stats"), &s.token("early-000"))
        .await
        .assert_problem(403, "FORBIDDEN");
}

#[tokio::test]
async fn admission_follows_the_seats_left_sells_out_and_resumes() {
    let s = Stack::start().await;
    let ev = queued_event(&s, 3, json!({ "admissionTtlSeconds": 60 })).await;
    let users: Vec<String> = (1..=8).map(|i| format!("u{i}")).collect();
    for u in &users {
        join(&s, &ev, u).await;
    }
    s.clock.shift(Duration::hours(1));
    // Positions are a shuffle: name users by position from here on.
    let mut by_pos = vec![String::new(); users.len() + 1];
    for u in &users {
        by_pos[entry(&s, &ev, u).await["position"].as_u64().unwrap() as usize] = u.clone();
    }
    let status = |p: usize| {
        let (s, ev, u) = (&s, ev.clone(), by_pos[p].clone());
        async move { entry(s, &ev, &u).await }
    };
    let statuses = |range: std::ops::RangeInclusive<usize>| {
        let status = &status;
        async move {
            let mut v = Vec::new();
            for p in range {
                v.push(status(p).await["status"].as_str().unwrap().to_string());
            }
            v
        }
    };
    assert_eq!(statuses(1..=5).await, ["ADMITTED", "ADMITTED", "ADMITTED", "WAITING", "WAITING"]);

    // Passes: bound to user and event, checked before anything is held.
    let p1 = status(1).await;
    let pass1 = p1["accessToken"].as_str().unwrap().to_string();
    assert!(p1["accessExpiresAt"].is_string() && p1["admittedAt"].is_string(), "{p1}");
    hold(&s, &ev, &by_pos[1], "A-1-1", None).await.assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    hold(&s, &ev, &by_pos[4], "A-1-1", Some(&pass1))
        .await
        .assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    let forged = local_gateway::auth::mint("not-the-queue-secret", &by_pos[1], false, 600);
    hold(&s, &ev, &by_pos[1], "A-1-1", Some(&forged))
        .await
        .assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    let other = queued_event(&s, 3, json!({})).await;
    hold(&s, &other, &by_pos[1], "A-1-1", Some(&pass1))
        .await
        .assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    let direct = s
        .post(
            "/api/v1/bookings",
            &s.token(&by_pos[1]),
            json!({ "eventId": ev, "seatIds": ["A-1-1"] }),
        )
        .await;
    direct.assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    assert!(s.seat_statuses(&ev).await.values().all(|v| v == "AVAILABLE"), "nothing was held");

    // Position 1 holds a seat: 2 left, 2 admitted still shopping: nobody new.
    let h1 = hold(&s, &ev, &by_pos[1], "A-1-1", Some(&pass1)).await;
    assert_eq!(h1.status, StatusCode::CREATED, "{h1:?}");
    assert_eq!(statuses(4..=4).await, ["WAITING"]);
    // Positions 2 and 3 never use their window: it lapses and the next two are admitted.
    s.clock.shift(Duration::seconds(61));
    assert_eq!(
        statuses(1..=6).await,
        ["EXPIRED", "EXPIRED", "EXPIRED", "ADMITTED", "ADMITTED", "WAITING"]
    );
    let pass2 = status(2).await;
    assert!(pass2["accessToken"].is_null(), "an expired entry has no pass: {pass2}");
    hold(&s, &ev, &by_pos[1], "A-1-2", Some(&pass1))
        .await
        .assert_problem(403, "QUEUE_TOKEN_REQUIRED");

    // Positions 4 and 5 take the last two seats: sold out, those waiting are SOLD_OUT.
    for (p, seat) in [(4, "A-1-2"), (5, "A-1-3")] {
        let pass = status(p).await["accessToken"].as_str().unwrap().to_string();
        let h = hold(&s, &ev, &by_pos[p], seat, Some(&pass)).await;
        assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
        if p == 5 {
            // A seat comes back: position 5 lets go of it.
            assert_eq!(statuses(6..=8).await, ["SOLD_OUT", "SOLD_OUT", "SOLD_OUT"]);
            let stats = s.get(&format!("/api/v1/events/{ev}/queue/stats"), &s.admin_token()).await;
            assert_eq!(
                (stats.body["soldOut"].as_u64(), stats.body["waiting"].as_u64()),
                (Some(3), Some(0))
            );
            let gone = s
                .send(
                    Method::DELETE,
                    &format!("/api/v1/holds/{}", h.body["id"].as_str().unwrap()),
                    Some(&s.token(&by_pos[p])),
                    None,
                )
                .await;
            assert_eq!(gone.status, StatusCode::NO_CONTENT);
        }
    }
    assert_eq!(
        statuses(6..=8).await,
        ["ADMITTED", "WAITING", "WAITING"],
        "admission resumes in position order"
    );

    // An admin removes position 6: the pass stops working at once.
    let pass6 = status(6).await["accessToken"].as_str().unwrap().to_string();
    let removed = s
        .send(
            Method::DELETE,
            &format!("/api/v1/events/{ev}/queue/{}", by_pos[6]),
            Some(&s.admin_token()),
            None,
        )
        .await;
    assert_eq!(
        (removed.status, removed.body["status"].as_str()),
        (StatusCode::OK, Some("EXPIRED")),
        "{removed:?}"
    );
    hold(&s, &ev, &by_pos[6], "A-1-3", Some(&pass6))
        .await
        .assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    assert_eq!(
        statuses(7..=7).await,
        ["ADMITTED"],
        "the removed place no longer counts against the seats"
    );
}

/// The line's public progress, read without a token: (status, cache-control, etag, body).
async fn progress(s: &Stack, ev: &str, etag: Option<&str>) -> (u16, String, String, Value) {
    let mut req = s.http.get(format!("{}/api/v1/events/{ev}/queue/progress", s.base));
    if let Some(tag) = etag {
        req = req.header("if-none-match", tag);
    }
    let r = req.send().await.unwrap();
    let header =
        |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let (status, cache, tag) = (r.status().as_u16(), header("cache-control"), header("etag"));
    (status, cache, tag, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_public_progress_admits_a_second_at_a_time_and_tells_the_crowd_whose_turn_it_is() {
    let s = Stack::start().await;
    let ev = queued_event(&s, 2, json!({})).await;
    let users: Vec<String> = (0..6).map(|i| format!("crowd-{i}")).collect();
    for u in &users {
        assert_eq!(join(&s, &ev, u).await.status, StatusCode::CREATED);
    }
    // Before the opening: no places drawn, nobody served; the same for anyone, no token needed,
    // kept a second by the edge, and a repeat naming its tag is 304.
    let (status, cache, tag, body) = progress(&s, &ev, None).await;
    assert_eq!((status, cache.as_str()), (200, "public, max-age=1"));
    assert_eq!(
        (&body["eventId"], &body["opened"], &body["servedUpTo"], &body["soldOut"]),
        (&json!(ev), &json!(false), &json!(0), &json!(false))
    );
    assert!(body["at"].is_string() && body.get("presale").is_none(), "{body}");
    assert_eq!(progress(&s, &ev, Some(&tag)).await.0, 304);

    // The opening. Nobody polls their entry: reading the progress alone (once its second is up)
    // draws the places and admits as many as there are seats.
    s.clock.shift(Duration::hours(1));
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (_, _, _, body) = progress(&s, &ev, None).await;
    assert_eq!((&body["opened"], &body["servedUpTo"]), (&json!(true), &json!(2)), "{body}");
    let stats = s.get(&format!("/api/v1/events/{ev}/queue/stats"), &s.admin_token()).await;
    assert_eq!(stats.body["servedUpTo"], 2, "the progress read admitted: {stats:?}");
    // What it tells the crowd is what their entries say: positions up to servedUpTo are admitted
    // (and get their pass from their entry), the rest wait.
    for u in &users {
        let e = entry(&s, &ev, u).await;
        let turn = e["position"].as_u64().unwrap() <= 2;
        assert_eq!(e["status"], if turn { "ADMITTED" } else { "WAITING" }, "{e}");
        assert_eq!(e["accessToken"].is_string(), turn, "{e}");
    }

    // Both seats held: nothing left to admit anyone to, and the progress says so.
    for u in &users {
        let e = entry(&s, &ev, u).await;
        if e["status"] == "ADMITTED" {
            let seat = format!("A-1-{}", e["position"]);
            let a = hold(&s, &ev, u, &seat, e["accessToken"].as_str()).await;
            assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        }
    }
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (_, _, _, body) = progress(&s, &ev, None).await;
    assert_eq!((&body["servedUpTo"], &body["soldOut"]), (&json!(2), &json!(true)), "{body}");

    // Only an event with a waiting room has one; the line is general or presale; an event
    // without access codes has no presale line.
    let plain = s.simple_event(1, 2, 2).await;
    let a =
        s.send(Method::GET, &format!("/api/v1/events/{plain}/queue/progress"), None, None).await;
    a.assert_problem(404, "QUEUE_NOT_FOUND");
    let path = format!("/api/v1/events/{ev}/queue/progress?line=other");
    s.send(Method::GET, &path, None, None).await.assert_problem(400, "INVALID_QUERY");
    let path = format!("/api/v1/events/{ev}/queue/progress?line=presale");
    s.send(Method::GET, &path, None, None).await.assert_problem(404, "QUEUE_NOT_FOUND");
}

#[tokio::test]
async fn admission_never_passes_the_cap_a_minute_and_spreads_it_over_the_minute() {
    let s = Stack::start().await;
    let ev =
        queued_event(&s, 500, json!({ "admitPerMinute": 120, "admissionTtlSeconds": 600 })).await;
    for i in 0..300 {
        join(&s, &ev, &format!("c{i}")).await;
    }
    s.clock.shift(Duration::hours(1));
    let served = || async {
        s.get(&format!("/api/v1/events/{ev}/queue/stats"), &s.admin_token()).await.body
            ["servedUpTo"]
            .as_u64()
            .unwrap()
    };
    // Each look is another buyer's (one buyer's looks are limited); each takes an admission step.
    // 120 a minute is 2 a second: the opening admits 2, not the minute's 120 at once.
    entry(&s, &ev, "c0").await;
    assert_eq!(served().await, 2);
    entry(&s, &ev, "c1").await;
    assert_eq!(served().await, 2, "still the same second");
    for second in 1..=59 {
        s.clock.shift(Duration::seconds(1));
        entry(&s, &ev, &format!("c{second}")).await;
        assert_eq!(served().await, 2 + 2 * second, "after {second} s");
    }
    // A quiet stretch does not save up a burst: the cap a minute still holds.
    s.clock.shift(Duration::milliseconds(500));
    entry(&s, &ev, "c100").await;
    assert_eq!(served().await, 120, "the minute's cap is reached");
    s.clock.shift(Duration::seconds(90));
    entry(&s, &ev, "c101").await;
    assert_eq!(served().await, 122, "a new second, two more; never the minute's worth at once");
}

#[tokio::test]
async fn joins_and_polls_are_limited_per_user_and_unknown_entries_are_404() {
    let s = Stack::start().await;
    let ev = queued_event(&s, 5, json!({})).await;
    s.get(&format!("/api/v1/events/{ev}/queue"), &s.token("nobody"))
        .await
        .assert_problem(404, "QUEUE_ENTRY_NOT_FOUND");
    let plain = s.simple_event(1, 1, 1).await;
    join(&s, &plain, "x").await.assert_problem(404, "QUEUE_NOT_FOUND");
    let limit = s.app.config.rate_limit_queue as usize;
    // Start at the beginning of a 10 s counting window, so that all of it falls in one.
    let into = s.app.now().timestamp_millis().rem_euclid(10_000);
    s.clock.shift(Duration::milliseconds(10_000 - into + 1));
    let mut answers = Vec::new();
    for _ in 0..limit + 1 {
        answers.push(join(&s, &ev, "eager").await);
    }
    let last = answers.pop().unwrap();
    assert!(answers.iter().all(|a| a.status.is_success()), "{answers:?}");
    last.assert_problem(429, "RATE_LIMITED");
    assert!(last.body["detail"].is_string());
    // Another user is not held back by this one.
    assert_eq!(join(&s, &ev, "patient").await.status, StatusCode::CREATED);
    // After the sales end, joining is closed.
    s.clock.shift(Duration::days(31));
    join(&s, &ev, "late").await.assert_problem(409, "NOT_ON_SALE");
}

#[tokio::test]
async fn a_subscriber_in_the_queue_is_told_when_their_entry_changes() {
    let s = Stack::start_live(std::time::Duration::from_millis(200)).await;
    let ev = queued_event(&s, 1, json!({})).await;
    for u in ["wanda", "walt"] {
        join(&s, &ev, u).await;
    }
    let mut ws =
        booking_tests::WsClient::connect(&s.ws_url("wanda", Some(&ev))).await.expect("connected");
    let mut other =
        booking_tests::WsClient::connect(&s.ws_url("walt", Some(&ev))).await.expect("connected");
    // The sale opens; the schedule admits one (one seat) and tells both where they stand.
    s.clock.shift(Duration::hours(1));
    let mut seen = Vec::new();
    for c in [&mut ws, &mut other] {
        let m = c.next(std::time::Duration::from_secs(10)).await.expect("a queue.changed push");
        assert_eq!(
            (m["type"].as_str(), m["eventId"].as_str()),
            (Some("queue.changed"), Some(ev.as_str())),
            "{m}"
        );
        assert_eq!(m["servedUpTo"], 1, "the first push is the opening's: {m}");
        seen.push((m["position"].as_u64().unwrap(), m["status"].as_str().unwrap().to_string()));
    }
    seen.sort();
    assert_eq!(seen, [(1, "ADMITTED".to_string()), (2, "WAITING".to_string())]);
}

#[tokio::test]
async fn a_cancelled_event_admits_nobody_and_takes_no_joins() {
    let s = Stack::start().await;
    let ev = queued_event(&s, 10, json!({ "admissionTtlSeconds": 600 })).await;
    for i in 0..3 {
        assert_eq!(join(&s, &ev, &format!("d{i}")).await.status, StatusCode::CREATED);
    }
    let c = s.post(&format!("/api/v1/events/{ev}/cancel"), &s.admin_token(), json!({})).await;
    assert_eq!(c.status, StatusCode::ACCEPTED, "{c:?}");
    s.clock.shift(Duration::hours(1));
    // The opening comes and goes: the room's schedule admits nobody.
    assert_eq!(booking_core::app::queue::advance_all(&s.app).await.unwrap(), 0);
    join(&s, &ev, "late").await.assert_problem(409, "NOT_ON_SALE");
    hold(&s, &ev, "d0", "A-1-1", None).await.assert_problem(409, "NOT_ON_SALE");
}

#[tokio::test]
async fn a_presale_has_its_own_line_shuffled_at_its_opening_and_admitted_the_same_fair_way() {
    let s = Stack::start().await;
    let ev = queued_event(&s, 4, json!({})).await;
    // The presale opens in ten minutes, the general sale in an hour.
    let code = json!({ "code": "FANS", "kind": "ACCESS", "maxUses": 100,
        "validFrom": at(Duration::minutes(10)), "validUntil": at(Duration::hours(1)) });
    let c = s.post(&format!("/api/v1/events/{ev}/codes"), &s.admin_token(), code).await;
    assert_eq!(c.status, StatusCode::CREATED, "{c:?}");
    let presale_join = |user: String, code: &'static str| {
        let (s, ev) = (&s, ev.clone());
        async move {
            let body = json!({ "code": code });
            s.post(&format!("/api/v1/events/{ev}/queue"), &s.token(&user), body).await
        }
    };
    const FANS: usize = 40;
    let fans: Vec<String> = (0..FANS).map(|i| format!("fan-{i:02}")).collect();
    for u in &fans {
        let a = presale_join(u.clone(), "fans").await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        assert_eq!((&a.body["presale"], &a.body["position"]), (&json!(true), &Value::Null));
    }
    presale_join("guesser".into(), "nope").await.assert_problem(422, "CODE_INVALID");
    assert_eq!(join(&s, &ev, "plain").await.status, StatusCode::CREATED);
    let presale_entry = |user: String| {
        let (s, ev) = (&s, ev.clone());
        async move {
            let a =
                s.get(&format!("/api/v1/events/{ev}/queue?line=presale"), &s.token(&user)).await;
            assert_eq!(a.status, StatusCode::OK, "{a:?}");
            a.body
        }
    };
    // The general line has no presale entry of a fan's, nor the presale line one of the plain buyer.
    let none = s.get(&format!("/api/v1/events/{ev}/queue?line=presale"), &s.token("plain")).await;
    none.assert_problem(404, "QUEUE_ENTRY_NOT_FOUND");

    s.clock.shift(Duration::minutes(10));
    let mut positions = Vec::new();
    for u in &fans {
        positions.push(presale_entry(u.clone()).await["position"].as_u64().unwrap());
    }
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(sorted, (1..=FANS as u64).collect::<Vec<_>>(), "positions 1..n, no gaps");
    let joined: Vec<f64> = (1..=FANS).map(|i| i as f64).collect();
    let drawn: Vec<f64> = positions.iter().map(|p| *p as f64).collect();
    assert!(spearman(&joined, &drawn).abs() < 0.6, "a shuffle, not the join order: {positions:?}");
    // Admission in position order, as far as the 4 seats allow.
    let first = &fans[positions.iter().position(|p| *p == 1).unwrap()];
    let fifth = &fans[positions.iter().position(|p| *p == 5).unwrap()];
    let admitted = presale_entry(first.clone()).await;
    assert_eq!(admitted["status"], "ADMITTED", "{admitted}");
    assert_eq!(presale_entry(fifth.clone()).await["status"], "WAITING");
    // The general line does not open before the general sale.
    assert_eq!(entry(&s, &ev, "plain").await["position"], Value::Null);

    // The admitted fan holds with the code and the pass; the pass alone, or the code alone, is
    // not enough.
    let pass = admitted["accessToken"].as_str().unwrap();
    let with = |code: Option<&str>, pass: Option<&str>| {
        let mut body = json!({ "seatIds": ["A-1-1"] });
        if let Some(c) = code {
            body["code"] = json!(c);
        }
        let headers: Vec<(&str, String)> =
            pass.map(|p| ("queue-token", p.to_string())).into_iter().collect();
        let (s, ev, first) = (&s, ev.clone(), first.clone());
        async move {
            let h: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let path = format!("/api/v1/events/{ev}/holds");
            s.send_with(Method::POST, &path, &s.token(&first), Some(body), &h).await
        }
    };
    with(None, Some(pass)).await.assert_problem(409, "NOT_ON_SALE");
    with(Some("fans"), None).await.assert_problem(403, "QUEUE_TOKEN_REQUIRED");
    let h = with(Some("fans"), Some(pass)).await;
    assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
    let path = format!("/api/v1/events/{ev}/queue/stats?line=presale");
    let stats = s.get(&path, &s.admin_token()).await;
    assert_eq!((&stats.body["joined"], &stats.body["servedUpTo"]), (&json!(FANS), &json!(4)));

    // At the general sale the presale line takes no more joins; the general line opens.
    s.clock.shift(Duration::minutes(50));
    let late = presale_join("late-fan".into(), "fans").await;
    assert_eq!(
        (late.status, &late.body["presale"]),
        (StatusCode::CREATED, &Value::Null),
        "{late:?}"
    );
    assert_eq!(entry(&s, &ev, "plain").await["position"], 1);
}
