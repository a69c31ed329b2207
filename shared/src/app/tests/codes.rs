//! Codes: a discount priced into the hold and charged, uses taken with holds and given back when
//! they lapse or go unpaid, exactly `maxUses` under a race, and a presale's access code.

use std::sync::Arc;

use chrono::Duration;

use super::ids;
use crate::app::change_booking::cancel_booking;
use crate::app::codes::{create_code, delete_code, list_codes};
use crate::app::create_booking::create_booking;
use crate::app::expiry::expire_due;
use crate::app::hold_seats::hold_seats_with;
use crate::app::payments::create_payment;
use crate::app::release_hold::release_hold;
use crate::app::AppError;
use crate::domain::code::{Code, CodeSpec};
use crate::domain::{BookingSource, BookingStatus, Hold, HoldAsk, RuleError};
use crate::testing::{admin, buyer, TestApp};

async fn code(t: &TestApp, event: uuid::Uuid, spec: CodeSpec) -> Code {
    create_code(t, &admin(), event, spec).await.unwrap()
}

fn spec(name: &str, kind: &str, max_uses: u32) -> CodeSpec {
    CodeSpec { code: name.into(), kind: kind.into(), max_uses, ..CodeSpec::default() }
}

async fn hold_with(
    t: &TestApp,
    event: uuid::Uuid,
    who: &str,
    seats: &[&str],
    code: &str,
) -> Result<Hold, AppError> {
    hold_seats_with(t, &buyer(who), event, HoldAsk::Seats(ids(seats)), None, Some(code)).await
}

async fn used(t: &TestApp, event: uuid::Uuid) -> u32 {
    list_codes(t, &admin(), event, None, 10).await.unwrap().0[0].used
}

#[tokio::test]
async fn a_discount_is_quoted_by_the_hold_and_charged_by_the_booking() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    code(&t, e.id, CodeSpec { percent_off: Some(15), ..spec("early", "DISCOUNT", 10) }).await;
    // Typed in lower case: codes are compared without case.
    let h = hold_with(&t, e.id, "ann", &["A-1-1", "A-1-2"], "Early").await.unwrap();
    assert_eq!(h.code.as_deref(), Some("EARLY"));
    let b = create_booking(&t, &buyer("ann"), BookingSource::Hold(h.id), None).await.unwrap();
    assert_eq!((b.breakdown.face_cents, b.breakdown.discount_cents), (10_000, 1_500));
    assert_eq!(b.total_cents, 8_500);
    let p = create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await.unwrap();
    assert_eq!(p.amount_cents, 8_500, "the card pays what was quoted");
    assert_eq!(used(&t, e.id).await, 1);
}

#[tokio::test]
async fn a_code_is_refused_when_unknown_deleted_or_used_up() {
    let t = TestApp::new();
    let e = t.event(1, 6).await;
    code(&t, e.id, CodeSpec { amount_off_cents: Some(500), ..spec("two", "DISCOUNT", 2) }).await;
    let invalid =
        |r: Result<Hold, AppError>| matches!(r, Err(AppError::Rule(RuleError::CodeInvalid(_))));
    assert!(invalid(hold_with(&t, e.id, "ann", &["A-1-1"], "nope").await));
    assert!(invalid(hold_with(&t, e.id, "ann", &["A-1-1"], "bad code!").await));
    let a = hold_with(&t, e.id, "ann", &["A-1-1"], "two").await.unwrap();
    hold_with(&t, e.id, "bob", &["A-1-2"], "two").await.unwrap();
    let third = hold_with(&t, e.id, "cy", &["A-1-3"], "two").await;
    assert!(matches!(third, Err(AppError::CodeExhausted)), "{third:?}");
    // A released hold gives its use back at once.
    release_hold(&t, &buyer("ann"), a.id).await.unwrap();
    hold_with(&t, e.id, "cy", &["A-1-3"], "two").await.unwrap();
    delete_code(&t, &admin(), e.id, "TWO").await.unwrap();
    assert!(invalid(hold_with(&t, e.id, "dee", &["A-1-4"], "two").await));
    let dup = create_code(&t, &admin(), e.id, spec("two", "ACCESS", 1)).await;
    assert!(matches!(dup, Err(AppError::CodeTaken)), "a deleted name is not made again");
    let by_buyer = create_code(&t, &buyer("ann"), e.id, spec("mine", "ACCESS", 1)).await;
    assert!(matches!(by_buyer, Err(AppError::Forbidden(_))));
}

