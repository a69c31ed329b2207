//! The fast tier's stack: every port kept in memory, in one [`Memory`], so that use cases run in
//! unit tests without MySQL, Redis, Kafka or DynamoDB. Used only by tests.
//!
//! The stores keep the same invariants as the real adapters (one live booking per seat, a hold all
//! or nothing, a payment settled once, a conditional write per scan) and apply the same domain
//! plans (`domain::settlement`), each change under one lock of the state: one step, as a MySQL
//! transaction or a Lua script is one. The end-to-end suite stays the final word on the real ones.

mod codes;
mod events;
mod holders;
mod locks;
mod orders;
mod payments;
mod reserve;
mod rest;
mod tickets;
mod waitlist;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use chrono::{DateTime, Duration, Utc};
use uuid::Uuid;

use crate::adapters::clock::ShiftedClock;
use crate::app::{App, Ports};
use crate::auth::TokenKeys;
use crate::config::Config;
use crate::domain::history::Change;
use crate::domain::ticket::{ScanAnswer, StoredTicket};
use crate::domain::waitlist::WaitlistEntry;
use crate::domain::{
    Booking, Caller, Contact, Envelope, Event, EventSpec, Hold, Payment, Refund, SeatStatus,
    SectionSpec,
};
use crate::ports::{SeatLogEntry, StoredResponse};

/// A lock on one seat (Redis's part): its owner (a hold or a booking) until a time, or booked.
#[derive(Debug, Clone)]
pub(crate) struct Lock {
    pub owner: Uuid,
    pub user: String,
    /// `None`: booked for good.
    pub until: Option<DateTime<Utc>>,
    /// The counted price tier the seat was taken at (it counts there while the lock lives).
    pub tier: Option<u8>,
}

/// A presale registration: where to tell the user, when they registered, their code once drawn.
pub(crate) type Registered = (Contact, DateTime<Utc>, Option<String>);

/// A code's live uses: owner (a hold or a booking) -> until (`None`: paid for).
pub(crate) type LiveUses = HashMap<Uuid, Option<DateTime<Utc>>>;

/// Everything every port keeps, behind one lock.
#[derive(Default)]
pub(crate) struct State {
    // The system of record (MySQL's part).
    pub events: BTreeMap<Uuid, Event>,
    pub seats: HashMap<(Uuid, String), SeatStatus>,
    pub bookings: BTreeMap<Uuid, Booking>,
    /// The unique key on live booking seats.
    pub live_seats: HashMap<(Uuid, String), Uuid>,
    pub payments: BTreeMap<Uuid, Payment>,
    /// Refunds owed, when, and whether the provider took each.
    pub refunds: Vec<(Refund, DateTime<Utc>, bool)>,
    pub webhooks: HashSet<String>,
    pub tickets: BTreeMap<Uuid, StoredTicket>,
    /// Scans recorded by `(staff, nonce)`: their ticket and answer (none for a refused code).
    pub scans: HashMap<(String, String), Option<(Uuid, ScanAnswer)>>,
    pub waitlist: BTreeMap<(Uuid, String), WaitlistEntry>,
    /// Codes by event and name, with whether they were deleted.
    pub codes: HashMap<(Uuid, String), (crate::domain::code::Code, bool)>,
    /// Presale registrations by event and user: contact, time, code; and the draws' times.
    pub registrations: BTreeMap<(Uuid, String), Registered>,
    pub draws: Vec<(Uuid, DateTime<Utc>)>,
    /// Messages in the outbox, with who made the change.
    pub outbox: Vec<(Envelope, String)>,
    // The lock structure (Redis's part).
    pub loaded: HashSet<Uuid>,
    pub closed: HashSet<Uuid>,
    pub locks: HashMap<(Uuid, String), Lock>,
    pub blocked: HashSet<(Uuid, String)>,
    /// Holds counted per (event, user, window) against the write limit (hold.lua's counter).
    pub writes: HashMap<(Uuid, String, u64), u32>,
    /// Seats set aside for a code: (event, seat) -> (code, until).
    pub reserved: HashMap<(Uuid, String), (String, DateTime<Utc>)>,
    pub holds: HashMap<Uuid, Hold>,
    pub seat_log: HashMap<Uuid, Vec<SeatLogEntry>>,
    /// The live uses of each code: owner (a hold or a booking) -> until (`None`: paid for).
    pub code_uses: HashMap<(Uuid, String), LiveUses>,
    pub lines: HashSet<Uuid>,
    // DynamoDB's part.
    pub keys: HashMap<(String, String), (String, Option<StoredResponse>)>,
    pub claims: HashSet<String>,
    /// Holds and releases archived from the seat log, once each by id.
    pub hold_history: Vec<Change>,
    // What went out: the provider's refunds by idempotency key (with how often each was asked),
    // emails and SMS.
    pub provider_refunds: HashMap<Uuid, (i64, u32)>,
    pub sent: Vec<(String, String)>,
}

