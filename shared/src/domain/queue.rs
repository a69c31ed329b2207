//! The waiting room's rules: what a buyer's queue entry says at a moment, given what the queue
//! keeps (their place, how far it has been served, when they were admitted), and the access pass
//! an admitted buyer shows when they hold seats.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::event::{Event, WaitingRoom};

/// Where a buyer stands in the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum QueueStatus {
    /// In line (before the opening: without a position yet).
    Waiting,
    /// May buy until `accessExpiresAt`.
    Admitted,
    /// The access window closed (or the buyer was removed).
    Expired,
    /// Nothing is left to sell now; waiting again if seats come back.
    SoldOut,
}

impl QueueStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            QueueStatus::Waiting => "WAITING",
            QueueStatus::Admitted => "ADMITTED",
            QueueStatus::Expired => "EXPIRED",
            QueueStatus::SoldOut => "SOLD_OUT",
        }
    }
}

/// One buyer's place as the queue keeps it (a read of the queue's state, in one step).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueuePlace {
    /// Whether this read created the entry (a first join).
    pub created: bool,
    pub joined_at: DateTime<Utc>,
    /// 1-based; `None` for an early joiner before the opening's shuffle.
    pub position: Option<u64>,
    /// Every position up to this one has been admitted.
    pub served_up_to: u64,
    /// Nothing was left to sell when the queue last looked.
    pub sold_out: bool,
    /// When the admission that reached this position happened.
    pub admitted_at: Option<DateTime<Utc>>,
    /// Removed from the queue by the server: the access is revoked.
    pub removed: bool,
}

/// A buyer's queue entry as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueEntry {
    pub event_id: Uuid,
    pub user_id: String,
    pub status: QueueStatus,
    pub position: Option<u64>,
    pub joined_at: DateTime<Utc>,
    pub admitted_at: Option<DateTime<Utc>>,
    pub access_token: Option<String>,
    pub access_expires_at: Option<DateTime<Utc>>,
    /// How many people are still before this one in the line (not yet admitted), while it waits:
    /// what a buyer's page shows and estimates the wait from. Absent when admitted, expired or not
    /// yet placed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ahead: Option<u64>,
    /// An entry of the presale's line (an access code's holders), not the general sale's.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub presale: bool,
}

impl QueuePlace {
    /// The people still before this place in the line: every position between the last one
    /// admitted and this one. `None` once this place is reached, or while it has no position.
    pub fn ahead(&self) -> Option<u64> {
        let p = self.position?;
        (p > self.served_up_to).then(|| p - self.served_up_to - 1)
    }

    /// The entry's status at `now` and, when admitted, until when its access lasts.
    pub fn status(
        &self,
        room: &WaitingRoom,
        now: DateTime<Utc>,
    ) -> (QueueStatus, Option<DateTime<Utc>>) {
        match (self.position, self.admitted_at) {
            (Some(p), Some(at)) if p <= self.served_up_to => {
                let until = at + Duration::seconds(i64::from(room.admission_ttl_seconds));
                if self.removed || now >= until {
                    (QueueStatus::Expired, Some(until))
                } else {
                    (QueueStatus::Admitted, Some(until))
                }
            }
            (Some(_), _) if self.sold_out => (QueueStatus::SoldOut, None),
            _ => (QueueStatus::Waiting, None),
        }
    }
}

/// Counts of an event's queue (`GET .../queue/stats`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueStats {
    pub waiting: u64,
    pub admitted: u64,
    pub sold_out: u64,
    pub served_up_to: u64,
    pub joined: u64,
}

impl QueueStats {
    /// From the queue's totals: everyone past `served_up_to` waits, or is sold out.
    pub fn new(joined: u64, served_up_to: u64, sold_out: bool, admitted: u64) -> QueueStats {
        let behind = joined.saturating_sub(served_up_to);
        QueueStats {
            waiting: if sold_out { 0 } else { behind },
            admitted,
            sold_out: if sold_out { behind } else { 0 },
            served_up_to,
            joined,
        }
    }
}

/// How far a line has been served (`GET .../queue/progress`): the same for everyone, so the edge
/// may keep it a second and the waiting crowd polls it instead of each its own entry. A buyer
/// whose `position` is at most `servedUpTo` reads their entry once, for the access pass.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueProgress {
    pub event_id: Uuid,
    /// The line's opening has drawn the places (before it, entries have no position yet).
    pub opened: bool,
    pub served_up_to: u64,
    /// Nothing is left to admit anyone to: the entries still waiting read `SOLD_OUT`.
    pub sold_out: bool,
    /// When this was read (it may be served up to a second later).
    pub at: DateTime<Utc>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub presale: bool,
}

/// One line of an event's waiting room: the general sale's, opening at `onSaleAt` and closing at
/// `salesEndAt`, or the presale's (access-code holders only), opening when the presale does and
/// closing when the general sale opens. Each line is a queue of its own, with the same fair
/// shuffle of those who joined before its opening and the same admission tied to the seats left.
#[derive(Debug, Clone, Copy)]
pub struct Line<'a> {
    pub event: &'a Event,
    /// The presale's opening, for the presale's line.
    pub presale: Option<DateTime<Utc>>,
}

