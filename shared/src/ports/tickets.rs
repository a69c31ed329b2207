//! Tickets and scans in the system of record (MySQL). Tickets are written by the transaction that
//! confirms a booking and revoked by the one that cancels it (`BookingStore`); here they are read,
//! scanned and transferred, each change one transaction with a conditional write.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::BackendResult;
use crate::domain::ticket::{Refusal, Scan, Scanned, StoredTicket};

/// What a transfer came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transferred {
    /// The old ticket is REVOKED; this is the new one.
    Done(StoredTicket),
    /// Not the caller's ticket (or no such ticket).
    NotFound,
    CheckedIn,
    Revoked,
}

/// Changes of an event's tickets since a moment, for an offline scanner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TicketChanges {
    pub revoked: Vec<StoredTicket>,
    pub used: Vec<StoredTicket>,
}

#[async_trait]
pub trait TicketStore: Send + Sync {
    async fn get(&self, id: Uuid) -> BackendResult<Option<StoredTicket>>;
    async fn for_booking(&self, booking: Uuid) -> BackendResult<Vec<StoredTicket>>;
    /// A user's tickets (of one event if given), oldest first, after the cursor ticket.
    async fn for_holder(
        &self,
        user: &str,
        event: Option<Uuid>,
        after: Option<Uuid>,
        limit: u32,
    ) -> BackendResult<Vec<StoredTicket>>;
    /// Applies a scan of ticket `ticket` (its code checked already) by `staff`, recording it with
    /// its outcome: one transaction, the ticket changed by a conditional write, so that of two
    /// gates scanning one ticket at once exactly one admits it. A nonce `staff` used before answers
    /// with that scan's answer if it was of this ticket, and `NonceReused` if not.
    async fn scan(
        &self,
        ticket: Uuid,
        scan: &Scan,
        staff: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Scanned>;
    /// Records a scan that never reached a ticket (a bad code, another event's ticket).
    async fn record_refusal(
        &self,
        scan: &Scan,
        staff: &str,
        refusal: &Refusal,
        now: DateTime<Utc>,
    ) -> BackendResult<()>;
    /// Gives the VALID ticket of `from` to `to`: the old one REVOKED, a new one (id `new_id`) VALID.
    async fn transfer(
        &self,
        ticket: Uuid,
        from: &str,
        to: &str,
        new_id: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Transferred>;
    /// Tickets of the event revoked, and checked in, since `since`.
    async fn changes(&self, event: Uuid, since: DateTime<Utc>) -> BackendResult<TicketChanges>;
}
