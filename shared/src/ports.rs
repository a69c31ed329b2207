//! The traits the use cases need; `adapters` implements them for the real backends.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{Event, Hold, SeatStatus};

/// A backend that failed. `transient` faults (a broker or database not answering) are answered
/// 503 so that clients retry; the rest are 500. Either way nothing was half-written.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source:#}")]
pub struct BackendError {
    pub context: String,
    pub transient: bool,
    #[source]
    pub source: anyhow::Error,
}

impl BackendError {
    pub fn new(context: impl Into<String>, transient: bool, source: impl Into<anyhow::Error>) -> Self {
        BackendError { context: context.into(), transient, source: source.into() }
    }
}

pub type BackendResult<T> = Result<T, BackendError>;

/// Events, sections and seats in the system of record (MySQL).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores the event with all its sections and seats, all or nothing.
    async fn insert(&self, event: &Event) -> BackendResult<()>;
    async fn get(&self, id: Uuid) -> BackendResult<Option<Event>>;
    /// Events in creation order, after the cursor event if given.
    async fn list(&self, after: Option<Uuid>, limit: u32) -> BackendResult<Vec<Event>>;
    /// Seats the system of record says are taken, with their status, for rebuilding the lock
    /// structure after Redis lost it.
    async fn taken_seats(&self, event: Uuid) -> BackendResult<Vec<(String, SeatStatus)>>;
}

/// What an attempt to hold seats came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldOutcome {
    Held,
    /// Some seats are held or booked already: these ones. Nothing was held.
    Unavailable(Vec<String>),
    /// The user already has this many seats held or pending for the event. Nothing was held.
    OverLimit { current: u32 },
    /// The event's lock structure is not loaded (Redis lost it): load it and try again.
    NotLoaded,
}

/// A hold looked up by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldLookup {
    Live(Hold),
    /// It existed and lapsed by its TTL.
    Expired,
    /// Never existed, released, or long gone.
    Unknown,
}

/// Seats of one event that are not available, read in one step.
#[derive(Debug, Clone, Default)]
pub struct SeatSnapshot {
    pub taken: std::collections::HashMap<String, SeatStatus>,
}

/// Seat locks with TTL (Redis): the fast, all-or-nothing gate in front of the system of record.
#[async_trait]
pub trait SeatLocks: Send + Sync {
    /// Locks every seat of `hold` until `hold.expires_at`, or none; `cap` is the user's per-event
    /// limit of held plus pending seats.
    async fn hold(&self, hold: &Hold, cap: u32, now: DateTime<Utc>) -> BackendResult<HoldOutcome>;
    async fn get(&self, hold_id: Uuid) -> BackendResult<HoldLookup>;
    /// Moves the expiry of a live hold; `false` if it is gone.
    async fn extend(&self, hold: &Hold, expires_at: DateTime<Utc>) -> BackendResult<bool>;
    /// Frees the hold's seats; `false` if it was already gone.
    async fn release(&self, hold: &Hold, now: DateTime<Utc>) -> BackendResult<bool>;
    /// Taken seats of the event now; `None` if the lock structure is not loaded.
    async fn snapshot(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<SeatSnapshot>>;
    /// Loads the event's seats taken in the system of record into the lock structure.
    async fn load(&self, event: Uuid, taken: &[(String, SeatStatus)]) -> BackendResult<()>;
}
