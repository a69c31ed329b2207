//! Events and their sections: the create-event rules and the seats a section layout implies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::price::{Breakdown, Discount};
use super::seat::SeatId;
use super::RuleError;

mod spec;
#[cfg(test)]
pub(crate) mod tests;

/// The most seats one event may have.
pub const MAX_SEATS_PER_EVENT: u64 = 100_000;
/// `maxSeatsPerOrder` bounds.
pub const SEATS_PER_ORDER: std::ops::RangeInclusive<u32> = 1..=50;
/// `holdTtlSeconds` bounds.
pub const HOLD_TTL_SECONDS: std::ops::RangeInclusive<u32> = 30..=3600;

/// The years an event may start in.
pub const STARTS_AT_YEARS: std::ops::RangeInclusive<i32> = 2000..=2099;
/// `waitingRoom.admissionTtlSeconds` bounds and default.
pub const ADMISSION_TTL_SECONDS: std::ops::RangeInclusive<u32> = 60..=3600;
pub const DEFAULT_ADMISSION_TTL_SECONDS: u32 = 600;
/// `waitingRoom.admitPerMinute` bounds.
pub const ADMIT_PER_MINUTE: std::ops::RangeInclusive<u32> = 1..=1_000_000;

/// A new event as asked for, before its rules are applied ([`EventSpec::validate`]); its wire
/// shape is `http::bodies::EventBody`.
#[derive(Debug, Clone)]
pub struct EventSpec {
    pub name: String,
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    pub currency: Option<String>,
    pub max_seats_per_order: Option<u32>,
    /// Live tickets, holds and pending bookings one user may have of the event in all (1-100).
    pub max_tickets_per_user: Option<u32>,
    pub hold_ttl_seconds: Option<u32>,
    pub on_sale_at: Option<DateTime<Utc>>,
    pub sales_end_at: Option<DateTime<Utc>>,
    pub waiting_room: Option<WaitingRoomSpec>,
    pub charges: ChargesSpec,
    pub sections: Vec<SectionSpec>,
}

/// The waiting room of a new event, as asked for.
#[derive(Debug, Clone, Default)]
pub struct WaitingRoomSpec {
    pub admit_per_minute: Option<u32>,
    pub admission_ttl_seconds: Option<u32>,
}

/// A change to an event (`PATCH`): only these fields ever change; sections and seats never do.
#[derive(Debug, Clone, Default)]
pub struct EventPatch {
    pub name: Option<String>,
    pub venue: Option<String>,
    pub starts_at: Option<DateTime<Utc>>,
    pub on_sale_at: Option<DateTime<Utc>>,
    pub sales_end_at: Option<DateTime<Utc>>,
}

/// What a new event adds to its face values, as asked for (fees and tax; none by default).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChargesSpec {
    pub per_ticket_cents: Option<i64>,
    pub per_order_cents: Option<i64>,
    pub tax_rate_bps: Option<i64>,
    pub prices_include_tax: Option<bool>,
}

/// A section of a new event, as asked for.
#[derive(Debug, Clone)]
pub struct SectionSpec {
    pub name: String,
    /// Seated: `rows` x `seats_per_row`; general admission: `capacity` instead.
    pub rows: Option<u32>,
    pub seats_per_row: Option<u32>,
    pub capacity: Option<u32>,
    pub price_cents: i64,
    pub category: Option<String>,
    /// Early-bird steps and waves before `price_cents` (none: one price).
    pub tiers: Vec<crate::domain::tier::Tier>,
}

/// An event as stored and served. Its sections and seats never change; its name, venue, start and
/// sales window may ([`EventPatch`], under `version`), which is why instances cache it only briefly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    pub id: Uuid,
    pub name: String,
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    pub currency: String,
    pub max_seats_per_order: u32,
    /// What one user may have of the event in all: holds, pending bookings and live tickets
    /// (bought or received), counted with the seat locks. `None`: no limit but the per-order one.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_tickets_per_user: Option<u32>,
    pub hold_ttl_seconds: u32,
    pub seat_count: u32,
    pub sections: Vec<Section>,
    /// Fees and tax on the face values (`fees`, `taxRateBps`, `pricesIncludeTax`); they never
    /// change once the event exists, so every ticket's line is what it was when it was sold.
    #[serde(flatten)]
    pub charges: crate::domain::price::Charges,
    pub on_sale_at: DateTime<Utc>,
    pub sales_end_at: DateTime<Utc>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub waiting_room: Option<WaitingRoom>,
    pub created_at: DateTime<Utc>,
    /// When an admin cancelled the event: it stops selling at once, for good.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cancelled_at: Option<DateTime<Utc>>,
    /// Bumped by every change; not part of the contract.
    #[serde(skip)]
    pub version: u64,
}

/// An event's waiting room: it sells only to buyers the queue admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitingRoom {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub admit_per_minute: Option<u32>,
    pub admission_ttl_seconds: u32,
}

/// Where an event's sale stands at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SaleStatus {
    Scheduled,
    OnSale,
    Ended,
    Cancelled,
}

impl SaleStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SaleStatus::Scheduled => "SCHEDULED",
            SaleStatus::OnSale => "ON_SALE",
            SaleStatus::Ended => "ENDED",
            SaleStatus::Cancelled => "CANCELLED",
        }
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub name: String,
    /// 0 in a general-admission section (not served then).
    #[serde(skip_serializing_if = "is_zero", default)]
    pub rows: u32,
    #[serde(skip_serializing_if = "is_zero", default)]
    pub seats_per_row: u32,
    /// A general-admission section (standing, no seat numbers) sells this many places,
    /// `{section}-{n}` for n in 1..=capacity.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub capacity: Option<u32>,
    /// The section's own price: what a seat costs once its tiers are used up or over.
    pub price_cents: i64,
    pub category: String,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub tiers: Vec<crate::domain::tier::Tier>,
}

