//! [`Queue`] over Redis: one call of `queue.lua` per step, all keys of the event's queue beside its
//! seat map in one hash slot (`qmeta:{E}`, `qent:{E}`, `qadv:{E}`, `qadt:{E}`, `qdone:{E}`,
//! `qgone:{E}`, the caller's `qrate:{E}:<user>:<window>`), so admission reads the seats left in the
//! same atomic step. `queue-events` (its own slot) lists the events the schedule advances.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use uuid::Uuid;

use super::{fault, from_millis, millis, RedisSeats};
use crate::domain::queue::{Line, QueuePlace};
use crate::ports::{
    Advanced, BackendError, BackendResult, Queue, QueueAnswer, QueueTotals, RequestLimit,
};

const NO_LIMIT: RequestLimit = RequestLimit { requests: 0, window_ms: 1_000 };

impl RedisSeats {
    fn queue_events_key(&self) -> String {
        format!("{}queue-events", self.prefix)
    }

    /// Runs one step of `queue.lua`.
    async fn queue_step(
        &self,
        op: &str,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
        limit: RequestLimit,
    ) -> BackendResult<Vec<redis::Value>> {
        let event = line.event;
        let e = event.id;
        let now_ms = millis(now).max(0) as u64;
        let window_ms = limit.window_ms.max(1);
        let rate_key = self.key("qrate", e, Some(&format!("{user}:{}", now_ms / window_ms)));
        // A fresh random seed on every call (128 bits from the OS-seeded generator): whichever
        // call opens the queue makes its seed the shuffle's.
        let seed = format!("{:032x}", rand::random::<u128>());
        let room = event.waiting_room.unwrap_or(crate::domain::WaitingRoom {
            admit_per_minute: None,
            admission_ttl_seconds: crate::domain::event::DEFAULT_ADMISSION_TTL_SECONDS,
        });
        let mut inv = self.scripts.queue.prepare_invoke();
        // The presale's line keeps its own queue (`p`-prefixed keys) beside the same seat map.
        let p = if line.is_presale() { "p" } else { "" };
        for kind in ["qmeta", "qent", "qadv", "qadt", "qdone", "qgone"] {
            inv.key(self.key(&format!("{p}{kind}"), e, None));
        }
        for kind in ["held", "loaded"] {
            inv.key(self.key(kind, e, None));
        }
        inv.key(rate_key)
            .arg(op)
            .arg(now_ms)
            .arg(user)
            .arg(seed)
            .arg(millis(line.opens_at()))
            .arg(millis(line.closes_at()))
            .arg(event.seat_count)
            .arg(u64::from(room.admission_ttl_seconds) * 1000)
            .arg(room.admit_per_minute.unwrap_or(0))
            .arg(limit.requests)
            .arg(window_ms)
            .arg(window_ms - now_ms % window_ms);
        inv.invoke_async(&mut self.connection().await?).await.map_err(fault("a queue step"))
    }

    async fn queue_answer(
        &self,
        op: &str,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
        limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        let reply = self.queue_step(op, line, user, now, limit).await?;
        let bad = || {
            BackendError::permanent(
                "reading a queue entry",
                anyhow::anyhow!("unexpected reply {reply:?}"),
            )
        };
        let tag = reply.first().and_then(text).ok_or_else(bad)?;
        let int = |i: usize| reply.get(i).and_then(integer).ok_or_else(bad);
        Ok(match tag.as_str() {
            "none" => QueueAnswer::NotJoined,
            "closed" => QueueAnswer::Closed,
            "limited" => QueueAnswer::Limited { retry_after_ms: int(1)?.max(1) as u64 },
            "entry" => QueueAnswer::Place(QueuePlace {
                created: int(1)? == 1,
                joined_at: from_millis(int(2)?).ok_or_else(bad)?,
                position: u64::try_from(int(3)?).ok().filter(|p| *p > 0),
                served_up_to: int(4)?.max(0) as u64,
                sold_out: int(5)? == 1,
                admitted_at: Some(int(6)?).filter(|t| *t >= 0).and_then(from_millis),
                removed: int(7)? == 1,
            }),
            _ => return Err(bad()),
        })
    }

    /// The totals a `stats` or `progress` step answers.
    async fn queue_totals(
        &self,
        op: &str,
        line: Line<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<QueueTotals> {
        let reply = self.queue_step(op, line, "-", now, NO_LIMIT).await?;
        let n = |i: usize| reply.get(i).and_then(integer).unwrap_or(0).max(0) as u64;
        Ok(QueueTotals {
            joined: n(1),
            served_up_to: n(2),
            sold_out: n(3) == 1,
            admitted: n(4),
            opened: n(5) == 1,
        })
    }
}

fn text(v: &redis::Value) -> Option<String> {
    redis::from_redis_value(v).ok()
}

fn integer(v: &redis::Value) -> Option<i64> {
    redis::from_redis_value(v).ok()
}

#[async_trait]
impl Queue for RedisSeats {
    async fn join(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
        limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        self.queue_answer("join", line, user, now, limit).await
    }

    async fn poll(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
        limit: RequestLimit,
    ) -> BackendResult<QueueAnswer> {
        self.queue_answer("poll", line, user, now, limit).await
    }

    async fn check(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        self.queue_answer("check", line, user, now, NO_LIMIT).await
    }

    async fn revoke(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer> {
        self.queue_answer("revoke", line, user, now, NO_LIMIT).await
    }

    async fn advance(&self, line: Line<'_>, now: DateTime<Utc>) -> BackendResult<Advanced> {
        let reply = self.queue_step("advance", line, "-", now, NO_LIMIT).await?;
        let n = |i: usize| reply.get(i).and_then(integer).unwrap_or(0).max(0) as u64;
        Ok(Advanced {
            admitted: n(1),
            served_up_to: n(2),
            joined: n(3),
            sold_out: n(4) == 1,
            lapsed: n(5),
            changed: n(6) == 1,
        })
    }

    async fn totals(&self, line: Line<'_>, now: DateTime<Utc>) -> BackendResult<QueueTotals> {
        self.queue_totals("stats", line, now).await
    }

    async fn progress(&self, line: Line<'_>, now: DateTime<Utc>) -> BackendResult<QueueTotals> {
        self.queue_totals("progress", line, now).await
    }

    async fn register(&self, event: Uuid) -> BackendResult<()> {
        let mut c = self.connection().await?;
        let _: i64 = c
            .sadd(self.queue_events_key(), event.to_string())
            .await
            .map_err(fault("registering a queue"))?;
        Ok(())
    }

    async fn unregister(&self, event: Uuid) -> BackendResult<()> {
        let mut c = self.connection().await?;
        let _: i64 = c
            .srem(self.queue_events_key(), event.to_string())
            .await
            .map_err(fault("forgetting a queue"))?;
        Ok(())
    }

    async fn queued_events(&self) -> BackendResult<Vec<Uuid>> {
        let mut c = self.connection().await?;
        let ids: Vec<String> =
            c.smembers(self.queue_events_key()).await.map_err(fault("listing queues"))?;
        Ok(ids.iter().filter_map(|s| Uuid::parse_str(s).ok()).collect())
    }
}
