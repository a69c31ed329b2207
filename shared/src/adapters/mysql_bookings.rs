//! Bookings, payments, processed webhooks and the outbox in MySQL.
//!
//! Every method is one short transaction with no network call inside. Rows are locked in one order
//! everywhere (booking, then its payments, then its seats by primary key), so transactions queue
//! rather than deadlock; deadlocks and lock-wait timeouts that happen anyway are retried a bounded
//! number of times. The seat rows are versioned: a new booking checks and bumps each seat's version,
//! and the unique key on live booking seats is the final guard.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlPool, MySqlRow};
use sqlx::{MySql, QueryBuilder, Row, Transaction};
use uuid::Uuid;

use super::mysql::fault;
use crate::domain::message::{announce, payment_message};
use crate::domain::{Booking, BookingStatus, ChargeOutcome, Contact, Envelope, Payment, PaymentStatus};
use crate::ports::{BackendError, BackendResult, BookingStore, CreateOutcome, NewPayment, ProviderRefund, Settled};

/// Attempts of a transaction that met a deadlock, a lock-wait timeout or a lost optimistic check.
const ATTEMPTS: usize = 5;

#[derive(Clone)]
pub struct MySqlBookingStore {
    pool: MySqlPool,
}

/// MySQL error numbers worth a retry: deadlock, lock wait timeout.
fn retryable(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|m| matches!(m.number(), 1213 | 1205))
}

fn duplicate_key(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .is_some_and(|m| m.number() == 1062)
}

/// Why one attempt of a transaction stopped.
enum Abort {
    /// Try again (deadlock, lock wait, lost optimistic check).
    Retry(sqlx::Error),
    Fail(BackendError),
}

impl From<sqlx::Error> for Abort {
    fn from(e: sqlx::Error) -> Self {
        if retryable(&e) {
            Abort::Retry(e)
        } else {
            Abort::Fail(fault("writing to MySQL")(e))
        }
    }
}

impl From<BackendError> for Abort {
    fn from(e: BackendError) -> Self {
        Abort::Fail(e)
    }
}

/// Runs `attempt` until it is not asked to retry, at most [`ATTEMPTS`] times.
macro_rules! with_retries {
    ($what:expr, $attempt:expr) => {{
        let mut last = None;
        let mut out = None;
        for _ in 0..ATTEMPTS {
            match $attempt.await {
                Ok(v) => {
                    out = Some(Ok(v));
                    break;
                }
                Err(Abort::Fail(e)) => {
                    out = Some(Err(e));
                    break;
                }
                Err(Abort::Retry(e)) => last = Some(e),
            }
        }
        match out {
            Some(r) => r,
            None => Err(BackendError::contended(
                $what,
                last.map(anyhow::Error::from).unwrap_or_else(|| anyhow::anyhow!("too much contention")),
            )),
        }
    }};
}

const BOOKING_COLUMNS: &str =
    "SELECT id, user_id, event_id, CAST(status AS CHAR) AS status, total_cents, currency, contact_email, contact_phone, expires_at, created_at, updated_at, version FROM bookings";
const PAYMENT_COLUMNS: &str =
    "SELECT id, booking_id, user_id, amount_cents, currency, CAST(status AS CHAR) AS status, failure_reason, created_at FROM payments";

const PAYMENT_COLUMNS_WITH_METHOD: &str =
    "SELECT id, booking_id, user_id, amount_cents, currency, CAST(status AS CHAR) AS status, failure_reason, created_at, payment_method FROM payments";

