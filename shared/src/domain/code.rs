//! Discount and access codes: what an organiser makes, when and for which seats a code is good,
//! what it takes off a ticket, and whether it opens a sale early (a presale). A code never changes
//! once made; its uses are counted by the stores in the steps that hold and book (`ports`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::event::Event;
use super::price::Discount;
use super::reservation::{reserved_seats, Reservation};
use super::seat::SeatId;
use super::RuleError;

/// Longest code accepted (letters, digits, `-` and `_`; compared without case).
pub const MAX_CODE_LEN: usize = 32;
/// Most uses one code may have.
pub const MAX_USES: u32 = 1_000_000;
/// Most sections a code may name.
pub const MAX_SECTIONS: usize = 50;
/// Largest discount per ticket, in minor units.
pub const MAX_AMOUNT_OFF: i64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CodeKind {
    /// Takes `percentOff` or `amountOffCents` off each ticket's face.
    Discount,
    /// A presale code: its holder may buy between `validFrom` and `validUntil`, before the sale.
    Access,
}

impl CodeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CodeKind::Discount => "DISCOUNT",
            CodeKind::Access => "ACCESS",
        }
    }

    pub fn parse(s: &str) -> Option<CodeKind> {
        [CodeKind::Discount, CodeKind::Access].into_iter().find(|k| k.as_str() == s)
    }
}

/// A code of an event, as served to its organiser (`used`: its PENDING and CONFIRMED orders).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Code {
    pub event_id: Uuid,
    pub code: String,
    pub kind: CodeKind,
    pub max_uses: u32,
    pub used: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub percent_off: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub amount_off_cents: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub max_tickets_per_use: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub sections: Option<Vec<String>>,
    /// Seats set aside for an access code until its `validUntil`, as the organiser named them.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reserved_seat_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub reserved_sections: Option<Vec<String>>,
    /// The seats those come to (sorted), served as their number (`reservedSeats`).
    #[serde(
        rename = "reservedSeats",
        serialize_with = "count",
        skip_deserializing,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub reserved: Vec<String>,
    pub created_at: DateTime<Utc>,
}

fn count<S: serde::Serializer>(seats: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(seats.len() as u64)
}

/// What an organiser asks for (`POST /events/{id}/codes`), before the event's rules are applied.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeSpec {
    pub code: String,
    pub kind: String,
    pub max_uses: u32,
    pub percent_off: Option<u32>,
    pub amount_off_cents: Option<i64>,
    pub max_tickets_per_use: Option<u32>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
    pub sections: Option<Vec<String>>,
    pub reserved_seat_ids: Option<Vec<String>>,
    pub reserved_sections: Option<Vec<String>>,
}

/// A code as a buyer types it, the way it is kept: upper case. `None` if it cannot be a code.
pub fn normalise(code: &str) -> Option<String> {
    let ok = !code.is_empty()
        && code.len() <= MAX_CODE_LEN
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| code.to_ascii_uppercase())
}

