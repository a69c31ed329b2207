//! Codes in memory: the store (MySQL's part, with its count of orders) and the live uses the seat
//! locks count (Redis's part: owner -> until, `None` once paid), as `codes.rs` and the scripts keep
//! them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{Memory, State};
use crate::domain::code::Code;
use crate::domain::reservation::{self, Reservation};
use crate::domain::Booking;
use crate::ports::{BackendResult, CodeStore, Inserted};

impl State {
    /// Takes a live use of `code` for `owner` until `until` if fewer than `max` are live at `now`.
    pub(super) fn take_live_use(
        &mut self,
        event: Uuid,
        code: &str,
        owner: Uuid,
        until: DateTime<Utc>,
        max: u32,
        now: DateTime<Utc>,
    ) -> bool {
        let uses = self.code_uses.entry((event, code.to_string())).or_default();
        uses.retain(|_, u| u.is_none_or(|u| u > now));
        if uses.len() as u32 >= max {
            return false;
        }
        uses.insert(owner, Some(until));
        true
    }

    /// Moves a live use to a new owner and time (`None`: paid for, for good).
    pub(super) fn move_live_use(
        &mut self,
        event: Uuid,
        code: Option<&str>,
        from: Uuid,
        to: Uuid,
        until: Option<DateTime<Utc>>,
    ) {
        if let Some(uses) = code.and_then(|c| self.code_uses.get_mut(&(event, c.to_string()))) {
            uses.remove(&from);
            uses.insert(to, until);
        }
    }

    /// Gives back an owner's live use unless it was paid for.
    pub(super) fn give_back_live_use(&mut self, event: Uuid, code: Option<&str>, owner: Uuid) {
        if let Some(uses) = code.and_then(|c| self.code_uses.get_mut(&(event, c.to_string()))) {
            if uses.get(&owner).is_some_and(Option::is_some) {
                uses.remove(&owner);
            }
        }
    }

    /// The booking store's count: a use taken with the booking, `false` if all are taken.
    pub(super) fn take_order_use(&mut self, b: &Booking) -> bool {
        let Some(code) = &b.code else { return true };
        match self.codes.get_mut(&(b.event_id, code.clone())) {
            Some((c, _)) if c.used < c.max_uses => {
                c.used += 1;
                true
            }
            _ => false,
        }
    }

    /// The booking store's count: a use given back by an order that left unpaid.
    pub(super) fn give_back_order_use(&mut self, b: &Booking) {
        if let Some((c, _)) =
            b.code.as_ref().and_then(|k| self.codes.get_mut(&(b.event_id, k.clone())))
        {
            c.used = c.used.saturating_sub(1);
        }
    }
}

/// The seats the event's codes, neither deleted nor ended at `now`, set aside.
fn live_reservations(s: &State, event: Uuid, now: DateTime<Utc>) -> Vec<Reservation> {
    s.codes
        .values()
        .filter(|(c, gone)| c.event_id == event && !gone)
        .filter_map(|(c, _)| c.reservation())
        .filter(|r| r.live(now))
        .collect()
}

#[async_trait]
impl CodeStore for Memory {
    async fn insert(&self, code: &Code, _by: &str) -> BackendResult<Inserted> {
        let mut s = self.state();
        let live = live_reservations(&s, code.event_id, code.created_at);
        let clash = reservation::clashes(live, &code.reserved);
        if !clash.is_empty() {
            return Ok(Inserted::SeatsReserved(clash));
        }
        let key = (code.event_id, code.code.clone());
        if s.codes.contains_key(&key) {
            return Ok(Inserted::NameTaken);
        }
        s.codes.insert(key, (code.clone(), false));
        Ok(Inserted::Made)
    }

    async fn presale_opens(&self, event: Uuid) -> BackendResult<Option<DateTime<Utc>>> {
        let s = self.state();
        let access = s.codes.values().filter(|(c, gone)| {
            c.event_id == event && !gone && c.kind == crate::domain::code::CodeKind::Access
        });
        Ok(access.map(|(c, _)| c.valid_from.unwrap_or(c.created_at)).min())
    }