fn uuid(r: &MySqlRow, col: &str) -> Result<Uuid, sqlx::Error> {
    let s: String = r.try_get(col)?;
    Uuid::parse_str(&s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

fn booking_row(r: &MySqlRow) -> Result<Booking, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Booking {
        id: uuid(r, "id")?,
        user_id: r.try_get("user_id")?,
        event_id: uuid(r, "event_id")?,
        status: BookingStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("booking status {status}").into()))?,
        seat_ids: Vec::new(),
        total_cents: r.try_get("total_cents")?,
        currency: r.try_get("currency")?,
        contact: Contact { email: r.try_get("contact_email")?, phone: r.try_get("contact_phone")? },
        expires_at: r.try_get("expires_at")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        version: r.try_get("version")?,
    })
}

fn payment_row(r: &MySqlRow) -> Result<Payment, sqlx::Error> {
    let status: String = r.try_get("status")?;
    Ok(Payment {
        id: uuid(r, "id")?,
        booking_id: uuid(r, "booking_id")?,
        user_id: r.try_get("user_id")?,
        amount_cents: r.try_get("amount_cents")?,
        currency: r.try_get("currency")?,
        status: PaymentStatus::parse(&status).ok_or_else(|| sqlx::Error::Decode(format!("payment status {status}").into()))?,
        failure_reason: r.try_get("failure_reason")?,
        created_at: r.try_get("created_at")?,
    })
}

