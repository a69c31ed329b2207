//! Orders: bookings and payments in the system of record, the payment provider, and idempotency
//! records of retried requests.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::BackendResult;
use crate::domain::cancel::{CancelRefusal, Canceller};
use crate::domain::{Booking, BookingStatus, ChargeOutcome, Dispute, Envelope, Payment, Refund};

/// What committing a new booking came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    Created,
    /// These seats are not AVAILABLE in MySQL (another live booking has them). Nothing was written.
    SeatsTaken(Vec<String>),
    /// The event was cancelled (read under a shared lock of its row, so a cancel committing at the
    /// same moment either sees this booking or refuses it). Nothing was written.
    Closed,
    /// Every use of the booking's code is taken by other orders. Nothing was written.
    CodeExhausted,
}

/// What a buyer's or an admin's cancel came to.
#[derive(Debug, Clone, PartialEq)]
pub enum Cancelled {
    /// The booking is CANCELLED now, with the refunds owed.
    Whole {
        booking: Box<Booking>,
        refunds: Vec<Refund>,
    },
    /// The booking was CANCELLED before: nothing was written.
    Unchanged(Box<Booking>),
    /// Some seats: the booking as it is now (its kept seats), the seats freed, the refunds owed.
    Seats {
        booking: Box<Booking>,
        freed: Vec<String>,
        refunds: Vec<Refund>,
    },
    NotFound,
    /// The domain's rule refused it ([`crate::domain::cancel::plan_cancel`]): nothing was written.
    Refused(CancelRefusal),
}

/// What settling a payment did.
#[derive(Debug, Clone, PartialEq)]
pub enum Settled {
    /// The payment succeeded and confirmed its booking.
    Confirmed(Booking),
    /// The payment succeeded but its booking was no longer payable: the payment is REFUNDED
    /// (these refunds are owed).
    Refunded(Booking, Vec<Refund>),
    /// The payment failed; the booking stays as it was.
    Failed,
    /// It was settled already (or the webhook event was applied before): nothing changed.
    Unchanged,
}

