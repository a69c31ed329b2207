//! The lock structure in memory: holds all or nothing within the user's cap, claims, the map, blocks,
//! the sweep's reads and the seat log, as the Lua scripts keep them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Lock, Memory, State};
use crate::domain::reservation::Reservation;
use crate::domain::tier::{self, SeatPrice};
use crate::domain::{Booking, Event, Hold, MessageKind, SeatId, SeatStatus, UserCaps};
use crate::ports::{
    BackendResult, BlockOutcome, Given, HoldLookup, HoldOutcome, HoldRef, LiveUse, RateDecision,
    RateLimiter, Released, RequestLimit, SeatClosing, SeatHolds, SeatLog, SeatLogEntry, SeatMap,
    SeatSnapshot, SeatSweep, TakenSeat,
};

impl State {
    /// Counts one write of `user` on `event` in the current window, as hold.lua and release.lua
    /// do; the ms to the next window if it is past the limit.
    fn count_write(
        &mut self,
        event: Uuid,
        user: &str,
        writes: Option<RequestLimit>,
        now: DateTime<Utc>,
    ) -> Option<u64> {
        let w = writes.filter(|w| w.requests > 0)?;
        let now_ms = now.timestamp_millis().max(0) as u64;
        let window_ms = w.window_ms.max(1);
        let made = self.writes.entry((event, user.to_string(), now_ms / window_ms)).or_default();
        *made += 1;
        (*made > w.requests).then(|| window_ms - now_ms % window_ms)
    }

    /// Seats of `section` live at counted tier `j`, as a section's tier zset counts them.
    fn live_at_tier(&self, event: Uuid, section: &str, j: u8, now: DateTime<Utc>) -> u32 {
        let of_section = |seat: &str| SeatId::parse(seat).is_some_and(|s| s.section == section);
        self.locks
            .iter()
            .filter(|((e, seat), l)| {
                *e == event && l.tier == Some(j) && Self::live(l, now) && of_section(seat)
            })
            .count() as u32
    }

    /// Whether `lock` still holds its seat at `now`.
    pub(super) fn live(lock: &Lock, now: DateTime<Utc>) -> bool {
        lock.until.is_none_or(|u| u > now)
    }

    /// The lock on a seat that is still in force.
    pub(super) fn lock_of(&self, event: Uuid, seat: &str, now: DateTime<Utc>) -> Option<&Lock> {
        self.locks.get(&(event, seat.to_string())).filter(|l| Self::live(l, now))
    }

    /// Seats `owner` locks of `seats`.
    fn owns(&self, event: Uuid, seats: &[String], owner: Uuid, now: DateTime<Utc>) -> bool {
        seats.iter().all(|s| self.lock_of(event, s, now).is_some_and(|l| l.owner == owner))
    }

    /// Appends a seat-log entry, as every script that moves locks does.
    pub(crate) fn log(
        &mut self,
        event: Uuid,
        kind: MessageKind,
        seats: &[String],
        at: DateTime<Utc>,
    ) {
        let entries = self.seat_log.entry(event).or_default();
        let position = format!("{}-{}", at.timestamp_millis(), entries.len());
        entries.push(SeatLogEntry {
            position,
            kind,
            at,
            seats: seats.to_vec(),
            hold_id: None,
            booking_id: None,
            user_id: None,
        });
    }

    fn free(&mut self, event: Uuid, seats: &[String], owner: Uuid, now: DateTime<Utc>) -> bool {
        let mut freed = Vec::new();
        for s in seats {
            let key = (event, s.clone());
            if self.locks.get(&key).is_some_and(|l| l.owner == owner) {
                self.locks.remove(&key);
                freed.push(s.clone());
            }
        }
        if !freed.is_empty() {
            self.log(event, MessageKind::SeatsReleased, &freed, now);
        }
        !freed.is_empty()
    }
}

