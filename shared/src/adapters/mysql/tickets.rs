//! Tickets and scans: issued and revoked inside the booking transactions (`tx::issue_tickets`,
//! `tx::revoke_tickets`), read, scanned (one conditional UPDATE per scan) and transferred here.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::mysql::MySqlPool;
use sqlx::{MySql, QueryBuilder, Transaction};
use uuid::Uuid;

use super::{fault, parse_status, parse_uuid};
use crate::domain::message::{Message, TicketCheckedIn, TicketTransferred};
use crate::domain::ticket::{
    Refusal, Scan, ScanAnswer, ScanResult, Scanned, StoredTicket, TicketStatus,
};
use crate::domain::Envelope;
use crate::ports::{BackendError, BackendResult, TicketChanges, TicketStore, Transferred};

/// The columns a ticket is read from (the one query with filters, `for_holder`, is dynamic).
const TICKET_COLUMNS: &str = "SELECT id, booking_id, event_id, seat_id, holder_user_id, status, \
     checked_in_at, checkin_gate, created_at FROM tickets";

/// `sqlx::query_as!` of [`TicketRow`]s: [`TICKET_COLUMNS`] written out, then the rest of the query.
macro_rules! ticket_rows {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            TicketRow,
            "SELECT id, booking_id, event_id, seat_id, holder_user_id, status, \
             checked_in_at, checkin_gate, created_at FROM tickets " + $rest
            $(, $arg)*
        )
    };
}

/// A `tickets` row as stored.
#[derive(Debug, sqlx::FromRow)]
struct TicketRow {
    id: String,
    booking_id: String,
    event_id: String,
    seat_id: String,
    holder_user_id: String,
    status: String,
    checked_in_at: Option<NaiveDateTime>,
    checkin_gate: Option<String>,
    created_at: NaiveDateTime,
}

impl TicketRow {
    fn ticket(self) -> Result<StoredTicket, sqlx::Error> {
        Ok(StoredTicket {
            id: parse_uuid(&self.id)?,
            booking_id: parse_uuid(&self.booking_id)?,
            event_id: parse_uuid(&self.event_id)?,
            seat_id: self.seat_id,
            holder_user_id: self.holder_user_id,
            status: parse_status("status", &self.status, TicketStatus::parse)?,
            checked_in_at: self.checked_in_at.map(|t| t.and_utc()),
            checkin_gate: self.checkin_gate,
            created_at: self.created_at.and_utc(),
        })
    }
}

/// Tickets from their rows.
fn tickets(rows: Vec<TicketRow>) -> Result<Vec<StoredTicket>, sqlx::Error> {
    rows.into_iter().map(TicketRow::ticket).collect()
}

/// A booking's live tickets (VALID or CHECKED_IN), locked for the rest of the transaction: a scan
/// or a transfer of one of them waits for it, and it for them.
pub(super) async fn locked_for_booking(
    tx: &mut Transaction<'_, MySql>,
    booking: Uuid,
) -> Result<Vec<StoredTicket>, sqlx::Error> {
    tickets(
        ticket_rows!(
            "WHERE booking_id = ? AND live = 1 ORDER BY id FOR UPDATE",
            booking.to_string()
        )
        .fetch_all(&mut **tx)
        .await?,
    )
}

/// Writes messages to the outbox inside a ticket transaction.
async fn announce(
    tx: &mut Transaction<'_, MySql>,
    messages: &[Envelope],
    what: &str,
    actor: &str,
) -> BackendResult<()> {
    super::outbox::enqueue(tx, messages, actor).await.map_err(|e| match e {
        super::Abort::Fail(b) => b,
        super::Abort::Retry(_) => BackendError::transient(what, anyhow::anyhow!("lock contention")),
    })
}

pub struct MySqlTickets {
    pool: MySqlPool,
}

impl MySqlTickets {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlTickets { pool }
    }
}

/// A stored answer of an earlier scan with the same nonce.
async fn replay(
    conn: &mut sqlx::MySqlConnection,
    ticket: Uuid,
    staff: &str,
    nonce: &str,
) -> Result<Option<Scanned>, sqlx::Error> {
    let row = sqlx::query!(
        "SELECT ticket_id, gate, answer, received_at FROM checkins WHERE staff_id = ? AND nonce = ?",
        staff,
        nonce
    )
    .fetch_optional(conn)
    .await?;
    let Some(r) = row else { return Ok(None) };
    if r.ticket_id.as_deref() != Some(ticket.to_string().as_str()) {
        return Ok(Some(Scanned::NonceReused));
    }
    let result = serde_json::from_str(&r.answer).map_err(|e| sqlx::Error::Decode(e.into()))?;
    Ok(Some(Scanned::Answer(ScanAnswer { result, gate: r.gate, at: r.received_at.and_utc() })))
}

