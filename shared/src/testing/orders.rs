//! Bookings, payments, the provider and idempotency records in memory. Each change is one step under
//! the state's lock and applies the same plans as the MySQL stores (`domain::settlement`).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Memory, State};
use crate::domain::history::PROVIDER;
use crate::domain::message::{self, Message};
use crate::domain::settlement::{self, ProviderRefundPlan, RefundOwed, Settlement};
use crate::domain::ticket::{StoredTicket, TicketStatus};
use crate::domain::{
    Booking, BookingStatus, ChargeOutcome, Envelope, Payment, PaymentStatus, Refund, SeatStatus,
};
use crate::ports::{
    BackendError, BackendResult, BookingStore, CreateOutcome, IdempotencyStore, KeyClaim,
    NewPayment, PaymentProvider, PaymentStore, ProviderRefund, SeatsCancelled, Settled,
    StoredResponse, WebhookReceipt,
};

impl State {
    fn enqueue(&mut self, messages: Vec<Envelope>, actor: &str) {
        self.outbox.extend(messages.into_iter().map(|m| (m, actor.to_string())));
    }

    fn set_seats(&mut self, b: &Booking, to: SeatStatus) {
        for s in &b.seat_ids {
            self.seats.insert((b.event_id, s.clone()), to);
        }
    }

    /// The booking's PROCESSING and SUCCEEDED payments, oldest first.
    fn live_payments(&self, booking: Uuid) -> Vec<Payment> {
        let mut ps: Vec<Payment> = self
            .payments
            .values()
            .map(|(p, _)| p.clone())
            .filter(|p| {
                p.booking_id == booking
                    && matches!(p.status, PaymentStatus::Processing | PaymentStatus::Succeeded)
            })
            .collect();
        ps.sort_by_key(|p| p.created_at);
        ps
    }

    fn store_payment(&mut self, p: &Payment) {
        if let Some((stored, _)) = self.payments.get_mut(&p.id) {
            *stored = p.clone();
        }
    }

