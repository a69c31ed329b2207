//! Best available: which seats to offer when a buyer asks for a quantity instead of seats.
//!
//! Adjacent seats in one row where possible, front rows of earlier sections first, and never a
//! lone empty seat stranded between taken ones when another choice exists (such a seat rarely
//! sells, so venues treat it as lost revenue).

use super::event::Event;
use super::seat::SeatId;

/// Which seats are taken, row by row: `taken[section][row - 1][number - 1]` (a general-admission
/// section is one row of its places). Built from a lock snapshot; cheap to scan for a
/// 100,000-seat venue.
#[derive(Debug, Clone)]
pub struct Occupancy {
    taken: Vec<Vec<Vec<bool>>>,
}

impl Occupancy {
    /// From the ids of taken seats; ids that name no seat of the event are ignored.
    pub fn new<'a>(event: &Event, taken: impl IntoIterator<Item = &'a str>) -> Occupancy {
        let rows = event
            .sections
            .iter()
            .map(|s| match s.capacity {
                Some(c) => vec![vec![false; c as usize]],
                None => vec![vec![false; s.seats_per_row as usize]; s.rows as usize],
            })
            .collect();
        let mut o = Occupancy { taken: rows };
        o.mark(event, taken);
        o
    }

    /// Marks more seats taken (those a lost race named).
    pub fn mark<'a>(&mut self, event: &Event, taken: impl IntoIterator<Item = &'a str>) {
        self.set(event, taken, true);
    }

    /// Marks seats free (reserved ones, to the holder of their code).
    pub fn unmark<'a>(&mut self, event: &Event, free: impl IntoIterator<Item = &'a str>) {
        self.set(event, free, false);
    }

    fn set<'a>(&mut self, event: &Event, seats: impl IntoIterator<Item = &'a str>, taken: bool) {
        for id in seats {
            if let Some(seat) = SeatId::parse(id) {
                if let Some(i) = event.sections.iter().position(|s| s.name == seat.section) {
                    let row = match (event.sections[i].capacity, seat.row) {
                        (Some(_), 0) => 0,
                        (None, r) if r > 0 => r as usize - 1,
                        _ => continue,
                    };
                    if let Some(slot) =
                        self.taken[i].get_mut(row).and_then(|r| r.get_mut(seat.number as usize - 1))
                    {
                        *slot = taken;
                    }
                }
            }
        }
    }
}

/// A choice of seats: `len` adjacent seats from `first` (1-based) in one row, or a split choice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Choice {
    Block { section: usize, row: u32, first: u32, len: u32 },
    Split(Vec<SeatId>),
}

impl Choice {
    pub fn seats(&self, event: &Event) -> Vec<SeatId> {
        match self {
            Choice::Block { section, row, first, len } => (*first..first + len)
                .map(|n| SeatId::new(event.sections[*section].name.clone(), *row, n))
                .collect(),
            Choice::Split(seats) => seats.clone(),
        }
    }
}

/// The free places of a general-admission section, in order; empty for a seated or unknown one.
pub fn free_places(event: &Event, section: &str, occupancy: &Occupancy) -> Vec<SeatId> {
    let Some(i) = event.sections.iter().position(|s| s.name == section && s.capacity.is_some())
    else {
        return Vec::new();
    };
    occupancy.taken[i][0]
        .iter()
        .enumerate()
        .filter(|(_, taken)| !**taken)
        .map(|(n, _)| SeatId::place(section, n as u32 + 1))
        .collect()
}

/// Every way to seat `quantity` buyers together on free seats (in `section` if given; general
/// admission never, see [`free_places`]), best first:
/// blocks that strand no single seat, then blocks that do, each in map order (earlier sections,
/// front rows, aisle first). Only when no row has room: one split choice of the first free seats.
/// Empty when there are not that many free seats at all.
pub fn candidates(
    event: &Event,
    section: Option<&str>,
    quantity: u32,
    occupancy: &Occupancy,
) -> Vec<Choice> {
    let q = quantity as usize;
    if q == 0 {
        return Vec::new();
    }
    // (leaves an orphan, position in the map, first seat) — smaller is better.
    let mut blocks: Vec<((bool, usize, usize), Choice)> = Vec::new();
    let mut free_anywhere: Vec<SeatId> = Vec::new();
    let mut row_index = 0usize;
    for (si, s) in event.sections.iter().enumerate() {
        if section.is_some_and(|name| name != s.name) || s.capacity.is_some() {
            row_index += s.rows as usize;
            continue;
        }
        for (ri, taken) in occupancy.taken[si].iter().enumerate() {
            row_index += 1;
            let row = ri as u32 + 1;
            let free: Vec<bool> = taken.iter().map(|t| !t).collect();
            if free_anywhere.len() < q {
                for (i, _) in
                    free.iter().enumerate().filter(|(_, f)| **f).take(q - free_anywhere.len())
                {
                    free_anywhere.push(SeatId::new(s.name.clone(), row, i as u32 + 1));
                }
            }
            // Every run of free seats long enough offers its leftmost and rightmost block; a block
            // in the middle of a run only ever adds fragments, so it is never better.
            for (start, len) in free_runs(&free) {
                if len < q {
                    continue;
                }
                let ends = if len == q { vec![start] } else { vec![start, start + len - q] };
                for first in ends {
                    let (left, right) = (first - start, start + len - (first + q));
                    let choice =
                        Choice::Block { section: si, row, first: first as u32 + 1, len: quantity };
                    blocks.push(((left == 1 || right == 1, row_index, first), choice));
                }
            }
        }
    }
    if blocks.is_empty() {
        return if free_anywhere.len() == q {
            vec![Choice::Split(free_anywhere)]
        } else {
            Vec::new()
        };
    }
    blocks.sort_by_key(|(key, _)| *key);
    blocks.into_iter().map(|(_, c)| c).collect()
}

