//! Seat identity (`{section}-{row}-{number}`, or `{section}-{n}` for a general-admission place) and
//! the statuses a client sees.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A seat's id within its event: section name, row and number, both counted from 1; a
/// general-admission place has row 0 and is written without it (`FLOOR-12`).
///
/// Section names never contain `-` (see [`crate::domain::event`]), so the id parses unambiguously.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SeatId {
    pub section: String,
    pub row: u32,
    pub number: u32,
}

impl SeatId {
    pub fn new(section: impl Into<String>, row: u32, number: u32) -> Self {
        SeatId { section: section.into(), row, number }
    }

    /// A general-admission place: `{section}-{n}`.
    pub fn place(section: impl Into<String>, number: u32) -> Self {
        SeatId { section: section.into(), row: 0, number }
    }

    /// Parses `A-3-12` (a seat) or `FLOOR-12` (a general-admission place); `None` for anything
    /// else (the caller reports it as an unknown seat).
    pub fn parse(s: &str) -> Option<SeatId> {
        let mut parts = s.rsplitn(3, '-');
        let number = parse_positive(parts.next()?)?;
        let middle = parts.next()?;
        let (section, row) = match parts.next() {
            Some(section) => (section, parse_positive(middle)?),
            None => (middle, 0),
        };
        if section.is_empty() || section.contains('-') {
            return None;
        }
        Some(SeatId { section: section.to_string(), row, number })
    }
}

/// Digits only, no sign, no leading zero: one spelling per seat, so `A-01-1` is not `A-1-1`.
fn parse_positive(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 6 || s.starts_with('0') || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl fmt::Display for SeatId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.row == 0 {
            write!(f, "{}-{}", self.section, self.number)
        } else {
            write!(f, "{}-{}-{}", self.section, self.row, self.number)
        }
    }
}

/// What a client sees of a seat. `Held` covers both a live hold and a pending booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum SeatStatus {
    Available,
    Held,
    Booked,
    /// Taken off sale by an admin (a kill for a camera, the sound desk, house seats).
    Blocked,
    /// Set aside for a presale's access code until the code's end (shown as it is to the code's
    /// holder: `?code=`).
    Reserved,
}

impl SeatStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SeatStatus::Available => "AVAILABLE",
            SeatStatus::Held => "HELD",
            SeatStatus::Booked => "BOOKED",
            SeatStatus::Blocked => "BLOCKED",
            SeatStatus::Reserved => "RESERVED",
        }
    }

    pub fn parse(s: &str) -> Option<SeatStatus> {
        [
            SeatStatus::Available,
            SeatStatus::Held,
            SeatStatus::Booked,
            SeatStatus::Blocked,
            SeatStatus::Reserved,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seat_id_round_trips_through_its_text() {
        let id = SeatId::new("VIP", 3, 12);
        assert_eq!(id.to_string(), "VIP-3-12");
        assert_eq!(SeatId::parse("VIP-3-12"), Some(id));
        let place = SeatId::place("FLOOR", 7);
        assert_eq!(place.to_string(), "FLOOR-7");
        assert_eq!(SeatId::parse("FLOOR-7"), Some(place));
    }

    #[test]
    fn malformed_seat_ids_are_rejected() {
        for bad in [
            "",
            "A",
            "A-0",
            "-1",
            "A-1-",
            "-1-1",
            "A-0-1",
            "A-1-0",
            "A-01-1",
            "A-1-x",
            "A-B-1-1",
            "A--1-1",
            "A-1-+1",
            "A-1-9999999",
            "A-9999999",
        ] {
            assert_eq!(SeatId::parse(bad), None, "{bad:?} should not parse");
        }
    }
}
