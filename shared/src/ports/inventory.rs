//! Inventory: events and seats in the system of record, the seat locks in front of it, and the
//! seat log that announces every change of a lock.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{BackendResult, RequestLimit};
use crate::domain::report::{CancelPreview, CancelProgress};
use crate::domain::reservation::Reservation;
use crate::domain::tier::SeatPrice;
use crate::domain::{Booking, BookingStatus, Event, Hold, SeatStatus};

/// Events, sections and seats in the system of record (MySQL).
#[async_trait]
pub trait EventStore: Send + Sync {
    /// Stores the event with all its sections and seats, all or nothing.
    async fn insert(&self, event: &Event) -> BackendResult<()>;
    /// Stores the event's changeable fields if its row is still at `event.version` (then bumped);
    /// false if another change came first.
    async fn update(&self, event: &Event) -> BackendResult<bool>;
    async fn get(&self, id: Uuid) -> BackendResult<Option<Event>>;
    /// The event's sales report (without its queue), read in one consistent snapshot.
    async fn sales(&self, event: Uuid) -> BackendResult<crate::domain::report::SalesReport>;
    /// Events in creation order, after the cursor event if given.
    async fn list(&self, after: Option<Uuid>, limit: u32) -> BackendResult<Vec<Event>>;
    /// Seats the system of record says are taken, for rebuilding the lock structure after Redis
    /// lost it.
    async fn taken_seats(&self, event: Uuid) -> BackendResult<Vec<TakenSeat>>;
    /// The uses of the event's codes its orders hold (not given back), for the same rebuild.
    async fn live_uses(&self, event: Uuid) -> BackendResult<Vec<LiveUse>>;
}

/// A use of a code an order holds in MySQL: until its payment deadline while unpaid, for good once
/// paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveUse {
    pub code: String,
    /// The booking that holds it.
    pub owner: Uuid,
    /// The payment deadline of a pending booking; `None` once paid.
    pub until: Option<DateTime<Utc>>,
}

