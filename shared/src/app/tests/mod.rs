//! The use cases on the in-memory stack (`crate::testing`): each rule of the sale, the money and
//! the tickets as a buyer, an organiser and a steward meet them, in milliseconds.

mod bookings;
mod codes;
mod holds;
mod payments;
mod presale;
mod prices;
mod refunds;
mod reserved;
mod sale_rules;
mod tickets;
mod tiers;
mod waitlist;

use crate::domain::{Booking, BookingSource, Hold, HoldAsk};
use crate::testing::{buyer, TestApp};

pub(super) fn ids(seats: &[&str]) -> Vec<String> {
    seats.iter().map(|s| s.to_string()).collect()
}

/// `who` holds `seats` of the event.
pub(super) async fn hold(t: &TestApp, event: uuid::Uuid, who: &str, seats: &[&str]) -> Hold {
    super::hold_seats::hold_seats(t, &buyer(who), event, HoldAsk::Seats(ids(seats)), None)
        .await
        .unwrap()
}

/// `who` holds and books `seats`: a PENDING booking.
pub(super) async fn book(t: &TestApp, event: uuid::Uuid, who: &str, seats: &[&str]) -> Booking {
    let h = hold(t, event, who, seats).await;
    super::create_booking::create_booking(t, &buyer(who), BookingSource::Hold(h.id), None)
        .await
        .unwrap()
}

/// `who` books and pays `seats` by card: a CONFIRMED booking.
pub(super) async fn bought(t: &TestApp, event: uuid::Uuid, who: &str, seats: &[&str]) -> Booking {
    let b = book(t, event, who, seats).await;
    super::payments::create_payment(t, &buyer(who), b.id, "pm_card_visa").await.unwrap();
    t.bookings.get(b.id).await.unwrap().unwrap()
}
