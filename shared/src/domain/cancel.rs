//! What a cancel of a booking may take, decided from the booking, its payments and its live tickets
//! as they are in the step that applies it (the stores call [`plan_cancel`] under their locks).
//!
//! A seat whose ticket was transferred is its new holder's alone: the giver's cancel leaves it sold
//! (and keeps its price). A seat whose ticket is checked in is not given back by its buyer; an
//! admin may, for a buyer turned away at the door.

use uuid::Uuid;

use super::settlement::{allocate_refund, RefundOwed};
use super::ticket::{StoredTicket, TicketStatus};
use super::{Booking, BookingStatus, Payment, RefundReason, Transition};

/// Who asks for the cancel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Canceller {
    /// The booking's buyer.
    Buyer,
    /// An admin (the organiser's desk): checked-in seats too, and given seats if named.
    Admin,
}

/// What a cancel does, once allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelPlan {
    /// The booking is CANCELLED already: answered as it is.
    Unchanged,
    /// Every seat: the booking becomes CANCELLED, its tickets revoked, what is left of its
    /// payments owed back.
    Whole,
    /// These seats only: AVAILABLE again, their tickets revoked, their share owed back; the
    /// booking stays with the rest.
    Seats(Vec<String>),
}

/// Why a cancel is refused. Nothing is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CancelRefusal {
    /// Only a PENDING or CONFIRMED booking has seats to give back.
    State(BookingStatus),
    /// A payment of the booking is PROCESSING: its amount would no longer be the total.
    InFlight(Uuid),
    /// These seats are not the booking's (or no longer the buyer's: transferred).
    NotItsSeats(Vec<String>),
    /// Every seat of the booking named: that is a cancel of the booking.
    AllSeats,
    /// These seats' tickets are checked in: 409 `ALREADY_CHECKED_IN` (an admin may).
    CheckedIn(Vec<String>),
    /// Every seat's ticket was transferred: nothing of the booking is the buyer's to give back.
    AllGiven,
}

/// Decides a cancel of `booking` by `by`: all of it (`asked` is `None`) or the seats `asked`
/// (distinct). `payments` are the booking's, `tickets` its live ones (VALID or CHECKED_IN).
pub fn plan_cancel(
    booking: &Booking,
    payments: &[Payment],
    tickets: &[StoredTicket],
    asked: Option<&[String]>,
    by: Canceller,
) -> Result<CancelPlan, CancelRefusal> {
    let live = |t: &&StoredTicket| t.status != TicketStatus::Revoked;
    let given: Vec<&str> = tickets
        .iter()
        .filter(live)
        .filter(|t| t.holder_user_id != booking.user_id)
        .map(|t| t.seat_id.as_str())
        .collect();
    let checked_in = |seats: &[String]| -> Vec<String> {
        let mut v: Vec<String> = tickets
            .iter()
            .filter(|t| t.status == TicketStatus::CheckedIn && seats.contains(&t.seat_id))
            .map(|t| t.seat_id.clone())
            .collect();
        v.sort();
        v
    };
    let seats = match asked {
        None => {
            match booking.status.cancel() {
                Transition::Unchanged => return Ok(CancelPlan::Unchanged),
                Transition::Conflict => return Err(CancelRefusal::State(booking.status)),
                Transition::To(_) => {}
            }
            // Given seats stay sold, whoever asks: the booking gives back the rest.
            let mine: Vec<String> =
                booking.seat_ids.iter().filter(|s| !given.contains(&s.as_str())).cloned().collect();
            if mine.is_empty() {
                return Err(CancelRefusal::AllGiven);
            }
            if by == Canceller::Buyer {
                let inside = checked_in(&mine);
                if !inside.is_empty() {
                    return Err(CancelRefusal::CheckedIn(inside));
                }
            }
            if mine.len() == booking.seat_ids.len() {
                return Ok(CancelPlan::Whole);
            }
            mine
        }
        Some(asked) => {
            if !booking.status.is_live() {
                return Err(CancelRefusal::State(booking.status));
            }
            let foreign: Vec<String> = asked
                .iter()
                .filter(|s| {
                    !booking.seat_ids.contains(s)
                        || (by == Canceller::Buyer && given.contains(&s.as_str()))
                })
                .cloned()
                .collect();
            if !foreign.is_empty() {
                return Err(CancelRefusal::NotItsSeats(foreign));
            }
            if asked.len() >= booking.seat_ids.len() {
                return Err(CancelRefusal::AllSeats);
            }
            if by == Canceller::Buyer {
                let inside = checked_in(asked);
                if !inside.is_empty() {
                    return Err(CancelRefusal::CheckedIn(inside));
                }
            }
            asked.to_vec()
        }
    };
    if let Some(p) = payments.iter().find(|p| p.in_flight()) {
        return Err(CancelRefusal::InFlight(p.id));
    }
    Ok(CancelPlan::Seats(seats))
}

/// What a whole cancel by `by` keeps of what was paid: the order's fee (fees and tax on it) when the
/// buyer cancels; nothing when the organiser does (or the event is cancelled).
pub fn kept_on_cancel(by: Canceller, charges: &crate::domain::price::Charges) -> i64 {
    match by {
        Canceller::Buyer => charges.order_fee().total_cents,
        Canceller::Admin => 0,
    }
}