/// Writes outbox rows in the caller's transaction.
async fn enqueue(tx: &mut Transaction<'_, MySql>, messages: &[Envelope]) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::new("INSERT INTO outbox (id, topic, msg_key, payload, created_at) ");
    q.push_values(messages, |mut b, m| {
        b.push_bind(m.id.to_string())
            .push_bind(m.topic())
            .push_bind(&m.key)
            .push_bind(serde_json::to_string(m).unwrap_or_default())
            .push_bind(m.occurred_at);
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

/// Moves a locked payment to `status` (with a failure reason, if any) and bumps its version.
async fn set_payment(tx: &mut Transaction<'_, MySql>, p: &mut Payment, status: PaymentStatus, reason: Option<&str>, now: DateTime<Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE payments SET status = ?, failure_reason = COALESCE(?, failure_reason), updated_at = ?, version = version + 1 WHERE id = ?")
        .bind(status.as_str())
        .bind(reason)
        .bind(now)
        .bind(p.id.to_string())
        .execute(&mut **tx)
        .await?;
    p.status = status;
    if let Some(r) = reason {
        p.failure_reason = Some(r.to_string());
    }
    Ok(())
}

/// Sets the status of the booking's seats, bumping each row's version, in primary-key order.
async fn set_seats(tx: &mut Transaction<'_, MySql>, b: &Booking, status: &str) -> Result<(), sqlx::Error> {
    let mut q = QueryBuilder::new("UPDATE seats FORCE INDEX (PRIMARY) SET status = ");
    q.push_bind(status.to_string()).push(", version = version + 1 WHERE event_id = ").push_bind(b.event_id.to_string()).push(" AND seat_id IN (");
    let mut sep = q.separated(", ");
    for s in &b.seat_ids {
        sep.push_bind(s);
    }
    q.push(")");
    q.build().execute(&mut **tx).await?;
    Ok(())
}

impl MySqlBookingStore {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlBookingStore { pool }
    }

    /// Fills in `seat_ids` of the bookings from `booking_seats`.
    async fn with_seats(&self, mut bookings: Vec<Booking>) -> BackendResult<Vec<Booking>> {
        if bookings.is_empty() {
            return Ok(bookings);
        }
        let mut q = QueryBuilder::new("SELECT booking_id, seat_id FROM booking_seats WHERE booking_id IN (");
        let mut sep = q.separated(", ");
        for b in &bookings {
            sep.push_bind(b.id.to_string());
        }
        q.push(") ORDER BY booking_id, seat_id");
        let rows = q.build().fetch_all(&self.pool).await.map_err(fault("reading booking seats"))?;
        let mut seats: HashMap<String, Vec<String>> = HashMap::new();
        for r in rows {
            let (b, s): (String, String) = (r.try_get("booking_id").map_err(fault("decoding seats"))?, r.try_get("seat_id").map_err(fault("decoding seats"))?);
            seats.entry(b).or_default().push(s);
        }
        for b in &mut bookings {
            b.seat_ids = seats.remove(&b.id.to_string()).unwrap_or_default();
        }
        Ok(bookings)
    }

    async fn locked_booking(tx: &mut Transaction<'_, MySql>, id: Uuid) -> Result<Option<Booking>, sqlx::Error> {
        let row = sqlx::query(&format!("{BOOKING_COLUMNS} WHERE id = ? FOR UPDATE")).bind(id.to_string()).fetch_optional(&mut **tx).await?;
        let Some(row) = row else { return Ok(None) };
        let mut b = booking_row(&row)?;
        b.seat_ids = sqlx::query_scalar("SELECT seat_id FROM booking_seats WHERE booking_id = ? ORDER BY seat_id")
            .bind(id.to_string())
            .fetch_all(&mut **tx)
            .await?;
        Ok(Some(b))
    }

    /// Moves a locked booking to `to` with its seats and outbox messages; refunds its SUCCEEDED
    /// payments when it leaves the live statuses.
    async fn apply(tx: &mut Transaction<'_, MySql>, b: &mut Booking, to: BookingStatus, now: DateTime<Utc>) -> Result<Vec<Payment>, sqlx::Error> {
        sqlx::query("UPDATE bookings SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?")
            .bind(to.as_str())
            .bind(now)
            .bind(b.id.to_string())
            .execute(&mut **tx)
            .await?;
        let mut messages = announce(b, to, now);
        let mut refunded = Vec::new();
        if to == BookingStatus::Confirmed {
            set_seats(tx, b, "BOOKED").await?;
        } else {
            set_seats(tx, b, "AVAILABLE").await?;
            sqlx::query("UPDATE booking_seats SET live = NULL WHERE booking_id = ?").bind(b.id.to_string()).execute(&mut **tx).await?;
            let rows = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE booking_id = ? AND status = 'SUCCEEDED' FOR UPDATE"))
                .bind(b.id.to_string())
                .fetch_all(&mut **tx)
                .await?;
            for r in rows {
                let mut p = payment_row(&r)?;
                set_payment(tx, &mut p, PaymentStatus::Refunded, None, now).await?;
                messages.push(payment_message("PaymentRefunded", &p, b.event_id, now));
                refunded.push(p);
            }
        }
        enqueue(tx, &messages).await?;
        b.status = to;
        b.updated_at = now;
        b.version += 1;
        Ok(refunded)
    }

    async fn try_create(&self, booking: &Booking, outbox: &[Envelope]) -> Result<CreateOutcome, Abort> {
        let event = booking.event_id.to_string();
        let mut tx = self.pool.begin().await.map_err(fault("booking seats"))?;
        let mut q = QueryBuilder::new("SELECT seat_id, CAST(status AS CHAR) AS status, version FROM seats WHERE event_id = ");
        q.push_bind(&event).push(" AND seat_id IN (");
        let mut sep = q.separated(", ");
        for s in &booking.seat_ids {
            sep.push_bind(s);
        }
        q.push(")");
        let rows = q.build().fetch_all(&mut *tx).await?;
        let mut taken = Vec::new();
        let mut versions = Vec::new();
        for r in &rows {
            let (seat, status, version): (String, String, u64) = (r.try_get("seat_id")?, r.try_get("status")?, r.try_get("version")?);
            if status != "AVAILABLE" {
                taken.push(seat.clone());
            }
            versions.push((seat, version));
        }
        if !taken.is_empty() {
            taken.sort();
            return Ok(CreateOutcome::SeatsTaken(taken));
        }
        if versions.len() != booking.seat_ids.len() {
            return Err(Abort::Fail(BackendError::new("booking seats", false, anyhow::anyhow!("seats missing from event {event}"))));
        }
        // The optimistic check: every seat still at the version read, and still available.
        // By primary key only (`seat_id IN`): the row-value test alone would make the optimizer
        // range-scan, and lock, every available seat of the event.
        let mut q = QueryBuilder::new("UPDATE seats FORCE INDEX (PRIMARY) SET status = 'HELD', version = version + 1 WHERE event_id = ");
        q.push_bind(&event).push(" AND seat_id IN (");
        let mut sep = q.separated(", ");
        for (seat, _) in &versions {
            sep.push_bind(seat);
        }
        q.push(") AND status = 'AVAILABLE' AND (seat_id, version) IN (");
        let mut sep = q.separated(", ");
        for (seat, version) in &versions {
            sep.push("(").push_bind_unseparated(seat).push_unseparated(", ").push_bind_unseparated(*version).push_unseparated(")");
        }
        q.push(")");
        let updated = q.build().execute(&mut *tx).await?.rows_affected();
        if updated != versions.len() as u64 {
            return Err(Abort::Retry(sqlx::Error::RowNotFound));
        }
        sqlx::query(
            "INSERT INTO bookings (id, user_id, event_id, status, total_cents, currency, contact_email, contact_phone, \
             expires_at, created_at, updated_at) VALUES (?, ?, ?, 'PENDING', ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(booking.id.to_string())
        .bind(&booking.user_id)
        .bind(&event)
        .bind(booking.total_cents)
        .bind(&booking.currency)
        .bind(&booking.contact.email)
        .bind(&booking.contact.phone)
        .bind(booking.expires_at)
        .bind(booking.created_at)
        .bind(booking.updated_at)
        .execute(&mut *tx)
        .await?;
        let mut q = QueryBuilder::new("INSERT INTO booking_seats (booking_id, event_id, seat_id, live) ");
        q.push_values(&booking.seat_ids, |mut b, s| {
            b.push_bind(booking.id.to_string()).push_bind(&event).push_bind(s).push_bind(1);
        });
        match q.build().execute(&mut *tx).await {
            Ok(_) => {}
            Err(e) if duplicate_key(&e) => return Ok(CreateOutcome::SeatsTaken(booking.seat_ids.clone())),
            Err(e) => return Err(e.into()),
        }
        enqueue(&mut tx, outbox).await?;
        tx.commit().await?;
        Ok(CreateOutcome::Created)
    }

    async fn try_transition(&self, id: Uuid, from: BookingStatus, to: BookingStatus, now: DateTime<Utc>) -> Result<Option<(Booking, Vec<Payment>)>, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("changing a booking"))?;
        let Some(mut b) = Self::locked_booking(&mut tx, id).await? else { return Ok(None) };
        if b.status != from {
            return Ok(None);
        }
        let refunded = Self::apply(&mut tx, &mut b, to, now).await?;
        tx.commit().await?;
        Ok(Some((b, refunded)))
    }

    async fn try_settle(&self, id: Uuid, outcome: &ChargeOutcome, webhook: Option<(&str, &str)>, now: DateTime<Utc>) -> Result<Settled, Abort> {
        // The booking id first, unlocked, so that rows are locked booking -> payment like everywhere.
        let booking_id: Option<String> = sqlx::query_scalar("SELECT booking_id FROM payments WHERE id = ?").bind(id.to_string()).fetch_optional(&self.pool).await?;
        let Some(booking_id) = booking_id.and_then(|b| Uuid::parse_str(&b).ok()) else { return Ok(Settled::Unchanged) };
        let mut tx = self.pool.begin().await.map_err(fault("settling a payment"))?;
        if let Some((event_id, kind)) = webhook {
            let fresh = sqlx::query("INSERT IGNORE INTO processed_webhooks (id, type, applied_at) VALUES (?, ?, ?)")
                .bind(event_id)
                .bind(kind)
                .bind(now)
                .execute(&mut *tx)
                .await?
                .rows_affected();
            if fresh == 0 {
                return Ok(Settled::Unchanged);
            }
        }
        let Some(mut b) = Self::locked_booking(&mut tx, booking_id).await? else { return Ok(Settled::Unchanged) };
        let row = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE id = ? FOR UPDATE")).bind(id.to_string()).fetch_one(&mut *tx).await?;
        let mut p = payment_row(&row)?;
        if p.status != PaymentStatus::Processing {
            tx.commit().await?;
            return Ok(Settled::Unchanged);
        }
        let result = match outcome {
            ChargeOutcome::Processing => Settled::Unchanged,
            ChargeOutcome::Failed(reason) => {
                set_payment(&mut tx, &mut p, PaymentStatus::Failed, Some(reason), now).await?;
                enqueue(&mut tx, &[payment_message("PaymentFailed", &p, b.event_id, now)]).await?;
                Settled::Failed
            }
            ChargeOutcome::Succeeded => {
                set_payment(&mut tx, &mut p, PaymentStatus::Succeeded, None, now).await?;
                enqueue(&mut tx, &[payment_message("PaymentSucceeded", &p, b.event_id, now)]).await?;
                if b.status == BookingStatus::Pending && now < b.expires_at {
                    Self::apply(&mut tx, &mut b, BookingStatus::Confirmed, now).await?;
                    Settled::Confirmed(b)
                } else {
                    // Too late: the booking expired (or is being expired now), was cancelled, or
                    // was paid already. The money goes back; the booking stays as it is.
                    if b.status == BookingStatus::Pending {
                        Self::apply(&mut tx, &mut b, BookingStatus::Expired, now).await?;
                    }
                    set_payment(&mut tx, &mut p, PaymentStatus::Refunded, None, now).await?;
                    enqueue(&mut tx, &[payment_message("PaymentRefunded", &p, b.event_id, now)]).await?;
                    Settled::Refunded(b)
                }
            }
        };
        tx.commit().await?;
        Ok(result)
    }

    async fn try_refund(&self, id: Uuid, webhook: (&str, &str), now: DateTime<Utc>) -> Result<ProviderRefund, Abort> {
        // The booking id first, unlocked, so that rows are locked booking -> payment like everywhere.
        let booking_id: Option<String> = sqlx::query_scalar("SELECT booking_id FROM payments WHERE id = ?").bind(id.to_string()).fetch_optional(&self.pool).await?;
        let Some(booking_id) = booking_id.and_then(|b| Uuid::parse_str(&b).ok()) else { return Ok(ProviderRefund::Unchanged) };
        let mut tx = self.pool.begin().await.map_err(fault("refunding a payment"))?;
        let fresh = sqlx::query("INSERT IGNORE INTO processed_webhooks (id, type, applied_at) VALUES (?, ?, ?)")
            .bind(webhook.0)
            .bind(webhook.1)
            .bind(now)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if fresh == 0 {
            return Ok(ProviderRefund::Unchanged);
        }
        let Some(mut b) = Self::locked_booking(&mut tx, booking_id).await? else { return Ok(ProviderRefund::Unchanged) };
        let row = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE id = ? FOR UPDATE")).bind(id.to_string()).fetch_one(&mut *tx).await?;
        let mut p = payment_row(&row)?;
        if p.status != PaymentStatus::Succeeded {
            tx.commit().await?;
            return Ok(ProviderRefund::Unchanged);
        }
        let outcome = if b.status == BookingStatus::Confirmed {
            // Cancelling refunds the booking's SUCCEEDED payments, this one included, and
            // announces both changes.
            Self::apply(&mut tx, &mut b, BookingStatus::Cancelled, now).await?;
            ProviderRefund::Cancelled(b)
        } else {
            set_payment(&mut tx, &mut p, PaymentStatus::Refunded, None, now).await?;
            enqueue(&mut tx, &[payment_message("PaymentRefunded", &p, b.event_id, now)]).await?;
            ProviderRefund::Refunded
        };
        tx.commit().await?;
        Ok(outcome)
    }

    async fn try_insert_payment(&self, p: &Payment, method: &str) -> Result<NewPayment, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("recording a payment"))?;
        let status: Option<String> = sqlx::query_scalar("SELECT CAST(status AS CHAR) FROM bookings WHERE id = ? FOR UPDATE")
            .bind(p.booking_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        let status = status.map(|s| BookingStatus::parse(&s).ok_or_else(|| sqlx::Error::Decode(format!("booking status {s}").into()))).transpose()?;
        if status != Some(BookingStatus::Pending) {
            return Ok(NewPayment::NotPayable(status));
        }
        let live: Option<String> = sqlx::query_scalar("SELECT id FROM payments WHERE booking_id = ? AND status IN ('PROCESSING', 'SUCCEEDED') LIMIT 1")
            .bind(p.booking_id.to_string())
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(other) = live {
            return Ok(NewPayment::InFlight(Uuid::parse_str(&other).map_err(|e| sqlx::Error::Decode(Box::new(e)))?));
        }
        sqlx::query(
            "INSERT INTO payments (id, booking_id, user_id, amount_cents, currency, status, payment_method, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, 'PROCESSING', ?, ?, ?)",
        )
        .bind(p.id.to_string())
        .bind(p.booking_id.to_string())
        .bind(&p.user_id)
        .bind(p.amount_cents)
        .bind(&p.currency)
        .bind(method)
        .bind(p.created_at)
        .bind(p.created_at)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(NewPayment::Inserted)
    }
}

