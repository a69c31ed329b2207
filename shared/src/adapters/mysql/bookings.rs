//! Bookings: taking seats (versioned rows, checked and bumped; the unique key on live booking
//! seats is the final guard), moving a booking through its statuses with its seats, payments and
//! outbox messages in the same transaction, and reading them back.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::MySqlPool;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::codes::take_use;
use super::events::event_charges;
use super::outbox::commit;
use super::rows::{booking_rows, BookingRow, BOOKING_COLUMNS};
use super::tickets::locked_for_booking;
use super::tx::{
    apply, apply_keeping, live_payments, locked_booking, owe_refund, revoke_tickets, set_seats,
};
use super::{duplicate_key, fault, in_list, retry, status, Abort, Contention};
use crate::domain::cancel::{
    kept_on_cancel, plan_cancel, seat_cancel_refunds, CancelPlan, Canceller,
};
use crate::domain::message::{self, Message};
use crate::domain::tier::SeatPrice;
use crate::domain::{Booking, BookingStatus, Envelope, Refund, SeatStatus};
use crate::ports::{BackendError, BackendResult, BookingStore, Cancelled, CreateOutcome};

/// The [`BookingStore`] over one pool.
#[derive(Clone)]
pub struct MySqlBookings {
    pool: MySqlPool,
}