/// Bookings in the system of record (MySQL). Each change is one short transaction that locks rows
/// in a fixed order (booking, its payments, its seats) and writes its outbox messages with it.
#[async_trait]
pub trait BookingStore: Send + Sync {
    /// Takes the seats (versioned rows, checked and bumped) and writes the booking made from
    /// `hold` (a waitlist offer of that hold is accepted with it).
    async fn create(
        &self,
        booking: &Booking,
        hold: Uuid,
        outbox: &[Envelope],
    ) -> BackendResult<CreateOutcome>;
    async fn get(&self, id: Uuid) -> BackendResult<Option<Booking>>;
    /// A user's bookings, newest first, before the cursor booking if given.
    async fn list_for_user(
        &self,
        user: &str,
        status: Option<BookingStatus>,
        before: Option<Uuid>,
        limit: u32,
    ) -> BackendResult<Vec<Booking>>;
    /// Moves a booking to `to` if it still has `from`, recorded as made by `actor`: seats follow
    /// (BOOKED when confirmed, AVAILABLE when cancelled or expired), and what is left of its
    /// SUCCEEDED payments is owed back when it leaves the live statuses. `None` if the booking
    /// changed meanwhile; else the booking and the refunds owed (to send with [`PaymentProvider`]).
    async fn transition(
        &self,
        id: Uuid,
        from: BookingStatus,
        to: BookingStatus,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Option<(Booking, Vec<Refund>)>>;
    /// Cancels a booking for `by`, all of it (`seats` is `None`) or some of its seats, as
    /// [`crate::domain::cancel::plan_cancel`] decides from the booking, its payments and its live
    /// tickets read in the same transaction (so a transfer or a check-in racing the cancel is
    /// either seen or waits), recorded as made by `actor`. Freed seats are AVAILABLE, their tickets
    /// revoked, the total is the kept seats', and what was paid for the freed seats is owed back.
    async fn cancel(
        &self,
        id: Uuid,
        seats: Option<&[String]>,
        by: Canceller,
        now: DateTime<Utc>,
        actor: &str,
    ) -> BackendResult<Cancelled>;
    /// Pending bookings past their deadline, oldest first.
    async fn due_for_expiry(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Uuid>>;
}

/// A provider's event applied here: its id (which makes it take effect once) and its type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookReceipt<'a> {
    pub id: &'a str,
    pub kind: &'a str,
}

/// Payments in the system of record (MySQL), in the same row-lock order as bookings (a payment's
/// booking first), each change with its outbox messages.
#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// Records a PROCESSING payment, unless its booking is no longer PENDING or has a payment
    /// PROCESSING or SUCCEEDED already (one payment in flight per booking: the booking row is
    /// locked while this is checked).
    async fn insert(&self, payment: &Payment) -> BackendResult<NewPayment>;
    async fn get(&self, id: Uuid) -> BackendResult<Option<Payment>>;
    /// Payments still PROCESSING that were created before `before`, oldest first.
    async fn stale(&self, before: DateTime<Utc>, limit: u32) -> BackendResult<Vec<Payment>>;
    /// Settles a PROCESSING payment: SUCCEEDED confirms a PENDING booking in the same transaction;
    /// a success for a booking no longer pending is refunded. With `webhook`, the provider event id
    /// is recorded in the same transaction so that it takes effect once.
    ///
    /// Here and below, `payment` is as the caller read it: its id and its booking's (which never
    /// changes) say what to lock, and the rows locked are what is decided on.
    async fn settle(
        &self,
        payment: &Payment,
        outcome: &ChargeOutcome,
        webhook: Option<WebhookReceipt<'_>>,
        now: DateTime<Utc>,
    ) -> BackendResult<Settled>;
    /// Applies a refund the provider made (`refund.succeeded`), once per webhook event: a SUCCEEDED
    /// payment becomes REFUNDED, and the CONFIRMED booking it paid for is cancelled with it (its
    /// seats AVAILABLE again) in the same transaction: money back never leaves the seats sold.
    async fn apply_refund(
        &self,
        payment: &Payment,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<ProviderRefund>;
    /// Records a chargeback the provider told of (`charge.dispute.*`) on the booking a SUCCEEDED or
    /// REFUNDED payment paid for, once per webhook event, with its `PaymentDisputed` message (the
    /// organiser's notice) in the same transaction; the booking, when it was recorded.
    async fn dispute(
        &self,
        payment: &Payment,
        dispute: &Dispute,
        webhook: WebhookReceipt<'_>,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<Booking>>;
    /// Refunds owed and not yet sent to the provider, oldest first: those created before `before`,
    /// of `event` only when given.
    async fn unsent_refunds(
        &self,
        event: Option<Uuid>,
        before: DateTime<Utc>,
        limit: u32,
    ) -> BackendResult<Vec<Refund>>;
    /// Records that the provider took the refund.
    async fn refund_sent(&self, id: Uuid, now: DateTime<Utc>) -> BackendResult<()>;
}

/// What recording a new payment came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewPayment {
    Inserted,
    /// This payment of the booking is PROCESSING or SUCCEEDED: nothing was written.
    InFlight(Uuid),
    /// The booking is not PENDING (or does not exist): nothing was written.
    NotPayable(Option<BookingStatus>),
    /// The booking's event is cancelled: it takes no payment, nothing was written.
    EventCancelled,
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
    Cancelled(Box<Booking>),
}

/// A payment service provider.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Charges `payment` (its amount, currency and method).
    async fn charge(&self, payment: &Payment) -> BackendResult<ChargeOutcome>;
    /// Gives `refund` back; the provider applies one refund per `refund.id` (its idempotency key),
    /// however often it is asked.
    async fn refund(&self, refund: &Refund) -> BackendResult<()>;
    /// What the provider knows of a payment's charge (a read of a payment in flight, and the
    /// reconciliation of one left PROCESSING): still in flight, succeeded, or failed (including
    /// never charged).
    async fn status(&self, payment: &Payment) -> BackendResult<ChargeOutcome>;
    /// The payment the provider's own object `reference` (a Stripe PaymentIntent) was made for, if
    /// it is one of this system's.
    async fn payment_of(&self, _reference: &str) -> BackendResult<Option<Uuid>> {
        Ok(None)
    }
    /// Gives up a charge still waiting for the buyer (3-D Secure never completed, and its booking
    /// is gone): what it comes to, FAILED once the provider has cancelled it, or SUCCEEDED when
    /// the buyer was faster.
    async fn abandon(&self, payment: &Payment) -> BackendResult<ChargeOutcome> {
        self.status(payment).await
    }
    /// The provider's charges that succeeded since `since` (the reconciliation's list), each with
    /// the payment it names (`metadata.paymentId`), if any; an error when there are more than it
    /// reads, never a part of them.
    async fn succeeded_since(&self, _since: DateTime<Utc>) -> BackendResult<Vec<ProviderCharge>> {
        Ok(Vec::new())
    }
}

/// A charge the provider took, as the daily reconciliation reads it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProviderCharge {
    /// The provider's own id (a Stripe PaymentIntent).
    pub reference: String,
    pub payment_id: Option<Uuid>,
    pub amount_cents: i64,
    pub currency: String,
    pub created_at: DateTime<Utc>,
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
    async fn claim(
        &self,
        user: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<KeyClaim>;
    async fn complete(&self, user: &str, key: &str, response: &StoredResponse)
        -> BackendResult<()>;
    /// Gives the key up after a failure a retry may fix.
    async fn abandon(&self, user: &str, key: &str) -> BackendResult<()>;
}
