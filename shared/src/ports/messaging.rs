//! Messages out: the outbox and the publisher (Kafka), what consumers have done (claims and
//! watermarks), WebSocket connections and pushes, email and SMS.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{BackendResult, LogPosition};

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
        let results = futures::future::join_all(
            messages.iter().map(|(topic, key, payload)| self.publish(topic, key, payload)),
        )
        .await;
        let sent = results.iter().take_while(|r| r.is_ok()).count();
        if let Some(Err(e)) = results.get(sent) {
            tracing::warn!(error = %e, "{what} paused");
        }
        sent
    }
}

/// Actions consumers have taken (DynamoDB), so that a redelivered message does nothing twice.
#[async_trait]
pub trait ActionClaims: Send + Sync {
    /// Claims `key` (consumer, message and channel); `false` if it was claimed before.
    async fn claim(&self, key: &str, now: DateTime<Utc>) -> BackendResult<bool>;
    /// Gives a claim back after its action failed, so that the retry acts.
    async fn release(&self, key: &str) -> BackendResult<()>;
}

/// How far each event's seat log has been pushed to WebSocket subscribers (DynamoDB).
#[async_trait]
pub trait Watermarks: Send + Sync {
    /// The last seat-log position pushed for an event.
    async fn watermark(&self, event: Uuid) -> BackendResult<Option<LogPosition>>;
    /// Moves the event's watermark forward to `to` (never back).
    async fn advance(&self, event: Uuid, to: LogPosition, now: DateTime<Utc>) -> BackendResult<()>;
}

/// A message written to the outbox in the same transaction as the change it announces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    pub seq: u64,
    pub topic: String,
    pub key: String,
    pub payload: String,
}

/// The transactional outbox (MySQL): unsent messages are claimed for a while, sent outside any
/// transaction, then marked sent; a relay that dies leaves its claim to lapse and be taken again.
#[async_trait]
pub trait Outbox: Send + Sync {
    /// Claims up to `limit` unsent messages nobody else holds, oldest first, until `until`.
    async fn claim(
        &self,
        limit: u32,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> BackendResult<Vec<OutboxMessage>>;
    /// Marks messages sent.
    async fn mark_sent(&self, seqs: &[u64], now: DateTime<Utc>) -> BackendResult<()>;
    /// Gives claimed messages back unsent, for the next relay to take at once.
    async fn unclaim(&self, seqs: &[u64]) -> BackendResult<()>;
}

/// WebSocket connections and their subscriptions (DynamoDB: keyed by connection, indexed by event).
#[async_trait]
pub trait Connections: Send + Sync {
    async fn connect(&self, connection: &str, user: &str, now: DateTime<Utc>) -> BackendResult<()>;
    /// Idempotent: subscribing twice is subscribing once.
    async fn subscribe(
        &self,
        connection: &str,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<()>;
    async fn unsubscribe(&self, connection: &str, event: Uuid) -> BackendResult<()>;
    /// Forgets the connection and all its subscriptions.
    async fn disconnect(&self, connection: &str) -> BackendResult<()>;
    /// The connections subscribed to an event.
    /// The user a connection was opened by, if it is still there.
    async fn user(&self, connection: &str) -> BackendResult<Option<String>>;
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
