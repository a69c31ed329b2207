//! The traits the use cases need; `adapters` implements them for the real backends.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{Booking, BookingStatus, Envelope, Event, Hold, Payment, SeatStatus};

/// A backend that failed. `transient` faults (a broker or database not answering) are answered
/// 503 so that clients retry; the rest are 500. Either way nothing was half-written.
#[derive(Debug, thiserror::Error)]
#[error("{context}: {source:#}")]
pub struct BackendError {
    pub context: String,
    pub transient: bool,
    /// Other requests kept changing the same rows through every retry: answered 409, not 5xx.
    pub contended: bool,
    #[source]
    pub source: anyhow::Error,
}

impl BackendError {
    pub fn new(context: impl Into<String>, transient: bool, source: impl Into<anyhow::Error>) -> Self {
        BackendError { context: context.into(), transient, contended: false, source: source.into() }
    }

    /// Retries ran out against concurrent changes of the same rows.
    pub fn contended(context: impl Into<String>, source: impl Into<anyhow::Error>) -> Self {
        BackendError { contended: true, ..BackendError::new(context, false, source) }
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
    /// Seats the system of record says are taken, for rebuilding the lock structure after Redis
    /// lost it.
    async fn taken_seats(&self, event: Uuid) -> BackendResult<Vec<TakenSeat>>;
}

/// A seat a live booking has in MySQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenSeat {
    pub seat: String,
    pub status: SeatStatus,
    /// The booking that has it.
    pub booking: Option<Uuid>,
    /// That booking's user: a pending booking's seats count toward their seat cap.
    pub user: Option<String>,
    /// The payment deadline of a pending booking; `None` once booked.
    pub until: Option<DateTime<Utc>>,
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
    /// Hands a live hold's locks to a pending booking until its payment deadline; `false` if the
    /// hold is gone or lost a lock.
    async fn claim(&self, hold: &Hold, booking: Uuid, deadline: DateTime<Utc>) -> BackendResult<bool>;
    /// Marks a confirmed booking's seats booked for good (they leave the user's cap).
    async fn mark_booked(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()>;
    /// Frees the seats a booking still locks (cancelled, expired, or never committed).
    async fn free_booking(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()>;
    /// Taken seats of the event now; `None` if the lock structure is not loaded.
    async fn snapshot(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<SeatSnapshot>>;
    /// How many seats are held and how many booked now, without listing them (O(log n));
    /// `None` if the lock structure is not loaded.
    async fn counts(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<(u32, u32)>>;
    /// Events that have had holds since they were last swept clean.
    async fn active_events(&self) -> BackendResult<Vec<Uuid>>;
    /// Announces the event's holds that lapsed by their TTL (a SeatsReleased entry in its seat
    /// log) and takes them off the map; returns how many seats.
    async fn reap(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<usize>;
    /// Seat-log entries of the event after `after` (a stream id), oldest first, at most `count`:
    /// (stream id, fields).
    async fn seat_log(&self, event: Uuid, after: &str, count: usize) -> BackendResult<Vec<(String, Vec<(String, String)>)>>;
    /// Where the relay of the event's seat log got to, and moving it on.
    async fn log_cursor(&self, event: Uuid) -> BackendResult<String>;
    async fn set_log_cursor(&self, event: Uuid, id: &str) -> BackendResult<()>;
    /// Loads the event's seats taken in the system of record into the lock structure.
    async fn load(&self, event: Uuid, taken: &[TakenSeat]) -> BackendResult<()>;
}

/// What committing a new booking came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    /// These seats are not AVAILABLE in MySQL (another live booking has them). Nothing was written.
    SeatsTaken(Vec<String>),
}

/// What settling a payment did.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The payment succeeded and confirmed its booking.
    Confirmed(Booking),
    /// The payment succeeded but its booking was no longer payable: the payment is REFUNDED.
    Refunded(Booking),
    /// The payment failed; the booking stays as it was.
    Failed,
    /// It was settled already (or the webhook event was applied before): nothing changed.
    Unchanged,
}

/// Bookings and payments in the system of record (MySQL). Each method is one short transaction
/// that locks rows in a fixed order and writes its outbox messages with its change.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Takes the seats (versioned rows, checked and bumped) and writes the booking.
    async fn create(&self, booking: &Booking, outbox: &[Envelope]) -> BackendResult<CreateOutcome>;
    async fn get(&self, id: Uuid) -> BackendResult<Option<Booking>>;
    /// A user's bookings, newest first, before the cursor booking if given.
    async fn list_for_user(&self, user: &str, status: Option<BookingStatus>, before: Option<Uuid>, limit: u32) -> BackendResult<Vec<Booking>>;
    /// Moves a booking to `to` if it still has `from`: seats follow (BOOKED when confirmed,
    /// AVAILABLE when cancelled or expired), and its SUCCEEDED payments become REFUNDED when it is
    /// cancelled. `None` if the booking changed meanwhile; else the booking and the refunded payments.
    async fn transition(&self, id: Uuid, from: BookingStatus, to: BookingStatus, now: DateTime<Utc>) -> BackendResult<Option<(Booking, Vec<Payment>)>>;
    /// Pending bookings past their deadline, oldest first.
    async fn due_for_expiry(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Uuid>>;
    /// Records a PROCESSING payment, unless its booking is no longer PENDING or has a payment
    /// PROCESSING or SUCCEEDED already (one payment in flight per booking: the booking row is
    /// locked while this is checked).
    async fn insert_payment(&self, payment: &Payment, method: &str) -> BackendResult<NewPayment>;
    async fn get_payment(&self, id: Uuid) -> BackendResult<Option<Payment>>;
    /// Payments still PROCESSING that were created before `before`, oldest first, with their method.
    async fn stale_payments(&self, before: DateTime<Utc>, limit: u32) -> BackendResult<Vec<(Payment, String)>>;
    /// Settles a PROCESSING payment: SUCCEEDED confirms a PENDING booking in the same transaction;
    /// a success for a booking no longer pending is refunded. With `webhook`, the provider event id
    /// is recorded in the same transaction so that it takes effect once.
    async fn settle_payment(&self, id: Uuid, outcome: &crate::domain::ChargeOutcome, webhook: Option<(&str, &str)>, now: DateTime<Utc>) -> BackendResult<Settled>;
    /// Applies a refund the provider made (`refund.succeeded`), once per webhook event: a SUCCEEDED
    /// payment becomes REFUNDED, and the CONFIRMED booking it paid for is cancelled with it (its
    /// seats AVAILABLE again) in the same transaction: money back never leaves the seats sold.
    async fn refund_payment(&self, id: Uuid, webhook: (&str, &str), now: DateTime<Utc>) -> BackendResult<ProviderRefund>;
}

/// What recording a new payment came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewPayment {
    Inserted,
    /// This payment of the booking is PROCESSING or SUCCEEDED: nothing was written.
    InFlight(Uuid),
    /// The booking is not PENDING (or does not exist): nothing was written.
    NotPayable(Option<BookingStatus>),
}

/// What a refund made at the provider changed here.
#[derive(Debug, Clone, PartialEq)]
pub enum ProviderRefund {
    /// Seen before, unknown, or not a SUCCEEDED payment.
    Unchanged,
    /// The payment is REFUNDED; its booking was not live.
    Refunded,
    /// The payment is REFUNDED and its booking CANCELLED (seats freed in MySQL; the caller frees
    /// the seat locks).
    Cancelled(Booking),
}

/// A payment service provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    async fn charge(&self, payment: &Payment, method: &str) -> BackendResult<crate::domain::ChargeOutcome>;
    async fn refund(&self, payment: &Payment) -> BackendResult<()>;
    /// What the provider knows of a charge made with `method` (reconciliation of a payment left
    /// PROCESSING): still processing, succeeded, or failed (including never charged).
    async fn status(&self, payment: &Payment, method: &str) -> BackendResult<crate::domain::ChargeOutcome>;
}

/// A stored answer of an idempotent request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    pub content_type: String,
    pub body: String,
}