#[async_trait]
impl TicketStore for MySqlTickets {
    async fn get(&self, id: Uuid) -> BackendResult<Option<StoredTicket>> {
        let what = "reading a ticket";
        let row = ticket_rows!("WHERE id = ?", id.to_string())
            .fetch_optional(&self.pool)
            .await
            .map_err(fault(what))?;
        row.map(TicketRow::ticket).transpose().map_err(fault(what))
    }

    async fn for_booking(&self, booking: Uuid) -> BackendResult<Vec<StoredTicket>> {
        let what = "reading a booking's tickets";
        let rows = ticket_rows!("WHERE booking_id = ? ORDER BY seat_id, id", booking.to_string())
            .fetch_all(&self.pool)
            .await
            .map_err(fault(what))?;
        tickets(rows).map_err(fault(what))
    }

    async fn for_holder(
        &self,
        user: &str,
        event: Option<Uuid>,
        after: Option<Uuid>,
        limit: u32,
    ) -> BackendResult<Vec<StoredTicket>> {
        let what = "reading a user's tickets";
        let mut q = QueryBuilder::new(format!("{TICKET_COLUMNS} WHERE holder_user_id = "));
        q.push_bind(user);
        if let Some(e) = event {
            q.push(" AND event_id = ").push_bind(e.to_string());
        }
        if let Some(a) = after {
            q.push(" AND id > ").push_bind(a.to_string());
        }
        q.push(" ORDER BY id LIMIT ").push_bind(limit.min(1000));
        let rows = q.build_query_as().fetch_all(&self.pool).await.map_err(fault(what))?;
        tickets(rows).map_err(fault(what))
    }

    async fn scan(
        &self,
        ticket: Uuid,
        scan: &Scan,
        staff: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Scanned> {
        let what = "scanning a ticket";
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        if let Some(nonce) = &scan.nonce {
            if let Some(r) = replay(&mut tx, ticket, staff, nonce).await.map_err(fault(what))? {
                return Ok(r);
            }
        }
        let id = ticket.to_string();
        // The conditional write: only one scan moves a ticket out of the state it expects.
        let (from, to) = match scan.direction {
            crate::domain::ticket::Direction::In => ("VALID", "CHECKED_IN"),
            crate::domain::ticket::Direction::Out => ("CHECKED_IN", "VALID"),
        };
        let moved = sqlx::query!(
            "UPDATE tickets SET status = ?, checked_in_at = IF(? = 'CHECKED_IN', ?, checked_in_at), \
             checkin_gate = IF(? = 'CHECKED_IN', ?, checkin_gate), updated_at = ?, version = version + 1 \
             WHERE id = ? AND status = ?",
            to,
            to,
            now,
            to,
            &scan.gate,
            now,
            &id,
            from
        )
        .execute(&mut *tx)
        .await
        .map_err(fault(what))?
        .rows_affected()
            == 1;
        let row = ticket_rows!("WHERE id = ?", &id)
            .fetch_optional(&mut *tx)
            .await
            .map_err(fault(what))?;
        let current = row.map(TicketRow::ticket).transpose().map_err(fault(what))?;
        let result = ScanResult::of(current, moved, scan.direction, now);
        let stored = serde_json::to_string(&result)
            .map_err(|e| fault(what)(sqlx::Error::Encode(e.into())))?;
        if let ScanResult::Admitted(t) | ScanResult::Exited(t) = &result {
            let checked = TicketCheckedIn {
                ticket_id: t.id,
                booking_id: t.booking_id,
                event_id: t.event_id,
                seat_id: t.seat_id.clone(),
                gate: scan.gate.clone(),
                direction: scan.direction.as_str().to_string(),
                staff_id: staff.to_string(),
                at: now,
                scanned_at: scan.scanned_at.unwrap_or(now),
            };
            let m = Envelope::new(t.event_id, now, Message::TicketCheckedIn(checked));
            announce(&mut tx, &[m], what, staff).await?;
        }
        let recorded = sqlx::query!(
            "INSERT INTO checkins (event_id, ticket_id, staff_id, gate, direction, nonce, result, answer, scanned_at, received_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            scan.event_id.to_string(),
            &id,
            staff,
            &scan.gate,
            scan.direction.as_str(),
            &scan.nonce,
            result.name(),
            &stored,
            scan.scanned_at.unwrap_or(now),
            now
        )
        .execute(&mut *tx)
        .await;
        match recorded {
            Ok(_) => {
                tx.commit().await.map_err(fault(what))?;
                Ok(Scanned::Answer(ScanAnswer { result, gate: scan.gate.clone(), at: now }))
            }
            // The same nonce, scanned at the same moment: that scan's answer is the answer.
            Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                tx.rollback().await.map_err(fault(what))?;
                let mut conn = self.pool.acquire().await.map_err(fault(what))?;
                let nonce = scan.nonce.as_deref().unwrap_or_default();
                replay(&mut conn, ticket, staff, nonce).await.map_err(fault(what))?.ok_or_else(
                    || {
                        crate::ports::BackendError::transient(
                            what,
                            anyhow::anyhow!("a racing scan's answer vanished"),
                        )
                    },
                )
            }
            Err(e) => Err(fault(what)(e)),
        }
    }

