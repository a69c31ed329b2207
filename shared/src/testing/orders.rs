//! Bookings in memory, and the state's steps that bookings and payments share. Each change is one
//! step under the state's lock and applies the same plans as the MySQL stores (`domain::settlement`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Memory, State};
use crate::domain::cancel::{self, CancelPlan, Canceller};
use crate::domain::history::PROVIDER;
use crate::domain::message::{self, Message};
use crate::domain::settlement::{self, RefundOwed};
use crate::domain::ticket::{StoredTicket, TicketStatus};
use crate::domain::{Booking, BookingStatus, Envelope, Payment, PaymentStatus, Refund, SeatStatus};
use crate::ports::{BackendError, BackendResult, BookingStore, Cancelled, CreateOutcome};

impl State {
    pub(super) fn enqueue(&mut self, messages: Vec<Envelope>, actor: &str) {
        self.outbox.extend(messages.into_iter().map(|m| (m, actor.to_string())));
    }

    pub(super) fn set_seats(&mut self, b: &Booking, to: SeatStatus) {
        for s in &b.seat_ids {
            self.seats.insert((b.event_id, s.clone()), to);
        }
    }

    /// The booking's PROCESSING and SUCCEEDED payments, oldest first.
    pub(super) fn live_payments(&self, booking: Uuid) -> Vec<Payment> {
        let mut ps: Vec<Payment> = self
            .payments
            .values()
            .filter(|p| {
                p.booking_id == booking && (p.in_flight() || p.status == PaymentStatus::Succeeded)
            })
            .cloned()
            .collect();
        ps.sort_by_key(|p| p.created_at);
        ps
    }

    pub(super) fn store_payment(&mut self, p: &Payment) {
        if let Some(stored) = self.payments.get_mut(&p.id) {
            *stored = p.clone();
        }
    }