/// What claiming an idempotency key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyClaim {
    /// First use: do the work, then complete or abandon the key.
    Claimed,
    /// Done before with the same request: answer this.
    Replay(StoredResponse),
    /// Used before with a different request.
    Mismatch,
    /// The first request with this key is still running.
    InProgress,
}

/// Idempotency records (DynamoDB), scoped per user, kept 24 h.
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    async fn claim(&self, user: &str, key: &str, fingerprint: &str, now: DateTime<Utc>) -> BackendResult<KeyClaim>;
    async fn complete(&self, user: &str, key: &str, response: &StoredResponse) -> BackendResult<()>;
    /// Gives the key up after a failure a retry may fix.
    async fn abandon(&self, user: &str, key: &str) -> BackendResult<()>;
}

/// Publishes messages (Kafka).
#[async_trait]
pub trait Publisher: Send + Sync {
    /// Delivered (acknowledged by all in-sync replicas) or an error.
    async fn publish(&self, topic: &str, key: &str, payload: &str) -> BackendResult<()>;

    /// Publishes `(topic, key, payload)` messages all at once, in order, and returns how many of
    /// them, from the first, were delivered without a gap: only those count as sent, since later
    /// messages of the same key must not overtake a failed one for good (they go again with it;
    /// consumers drop the repeats). The first failure is logged as `what` pausing.
    async fn publish_in_order(&self, messages: &[(&str, &str, &str)], what: &str) -> usize {
        let results = futures::future::join_all(messages.iter().map(|(topic, key, payload)| self.publish(topic, key, payload))).await;
        let sent = results.iter().take_while(|r| r.is_ok()).count();
        if let Some(Err(e)) = results.get(sent) {
            tracing::warn!(error = %e, "{what} paused");
        }
        sent
    }
}

