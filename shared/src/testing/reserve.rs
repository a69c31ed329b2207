//! A presale's reservations in the memory lock structure, as reserve.lua keeps them.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::State;
use crate::domain::reservation::Reservation;
use crate::domain::MessageKind;

impl State {
    /// The code a seat is set aside for at `now`, if any (a hold naming another code, or none,
    /// finds the seat busy).
    pub(super) fn reserved_for(&self, event: Uuid, seat: &str, now: DateTime<Utc>) -> Option<&str> {
        self.reserved
            .get(&(event, seat.to_string()))
            .filter(|(_, until)| now < *until)
            .map(|(code, _)| code.as_str())
    }

    fn free_of_locks(&self, event: Uuid, seat: &str, now: DateTime<Utc>) -> bool {
        self.lock_of(event, seat, now).is_none()
            && !self.blocked.contains(&(event, seat.to_string()))
    }

    pub(super) fn reserve(
        &mut self,
        event: Uuid,
        r: &Reservation,
        announce: bool,
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let mut changed = Vec::new();
        for seat in &r.seats {
            let value = (r.code.clone(), r.until);
            if self.reserved.insert((event, seat.clone()), value.clone()) != Some(value) {
                changed.push(seat.clone());
            }
        }
        self.announce(event, MessageKind::SeatsReserved, &changed, announce, now);
        changed
    }

    pub(super) fn unreserve(
        &mut self,
        event: Uuid,
        code: Option<&str>,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> Vec<String> {
        let ends = |c: &str, until: DateTime<Utc>| match code {
            Some(code) => c == code,
            None => until <= now,
        };
        let mut changed: Vec<String> = self
            .reserved
            .iter()
            .filter(|((e, seat), (c, until))| {
                *e == event && ends(c, *until) && (code.is_none() || seats.contains(seat))
            })
            .map(|((_, seat), _)| seat.clone())
            .collect();
        changed.sort();
        for seat in &changed {
            self.reserved.remove(&(event, seat.clone()));
        }
        self.announce(event, MessageKind::SeatsUnreserved, &changed, true, now);
        changed
    }

    fn announce(
        &mut self,
        event: Uuid,
        kind: MessageKind,
        seats: &[String],
        announce: bool,
        now: DateTime<Utc>,
    ) {
        let shown: Vec<String> =
            seats.iter().filter(|s| self.free_of_locks(event, s, now)).cloned().collect();
        if announce && !shown.is_empty() {
            self.log(event, kind, &shown, now);
        }
    }
}
