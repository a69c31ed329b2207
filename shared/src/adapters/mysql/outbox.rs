//! The transactional outbox: messages written in the transaction of the change they announce,
//! relayed to Kafka afterwards. The relay claims rows for a while (`claimed_until`, taken with
//! `SKIP LOCKED` so that concurrent relays split the work) and commits at once; the send happens
//! outside any transaction, then the sent rows are marked. A relay that dies leaves its claim to
//! lapse; the rows are sent again and consumers drop the repeats by id.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::MySqlPool;
use sqlx::{MySql, QueryBuilder, Transaction};

use super::{fault, in_list, Abort};
use crate::domain::history::Change;
use crate::domain::Envelope;
use crate::ports::{BackendError, BackendResult, Outbox, OutboxMessage};

/// Writes outbox rows in the caller's transaction, and the history of what they announce (made by
/// `actor`). A message that does not serialize is an error: an empty payload is never stored.
pub(super) async fn enqueue(
    tx: &mut Transaction<'_, MySql>,
    messages: &[Envelope],
    actor: &str,
) -> Result<(), Abort> {
    if messages.is_empty() {
        return Ok(());
    }
    let changes: Vec<Change> = messages.iter().filter_map(|m| Change::of(m, actor)).collect();
    super::history::record(tx, &changes).await?;
    let payloads = messages
        .iter()
        .map(serde_json::to_string)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Abort::Fail(BackendError::permanent("serializing outbox messages", e)))?;
    let mut q = QueryBuilder::new("INSERT INTO outbox (id, topic, msg_key, payload, created_at) ");
    q.push_values(messages.iter().zip(&payloads), |mut b, (m, payload)| {
        b.push_bind(m.id.to_string())
            .push_bind(m.topic())
            .push_bind(&m.key)
            .push_bind(payload)
            .push_bind(m.occurred_at);
    });
    q.build().execute(&mut **tx).await?;
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
            "SELECT seq, topic, msg_key, payload FROM outbox WHERE sent_at IS NULL AND (claimed_until IS NULL OR claimed_until < ?) \
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
            let mut q = QueryBuilder::new("UPDATE outbox SET claimed_until = ");
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
        let mut q = QueryBuilder::new("UPDATE outbox SET sent_at = ");
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
            "UPDATE outbox SET claimed_until = NULL WHERE sent_at IS NULL AND seq IN ",
        );
        in_list(&mut q, seqs.iter().copied());
        q.build().execute(&self.pool).await.map_err(fault("giving outbox rows back"))?;
        Ok(())
    }
}
