//! A presale's reserved seats: `RESERVED` to everyone but the code's holder, unholdable without
//! the code (explicit seats, best available, the waitlist's offers), back on general sale at the
//! code's end all at once with one announcement, and when the code is deleted.

use chrono::Duration;

use super::ids;
use crate::app::codes::{create_code, delete_code};
use crate::app::hold_seats::hold_seats_with;
use crate::app::seat_map::seat_map;
use crate::app::sweep::sweep;
use crate::app::AppError;
use crate::domain::code::CodeSpec;
use crate::domain::{Event, HoldAsk, MessageKind, SeatStatus};
use crate::testing::{admin, buyer, TestApp};

/// An event on sale now, 2 rows of 5, with row 1 reserved for the code `FANS` for a day.
async fn presale(t: &TestApp) -> Event {
    let e = t.event(2, 5).await;
    let fans = CodeSpec {
        code: "fans".into(),
        kind: "ACCESS".into(),
        max_uses: 10,
        valid_until: Some(t.now() + Duration::days(1)),
        reserved_seat_ids: Some(ids(&["A-1-1", "A-1-2", "A-1-3", "A-1-4", "A-1-5"])),
        ..CodeSpec::default()
    };
    let made = create_code(t, &admin(), e.id, fans).await.unwrap();
    assert_eq!(made.reserved.len(), 5);
    e
}

async fn hold(
    t: &TestApp,
    e: &Event,
    who: &str,
    ask: HoldAsk,
    code: Option<&str>,
) -> Result<Vec<String>, AppError> {
    hold_seats_with(t, &buyer(who), e.id, ask, None, code).await.map(|h| h.seat_ids)
}

async fn statuses(t: &TestApp, e: &Event, code: Option<&str>) -> Vec<SeatStatus> {
    let map = seat_map(t, e.id, None, code).await.unwrap();
    map.seats.iter().filter(|s| s.row == 1).map(|s| s.status).collect()
}

fn announced(t: &TestApp, e: &Event, kind: MessageKind) -> Vec<Vec<String>> {
    let s = t.memory.state();
    let log = s.seat_log.get(&e.id).cloned().unwrap_or_default();
    log.into_iter().filter(|l| l.kind == kind).map(|l| l.seats).collect()
}

#[tokio::test]
async fn reserved_seats_are_for_the_codes_holder_only() {
    let t = TestApp::new();
    let e = presale(&t).await;
    assert_eq!(statuses(&t, &e, None).await, vec![SeatStatus::Reserved; 5]);
    assert_eq!(statuses(&t, &e, Some("FANS")).await, vec![SeatStatus::Available; 5]);
    assert_eq!(statuses(&t, &e, Some("OTHER")).await, vec![SeatStatus::Reserved; 5]);
    assert_eq!(announced(&t, &e, MessageKind::SeatsReserved).len(), 1, "one push");
    let seats = HoldAsk::Seats(ids(&["A-1-1"]));
    assert!(matches!(
        hold(&t, &e, "ann", seats.clone(), None).await,
        Err(AppError::SeatsUnavailable(busy)) if busy == ids(&["A-1-1"])
    ));
    // Best available without the code looks past row 1; with it, row 1 is there to choose.
    let best = HoldAsk::Best { quantity: 2, section: None };
    let got = hold(&t, &e, "bob", best.clone(), None).await.unwrap();
    assert!(got.iter().all(|s| s.starts_with("A-2-")), "{got:?}");
    assert_eq!(hold(&t, &e, "ann", seats, Some("fans")).await.unwrap(), ids(&["A-1-1"]));
    let got = hold(&t, &e, "cy", best, Some("fans")).await.unwrap();
    assert!(got.iter().all(|s| s.starts_with("A-1-")), "{got:?}");
    let row = statuses(&t, &e, None).await;
    assert_eq!(row.iter().filter(|s| **s == SeatStatus::Held).count(), 3, "{row:?}");
}

#[tokio::test]
async fn at_the_codes_end_every_unsold_reserved_seat_is_on_sale_at_once_with_one_push() {
    let t = TestApp::new();
    let e = presale(&t).await;
    hold(&t, &e, "ann", HoldAsk::Seats(ids(&["A-1-1"])), Some("fans")).await.unwrap();
    // Before the end nothing comes back; a lapsed hold of the code's holder is reserved again.
    t.pass(Duration::hours(23));
    sweep(&t).await.unwrap();
    assert!(announced(&t, &e, MessageKind::SeatsUnreserved).is_empty());
    assert_eq!(statuses(&t, &e, None).await, vec![SeatStatus::Reserved; 5]);
    t.pass(Duration::hours(1));
    // Before any sweep, the clock alone has put them on sale.
    assert_eq!(statuses(&t, &e, None).await, vec![SeatStatus::Available; 5]);
    hold(&t, &e, "bob", HoldAsk::Seats(ids(&["A-1-5"])), None).await.unwrap();
    let report = sweep(&t).await.unwrap();
    assert_eq!(report.unreserved, 5);
    assert_eq!(
        announced(&t, &e, MessageKind::SeatsUnreserved),
        vec![ids(&["A-1-1", "A-1-2", "A-1-3", "A-1-4"])],
        "one push of the seats that are free (A-1-5 is bob's now)"
    );
    sweep(&t).await.unwrap();
    assert_eq!(announced(&t, &e, MessageKind::SeatsUnreserved).len(), 1, "once");
}

#[tokio::test]
async fn a_deleted_code_gives_its_seats_back_and_two_codes_never_reserve_one_seat() {
    let t = TestApp::new();
    let e = presale(&t).await;
    let clash = CodeSpec {
        code: "club".into(),
        kind: "ACCESS".into(),
        max_uses: 1,
        valid_until: Some(t.now() + Duration::days(2)),
        reserved_seat_ids: Some(ids(&["A-1-5", "A-2-1"])),
        ..CodeSpec::default()
    };
    let refused = create_code(&t, &admin(), e.id, clash.clone()).await;
    assert!(
        matches!(&refused, Err(AppError::SeatsUnavailable(s)) if *s == ids(&["A-1-5"])),
        "{refused:?}"
    );
    delete_code(&t, &admin(), e.id, "fans").await.unwrap();
    assert_eq!(statuses(&t, &e, None).await, vec![SeatStatus::Available; 5]);
    assert_eq!(announced(&t, &e, MessageKind::SeatsUnreserved).len(), 1);
    // The seats are free to reserve again.
    assert_eq!(create_code(&t, &admin(), e.id, clash).await.unwrap().reserved.len(), 2);
}

#[tokio::test]
async fn a_reservation_survives_the_lock_structure_being_lost() {
    let t = TestApp::new();
    let e = presale(&t).await;
    {
        let mut s = t.memory.state();
        s.loaded.remove(&e.id);
        s.reserved.clear();
    }
    assert!(matches!(
        hold(&t, &e, "ann", HoldAsk::Seats(ids(&["A-1-2"])), None).await,
        Err(AppError::SeatsUnavailable(_))
    ));
    assert_eq!(statuses(&t, &e, None).await, vec![SeatStatus::Reserved; 5]);
}
