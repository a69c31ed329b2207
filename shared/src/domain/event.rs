//! Events and their sections: the create-event rules and the seats a section layout implies.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::seat::SeatId;
use super::RuleError;

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
    pub hold_ttl_seconds: Option<u32>,
    pub on_sale_at: Option<DateTime<Utc>>,
    pub sales_end_at: Option<DateTime<Utc>>,
    pub waiting_room: Option<WaitingRoomSpec>,
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
    pub hold_ttl_seconds: u32,
    pub seat_count: u32,
    pub sections: Vec<Section>,
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
    pub price_cents: i64,
    pub category: String,
}

impl EventSpec {
    /// Checks every field and fills the defaults; the first broken rule is the answer.
    /// Checks every rule of a new event; the first broken one is the error.
    pub fn validate(
        self,
        id: Uuid,
        now: DateTime<Utc>,
        default_hold_ttl: u32,
    ) -> Result<Event, RuleError> {
        check_text("name", &self.name, 200)?;
        check_text("venue", &self.venue, 200)?;
        // Within what every store keeps exactly (MySQL DATETIME starts at year 1000).
        if !(STARTS_AT_YEARS).contains(&chrono::Datelike::year(&self.starts_at)) {
            return Err(RuleError::invalid("startsAt", "must be between the years 2000 and 2099"));
        }
        let currency = self.currency.unwrap_or_else(|| "USD".to_string());
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RuleError::invalid(
                "currency",
                "must be a three-letter ISO 4217 code such as USD",
            ));
        }
        let max_seats_per_order = self.max_seats_per_order.unwrap_or(10);
        if !SEATS_PER_ORDER.contains(&max_seats_per_order) {
            return Err(RuleError::invalid("maxSeatsPerOrder", "must be between 1 and 50"));
        }
        let hold_ttl_seconds = self.hold_ttl_seconds.unwrap_or(default_hold_ttl);
        if !HOLD_TTL_SECONDS.contains(&hold_ttl_seconds) {
            return Err(RuleError::invalid("holdTtlSeconds", "must be between 30 and 3600"));
        }
        let on_sale_at = self.on_sale_at.unwrap_or(now);
        let sales_end_at = self.sales_end_at.unwrap_or(self.starts_at);
        check_window(on_sale_at, sales_end_at, self.sales_end_at.is_some())?;
        let waiting_room = self.waiting_room.map(WaitingRoomSpec::validate).transpose()?;
        if self.sections.is_empty() {
            return Err(RuleError::invalid("sections", "at least one section is required"));
        }
        let mut sections: Vec<Section> = Vec::with_capacity(self.sections.len());
        let mut seat_count: u64 = 0;
        for (i, s) in self.sections.into_iter().enumerate() {
            let field = |f: &str| format!("sections[{i}].{f}");
            if s.name.is_empty()
                || s.name.len() > 20
                || !s.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(RuleError::invalid(field("name"), "1-20 letters, digits or _"));
            }
            if sections.iter().any(|o| o.name == s.name) {
                return Err(RuleError::invalid(field("name"), "section names must be unique"));
            }
            let (rows, seats_per_row) = match (s.capacity, s.rows, s.seats_per_row) {
                (Some(c), None, None) => {
                    if c == 0 || u64::from(c) > MAX_SEATS_PER_EVENT {
                        return Err(RuleError::invalid(
                            field("capacity"),
                            format!("must be between 1 and {MAX_SEATS_PER_EVENT}"),
                        ));
                    }
                    (0, 0)
                }
                (Some(_), _, _) => return Err(RuleError::invalid(
                    field("capacity"),
                    "a general-admission section has a capacity instead of rows and seatsPerRow",
                )),
                (None, Some(rows), Some(per_row)) => {
                    if rows == 0 || rows > 1000 {
                        return Err(RuleError::invalid(
                            field("rows"),
                            "must be between 1 and 1000",
                        ));
                    }
                    if per_row == 0 || per_row > 1000 {
                        return Err(RuleError::invalid(
                            field("seatsPerRow"),
                            "must be between 1 and 1000",
                        ));
                    }
                    (rows, per_row)
                }
                (None, _, _) => {
                    return Err(RuleError::invalid(
                        field("rows"),
                        "rows and seatsPerRow, or a capacity (general admission), are required",
                    ))
                }
            };
            if !(0..=100_000_000).contains(&s.price_cents) {
                return Err(RuleError::invalid(
                    field("priceCents"),
                    "must be between 0 and 100000000",
                ));
            }
            let category = s.category.unwrap_or_else(|| "standard".to_string());
            check_text(&field("category"), &category, 50)?;
            seat_count +=
                u64::from(rows) * u64::from(seats_per_row) + u64::from(s.capacity.unwrap_or(0));
            sections.push(Section {
                name: s.name,
                rows,
                seats_per_row,
                capacity: s.capacity,
                price_cents: s.price_cents,
                category,
            });
        }
        if seat_count > MAX_SEATS_PER_EVENT {
            return Err(RuleError::invalid(
                "sections",
                format!("at most {MAX_SEATS_PER_EVENT} seats an event; these make {seat_count}"),
            ));
        }
        Ok(Event {
            id,
            name: self.name,
            venue: self.venue,
            starts_at: self.starts_at,
            currency,
            max_seats_per_order,
            hold_ttl_seconds,
            seat_count: seat_count as u32,
            sections,
            on_sale_at,
            sales_end_at,
            waiting_room,
            created_at: now,
            cancelled_at: None,
            version: 0,
        })
    }
}