/// What consumers have done already (DynamoDB), so that a redelivered message does nothing twice.
#[async_trait]
pub trait Ledger: Send + Sync {
    /// Claims `key` (consumer, message and channel); `false` if it was claimed before.
    async fn claim(&self, key: &str, now: DateTime<Utc>) -> BackendResult<bool>;
    /// Gives a claim back after its action failed, so that the retry acts.
    async fn release(&self, key: &str) -> BackendResult<()>;
    /// The last seat-log position pushed for an event.
    async fn watermark(&self, event: Uuid) -> BackendResult<Option<LogPosition>>;
    /// Moves the event's watermark forward to `to` (never back).
    async fn advance(&self, event: Uuid, to: LogPosition, now: DateTime<Utc>) -> BackendResult<()>;
}

pub use crate::domain::message::LogPosition;

/// WebSocket connections and their subscriptions (DynamoDB: keyed by connection, indexed by event).
#[async_trait]
pub trait Connections: Send + Sync {
    async fn connect(&self, connection: &str, user: &str, now: DateTime<Utc>) -> BackendResult<()>;
    /// Idempotent: subscribing twice is subscribing once.
    async fn subscribe(&self, connection: &str, event: Uuid, now: DateTime<Utc>) -> BackendResult<()>;
    async fn unsubscribe(&self, connection: &str, event: Uuid) -> BackendResult<()>;
    /// Forgets the connection and all its subscriptions.
    async fn disconnect(&self, connection: &str) -> BackendResult<()>;
    /// The connections subscribed to an event.
    async fn subscribers(&self, event: Uuid) -> BackendResult<Vec<String>>;
}

/// Whether a push reached its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pushed {
    Sent,
    /// The connection is gone (410): forget it.
    Gone,
}

/// The API Gateway Management API: a message to one WebSocket connection.
#[async_trait]
pub trait Pusher: Send + Sync {
    async fn push(&self, connection: &str, body: &str) -> BackendResult<Pushed>;
}

/// Email (SES) and SMS (SNS).
#[async_trait]
pub trait Notifier: Send + Sync {
    async fn email(&self, to: &str, subject: &str, text: &str) -> BackendResult<()>;
    async fn sms(&self, to: &str, text: &str) -> BackendResult<()>;
}
