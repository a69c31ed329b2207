//! [`SeatLog`] over Redis: each event's stream of seat changes (written by the lock scripts) and
//! the relay's cursor in it.

use async_trait::async_trait;
use redis::AsyncCommands;
use uuid::Uuid;

use super::{fault, RedisSeats};
use crate::ports::{BackendError, BackendResult, SeatLog, SeatLogEntry};

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
        reply
            .ids
            .into_iter()
            .map(|e| {
                let fields = e
                    .map
                    .iter()
                    .map(|(k, v)| redis::from_redis_value::<String>(v).map(|v| (k.clone(), v)))
                    .collect::<Result<_, _>>()
                    .map_err(|err| BackendError::permanent("reading the seat log", err))?;
                Ok((e.id, fields))
            })
            .collect()
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