impl CodeSpec {
    /// The code the spec makes for `event`, or the first rule it breaks (422).
    pub fn validate(self, event: &Event, now: DateTime<Utc>) -> Result<Code, RuleError> {
        let code = normalise(&self.code).ok_or_else(|| {
            RuleError::invalid("code", format!("1 to {MAX_CODE_LEN} letters, digits, '-' or '_'"))
        })?;
        let kind = CodeKind::parse(&self.kind)
            .ok_or_else(|| RuleError::invalid("kind", "DISCOUNT or ACCESS"))?;
        if !(1..=MAX_USES).contains(&self.max_uses) {
            return Err(RuleError::invalid("maxUses", format!("between 1 and {MAX_USES}")));
        }
        match (kind, self.percent_off, self.amount_off_cents) {
            (CodeKind::Discount, Some(p), None) if (1..=100).contains(&p) => {}
            (CodeKind::Discount, None, Some(a)) if (1..=MAX_AMOUNT_OFF).contains(&a) => {}
            (CodeKind::Discount, Some(_), None) => {
                return Err(RuleError::invalid("percentOff", "between 1 and 100"))
            }
            (CodeKind::Discount, None, Some(_)) => {
                return Err(RuleError::invalid(
                    "amountOffCents",
                    format!("between 1 and {MAX_AMOUNT_OFF}"),
                ))
            }
            (CodeKind::Discount, _, _) => {
                return Err(RuleError::invalid(
                    "percentOff",
                    "a discount code takes percentOff or amountOffCents (one of them)",
                ))
            }
            (CodeKind::Access, None, None) => {}
            (CodeKind::Access, _, _) => {
                return Err(RuleError::invalid("percentOff", "an access code takes no discount"))
            }
        }
        if let Some(m) = self.max_tickets_per_use {
            if kind != CodeKind::Access {
                return Err(RuleError::invalid(
                    "maxTicketsPerUse",
                    "only access codes limit the tickets per use",
                ));
            }
            if m == 0 || m > event.max_seats_per_order {
                return Err(RuleError::invalid(
                    "maxTicketsPerUse",
                    format!(
                        "between 1 and the event's maxSeatsPerOrder ({})",
                        event.max_seats_per_order
                    ),
                ));
            }
        }
        if let (Some(from), Some(until)) = (self.valid_from, self.valid_until) {
            if from >= until {
                return Err(RuleError::invalid("validUntil", "must be after validFrom"));
            }
        }
        if let Some(until) = self.valid_until {
            if until <= now {
                return Err(RuleError::invalid("validUntil", "must be in the future"));
            }
        }
        let sections = match self.sections {
            None => None,
            Some(s) if s.is_empty() || s.len() > MAX_SECTIONS => {
                return Err(RuleError::invalid(
                    "sections",
                    format!("between 1 and {MAX_SECTIONS} sections"),
                ))
            }
            Some(mut s) => {
                if let Some(unknown) = s.iter().find(|n| event.section(n).is_none()) {
                    return Err(RuleError::invalid(
                        "sections",
                        format!("no section {unknown:?} in this event"),
                    ));
                }
                s.sort();
                s.dedup();
                Some(s)
            }
        };
        if let Some(s) = self.reserved_sections.as_ref().filter(|s| s.len() > MAX_SECTIONS) {
            return Err(RuleError::invalid(
                "reservedSections",
                format!("at most {MAX_SECTIONS} sections, not {}", s.len()),
            ));
        }
        let reserved = reserved_seats(
            event,
            kind,
            self.valid_until,
            self.reserved_seat_ids.as_deref(),
            self.reserved_sections.as_deref(),
        )?;
        Ok(Code {
            event_id: event.id,
            code,
            kind,
            max_uses: self.max_uses,
            used: 0,
            percent_off: self.percent_off,
            amount_off_cents: self.amount_off_cents,
            max_tickets_per_use: self.max_tickets_per_use,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            sections,
            reserved_seat_ids: self.reserved_seat_ids,
            reserved_sections: self.reserved_sections,
            reserved,
            created_at: now,
        })
    }
}

impl Code {
    /// What the code takes off each ticket.
    pub fn discount(&self) -> Discount {
        Discount::from_parts(self.percent_off, self.amount_off_cents)
    }

    /// Whether `now` is inside the code's validity window.
    pub fn valid_at(&self, now: DateTime<Utc>) -> bool {
        self.valid_from.is_none_or(|f| f <= now) && self.valid_until.is_none_or(|u| now < u)
    }

    /// Whether the code lets its holder buy before the sale opens (a valid access code).
    pub fn opens_presale(&self, now: DateTime<Utc>) -> bool {
        self.kind == CodeKind::Access && self.valid_at(now)
    }

    /// Whether the code is good now for an order of `seats` (422 `CODE_INVALID` otherwise, with
    /// the reason); `None` seats: best available, not yet chosen.
    pub fn admits(
        &self,
        now: DateTime<Utc>,
        seats: Option<&[SeatId]>,
        count: u32,
    ) -> Result<(), RuleError> {
        if !self.valid_at(now) {
            let why = if self.valid_from.is_some_and(|f| now < f) {
                "this code is not valid yet"
            } else {
                "this code has expired"
            };
            return Err(RuleError::CodeInvalid(why.into()));
        }
        if let Some(max) = self.max_tickets_per_use {
            if count > max {
                return Err(RuleError::CodeInvalid(format!(
                    "this code is for at most {max} tickets per order"
                )));
            }
        }
        if let (Some(sections), Some(seats)) = (&self.sections, seats) {
            if let Some(s) = seats.iter().find(|s| !sections.contains(&s.section)) {
                return Err(RuleError::CodeInvalid(format!(
                    "this code is not for seat {s} (it is for {})",
                    sections.join(", ")
                )));
            }
        }
        Ok(())
    }