/// The seats' share of a partial cancel, given back from the SUCCEEDED payments in order.
pub fn seat_cancel_refunds(payments: &[Payment], share: i64) -> Vec<RefundOwed> {
    allocate_refund(payments, share, RefundReason::PartialCancel)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::tests::booking;
    use crate::domain::settlement::tests::payment;
    use crate::domain::PaymentStatus;

    fn ticket(b: &Booking, seat: &str, holder: &str, status: TicketStatus) -> StoredTicket {
        StoredTicket {
            id: Uuid::now_v7(),
            booking_id: b.id,
            event_id: b.event_id,
            seat_id: seat.into(),
            holder_user_id: holder.into(),
            status,
            checked_in_at: None,
            checkin_gate: None,
            created_at: b.created_at,
        }
    }

    fn confirmed() -> Booking {
        Booking { status: BookingStatus::Confirmed, ..booking() }
    }

    fn tickets(b: &Booking) -> Vec<StoredTicket> {
        b.seat_ids.iter().map(|s| ticket(b, s, &b.user_id, TicketStatus::Valid)).collect()
    }

    #[test]
    fn a_whole_cancel_follows_the_status_machine() {
        let b = confirmed();
        assert_eq!(
            plan_cancel(&b, &[], &tickets(&b), None, Canceller::Buyer),
            Ok(CancelPlan::Whole)
        );
        let gone = Booking { status: BookingStatus::Cancelled, ..booking() };
        assert_eq!(plan_cancel(&gone, &[], &[], None, Canceller::Buyer), Ok(CancelPlan::Unchanged));
        let lapsed = Booking { status: BookingStatus::Expired, ..booking() };
        assert_eq!(
            plan_cancel(&lapsed, &[], &[], None, Canceller::Buyer),
            Err(CancelRefusal::State(BookingStatus::Expired))
        );
    }

    #[test]
    fn a_partial_cancel_takes_some_of_a_live_bookings_own_seats_with_no_payment_in_flight() {
        let b = booking();
        let one = ["A-1-1".to_string()];
        let plan = |seats: &[String], payments: &[Payment]| {
            plan_cancel(&b, payments, &[], Some(seats), Canceller::Buyer)
        };
        assert_eq!(plan(&one, &[]), Ok(CancelPlan::Seats(one.to_vec())));
        assert_eq!(
            plan(&["A-1-1".into(), "Z-9-9".into()], &[]),
            Err(CancelRefusal::NotItsSeats(vec!["Z-9-9".into()]))
        );
        assert_eq!(plan(&b.seat_ids, &[]), Err(CancelRefusal::AllSeats));
        let busy = payment(&b, 1, PaymentStatus::Processing, 0);
        assert_eq!(plan(&one, std::slice::from_ref(&busy)), Err(CancelRefusal::InFlight(busy.id)));
        let gone = Booking { status: BookingStatus::Expired, ..booking() };
        assert_eq!(
            plan_cancel(&gone, &[], &[], Some(&one), Canceller::Buyer),
            Err(CancelRefusal::State(BookingStatus::Expired))
        );
    }

    #[test]
    fn a_given_seat_stays_sold_when_the_giver_cancels() {
        let b = confirmed();
        let mut t = tickets(&b);
        t[0].holder_user_id = "bob".into();
        let given = b.seat_ids[0].clone();
        let rest: Vec<String> = b.seat_ids[1..].to_vec();
        assert_eq!(plan_cancel(&b, &[], &t, None, Canceller::Buyer), Ok(CancelPlan::Seats(rest)));
        assert_eq!(
            plan_cancel(&b, &[], &t, Some(std::slice::from_ref(&given)), Canceller::Buyer),
            Err(CancelRefusal::NotItsSeats(vec![given.clone()])),
            "the giver cannot name it either"
        );
        // A revoked ticket (the one the transfer replaced) is no one's.
        t.push(ticket(&b, &given, &b.user_id, TicketStatus::Revoked));
        for t in t.iter_mut().skip(1).take(b.seat_ids.len() - 1) {
            t.holder_user_id = "cat".into();
        }
        assert_eq!(plan_cancel(&b, &[], &t, None, Canceller::Buyer), Err(CancelRefusal::AllGiven));
        assert_eq!(plan_cancel(&b, &[], &t, None, Canceller::Admin), Err(CancelRefusal::AllGiven));
    }

    #[test]
    fn a_checked_in_seat_is_not_given_back_by_its_buyer_but_an_admin_may() {
        let b = confirmed();
        let mut t = tickets(&b);
        t[1].status = TicketStatus::CheckedIn;
        let inside = vec![b.seat_ids[1].clone()];
        assert_eq!(
            plan_cancel(&b, &[], &t, None, Canceller::Buyer),
            Err(CancelRefusal::CheckedIn(inside.clone()))
        );
        assert_eq!(
            plan_cancel(&b, &[], &t, Some(&inside), Canceller::Buyer),
            Err(CancelRefusal::CheckedIn(inside.clone()))
        );
        let other = vec![b.seat_ids[0].clone()];
        assert_eq!(
            plan_cancel(&b, &[], &t, Some(&other), Canceller::Buyer),
            Ok(CancelPlan::Seats(other)),
            "the seat not checked in may go"
        );
        assert_eq!(plan_cancel(&b, &[], &t, None, Canceller::Admin), Ok(CancelPlan::Whole));
        assert_eq!(
            plan_cancel(&b, &[], &t, Some(&inside), Canceller::Admin),
            Ok(CancelPlan::Seats(inside))
        );
    }

    #[test]
    fn a_given_seat_checked_in_by_its_holder_does_not_stop_the_givers_cancel() {
        let b = confirmed();
        let mut t = tickets(&b);
        t[0].holder_user_id = "bob".into();
        t[0].status = TicketStatus::CheckedIn;
        assert_eq!(
            plan_cancel(&b, &[], &t, None, Canceller::Buyer),
            Ok(CancelPlan::Seats(b.seat_ids[1..].to_vec()))
        );
    }
}
