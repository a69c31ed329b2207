//! Codes of events: made, read with their use counts, listed and deleted; and the steps a booking's
//! transaction takes on them (a use taken with the booking, given back when it leaves unpaid), each
//! with its row in `code_uses`, the codes' history.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::mysql::MySqlPool;
use sqlx::{MySql, MySqlConnection, Transaction};
use uuid::Uuid;

use super::{duplicate_key, fault, parse_status, parse_uuid};
use crate::domain::code::{Code, CodeKind};
use crate::domain::reservation::{self, Reservation};
use crate::domain::Booking;
use crate::ports::{BackendResult, CodeStore, Inserted};

/// The [`CodeStore`] over one pool.
#[derive(Clone)]
pub struct MySqlCodes {
    pool: MySqlPool,
}

impl MySqlCodes {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlCodes { pool }
    }
}

/// `sqlx::query_as!` of [`CodeRow`]s: the columns a code is read from (written out: the macro
/// takes literals only), then the rest of the query, checked against the schema at compile time.
macro_rules! code_rows {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            CodeRow,
            "SELECT event_id, code, CAST(kind AS CHAR) AS `kind!`, max_uses, used, percent_off, \
             amount_off_cents, max_tickets_per_use, valid_from, valid_until, sections, \
             reserved_seat_ids, reserved_sections, reserved_seats, created_at FROM event_codes " + $rest
            $(, $arg)*
        )
    };
}

/// An `event_codes` row as stored.
#[derive(Debug, sqlx::FromRow)]
struct CodeRow {
    event_id: String,
    code: String,
    kind: String,
    max_uses: u32,
    used: u32,
    percent_off: Option<u16>,
    amount_off_cents: Option<i64>,
    max_tickets_per_use: Option<u32>,
    valid_from: Option<NaiveDateTime>,
    valid_until: Option<NaiveDateTime>,
    sections: Option<String>,
    reserved_seat_ids: Option<String>,
    reserved_sections: Option<String>,
    reserved_seats: Option<String>,
    created_at: NaiveDateTime,
}

