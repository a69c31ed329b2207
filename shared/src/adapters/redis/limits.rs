//! [`RateLimiter`] over Redis: a fixed-window counter per user (`rate:{<user>}:<window>`, its own
//! slot), counted and checked in one script, expiring with its window.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{fault, millis, RedisSeats};
use crate::ports::{BackendResult, RateDecision, RateLimiter};

#[async_trait]
impl RateLimiter for RedisSeats {
    async fn count(
        &self,
        user: &str,
        limit: u32,
        window_ms: u64,
        now: DateTime<Utc>,
    ) -> BackendResult<RateDecision> {
        let now_ms = millis(now).max(0) as u64;
        let window = now_ms / window_ms;
        let left = window_ms - now_ms % window_ms;
        let key = format!("{}rate:{{{user}}}:{window}", self.prefix);
        let wait: u64 = self
            .scripts
            .rate
            .key(key)
            .arg(limit)
            .arg(window_ms)
            .arg(left)
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(fault("counting a request"))?;
        Ok(if wait == 0 {
            RateDecision::Allowed
        } else {
            RateDecision::Limited { retry_after_ms: wait }
        })
    }
}