impl MySqlBookings {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlBookings { pool }
    }

    /// Fills in `seat_ids` of the bookings from `booking_seats`, and `prices` (each seat's quote
    /// and tier) where every seat has one (a booking made before tiers has none).
    async fn with_seats(&self, mut bookings: Vec<Booking>) -> BackendResult<Vec<Booking>> {
        if bookings.is_empty() {
            return Ok(bookings);
        }
        let mut q = QueryBuilder::new(
            "SELECT booking_id, seat_id, price_cents, tier FROM booking_seats \
             WHERE released_at IS NULL AND booking_id IN ",
        );
        in_list(&mut q, bookings.iter().map(|b| b.id.to_string()));
        q.push(" ORDER BY booking_id, seat_id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(fault("reading booking seats"))?;
        type Seat = (String, Option<SeatPrice>);
        let mut seats: HashMap<String, Vec<Seat>> = HashMap::new();
        for r in rows {
            let b: String = r.try_get("booking_id").map_err(fault("decoding seats"))?;
            let seat: String = r.try_get("seat_id").map_err(fault("decoding seats"))?;
            let price: Option<i64> = r.try_get("price_cents").map_err(fault("decoding seats"))?;
            let tier: Option<u8> = r.try_get("tier").map_err(fault("decoding seats"))?;
            let quote = price.map(|price_cents| SeatPrice { price_cents, tier });
            seats.entry(b).or_default().push((seat, quote));
        }
        for b in &mut bookings {
            let mine = seats.remove(&b.id.to_string()).unwrap_or_default();
            let quotes: Option<Vec<SeatPrice>> = mine.iter().map(|(_, q)| *q).collect();
            b.prices = quotes.unwrap_or_default();
            b.seat_ids = mine.into_iter().map(|(s, _)| s).collect();
        }
        Ok(bookings)
    }

    async fn try_create(
        &self,
        booking: &Booking,
        hold: Uuid,
        outbox: &[Envelope],
    ) -> Result<CreateOutcome, Abort> {
        let event = booking.event_id.to_string();
        let mut tx = self.pool.begin().await.map_err(fault("booking seats"))?;
        // A locking read of the event (its cancel, an UPDATE of the row, waits for this booking,
        // and its cancel job then lets it go), and whether the hold is a waitlist offer.
        let read = sqlx::query!(
            "SELECT cancelled_at IS NOT NULL AS `cancelled: bool`, \
             EXISTS (SELECT 1 FROM waitlist WHERE hold_id = ? AND status = 'OFFERED') AS `offered: bool` \
             FROM events WHERE id = ? LOCK IN SHARE MODE",
            hold.to_string(),
            &event
        )
        .fetch_optional(&mut *tx)
        .await?;
        let offered = match read {
            Some(r) if r.cancelled => return Ok(CreateOutcome::Closed),
            Some(r) => r.offered,
            None => false,
        };
        // Every seat still AVAILABLE, taken and its version bumped in one statement. By primary
        // key only (`seat_id IN`): a test of the status alone would make the optimizer range-scan,
        // and lock, every available seat of the event.
        let mut q = QueryBuilder::new(
            "UPDATE seats FORCE INDEX (PRIMARY) SET status = 'HELD', version = version + 1 WHERE event_id = ",
        );
        q.push_bind(&event).push(" AND seat_id IN ");
        in_list(&mut q, &booking.seat_ids);
        q.push(" AND status = 'AVAILABLE'");
        let updated = q.build().execute(&mut *tx).await?.rows_affected();
        if updated != booking.seat_ids.len() as u64 {
            tx.rollback().await?;
            return self.refused(booking).await;
        }
        let (percent_off, amount_off) = booking.discount.parts();
        sqlx::query!(
            "INSERT INTO bookings (id, user_id, event_id, status, total_cents, face_cents, fees_cents, tax_cents, \
             discount_cents, currency, contact_email, contact_phone, expires_at, created_at, updated_at, \
             code, percent_off, amount_off_cents) \
             VALUES (?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            booking.id.to_string(),
            &booking.user_id,
            &event,
            booking.total_cents,
            booking.breakdown.face_cents,
            booking.breakdown.fees_cents,
            booking.breakdown.tax_cents,
            booking.breakdown.discount_cents,
            &booking.currency,
            &booking.contact.email,
            &booking.contact.phone,
            booking.expires_at,
            booking.created_at,
            booking.updated_at,
            booking.code,
            percent_off,
            amount_off
        )
        .execute(&mut *tx)
        .await?;
        // Each seat at the price its hold quoted (none quoted: its section's, read where needed).
        let mut q = QueryBuilder::new(
            "INSERT INTO booking_seats (booking_id, event_id, seat_id, live, price_cents, tier) ",
        );
        q.push_values(booking.seat_ids.iter().enumerate(), |mut b, (i, s)| {
            let price = booking.prices.get(i);
            b.push_bind(booking.id.to_string())
                .push_bind(&event)
                .push_bind(s)
                .push_bind(1)
                .push_bind(price.map(|p| p.price_cents))
                .push_bind(price.and_then(|p| p.tier));
        });
        match q.build().execute(&mut *tx).await {
            Ok(_) => {}
            Err(e) if duplicate_key(&e) => {
                return Ok(CreateOutcome::SeatsTaken(booking.seat_ids.clone()))
            }
            Err(e) => return Err(e.into()),
        }
        // The final guard of a code's uses: a use is taken with the booking, or nothing is.
        if !take_use(&mut tx, booking, booking.created_at).await? {
            return Ok(CreateOutcome::CodeExhausted);
        }
        // A hold the waitlist offered is booked: the offer is accepted, in the same step.
        if offered {
            sqlx::query!(
                "UPDATE waitlist SET status = 'ACCEPTED', updated_at = ?, version = version + 1 WHERE hold_id = ? AND status = 'OFFERED'",
                booking.created_at,
                hold.to_string()
            )
                .execute(&mut *tx)
                .await?;
        }
        commit(tx, outbox, &booking.user_id).await?;
        Ok(CreateOutcome::Created)
    }

    /// Why the seats of a booking could not all be taken, read after its transaction rolled back:
    /// those no longer AVAILABLE (Redis let them through: it lost a lock), or, when every one is
    /// available again, a retry.
    async fn refused(&self, booking: &Booking) -> Result<CreateOutcome, Abort> {
        let mut q = QueryBuilder::new(
            "SELECT seat_id, CAST(status AS CHAR) AS status FROM seats WHERE event_id = ",
        );
        q.push_bind(booking.event_id.to_string()).push(" AND seat_id IN ");
        in_list(&mut q, &booking.seat_ids);
        let rows = q.build().fetch_all(&self.pool).await?;
        if rows.len() != booking.seat_ids.len() {
            return Err(Abort::Fail(BackendError::permanent(
                "booking seats",
                anyhow::anyhow!("seats missing from event {}", booking.event_id),
            )));
        }
        let mut taken = Vec::new();
        for r in &rows {
            if status(r, "status", SeatStatus::parse)? != SeatStatus::Available {
                taken.push(r.try_get("seat_id")?);
            }
        }
        if taken.is_empty() {
            return Err(Abort::Retry(Contention::LostOptimisticCheck("seats released meanwhile")));
        }
        taken.sort();
        Ok(CreateOutcome::SeatsTaken(taken))
    }

    async fn try_cancel(
        &self,
        id: Uuid,
        asked: Option<&[String]>,
        by: Canceller,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<Cancelled, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("cancelling a booking"))?;
        let Some(mut b) = locked_booking(&mut tx, id).await? else {
            return Ok(Cancelled::NotFound);
        };
        let mut payments = live_payments(&mut tx, b.id).await?;
        let tickets = locked_for_booking(&mut tx, b.id).await?;
        let seats = match plan_cancel(&b, &payments, &tickets, asked, by) {
            Err(refused) => return Ok(Cancelled::Refused(refused)),
            Ok(CancelPlan::Unchanged) => return Ok(Cancelled::Unchanged(Box::new(b))),
            Ok(CancelPlan::Whole) => {
                let keep = kept_on_cancel(by, &event_charges(&mut tx, b.event_id).await?);
                let (cancelled, out) = (BookingStatus::Cancelled, &mut Vec::new());
                let refunds = apply_keeping(&mut tx, &mut b, cancelled, now, keep, out).await?;
                commit(tx, out, actor).await?;
                return Ok(Cancelled::Whole { booking: Box::new(b), refunds });
            }
            Ok(CancelPlan::Seats(seats)) => seats,
        };
        let seats = seats.as_slice();
        // The seats' lines, as the booking was priced (an event's fees and tax never change).
        let charges = event_charges(&mut tx, b.event_id).await?;
        let mut q = QueryBuilder::new(
            "SELECT COALESCE(bs.price_cents, s.price_cents) FROM booking_seats bs \
             JOIN seats s ON s.event_id = bs.event_id AND s.seat_id = bs.seat_id WHERE bs.booking_id = ",
        );
        q.push_bind(b.id.to_string()).push(" AND bs.seat_id IN ");
        in_list(&mut q, seats);
        let faces: Vec<i64> = q.build_query_scalar().fetch_all(&mut *tx).await?;
        let part = charges.tickets(&faces, b.discount);
        let share = part.total_cents;
        let freed = Booking { seat_ids: seats.to_vec(), ..b.clone() };
        set_seats(&mut tx, &freed, SeatStatus::Available).await?;
        let mut q = QueryBuilder::new("UPDATE booking_seats SET live = NULL, released_at = ");
        q.push_bind(now).push(" WHERE booking_id = ").push_bind(b.id.to_string());
        q.push(" AND seat_id IN ");
        in_list(&mut q, seats);
        q.build().execute(&mut *tx).await?;
        b.breakdown = b.breakdown.minus(part);
        b.total_cents = b.breakdown.total_cents;
        sqlx::query!(
            "UPDATE bookings SET total_cents = ?, face_cents = ?, fees_cents = ?, tax_cents = ?, discount_cents = ?, \
             updated_at = ?, version = version + 1 WHERE id = ?",
            b.total_cents,
            b.breakdown.face_cents,
            b.breakdown.fees_cents,
            b.breakdown.tax_cents,
            b.breakdown.discount_cents,
            now,
            b.id.to_string()
        )
            .execute(&mut *tx)
            .await?;
        b.updated_at = now;
        b.version += 1;
        b.seat_ids.retain(|s| !seats.contains(s));
        let cancelled = message::SeatsCancelled::of(&b, seats, share);
        let mut out =
            vec![Envelope::new(b.event_id, now, Message::BookingSeatsCancelled(cancelled))];
        out.extend(revoke_tickets(&mut tx, &b, Some(seats), now).await?);
        // A paid booking gets the seats' share back, from its succeeded payment(s) in order.
        let mut refunds = Vec::new();
        for owed in seat_cancel_refunds(&payments, share) {
            let event = b.event_id;
            refunds.push(owe_refund(&mut tx, &mut payments, event, owed, now, &mut out).await?);
        }
        commit(tx, &out, actor).await?;
        Ok(Cancelled::Seats { booking: Box::new(b), freed: seats.to_vec(), refunds })
    }

    async fn try_transition(
        &self,
        id: Uuid,
        from: BookingStatus,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
    ) -> Result<Option<(Booking, Vec<Refund>)>, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("changing a booking"))?;
        let Some(mut b) = locked_booking(&mut tx, id).await? else { return Ok(None) };
        if b.status != from {
            return Ok(None);
        }
        let out = &mut Vec::new();
        let refunded = apply(&mut tx, &mut b, to, now, out).await?;
        commit(tx, out, actor).await?;
        Ok(Some((b, refunded)))
    }
}