/// Cancelling an event in the system of record: the mark that stops its sales, and what the cancel
/// job needs to find its work and say how far it got.
#[async_trait]
pub trait Cancellations: Send + Sync {
    /// Marks the event cancelled by `actor`; `false` if it was cancelled already (nothing changes).
    async fn cancel(&self, event: Uuid, actor: &str, now: DateTime<Utc>) -> BackendResult<bool>;
    /// What cancelling the event would do now.
    async fn preview(&self, event: Uuid) -> BackendResult<CancelPreview>;
    /// Cancelled events whose job is not finished, oldest cancel first.
    async fn unfinished(&self, limit: u32) -> BackendResult<Vec<Uuid>>;
    /// Live (PENDING or CONFIRMED) bookings of the event with their status, at most `limit`.
    async fn live_bookings(
        &self,
        event: Uuid,
        limit: u32,
    ) -> BackendResult<Vec<(Uuid, BookingStatus)>>;
    /// How far the cancel of a cancelled event got; `None` if it is not cancelled.
    async fn progress(&self, event: Uuid) -> BackendResult<Option<CancelProgress>>;
    /// Marks the job finished if nothing is left (no live booking, no unsent refund); whether it is.
    async fn finish(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<bool>;
}

/// Blocked seats in the system of record, each change recorded in the seat's history.
#[async_trait]
pub trait Blocks: Send + Sync {
    /// Blocks the seats if every one is AVAILABLE (or BLOCKED already), all or none; else the
    /// seats that are neither.
    async fn block(
        &self,
        event: Uuid,
        seats: &[String],
        reason: &str,
        actor: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Result<(), Vec<String>>>;
    /// Puts the BLOCKED ones of the seats back on sale; returns them.
    async fn unblock(
        &self,
        event: Uuid,
        seats: &[String],
        actor: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>>;
}

/// A seat a live booking has in MySQL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenSeat {
    pub seat: String,
    pub status: SeatStatus,
    /// The booking that has it.
    pub booking: Option<Uuid>,
    /// That booking's user (a pending booking's seats count toward their seat cap), or for a booked
    /// seat its ticket's holder (counted toward `maxTicketsPerUser`).
    pub user: Option<String>,
    /// The payment deadline of a pending booking; `None` once booked.
    pub until: Option<DateTime<Utc>>,
    /// The counted price tier the seat sold at, if any.
    pub tier: Option<u8>,
}

/// What an attempt to hold seats came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldOutcome {
    /// Held, each seat at this price (in the order of the hold's seats).
    Held(Vec<SeatPrice>),
    /// Some seats are held or booked already: these ones. Nothing was held.
    Unavailable(Vec<String>),
    /// The user already has this many seats held or pending for the event. Nothing was held.
    OverLimit { current: u32 },
    /// The user already has this many seats of the event in all (held, pending, live tickets):
    /// more would pass `maxTicketsPerUser`. Nothing was held.
    OverTickets { current: u32 },
    /// The event's lock structure is not loaded (Redis lost it): load it and try again.
    NotLoaded,
    /// The event was cancelled: nothing is held any more.
    Closed,
    /// Every use of the hold's code is taken by live holds and orders. Nothing was held.
    CodeExhausted,
    /// The user made as many writes of the event as the window allows; the next window starts in
    /// this many ms. Nothing was held.
    Limited { retry_after_ms: u64 },
    /// The buyer's admission was revoked (removed from the queue by an organiser). Nothing was held.
    NotAdmitted,
}

/// What an attempt to block seats came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BlockOutcome {
    Blocked,
    /// Some seats are held or booked: these ones. Nothing was blocked.
    Busy(Vec<String>),
    /// The event's lock structure is not loaded: load it and try again.
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

/// What a hold's id points to, read in one step: its event, owner, seats and code, which stay the
/// same for the hold's whole life (its expiry is the record's, which a release checks itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldRef {
    pub id: Uuid,
    pub event_id: Uuid,
    pub user_id: String,
    pub seat_ids: Vec<String>,
    pub code: Option<String>,
}

impl From<&Hold> for HoldRef {
    fn from(h: &Hold) -> Self {
        HoldRef {
            id: h.id,
            event_id: h.event_id,
            user_id: h.user_id.clone(),
            seat_ids: h.seat_ids.clone(),
            code: h.code.clone(),
        }
    }
}

/// What a release came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Released {
    /// The seats are free; `line`: the event has a waitlist line to offer them to.
    Freed { line: bool },
    /// The hold was released, claimed or past its expiry already.
    Gone,
    /// Past the user's write limit: nothing was freed.
    Limited { retry_after_ms: u64 },
}

/// Seats of one event that are not available, read in one step.
#[derive(Debug, Clone, Default)]
pub struct SeatSnapshot {
    pub taken: std::collections::HashMap<String, SeatStatus>,
    /// The code each `RESERVED` seat of `taken` is set aside for.
    pub reserved: std::collections::HashMap<String, String>,
}

