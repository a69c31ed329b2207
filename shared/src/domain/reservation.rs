//! Seats set aside for a presale's access code: until the code's `validUntil` they show `RESERVED`
//! to everyone else and only a hold naming the code may take them; then the unsold ones are on
//! general sale again (the lock structure decides by the clock, so they all come back at once).

use chrono::{DateTime, Utc};

use super::code::CodeKind;
use super::event::Event;
use super::seat::SeatId;
use super::RuleError;

/// Seat ids a code may name to reserve, at most (sections reserve any number).
pub const MAX_RESERVED_IDS: usize = 1000;

/// The seats one live code has set aside, as the lock structure keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    pub code: String,
    pub until: DateTime<Utc>,
    /// Seat ids, sorted.
    pub seats: Vec<String>,
}

impl Reservation {
    /// Whether the reservation still holds its seats at `now`.
    pub fn live(&self, now: DateTime<Utc>) -> bool {
        now < self.until
    }
}

/// Which of `seats` (sorted) the `live` reservations set aside already: a new code may not reserve
/// them too.
pub fn clashes(live: impl IntoIterator<Item = Reservation>, seats: &[String]) -> Vec<String> {
    let mine: std::collections::HashSet<&str> = seats.iter().map(String::as_str).collect();
    let mut taken: Vec<String> =
        live.into_iter().flat_map(|r| r.seats).filter(|s| mine.contains(s.as_str())).collect();
    taken.sort();
    taken
}

/// The seats a code's `reservedSeatIds` and `reservedSections` come to (sorted, no repeats), or
/// the rule they break: only an access code with a `validUntil` reserves, and only seats of
/// seated sections (a general-admission area is counted, not seated).
pub fn reserved_seats(
    event: &Event,
    kind: CodeKind,
    valid_until: Option<DateTime<Utc>>,
    ids: Option<&[String]>,
    sections: Option<&[String]>,
) -> Result<Vec<String>, RuleError> {
    if ids.is_none() && sections.is_none() {
        return Ok(Vec::new());
    }
    let field = if ids.is_some() { "reservedSeatIds" } else { "reservedSections" };
    if kind != CodeKind::Access {
        return Err(RuleError::invalid(field, "only access codes reserve seats"));
    }
    if valid_until.is_none() {
        return Err(RuleError::invalid(
            "validUntil",
            "a code that reserves seats needs validUntil (when they go on general sale)",
        ));
    }
    let mut seats: Vec<SeatId> = Vec::new();
    if let Some(ids) = ids {
        if ids.len() > MAX_RESERVED_IDS {
            return Err(RuleError::invalid(
                "reservedSeatIds",
                format!("between 1 and {MAX_RESERVED_IDS} seats"),
            ));
        }
        seats.extend(event.known_seats(ids)?);
    }
    for name in sections.unwrap_or_default() {
        match event.section(name) {
            Some(s) if s.capacity.is_none() => {
                seats.extend(event.seated().filter(|(_, sec)| sec.name == *name).map(|(id, _)| id))
            }
            Some(_) => {
                return Err(RuleError::invalid(
                    "reservedSections",
                    format!("{name:?} is general admission: only seated sections are reserved"),
                ))
            }
            None => {
                return Err(RuleError::invalid(
                    "reservedSections",
                    format!("no section {name:?} in this event"),
                ))
            }
        }
    }
    if let Some(place) = seats.iter().find(|s| s.row == 0) {
        return Err(RuleError::invalid(
            "reservedSeatIds",
            format!("{place} is a general-admission place: only seats are reserved"),
        ));
    }
    let mut ids: Vec<String> = seats.iter().map(ToString::to_string).collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(RuleError::invalid(field, "at least one seat"));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::spec;

    /// Seated sections A (2 x 3) and B (1 x 2), and a standing area C of 50.
    fn mixed_event() -> Event {
        let mut s = spec(&[("A", 2, 3), ("B", 1, 2), ("C", 1, 1)]);
        s.sections[2].rows = None;
        s.sections[2].seats_per_row = None;
        s.sections[2].capacity = Some(50);
        s.validate(uuid::Uuid::now_v7(), Utc::now(), 600).unwrap()
    }

    fn at(s: &str) -> Option<DateTime<Utc>> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn ids_and_sections_come_to_their_seats_sorted_once() {
        let e = mixed_event();
        let section = e.sections.iter().find(|s| s.capacity.is_none()).unwrap().name.clone();
        let in_section: Vec<String> =
            e.seated().filter(|(_, s)| s.name == section).map(|(id, _)| id.to_string()).collect();
        let one = vec![in_section[0].clone()];
        let seats = reserved_seats(
            &e,
            CodeKind::Access,
            at("2030-01-01T00:00:00Z"),
            Some(&one),
            Some(std::slice::from_ref(&section)),
        )
        .unwrap();
        let mut want = in_section.clone();
        want.sort();
        assert_eq!(seats, want);
    }

    #[test]
    fn only_an_access_code_with_an_end_reserves_seats_of_seated_sections() {
        let e = mixed_event();
        let seat = vec![e.seated().next().unwrap().0.to_string()];
        let until = at("2030-01-01T00:00:00Z");
        let discount = reserved_seats(&e, CodeKind::Discount, until, Some(&seat), None);
        assert!(
            matches!(discount, Err(RuleError::Invalid { ref field, .. }) if field == "reservedSeatIds")
        );
        let endless = reserved_seats(&e, CodeKind::Access, None, Some(&seat), None);
        assert!(
            matches!(endless, Err(RuleError::Invalid { ref field, .. }) if field == "validUntil")
        );
        let ga = e.sections.iter().find(|s| s.capacity.is_some()).unwrap().name.clone();
        let area = reserved_seats(&e, CodeKind::Access, until, None, Some(&[ga]));
        assert!(
            matches!(area, Err(RuleError::Invalid { ref field, .. }) if field == "reservedSections")
        );
        let unknown = reserved_seats(&e, CodeKind::Access, until, None, Some(&["NOPE".into()]));
        assert!(
            matches!(unknown, Err(RuleError::Invalid { ref field, .. }) if field == "reservedSections")
        );
        let none = reserved_seats(&e, CodeKind::Access, until, None, None).unwrap();
        assert!(none.is_empty());
    }

    #[test]
    fn a_reservation_ends_at_its_codes_end() {
        let until = at("2030-01-01T00:00:00Z").unwrap();
        let r = Reservation { code: "FAN".into(), until, seats: vec!["A-1-1".into()] };
        assert!(r.live(until - chrono::Duration::milliseconds(1)));
        assert!(!r.live(until));
    }
}
