//! The waitlist in the system of record: entries in the order they joined, each moved by one
//! conditional write (an offer only to a WAITING entry, a lapse only of the offer it made).

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::BackendResult;
use crate::domain::waitlist::{Offer, WaitlistEntry};
use crate::domain::Envelope;

#[async_trait]
pub trait Waitlist: Send + Sync {
    /// Puts the user in line (at the back); an open entry (WAITING, OFFERED) stays as it is.
    /// Returns the entry and whether it is new.
    async fn join(&self, entry: &WaitlistEntry) -> BackendResult<(WaitlistEntry, bool)>;
    async fn get(&self, event: Uuid, user: &str) -> BackendResult<Option<WaitlistEntry>>;
    /// Takes an open entry out of line (LEFT); the entry as it was, if it was open.
    async fn leave(
        &self,
        event: Uuid,
        user: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<WaitlistEntry>>;
    /// The oldest WAITING entries of the event.
    async fn waiting(&self, event: Uuid, limit: u32) -> BackendResult<Vec<WaitlistEntry>>;
    /// Records the offer if the entry is still WAITING, with `notice` in the outbox; `false` if not.
    async fn offer(
        &self,
        event: Uuid,
        user: &str,
        offer: &Offer,
        notice: &Envelope,
        now: DateTime<Utc>,
    ) -> BackendResult<bool>;
    /// OFFERED entries whose offer expired before `now`.
    async fn lapsed(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<WaitlistEntry>>;
    /// Marks the entry EXPIRED if it still holds that offer; whether it did.
    async fn expire(
        &self,
        event: Uuid,
        user: &str,
        hold: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<bool>;
    /// Events with WAITING entries.
    async fn events_waiting(&self, limit: u32) -> BackendResult<Vec<Uuid>>;
}