    /// As `tx::owe_refund`: the refund row, the payment's total, the message.
    fn owe_refund(
        &mut self,
        owed: RefundOwed,
        event: Uuid,
        actor: &str,
        now: DateTime<Utc>,
    ) -> Refund {
        let mut p = self.payments[&owed.payment_id].0.clone();
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

    fn move_payment(
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
    fn apply(
        &mut self,
        b: &mut Booking,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
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
        self.enqueue(messages, actor);
        let mut refunds = Vec::new();
        if !to.is_live() {
            for owed in settlement::refunds_on_leave(&self.live_payments(b.id)) {
                refunds.push(self.owe_refund(owed, b.event_id, actor, now));
            }
        }
        b.status = to;
        b.updated_at = now;
        b.version += 1;
        self.bookings.insert(b.id, b.clone());
        Ok(refunds)
    }

    fn issue(&mut self, b: &Booking, now: DateTime<Utc>) -> Envelope {
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

    fn revoke(
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

    async fn cancel_seats(
        &self,
        id: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<SeatsCancelled> {
        let mut s = self.state();
        let Some(mut b) = s.bookings.get(&id).cloned() else { return Ok(SeatsCancelled::NotFound) };
        let payments = s.live_payments(b.id);
        if let Err(refused) = settlement::check_seat_cancel(&b, &payments, seats) {
            return Ok(SeatsCancelled::Refused(refused));
        }
        let event = s.events[&b.event_id].clone();
        let share: i64 = seats
            .iter()
            .filter_map(|seat| crate::domain::SeatId::parse(seat))
            .filter_map(|seat| event.seat_section(&seat).map(|sec| sec.price_cents))
            .sum();
        let freed = Booking { seat_ids: seats.to_vec(), ..b.clone() };
        s.set_seats(&freed, SeatStatus::Available);
        for seat in seats {
            s.live_seats.remove(&(b.event_id, seat.clone()));
        }
        b.total_cents -= share;
        b.updated_at = now;
        b.version += 1;
        b.seat_ids.retain(|seat| !seats.contains(seat));
        s.bookings.insert(b.id, b.clone());
        let data = message::SeatsCancelled::of(&b, seats, share);
        let mut messages =
            vec![Envelope::new(b.event_id, now, Message::BookingSeatsCancelled(data))];
        messages.extend(s.revoke(&b, Some(seats), now));
        s.enqueue(messages, actor);
        let refunds = settlement::seat_cancel_refunds(&payments, share)
            .into_iter()
            .map(|owed| s.owe_refund(owed, b.event_id, actor, now))
            .collect();
        Ok(SeatsCancelled::Done { booking: Box::new(b), freed: seats.to_vec(), refunds })
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

#[async_trait]
impl PaymentStore for Memory {
    async fn insert(&self, payment: &Payment, method: &str) -> BackendResult<NewPayment> {
        let mut s = self.state();
        let Some(b) = s.bookings.get(&payment.booking_id) else {
            return Ok(NewPayment::NotPayable(None));
        };
        if let Err(status) = b.payable(payment.created_at) {
            return Ok(NewPayment::NotPayable(Some(status)));
        }
        if let Some(other) = s.live_payments(payment.booking_id).first() {
            return Ok(NewPayment::InFlight(other.id));
        }
        s.payments.insert(payment.id, (payment.clone(), method.to_string()));
        Ok(NewPayment::Inserted)
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Payment>> {
        Ok(self.state().payments.get(&id).map(|(p, _)| p.clone()))
    }

    async fn stale(
        &self,
        before: DateTime<Utc>,
        limit: u32,
    ) -> BackendResult<Vec<(Payment, String)>> {
        let s = self.state();
        Ok(s.payments
            .values()
            .filter(|(p, _)| p.status == PaymentStatus::Processing && p.created_at < before)
            .take(limit as usize)
            .cloned()
            .collect())
    }

    async fn settle(
        &self,
        id: Uuid,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> BackendResult<Settled> {
        let mut s = self.state();
        let Some(mut p) = s.payments.get(&id).map(|(p, _)| p.clone()) else {
            return Ok(Settled::Unchanged);
        };
        if let Some(w) = webhook {
            if !s.webhooks.insert(w.id.to_string()) {
                return Ok(Settled::Unchanged);
            }
        }
        let mut b = s.bookings[&p.booking_id].clone();
        Ok(match settlement::settle(&b, &p, outcome, now) {
            Settlement::Unchanged => Settled::Unchanged,
            Settlement::Fail(reason) => {
                s.move_payment(&mut p, PaymentStatus::Failed, Some(&reason), b.event_id, now);
                Settled::Failed
            }
            Settlement::Confirm => {
                s.move_payment(&mut p, PaymentStatus::Succeeded, None, b.event_id, now);
                s.apply(&mut b, BookingStatus::Confirmed, now, PROVIDER)?;
                Settled::Confirmed(b)
            }
            Settlement::RefundLate { expire, refund } => {
                s.move_payment(&mut p, PaymentStatus::Succeeded, None, b.event_id, now);
                let mut refunds = vec![s.owe_refund(refund, b.event_id, PROVIDER, now)];
                if expire {
                    refunds.extend(s.apply(&mut b, BookingStatus::Expired, now, PROVIDER)?);
                }
                Settled::Refunded(b, refunds)
            }
        })
    }

    async fn apply_refund(
        &self,
        id: Uuid,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<ProviderRefund> {
        let mut s = self.state();
        let Some(mut p) = s.payments.get(&id).map(|(p, _)| p.clone()) else {
            return Ok(ProviderRefund::Unchanged);
        };
        if !s.webhooks.insert(webhook.id.to_string()) {
            return Ok(ProviderRefund::Unchanged);
        }
        let mut b = s.bookings[&p.booking_id].clone();
        let ProviderRefundPlan::Refunded { cancel } = settlement::provider_refunded(&b, &p) else {
            return Ok(ProviderRefund::Unchanged);
        };
        p.refunded_cents = p.amount_cents;
        s.move_payment(&mut p, PaymentStatus::Refunded, None, b.event_id, now);
        if cancel {
            s.apply(&mut b, BookingStatus::Cancelled, now, PROVIDER)?;
            return Ok(ProviderRefund::Cancelled(Box::new(b)));
        }
        Ok(ProviderRefund::Refunded)
    }

    async fn unsent_refunds(
        &self,
        event: Option<Uuid>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> BackendResult<Vec<Refund>> {
        let s = self.state();
        Ok(s.refunds
            .iter()
            .filter(|(r, at, sent)| !sent && *at < before && event.is_none_or(|e| r.event_id == e))
            .take(limit as usize)
            .map(|(r, _, _)| r.clone())
            .collect())
    }

    async fn refund_sent(&self, id: Uuid, _now: DateTime<Utc>) -> BackendResult<()> {
        for (r, _, sent) in self.state().refunds.iter_mut() {
            if r.id == id {
                *sent = true;
            }
        }
        Ok(())
    }
}

/// The sandbox's card test modes, and a book of refunds by idempotency key.
#[async_trait]
impl PaymentProvider for Memory {
    async fn charge(&self, _payment: &Payment, method: &str) -> BackendResult<ChargeOutcome> {
        Ok(match method {
            "pm_card_visa" => ChargeOutcome::Succeeded,
            "pm_card_async" => ChargeOutcome::Processing,
            "pm_card_chargeDeclined" => ChargeOutcome::Failed("card_declined".into()),
            _ => ChargeOutcome::Failed("unknown_payment_method".into()),
        })
    }

    async fn refund(&self, refund: &Refund) -> BackendResult<()> {
        let mut s = self.state();
        let entry = s.provider_refunds.entry(refund.id).or_insert((refund.amount_cents, 0));
        entry.1 += 1;
        Ok(())
    }

    async fn status(&self, payment: &Payment, method: &str) -> BackendResult<ChargeOutcome> {
        self.charge(payment, method).await
    }
}

#[async_trait]
impl IdempotencyStore for Memory {
    async fn claim(
        &self,
        user: &str,
        key: &str,
        fingerprint: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<KeyClaim> {
        let mut s = self.state();
        let k = (user.to_string(), key.to_string());
        Ok(match s.keys.get(&k) {
            None => {
                s.keys.insert(k, (fingerprint.to_string(), None));
                KeyClaim::Claimed
            }
            Some((f, _)) if f != fingerprint => KeyClaim::Mismatch,
            Some((_, Some(r))) => KeyClaim::Replay(r.clone()),
            Some((_, None)) => KeyClaim::InProgress,
        })
    }

    async fn complete(
        &self,
        user: &str,
        key: &str,
        response: &StoredResponse,
    ) -> BackendResult<()> {
        if let Some(entry) = self.state().keys.get_mut(&(user.to_string(), key.to_string())) {
            entry.1 = Some(response.clone());
        }
        Ok(())
    }

    async fn abandon(&self, user: &str, key: &str) -> BackendResult<()> {
        self.state().keys.remove(&(user.to_string(), key.to_string()));
        Ok(())
    }
}