#[async_trait]
impl SeatHolds for Memory {
    async fn hold(
        &self,
        hold: &Hold,
        event: &Event,
        code_uses: u32,
        writes: Option<RequestLimit>,
        // The fast tier keeps no waiting room (testing/rest.rs): no admission to check or mark.
        _admission: Option<crate::domain::queue::Admission>,
        now: DateTime<Utc>,
    ) -> BackendResult<HoldOutcome> {
        let caps = UserCaps::of(event);
        let mut s = self.state();
        let e = hold.event_id;
        if let Some(retry_after_ms) = s.count_write(e, &hold.user_id, writes, now) {
            return Ok(HoldOutcome::Limited { retry_after_ms });
        }
        if s.closed.contains(&e) {
            return Ok(HoldOutcome::Closed);
        }
        if !s.loaded.contains(&e) {
            return Ok(HoldOutcome::NotLoaded);
        }
        let busy: Vec<String> = hold
            .seat_ids
            .iter()
            .filter(|seat| {
                s.lock_of(e, seat, now).is_some()
                    || s.blocked.contains(&(e, seat.to_string()))
                    || s.reserved_for(e, seat, now).is_some_and(|c| Some(c) != hold.code.as_deref())
            })
            .cloned()
            .collect();
        if !busy.is_empty() {
            return Ok(HoldOutcome::Unavailable(busy));
        }
        let (current, all) = s.seats_of(e, &hold.user_id, now);
        let n = hold.seat_ids.len() as u32;
        if current + n > caps.at_once {
            return Ok(HoldOutcome::OverLimit { current });
        }
        if caps.in_all.is_some_and(|max| all + n > max) {
            return Ok(HoldOutcome::OverTickets { current: all });
        }
        if let Some(code) = &hold.code {
            if !s.take_live_use(e, code, hold.id, hold.expires_at, code_uses, now) {
                return Ok(HoldOutcome::CodeExhausted);
            }
        }
        let mut prices = Vec::with_capacity(hold.seat_ids.len());
        for seat in &hold.seat_ids {
            let section = SeatId::parse(seat).and_then(|id| event.section(&id.section));
            let (price, counted) = section.map_or((SeatPrice::base(0), None), |sec| {
                let sold = |j: u8| s.live_at_tier(e, &sec.name, j, now);
                let price = tier::price(&sec.tiers, sec.price_cents, now, sold);
                // Only a counted tier counts its seats.
                let counted = |j: &u8| sec.tiers[usize::from(*j) - 1].until_sold.is_some();
                (price, price.tier.filter(counted))
            });
            prices.push(price);
            let until = Some(hold.expires_at);
            let lock = Lock { owner: hold.id, user: hold.user_id.clone(), until, tier: counted };
            s.locks.insert((e, seat.clone()), lock);
        }
        s.holds.insert(hold.id, Hold { prices: prices.clone(), ..hold.clone() });
        s.log(e, MessageKind::SeatsHeld, &hold.seat_ids, now);
        Ok(HoldOutcome::Held(prices))
    }

    async fn get(&self, hold_id: Uuid) -> BackendResult<HoldLookup> {
        let now = self.now();
        Ok(match self.state().holds.get(&hold_id) {
            Some(h) if h.expires_at > now => HoldLookup::Live(h.clone()),
            Some(_) => HoldLookup::Expired,
            None => HoldLookup::Unknown,
        })
    }

    async fn extend(&self, hold: &Hold, expires_at: DateTime<Utc>) -> BackendResult<bool> {
        let now = self.now();
        let mut s = self.state();
        if !s.holds.contains_key(&hold.id) || !s.owns(hold.event_id, &hold.seat_ids, hold.id, now) {
            return Ok(false);
        }
        for seat in &hold.seat_ids {
            if let Some(l) = s.locks.get_mut(&(hold.event_id, seat.clone())) {
                l.until = Some(expires_at);
            }
        }
        if let Some(h) = s.holds.get_mut(&hold.id) {
            h.expires_at = expires_at;
        }
        s.move_live_use(hold.event_id, hold.code.as_deref(), hold.id, hold.id, Some(expires_at));
        Ok(true)
    }

    async fn find(&self, hold_id: Uuid) -> BackendResult<Option<HoldRef>> {
        Ok(self.state().holds.get(&hold_id).map(HoldRef::from))
    }

    async fn release(
        &self,
        hold: &HoldRef,
        writes: Option<RequestLimit>,
        now: DateTime<Utc>,
    ) -> BackendResult<Released> {
        let mut s = self.state();
        if let Some(retry_after_ms) = s.count_write(hold.event_id, &hold.user_id, writes, now) {
            return Ok(Released::Limited { retry_after_ms });
        }
        if s.holds.remove(&hold.id).is_none_or(|h| h.expires_at <= now) {
            return Ok(Released::Gone);
        }
        s.free(hold.event_id, &hold.seat_ids, hold.id, now);
        s.give_back_live_use(hold.event_id, hold.code.as_deref(), hold.id);
        Ok(Released::Freed { line: s.lines.contains(&hold.event_id) })
    }

