//! History: changes written in the transaction of what they record (by the outbox's `enqueue`, in
//! the row of the message about a booking or seats that announces each; by [`record`] for blocks,
//! which no message announces), read back by booking or by seat, oldest first. Nothing here updates
//! or deletes a change. Holds and releases are not here: they are archived per attempt beside it
//! (`adapters::hold_history`).

use async_trait::async_trait;
use sqlx::mysql::{MySqlPool, MySqlRow};
use sqlx::query_builder::Separated;
use sqlx::{MySql, QueryBuilder, Row, Transaction};
use uuid::Uuid;

use super::{fault, uuid};
use crate::domain::history::{Change, MAX_CHANGES};
use crate::ports::{BackendResult, History};

/// Writes changes that no message announces (a block) in the caller's transaction, each in one row
/// with nothing to send, and each under every seat it touched. A change with a message is written
/// with it, in its row (`outbox::enqueue`).
pub(super) async fn record(
    tx: &mut Transaction<'_, MySql>,
    changes: &[Change],
) -> Result<(), sqlx::Error> {
    if changes.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::new(
        "INSERT INTO history (id, at, sent_at, event_id, booking_id, type, actor, data) ",
    );
    q.push_values(changes, |mut b, c| {
        b.push_bind(c.id.to_string()).push_bind(c.at).push_bind(c.at);
        push_change(b, Some(c));
    });
    q.build().execute(&mut **tx).await?;
    index_seats(tx, changes).await
}

/// Binds a row's change columns (`event_id, booking_id, type, actor, data`), all NULL for a message
/// that records no change.
pub(super) fn push_change<'args>(
    mut b: Separated<'_, 'args, MySql, &'static str>,
    c: Option<&Change>,
) {
    b.push_bind(c.map(|c| c.event_id.to_string()))
        .push_bind(c.and_then(|c| c.booking_id.map(|b| b.to_string())))
        .push_bind(c.map(|c| c.kind.clone()))
        .push_bind(c.map(|c| c.actor.clone()))
        .push_bind(c.map(|c| c.data.to_string()));
}

/// Writes each change under every seat it touched (`history_seats`), in the caller's transaction.
pub(super) async fn index_seats<'c>(
    tx: &mut Transaction<'_, MySql>,
    changes: impl IntoIterator<Item = &'c Change>,
) -> Result<(), sqlx::Error> {
    let seats: Vec<(&Change, &String)> =
        changes.into_iter().flat_map(|c| c.seats.iter().map(move |s| (c, s))).collect();
    if seats.is_empty() {
        return Ok(());
    }
    let mut q = QueryBuilder::new("INSERT INTO history_seats (event_id, seat_id, at, history_id) ");
    q.push_values(seats, |mut b, (c, seat)| {
        b.push_bind(c.event_id.to_string())
            .push_bind(seat)
            .push_bind(c.at)
            .push_bind(c.id.to_string());
    });
    q.build().execute(&mut **tx).await?;
    Ok(())
}

fn change_row(r: &MySqlRow) -> Result<Change, sqlx::Error> {
    let data: String = r.try_get("data")?;
    let booking: Option<String> = r.try_get("booking_id")?;
    Ok(Change {
        id: uuid(r, "id")?,
        event_id: uuid(r, "event_id")?,
        booking_id: booking
            .map(|b| Uuid::parse_str(&b).map_err(|e| sqlx::Error::Decode(Box::new(e))))
            .transpose()?,
        seats: Vec::new(),
        at: r.try_get("at")?,
        kind: r.try_get("type")?,
        actor: r.try_get("actor")?,
        data: serde_json::from_str(&data).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
    })
}

const CHANGE_COLUMNS: &str =
    "SELECT h.id, h.event_id, h.booking_id, h.at, h.type, h.actor, h.data FROM history h";

/// The [`History`] over one pool.
#[derive(Clone)]
pub struct MySqlHistory {
    pool: MySqlPool,
}

impl MySqlHistory {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlHistory { pool }
    }

    async fn read(&self, sql: &str, binds: &[String]) -> BackendResult<Vec<Change>> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q
            .bind(MAX_CHANGES as u32)
            .fetch_all(&self.pool)
            .await
            .map_err(fault("reading history"))?;
        rows.iter().map(change_row).collect::<Result<_, _>>().map_err(fault("decoding history"))
    }
}

#[async_trait]
impl History for MySqlHistory {
    async fn of_booking(&self, booking: Uuid) -> BackendResult<Vec<Change>> {
        self.read(
            &format!("{CHANGE_COLUMNS} WHERE h.booking_id = ? ORDER BY h.at, h.id LIMIT ?"),
            &[booking.to_string()],
        )
        .await
    }

    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>> {
        self.read(
            &format!(
                "{CHANGE_COLUMNS} JOIN history_seats s ON s.history_id = h.id \
                 WHERE s.event_id = ? AND s.seat_id = ? ORDER BY s.at, s.history_id LIMIT ?"
            ),
            &[event.to_string(), seat.to_string()],
        )
        .await
    }
}