impl<'a> Line<'a> {
    pub fn general(event: &'a Event) -> Line<'a> {
        Line { event, presale: None }
    }

    pub fn presale(event: &'a Event, opens_at: DateTime<Utc>) -> Line<'a> {
        Line { event, presale: Some(opens_at) }
    }

    /// When the line's shuffle is drawn and admission starts.
    pub fn opens_at(&self) -> DateTime<Utc> {
        self.presale.unwrap_or(self.event.on_sale_at)
    }

    /// When joining the line closes.
    pub fn closes_at(&self) -> DateTime<Utc> {
        match self.presale {
            Some(_) => self.event.on_sale_at,
            None => self.event.sales_end_at,
        }
    }

    pub fn is_presale(&self) -> bool {
        self.presale.is_some()
    }
}

/// The claims of an access pass: bound to a user and an event, valid until `exp`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    /// The user.
    pub sub: String,
    /// The event.
    pub evt: Uuid,
    /// Until when (seconds since the epoch; rounded up from the access window's end).
    pub exp: i64,
    /// Always [`ACCESS_AUDIENCE`]: a pass is no bearer token of any other kind.
    pub aud: String,
    /// When the admission began (ms since the epoch): a hold with the pass marks its buyer as
    /// shopping with it in the hold's own step. Absent in passes made before it was carried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adm: Option<i64>,
}

/// A buyer the waiting room let in, as a hold carries it to the seat locks: the hold refuses a
/// revoked admission and marks the buyer as shopping (no longer counted against the seats left for
/// admission), in the same step that locks the seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Admission {
    /// Admitted through the presale's line (its own queue) rather than the general sale's.
    pub presale: bool,
    /// When the admission began, ms since the epoch.
    pub admitted_at_ms: i64,
}

/// The audience of access passes.
pub const ACCESS_AUDIENCE: &str = "queue-access";

#[cfg(test)]
mod tests {
    use super::*;

    fn place(position: Option<u64>, served: u64, admitted_at: Option<i64>) -> QueuePlace {
        QueuePlace {
            created: false,
            joined_at: DateTime::from_timestamp(0, 0).unwrap(),
            position,
            served_up_to: served,
            sold_out: false,
            admitted_at: admitted_at.map(|s| DateTime::from_timestamp(s, 0).unwrap()),
            removed: false,
        }
    }

    const ROOM: WaitingRoom = WaitingRoom { admit_per_minute: None, admission_ttl_seconds: 600 };

    #[test]
    fn the_people_ahead_are_those_between_the_last_admitted_and_me() {
        assert_eq!(place(None, 0, None).ahead(), None, "no place before the opening's shuffle");
        assert_eq!(place(Some(1), 0, None).ahead(), Some(0));
        assert_eq!(place(Some(10), 4, None).ahead(), Some(5));
        assert_eq!(place(Some(5), 5, Some(1)).ahead(), None, "reached");
        assert_eq!(place(Some(5), 9, Some(1)).ahead(), None);
    }

    #[test]
    fn an_entry_waits_then_is_admitted_for_its_window_then_expires() {
        let t = |s| DateTime::from_timestamp(s, 0).unwrap();
        assert_eq!(place(None, 0, None).status(&ROOM, t(10)).0, QueueStatus::Waiting);
        assert_eq!(place(Some(5), 4, None).status(&ROOM, t(10)).0, QueueStatus::Waiting);
        let admitted = place(Some(5), 7, Some(100));
        assert_eq!(admitted.status(&ROOM, t(699)), (QueueStatus::Admitted, Some(t(700))));
        assert_eq!(admitted.status(&ROOM, t(700)).0, QueueStatus::Expired);
        let removed = QueuePlace { removed: true, ..admitted };
        assert_eq!(removed.status(&ROOM, t(101)).0, QueueStatus::Expired);
    }

    #[test]
    fn sold_out_applies_to_those_still_waiting_only() {
        let now = DateTime::from_timestamp(150, 0).unwrap();
        let waiting = QueuePlace { sold_out: true, ..place(Some(9), 4, None) };
        assert_eq!(waiting.status(&ROOM, now).0, QueueStatus::SoldOut);
        let admitted = QueuePlace { sold_out: true, ..place(Some(3), 4, Some(100)) };
        assert_eq!(admitted.status(&ROOM, now).0, QueueStatus::Admitted);
        let early = QueuePlace { sold_out: true, ..place(None, 0, None) };
        assert_eq!(early.status(&ROOM, now).0, QueueStatus::Waiting);
    }

    #[test]
    fn stats_split_those_behind_the_served_position() {
        assert_eq!(
            QueueStats::new(10, 4, false, 3),
            QueueStats { waiting: 6, admitted: 3, sold_out: 0, served_up_to: 4, joined: 10 }
        );
        assert_eq!(QueueStats::new(10, 4, true, 3).sold_out, 6);
        assert_eq!(QueueStats::new(3, 4, true, 3).waiting, 0);
    }
}
