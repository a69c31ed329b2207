//! The traits the use cases need, one job each; `adapters` implements them for the real backends
//! and `bootstrap` picks which. A use case names ports only, so it runs as well against fakes.

pub mod clock;
pub mod codes;
pub mod history;
pub mod inventory;
pub mod limits;
pub mod messaging;
pub mod orders;
pub mod presale;
pub mod queue;
pub mod tickets;
pub mod waitlist;

pub use clock::Clock;
pub use codes::{CodeStore, Inserted};
pub use history::{History, HoldHistory};
pub use inventory::{
    BlockOutcome, Blocks, Cancellations, EventStore, Given, HoldLookup, HoldOutcome, HoldRef,
    LiveUse, Released, SeatClosing, SeatHolds, SeatLog, SeatLogEntry, SeatMap, SeatSnapshot,
    SeatSweep, TakenSeat,
};
pub use limits::{RateDecision, RateLimiter};
pub use messaging::{
    ActionClaims, Connections, Notifier, Outbox, OutboxMessage, Publisher, Pushed, Pusher,
    Watermarks,
};
pub use orders::{
    BookingStore, Cancelled, CreateOutcome, IdempotencyStore, KeyClaim, NewPayment,
    PaymentProvider, PaymentStore, ProviderCharge, ProviderRefund, Settled, StoredResponse,
    WebhookReceipt,
};
pub use presale::PresaleStore;
pub use queue::{Advanced, Queue, QueueAnswer, QueueTotals, RequestLimit};
pub use tickets::{TicketChanges, TicketStore, Transferred};
pub use waitlist::Waitlist;

pub use crate::domain::message::LogPosition;

/// What kind of failure a backend had, which decides the answer: a retry may fix a
/// [`Fault::Transient`] one (503 with `Retry-After`), a [`Fault::Contended`] one is other requests
/// changing the same rows through every retry (409), a [`Fault::Permanent`] one is a bug or a
/// broken backend (500). Either way nothing was half-written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Transient,
    Contended,
    Permanent,
}

/// A backend that failed, what was being done, and why.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source:#}")]
pub struct BackendError {
    pub context: String,
    pub fault: Fault,
    #[source]
    pub source: anyhow::Error,
}

impl BackendError {
    pub fn new(context: impl Into<String>, fault: Fault, source: impl Into<anyhow::Error>) -> Self {
        BackendError { context: context.into(), fault, source: source.into() }
    }

    /// A backend not answering, or answering late: worth a retry.
    pub fn transient(context: impl Into<String>, source: impl Into<anyhow::Error>) -> Self {
        BackendError::new(context, Fault::Transient, source)
    }

    /// Retries ran out against concurrent changes of the same rows.
    pub fn contended(context: impl Into<String>, source: impl Into<anyhow::Error>) -> Self {
        BackendError::new(context, Fault::Contended, source)
    }

    /// Anything a retry does not fix: a value the backend should never hold, a refused query.
    pub fn permanent(context: impl Into<String>, source: impl Into<anyhow::Error>) -> Self {
        BackendError::new(context, Fault::Permanent, source)
    }

    pub fn is_transient(&self) -> bool {
        self.fault == Fault::Transient
    }
}

pub type BackendResult<T> = Result<T, BackendError>;
