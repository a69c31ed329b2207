//! Drift repair: the seat locks put back in line with MySQL where a process died between the two
//! stores (MySQL is the word).
//!
//! Every change of a booking commits in MySQL first and then moves the locks; a process that dies
//! in between leaves Redis behind. Two differences matter, and the sweep repairs both for every
//! active event:
//! - a seat MySQL has BOOKED that Redis does not (a settlement whose `book.lua` never ran: the
//!   seat's pending lock lapses at the payment deadline and the map would offer a sold seat) is
//!   marked booked for its booking;
//! - a seat Redis has BOOKED that MySQL has free (a cancel or partial cancel whose `release.lua`
//!   never ran: the seat would stay off sale for good) is freed from the booking that locks it.
//!
//! Both steps are the ones the interrupted change would have run, so a repair racing the change
//! itself does the same thing twice. Redis is read before MySQL: a seat booked in Redis and free in
//! MySQL was freed in MySQL after (nothing books a seat in Redis before MySQL), and the free only
//! touches locks the booking still owns, never a newer hold's. A lock left by a booking that never
//! reached MySQL (a crash between the claim and the insert) is a pending lock that lapses at its
//! deadline on its own; blocks are the organiser's and are left to them.

use std::collections::{BTreeMap, HashSet};

use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::SeatStatus;

/// Repairs the event's seat locks where they disagree with MySQL; returns how many seats.
pub async fn repair(app: &App, event: Uuid) -> AppResult<usize> {
    let now = app.now();
    let Some(redis) = app.seat_map.snapshot(event, now).await? else {
        // Not loaded: the next hold loads the whole structure from MySQL.
        return Ok(0);
    };
    let taken = app.events.taken_seats(event).await?;
    let in_mysql: HashSet<&str> = taken.iter().map(|t| t.seat.as_str()).collect();
    let mut to_book: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for t in taken.iter().filter(|t| t.status == SeatStatus::Booked) {
        // A seat Redis has blocked was never booked there (blocks take free seats only).
        let there = redis.taken.get(&t.seat);
        if !matches!(there, Some(SeatStatus::Booked | SeatStatus::Blocked)) {
            if let Some(b) = t.booking {
                to_book.entry(b).or_default().push(t.seat.clone());
            }
        }
    }
    let stale: Vec<String> = redis
        .taken
        .iter()
        .filter(|(seat, st)| **st == SeatStatus::Booked && !in_mysql.contains(seat.as_str()))
        .map(|(seat, _)| seat.clone())
        .collect();
    let mut to_free: BTreeMap<Uuid, Vec<String>> = BTreeMap::new();
    for (seat, owner) in stale.iter().zip(app.sweep.owners(event, &stale).await?) {
        if let Some(owner) = owner.and_then(|o| Uuid::parse_str(&o).ok()) {
            to_free.entry(owner).or_default().push(seat.clone());
        }
    }
    let mut repaired = 0;
    for (id, seats) in to_book {
        let Some(b) = app.bookings.get(id).await? else { continue };
        tracing::warn!(booking_id = %id, ?seats, "seats booked in MySQL were not in Redis: marked booked");
        repaired += seats.len();
        app.holds.mark_booked(&crate::domain::Booking { seat_ids: seats, ..b }, now).await?;
    }
    for (id, seats) in to_free {
        let Some(b) = app.bookings.get(id).await? else { continue };
        tracing::warn!(booking_id = %id, ?seats, "seats free in MySQL were booked in Redis: freed");
        repaired += seats.len();
        app.holds.free_booking(&crate::domain::Booking { seat_ids: seats, ..b }, now).await?;
    }
    crate::metrics::count(crate::metrics::Metric::SeatDriftRepaired, repaired as u64);
    Ok(repaired)
}
