//! [`SeatLog`] over Redis: each event's stream of seat changes (written by the lock scripts) and
//! the relay's cursor in it.

use async_trait::async_trait;
use redis::AsyncCommands;
use uuid::Uuid;

use super::{fault, RedisSeats};
use crate::domain::MessageKind;
use crate::ports::{BackendError, BackendResult, SeatLog, SeatLogEntry};

/// A stream entry as the scripts write it (`type`, `at` in ms, `seats` joined by commas, and the
/// ids they know). An entry without a seat type or a time is an error (the scripts never write
/// one): it surfaces and stops the event's relay rather than publish a guess.
fn entry(event: Uuid, e: redis::streams::StreamId) -> BackendResult<SeatLogEntry> {
    let malformed = |what: &str| {
        BackendError::permanent(
            "reading the seat log",
            anyhow::anyhow!("entry {} of {event} has {what}", e.id),
        )
    };
    let field = |k: &str| -> BackendResult<Option<String>> {
        e.map
            .get(k)
            .map(redis::from_redis_value::<String>)
            .transpose()
            .map_err(|err| BackendError::permanent("reading the seat log", err))
    };
    let kind = field("type")?
        .as_deref()
        .and_then(MessageKind::parse)
        .filter(|k| k.seat_status().is_some())
        .ok_or_else(|| malformed("no seat type"))?;
    let at = field("at")?
        .and_then(|t| t.parse::<i64>().ok())
        .and_then(chrono::DateTime::from_timestamp_millis)
        .ok_or_else(|| malformed("no time"))?;
    let seats = field("seats")?.unwrap_or_default();
    Ok(SeatLogEntry {
        kind,
        at,
        seats: seats.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        hold_id: field("holdId")?,
        booking_id: field("bookingId")?,
        user_id: field("userId")?,
        position: e.id,
    })
}

#[async_trait]
impl SeatLog for RedisSeats {
    async fn entries(
        &self,
        event: Uuid,
        after: &str,
        count: usize,
    ) -> BackendResult<Vec<SeatLogEntry>> {
        let reply: redis::streams::StreamRangeReply = self
            .connection()
            .await?
            .xrange_count(self.log_key(event), format!("({after}"), "+", count)
            .await
            .map_err(fault("reading the seat log"))?;
        reply.ids.into_iter().map(|e| entry(event, e)).collect()
    }

    async fn cursor(&self, event: Uuid) -> BackendResult<String> {
        let at: Option<String> = self
            .connection()
            .await?
            .get(self.key("logpos", event, None))
            .await
            .map_err(fault("reading the log cursor"))?;
        Ok(at.unwrap_or_else(|| "0-0".to_string()))
    }

    async fn set_cursor(&self, event: Uuid, id: &str) -> BackendResult<()> {
        let () = self
            .connection()
            .await?
            .set(self.key("logpos", event, None), id)
            .await
            .map_err(fault("moving the log cursor"))?;
        Ok(())
    }
}
