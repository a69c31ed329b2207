//! Use cases, one file each, over the ports. [`App`] is what a function instance builds once.

pub mod broadcast;
pub mod change_booking;
pub mod create_booking;
pub mod create_event;
pub mod extend_hold;
pub mod get_booking;
pub mod get_event;
pub mod get_hold;
pub mod hold_seats;
pub mod list_events;
pub mod live;
pub mod notify;
pub mod payments;
pub mod relay;
pub mod release_hold;
pub mod seat_map;
pub mod sweep;

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use sqlx::mysql::MySqlPool;
use uuid::Uuid;

use crate::adapters::apigw::ManagementApi;
use crate::adapters::connections::DynamoConnections;
use crate::adapters::dynamodb::{aws_config, DynamoIdempotency};
use crate::adapters::ledger::DynamoLedger;
use crate::adapters::notify::AwsNotifier;
use crate::adapters::{kafka::KafkaPublisher, mysql, mysql_bookings::MySqlBookingStore, redis::RedisSeatLocks, sandbox::SandboxProvider};
use crate::auth::TokenKeys;
use crate::config::Config;
use crate::domain::best_available::Occupancy;
use crate::domain::{Event, RuleError};
use crate::ports::{
    BackendError, BookingStore, Connections, EventStore, IdempotencyStore, Ledger, Notifier, PaymentProvider, Publisher, Pusher, SeatLocks,
    SeatSnapshot,
};

/// Events kept per instance. Events never change once created, so a cached one is never stale.
const EVENT_CACHE_SIZE: usize = 10_000;
/// Reads of a lost lock structure before giving up (each rebuilds it from MySQL first).
const LOAD_ATTEMPTS: usize = 3;

/// Puts a value in one of the instance's per-event caches, emptying it when it is full.
fn remember<V>(cache: &RwLock<HashMap<Uuid, V>>, id: Uuid, value: V) {
    if let Ok(mut cache) = cache.write() {
        if cache.len() >= EVENT_CACHE_SIZE {
            cache.clear();
        }
        cache.insert(id, value);
    }
}

