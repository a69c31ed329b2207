//! The transactional outbox: messages written in the transaction of the change they announce, in
//! the row of `history` that records it (one insert for both), relayed to Kafka afterwards. The
//! relay claims rows for a while (`claimed_until`, taken with `SKIP LOCKED` so that concurrent
//! relays split the work) and commits at once; the send happens outside any transaction, then the
//! sent rows are marked. A relay that dies leaves its claim to lapse; the rows are sent again and
//! consumers drop the repeats by id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::MySqlPool;
use sqlx::{MySql, QueryBuilder, Transaction};

use super::{fault, in_list, Abort};
use crate::domain::history::Change;
use crate::domain::Envelope;
use crate::ports::{BackendError, BackendResult, Outbox, OutboxMessage};

/// Writes the messages in the caller's transaction, each in one row of `history` with the change it
/// records (made by `actor`), if any, and then each change under its seats. A message that does not
/// serialize is an error: an empty payload is never stored.
pub(super) async fn enqueue(
    tx: &mut Transaction<'_, MySql>,
    messages: &[Envelope],
    actor: &str,
) -> Result<(), Abort> {
    if messages.is_empty() {
        return Ok(());
    }
    let rows = messages
        .iter()
        .map(|m| Ok((m, serde_json::to_string(m)?, Change::of(m, actor))))
        .collect::<Result<Vec<_>, serde_json::Error>>()
        .map_err(|e| Abort::Fail(BackendError::permanent("serializing outbox messages", e)))?;
    let mut q = QueryBuilder::new(
        "INSERT INTO history (id, topic, msg_key, payload, at, event_id, booking_id, type, actor, data) ",
    );
    q.push_values(&rows, |mut b, (m, payload, change)| {
        b.push_bind(m.id.to_string())
            .push_bind(m.topic())
            .push_bind(&m.key)
            .push_bind(payload)
            .push_bind(m.occurred_at);
        super::history::push_change(b, change.as_ref());
    });
    q.build().execute(&mut **tx).await?;
    super::history::index_seats(tx, rows.iter().filter_map(|(_, _, c)| c.as_ref())).await?;
    Ok(())
}

/// Writes a transaction's messages and their history ([`enqueue`], all at once however many
/// steps put them in), then commits.
pub(super) async fn commit(
    mut tx: Transaction<'_, MySql>,
    messages: &[Envelope],
    actor: &str,
) -> Result<(), Abort> {
    enqueue(&mut tx, messages, actor).await?;
    tx.commit().await?;
    Ok(())
}

/// The [`Outbox`] over one pool.
#[derive(Clone)]
pub struct MySqlOutbox {
    pool: MySqlPool,
}

impl MySqlOutbox {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlOutbox { pool }
    }
}

#[async_trait]
impl Outbox for MySqlOutbox {
    async fn claim(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> BackendResult<Vec<OutboxMessage>> {
        // READ COMMITTED: lock only the rows claimed, not the gap where new rows go, so bookings
        // never wait for the relay.
        let mut conn = self.pool.acquire().await.map_err(fault("claiming outbox rows"))?;
        sqlx::query!("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            .execute(&mut *conn)
            .await
            .map_err(fault("claiming outbox rows"))?;
        let mut tx =
            sqlx::Connection::begin(&mut *conn).await.map_err(fault("claiming outbox rows"))?;
        let rows = sqlx::query!(
            "SELECT seq, topic AS \"topic!\", msg_key AS \"msg_key!\", payload AS \"payload!\" FROM history WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?) \
             ORDER BY seq LIMIT ? FOR UPDATE SKIP LOCKED",
            now,
            limit
        )
        .fetch_all(&mut *tx)
        .await
        .map_err(fault("reading the outbox"))?;
        let claimed: Vec<OutboxMessage> = rows
            .into_iter()
            .map(|r| OutboxMessage {
                seq: r.seq,
                topic: r.topic,
                key: r.msg_key,
                payload: r.payload,
            })
            .collect();
        if !claimed.is_empty() {
            let mut q = QueryBuilder::new("UPDATE history SET claimed_until = ");
            q.push_bind(until).push(" WHERE seq IN ");
            in_list(&mut q, claimed.iter().map(|m| m.seq));
            q.build().execute(&mut *tx).await.map_err(fault("claiming outbox rows"))?;
        }
        tx.commit().await.map_err(fault("claiming outbox rows"))?;
        Ok(claimed)
    }

    async fn mark_sent(&self, seqs: &[u64], now: DateTime<Utc>) -> BackendResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut q = QueryBuilder::new("UPDATE history SET sent_at = ");
        q.push_bind(now).push(" WHERE seq IN ");
        in_list(&mut q, seqs.iter().copied());
        q.build().execute(&self.pool).await.map_err(fault("marking the outbox sent"))?;
        Ok(())
    }

    async fn unclaim(&self, seqs: &[u64]) -> BackendResult<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut q = QueryBuilder::new(
            "UPDATE history SET claimed_until = NULL WHERE sent_at IS NULL AND seq IN ",
        );
        in_list(&mut q, seqs.iter().copied());
        q.build().execute(&self.pool).await.map_err(fault("giving outbox rows back"))?;
        Ok(())
    }
}