/// The in-memory backends, one state shared by every port, and the clock their TTLs run on.
#[derive(Default)]
pub struct Memory {
    state: Mutex<State>,
    clock: Arc<ShiftedClock>,
}

impl Memory {
    pub(crate) fn now(&self) -> DateTime<Utc> {
        crate::ports::Clock::now(&*self.clock)
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("a test panicked holding the state")
    }
}

/// An [`App`] on [`Memory`] with a clock the test moves.
pub struct TestApp {
    pub app: App,
    pub memory: Arc<Memory>,
    pub clock: Arc<ShiftedClock>,
}

impl std::ops::Deref for TestApp {
    type Target = App;
    fn deref(&self) -> &App {
        &self.app
    }
}

impl TestApp {
    pub fn new() -> TestApp {
        let clock = Arc::new(ShiftedClock::default());
        let memory = Arc::new(Memory { state: Mutex::default(), clock: clock.clone() });
        let m = memory.clone();
        let ports = Ports {
            clock: clock.clone(),
            events: m.clone(),
            holds: m.clone(),
            seat_map: m.clone(),
            closing: m.clone(),
            sweep: m.clone(),
            seat_log: m.clone(),
            bookings: m.clone(),
            payments: m.clone(),
            provider: m.clone(),
            idempotency: m.clone(),
            outbox: m.clone(),
            publisher: m.clone(),
            connections: m.clone(),
            claims: m.clone(),
            watermarks: m.clone(),
            pusher: m.clone(),
            notifier: m.clone(),
            limiter: m.clone(),
            queue: m.clone(),
            tickets: m.clone(),
            history: m.clone(),
            hold_history: m.clone(),
            cancellations: m.clone(),
            blocks: m.clone(),
            codes: m.clone(),
            presale: m.clone(),
            waitlist: m,
        };
        let config =
            Config::from_lookup(&|_: &str| None).expect("the defaults are a configuration");
        let keys = TokenKeys::new(None, None, &config.jwt_secret).expect("a local secret");
        TestApp { app: App::new(config, keys, ports), memory, clock }
    }

    /// Moves the clock on.
    pub fn pass(&self, by: Duration) {
        self.clock.shift(by);
    }

    /// An event on sale now with one section `A` of `rows` x `seats` at 5,000 a seat.
    pub async fn event(&self, rows: u32, seats: u32) -> Event {
        self.event_with(rows, seats, |_| {}).await
    }

    /// [`TestApp::event`] changed by `f` before it is created.
    pub async fn event_with(&self, rows: u32, seats: u32, f: impl FnOnce(&mut EventSpec)) -> Event {
        let mut spec = EventSpec {
            name: "Gala".into(),
            venue: "Hall".into(),
            starts_at: self.now() + Duration::days(30),
            currency: Some("EUR".into()),
            max_seats_per_order: Some(6),
            max_tickets_per_user: None,
            hold_ttl_seconds: Some(600),
            on_sale_at: None,
            sales_end_at: None,
            waiting_room: None,
            charges: Default::default(),
            sections: vec![SectionSpec {
                name: "A".into(),
                rows: Some(rows),
                seats_per_row: Some(seats),
                capacity: None,
                price_cents: 5_000,
                category: None,
                tiers: Vec::new(),
            }],
        };
        f(&mut spec);
        crate::app::create_event::create_event(&self.app, &admin(), spec).await.unwrap()
    }

    /// The outbox's messages of `kind`, oldest first.
    pub fn messages(&self, kind: crate::domain::MessageKind) -> Vec<Envelope> {
        let s = self.memory.state();
        s.outbox.iter().filter(|(m, _)| m.kind() == kind).map(|(m, _)| m.clone()).collect()
    }

    /// What the provider gave back, in all.
    pub fn provider_refunded(&self) -> i64 {
        self.memory.state().provider_refunds.values().map(|(amount, _)| amount).sum()
    }
}

impl Default for TestApp {
    fn default() -> Self {
        TestApp::new()
    }
}

/// A buyer.
pub fn buyer(name: &str) -> Caller {
    Caller {
        user_id: name.into(),
        admin: false,
        staff: false,
        contact: Contact::new(Some(&format!("{name}@example.com")), None),
    }
}

pub fn admin() -> Caller {
    Caller { admin: true, ..buyer("organiser") }
}

pub fn steward() -> Caller {
    Caller { staff: true, ..buyer("steward") }
}

/// A permanent fault of a port the in-memory stack does not keep.
pub(crate) fn not_kept(what: &str) -> crate::ports::BackendError {
    crate::ports::BackendError::permanent(what, anyhow::anyhow!("not kept by the in-memory stack"))
}
