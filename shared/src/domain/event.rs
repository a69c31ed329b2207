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
    pub sections: Vec<SectionSpec>,
}

/// A section of a new event, as asked for.
#[derive(Debug, Clone)]
pub struct SectionSpec {
    pub name: String,
    pub rows: u32,
    pub seats_per_row: u32,
    pub price_cents: i64,
    pub category: Option<String>,
}

/// An event as stored and served. Immutable once created, which is why instances may cache it.
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
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Section {
    pub name: String,
    pub rows: u32,
    pub seats_per_row: u32,
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
            if s.rows == 0 || s.rows > 1000 {
                return Err(RuleError::invalid(field("rows"), "must be between 1 and 1000"));
            }
            if s.seats_per_row == 0 || s.seats_per_row > 1000 {
                return Err(RuleError::invalid(field("seatsPerRow"), "must be between 1 and 1000"));
            }
            if !(0..=100_000_000).contains(&s.price_cents) {
                return Err(RuleError::invalid(
                    field("priceCents"),
                    "must be between 0 and 100000000",
                ));
            }
            let category = s.category.unwrap_or_else(|| "standard".to_string());
            check_text(&field("category"), &category, 50)?;
            seat_count += u64::from(s.rows) * u64::from(s.seats_per_row);
            sections.push(Section {
                name: s.name,
                rows: s.rows,
                seats_per_row: s.seats_per_row,
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
            created_at: now,
        })
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
    pub fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// The section a seat id belongs to, if the id names a seat of this event.
    pub fn seat_section(&self, seat: &SeatId) -> Option<&Section> {
        self.section(&seat.section).filter(|s| {
            (1..=s.rows).contains(&seat.row) && (1..=s.seats_per_row).contains(&seat.number)
        })
    }

    /// Every seat, in section order, then row, then number: the order of the seat map.
    pub fn seats(&self) -> impl Iterator<Item = (SeatId, &Section)> + '_ {
        self.sections.iter().flat_map(|s| {
            (1..=s.rows).flat_map(move |row| {
                (1..=s.seats_per_row).map(move |n| (SeatId::new(s.name.clone(), row, n), s))
            })
        })
    }

    /// Parses and checks the seat ids of a request: all known, none repeated, within the order cap.
    /// Returns them sorted, the fixed order in which they are locked.
    pub fn requested_seats(&self, ids: &[String]) -> Result<Vec<SeatId>, RuleError> {
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
        // The contract's order: a valid request first, then the seat cap.
        if seats.len() > self.max_seats_per_order as usize {
            return Err(RuleError::SeatLimit {
                max: self.max_seats_per_order,
                requested: seats.len() as u32,
            });
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
            starts_at: Utc::now(),
            currency: None,
            max_seats_per_order: None,
            hold_ttl_seconds: None,
            sections: sections
                .iter()
                .map(|(n, r, s)| SectionSpec {
                    name: n.to_string(),
                    rows: *r,
                    seats_per_row: *s,
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
    fn seats_are_listed_in_map_order() {
        let e = event(&[("B", 1, 2), ("A", 1, 1)]);
        let ids: Vec<String> = e.seats().map(|(s, _)| s.to_string()).collect();
        assert_eq!(ids, ["B-1-1", "B-1-2", "A-1-1"]);
    }
}