/// (start, length) of each run of `true`.
fn free_runs(free: &[bool]) -> Vec<(usize, usize)> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, f) in free.iter().chain(std::iter::once(&false)).enumerate() {
        match (f, start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i - s));
                start = None;
            }
            _ => {}
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;
    use crate::domain::event::tests::event;

    /// The best choice of [`candidates`], if any.
    fn choose(
        event: &Event,
        section: Option<&str>,
        quantity: u32,
        taken: &HashSet<SeatId>,
    ) -> Option<Vec<SeatId>> {
        let ids: Vec<String> = taken.iter().map(ToString::to_string).collect();
        let occupancy = Occupancy::new(event, ids.iter().map(String::as_str));
        candidates(event, section, quantity, &occupancy).first().map(|c| c.seats(event))
    }

    fn taken(ids: &[&str]) -> HashSet<SeatId> {
        ids.iter().map(|s| SeatId::parse(s).unwrap()).collect()
    }

    fn names(seats: Option<Vec<SeatId>>) -> Vec<String> {
        seats.unwrap().iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn an_empty_venue_gives_the_front_row_from_the_aisle() {
        let e = event(&[("A", 3, 10)]);
        assert_eq!(names(choose(&e, None, 3, &taken(&[]))), ["A-1-1", "A-1-2", "A-1-3"]);
    }

    #[test]
    fn a_lone_seat_is_not_stranded_when_another_choice_exists() {
        let e = event(&[("A", 2, 6)]);
        // Row 1 free: seats 2..6 (run of 5 after taken seat 1). Taking 4 from the left leaves seat 6
        // alone, from the right leaves seat 2 alone; row 2 is clean.
        let t = taken(&["A-1-1"]);
        assert_eq!(names(choose(&e, None, 4, &t)), ["A-2-1", "A-2-2", "A-2-3", "A-2-4"]);
        // Taking 5 fills row 1's run exactly: no orphan, front row wins.
        assert_eq!(names(choose(&e, None, 5, &t)), ["A-1-2", "A-1-3", "A-1-4", "A-1-5", "A-1-6"]);
    }

    #[test]
    fn an_orphan_is_accepted_when_nothing_else_fits() {
        let e = event(&[("A", 1, 4)]);
        assert_eq!(names(choose(&e, None, 3, &taken(&[]))), ["A-1-1", "A-1-2", "A-1-3"]);
    }

    #[test]
    fn seats_are_split_across_rows_only_when_no_row_fits() {
        let e = event(&[("A", 2, 3)]);
        let t = taken(&["A-1-2", "A-2-2"]);
        assert_eq!(names(choose(&e, None, 3, &t)), ["A-1-1", "A-1-3", "A-2-1"]);
        assert_eq!(choose(&e, None, 5, &t), None);
    }

    #[test]
    fn the_section_filter_is_respected() {
        let e = event(&[("A", 1, 5), ("B", 1, 5)]);
        assert_eq!(names(choose(&e, Some("B"), 2, &taken(&[]))), ["B-1-1", "B-1-2"]);
        assert_eq!(choose(&e, Some("B"), 6, &taken(&[])), None);
    }

    #[test]
    fn candidates_come_best_first_and_never_overlap_taken_seats() {
        let e = event(&[("A", 3, 8)]);
        let t = taken(&["A-1-4", "A-2-1"]);
        let ids: Vec<String> = t.iter().map(ToString::to_string).collect();
        let all = candidates(&e, None, 3, &Occupancy::new(&e, ids.iter().map(String::as_str)));
        assert!(all.len() > 3);
        assert!(all
            .iter()
            .map(|c| c.seats(&e))
            .all(|c| c.len() == 3 && c.iter().all(|s| !t.contains(s))));
        assert_eq!(names(all.first().map(|c| c.seats(&e))), ["A-1-1", "A-1-2", "A-1-3"]);
    }
}
