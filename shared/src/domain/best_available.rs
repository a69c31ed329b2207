//! Best available: which seats to offer when a buyer asks for a quantity instead of seats.
//!
//! Adjacent seats in one row where possible, front rows of earlier sections first, and never a
//! lone empty seat stranded between taken ones when another choice exists (such a seat rarely
//! sells, so venues treat it as lost revenue).

use std::collections::HashSet;

use super::event::Event;
use super::seat::SeatId;

/// Every way to seat `quantity` buyers from seats not in `taken` (in `section` if given), best
/// first: adjacent blocks without a stranded seat, then blocks that strand one, each in map order;
/// only when no row has room, one split choice of the first free seats. Empty when there are not
/// that many free seats at all.
pub fn candidates(event: &Event, section: Option<&str>, quantity: u32, taken: &HashSet<SeatId>) -> Vec<Vec<SeatId>> {
    let q = quantity as usize;
    if q == 0 {
        return Vec::new();
    }
    // (leaves an orphan, position in the map, first seat number) — smaller is better.
    let mut blocks: Vec<((bool, usize, usize), Vec<SeatId>)> = Vec::new();
    let mut free_anywhere: Vec<SeatId> = Vec::new();
    let mut row_index = 0usize;
    for s in event.sections.iter().filter(|s| section.is_none_or(|name| name == s.name)) {
        for row in 1..=s.rows {
            row_index += 1;
            let free: Vec<bool> = (1..=s.seats_per_row).map(|n| !taken.contains(&SeatId::new(s.name.clone(), row, n))).collect();
            for (i, f) in free.iter().enumerate() {
                if *f && free_anywhere.len() < q {
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
                    let seats = (first..first + q).map(|i| SeatId::new(s.name.clone(), row, i as u32 + 1)).collect();
                    blocks.push(((left == 1 || right == 1, row_index, first), seats));
                }
            }
        }
    }
    if blocks.is_empty() {
        return if free_anywhere.len() == q { vec![free_anywhere] } else { Vec::new() };
    }
    blocks.sort_by_key(|(key, _)| *key);
    blocks.into_iter().map(|(_, seats)| seats).collect()
}

/// The best choice of [`candidates`], if any.
pub fn choose(event: &Event, section: Option<&str>, quantity: u32, taken: &HashSet<SeatId>) -> Option<Vec<SeatId>> {
    candidates(event, section, quantity, taken).into_iter().next()
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
    use super::*;
    use crate::domain::event::tests::event;

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
        let all = candidates(&e, None, 3, &t);
        assert!(all.len() > 3);
        assert!(all.iter().all(|c| c.len() == 3 && c.iter().all(|s| !t.contains(s))));
        assert_eq!(names(all.first().cloned()), ["A-1-1", "A-1-2", "A-1-3"]);
    }
}
