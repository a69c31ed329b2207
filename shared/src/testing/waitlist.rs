//! The waitlist in memory.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Memory;
use crate::domain::waitlist::{Offer, WaitlistEntry, WaitlistStatus};
use crate::domain::Envelope;
use crate::ports::{BackendResult, Waitlist};

#[async_trait]
impl Waitlist for Memory {
    async fn join(&self, entry: &WaitlistEntry) -> BackendResult<(WaitlistEntry, bool)> {
        let mut s = self.state();
        let key = (entry.event_id, entry.user_id.clone());
        if let Some(open) = s
            .waitlist
            .get(&key)
            .filter(|e| matches!(e.status, WaitlistStatus::Waiting | WaitlistStatus::Offered))
        {
            return Ok((open.clone(), false));
        }
        s.waitlist.insert(key, entry.clone());
        Ok((entry.clone(), true))
    }

    async fn get(&self, event: Uuid, user: &str) -> BackendResult<Option<WaitlistEntry>> {
        Ok(self.state().waitlist.get(&(event, user.to_string())).cloned())
    }

    async fn leave(
        &self,
        event: Uuid,
        user: &str,
        _now: DateTime<Utc>,
    ) -> BackendResult<Option<WaitlistEntry>> {
        let mut s = self.state();
        let Some(e) = s.waitlist.get_mut(&(event, user.to_string())) else { return Ok(None) };
        if !matches!(e.status, WaitlistStatus::Waiting | WaitlistStatus::Offered) {
            return Ok(None);
        }
        let was = e.clone();
        e.status = WaitlistStatus::Left;
        Ok(Some(was))
    }

    async fn waiting(&self, event: Uuid, limit: u32) -> BackendResult<Vec<WaitlistEntry>> {
        let s = self.state();
        let mut line: Vec<WaitlistEntry> = s
            .waitlist
            .values()
            .filter(|e| e.event_id == event && e.status == WaitlistStatus::Waiting)
            .cloned()
            .collect();
        line.sort_by_key(|e| e.created_at);
        line.truncate(limit as usize);
        Ok(line)
    }

    async fn offer(
        &self,
        event: Uuid,
        user: &str,
        offer: &Offer,
        notice: &Envelope,
        _now: DateTime<Utc>,
    ) -> BackendResult<bool> {
        let mut s = self.state();
        let Some(e) = s
            .waitlist
            .get_mut(&(event, user.to_string()))
            .filter(|e| e.status == WaitlistStatus::Waiting)
        else {
            return Ok(false);
        };
        e.status = WaitlistStatus::Offered;
        e.offer = Some(offer.clone());
        s.outbox.push((notice.clone(), user.to_string()));
        Ok(true)
    }

    async fn lapsed(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<WaitlistEntry>> {
        let s = self.state();
        let lapsed = s.waitlist.values().filter(|e| {
            e.status == WaitlistStatus::Offered
                && e.offer.as_ref().is_some_and(|o| o.expires_at <= now)
        });
        Ok(lapsed.take(limit as usize).cloned().collect())
    }

    async fn expire(
        &self,
        event: Uuid,
        user: &str,
        hold: Uuid,
        _now: DateTime<Utc>,
    ) -> BackendResult<bool> {
        let mut s = self.state();
        let Some(e) = s.waitlist.get_mut(&(event, user.to_string())) else { return Ok(false) };
        if e.status != WaitlistStatus::Offered || e.offer.as_ref().is_none_or(|o| o.hold_id != hold)
        {
            return Ok(false);
        }
        e.status = WaitlistStatus::Expired;
        Ok(true)
    }

    async fn events_waiting(&self, limit: u32) -> BackendResult<Vec<Uuid>> {
        let s = self.state();
        let mut events: Vec<Uuid> = s
            .waitlist
            .values()
            .filter(|e| e.status == WaitlistStatus::Waiting)
            .map(|e| e.event_id)
            .collect();
        events.dedup();
        events.truncate(limit as usize);
        Ok(events)
    }
}
