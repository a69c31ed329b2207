//! Tickets: the holder's alone, transferred once, and admitted at the door once.

use std::sync::Arc;

use super::bought;
use crate::app::tickets::{booking_tickets, check_in, holders_ticket, transfer, user_tickets};
use crate::app::AppError;
use crate::domain::ticket::{
    Direction, Refusal, Scan, ScanResult, ServedStatus, StoredTicket, TicketStatus,
};
use crate::testing::{buyer, steward, TestApp};

fn scan(t: &TestApp, ticket: &StoredTicket, direction: Direction, nonce: Option<&str>) -> Scan {
    Scan {
        event_id: ticket.event_id,
        code: t.ticket_keys.code(ticket.id, ticket.event_id, &ticket.seat_id),
        gate: "north".into(),
        direction,
        nonce: nonce.map(String::from),
        scanned_at: None,
    }
}

async fn one_ticket(t: &TestApp, who: &str) -> StoredTicket {
    let e = t.event(1, 4).await;
    let b = bought(t, e.id, who, &["A-1-1"]).await;
    t.tickets.for_booking(b.id).await.unwrap().remove(0)
}

#[tokio::test]
async fn a_ticket_admits_once_and_again_only_after_going_out() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    let s = steward();
    assert!(matches!(
        check_in(&t, &s, scan(&t, &ticket, Direction::In, None)).await.unwrap().result,
        ScanResult::Admitted(_)
    ));
    assert!(
        matches!(check_in(&t, &s, scan(&t, &ticket, Direction::In, None)).await.unwrap().result, ScanResult::AlreadyIn { ref gate, .. } if gate == "north")
    );
    assert!(matches!(
        check_in(&t, &s, scan(&t, &ticket, Direction::Out, None)).await.unwrap().result,
        ScanResult::Exited(_)
    ));
    assert!(matches!(
        check_in(&t, &s, scan(&t, &ticket, Direction::Out, None)).await.unwrap().result,
        ScanResult::NotIn
    ));
    assert!(matches!(
        check_in(&t, &s, scan(&t, &ticket, Direction::In, None)).await.unwrap().result,
        ScanResult::Admitted(_)
    ));
}

#[tokio::test]
async fn a_retried_scan_with_its_nonce_gets_the_first_answer() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    let first =
        check_in(&t, &steward(), scan(&t, &ticket, Direction::In, Some("n1"))).await.unwrap();
    assert!(matches!(first.result, ScanResult::Admitted(_)));
    t.pass(chrono::Duration::seconds(5));
    let again =
        check_in(&t, &steward(), scan(&t, &ticket, Direction::In, Some("n1"))).await.unwrap();
    assert_eq!(again, first, "the first answer, its time included");
}

#[tokio::test]
async fn a_nonce_answers_for_its_own_ticket_only() {
    let t = TestApp::new();
    let e = t.event(1, 4).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let (first, second) = {
        let mut ts = t.tickets.for_booking(b.id).await.unwrap();
        (ts.remove(0), ts.remove(0))
    };
    let ok = check_in(&t, &steward(), scan(&t, &first, Direction::In, Some("n1"))).await.unwrap();
    assert!(matches!(ok.result, ScanResult::Admitted(_)));
    assert!(matches!(
        check_in(&t, &steward(), scan(&t, &second, Direction::In, Some("n1"))).await,
        Err(AppError::Scan(Refusal::NonceReused))
    ));
    let second = t.tickets.get(second.id).await.unwrap().unwrap();
    assert_eq!(second.status, TicketStatus::Valid, "the second ticket is not checked in");
    let mut forged = scan(&t, &first, Direction::In, Some("n2"));
    forged.code.push('x');
    assert!(check_in(&t, &steward(), forged).await.is_err());
    assert!(matches!(
        check_in(&t, &steward(), scan(&t, &first, Direction::In, Some("n2"))).await,
        Err(AppError::Scan(Refusal::NonceReused))
    ));
}

