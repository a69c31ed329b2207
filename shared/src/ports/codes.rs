//! The codes of events (discount and access codes), kept by the system of record. A code's uses
//! are counted where its orders are: the booking store takes one in the transaction that books and
//! gives it back in the one that lets an unpaid booking go; the seat locks count the live holds.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::BackendResult;
use crate::domain::code::Code;
use crate::domain::reservation::Reservation;

/// What storing a new code came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    Made,
    /// The event has (or had) a code of that name.
    NameTaken,
    /// These of its seats are reserved by another live code already.
    SeatsReserved(Vec<String>),
}

#[async_trait]
pub trait CodeStore: Send + Sync {
    /// Stores a new code, made by `by`, unless the event has (or had) a code of that name or a
    /// live code of the event reserves some of its seats.
    async fn insert(&self, code: &Code, by: &str) -> BackendResult<Inserted>;
    /// When the event's presale opens: the earliest start (`validFrom`, else when it was made) of
    /// its access codes not deleted; `None` if it has none.
    async fn presale_opens(&self, event: Uuid) -> BackendResult<Option<DateTime<Utc>>>;
    /// The seats the event's live codes set aside at `now` (the lock structure's reservations).
    async fn live_reservations(
        &self,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<Reservation>>;
    /// The code of the event by its (upper-case) name, with its uses; `None` if unknown or deleted.
    async fn get(&self, event: Uuid, code: &str) -> BackendResult<Option<Code>>;
    /// The event's codes (not deleted) in name order after `after`, at most `limit`.
    async fn list(&self, event: Uuid, after: Option<&str>, limit: u32) -> BackendResult<Vec<Code>>;
    /// Takes the code off sale for good (holds and orders that took it keep it); `false` if it
    /// was unknown or deleted already.
    async fn delete(&self, event: Uuid, code: &str, now: DateTime<Utc>) -> BackendResult<bool>;
}