#[async_trait]
impl BookingStore for MySqlBookingStore {
    async fn create(&self, booking: &Booking, outbox: &[Envelope]) -> BackendResult<CreateOutcome> {
        with_retries!("booking seats", self.try_create(booking, outbox))
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Booking>> {
        let row = sqlx::query(&format!("{BOOKING_COLUMNS} WHERE id = ?")).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(fault("reading a booking"))?;
        let Some(row) = row else { return Ok(None) };
        let b = booking_row(&row).map_err(fault("decoding a booking"))?;
        Ok(self.with_seats(vec![b]).await?.pop())
    }

    async fn list_for_user(&self, user: &str, status: Option<BookingStatus>, before: Option<Uuid>, limit: u32) -> BackendResult<Vec<Booking>> {
        let mut q = QueryBuilder::new(format!("{BOOKING_COLUMNS} WHERE user_id = "));
        q.push_bind(user);
        if let Some(s) = status {
            q.push(" AND status = ").push_bind(s.as_str());
        }
        if let Some(b) = before {
            q.push(" AND id < ").push_bind(b.to_string());
        }
        q.push(" ORDER BY id DESC LIMIT ").push_bind(limit);
        let rows = q.build().fetch_all(&self.pool).await.map_err(fault("listing bookings"))?;
        let bookings = rows.iter().map(booking_row).collect::<Result<Vec<_>, _>>().map_err(fault("decoding bookings"))?;
        self.with_seats(bookings).await
    }

    async fn transition(&self, id: Uuid, from: BookingStatus, to: BookingStatus, now: DateTime<Utc>) -> BackendResult<Option<(Booking, Vec<Payment>)>> {
        with_retries!("changing a booking", self.try_transition(id, from, to, now))
    }

    async fn due_for_expiry(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar("SELECT id FROM bookings WHERE status = 'PENDING' AND expires_at <= ? ORDER BY expires_at LIMIT ?")
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(fault("finding due bookings"))?;
        Ok(ids.iter().filter_map(|i| Uuid::parse_str(i).ok()).collect())
    }

    async fn insert_payment(&self, p: &Payment, method: &str) -> BackendResult<NewPayment> {
        with_retries!("recording a payment", self.try_insert_payment(p, method))
    }

    async fn stale_payments(&self, before: DateTime<Utc>, limit: u32) -> BackendResult<Vec<(Payment, String)>> {
        let rows = sqlx::query(&format!("{PAYMENT_COLUMNS_WITH_METHOD} WHERE status = 'PROCESSING' AND created_at < ? ORDER BY created_at LIMIT ?"))
            .bind(before)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(fault("finding stale payments"))?;
        rows.iter()
            .map(|r| Ok((payment_row(r)?, r.try_get::<String, _>("payment_method")?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding a payment"))
    }

    async fn get_payment(&self, id: Uuid) -> BackendResult<Option<Payment>> {
        let row = sqlx::query(&format!("{PAYMENT_COLUMNS} WHERE id = ?")).bind(id.to_string()).fetch_optional(&self.pool).await.map_err(fault("reading a payment"))?;
        row.map(|r| payment_row(&r)).transpose().map_err(fault("decoding a payment"))
    }

    async fn settle_payment(&self, id: Uuid, outcome: &ChargeOutcome, webhook: Option<(&str, &str)>, now: DateTime<Utc>) -> BackendResult<Settled> {
        with_retries!("settling a payment", self.try_settle(id, outcome, webhook, now))
    }

    async fn refund_payment(&self, id: Uuid, webhook: (&str, &str), now: DateTime<Utc>) -> BackendResult<ProviderRefund> {
        with_retries!("refunding a payment", self.try_refund(id, webhook, now))
    }
}

/// Claims unsent outbox rows (`FOR UPDATE SKIP LOCKED`, so concurrent relays split the work),
/// publishes them, and marks the published ones sent, in one short transaction: a crash before the
/// commit leaves them unsent, to be published again (consumers dedupe by id).
///
/// The transaction runs at READ COMMITTED so that it locks only the rows it claims, not the gap
/// where new outbox rows go: bookings never wait for the relay. The batch is handed to the
/// producer at once and awaited together; it keeps their order per partition.
pub async fn relay_outbox(pool: &MySqlPool, publisher: &dyn crate::ports::Publisher, limit: u32) -> BackendResult<usize> {
    let mut conn = pool.acquire().await.map_err(fault("relaying the outbox"))?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL READ COMMITTED").execute(&mut *conn).await.map_err(fault("relaying the outbox"))?;
    let mut tx = sqlx::Connection::begin(&mut *conn).await.map_err(fault("relaying the outbox"))?;
    let rows = sqlx::query("SELECT seq, topic, msg_key, payload FROM outbox WHERE sent_at IS NULL ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED")
        .bind(limit)
        .fetch_all(&mut *tx)
        .await
        .map_err(fault("reading the outbox"))?;
    let batch = rows
        .iter()
        .map(|r| Ok((r.try_get::<u64, _>("seq")?, r.try_get::<String, _>("topic")?, r.try_get::<String, _>("msg_key")?, r.try_get::<String, _>("payload")?)))
        .collect::<Result<Vec<_>, sqlx::Error>>()
        .map_err(fault("decoding the outbox"))?;
    let messages: Vec<(&str, &str, &str)> = batch.iter().map(|(_, topic, key, payload)| (topic.as_str(), key.as_str(), payload.as_str())).collect();
    let delivered = publisher.publish_in_order(&messages, "outbox relay").await;
    let sent: Vec<u64> = batch[..delivered].iter().map(|(seq, ..)| *seq).collect();
    if !sent.is_empty() {
        let mut q = QueryBuilder::new("UPDATE outbox SET sent_at = ");
        q.push_bind(Utc::now()).push(" WHERE seq IN (");
        let mut sep = q.separated(", ");
        for s in &sent {
            sep.push_bind(*s);
        }
        q.push(")");
        q.build().execute(&mut *tx).await.map_err(fault("marking the outbox sent"))?;
    }
    tx.commit().await.map_err(fault("relaying the outbox"))?;
    Ok(sent.len())
}