#[tokio::test]
async fn only_door_staff_scan_and_a_forged_or_foreign_code_is_refused() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    assert!(matches!(
        check_in(&t, &buyer("ann"), scan(&t, &ticket, Direction::In, None)).await,
        Err(AppError::Forbidden(_))
    ));
    let mut forged = scan(&t, &ticket, Direction::In, None);
    forged.code.push('x');
    assert!(matches!(
        check_in(&t, &steward(), forged).await,
        Err(AppError::Scan(Refusal::Invalid))
    ));
    let other = t.event(1, 2).await;
    let mut foreign = scan(&t, &ticket, Direction::In, None);
    foreign.event_id = other.id;
    assert!(matches!(
        check_in(&t, &steward(), foreign).await,
        Err(AppError::Scan(Refusal::WrongEvent))
    ));
}

#[tokio::test]
async fn a_revoked_ticket_does_not_come_in() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    crate::app::change_booking::cancel_booking(&t, &buyer("ann"), ticket.booking_id).await.unwrap();
    let r = check_in(&t, &steward(), scan(&t, &ticket, Direction::In, None)).await.unwrap().result;
    assert!(matches!(r, ScanResult::Revoked));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_many_gates_scanning_one_ticket_at_once_exactly_one_admits_it() {
    let t = Arc::new(TestApp::new());
    let ticket = one_ticket(&t, "ann").await;
    let tasks: Vec<_> = (0..16)
        .map(|_| {
            let (t, ticket) = (t.clone(), ticket.clone());
            tokio::spawn(async move {
                check_in(&t, &steward(), scan(&t, &ticket, Direction::In, None)).await
            })
        })
        .collect();
    let mut admitted = 0;
    for task in tasks {
        if matches!(task.await.unwrap().unwrap().result, ScanResult::Admitted(_)) {
            admitted += 1;
        }
    }
    assert_eq!(admitted, 1);
}

#[tokio::test]
async fn a_transfer_gives_the_receiver_a_new_code_and_voids_the_old_one() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    let given = transfer(&t, &buyer("ann"), ticket.id, "bob").await.unwrap();
    assert_ne!(given.id, ticket.id);
    assert_eq!((given.holder_user_id.as_str(), given.status), ("bob", ServedStatus::Valid));
    assert_eq!(holders_ticket(&t, &buyer("bob"), given.id).await.unwrap().code, given.code);
    assert!(matches!(
        transfer(&t, &buyer("ann"), ticket.id, "cat").await,
        Err(AppError::NotFound(_) | AppError::TicketState(_))
    ));
    let r = check_in(&t, &steward(), scan(&t, &ticket, Direction::In, None)).await.unwrap().result;
    assert!(matches!(r, ScanResult::Revoked), "the giver's old code is void");
    let (bobs, _) = user_tickets(&t, &buyer("bob"), "bob", None, None, 10).await.unwrap();
    assert_eq!(bobs.len(), 1);
}

#[tokio::test]
async fn only_the_holder_transfers_and_not_once_inside() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    assert!(matches!(
        transfer(&t, &buyer("bob"), ticket.id, "bob").await,
        Err(AppError::NotFound(_))
    ));
    check_in(&t, &steward(), scan(&t, &ticket, Direction::In, None)).await.unwrap();
    let err = transfer(&t, &buyer("ann"), ticket.id, "bob").await.unwrap_err();
    assert!(matches!(err, AppError::TicketState(TicketStatus::CheckedIn)));
}

#[tokio::test]
async fn a_bookings_tickets_are_its_buyers_to_see() {
    let t = TestApp::new();
    let ticket = one_ticket(&t, "ann").await;
    assert_eq!(booking_tickets(&t, &buyer("ann"), ticket.booking_id).await.unwrap().len(), 1);
    assert!(booking_tickets(&t, &buyer("bob"), ticket.booking_id).await.is_err());
}
