//! Who holds what in memory, as `holders:{E}` and `owned:{E}` keep it in Redis: a booked seat's
//! lock names its holder.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::State;
use crate::ports::Given;

impl State {
    /// A user's seats of the event: (held and pending now, those and the booked ones they hold).
    pub(super) fn seats_of(&self, event: Uuid, user: &str, now: DateTime<Utc>) -> (u32, u32) {
        let mine = self.locks.iter().filter(|((e, _), l)| *e == event && l.user == user);
        let (mut at_once, mut all) = (0, 0);
        for (_, l) in mine {
            match l.until {
                Some(until) if until > now => at_once += 1,
                Some(_) => continue,
                None => {}
            }
            all += 1;
        }
        (at_once, all)
    }

    /// Makes `to` the holder of a booked seat, within `in_all`.
    pub(super) fn give(
        &mut self,
        event: Uuid,
        seat: &str,
        to: Option<&str>,
        in_all: Option<u32>,
        now: DateTime<Utc>,
    ) -> Given {
        let to = to.unwrap_or_default();
        let key = (event, seat.to_string());
        let was = self.locks.get(&key).filter(|l| l.until.is_none()).map(|l| l.user.clone());
        if was.as_deref() == Some(to) {
            return Given::Done { previous: was };
        }
        if !to.is_empty() {
            let (_, all) = self.seats_of(event, to, now);
            if in_all.is_some_and(|max| all + 1 > max) {
                return Given::OverLimit { current: all };
            }
        }
        if let Some(l) = self.locks.get_mut(&key).filter(|l| l.until.is_none()) {
            l.user = to.to_string();
        }
        Given::Done { previous: was.filter(|w| !w.is_empty()) }
    }
}
