//! Events, organiser records, tickets, the waitlist and the messaging ports in memory. Ports the
//! fast tier has no use for (the waiting room, the sales report, the cancel preview) answer with a
//! permanent fault rather than pretend.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{not_kept, Memory};
use crate::domain::history::Change;
use crate::domain::message::{LogPosition, Message, TicketTransferred};
use crate::domain::report::{CancelPreview, CancelProgress, SalesReport};
use crate::domain::ticket::{Direction, Scan, ScanResult, StoredTicket, TicketStatus};
use crate::domain::waitlist::{Offer, WaitlistEntry, WaitlistStatus};
use crate::domain::{BookingStatus, Envelope, Event, SeatStatus};
use crate::ports::tickets::RenderScan;
use crate::ports::{
    ActionClaims, Advanced, BackendResult, Blocks, Cancellations, Connections, EventStore, History,
    Notifier, Outbox, OutboxMessage, Publisher, Pushed, Pusher, Queue, QueueAnswer, QueueTotals,
    RequestLimit, TakenSeat, TicketChanges, TicketStore, Transferred, Waitlist, Watermarks,
};

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

    async fn taken_seats(&self, event: Uuid) -> BackendResult<Vec<TakenSeat>> {
        let s = self.state();
        let mut taken = Vec::new();
        for ((e, seat), status) in &s.seats {
            if *e != event || *status == SeatStatus::Available {
                continue;
            }
            let booking = s.live_seats.get(&(event, seat.clone())).and_then(|b| s.bookings.get(b));
            taken.push(TakenSeat {
                seat: seat.clone(),
                status: *status,
                booking: booking.map(|b| b.id),
                user: booking.map(|b| b.user_id.clone()),
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

#[async_trait]
impl TicketStore for Memory {
    async fn get(&self, id: Uuid) -> BackendResult<Option<StoredTicket>> {
        Ok(self.state().tickets.get(&id).cloned())
    }

    async fn for_booking(&self, booking: Uuid) -> BackendResult<Vec<StoredTicket>> {
        let s = self.state();
        let mut ts: Vec<StoredTicket> =
            s.tickets.values().filter(|t| t.booking_id == booking).cloned().collect();
        ts.sort_by(|a, b| (&a.seat_id, a.id).cmp(&(&b.seat_id, b.id)));
        Ok(ts)
    }

    async fn for_holder(
        &self,
        user: &str,
        event: Option<Uuid>,
        after: Option<Uuid>,
        limit: u32,
    ) -> BackendResult<Vec<StoredTicket>> {
        let s = self.state();
        let ts = s.tickets.values().filter(|t| {
            t.holder_user_id == user
                && event.is_none_or(|e| t.event_id == e)
                && after.is_none_or(|a| t.id > a)
        });
        Ok(ts.take(limit.min(1000) as usize).cloned().collect())
    }

    async fn scan(
        &self,
        ticket: Uuid,
        scan: &Scan,
        staff: &str,
        now: DateTime<Utc>,
        answer: &RenderScan,
    ) -> BackendResult<ScanResult> {
        let mut s = self.state();
        let nonce = scan.nonce.as_ref().map(|n| (staff.to_string(), n.clone()));
        if let Some((status, body)) = nonce.as_ref().and_then(|k| s.scans.get(k)) {
            return Ok(ScanResult::Replay { status: *status, body: body.clone() });
        }
        // The conditional write: only one scan moves a ticket out of the state it expects.
        let (from, to) = match scan.direction {
            Direction::In => (TicketStatus::Valid, TicketStatus::CheckedIn),
            Direction::Out => (TicketStatus::CheckedIn, TicketStatus::Valid),
        };
        let mut moved = false;
        if let Some(t) = s.tickets.get_mut(&ticket).filter(|t| t.status == from) {
            t.status = to;
            if to == TicketStatus::CheckedIn {
                t.checked_in_at = Some(now);
                t.checkin_gate = Some(scan.gate.clone());
            }
            moved = true;
        }
        let result = ScanResult::of(s.tickets.get(&ticket).cloned(), moved, scan.direction, now);
        if let Some(k) = nonce {
            s.scans.insert(k, answer(&result));
        }
        Ok(result)
    }

    async fn record_refusal(
        &self,
        _scan: &Scan,
        _staff: &str,
        _result: &str,
        _status: u16,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }

    async fn transfer(
        &self,
        ticket: Uuid,
        from: &str,
        to: &str,
        new_id: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Transferred> {
        let mut s = self.state();
        let Some(old) = s.tickets.get(&ticket).filter(|t| t.holder_user_id == from).cloned() else {
            return Ok(Transferred::NotFound);
        };
        match old.status {
            TicketStatus::CheckedIn => return Ok(Transferred::CheckedIn),
            TicketStatus::Revoked => return Ok(Transferred::Revoked),
            TicketStatus::Valid => {}
        }
        s.tickets.get_mut(&ticket).expect("read above").status = TicketStatus::Revoked;
        let new = StoredTicket {
            id: new_id,
            holder_user_id: to.to_string(),
            created_at: now,
            ..old.clone()
        };
        s.tickets.insert(new_id, new.clone());
        let data = TicketTransferred {
            ticket_id: old.id,
            new_ticket_id: new_id,
            booking_id: old.booking_id,
            event_id: old.event_id,
            seat_id: old.seat_id.clone(),
            from_user_id: from.to_string(),
            to_user_id: to.to_string(),
        };
        s.outbox.push((
            Envelope::new(old.event_id, now, Message::TicketTransferred(data)),
            from.to_string(),
        ));
        Ok(Transferred::Done(new))
    }

    async fn changes(&self, event: Uuid, _since: DateTime<Utc>) -> BackendResult<TicketChanges> {
        let s = self.state();
        let of_event = s.tickets.values().filter(|t| t.event_id == event);
        let (revoked, used) = of_event
            .filter(|t| t.status != TicketStatus::Valid)
            .cloned()
            .partition(|t| t.status == TicketStatus::Revoked);
        Ok(TicketChanges { revoked, used })
    }
}

#[async_trait]
impl Waitlist for Memory {
    async fn join(&self, entry: &WaitlistEntry) -> BackendResult<(WaitlistEntry, bool)> {
        let mut s = self.state();
        let key = (entry.event_id, entry.user_id.clone());
        if let Some(open) = s
            .waitlist
            .get(&key)
            .filter(|e| matches!(e.status, WaitlistStatus::Waiting | WaitlistStatus::Offered))
        {
            return Ok((open.clone(), false));
        }
        s.waitlist.insert(key, entry.clone());
        Ok((entry.clone(), true))
    }

    async fn get(&self, event: Uuid, user: &str) -> BackendResult<Option<WaitlistEntry>> {
        Ok(self.state().waitlist.get(&(event, user.to_string())).cloned())
    }

    async fn leave(
        &self,
        event: Uuid,
        user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<Option<WaitlistEntry>> {
        let mut s = self.state();
        let Some(e) = s.waitlist.get_mut(&(event, user.to_string())) else { return Ok(None) };
        if !matches!(e.status, WaitlistStatus::Waiting | WaitlistStatus::Offered) {
            return Ok(None);
        }
        let was = e.clone();
        e.status = WaitlistStatus::Left;
        Ok(Some(was))
    }

    async fn waiting(&self, event: Uuid, limit: u32) -> BackendResult<Vec<WaitlistEntry>> {
        let s = self.state();
        let mut line: Vec<WaitlistEntry> = s
            .waitlist
            .values()
            .filter(|e| e.event_id == event && e.status == WaitlistStatus::Waiting)
            .cloned()
            .collect();
        line.sort_by_key(|e| e.created_at);
        line.truncate(limit as usize);
        Ok(line)
    }

    async fn offer(
        &self,
        event: Uuid,
        user: &str,
        offer: &Offer,
        notice: &Envelope,
        _now: DateTime<Utc>,
    ) -> BackendResult<bool> {
        let mut s = self.state();
        let Some(e) = s
            .waitlist
            .get_mut(&(event, user.to_string()))
            .filter(|e| e.status == WaitlistStatus::Waiting)
        else {
            return Ok(false);
        };
        e.status = WaitlistStatus::Offered;
        e.offer = Some(offer.clone());
        s.outbox.push((notice.clone(), user.to_string()));
        Ok(true)
    }

    async fn lapsed(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<WaitlistEntry>> {
        let s = self.state();
        let lapsed = s.waitlist.values().filter(|e| {
            e.status == WaitlistStatus::Offered
                && e.offer.as_ref().is_some_and(|o| o.expires_at <= now)
        });
        Ok(lapsed.take(limit as usize).cloned().collect())
    }

    async fn expire(
        &self,
        event: Uuid,
        user: &str,
        hold: Uuid,
        _now: DateTime<Utc>,
    ) -> BackendResult<bool> {
        let mut s = self.state();
        let Some(e) = s.waitlist.get_mut(&(event, user.to_string())) else { return Ok(false) };
        if e.status != WaitlistStatus::Offered || e.offer.as_ref().is_none_or(|o| o.hold_id != hold)
        {
            return Ok(false);
        }
        e.status = WaitlistStatus::Expired;
        Ok(true)
    }

    async fn events_waiting(&self, limit: u32) -> BackendResult<Vec<Uuid>> {
        let s = self.state();
        let mut events: Vec<Uuid> = s
            .waitlist
            .values()
            .filter(|e| e.status == WaitlistStatus::Waiting)
            .map(|e| e.event_id)
            .collect();
        events.dedup();
        events.truncate(limit as usize);
        Ok(events)
    }
}

/// The history as the outbox has it (what MySQL's history rows record with each message).
#[async_trait]
impl History for Memory {
    async fn of_booking(&self, booking: Uuid) -> BackendResult<Vec<Change>> {
        let s = self.state();
        let changes = s.outbox.iter().filter_map(|(m, actor)| Change::of(m, actor));
        Ok(changes.filter(|c| c.booking_id == Some(booking)).collect())
    }

    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>> {
        let s = self.state();
        let changes = s.outbox.iter().filter_map(|(m, actor)| Change::of(m, actor));
        Ok(changes.filter(|c| c.event_id == event && c.seats.iter().any(|x| x == seat)).collect())
    }

    async fn archive(&self, _changes: &[Change]) -> BackendResult<()> {
        Ok(())
    }
}

/// Nothing is relayed in the fast tier: the outbox is read where it is ([`super::TestApp::messages`]).
#[async_trait]
impl Outbox for Memory {
    async fn claim(
        &self,
        _limit: u32,
        _now: DateTime<Utc>,
        _until: DateTime<Utc>,
    ) -> BackendResult<Vec<OutboxMessage>> {
        Ok(Vec::new())
    }

    async fn mark_sent(&self, _seqs: &[u64], _now: DateTime<Utc>) -> BackendResult<()> {
        Ok(())
    }

    async fn unclaim(&self, _seqs: &[u64]) -> BackendResult<()> {
        Ok(())
    }
}

#[async_trait]
impl Publisher for Memory {
    async fn publish(&self, _topic: &str, _key: &str, _payload: &str) -> BackendResult<()> {
        Ok(())
    }
}

/// No WebSocket connections: pushes find no subscriber.
#[async_trait]
impl Connections for Memory {
    async fn connect(
        &self,
        _connection: &str,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }

    async fn subscribe(
        &self,
        _connection: &str,
        _event: Uuid,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }

    async fn unsubscribe(&self, _connection: &str, _event: Uuid) -> BackendResult<()> {
        Ok(())
    }

    async fn disconnect(&self, _connection: &str) -> BackendResult<()> {
        Ok(())
    }

    async fn user(&self, _connection: &str) -> BackendResult<Option<String>> {
        Ok(None)
    }

    async fn subscribers(&self, _event: Uuid) -> BackendResult<Vec<String>> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl ActionClaims for Memory {
    async fn claim(&self, key: &str, _now: DateTime<Utc>) -> BackendResult<bool> {
        Ok(self.state().claims.insert(key.to_string()))
    }

    async fn release(&self, key: &str) -> BackendResult<()> {
        self.state().claims.remove(key);
        Ok(())
    }
}

#[async_trait]
impl Watermarks for Memory {
    async fn watermark(&self, _event: Uuid) -> BackendResult<Option<LogPosition>> {
        Ok(None)
    }

    async fn advance(
        &self,
        _event: Uuid,
        _to: LogPosition,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        Ok(())
    }
}

#[async_trait]
impl Pusher for Memory {
    async fn push(&self, _connection: &str, _body: &str) -> BackendResult<Pushed> {
        Ok(Pushed::Gone)
    }
}

#[async_trait]
impl Notifier for Memory {
    async fn email(&self, to: &str, subject: &str, _text: &str) -> BackendResult<()> {
        self.state().sent.push((to.to_string(), subject.to_string()));
        Ok(())
    }

    async fn sms(&self, to: &str, text: &str) -> BackendResult<()> {
        self.state().sent.push((to.to_string(), text.to_string()));
        Ok(())
    }
}

/// The fast tier has no waiting room (its events sell to everyone in their window).
#[async_trait]
impl Queue for Memory {
    async fn join(
        &self,
        _event: &Event,
        _user: &str,
        _now: DateTime<Utc>,
        _limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn poll(
        &self,
        _event: &Event,
        _user: &str,
        _now: DateTime<Utc>,
        _limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn check(
        &self,
        _event: &Event,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn used(
        &self,
        _event: &Event,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn revoke(
        &self,
        _event: &Event,
        _user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        Err(not_kept("the waiting room"))
    }

    async fn advance(&self, _event: &Event, _now: DateTime<Utc>) -> BackendResult<Advanced> {
        Err(not_kept("the waiting room"))
    }

    async fn totals(&self, _event: &Event, _now: DateTime<Utc>) -> BackendResult<QueueTotals> {
        Err(not_kept("the waiting room"))
    }

    async fn register(&self, _event: Uuid) -> BackendResult<()> {
        Ok(())
    }

    async fn unregister(&self, _event: Uuid) -> BackendResult<()> {
        Ok(())
    }

    async fn queued_events(&self) -> BackendResult<Vec<Uuid>> {
        Ok(Vec::new())
    }
}
