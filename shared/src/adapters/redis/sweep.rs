//! The closing and sweeping ports over Redis ([`SeatClosing`], [`SeatSweep`]): blocks, an
//! event's close, the active events, lapsed holds reaped, live holds listed, waitlist lines.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use uuid::Uuid;

use super::{fault, millis, RedisSeats, BOOKED_SCORE, LOG_MAX_LEN};
use crate::domain::reservation::Reservation;
use crate::domain::Hold;
use crate::ports::{
    BackendError, BackendResult, BlockOutcome, HoldLookup, SeatClosing, SeatHolds, SeatSweep,
};

#[async_trait]
impl SeatClosing for RedisSeats {
    async fn reserve(
        &self,
        event: Uuid,
        r: &Reservation,
        announce: bool,
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let until = millis(r.until);
        self.reservations("reserve", event, (&r.code, until), announce, &r.seats, now).await
    }

    async fn unreserve(
        &self,
        event: Uuid,
        code: Option<&str>,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        match code {
            Some(code) => self.reservations("unreserve", event, (code, 0), true, seats, now).await,
            None => self.reservations("lapse", event, ("", 0), true, &[], now).await,
        }
    }

    async fn block(
        &self,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<BlockOutcome> {
        let reply = self.blocks("block", event, seats, now).await?;
        Ok(match reply.first().map(String::as_str) {
            Some("OK") => BlockOutcome::Blocked,
            Some("BUSY") => BlockOutcome::Busy(reply[1..].to_vec()),
            _ => BlockOutcome::NotLoaded,
        })
    }

    async fn unblock(
        &self,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let mut reply = self.blocks("unblock", event, seats, now).await?;
        Ok(if reply.first().map(String::as_str) == Some("OK") {
            reply.split_off(1)
        } else {
            Vec::new()
        })
    }

    async fn close(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<bool> {
        let reply = self.blocks("close", event, &[], now).await?;
        Ok(reply.first().map(String::as_str) == Some("OK"))
    }
}

#[async_trait]
impl SeatSweep for RedisSeats {
    async fn active_events(&self) -> BackendResult<Vec<Uuid>> {
        let ids: Vec<String> = self
            .connection()
            .await?
            .smembers(self.active_key())
            .await
            .map_err(fault("listing active events"))?;
        ids.iter()
            .map(|i| {
                Uuid::parse_str(i).map_err(|e| BackendError::permanent("listing active events", e))
            })
            .collect()
    }

    async fn reap(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<usize> {
        let seats: Vec<String> = self
            .scripts
            .reap
            .key(self.key("held", event, None))
            .key(self.log_key(event))
            .arg(millis(now))
            .arg(event.to_string())
            .arg(LOG_MAX_LEN)
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(fault("reaping lapsed holds"))?;
        Ok(seats.len())
    }

    async fn live_holds(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Vec<Hold>> {
        let mut conn = self.connection().await?;
        let seats: Vec<String> = redis::cmd("ZRANGE")
            .arg(self.key("held", event, None))
            .arg(format!("({}", millis(now)))
            .arg(format!("({BOOKED_SCORE}"))
            .arg("BYSCORE")
            .query_async(&mut conn)
            .await
            .map_err(fault("listing holds"))?;
        if seats.is_empty() {
            return Ok(Vec::new());
        }
        let mut ids: Vec<Uuid> = self
            .owners(event, &seats)
            .await?
            .into_iter()
            .flatten()
            .filter_map(|o| Uuid::parse_str(&o).ok())
            .collect();
        ids.sort();
        ids.dedup();
        let mut holds = Vec::new();
        // Owners are holds or pending bookings: only a hold has a record.
        for id in ids {
            if let HoldLookup::Live(h) = self.get(id).await? {
                holds.push(h);
            }
        }
        Ok(holds)
    }

    async fn mark_line(&self, event: Uuid) -> BackendResult<()> {
        self.connection()
            .await?
            .set::<_, _, ()>(self.key("line", event, None), 1)
            .await
            .map_err(fault("marking a waitlist line"))
    }

    async fn owners(&self, event: Uuid, seats: &[String]) -> BackendResult<Vec<Option<String>>> {
        if seats.is_empty() {
            return Ok(Vec::new());
        }
        self.connection()
            .await?
            .mget(self.lock_keys(event, seats).collect::<Vec<_>>())
            .await
            .map_err(fault("reading seat owners"))
    }

    async fn has_line(&self, event: Uuid) -> BackendResult<bool> {
        self.connection()
            .await?
            .exists(self.key("line", event, None))
            .await
            .map_err(fault("looking for a waitlist line"))
    }
}
