//! Use cases, one file each, over the ports. [`App`] is what a function instance builds once
//! (`bootstrap` picks the adapters); nothing here names a database, queue or AWS type.

pub mod after_change;
pub mod blocks;
pub mod broadcast;
pub mod cancel_event;
pub mod change_booking;
pub mod codes;
pub mod create_booking;
pub mod create_event;
pub mod drift;
pub mod expiry;
pub mod extend_hold;
pub mod fresh;
pub mod get_booking;
pub mod get_event;
pub mod get_hold;
pub mod history;
pub mod hold_seats;
pub mod limits;
pub mod list_events;
pub mod live;
pub mod notify;
pub mod payments;
pub mod presale;
pub mod prices;
pub mod queue;
pub mod refunds;
pub mod relay;
pub mod release_hold;
pub mod report;
pub mod seat_map;
pub mod sweep;
pub mod tickets;
pub mod update_event;
pub mod waitlist;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use uuid::Uuid;

use fresh::Fresh;

use crate::auth::{AccessKey, TicketKeys, TokenKeys};
use crate::config::Config;
use crate::domain::best_available::Occupancy;
use crate::domain::{Event, RuleError};
use crate::ports::{
    ActionClaims, BackendError, Blocks, BookingStore, Cancellations, Clock, CodeStore, Connections,
    EventStore, History, HoldHistory, IdempotencyStore, Notifier, Outbox, PaymentProvider,
    PaymentStore, PresaleStore, Publisher, Pusher, Queue, RateLimiter, SeatClosing, SeatHolds,
    SeatLog, SeatMap, SeatSnapshot, SeatSweep, TicketStore, Waitlist, Watermarks,
};

/// How long an instance serves an event from its cache. Sections and seats never change; a change
/// of name or sales window (`PATCH`) reaches every instance within this time (the instance that
/// made it at once).
const EVENT_FRESH_FOR: Duration = Duration::from_secs(2);
/// How long an instance serves a code (or that there is none of a name) from its cache: a deleted
/// code stops being taken by new holds within this time (at once on the instance that deleted it).
/// Its uses are counted by the seat locks and MySQL, never from the cache.
const CODE_FRESH_FOR: Duration = Duration::from_secs(1);
/// How long an instance keeps when an event's presale opens: a new access code that opens it
/// earlier reaches the waiting room within this time.
const PRESALE_FRESH_FOR: Duration = Duration::from_secs(2);
/// Reads of a lost lock structure before giving up (each rebuilds it from MySQL first).
const LOAD_ATTEMPTS: usize = 3;

/// What a request named that does not exist (or that the caller may not see).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Event,
    Hold,
    Booking,
    Payment,
    /// The waiting room of an event that has none.
    Queue,
    /// The caller's entry in a queue they never joined.
    QueueEntry,
    Ticket,
    Seat,
    /// The caller's entry in a waitlist they never joined (or left).
    WaitlistEntry,
    Code,
    /// The caller's presale registration, which they never made.
    Registration,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Event => "event",
            Resource::Hold => "hold",
            Resource::Booking => "booking",
            Resource::Payment => "payment",
            Resource::Queue => "waiting room",
            Resource::QueueEntry => "queue entry",
            Resource::Ticket => "ticket",
            Resource::Seat => "seat",
            Resource::WaitlistEntry => "waitlist entry",
            Resource::Code => "code",
            Resource::Registration => "presale registration",
        }
    }
}

