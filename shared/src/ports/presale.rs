//! Presale registrations and draws, kept by the system of record.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::BackendResult;
use crate::domain::presale::{Draw, Registration};
use crate::domain::{Contact, Envelope};

#[async_trait]
pub trait PresaleStore: Send + Sync {
    /// Registers the user once (a second call answers the first registration) with where to tell
    /// them; `true` if this call registered them.
    async fn register(
        &self,
        event: Uuid,
        user: &str,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> BackendResult<(Registration, bool)>;
    /// The user's registration and contact, if they registered.
    async fn registration(
        &self,
        event: Uuid,
        user: &str,
    ) -> BackendResult<Option<(Registration, Contact)>>;
    /// The registrants no draw has picked yet, at most `limit`.
    async fn entrants(&self, event: Uuid, limit: u32) -> BackendResult<Vec<String>>;
    /// Stores a draw in one step: its winners' codes, each winner's registration, the draw (with
    /// its seed) and the `outbox` messages; `false` (nothing written) if another draw picked one of
    /// the winners first.
    async fn record_draw(
        &self,
        event: Uuid,
        draw: &Draw,
        by: &str,
        now: DateTime<Utc>,
        outbox: &[Envelope],
    ) -> BackendResult<bool>;
}