    /// The seats the code sets aside, while it lives (`None`: it reserves none).
    pub fn reservation(&self) -> Option<Reservation> {
        let until = self.valid_until?;
        (!self.reserved.is_empty()).then(|| Reservation {
            code: self.code.clone(),
            until,
            seats: self.reserved.clone(),
        })
    }

    /// The one section best available should look in for this code when the buyer named none:
    /// a code for a single section keeps the search there.
    pub fn only_section(&self) -> Option<&str> {
        match self.sections.as_deref() {
            Some([one]) => Some(one),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;
    use crate::domain::event::tests::event;

    fn spec(kind: &str) -> CodeSpec {
        CodeSpec {
            code: "fan-club_1".into(),
            kind: kind.into(),
            max_uses: 3,
            ..CodeSpec::default()
        }
    }

    #[test]
    fn a_code_is_kept_in_upper_case_and_bounded() {
        assert_eq!(normalise("fan-club_1").as_deref(), Some("FAN-CLUB_1"));
        assert_eq!(normalise(""), None);
        assert_eq!(normalise("no spaces"), None);
        assert_eq!(normalise(&"x".repeat(MAX_CODE_LEN + 1)), None);
        assert_eq!(normalise("ÉTÉ"), None, "ascii only: a code is typed on any keyboard");
    }

    #[test]
    fn a_discount_takes_exactly_one_of_percent_and_amount_and_an_access_code_neither() {
        let e = event(&[("A", 2, 5)]);
        let now = Utc::now();
        let ok = |s: CodeSpec| s.validate(&e, now);
        assert!(ok(spec("DISCOUNT")).is_err(), "neither");
        assert!(ok(CodeSpec {
            percent_off: Some(10),
            amount_off_cents: Some(5),
            ..spec("DISCOUNT")
        })
        .is_err());
        assert!(ok(CodeSpec { percent_off: Some(101), ..spec("DISCOUNT") }).is_err());
        assert!(ok(CodeSpec { amount_off_cents: Some(0), ..spec("DISCOUNT") }).is_err());
        let c = ok(CodeSpec { percent_off: Some(10), ..spec("DISCOUNT") }).unwrap();
        assert_eq!((c.code.as_str(), c.discount()), ("FAN-CLUB_1", Discount::Percent(10)));
        assert!(ok(CodeSpec { percent_off: Some(10), ..spec("ACCESS") }).is_err());
        assert!(ok(CodeSpec { max_tickets_per_use: Some(2), ..spec("DISCOUNT") }).is_err());
        assert!(ok(CodeSpec { max_tickets_per_use: Some(11), ..spec("ACCESS") }).is_err());
        assert!(ok(CodeSpec { max_uses: 0, ..spec("ACCESS") }).is_err());
        assert!(ok(spec("FREE")).is_err());
        assert!(ok(CodeSpec { sections: Some(vec!["Z".into()]), ..spec("ACCESS") }).is_err());
        assert!(ok(CodeSpec { valid_until: Some(now), ..spec("ACCESS") }).is_err());
        let late = Some(now + Duration::hours(1));
        assert!(ok(CodeSpec { valid_from: late, valid_until: late, ..spec("ACCESS") }).is_err());
        assert_eq!(ok(spec("ACCESS")).unwrap().discount(), Discount::None);
    }

    #[test]
    fn a_code_admits_orders_inside_its_window_size_and_sections() {
        let e = event(&[("A", 2, 5), ("B", 2, 5)]);
        let t0 = Utc::now();
        let c = CodeSpec {
            max_tickets_per_use: Some(2),
            valid_from: Some(t0 + Duration::hours(1)),
            valid_until: Some(t0 + Duration::hours(2)),
            sections: Some(vec!["A".into()]),
            ..spec("ACCESS")
        }
        .validate(&e, t0)
        .unwrap();
        let a = [SeatId::new("A", 1, 1), SeatId::new("A", 1, 2)];
        let b = [SeatId::new("B", 1, 1)];
        let open = t0 + Duration::minutes(90);
        assert!(c.admits(t0, Some(&a), 2).is_err(), "not yet");
        assert!(c.admits(t0 + Duration::hours(2), Some(&a), 2).is_err(), "over at validUntil");
        assert_eq!(c.admits(open, Some(&a), 2), Ok(()));
        assert!(c.admits(open, Some(&b), 1).is_err(), "another section");
        assert!(c.admits(open, None, 3).is_err(), "too many for one use");
        assert!(c.opens_presale(open) && !c.opens_presale(t0));
        assert_eq!(c.only_section(), Some("A"));
    }
}