/// Why a use case did not do what was asked. Mapped to a problem+json answer in one place
/// (`http::problem`).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Rule(#[from] RuleError),
    #[error("{} not found", .0.as_str())]
    NotFound(Resource),
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
    /// Every use of the code is taken (by holds and orders not yet lapsed).
    #[error("the code is used up")]
    CodeExhausted,
    /// The event has (or had) a code of that name.
    #[error("the event has a code of that name")]
    CodeTaken,
    /// A scan at the door that does not admit: the code is no ticket (422 `INVALID_TICKET`), or the
    /// ticket cannot come in (409 `WRONG_EVENT`, `TICKET_REVOKED`, `ALREADY_CHECKED_IN`,
    /// `NOT_CHECKED_IN`).
    #[error("{0:?}")]
    Scan(crate::domain::ticket::Refusal),
    /// The ticket's state forbids the change (409 `ALREADY_CHECKED_IN`, `TICKET_REVOKED`).
    #[error("the ticket is {}", .0.as_str())]
    TicketState(crate::domain::ticket::TicketStatus),
    /// A waiting-room event sells only to callers with a valid access pass of their own.
    #[error("{0}")]
    QueueTokenRequired(&'static str),
    /// The event does not sell now (before or after its sales window, or cancelled).
    #[error("the event is {}, not on sale", .0.as_str())]
    NotOnSale(crate::domain::SaleStatus),
    /// The booking's status does not allow the change.
    #[error("the booking is {}", .0.as_str())]
    BookingState(crate::domain::BookingStatus),
    /// These seats' tickets are checked in: their buyer does not cancel them (409
    /// `ALREADY_CHECKED_IN`).
    #[error("checked in: {0:?}")]
    SeatsCheckedIn(Vec<String>),
    /// The receiver of a transfer has `max` seats of the event already (409 `USER_LIMIT_EXCEEDED`).
    #[error("the receiver has the most tickets one person may have of this event ({max})")]
    ReceiverLimit { max: u32 },
    /// Every ticket of the booking was transferred: nothing of it is the buyer's to cancel.
    #[error("every ticket of the booking was transferred")]
    AllTransferred,
    /// Another payment of the booking is PROCESSING or SUCCEEDED (one payment in flight).
    #[error("payment {0} of this booking is in flight")]
    PaymentInFlight(Uuid),
    #[error("a succeeded payment of this booking is required")]
    PaymentRequired,
    #[error("the payment was declined: {reason}")]
    PaymentDeclined { payment_id: Uuid, reason: String },
    #[error(transparent)]
    BadSignature(crate::domain::payment::SignatureError),
    /// The user made too many writes in the current window.
    #[error("too many requests; retry in {retry_after_ms} ms")]
    RateLimited { retry_after_ms: u64 },
    #[error(transparent)]
    Backend(#[from] BackendError),
}

pub type AppResult<T> = Result<T, AppError>;

/// A page of a list read with one item more than `limit`: the first `limit` items, and the key of
/// the last (what the next page continues after) when there were more.
pub(crate) fn page_of<T, K>(
    mut items: Vec<T>,
    limit: u32,
    key: impl Fn(&T) -> K,
) -> (Vec<T>, Option<K>) {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(key) } else { None };
    (items, next)
}

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

/// The ports a function instance works through, chosen by `bootstrap` (the real backends) or a
/// test (real or fake).
pub struct Ports {
    pub clock: Arc<dyn Clock>,
    pub events: Arc<dyn EventStore>,
    pub holds: Arc<dyn SeatHolds>,
    pub seat_map: Arc<dyn SeatMap>,
    pub closing: Arc<dyn SeatClosing>,
    pub sweep: Arc<dyn SeatSweep>,
    pub seat_log: Arc<dyn SeatLog>,
    pub bookings: Arc<dyn BookingStore>,
    pub payments: Arc<dyn PaymentStore>,
    pub provider: Arc<dyn PaymentProvider>,
    pub idempotency: Arc<dyn IdempotencyStore>,
    pub outbox: Arc<dyn Outbox>,
    pub publisher: Arc<dyn Publisher>,
    pub connections: Arc<dyn Connections>,
    pub claims: Arc<dyn ActionClaims>,
    pub watermarks: Arc<dyn Watermarks>,
    pub pusher: Arc<dyn Pusher>,
    pub notifier: Arc<dyn Notifier>,
    pub limiter: Arc<dyn RateLimiter>,
    pub queue: Arc<dyn Queue>,
    pub tickets: Arc<dyn TicketStore>,
    pub history: Arc<dyn History>,
    pub hold_history: Arc<dyn HoldHistory>,
    pub cancellations: Arc<dyn Cancellations>,
    pub blocks: Arc<dyn Blocks>,
    pub codes: Arc<dyn CodeStore>,
    pub presale: Arc<dyn PresaleStore>,
    pub waitlist: Arc<dyn Waitlist>,
}