impl WaitingRoomSpec {
    fn validate(self) -> Result<WaitingRoom, RuleError> {
        let admission_ttl_seconds =
            self.admission_ttl_seconds.unwrap_or(DEFAULT_ADMISSION_TTL_SECONDS);
        if !ADMISSION_TTL_SECONDS.contains(&admission_ttl_seconds) {
            return Err(RuleError::invalid(
                "waitingRoom.admissionTtlSeconds",
                "must be between 60 and 3600",
            ));
        }
        if self.admit_per_minute.is_some_and(|n| !ADMIT_PER_MINUTE.contains(&n)) {
            return Err(RuleError::invalid(
                "waitingRoom.admitPerMinute",
                "must be between 1 and 1000000",
            ));
        }
        Ok(WaitingRoom { admit_per_minute: self.admit_per_minute, admission_ttl_seconds })
    }
}

/// The sales window's rule: it ends after it opens, within the years any store keeps.
fn check_window(
    on_sale_at: DateTime<Utc>,
    sales_end_at: DateTime<Utc>,
    end_given: bool,
) -> Result<(), RuleError> {
    for (field, t) in [("onSaleAt", on_sale_at), ("salesEndAt", sales_end_at)] {
        if !STARTS_AT_YEARS.contains(&chrono::Datelike::year(&t)) {
            return Err(RuleError::invalid(field, "must be between the years 2000 and 2099"));
        }
    }
    if sales_end_at <= on_sale_at {
        let what = if end_given { "salesEndAt" } else { "salesEndAt (by default startsAt)" };
        return Err(RuleError::invalid("salesEndAt", format!("{what} must be after onSaleAt")));
    }
    Ok(())
}

