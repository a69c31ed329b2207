//! History: every change to a booking or a seat. What the system of record (MySQL) writes in the
//! transaction of the change, and the holds and releases, which live in Redis and are archived
//! where writes scale with attempts rather than sales ([`HoldHistory`]).

use async_trait::async_trait;
use uuid::Uuid;

use super::BackendResult;
use crate::domain::history::Change;

#[async_trait]
pub trait History: Send + Sync {
    /// The booking's changes, oldest first.
    async fn of_booking(&self, booking: Uuid) -> BackendResult<Vec<Change>>;
    /// The seat's changes, oldest first.
    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>>;
}

/// The holds and releases of seats (Redis's seat log, archived by the relay): one change per
/// attempt, won or lost, so ten or more per seat sold in an on-sale. They name seats, never a
/// booking.
#[async_trait]
pub trait HoldHistory: Send + Sync {
    /// The seat's holds and releases, oldest first.
    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>>;
    /// Records holds and releases, once each by id (a repeat writes the same record again).
    async fn archive(&self, changes: &[Change]) -> BackendResult<()>;
}