/// Why a use case did not do what was asked. Mapped to a problem+json answer in one place
/// (`http::problem`).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    /// No valid token where the code itself checks one (a WebSocket `$connect`).
    #[error("{0}")]
    Unauthorized(&'static str),
    /// Seats that are held or booked already; empty when best available found too few seats.
    #[error("seats unavailable")]
    SeatsUnavailable(Vec<String>),
    #[error("the hold has expired")]
    HoldExpired,
    /// The booking's status does not allow the change.
    #[error("the booking is {}", .0.as_str())]
    BookingState(crate::domain::BookingStatus),
    /// Another payment of the booking is PROCESSING or SUCCEEDED (one payment in flight).
    #[error("payment {0} of this booking is in flight")]
    PaymentInFlight(Uuid),
    #[error("a succeeded payment of this booking is required")]
    PaymentRequired,
    #[error("the payment was declined: {reason}")]
    PaymentDeclined { payment_id: Uuid, reason: String },
    #[error(transparent)]
    BadSignature(crate::domain::payment::SignatureError),
    #[error(transparent)]
    Backend(#[from] BackendError),
}

pub type AppResult<T> = Result<T, AppError>;

/// What a consumer's use case made of the messages of one batch.
#[derive(Debug, Default)]
pub struct Handled {
    /// Messages acted on.
    pub done: usize,
    /// Messages it does not act on (other types, or done before).
    pub skipped: usize,
    /// Messages it can never act on, and why: they go to the dead-letter topic.
    pub rejected: Vec<(crate::domain::Envelope, String)>,
}

/// Everything a handler needs, built once per cold start and shared by all requests.
pub struct App {
    pub config: Config,
    pub pool: MySqlPool,
    pub events: Arc<dyn EventStore>,
    pub locks: Arc<dyn SeatLocks>,
    pub bookings: Arc<dyn BookingStore>,
    pub payments: Arc<dyn PaymentProvider>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub publisher: Arc<dyn Publisher>,
    pub connections: Arc<dyn Connections>,
    pub ledger: Arc<dyn Ledger>,
    pub pusher: Arc<dyn Pusher>,
    pub notifier: Arc<dyn Notifier>,
    /// The keys bearer tokens are checked against where no authorizer does it (`$connect`).
    pub token_keys: TokenKeys,
    event_cache: RwLock<HashMap<Uuid, Arc<Event>>>,
    occupancy_cache: RwLock<HashMap<Uuid, (std::time::Instant, Arc<Occupancy>)>>,
    /// One snapshot read at a time per instance: concurrent requests wait and share it (a seat
    /// map of a large sold-out event is the most expensive read Redis serves).
    occupancy_refresh: tokio::sync::Mutex<()>,
}



impl App {
    /// Builds the clients: a small lazy MySQL pool, one multiplexed Redis connection, the AWS
    /// clients (DynamoDB, Management API, SES, SNS; none connects before it is used), and a Kafka
    /// producer (which connects in the background).
    pub async fn connect(config: Config) -> anyhow::Result<Arc<App>> {
        let pool = mysql::pool(config.mysql_options(), config.db_max_connections);
        let locks = RedisSeatLocks::connect(&config.redis_url, &config.key_prefix).await?;
        let aws = aws_config().await;
        let prefix = config.key_prefix.as_str();
        let token_keys = TokenKeys::new(config.jwt_jwks.as_deref(), config.jwt_issuer.as_deref(), &config.jwt_secret)
            .map_err(|e| anyhow::anyhow!("JWT_JWKS is not a JWKS document: {e}"))?;
        Ok(Arc::new(App {
            token_keys,
            connections: Arc::new(DynamoConnections::new(&aws, &config.connections_table, prefix)),
            ledger: Arc::new(DynamoLedger::new(&aws, &config.notifications_table, prefix)),
            pusher: Arc::new(ManagementApi::new(&aws, &config.ws_management_endpoint)),
            notifier: Arc::new(AwsNotifier::new(&aws, &config.notify_from)),
            events: Arc::new(mysql::MySqlEventStore::new(pool.clone())),
            bookings: Arc::new(MySqlBookingStore::new(pool.clone())),
            payments: Arc::new(SandboxProvider),
            idempotency: Arc::new(DynamoIdempotency::new(&aws, &config.idempotency_table, prefix)),
            publisher: Arc::new(KafkaPublisher::new(&config.kafka_bootstrap_servers, &config.key_prefix)?),
            locks: Arc::new(locks),
            pool,
            config,
            event_cache: RwLock::new(HashMap::new()),
            occupancy_cache: RwLock::new(HashMap::new()),
            occupancy_refresh: tokio::sync::Mutex::new(()),
        }))
    }

    /// The event, from this instance's cache or the store; [`AppError::NotFound`] if none.
    pub async fn event(&self, id: Uuid) -> AppResult<Arc<Event>> {
        if let Some(e) = self.event_cache.read().ok().and_then(|c| c.get(&id).cloned()) {
            return Ok(e);
        }
        let event = Arc::new(self.events.get(id).await?.ok_or(AppError::NotFound("event"))?);
        remember(&self.event_cache, id, event.clone());
        Ok(event)
    }

    /// Runs a read of the event's lock structure, rebuilding the structure from MySQL when the read
    /// finds it missing (Redis lost it), a bounded number of times.
    async fn read_locks<T, F, Fut>(&self, event: Uuid, what: &str, read: F) -> AppResult<T>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = crate::ports::BackendResult<Option<T>>>,
    {
        for _ in 0..LOAD_ATTEMPTS {
            if let Some(v) = read().await? {
                return Ok(v);
            }
            self.load_locks(event).await?;
        }
        Err(BackendError::new(what, true, anyhow::anyhow!("seat locks of {event} would not load")).into())
    }

    /// The event's taken seats now, rebuilding the lock structure from MySQL if Redis lost it.
    pub async fn snapshot(&self, event: Uuid) -> AppResult<SeatSnapshot> {
        self.read_locks(event, "reading the seat map", || self.locks.snapshot(event, chrono::Utc::now())).await
    }

    /// The event's taken seats as best available sees them: this instance's picture if it is
    /// younger than `max_age`, else a new snapshot (read once for all who wait for it).
    pub async fn occupancy(&self, event: &Event, max_age: std::time::Duration) -> AppResult<Occupancy> {
        let cached = || {
            self.occupancy_cache
                .read()
                .ok()
                .and_then(|c| c.get(&event.id).cloned())
                .filter(|(at, _)| at.elapsed() < max_age)
                .map(|(_, o)| (*o).clone())
        };
        if let Some(o) = cached() {
            return Ok(o);
        }
        let _turn = self.occupancy_refresh.lock().await;
        if let Some(o) = cached() {
            return Ok(o);
        }
        let snapshot = self.snapshot(event.id).await?;
        let o = Occupancy::new(event, snapshot.taken.keys().map(String::as_str));
        remember(&self.occupancy_cache, event.id, (std::time::Instant::now(), Arc::new(o.clone())));
        Ok(o)
    }

    /// Held and booked seat counts of the event now (O(log n) in Redis), loading its lock
    /// structure first if Redis lost it.
    pub async fn seat_counts(&self, event: Uuid) -> AppResult<(u32, u32)> {
        self.read_locks(event, "counting seats", || self.locks.counts(event, chrono::Utc::now())).await
    }

    /// Seats of the event neither held nor booked now.
    pub async fn free_seats(&self, event: &Event) -> AppResult<u32> {
        let (held, booked) = self.seat_counts(event.id).await?;
        Ok(event.seat_count.saturating_sub(held + booked))
    }

    /// Mirrors the seats MySQL has taken into Redis (after a Redis restart or for a new event).
    pub async fn load_locks(&self, event: Uuid) -> AppResult<()> {
        let taken = self.events.taken_seats(event).await?;
        self.locks.load(event, &taken).await?;
        Ok(())
    }
}
