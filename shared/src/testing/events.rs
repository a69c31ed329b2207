//! Events, their cancels and blocks in memory. Ports the fast tier has no use for (the sales
//! report, the cancel preview) answer with a permanent fault rather than pretend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{not_kept, Memory};
use crate::domain::report::{CancelPreview, CancelProgress, SalesReport};
use crate::domain::ticket::TicketStatus;
use crate::domain::{BookingStatus, Event, SeatStatus};
use crate::ports::{BackendResult, Blocks, Cancellations, EventStore, LiveUse, TakenSeat};

#[async_trait]
impl EventStore for Memory {
    async fn insert(&self, event: &Event) -> BackendResult<()> {
        let mut s = self.state();
        for (seat, _) in event.seats() {
            s.seats.insert((event.id, seat.to_string()), SeatStatus::Available);
        }
        s.events.insert(event.id, event.clone());
        Ok(())
    }

    async fn update(&self, event: &Event) -> BackendResult<bool> {
        let mut s = self.state();
        let Some(stored) = s.events.get_mut(&event.id).filter(|e| e.version == event.version)
        else {
            return Ok(false);
        };
        *stored = Event { version: event.version + 1, ..event.clone() };
        Ok(true)
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Event>> {
        Ok(self.state().events.get(&id).cloned())
    }

    async fn sales(&self, _event: Uuid) -> BackendResult<SalesReport> {
        Err(not_kept("the sales report"))
    }

    async fn list(&self, after: Option<Uuid>, limit: u32) -> BackendResult<Vec<Event>> {
        let s = self.state();
        let events = s.events.values().filter(|e| after.is_none_or(|a| e.id > a));
        Ok(events.take(limit as usize).cloned().collect())
    }

    async fn live_uses(&self, event: Uuid) -> BackendResult<Vec<LiveUse>> {
        // The orders' uses: a pending booking's until its deadline, a confirmed one's for good.
        let s = self.state();
        Ok(s.bookings
            .values()
            .filter(|b| b.event_id == event && b.status.is_live())
            .filter_map(|b| {
                let until = (b.status == BookingStatus::Pending).then_some(b.expires_at);
                Some(LiveUse { code: b.code.clone()?, owner: b.id, until })
            })
            .collect())
    }

    async fn taken_seats(&self, event: Uuid) -> BackendResult<Vec<TakenSeat>> {
        let s = self.state();
        let mut taken = Vec::new();
        for ((e, seat), status) in &s.seats {
            if *e != event || *status == SeatStatus::Available {
                continue;
            }
            let booking = s.live_seats.get(&(event, seat.clone())).and_then(|b| s.bookings.get(b));
            // A booked seat's user is its ticket's holder.
            let holder = s.tickets.values().find(|t| {
                t.event_id == event && t.seat_id == *seat && t.status != TicketStatus::Revoked
            });
            let tier = booking.and_then(|b| {
                let i = b.seat_ids.iter().position(|s| s == seat)?;
                b.prices.get(i)?.tier
            });
            taken.push(TakenSeat {
                tier,
                seat: seat.clone(),
                status: *status,
                booking: booking.map(|b| b.id),
                user: holder
                    .map(|t| t.holder_user_id.clone())
                    .or_else(|| booking.map(|b| b.user_id.clone())),
                until: booking.filter(|b| b.status == BookingStatus::Pending).map(|b| b.expires_at),
            });
        }
        Ok(taken)
    }
}

#[async_trait]
impl Cancellations for Memory {
    async fn cancel(&self, event: Uuid, _actor: &str, now: DateTime<Utc>) -> BackendResult<bool> {
        let mut s = self.state();
        match s.events.get_mut(&event) {
            Some(e) if e.cancelled_at.is_none() => {
                e.cancelled_at = Some(now);
                e.version += 1;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn preview(&self, _event: Uuid) -> BackendResult<CancelPreview> {
        Err(not_kept("the cancel preview"))
    }

    async fn unfinished(&self, _limit: u32) -> BackendResult<Vec<Uuid>> {
        Ok(Vec::new())
    }

    async fn live_bookings(
        &self,
        event: Uuid,
        limit: u32,
    ) -> BackendResult<Vec<(Uuid, BookingStatus)>> {
        let s = self.state();
        let live = s.bookings.values().filter(|b| b.event_id == event && b.status.is_live());
        Ok(live.take(limit as usize).map(|b| (b.id, b.status)).collect())
    }

    async fn progress(&self, _event: Uuid) -> BackendResult<Option<CancelProgress>> {
        Err(not_kept("the cancel's progress"))
    }

    async fn finish(&self, event: Uuid, _now: DateTime<Utc>) -> BackendResult<bool> {
        let s = self.state();
        let live = s.bookings.values().any(|b| b.event_id == event && b.status.is_live());
        Ok(!live && s.refunds.iter().all(|(r, _, sent)| *sent || r.event_id != event))
    }
}

#[async_trait]
impl Blocks for Memory {
    async fn block(
        &self,
        event: Uuid,
        seats: &[String],
        _reason: &str,
        _actor: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<Result<(), Vec<String>>> {
        let mut s = self.state();
        let busy: Vec<String> = seats
            .iter()
            .filter(|seat| {
                !matches!(
                    s.seats.get(&(event, seat.to_string())),
                    Some(SeatStatus::Available | SeatStatus::Blocked)
                )
            })
            .cloned()
            .collect();
        if !busy.is_empty() {
            return Ok(Err(busy));
        }
        for seat in seats {
            s.seats.insert((event, seat.clone()), SeatStatus::Blocked);
        }
        Ok(Ok(()))
    }

    async fn unblock(
        &self,
        event: Uuid,
        seats: &[String],
        _actor: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let mut s = self.state();
        let mut done = Vec::new();
        for seat in seats {
            let key = (event, seat.clone());
            if s.seats.get(&key) == Some(&SeatStatus::Blocked) {
                s.seats.insert(key, SeatStatus::Available);
                done.push(seat.clone());
            }
        }
        Ok(done)
    }
}
