//! History: every change to a booking or a seat, as the system of record wrote it.

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
    /// Records changes made elsewhere (holds and releases, in Redis's seat log), once each by id.
    async fn archive(&self, changes: &[Change]) -> BackendResult<()>;
}