#[tokio::test]
async fn a_use_comes_back_when_its_hold_lapses_or_its_order_goes_unpaid_but_not_once_paid() {
    let t = TestApp::new();
    let e = t.event(1, 6).await;
    code(&t, e.id, CodeSpec { percent_off: Some(50), ..spec("half", "DISCOUNT", 1) }).await;
    hold_with(&t, e.id, "ann", &["A-1-1"], "half").await.unwrap();
    t.pass(Duration::seconds(601));
    let h = hold_with(&t, e.id, "bob", &["A-1-2"], "half").await.unwrap();
    let b = create_booking(&t, &buyer("bob"), BookingSource::Hold(h.id), None).await.unwrap();
    assert_eq!(used(&t, e.id).await, 1);
    assert!(matches!(
        hold_with(&t, e.id, "cy", &["A-1-3"], "half").await,
        Err(AppError::CodeExhausted)
    ));
    t.pass(Duration::seconds(601));
    assert_eq!(expire_due(&t, t.now(), 10).await.unwrap(), 1);
    assert_eq!(used(&t, e.id).await, 0, "the unpaid order gave its use back");
    let h = hold_with(&t, e.id, "cy", &["A-1-3"], "half").await.unwrap();
    let b2 = create_booking(&t, &buyer("cy"), BookingSource::Hold(h.id), None).await.unwrap();
    create_payment(&t, &buyer("cy"), b2.id, "pm_card_visa").await.unwrap();
    let gone = cancel_booking(&t, &buyer("cy"), b2.id).await.unwrap();
    assert_eq!(gone.status, BookingStatus::Cancelled);
    assert_eq!(used(&t, e.id).await, 1, "a paid order keeps its use, cancelled or not");
    assert!(matches!(
        hold_with(&t, e.id, "dee", &["A-1-4"], "half").await,
        Err(AppError::CodeExhausted)
    ));
    assert_eq!(t.bookings.get(b.id).await.unwrap().unwrap().status, BookingStatus::Expired);
}

#[tokio::test]
async fn racing_buyers_never_take_more_than_max_uses() {
    let t = Arc::new(TestApp::new());
    let e = t.event(4, 10).await;
    code(&t, e.id, CodeSpec { percent_off: Some(10), ..spec("few", "DISCOUNT", 3) }).await;
    let tasks: Vec<_> = (0..30)
        .map(|i| {
            let t = t.clone();
            let seat = format!("A-{}-{}", i / 10 + 1, i % 10 + 1);
            tokio::spawn(async move {
                let source = BookingSource::Seats {
                    event_id: e.id,
                    seat_ids: vec![seat],
                    code: Some("few".into()),
                };
                create_booking(&t, &buyer(&format!("u{i}")), source, None).await
            })
        })
        .collect();
    let mut booked = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(_) => booked += 1,
            Err(AppError::CodeExhausted) => {}
            Err(other) => panic!("{other:?}"),
        }
    }
    assert_eq!((booked, used(&t, e.id).await), (3, 3));
}

#[tokio::test]
async fn an_access_code_opens_the_sale_early_for_its_sections_and_ticket_count() {
    let t = TestApp::new();
    let e = t
        .event_with(2, 5, |s| {
            s.on_sale_at = Some(t.now() + Duration::days(1));
            s.sections
                .push(crate::domain::SectionSpec { name: "B".into(), ..s.sections[0].clone() });
        })
        .await;
    let presale = CodeSpec {
        max_tickets_per_use: Some(2),
        valid_until: Some(t.now() + Duration::days(1)),
        sections: Some(vec!["A".into()]),
        ..spec("fans", "ACCESS", 5)
    };
    code(&t, e.id, presale).await;
    let plain =
        hold_seats_with(&t, &buyer("ann"), e.id, HoldAsk::Seats(ids(&["A-1-1"])), None, None).await;
    assert!(matches!(plain, Err(AppError::NotOnSale(_))), "no code, no presale");
    let h = hold_with(&t, e.id, "ann", &["A-1-1", "A-1-2"], "fans").await.unwrap();
    assert_eq!(
        h.discount,
        crate::domain::price::Discount::None,
        "an access code takes nothing off"
    );
    let b = create_booking(&t, &buyer("ann"), BookingSource::Hold(h.id), None).await.unwrap();
    assert_eq!(b.total_cents, 10_000);
    let invalid =
        |r: Result<Hold, AppError>| matches!(r, Err(AppError::Rule(RuleError::CodeInvalid(_))));
    assert!(invalid(hold_with(&t, e.id, "bob", &["B-1-1"], "fans").await), "not for section B");
    assert!(
        invalid(hold_with(&t, e.id, "bob", &["A-2-1", "A-2-2", "A-2-3"], "fans").await),
        "3 > 2 per use"
    );
    // Best available with a code for one section looks there.
    let best = HoldAsk::Best { quantity: 2, section: None };
    let h = hold_seats_with(&t, &buyer("cy"), e.id, best, None, Some("fans")).await.unwrap();
    assert!(h.seat_ids.iter().all(|s| s.starts_with("A-")), "{:?}", h.seat_ids);
    t.pass(Duration::days(1));
    assert!(invalid(hold_with(&t, e.id, "dee", &["A-2-5"], "fans").await), "the presale is over");
}