    async fn record_refusal(
        &self,
        scan: &Scan,
        staff: &str,
        refusal: &Refusal,
        now: DateTime<Utc>,
    ) -> BackendResult<()> {
        sqlx::query!(
            "INSERT IGNORE INTO checkins (event_id, ticket_id, staff_id, gate, direction, nonce, result, answer, scanned_at, received_at) \
             VALUES (?, NULL, ?, ?, ?, ?, ?, '', ?, ?)",
            scan.event_id.to_string(),
            staff,
            &scan.gate,
            scan.direction.as_str(),
            &scan.nonce,
            refusal.name(),
            scan.scanned_at.unwrap_or(now),
            now
        )
        .execute(&self.pool)
        .await
        .map_err(fault("recording a scan"))?;
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
        let what = "transferring a ticket";
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        let row = ticket_rows!("WHERE id = ? FOR UPDATE", ticket.to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(fault(what))?;
        let Some(old) = row.map(TicketRow::ticket).transpose().map_err(fault(what))? else {
            return Ok(Transferred::NotFound);
        };
        if old.holder_user_id != from {
            return Ok(Transferred::NotFound);
        }
        match old.status {
            TicketStatus::CheckedIn => return Ok(Transferred::CheckedIn),
            TicketStatus::Revoked => return Ok(Transferred::Revoked),
            TicketStatus::Valid => {}
        }
        sqlx::query!(
            "UPDATE tickets SET status = 'REVOKED', live = NULL, revoked_at = ?, updated_at = ?, version = version + 1 WHERE id = ?",
            now,
            now,
            ticket.to_string()
        )
        .execute(&mut *tx)
        .await
        .map_err(fault(what))?;
        sqlx::query!(
            "INSERT INTO tickets (id, booking_id, event_id, seat_id, holder_user_id, status, live, created_at, updated_at) \
             VALUES (?, ?, ?, ?, ?, 'VALID', 1, ?, ?)",
            new_id.to_string(),
            old.booking_id.to_string(),
            old.event_id.to_string(),
            &old.seat_id,
            to,
            now,
            now
        )
        .execute(&mut *tx)
        .await
        .map_err(fault(what))?;
        let transferred = TicketTransferred {
            ticket_id: old.id,
            new_ticket_id: new_id,
            booking_id: old.booking_id,
            event_id: old.event_id,
            seat_id: old.seat_id.clone(),
            from_user_id: from.to_string(),
            to_user_id: to.to_string(),
        };
        let m = Envelope::new(old.event_id, now, Message::TicketTransferred(transferred));
        announce(&mut tx, &[m], what, from).await?;
        tx.commit().await.map_err(fault(what))?;
        Ok(Transferred::Done(StoredTicket {
            id: new_id,
            holder_user_id: to.to_string(),
            status: TicketStatus::Valid,
            checked_in_at: None,
            checkin_gate: None,
            created_at: now,
            ..old
        }))
    }

    async fn changes(&self, event: Uuid, since: DateTime<Utc>) -> BackendResult<TicketChanges> {
        let what = "reading ticket changes";
        let rows = ticket_rows!(
            "WHERE event_id = ? AND updated_at >= ? AND status IN ('REVOKED', 'CHECKED_IN') ORDER BY updated_at, id",
            event.to_string(),
            // To the millisecond, as the column keeps it.
            since.format("%Y-%m-%d %H:%M:%S%.3f").to_string()
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault(what))?;
        let all = tickets(rows).map_err(fault(what))?;
        let (revoked, used) = all.into_iter().partition(|t| t.status == TicketStatus::Revoked);
        Ok(TicketChanges { revoked, used })
    }
}