/// Seat holds with TTL (Redis), the fast all-or-nothing gate in front of the system of record, and
/// the claims that hand a hold's locks to a booking.
#[async_trait]
pub trait SeatHolds: Send + Sync {
    /// Locks every seat of `hold` until `hold.expires_at`, or none, within the user's caps of
    /// `event` ([`crate::domain::UserCaps`]): held plus pending seats at once, and those with the
    /// live tickets they hold in all. A hold with a code takes one of its `code_uses` in the same
    /// step (a use lives as long as its hold, then its unpaid booking; for good once paid). Each
    /// seat is priced in the same step at its section's first open tier
    /// ([`crate::domain::tier`]), counted there while it is held, pending or sold.
    /// With `writes`, the step first counts one write of the hold's user in the event's current
    /// window (the per-user write limit, kept with the event's locks so that a hold is one round
    /// trip) and holds nothing past the limit. With `admission` (a waiting-room event), it holds
    /// nothing for a buyer whose admission was revoked ([`HoldOutcome::NotAdmitted`]) and marks the
    /// buyer as shopping when it holds: the waiting room's part of a hold, in the same step.
    async fn hold(
        &self,
        hold: &Hold,
        event: &Event,
        code_uses: u32,
        writes: Option<RequestLimit>,
        admission: Option<crate::domain::queue::Admission>,
        now: DateTime<Utc>,
    ) -> BackendResult<HoldOutcome>;
    async fn get(&self, hold_id: Uuid) -> BackendResult<HoldLookup>;
    /// What the hold's id points to (its pointer alone, without the record); `None` if unknown.
    async fn find(&self, hold_id: Uuid) -> BackendResult<Option<HoldRef>>;
    /// Moves the expiry of a live hold; `false` if it is gone.
    async fn extend(&self, hold: &Hold, expires_at: DateTime<Utc>) -> BackendResult<bool>;
    /// Frees a live hold's seats, and says whether the event has a waitlist line to offer them to;
    /// [`Released::Gone`] if it was released, claimed or past its expiry already. With `writes`,
    /// the step first counts one write of the hold's user in the event's current window (as
    /// [`SeatHolds::hold`] does), freeing nothing past the limit: a release is one step.
    async fn release(
        &self,
        hold: &HoldRef,
        writes: Option<RequestLimit>,
        now: DateTime<Utc>,
    ) -> BackendResult<Released>;
    /// Hands a live hold's locks to a pending booking until its payment deadline; `false` if the
    /// hold is gone or lost a lock.
    async fn claim(
        &self,
        hold: &Hold,
        booking: Uuid,
        deadline: DateTime<Utc>,
    ) -> BackendResult<bool>;
    /// Marks a confirmed booking's seats booked for good (they leave the user's cap) and its
    /// buyer their holder (counted toward `maxTicketsPerUser`).
    async fn mark_booked(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()>;
    /// Frees the seats a booking still locks (cancelled, expired, or never committed), and forgets
    /// their holders; gives back its code's use unless it was paid for (a partial cancel, which
    /// frees seats but not the order, passes the booking without its code).
    async fn free_booking(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()>;
    /// Makes `to` the holder of a booked seat (a transfer; `None`: nobody), if `to` stays within
    /// `in_all` seats of the event (held, pending and held tickets) with it; one atomic step.
    async fn give(
        &self,
        event: Uuid,
        seat: &str,
        to: Option<&str>,
        in_all: Option<u32>,
        now: DateTime<Utc>,
    ) -> BackendResult<Given>;
}

/// What making a user the holder of a booked seat came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Given {
    /// Done; the seat's holder before (to give it back if the system of record refuses).
    Done { previous: Option<String> },
    /// The receiver has this many seats of the event in all already. Nothing changed.
    OverLimit { current: u32 },
    /// The event's lock structure is not loaded: load it and try again.
    NotLoaded,
}

/// The lock structure as a seat map: what is taken now, and its rebuild from the system of record
/// after Redis lost it.
#[async_trait]
pub trait SeatMap: Send + Sync {
    /// Taken seats of the event now; `None` if the lock structure is not loaded.
    async fn snapshot(
        &self,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<SeatSnapshot>>;
    /// How many seats are held and how many booked now, without listing them (O(log n));
    /// `None` if the lock structure is not loaded.
    async fn counts(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<(u32, u32)>>;
    /// Loads the event's seats taken and its codes' uses held in the system of record into the
    /// lock structure.
    async fn load(
        &self,
        event: Uuid,
        taken: &[TakenSeat],
        uses: &[LiveUse],
        now: DateTime<Utc>,
    ) -> BackendResult<()>;
    /// For each `(section, n)`: how many of its seats live (held, pending or sold) at each of its
    /// tiers 1..=n now, as the hold step counts them.
    async fn tier_counts(
        &self,
        event: Uuid,
        sections: &[(String, u8)],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<Vec<u32>>>;
}

/// Taking seats off sale in the lock structure (blocks, a presale's reservations), and closing a
/// cancelled event to holds.
#[async_trait]
pub trait SeatClosing: Send + Sync {
    /// Sets the reservation's seats aside for its code until its end, in one step (seats set aside
    /// for it already stay as they are); `announce`: a `SeatsReserved` entry in the seat log for
    /// those that changed and are free (not when rebuilding the structure). Returns those changed.
    async fn reserve(
        &self,
        event: Uuid,
        reservation: &Reservation,
        announce: bool,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>>;
    /// Puts reserved seats back on general sale in one step, with one `SeatsUnreserved` entry for
    /// those free: `code`'s among `seats` (a deleted code), or, with no code, every reservation
    /// ended by `now`. Returns the seats that changed.
    async fn unreserve(
        &self,
        event: Uuid,
        code: Option<&str>,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>>;
    /// Takes seats off sale, all or none (seats blocked already count as done).
    async fn block(
        &self,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<BlockOutcome>;
    /// Puts blocked seats back on sale; returns those that were blocked.
    async fn unblock(
        &self,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>>;
    /// Closes a cancelled event to new holds for good; `false` if its structure is not loaded.
    async fn close(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<bool>;
}

/// What the sweep needs of the lock structure: events with holds, lapsed holds to announce, live
/// holds, and which events have a waitlist line.
#[async_trait]
pub trait SeatSweep: Send + Sync {
    /// Events that have had holds since they were last swept clean.
    async fn active_events(&self) -> BackendResult<Vec<Uuid>>;
    /// Announces the event's holds that lapsed by their TTL (a SeatsReleased entry in its seat
    /// log) and takes them off the map; returns how many seats.
    async fn reap(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<usize>;
    /// The event's live holds (not the seats of pending bookings).
    async fn live_holds(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Vec<Hold>>;
    /// Marks that the event has had a waitlist line (set by a join, never cleared): the seats a
    /// release frees are offered from MySQL only for such events, and the sweep offers for all
    /// (so a marker Redis lost costs a moment, not an offer).
    async fn mark_line(&self, event: Uuid) -> BackendResult<()>;
    async fn has_line(&self, event: Uuid) -> BackendResult<bool>;
    /// Who locks each of the seats now (a hold's or booking's id, `blocked`), if anyone.
    async fn owners(&self, event: Uuid, seats: &[String]) -> BackendResult<Vec<Option<String>>>;
}

/// One entry of an event's seat log: seats of one event that changed status together, as the
/// script that changed them wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatLogEntry {
    /// The entry's id in the stream (`ms-n`): its position in the event's log.
    pub position: String,
    /// One of the seat message types.
    pub kind: crate::domain::MessageKind,
    pub at: DateTime<Utc>,
    pub seats: Vec<String>,
    /// The ids the script wrote with the change, if any.
    pub hold_id: Option<String>,
    pub booking_id: Option<String>,
    pub user_id: Option<String>,
}

/// Each event's seat log (a Redis stream written by the same scripts that move the locks), and
/// where the relay to `seat.events` got to in it.
#[async_trait]
pub trait SeatLog: Send + Sync {
    /// Entries of the event after `after` (a stream id), oldest first, at most `count`.
    async fn entries(
        &self,
        event: Uuid,
        after: &str,
        count: usize,
    ) -> BackendResult<Vec<SeatLogEntry>>;
    /// Where the relay of the event's seat log got to.
    async fn cursor(&self, event: Uuid) -> BackendResult<String>;
    /// Moves the relay's cursor on.
    async fn set_cursor(&self, event: Uuid, id: &str) -> BackendResult<()>;
}
