//! The organiser's changes to an event in MySQL: cancelling it (the mark, and what the cancel job
//! reads to find its work and report its progress) and blocking seats (with their history).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::{fault, in_list, status, MySqlEvents};
use crate::domain::history::Change;
use crate::domain::report::{CancelPreview, CancelProgress};
use crate::domain::{BookingStatus, SeatStatus};
use crate::ports::{BackendError, BackendResult, Blocks, Cancellations};

const LIVE: &str = "status IN ('PENDING', 'CONFIRMED')";

#[async_trait]
impl Cancellations for MySqlEvents {
    async fn cancel(&self, event: Uuid, actor: &str, now: DateTime<Utc>) -> BackendResult<bool> {
        let done = sqlx::query!(
            "UPDATE events SET cancelled_at = ?, cancelled_by = ?, version = version + 1 WHERE id = ? AND cancelled_at IS NULL",
            now,
            actor,
            event.to_string()
        )
        .execute(&self.pool)
        .await
        .map_err(fault("cancelling an event"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn preview(&self, event: Uuid) -> BackendResult<CancelPreview> {
        let what = "previewing a cancel";
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        let (bookings, confirmed): (i64, i64) = sqlx::query_as(&format!(
            "SELECT COUNT(*), CAST(COALESCE(SUM(status = 'CONFIRMED'), 0) AS SIGNED) FROM bookings WHERE event_id = ? AND {LIVE}"
        ))
        .bind(event.to_string())
        .fetch_one(&mut *tx)
        .await
        .map_err(fault(what))?;
        let refund_cents: i64 = sqlx::query_scalar!(
            "SELECT CAST(COALESCE(SUM(p.amount_cents - p.refunded_cents), 0) AS SIGNED) FROM payments p \
             JOIN bookings b ON b.id = p.booking_id \
             WHERE b.event_id = ? AND b.status IN ('PENDING', 'CONFIRMED') AND p.status = 'SUCCEEDED'",
            event.to_string()
        )
        .fetch_one(&mut *tx)
        .await
        .map_err(fault(what))?;
        tx.commit().await.map_err(fault(what))?;
        Ok(CancelPreview { bookings: bookings as u64, confirmed: confirmed as u64, refund_cents })
    }

    async fn unfinished(&self, limit: u32) -> BackendResult<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar!(
            "SELECT id FROM events WHERE cancel_completed_at IS NULL AND cancelled_at IS NOT NULL ORDER BY cancelled_at LIMIT ?",
            limit
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("finding cancelled events"))?;
        ids.iter()
            .map(|i| {
                Uuid::parse_str(i).map_err(|e| BackendError::permanent("decoding an event id", e))
            })
            .collect()
    }

    async fn live_bookings(
        &self,
        event: Uuid,
        limit: u32,
    ) -> BackendResult<Vec<(Uuid, BookingStatus)>> {
        let rows = sqlx::query(&format!(
            "SELECT id, CAST(status AS CHAR) AS status FROM bookings WHERE event_id = ? AND {LIVE} ORDER BY id LIMIT ?"
        ))
        .bind(event.to_string())
        .bind(limit)
        .fetch_all(&self.pool)
        .await
        .map_err(fault("finding live bookings"))?;
        rows.iter()
            .map(|r| Ok((super::uuid(r, "id")?, status(r, "status", BookingStatus::parse)?)))
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding live bookings"))
    }

    async fn progress(&self, event: Uuid) -> BackendResult<Option<CancelProgress>> {
        let what = "reading a cancel's progress";
        let id = event.to_string();
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        let row = sqlx::query!(
            "SELECT cancelled_at AS `cancelled_at!`, cancelled_by AS `cancelled_by!`, cancel_completed_at FROM events \
             WHERE id = ? AND cancelled_at IS NOT NULL",
            &id
        )
        .fetch_optional(&mut *tx)
        .await
        .map_err(fault(what))?;
        let Some(row) = row else { return Ok(None) };
        let cancelled_at = row.cancelled_at.and_utc();
        let (left, cancelled): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(status IN ('PENDING', 'CONFIRMED')), 0) AS SIGNED), \
             CAST(COALESCE(SUM(status = 'CANCELLED' AND updated_at >= ?), 0) AS SIGNED) FROM bookings WHERE event_id = ?",
        )
        .bind(cancelled_at)
        .bind(&id)
        .fetch_one(&mut *tx)
        .await
        .map_err(fault(what))?;
        let (pending, refunded): (i64, i64) = sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(sent_at IS NULL), 0) AS SIGNED), \
             CAST(COALESCE(SUM(IF(created_at >= ?, amount_cents, 0)), 0) AS SIGNED) FROM refunds WHERE event_id = ?",
        )
        .bind(cancelled_at)
        .bind(&id)
        .fetch_one(&mut *tx)
        .await
        .map_err(fault(what))?;
        tx.commit().await.map_err(fault(what))?;
        Ok(Some(CancelProgress {
            cancelled_at,
            cancelled_by: row.cancelled_by,
            completed_at: row.cancel_completed_at.map(|t| t.and_utc()),
            bookings_left: left as u64,
            refunds_pending: pending as u64,
            bookings_cancelled: cancelled as u64,
            refunded_cents: refunded,
        }))
    }

    async fn finish(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<bool> {
        let id = event.to_string();
        sqlx::query(&format!(
            "UPDATE events SET cancel_completed_at = ? WHERE id = ? AND cancelled_at IS NOT NULL AND cancel_completed_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM bookings WHERE event_id = ? AND {LIVE}) \
             AND NOT EXISTS (SELECT 1 FROM refunds WHERE event_id = ? AND sent_at IS NULL)"
        ))
        .bind(now)
        .bind(&id)
        .bind(&id)
        .bind(&id)
        .execute(&self.pool)
        .await
        .map_err(fault("finishing a cancel"))?;
        let done: Option<Option<chrono::NaiveDateTime>> =
            sqlx::query_scalar!("SELECT cancel_completed_at FROM events WHERE id = ?", &id)
                .fetch_optional(&self.pool)
                .await
                .map_err(fault("finishing a cancel"))?;
        Ok(done.flatten().is_some())
    }
}

