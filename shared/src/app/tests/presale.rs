//! The registration draw: a user registers once, a draw picks exactly `count` of those not drawn,
//! each winner's single-use code opens the presale for them, and the notice tells them the code.

use chrono::Duration;

use super::ids;
use crate::app::hold_seats::hold_seats_with;
use crate::app::notify::notify;
use crate::app::presale::{draw, mine, register};
use crate::app::AppError;
use crate::domain::presale::{DrawSpec, RegistrationStatus};
use crate::domain::{HoldAsk, MessageKind, RuleError};
use crate::testing::{admin, buyer, TestApp};

fn spec(count: u32) -> DrawSpec {
    DrawSpec { count, max_tickets_per_use: Some(2), valid_from: None, valid_until: None }
}

#[tokio::test]
async fn a_draw_picks_exactly_count_registrants_whose_codes_open_the_presale() {
    let t = TestApp::new();
    let e = t.event_with(2, 10, |s| s.on_sale_at = Some(t.now() + Duration::days(7))).await;
    for i in 0..20 {
        let (_, made) = register(&t, &buyer(&format!("fan{i}")), e.id).await.unwrap();
        assert!(made);
    }
    let (again, made) = register(&t, &buyer("fan0"), e.id).await.unwrap();
    assert!(!made && again.status == RegistrationStatus::Registered, "a user registers once");
    let by_buyer = draw(&t, &buyer("fan0"), e.id, spec(5)).await;
    assert!(matches!(by_buyer, Err(AppError::Forbidden(_))));
    assert_eq!(draw(&t, &admin(), e.id, spec(5)).await.unwrap(), (5, 20));
    let mut winners = Vec::new();
    for i in 0..20 {
        let who = buyer(&format!("fan{i}"));
        let reg = mine(&t, &who, e.id).await.unwrap();
        match reg.status {
            RegistrationStatus::Selected => winners.push((who, reg.code.unwrap())),
            RegistrationStatus::NotSelected => assert!(reg.code.is_none()),
            RegistrationStatus::Registered => panic!("drawn since: {reg:?}"),
        }
    }
    assert_eq!(winners.len(), 5);
    // Each code is its winner's presale, once.
    let (who, code) = &winners[0];
    let seat = |s: &str| HoldAsk::Seats(ids(&[s]));
    hold_seats_with(&t, who, e.id, seat("A-1-1"), None, Some(code)).await.unwrap();
    let again = hold_seats_with(&t, &buyer("fan-x"), e.id, seat("A-1-2"), None, Some(code)).await;
    assert!(matches!(again, Err(AppError::CodeExhausted)), "single use");
    // A second draw picks among the rest only; one that finds nobody left draws none.
    assert_eq!(draw(&t, &admin(), e.id, spec(100)).await.unwrap(), (15, 15));
    assert_eq!(draw(&t, &admin(), e.id, spec(1)).await.unwrap(), (0, 0));
    // Every winner is told their code.
    let issued = t.messages(MessageKind::PresaleCodeIssued);
    assert_eq!(issued.len(), 20);
    notify(&t, issued).await.unwrap();
    let sent = t.memory.state().sent.clone();
    let to_winner = sent.iter().find(|(to, _)| to == "fan0@example.com").expect("told by email");
    let code0 = mine(&t, &buyer("fan0"), e.id).await.unwrap().code.unwrap();
    assert!(to_winner.1.contains(&code0), "{to_winner:?}");
    let bad = draw(&t, &admin(), e.id, DrawSpec { count: 0, ..spec(1) }).await;
    assert!(matches!(bad, Err(AppError::Rule(RuleError::Invalid { .. }))));
    assert!(matches!(mine(&t, &buyer("stranger"), e.id).await, Err(AppError::NotFound(_))));
}