    async fn live_reservations(
        &self,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<Reservation>> {
        Ok(live_reservations(&self.state(), event, now))
    }

    async fn get(&self, event: Uuid, code: &str) -> BackendResult<Option<Code>> {
        let s = self.state();
        Ok(s.codes
            .get(&(event, code.to_string()))
            .filter(|(_, gone)| !gone)
            .map(|(c, _)| c.clone()))
    }

    async fn list(&self, event: Uuid, after: Option<&str>, limit: u32) -> BackendResult<Vec<Code>> {
        let s = self.state();
        let mut codes: Vec<Code> = s
            .codes
            .values()
            .filter(|(c, gone)| {
                !gone && c.event_id == event && after.is_none_or(|a| c.code.as_str() > a)
            })
            .map(|(c, _)| c.clone())
            .collect();
        codes.sort_by(|a, b| a.code.cmp(&b.code));
        codes.truncate(limit as usize);
        Ok(codes)
    }

    async fn delete(&self, event: Uuid, code: &str, _now: DateTime<Utc>) -> BackendResult<bool> {
        let mut s = self.state();
        Ok(match s.codes.get_mut(&(event, code.to_string())) {
            Some((_, gone)) if !*gone => {
                *gone = true;
                true
            }
            _ => false,
        })
    }
}

#[async_trait]
impl crate::ports::PresaleStore for Memory {
    async fn register(
        &self,
        event: Uuid,
        user: &str,
        contact: &crate::domain::Contact,
        now: DateTime<Utc>,
    ) -> BackendResult<(crate::domain::presale::Registration, bool)> {
        let made = {
            let mut s = self.state();
            let key = (event, user.to_string());
            let made = !s.registrations.contains_key(&key);
            s.registrations.entry(key).or_insert((contact.clone(), now, None));
            made
        };
        let (reg, _) = self.registration(event, user).await?.expect("just registered");
        Ok((reg, made))
    }

    async fn registration(
        &self,
        event: Uuid,
        user: &str,
    ) -> BackendResult<Option<(crate::domain::presale::Registration, crate::domain::Contact)>> {
        use crate::domain::presale::{Registration, RegistrationStatus};
        let s = self.state();
        let Some((contact, at, code)) = s.registrations.get(&(event, user.to_string())) else {
            return Ok(None);
        };
        let drawn_since = s.draws.iter().any(|(e, t)| *e == event && t >= at);
        let status = match (code, drawn_since) {
            (Some(_), _) => RegistrationStatus::Selected,
            (None, false) => RegistrationStatus::Registered,
            (None, true) => RegistrationStatus::NotSelected,
        };
        let reg = Registration {
            event_id: event,
            user_id: user.to_string(),
            status,
            code: code.clone(),
            registered_at: *at,
        };
        Ok(Some((reg, contact.clone())))
    }

    async fn entrants(&self, event: Uuid, limit: u32) -> BackendResult<Vec<String>> {
        let s = self.state();
        Ok(s.registrations
            .iter()
            .filter(|((e, _), (_, _, code))| *e == event && code.is_none())
            .map(|((_, u), _)| u.clone())
            .take(limit as usize)
            .collect())
    }

    async fn record_draw(
        &self,
        event: Uuid,
        draw: &crate::domain::presale::Draw,
        by: &str,
        now: DateTime<Utc>,
        outbox: &[crate::domain::Envelope],
    ) -> BackendResult<bool> {
        let mut s = self.state();
        let free = draw.winners.iter().all(|(u, _)| {
            s.registrations.get(&(event, u.clone())).is_some_and(|(_, _, code)| code.is_none())
        });
        if !free {
            return Ok(false);
        }
        for (user, code) in &draw.winners {
            s.codes.insert((event, code.code.clone()), (code.clone(), false));
            if let Some(r) = s.registrations.get_mut(&(event, user.clone())) {
                r.2 = Some(code.code.clone());
            }
        }
        s.draws.push((event, now));
        s.enqueue(outbox.to_vec(), by);
        Ok(true)
    }
}