    async fn claim(
        &self,
        hold: &Hold,
        booking: Uuid,
        deadline: DateTime<Utc>,
    ) -> BackendResult<bool> {
        let now = self.now();
        let mut s = self.state();
        if !s.holds.contains_key(&hold.id) || !s.owns(hold.event_id, &hold.seat_ids, hold.id, now) {
            return Ok(false);
        }
        for seat in &hold.seat_ids {
            if let Some(l) = s.locks.get_mut(&(hold.event_id, seat.clone())) {
                l.owner = booking;
                l.until = Some(deadline);
            }
        }
        s.holds.remove(&hold.id);
        s.move_live_use(hold.event_id, hold.code.as_deref(), hold.id, booking, Some(deadline));
        Ok(true)
    }

    async fn mark_booked(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()> {
        let mut s = self.state();
        for (i, seat) in booking.seat_ids.iter().enumerate() {
            let key = (booking.event_id, seat.clone());
            // MySQL's word on the seat's tier first: its pending lock may have lapsed already.
            let kept = booking.prices.get(i).and_then(|p| p.tier);
            let tier = kept.or_else(|| s.locks.get(&key).and_then(|l| l.tier));
            let lock = Lock { owner: booking.id, user: booking.user_id.clone(), until: None, tier };
            s.locks.insert(key, lock);
        }
        s.log(booking.event_id, MessageKind::SeatsBooked, &booking.seat_ids, now);
        s.move_live_use(booking.event_id, booking.code.as_deref(), booking.id, booking.id, None);
        Ok(())
    }

    async fn free_booking(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()> {
        let mut s = self.state();
        s.free(booking.event_id, &booking.seat_ids, booking.id, now);
        s.give_back_live_use(booking.event_id, booking.code.as_deref(), booking.id);
        Ok(())
    }

    async fn give(
        &self,
        event: Uuid,
        seat: &str,
        to: Option<&str>,
        in_all: Option<u32>,
        now: DateTime<Utc>,
    ) -> BackendResult<Given> {
        let mut s = self.state();
        if !s.loaded.contains(&event) {
            return Ok(Given::NotLoaded);
        }
        Ok(s.give(event, seat, to, in_all, now))
    }
}

#[async_trait]
impl SeatMap for Memory {
    async fn snapshot(
        &self,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<SeatSnapshot>> {
        let s = self.state();
        if !s.loaded.contains(&event) {
            return Ok(None);
        }
        let mut snapshot = SeatSnapshot::default();
        for ((e, seat), l) in &s.locks {
            if *e == event && State::live(l, now) {
                let status = if l.until.is_none() { SeatStatus::Booked } else { SeatStatus::Held };
                snapshot.taken.insert(seat.clone(), status);
            }
        }
        for (e, seat) in &s.blocked {
            if *e == event {
                snapshot.taken.insert(seat.clone(), SeatStatus::Blocked);
            }
        }
        for ((e, seat), (code, until)) in &s.reserved {
            if *e == event && now < *until && !snapshot.taken.contains_key(seat) {
                snapshot.taken.insert(seat.clone(), SeatStatus::Reserved);
                snapshot.reserved.insert(seat.clone(), code.clone());
            }
        }
        Ok(Some(snapshot))
    }

    async fn counts(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<(u32, u32)>> {
        let Some(snapshot) = self.snapshot(event, now).await? else { return Ok(None) };
        let count = |st: SeatStatus| snapshot.taken.values().filter(|v| **v == st).count() as u32;
        Ok(Some((count(SeatStatus::Held), count(SeatStatus::Booked) + count(SeatStatus::Blocked))))
    }

    async fn load(
        &self,
        event: Uuid,
        taken: &[TakenSeat],
        uses: &[LiveUse],
        _now: DateTime<Utc>,
    ) -> BackendResult<()> {
        let mut s = self.state();
        s.loaded.insert(event);
        for u in uses {
            s.code_uses.entry((event, u.code.clone())).or_default().insert(u.owner, u.until);
        }
        for t in taken {
            let key = (event, t.seat.clone());
            if t.status == SeatStatus::Blocked {
                s.blocked.insert(key);
                continue;
            }
            let user = t.user.clone().unwrap_or_else(|| "unknown".into());
            let owner = t.booking.unwrap_or_default();
            s.locks.insert(key, Lock { owner, user, until: t.until, tier: t.tier });
        }
        Ok(())
    }

    async fn tier_counts(
        &self,
        event: Uuid,
        sections: &[(String, u8)],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<Vec<u32>>> {
        let s = self.state();
        Ok(sections
            .iter()
            .map(|(section, n)| (1..=*n).map(|j| s.live_at_tier(event, section, j, now)).collect())
            .collect())
    }
}

#[async_trait]
impl SeatClosing for Memory {
    async fn reserve(
        &self,
        event: Uuid,
        reservation: &Reservation,
        announce: bool,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        Ok(self.state().reserve(event, reservation, announce, now))
    }

    async fn unreserve(
        &self,
        event: Uuid,
        code: Option<&str>,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        Ok(self.state().unreserve(event, code, seats, now))
    }

    async fn block(
        &self,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<BlockOutcome> {
        let mut s = self.state();
        if !s.loaded.contains(&event) {
            return Ok(BlockOutcome::NotLoaded);
        }
        let busy: Vec<String> =
            seats.iter().filter(|seat| s.lock_of(event, seat, now).is_some()).cloned().collect();
        if !busy.is_empty() {
            return Ok(BlockOutcome::Busy(busy));
        }
        for seat in seats {
            s.blocked.insert((event, seat.clone()));
        }
        s.log(event, MessageKind::SeatsBlocked, seats, now);
        Ok(BlockOutcome::Blocked)
    }

    async fn unblock(
        &self,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let mut s = self.state();
        let done: Vec<String> = seats
            .iter()
            .filter(|seat| s.blocked.remove(&(event, seat.to_string())))
            .cloned()
            .collect();
        s.log(event, MessageKind::SeatsUnblocked, &done, now);
        Ok(done)
    }

    async fn close(&self, event: Uuid, _now: DateTime<Utc>) -> BackendResult<bool> {
        let mut s = self.state();
        if !s.loaded.contains(&event) {
            return Ok(false);
        }
        s.closed.insert(event);
        Ok(true)
    }
}

#[async_trait]
impl SeatSweep for Memory {
    async fn active_events(&self) -> BackendResult<Vec<Uuid>> {
        Ok(self.state().loaded.iter().copied().collect())
    }

    async fn reap(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<usize> {
        let mut s = self.state();
        let lapsed: Vec<String> = s
            .locks
            .iter()
            .filter(|((e, _), l)| *e == event && !State::live(l, now))
            .map(|((_, seat), _)| seat.clone())
            .collect();
        for seat in &lapsed {
            s.locks.remove(&(event, seat.clone()));
        }
        s.holds.retain(|_, h| h.event_id != event || h.expires_at > now);
        if !lapsed.is_empty() {
            s.log(event, MessageKind::SeatsReleased, &lapsed, now);
        }
        Ok(lapsed.len())
    }

    async fn live_holds(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Vec<Hold>> {
        let s = self.state();
        Ok(s.holds
            .values()
            .filter(|h| h.event_id == event && h.expires_at > now)
            .cloned()
            .collect())
    }

    async fn mark_line(&self, event: Uuid) -> BackendResult<()> {
        self.state().lines.insert(event);
        Ok(())
    }

    async fn has_line(&self, event: Uuid) -> BackendResult<bool> {
        Ok(self.state().lines.contains(&event))
    }

    async fn owners(&self, event: Uuid, seats: &[String]) -> BackendResult<Vec<Option<String>>> {
        let s = self.state();
        Ok(seats
            .iter()
            .map(|seat| {
                let key = (event, seat.clone());
                if s.blocked.contains(&key) {
                    return Some("blocked".to_string());
                }
                s.locks.get(&key).map(|l| l.owner.to_string())
            })
            .collect())
    }
}

#[async_trait]
impl SeatLog for Memory {
    async fn entries(
        &self,
        event: Uuid,
        after: &str,
        count: usize,
    ) -> BackendResult<Vec<SeatLogEntry>> {
        let s = self.state();
        let all = s.seat_log.get(&event).cloned().unwrap_or_default();
        let start = all.iter().position(|e| e.position == after).map_or(0, |i| i + 1);
        Ok(all.into_iter().skip(start).take(count).collect())
    }

    async fn cursor(&self, _event: Uuid) -> BackendResult<String> {
        Ok("0-0".into())
    }

    async fn set_cursor(&self, _event: Uuid, _id: &str) -> BackendResult<()> {
        Ok(())
    }
}

/// No limit: the fast tier tests rules, not rates.
#[async_trait]
impl RateLimiter for Memory {
    async fn count(
        &self,
        _user: &str,
        _limit: u32,
        _window_ms: u64,
        _now: DateTime<Utc>,
    ) -> BackendResult<RateDecision> {
        Ok(RateDecision::Allowed)
    }
}