impl Event {
    /// Where the sale stands at `now`: before the window, in it, or after it.
    pub fn sale_status(&self, now: DateTime<Utc>) -> SaleStatus {
        if self.cancelled_at.is_some() {
            SaleStatus::Cancelled
        } else if now < self.on_sale_at {
            SaleStatus::Scheduled
        } else if now < self.sales_end_at {
            SaleStatus::OnSale
        } else {
            SaleStatus::Ended
        }
    }

    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The section a seat id belongs to, if the id names a seat (or a general-admission place,
    /// row 0) of this event.
    pub fn seat_section(&self, seat: &SeatId) -> Option<&Section> {
        self.section(&seat.section).filter(|s| match s.capacity {
            Some(c) => seat.row == 0 && (1..=c).contains(&seat.number),
            None => {
                (1..=s.rows).contains(&seat.row) && (1..=s.seats_per_row).contains(&seat.number)
            }
        })
    }

    /// Every seat and general-admission place, in section order, then row, then number: the order
    /// of the seat map.
    pub fn seats(&self) -> impl Iterator<Item = (SeatId, &Section)> + '_ {
        self.sections.iter().flat_map(|s| {
            let places = s.capacity.unwrap_or(0);
            (1..=s.rows)
                .flat_map(move |row| {
                    (1..=s.seats_per_row).map(move |n| (SeatId::new(s.name.clone(), row, n), s))
                })
                .chain((1..=places).map(move |n| (SeatId::place(s.name.clone(), n), s)))
        })
    }

    /// The numbered seats of the seated sections, in map order: what the seat map lists one by one
    /// (a general-admission section's places are counted instead).
    pub fn seated(&self) -> impl Iterator<Item = (SeatId, &Section)> + '_ {
        self.seats().filter(|(_, section)| section.capacity.is_none())
    }

    /// Parses and checks the seat ids of a request: all known, none repeated, within the order cap.
    /// Returns them sorted, the fixed order in which they are locked.
    pub fn requested_seats(&self, ids: &[String]) -> Result<Vec<SeatId>, RuleError> {
        let seats = self.known_seats(ids)?;
        // The contract's order: a valid request first, then the seat cap.
        if seats.len() > self.max_seats_per_order as usize {
            return Err(RuleError::SeatLimit {
                max: self.max_seats_per_order,
                requested: seats.len() as u32,
            });
        }
        Ok(seats)
    }

    /// Parses and checks seat ids: at least one, all of this event, none repeated; sorted.
    pub fn known_seats(&self, ids: &[String]) -> Result<Vec<SeatId>, RuleError> {
        if ids.is_empty() {
            return Err(RuleError::invalid("seatIds", "at least one seat is required"));
        }
        let mut unknown = Vec::new();
        let mut seats = Vec::with_capacity(ids.len());
        for raw in ids {
            match SeatId::parse(raw).filter(|s| self.seat_section(s).is_some()) {
                Some(seat) => seats.push(seat),
                None => unknown.push(raw.clone()),
            }
        }
        if !unknown.is_empty() {
            return Err(RuleError::UnknownSeats(unknown));
        }
        seats.sort();
        let mut repeated: Vec<String> =
            seats.windows(2).filter(|w| w[0] == w[1]).map(|w| w[0].to_string()).collect();
        repeated.dedup();
        if !repeated.is_empty() {
            return Err(RuleError::RepeatedSeats(repeated));
        }
        Ok(seats)
    }

    /// The price of an order of tickets at `faces` (their quoted face values), each less
    /// `discount`: each ticket's line (face, fee, tax) and the order's fee.
    pub fn breakdown_of(&self, faces: &[i64], discount: Discount) -> Breakdown {
        let faces: Vec<(i64, i64)> = faces.iter().map(|&f| (f, discount.off(f))).collect();
        self.charges.order(&faces)
    }

    /// What tickets at `faces` of a booking account for (their lines, less the booking's
    /// `discount`, without the order's fee): what a partial cancel of them takes off the booking
    /// and gives back.
    pub fn share_of(&self, faces: &[i64], discount: Discount) -> Breakdown {
        self.charges.tickets(faces, discount)
    }

    /// The all-in price of one seat of `section` (face, fee and tax): what the seat map shows.
    pub fn total_price(&self, section: &Section) -> i64 {
        self.charges.total_price(section.price_cents)
    }

    /// The cheapest and dearest all-in price of one ticket, over every section's own price and
    /// its tiers' (what an event list shows as "from ... to ..."; the per-order fee comes on top).
    pub fn price_range(&self) -> PriceRange {
        let faces = self.sections.iter().flat_map(|s| {
            std::iter::once(s.price_cents).chain(s.tiers.iter().map(|t| t.price_cents))
        });
        let totals: Vec<i64> = faces.map(|f| self.charges.total_price(f)).collect();
        PriceRange {
            min_cents: totals.iter().copied().min().unwrap_or(0),
            max_cents: totals.iter().copied().max().unwrap_or(0),
        }
    }
}

/// One ticket's all-in price, cheapest to dearest, of an event ([`Event::price_range`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PriceRange {
    pub min_cents: i64,
    pub max_cents: i64,
}