/// The seats' statuses, locked for the rest of the transaction.
async fn locked_seats(
    tx: &mut sqlx::Transaction<'_, sqlx::MySql>,
    event: &str,
    seats: &[String],
) -> Result<Vec<(String, SeatStatus)>, sqlx::Error> {
    let mut q = QueryBuilder::new(
        "SELECT seat_id, CAST(status AS CHAR) AS status FROM seats FORCE INDEX (PRIMARY) WHERE event_id = ",
    );
    q.push_bind(event).push(" AND seat_id IN ");
    in_list(&mut q, seats);
    q.push(" ORDER BY seat_id FOR UPDATE");
    q.build()
        .fetch_all(&mut **tx)
        .await?
        .iter()
        .map(|r| Ok((r.try_get("seat_id")?, status(r, "status", SeatStatus::parse)?)))
        .collect()
}

/// Sets the seats' status (and block reason), bumping their versions, and records the change.
async fn set_blocked(
    tx: &mut sqlx::Transaction<'_, sqlx::MySql>,
    event: Uuid,
    seats: &[String],
    to: SeatStatus,
    change: Change,
) -> Result<(), sqlx::Error> {
    let reason = (to == SeatStatus::Blocked)
        .then(|| change.data["reason"].as_str().unwrap_or("").to_string());
    let mut q = QueryBuilder::new("UPDATE seats FORCE INDEX (PRIMARY) SET status = ");
    q.push_bind(to.as_str())
        .push(", block_reason = ")
        .push_bind(reason)
        .push(", version = version + 1 WHERE event_id = ")
        .push_bind(event.to_string())
        .push(" AND seat_id IN ");
    in_list(&mut q, seats);
    q.build().execute(&mut **tx).await?;
    super::history::record(tx, &[change]).await
}

#[async_trait]
impl Blocks for MySqlEvents {
    async fn block(
        &self,
        event: Uuid,
        seats: &[String],
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Result<(), Vec<String>>> {
        let what = "blocking seats";
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        let found = locked_seats(&mut tx, &event.to_string(), seats).await.map_err(fault(what))?;
        let mut busy: Vec<String> = seats
            .iter()
            .filter(|s| {
                !found.iter().any(|(f, st)| {
                    f == *s && matches!(st, SeatStatus::Available | SeatStatus::Blocked)
                })
            })
            .cloned()
            .collect();
        if !busy.is_empty() {
            busy.sort();
            return Ok(Err(busy));
        }
        let fresh: Vec<String> = found
            .into_iter()
            .filter(|(_, st)| *st == SeatStatus::Available)
            .map(|(s, _)| s)
            .collect();
        if !fresh.is_empty() {
            let change = Change::of_seats(
                event,
                &fresh,
                "SeatsBlocked",
                actor,
                now,
                json!({ "eventId": event, "seatIds": fresh, "reason": reason }),
            );
            set_blocked(&mut tx, event, &fresh, SeatStatus::Blocked, change)
                .await
                .map_err(fault(what))?;
        }
        tx.commit().await.map_err(fault(what))?;
        Ok(Ok(()))
    }

    async fn unblock(
        &self,
        event: Uuid,
        seats: &[String],
        actor: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let what = "unblocking seats";
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        let found = locked_seats(&mut tx, &event.to_string(), seats).await.map_err(fault(what))?;
        let blocked: Vec<String> = found
            .into_iter()
            .filter(|(_, st)| *st == SeatStatus::Blocked)
            .map(|(s, _)| s)
            .collect();
        if !blocked.is_empty() {
            let change = Change::of_seats(
                event,
                &blocked,
                "SeatsUnblocked",
                actor,
                now,
                json!({ "eventId": event, "seatIds": blocked }),
            );
            set_blocked(&mut tx, event, &blocked, SeatStatus::Available, change)
                .await
                .map_err(fault(what))?;
        }
        tx.commit().await.map_err(fault(what))?;
        Ok(blocked)
    }
}