#[async_trait]
impl BookingStore for MySqlBookings {
    async fn create(
        &self,
        booking: &Booking,
        hold: Uuid,
        outbox: &[Envelope],
    ) -> BackendResult<CreateOutcome> {
        retry("booking seats", || self.try_create(booking, hold, outbox)).await
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Booking>> {
        let row = booking_rows!("WHERE id = ?", id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(fault("reading a booking"))?;
        let Some(row) = row else { return Ok(None) };
        let b = row.booking().map_err(fault("decoding a booking"))?;
        Ok(self.with_seats(vec![b]).await?.pop())
    }

    async fn list_for_user(
        &self,
        user: &str,
        status: Option<BookingStatus>,
        before: Option<Uuid>,
        limit: u32,
    ) -> BackendResult<Vec<Booking>> {
        // Filters make this one dynamic (checked at run time, into the same row type).
        let mut q = QueryBuilder::new(format!("{BOOKING_COLUMNS} WHERE user_id = "));
        q.push_bind(user);
        if let Some(s) = status {
            q.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some(b) = before {
            q.push(" AND id < ").push_bind(b.to_string());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
        let rows: Vec<BookingRow> =
            q.build_query_as().fetch_all(&self.pool).await.map_err(fault("listing bookings"))?;
        let bookings = rows
            .into_iter()
            .map(BookingRow::booking)
            .collect::<Result<Vec<_>, _>>()
            .map_err(fault("decoding bookings"))?;
        self.with_seats(bookings).await
    }

    async fn transition(
        &self,
        id: Uuid,
        from: BookingStatus,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Option<(Booking, Vec<Refund>)>> {
        retry("changing a booking", || self.try_transition(id, from, to, now, actor)).await
    }

    async fn cancel(
        &self,
        id: Uuid,
        seats: Option<&[String]>,
        by: Canceller,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Cancelled> {
        retry("cancelling a booking", || self.try_cancel(id, seats, by, now, actor)).await
    }

    async fn due_for_expiry(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar!(
            "SELECT id FROM bookings WHERE status = 'PENDING' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
            now,
            limit
        )
            .fetch_all(&self.pool)
            .await
            .map_err(fault("finding due bookings"))?;
        ids.iter()
            .map(|i| {
                Uuid::parse_str(i).map_err(|e| BackendError::permanent("decoding a booking id", e))
            })
            .collect()
    }
}