    /// As `tx::owe_refund`: the refund row, the payment's total, the message.
    pub(super) fn owe_refund(
        &mut self,
        owed: RefundOwed,
        event: Uuid,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Refund {
        let mut p = self.payments[&owed.payment_id].clone();
        let refund = Refund {
            id: Uuid::now_v7(),
            payment_id: p.id,
            booking_id: p.booking_id,
            event_id: event,
            amount_cents: owed.amount_cents,
            currency: p.currency.clone(),
            reason: owed.reason,
        };
        p.refunded_cents += owed.amount_cents;
        if p.refunded_cents >= p.amount_cents {
            p.status = PaymentStatus::Refunded;
        }
        self.store_payment(&p);
        self.refunds.push((refund.clone(), now, false));
        self.enqueue(vec![message::refund_message(&p, &refund, now)], actor);
        refund
    }

    pub(super) fn move_payment(
        &mut self,
        p: &mut Payment,
        to: PaymentStatus,
        reason: Option<&str>,
        event: Uuid,
        now: DateTime<Utc>,
    ) {
        p.status = to;
        if let Some(r) = reason {
            p.failure_reason = Some(r.to_string());
        }
        self.store_payment(p);
        self.enqueue(vec![message::payment_message(p, event, now)], PROVIDER);
    }

    /// As `tx::apply`: the status move with its seats, tickets, messages and refunds.
    pub(super) fn apply(
        &mut self,
        b: &mut Booking,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Vec<Refund>> {
        self.apply_keeping(b, to, now, actor, 0)
    }

    /// [`State::apply`], keeping `keep` of what was paid when the booking leaves the live statuses.
    pub(super) fn apply_keeping(
        &mut self,
        b: &mut Booking,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
        keep: i64,
    ) -> BackendResult<Vec<Refund>> {
        if !b.status.may_become(to) {
            return Err(BackendError::permanent(
                "changing a booking",
                anyhow::anyhow!(
                    "{} -> {} is no step of the status machine",
                    b.status.as_str(),
                    to.as_str()
                ),
            ));
        }
        let mut messages = message::announce(b, to, now);
        if to == BookingStatus::Confirmed {
            self.set_seats(b, SeatStatus::Booked);
            messages.push(self.issue(b, now));
        } else {
            self.set_seats(b, SeatStatus::Available);
            messages.extend(self.revoke(b, None, now));
            for s in &b.seat_ids {
                self.live_seats.remove(&(b.event_id, s.clone()));
            }
        }
        if b.status == BookingStatus::Pending && !to.is_live() {
            self.give_back_order_use(b);
        }
        self.enqueue(messages, actor);
        let mut refunds = Vec::new();
        if !to.is_live() {
            for owed in settlement::refunds_on_leave(&self.live_payments(b.id), keep) {
                refunds.push(self.owe_refund(owed, b.event_id, actor, now));
            }
        }
        b.status = to;
        b.updated_at = now;
        b.version += 1;
        self.bookings.insert(b.id, b.clone());
        Ok(refunds)
    }

    pub(super) fn issue(&mut self, b: &Booking, now: DateTime<Utc>) -> Envelope {
        let mut issued = Vec::new();
        for seat in &b.seat_ids {
            let t = StoredTicket {
                id: Uuid::now_v7(),
                booking_id: b.id,
                event_id: b.event_id,
                seat_id: seat.clone(),
                holder_user_id: b.user_id.clone(),
                status: TicketStatus::Valid,
                checked_in_at: None,
                checkin_gate: None,
                created_at: now,
            };
            issued.push(message::IssuedTicket {
                ticket_id: t.id,
                seat_id: seat.clone(),
                holder_user_id: b.user_id.clone(),
            });
            self.tickets.insert(t.id, t);
        }
        let data =
            message::TicketsIssued { booking_id: b.id, event_id: b.event_id, tickets: issued };
        Envelope::new(b.event_id, now, Message::TicketsIssued(data))
    }

    pub(super) fn revoke(
        &mut self,
        b: &Booking,
        seats: Option<&[String]>,
        now: DateTime<Utc>,
    ) -> Option<Envelope> {
        let (mut ids, mut seat_ids) = (Vec::new(), Vec::new());
        for t in self.tickets.values_mut() {
            let live = matches!(t.status, TicketStatus::Valid | TicketStatus::CheckedIn);
            if t.booking_id == b.id && live && seats.is_none_or(|s| s.contains(&t.seat_id)) {
                t.status = TicketStatus::Revoked;
                ids.push(t.id.to_string());
                seat_ids.push(t.seat_id.clone());
            }
        }
        if ids.is_empty() {
            return None;
        }
        let data = message::TicketsRevoked {
            booking_id: b.id,
            event_id: b.event_id,
            ticket_ids: ids,
            seat_ids,
            reason: message::REVOKED_BY_CANCEL.to_string(),
        };
        Some(Envelope::new(b.event_id, now, Message::TicketRevoked(data)))
    }
}

#[async_trait]
impl BookingStore for Memory {
    async fn create(
        &self,
        booking: &Booking,
        hold: Uuid,
        outbox: &[Envelope],
    ) -> BackendResult<CreateOutcome> {
        let mut s = self.state();
        let e = booking.event_id;
        if s.events.get(&e).is_some_and(|ev| ev.cancelled_at.is_some()) {
            return Ok(CreateOutcome::Closed);
        }
        let mut taken: Vec<String> = booking
            .seat_ids
            .iter()
            .filter(|seat| {
                s.seats.get(&(e, seat.to_string())) != Some(&SeatStatus::Available)
                    || s.live_seats.contains_key(&(e, seat.to_string()))
            })
            .cloned()
            .collect();
        if !taken.is_empty() {
            taken.sort();
            return Ok(CreateOutcome::SeatsTaken(taken));
        }
        if !s.take_order_use(booking) {
            return Ok(CreateOutcome::CodeExhausted);
        }
        for seat in &booking.seat_ids {
            s.seats.insert((e, seat.clone()), SeatStatus::Held);
            s.live_seats.insert((e, seat.clone()), booking.id);
        }
        s.bookings.insert(booking.id, booking.clone());
        s.enqueue(outbox.to_vec(), &booking.user_id);
        // A hold the waitlist offered is booked: the offer is accepted, in the same step.
        for entry in s.waitlist.values_mut() {
            if entry.offer.as_ref().is_some_and(|o| o.hold_id == hold)
                && entry.status == crate::domain::waitlist::WaitlistStatus::Offered
            {
                entry.status = crate::domain::waitlist::WaitlistStatus::Accepted;
            }
        }
        Ok(CreateOutcome::Created)
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Booking>> {
        Ok(self.state().bookings.get(&id).cloned())
    }

    async fn list_for_user(
        &self,
        user: &str,
        status: Option<BookingStatus>,
        before: Option<Uuid>,
        limit: u32,
    ) -> BackendResult<Vec<Booking>> {
        let s = self.state();
        Ok(s.bookings
            .values()
            .rev()
            .filter(|b| b.user_id == user && status.is_none_or(|st| b.status == st))
            .filter(|b| before.is_none_or(|x| b.id < x))
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn transition(
        &self,
        id: Uuid,
        from: BookingStatus,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Option<(Booking, Vec<Refund>)>> {
        let mut s = self.state();
        let Some(mut b) = s.bookings.get(&id).cloned().filter(|b| b.status == from) else {
            return Ok(None);
        };
        let refunds = s.apply(&mut b, to, now, actor)?;
        Ok(Some((b, refunds)))
    }

    async fn cancel(
        &self,
        id: Uuid,
        asked: Option<&[String]>,
        by: Canceller,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Cancelled> {
        let mut s = self.state();
        let Some(mut b) = s.bookings.get(&id).cloned() else { return Ok(Cancelled::NotFound) };
        let payments = s.live_payments(b.id);
        let tickets: Vec<StoredTicket> = s
            .tickets
            .values()
            .filter(|t| t.booking_id == id && t.status != TicketStatus::Revoked)
            .cloned()
            .collect();
        let seats = match cancel::plan_cancel(&b, &payments, &tickets, asked, by) {
            Err(refused) => return Ok(Cancelled::Refused(refused)),
            Ok(CancelPlan::Unchanged) => return Ok(Cancelled::Unchanged(Box::new(b))),
            Ok(CancelPlan::Whole) => {
                let keep = cancel::kept_on_cancel(by, &s.events[&b.event_id].charges);
                let refunds =
                    s.apply_keeping(&mut b, BookingStatus::Cancelled, now, actor, keep)?;
                return Ok(Cancelled::Whole { booking: Box::new(b), refunds });
            }
            Ok(CancelPlan::Seats(seats)) => seats,
        };
        let seats = seats.as_slice();
        let event = s.events[&b.event_id].clone();
        let part = event.share_of(&b.faces_of(seats, &event), b.discount);
        let share = part.total_cents;
        let freed = Booking { seat_ids: seats.to_vec(), ..b.clone() };
        s.set_seats(&freed, SeatStatus::Available);
        for seat in seats {
            s.live_seats.remove(&(b.event_id, seat.clone()));
        }
        b.breakdown = b.breakdown.minus(part);
        b.total_cents = b.breakdown.total_cents;
        b.updated_at = now;
        b.version += 1;
        b.keep_seats(|seat| !seats.contains(seat));
        s.bookings.insert(b.id, b.clone());
        let data = message::SeatsCancelled::of(&b, seats, share);
        let mut messages =
            vec![Envelope::new(b.event_id, now, Message::BookingSeatsCancelled(data))];
        messages.extend(s.revoke(&b, Some(seats), now));
        s.enqueue(messages, actor);
        let refunds = cancel::seat_cancel_refunds(&payments, share)
            .into_iter()
            .map(|owed| s.owe_refund(owed, b.event_id, actor, now))
            .collect();
        Ok(Cancelled::Seats { booking: Box::new(b), freed: seats.to_vec(), refunds })
    }

    async fn due_for_expiry(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Uuid>> {
        let s = self.state();
        let mut due: Vec<&Booking> = s
            .bookings
            .values()
            .filter(|b| b.status == BookingStatus::Pending && b.expires_at <= now)
            .collect();
        due.sort_by_key(|b| b.expires_at);
        Ok(due.into_iter().take(limit as usize).map(|b| b.id).collect())
    }
}