/// A JSON array column's list (`None`: NULL).
fn list(column: Option<String>) -> Result<Option<Vec<String>>, sqlx::Error> {
    column
        .map(|v| serde_json::from_str(&v).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// A list as a JSON array column.
fn column(list: Option<&Vec<String>>) -> Option<String> {
    list.map(|s| serde_json::json!(s).to_string())
}

impl CodeRow {
    fn code(self) -> Result<Code, sqlx::Error> {
        Ok(Code {
            event_id: parse_uuid(&self.event_id)?,
            code: self.code,
            kind: parse_status("kind", &self.kind, CodeKind::parse)?,
            max_uses: self.max_uses,
            used: self.used,
            percent_off: self.percent_off.map(u32::from),
            amount_off_cents: self.amount_off_cents,
            max_tickets_per_use: self.max_tickets_per_use,
            valid_from: self.valid_from.map(|t| t.and_utc()),
            valid_until: self.valid_until.map(|t| t.and_utc()),
            sections: list(self.sections)?,
            reserved_seat_ids: list(self.reserved_seat_ids)?,
            reserved_sections: list(self.reserved_sections)?,
            reserved: list(self.reserved_seats)?.unwrap_or_default(),
            created_at: self.created_at.and_utc(),
        })
    }
}

#[async_trait]
impl CodeStore for MySqlCodes {
    async fn insert(&self, code: &Code, by: &str) -> BackendResult<Inserted> {
        let what = "storing a code";
        let mut tx = self.pool.begin().await.map_err(fault(what))?;
        if !code.reserved.is_empty() {
            // Codes that reserve seats are made one at a time per event (the event's row lock), so
            // two never set aside the same seat.
            sqlx::query!(
                "SELECT id FROM events WHERE id = ? FOR UPDATE",
                code.event_id.to_string()
            )
            .fetch_optional(&mut *tx)
            .await
            .map_err(fault(what))?;
            let live = live_reservations(&mut tx, code.event_id, code.created_at)
                .await
                .map_err(fault(what))?;
            let clash = reservation::clashes(live, &code.reserved);
            if !clash.is_empty() {
                return Ok(Inserted::SeatsReserved(clash));
            }
        }
        match insert_code(&mut tx, code, by).await {
            Ok(()) => {}
            Err(e) if duplicate_key(&e) => return Ok(Inserted::NameTaken),
            Err(e) => return Err(fault(what)(e)),
        }
        tx.commit().await.map_err(fault(what))?;
        Ok(Inserted::Made)
    }

    async fn presale_opens(&self, event: Uuid) -> BackendResult<Option<DateTime<Utc>>> {
        let opens = sqlx::query_scalar!(
            "SELECT MIN(COALESCE(valid_from, created_at)) FROM event_codes \
             WHERE event_id = ? AND kind = 'ACCESS' AND deleted_at IS NULL",
            event.to_string()
        )
        .fetch_one(&self.pool)
        .await
        .map_err(fault("reading the presale's opening"))?;
        Ok(opens.map(|t| t.and_utc()))
    }

    async fn live_reservations(
        &self,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<Reservation>> {
        let mut conn = self.pool.acquire().await.map_err(fault("reading reservations"))?;
        live_reservations(&mut conn, event, now).await.map_err(fault("reading reservations"))
    }

    async fn get(&self, event: Uuid, code: &str) -> BackendResult<Option<Code>> {
        code_rows!(
            "WHERE event_id = ? AND code = ? AND deleted_at IS NULL",
            event.to_string(),
            code
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(fault("reading a code"))?
        .map(CodeRow::code)
        .transpose()
        .map_err(fault("decoding a code"))
    }

    async fn list(&self, event: Uuid, after: Option<&str>, limit: u32) -> BackendResult<Vec<Code>> {
        code_rows!(
            "WHERE event_id = ? AND code > ? AND deleted_at IS NULL ORDER BY code LIMIT ?",
            event.to_string(),
            after.unwrap_or(""),
            limit
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("listing codes"))?
        .into_iter()
        .map(CodeRow::code)
        .collect::<Result<_, _>>()
        .map_err(fault("decoding codes"))
    }

    async fn delete(&self, event: Uuid, code: &str, now: DateTime<Utc>) -> BackendResult<bool> {
        let done = sqlx::query!(
            "UPDATE event_codes SET deleted_at = ? WHERE event_id = ? AND code = ? AND deleted_at IS NULL",
            now,
            event.to_string(),
            code
        )
        .execute(&self.pool)
        .await
        .map_err(fault("deleting a code"))?;
        Ok(done.rows_affected() == 1)
    }
}

/// Stores a new code (a duplicate name is a duplicate-key error).
pub(super) async fn insert_code(
    conn: &mut MySqlConnection,
    code: &Code,
    by: &str,
) -> Result<(), sqlx::Error> {
    let reserved = (!code.reserved.is_empty()).then_some(&code.reserved);
    sqlx::query!(
        "INSERT INTO event_codes (event_id, code, kind, max_uses, percent_off, amount_off_cents, \
         max_tickets_per_use, valid_from, valid_until, sections, reserved_seat_ids, \
         reserved_sections, reserved_seats, created_by, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        code.event_id.to_string(),
        code.code,
        code.kind.as_str(),
        code.max_uses,
        code.percent_off,
        code.amount_off_cents,
        code.max_tickets_per_use,
        code.valid_from,
        code.valid_until,
        column(code.sections.as_ref()),
        column(code.reserved_seat_ids.as_ref()),
        column(code.reserved_sections.as_ref()),
        column(reserved),
        by,
        code.created_at,
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The seats the event's live codes (not deleted, not ended at `now`) set aside.
async fn live_reservations(
    conn: &mut MySqlConnection,
    event: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<Reservation>, sqlx::Error> {
    let rows = sqlx::query!(
        "SELECT code, valid_until AS `valid_until!`, reserved_seats AS `reserved_seats!` \
         FROM event_codes WHERE event_id = ? AND deleted_at IS NULL AND valid_until > ? \
         AND reserved_seats IS NOT NULL",
        event.to_string(),
        now
    )
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(Reservation {
                code: r.code,
                until: r.valid_until.and_utc(),
                seats: list(Some(r.reserved_seats))?.unwrap_or_default(),
            })
        })
        .collect()
}

/// Takes a use of the booking's code in its transaction; `false` if every use is taken (the final
/// guard: the seat locks count holds, this counts orders, PENDING and CONFIRMED).
pub(super) async fn take_use(
    tx: &mut Transaction<'_, MySql>,
    b: &Booking,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let Some(code) = &b.code else { return Ok(true) };
    let taken = sqlx::query!(
        "UPDATE event_codes SET used = used + 1 WHERE event_id = ? AND code = ? AND used < max_uses",
        b.event_id.to_string(),
        code
    )
    .execute(&mut **tx)
    .await?;
    if taken.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query!(
        "INSERT INTO code_uses (booking_id, event_id, code, taken_at) VALUES (?, ?, ?, ?)",
        b.id.to_string(),
        b.event_id.to_string(),
        code,
        now
    )
    .execute(&mut **tx)
    .await?;
    Ok(true)
}

/// Gives back the use of a booking's code in the transaction that lets the unpaid booking go.
pub(super) async fn give_back_use(
    tx: &mut Transaction<'_, MySql>,
    b: &Booking,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let Some(code) = &b.code else { return Ok(()) };
    let back = sqlx::query!(
        "UPDATE code_uses SET given_back_at = ? WHERE booking_id = ? AND given_back_at IS NULL",
        now,
        b.id.to_string()
    )
    .execute(&mut **tx)
    .await?;
    if back.rows_affected() == 1 {
        sqlx::query!(
            "UPDATE event_codes SET used = used - 1 WHERE event_id = ? AND code = ? AND used > 0",
            b.event_id.to_string(),
            code
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