/// Everything a handler needs, built once per cold start and shared by all requests: the
/// configuration, the ports (reached as `app.holds`, `app.bookings`, ...), the keys bearer tokens
/// are checked against where no authorizer does it (`$connect`), and per-instance caches.
pub struct App {
    pub config: Config,
    pub token_keys: TokenKeys,
    /// Signs and checks the waiting room's access passes.
    pub access_key: AccessKey,
    /// Makes and checks ticket codes (each event's Ed25519 key).
    pub ticket_keys: TicketKeys,
    ports: Ports,
    events_kept: Fresh<Event>,
    /// Codes by event and name (a name-based UUID of the two), and names that are no code.
    codes_kept: Fresh<Option<crate::domain::code::Code>>,
    /// The taken seats best available starts from (a snapshot of a large sold-out event is the
    /// most expensive read Redis serves: one per event and instance at a time).
    occupancy_kept: Fresh<(Occupancy, HashMap<String, String>)>,
    /// When each event's presale opens (its presale line of the waiting room), a moment old.
    presales_kept: Fresh<Option<DateTime<Utc>>>,
    /// The seat map's encoded views (`seat_map`): layouts, and statuses a moment old.
    layouts_kept: Fresh<seat_map::Encoded>,
    statuses_kept: Fresh<seat_map::Encoded>,
    /// The waiting rooms' public progress documents, by line (`queue::progress`), a second old.
    progress_kept: Fresh<seat_map::Encoded>,
    /// When this instance's sweep last compared the seat locks with MySQL (ms; `drift`).
    drift_done_at: std::sync::atomic::AtomicI64,
}

impl std::ops::Deref for App {
    type Target = Ports;

    fn deref(&self) -> &Ports {
        &self.ports
    }
}

impl App {
    pub fn new(config: Config, token_keys: TokenKeys, ports: Ports) -> App {
        App {
            access_key: AccessKey::new(&config.queue_token_secret),
            ticket_keys: TicketKeys::new(&config.ticket_key_secret),
            config,
            token_keys,
            ports,
            events_kept: Fresh::default(),
            codes_kept: Fresh::default(),
            occupancy_kept: Fresh::default(),
            presales_kept: Fresh::default(),
            layouts_kept: Fresh::default(),
            statuses_kept: Fresh::default(),
            progress_kept: Fresh::default(),
            drift_done_at: std::sync::atomic::AtomicI64::new(i64::MIN),
        }
    }

