//! Abuse limits: how many writes one user may make in a window.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::BackendResult;

/// What counting a request came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateDecision {
    Allowed,
    /// Over the limit: try again after this many milliseconds.
    Limited {
        retry_after_ms: u64,
    },
}

/// Per-user request counters (Redis): one atomic count per request.
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Counts a request of `user` at `now` against `limit` per `window_ms`.
    async fn count(
        &self,
        user: &str,
        limit: u32,
        window_ms: u64,
        now: DateTime<Utc>,
    ) -> BackendResult<RateDecision>;
}
