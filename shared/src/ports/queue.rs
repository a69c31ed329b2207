//! The waiting room's state (Redis in front of the hold path): joins, polls, admission, and the
//! checks an access pass goes through.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::BackendResult;
use crate::domain::queue::{Line, QueuePlace};

/// What a queue step found for one user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueAnswer {
    Place(QueuePlace),
    /// The user never joined this event's queue.
    NotJoined,
    /// Too many queue requests from the user in this window; nothing was done.
    Limited {
        retry_after_ms: u64,
    },
    /// Joining has closed (the sales window ended).
    Closed,
}

/// The per-user limit of joins and polls: `requests` a window of `window_ms` (0: none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLimit {
    pub requests: u32,
    pub window_ms: u64,
}

/// What one admission step did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Advanced {
    /// Positions admitted since the step before (by it, or by joins and polls in between).
    pub admitted: u64,
    pub served_up_to: u64,
    pub joined: u64,
    pub sold_out: bool,
    /// Access windows that closed since the step before.
    pub lapsed: u64,
    /// `served_up_to` or `sold_out` changed since the step before: entries read differently.
    pub changed: bool,
}

/// The queue's totals (admin stats).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueTotals {
    pub joined: u64,
    pub served_up_to: u64,
    pub sold_out: bool,
    /// Admitted entries whose access window is open.
    pub admitted: u64,
    /// The opening's shuffle has happened.
    pub opened: bool,
}

/// One waiting room per event, of one or two lines (the presale's beside the general sale's),
/// each step atomic; any step at or after a line's opening may be the one that opens it (draws
/// the shuffle's seed).
#[async_trait]
pub trait Queue: Send + Sync {
    /// Joins the user (once; later joins read the same entry), advancing admission first.
    async fn join(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
        limit: RequestLimit,
    ) -> BackendResult<QueueAnswer>;
    /// The user's entry, advancing admission first.
    async fn poll(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
        limit: RequestLimit,
    ) -> BackendResult<QueueAnswer>;
    /// The user's entry as it stands (no admission step, no limit): an access pass's check.
    async fn check(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer>;
    /// Removes an admitted user: their access pass no longer works.
    async fn revoke(
        &self,
        line: Line<'_>,
        user: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<QueueAnswer>;
    /// Admits as many as the seats left (and the rate cap) allow. The schedule's step; joins and
    /// polls admit too, so that admission keeps pace with the crowd.
    async fn advance(&self, line: Line<'_>, now: DateTime<Utc>) -> BackendResult<Advanced>;
    async fn totals(&self, line: Line<'_>, now: DateTime<Utc>) -> BackendResult<QueueTotals>;
    /// The totals after an admission step (the public progress document's read, a second apart
    /// per instance): joins and polls are not the only calls that admit once the crowd polls this.
    async fn progress(&self, line: Line<'_>, now: DateTime<Utc>) -> BackendResult<QueueTotals>;
    /// Remembers that the event has a queue the schedule advances.
    async fn register(&self, event: Uuid) -> BackendResult<()>;
    /// Forgets it (its sales ended).
    async fn unregister(&self, event: Uuid) -> BackendResult<()>;
    /// Events with a queue.
    async fn queued_events(&self) -> BackendResult<Vec<Uuid>>;
}
