//! Tickets, transfers and the door in memory: one conditional write per scan, as in MySQL.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Memory;
use crate::domain::message::{Message, TicketTransferred};
use crate::domain::ticket::{
    Direction, Refusal, Scan, ScanAnswer, ScanResult, Scanned, StoredTicket, TicketStatus,
};
use crate::domain::Envelope;
use crate::ports::{BackendResult, TicketChanges, TicketStore, Transferred};

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
    ) -> BackendResult<Scanned> {
        let mut s = self.state();
        let nonce = scan.nonce.as_ref().map(|n| (staff.to_string(), n.clone()));
        if let Some(first) = nonce.as_ref().and_then(|k| s.scans.get(k)) {
            return Ok(match first {
                Some((t, answer)) if *t == ticket => Scanned::Answer(answer.clone()),
                _ => Scanned::NonceReused,
            });
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
        let answer = ScanAnswer { result, gate: scan.gate.clone(), at: now };
        if let Some(k) = nonce {
            s.scans.insert(k, Some((ticket, answer.clone())));
        }
        Ok(Scanned::Answer(answer))
    }

    async fn record_refusal(
        &self,
        scan: &Scan,
        staff: &str,
        _refusal: &Refusal,
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        if let Some(n) = &scan.nonce {
            self.state().scans.entry((staff.to_string(), n.clone())).or_insert(None);
        }
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