impl EventPatch {
    /// Whether the patch changes nothing at all (an empty body).
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.venue.is_none()
            && self.starts_at.is_none()
            && self.on_sale_at.is_none()
            && self.sales_end_at.is_none()
    }

    /// The event with the patch applied, if the result keeps every rule.
    pub fn apply(self, event: &Event) -> Result<Event, RuleError> {
        if self.is_empty() {
            return Err(RuleError::invalid("body", "name at least one field to change"));
        }
        let mut e = event.clone();
        if let Some(name) = self.name {
            check_text("name", &name, 200)?;
            e.name = name;
        }
        if let Some(venue) = self.venue {
            check_text("venue", &venue, 200)?;
            e.venue = venue;
        }
        if let Some(starts_at) = self.starts_at {
            if !STARTS_AT_YEARS.contains(&chrono::Datelike::year(&starts_at)) {
                return Err(RuleError::invalid(
                    "startsAt",
                    "must be between the years 2000 and 2099",
                ));
            }
            e.starts_at = starts_at;
        }
        e.on_sale_at = self.on_sale_at.unwrap_or(e.on_sale_at);
        e.sales_end_at = self.sales_end_at.unwrap_or(e.sales_end_at);
        check_window(e.on_sale_at, e.sales_end_at, true)?;
        Ok(e)
    }
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), RuleError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(RuleError::invalid(field, format!("1-{max} printable characters")));
    }
    Ok(())
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

    /// Sum of the seats' prices. The seats must be of this event.
    pub fn price_of(&self, seats: &[SeatId]) -> i64 {
        seats.iter().filter_map(|s| self.seat_section(s)).map(|s| s.price_cents).sum()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub fn spec(sections: &[(&str, u32, u32)]) -> EventSpec {
        EventSpec {
            name: "Gala".into(),
            venue: "Hall".into(),
            starts_at: Utc::now() + chrono::Duration::days(30),
            currency: None,
            max_seats_per_order: None,
            hold_ttl_seconds: None,
            on_sale_at: None,
            sales_end_at: None,
            waiting_room: None,
            sections: sections
                .iter()
                .map(|(n, r, s)| SectionSpec {
                    name: n.to_string(),
                    rows: Some(*r),
                    seats_per_row: Some(*s),
                    capacity: None,
                    price_cents: 5000,
                    category: None,
                })
                .collect(),
        }
    }

    pub fn event(sections: &[(&str, u32, u32)]) -> Event {
        spec(sections).validate(Uuid::now_v7(), Utc::now(), 600).unwrap()
    }

    #[test]
    fn defaults_are_filled_in() {
        let e = event(&[("A", 2, 3)]);
        assert_eq!(
            (e.currency.as_str(), e.max_seats_per_order, e.hold_ttl_seconds, e.seat_count),
            ("USD", 10, 600, 6)
        );
        assert_eq!(e.sections[0].category, "standard");
    }

    #[test]
    fn an_event_holds_at_most_one_hundred_thousand_seats() {
        assert!(spec(&[("A", 100, 1000)]).validate(Uuid::now_v7(), Utc::now(), 600).is_ok());
        let err = spec(&[("A", 100, 1000), ("B", 1, 1)])
            .validate(Uuid::now_v7(), Utc::now(), 600)
            .unwrap_err();
        assert!(
            matches!(err, RuleError::Invalid { ref field, .. } if field == "sections"),
            "{err:?}"
        );
    }

    #[test]
    fn out_of_range_settings_are_refused() {
        let mut s = spec(&[("A", 1, 1)]);
        s.max_seats_per_order = Some(51);
        assert!(s.clone().validate(Uuid::now_v7(), Utc::now(), 600).is_err());
        s.max_seats_per_order = Some(50);
        s.hold_ttl_seconds = Some(29);
        assert!(s.clone().validate(Uuid::now_v7(), Utc::now(), 600).is_err());
        s.hold_ttl_seconds = Some(3600);
        assert!(s.validate(Uuid::now_v7(), Utc::now(), 600).is_ok());
        assert!(spec(&[("A-B", 1, 1)]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
        assert!(spec(&[("A", 1, 1), ("A", 1, 1)])
            .validate(Uuid::now_v7(), Utc::now(), 600)
            .is_err());
        assert!(spec(&[("A", 0, 1)]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
        assert!(spec(&[]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    }

    #[test]
    fn requested_seats_must_exist_and_not_repeat() {
        let e = event(&[("A", 2, 3)]);
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            e.requested_seats(&ids(&["A-2-3", "A-1-1"])).unwrap(),
            vec![SeatId::new("A", 1, 1), SeatId::new("A", 2, 3)]
        );
        assert_eq!(
            e.requested_seats(&ids(&["A-3-1", "B-1-1", "A-1-1"])),
            Err(RuleError::UnknownSeats(ids(&["A-3-1", "B-1-1"])))
        );
        assert_eq!(
            e.requested_seats(&ids(&["A-1-1", "A-1-2", "A-1-1"])),
            Err(RuleError::RepeatedSeats(ids(&["A-1-1"])))
        );
        assert!(matches!(e.requested_seats(&[]), Err(RuleError::Invalid { .. })));
        let big = event(&[("A", 3, 4)]);
        let all: Vec<String> = big.seats().map(|(s, _)| s.to_string()).collect();
        assert_eq!(big.requested_seats(&all), Err(RuleError::SeatLimit { max: 10, requested: 12 }));
        let mut unknown_and_many = all.clone();
        unknown_and_many.push("A-9-9".into());
        assert_eq!(
            big.requested_seats(&unknown_and_many),
            Err(RuleError::UnknownSeats(ids(&["A-9-9"])))
        );
    }

    #[test]
    fn the_sales_window_defaults_to_creation_until_the_start_and_must_not_be_empty() {
        let now = Utc::now();
        let s = spec(&[("A", 1, 1)]);
        let e = s.clone().validate(Uuid::now_v7(), now, 600).unwrap();
        assert_eq!((e.on_sale_at, e.sales_end_at), (now, s.starts_at));
        assert_eq!(e.sale_status(now - chrono::Duration::seconds(1)), SaleStatus::Scheduled);
        assert_eq!(e.sale_status(now), SaleStatus::OnSale);
        assert_eq!(e.sale_status(s.starts_at), SaleStatus::Ended);
        // An event that starts before it would go on sale has no window.
        let mut past = s.clone();
        past.starts_at = now - chrono::Duration::days(1);
        let err = past.validate(Uuid::now_v7(), now, 600).unwrap_err();
        assert!(matches!(err, RuleError::Invalid { ref field, .. } if field == "salesEndAt"));
        let mut empty = s.clone();
        empty.on_sale_at = Some(now + chrono::Duration::hours(1));
        empty.sales_end_at = Some(now + chrono::Duration::hours(1));
        assert!(empty.validate(Uuid::now_v7(), now, 600).is_err());
    }

    #[test]
    fn a_patch_keeps_the_window_rule_and_changes_only_what_it_names() {
        let e = event(&[("A", 1, 2)]);
        let later = e.sales_end_at + chrono::Duration::hours(1);
        let moved = EventPatch { on_sale_at: Some(later), ..Default::default() }.apply(&e);
        assert!(moved.is_err(), "opening after the end is refused");
        let renamed =
            EventPatch { name: Some("Gala II".into()), ..Default::default() }.apply(&e).unwrap();
        assert_eq!(
            (renamed.name.as_str(), renamed.sections.clone()),
            ("Gala II", e.sections.clone())
        );
        assert!(EventPatch::default().apply(&e).is_err(), "an empty patch is refused");
    }

    #[test]
    fn a_waiting_room_gets_its_defaults_and_bounds() {
        let mut s = spec(&[("A", 1, 1)]);
        s.waiting_room = Some(WaitingRoomSpec::default());
        let e = s.clone().validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
        assert_eq!(
            e.waiting_room,
            Some(WaitingRoom { admit_per_minute: None, admission_ttl_seconds: 600 })
        );
        s.waiting_room =
            Some(WaitingRoomSpec { admit_per_minute: None, admission_ttl_seconds: Some(59) });
        assert!(s.clone().validate(Uuid::now_v7(), Utc::now(), 600).is_err());
        s.waiting_room =
            Some(WaitingRoomSpec { admit_per_minute: Some(0), admission_ttl_seconds: None });
        assert!(s.validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    }

    #[test]
    fn seats_are_listed_in_map_order() {
        let e = event(&[("B", 1, 2), ("A", 1, 1)]);
        let ids: Vec<String> = e.seats().map(|(s, _)| s.to_string()).collect();
        assert_eq!(ids, ["B-1-1", "B-1-2", "A-1-1"]);
    }
}