    /// Now, to the millisecond (what MySQL and Redis keep).
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(3)
    }

    /// The event, from this instance's cache (if younger than [`EVENT_FRESH_FOR`]) or the store;
    /// [`AppError::NotFound`] if none.
    pub async fn event(&self, id: Uuid) -> AppResult<Arc<Event>> {
        self.events_kept
            .get_or_load(id, EVENT_FRESH_FOR, || async {
                self.events.get(id).await?.ok_or(AppError::NotFound(Resource::Event))
            })
            .await
    }

    /// The event's code of that (upper-case) name, from this instance's cache if younger than
    /// [`CODE_FRESH_FOR`] or the store; `None` if there is none.
    pub async fn code(
        &self,
        event: Uuid,
        name: &str,
    ) -> AppResult<Option<crate::domain::code::Code>> {
        let key = Uuid::new_v5(&event, name.as_bytes());
        let kept = self
            .codes_kept
            .get_or_load(key, CODE_FRESH_FOR, || async { Ok(self.codes.get(event, name).await?) })
            .await?;
        Ok((*kept).clone())
    }

    /// Forgets this instance's copy of a code that changed.
    pub fn forget_code(&self, event: Uuid, name: &str) {
        self.codes_kept.forget(Uuid::new_v5(&event, name.as_bytes()));
    }

    /// The event as it is now, in the store (and this instance's cache from now on).
    pub async fn fresh_event(&self, id: Uuid) -> AppResult<Arc<Event>> {
        self.events_kept.forget(id);
        self.event(id).await
    }

    /// Whether the event sells now: 409 `NOT_ON_SALE` otherwise.
    pub fn on_sale(&self, event: &Event) -> AppResult<()> {
        match event.sale_status(self.now()) {
            crate::domain::SaleStatus::OnSale => Ok(()),
            other => Err(AppError::NotOnSale(other)),
        }
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
        Err(BackendError::transient(what, anyhow::anyhow!("seat locks of {event} would not load"))
            .into())
    }

    /// The event's taken seats now, rebuilding the lock structure from MySQL if Redis lost it.
    pub async fn snapshot(&self, event: Uuid) -> AppResult<SeatSnapshot> {
        self.read_locks(event, "reading the seat map", || self.seat_map.snapshot(event, self.now()))
            .await
    }

    /// The event's taken seats as best available sees them: this instance's picture if it is
    /// younger than `max_age`, else a new snapshot (read once for all who wait for it). Reserved
    /// seats are taken but to the holder of their `code`.
    pub async fn occupancy(
        &self,
        event: &Event,
        max_age: Duration,
        code: Option<&str>,
    ) -> AppResult<Occupancy> {
        let kept = self
            .occupancy_kept
            .get_or_load(event.id, max_age, || async {
                let snapshot = self.snapshot(event.id).await?;
                let o = Occupancy::new(event, snapshot.taken.keys().map(String::as_str));
                Ok((o, snapshot.reserved))
            })
            .await?;
        let (picture, reserved) = &*kept;
        let mut picture = picture.clone();
        if let Some(code) = code {
            let mine = reserved.iter().filter(|(_, c)| *c == code).map(|(s, _)| s.as_str());
            picture.unmark(event, mine);
        }
        Ok(picture)
    }

    /// When the event's presale opens (its earliest access code's start), at most
    /// [`PRESALE_FRESH_FOR`] old: the opening of the waiting room's presale line.
    pub async fn presale_opens(&self, event: Uuid) -> AppResult<Option<DateTime<Utc>>> {
        let opens = self
            .presales_kept
            .get_or_load(event, PRESALE_FRESH_FOR, || async {
                Ok(self.codes.presale_opens(event).await?)
            })
            .await?;
        Ok(*opens)
    }

    /// Sets the event's live reservations (MySQL's) in the lock structure again; `announce`: tell
    /// viewers about the seats that were missing. Returns how many were.
    pub async fn reserve_again(&self, event: Uuid, announce: bool) -> AppResult<usize> {
        let now = self.now();
        let mut changed = 0;
        for r in self.codes.live_reservations(event, now).await? {
            changed += self.closing.reserve(event, &r, announce, now).await?.len();
        }
        Ok(changed)
    }

    /// Held and booked seat counts of the event now (O(log n) in Redis), loading its lock
    /// structure first if Redis lost it.
    pub async fn seat_counts(&self, event: Uuid) -> AppResult<(u32, u32)> {
        self.read_locks(event, "counting seats", || self.seat_map.counts(event, self.now())).await
    }

    /// Seats of the event neither held nor booked now.
    pub async fn free_seats(&self, event: &Event) -> AppResult<u32> {
        let (held, booked) = self.seat_counts(event.id).await?;
        Ok(event.seat_count.saturating_sub(held + booked))
    }

    /// Mirrors the seats MySQL has taken into Redis (after a Redis restart or for a new event).
    /// The live codes' reservations go in first, so no hold finds the structure loaded without
    /// them.
    pub async fn load_locks(&self, event: Uuid) -> AppResult<()> {
        self.reserve_again(event, false).await?;
        let taken = self.events.taken_seats(event).await?;
        let uses = self.events.live_uses(event).await?;
        self.seat_map.load(event, &taken, &uses, self.now()).await?;
        Ok(())
    }
}
