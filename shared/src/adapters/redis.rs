//! Seat locks in Redis (ElastiCache): one Lua script per atomic step.
//!
//! Every key of one event carries the event id as a hash tag (`hold:{<eventId>}:A-1-1`), so a
//! multi-seat hold stays one atomic script on a cluster and events spread across shards. Per event:
//! - `hold:{E}:<seat>`: the lock, valued with the owning hold id, expiring at the hold's expiry;
//! - `held:{E}`: sorted set seat -> expiry ms (booked seats: [`BOOKED_SCORE`]), the seat map's source;
//! - `user:{E}:<user>`: sorted set of one user's seats, for the per-order cap;
//! - `holdrec:{E}:<hold>`: the hold record; `log:{E}`: the stream of seat changes (an outbox);
//! - `loaded:{E}`: set once the structure mirrors the system of record.
//!
//! Reads (the seat map, counts) see a lapsed hold as free the moment its expiry passes, because
//! they select members of `held:{E}` by score, not by membership.
//!
//! `holdref:<hold>` maps a hold id to its event (it lives in its own slot, written first).

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, TimeZone, Utc};
use redis::aio::ConnectionManager;
use redis::{AsyncCommands, Script};
use uuid::Uuid;

use crate::domain::{Booking, Hold, SeatStatus};
use crate::ports::{BackendError, BackendResult, HoldLookup, HoldOutcome, SeatLocks, SeatSnapshot, TakenSeat};

/// Score of a booked seat in `held:{E}`: later than any expiry.
pub const BOOKED_SCORE: i64 = 1 << 52;
/// Approximate length the seat log of one event is trimmed to.
const LOG_MAX_LEN: u32 = 100_000;
/// How long a hold id keeps pointing to its event after the hold is made, in TTLs: long enough to
/// tell "expired" from "never existed" for the hold's whole possible life.
const HOLDREF_TTLS: i64 = 4;

struct Scripts {
    hold: Script,
    moves: Script,
    release: Script,
    load: Script,
    book: Script,
    counts: Script,
    reap: Script,
}

/// The [`SeatLocks`] adapter. Cheap to clone: one multiplexed, self-reconnecting connection.
#[derive(Clone)]
pub struct RedisSeatLocks {
    conn: ConnectionManager,
    prefix: String,
    scripts: std::sync::Arc<Scripts>,
}

impl RedisSeatLocks {
    pub fn new(conn: ConnectionManager, prefix: impl Into<String>) -> Self {
        RedisSeatLocks {
            conn,
            prefix: prefix.into(),
            scripts: std::sync::Arc::new(Scripts {
                hold: Script::new(include_str!("../lua/hold.lua")),
                moves: Script::new(include_str!("../lua/move.lua")),
                release: Script::new(include_str!("../lua/release.lua")),
                load: Script::new(include_str!("../lua/load.lua")),
                book: Script::new(include_str!("../lua/book.lua")),
                counts: Script::new(include_str!("../lua/counts.lua")),
                reap: Script::new(include_str!("../lua/reap.lua")),
            }),
        }
    }

    /// Connects once; the manager reconnects by itself after Redis restarts.
    pub async fn connect(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let config = redis::aio::ConnectionManagerConfig::new()
            .set_connection_timeout(std::time::Duration::from_secs(2))
            .set_response_timeout(std::time::Duration::from_secs(2))
            .set_number_of_retries(2);
        let conn = ConnectionManager::new_with_config(client, config).await?;
        Ok(Self::new(conn, prefix))
    }

    fn key(&self, kind: &str, event: Uuid, rest: Option<&str>) -> String {
        match rest {
            Some(rest) => format!("{}{kind}:{{{event}}}:{rest}", self.prefix),
            None => format!("{}{kind}:{{{event}}}", self.prefix),
        }
    }

    /// The set of events with holds to sweep (its own slot; written beside each hold).
    fn active_key(&self) -> String {
        format!("{}active-events", self.prefix)
    }

    fn holdref(&self, hold: Uuid) -> String {
        format!("{}holdref:{hold}", self.prefix)
    }

    /// The seat log stream of an event (read by the relay to Kafka).
    pub fn log_key(&self, event: Uuid) -> String {
        self.key("log", event, None)
    }

    /// Runs `move.lua`: the hold's locks to `owner` until `expires_at`, dropping the record if asked.
    async fn move_hold(&self, hold: &Hold, owner: Uuid, expires_at: DateTime<Utc>, drop_record: bool) -> BackendResult<bool> {
        let e = hold.event_id;
        let mut inv = self.scripts.moves.prepare_invoke();
        inv.key(self.key("holdrec", e, Some(&hold.id.to_string())))
            .key(self.key("held", e, None))
            .key(self.key("user", e, Some(&hold.user_id)));
        for k in self.lock_keys(e, &hold.seat_ids) {
            inv.key(k);
        }
        inv.arg(hold.id.to_string()).arg(owner.to_string()).arg(millis(expires_at)).arg(if drop_record { 1 } else { 0 });
        for s in &hold.seat_ids {
            inv.arg(s);
        }
        let done: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(fault("moving a hold"))?;
        Ok(done == 1)
    }

    /// Runs `release.lua` for an owner (a hold or a booking).
    async fn free(&self, e: Uuid, owner: Uuid, user: &str, seats: &[String], record_required: bool, now: DateTime<Utc>) -> BackendResult<bool> {
        let mut inv = self.scripts.release.prepare_invoke();
        inv.key(self.key("holdrec", e, Some(&owner.to_string())))
            .key(self.key("held", e, None))
            .key(self.key("user", e, Some(user)))
            .key(self.log_key(e));
        for k in self.lock_keys(e, seats) {
            inv.key(k);
        }
        inv.arg(owner.to_string()).arg(millis(now)).arg(e.to_string()).arg(LOG_MAX_LEN).arg(if record_required { 1 } else { 0 });
        for s in seats {
            inv.arg(s);
        }
        let done: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(fault("freeing seats"))?;
        Ok(done == 1)
    }

    fn lock_keys<'a>(&'a self, event: Uuid, seats: &'a [String]) -> impl Iterator<Item = String> + 'a {
        seats.iter().map(move |s| self.key("hold", event, Some(s)))
    }
}

fn fault(context: &str) -> impl FnOnce(redis::RedisError) -> BackendError + '_ {
    move |e| {
        let transient = e.is_io_error() || e.is_connection_dropped() || e.is_timeout() || e.is_connection_refusal();
        BackendError::new(context, transient, e)
    }
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

#[async_trait]
impl SeatLocks for RedisSeatLocks {
    async fn hold(&self, hold: &Hold, cap: u32, now: DateTime<Utc>) -> BackendResult<HoldOutcome> {
        let e = hold.event_id;
        let ttl_ms = millis(hold.expires_at) - millis(now);
        let mut inv = self.scripts.hold.prepare_invoke();
        inv.key(self.key("loaded", e, None))
            .key(self.key("held", e, None))
            .key(self.key("user", e, Some(&hold.user_id)))
            .key(self.key("holdrec", e, Some(&hold.id.to_string())))
            .key(self.log_key(e));
        for k in self.lock_keys(e, &hold.seat_ids) {
            inv.key(k);
        }
        inv.arg(hold.id.to_string())
            .arg(&hold.user_id)
            .arg(millis(now))
            .arg(millis(hold.expires_at))
            .arg(cap)
            .arg(e.to_string())
            .arg(LOG_MAX_LEN);
        for s in &hold.seat_ids {
            inv.arg(s);
        }
        let mut conn = self.conn.clone();
        // The hold id must lead to its event for the hold's whole life: written first (in the same
        // round trip), so there is never a hold that cannot be found. A failed hold leaves only
        // this short-lived pointer.
        let holdref_ttl = (ttl_ms / 1000 * HOLDREF_TTLS + 60) as u64;
        let piped: redis::RedisResult<(Vec<String>,)> = redis::pipe()
            .set_ex(self.holdref(hold.id), e.to_string(), holdref_ttl)
            .ignore()
            .sadd(self.active_key(), e.to_string())
            .ignore()
            .invoke_script(&inv)
            .query_async(&mut conn)
            .await;
        let reply = match piped {
            Ok((reply,)) => reply,
            // First use on this server (or after a restart): the script is not cached yet.
            Err(err) if err.kind() == redis::ErrorKind::NoScriptError => {
                inv.invoke_async(&mut conn).await.map_err(fault("holding seats"))?
            }
            Err(err) => return Err(fault("holding seats")(err)),
        };
        match reply.first().map(String::as_str) {
            Some("OK") => Ok(HoldOutcome::Held),
            Some("BUSY") => Ok(HoldOutcome::Unavailable(reply[1..].to_vec())),
            Some("LIMIT") => Ok(HoldOutcome::OverLimit { current: reply.get(1).and_then(|c| c.parse().ok()).unwrap_or(0) }),
            Some("NOT_LOADED") => Ok(HoldOutcome::NotLoaded),
            other => Err(BackendError::new("holding seats", false, anyhow::anyhow!("unexpected script reply {other:?}"))),
        }
    }

    async fn get(&self, hold_id: Uuid) -> BackendResult<HoldLookup> {
        let mut conn = self.conn.clone();
        let event: Option<String> = conn.get(self.holdref(hold_id)).await.map_err(fault("finding a hold"))?;
        let Some(event) = event.and_then(|e| Uuid::parse_str(&e).ok()) else {
            return Ok(HoldLookup::Unknown);
        };
        let rec: HashMap<String, String> = conn
            .hgetall(self.key("holdrec", event, Some(&hold_id.to_string())))
            .await
            .map_err(fault("reading a hold"))?;
        if rec.is_empty() {
            return Ok(HoldLookup::Expired);
        }
        let field = |k: &str| rec.get(k).cloned().unwrap_or_default();
        let time = |k: &str| field(k).parse::<i64>().ok().and_then(from_millis);
        match (time("createdAt"), time("expiresAt")) {
            (Some(created_at), Some(expires_at)) => Ok(HoldLookup::Live(Hold {
                id: hold_id,
                event_id: event,
                user_id: field("userId"),
                seat_ids: field("seats").split(',').filter(|s| !s.is_empty()).map(str::to_string).collect(),
                expires_at,
                created_at,
            })),
            _ => Err(BackendError::new("reading a hold", false, anyhow::anyhow!("hold record {hold_id} is malformed"))),
        }
    }

    async fn extend(&self, hold: &Hold, expires_at: DateTime<Utc>) -> BackendResult<bool> {
        self.move_hold(hold, hold.id, expires_at, false).await
    }

    async fn release(&self, hold: &Hold, now: DateTime<Utc>) -> BackendResult<bool> {
        let freed = self.free(hold.event_id, hold.id, &hold.user_id, &hold.seat_ids, true, now).await?;
        let () = self.conn.clone().del(self.holdref(hold.id)).await.map_err(fault("forgetting a released hold"))?;
        Ok(freed)
    }

    async fn claim(&self, hold: &Hold, booking: Uuid, deadline: DateTime<Utc>) -> BackendResult<bool> {
        let moved = self.move_hold(hold, booking, deadline, true).await?;
        if moved {
            let () = self.conn.clone().del(self.holdref(hold.id)).await.map_err(fault("forgetting a claimed hold"))?;
        }
        Ok(moved)
    }

    async fn mark_booked(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()> {
        let e = booking.event_id;
        let mut inv = self.scripts.book.prepare_invoke();
        inv.key(self.key("held", e, None)).key(self.key("user", e, Some(&booking.user_id))).key(self.log_key(e));
        for k in self.lock_keys(e, &booking.seat_ids) {
            inv.key(k);
        }
        inv.arg(booking.id.to_string()).arg(BOOKED_SCORE).arg(millis(now)).arg(e.to_string()).arg(LOG_MAX_LEN);
        for s in &booking.seat_ids {
            inv.arg(s);
        }
        let _: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(fault("marking seats booked"))?;
        Ok(())
    }

    async fn free_booking(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()> {
        self.free(booking.event_id, booking.id, &booking.user_id, &booking.seat_ids, false, now).await.map(|_| ())
    }

    async fn snapshot(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<SeatSnapshot>> {
        // A plain pipeline, not a script: the reply can be large, and a script would copy it.
        let (loaded, flat): (bool, Vec<String>) = redis::pipe()
            .exists(self.key("loaded", event, None))
            .cmd("ZRANGE")
            .arg(self.key("held", event, None))
            .arg(format!("({}", millis(now)))
            .arg("+inf")
            .arg("BYSCORE")
            .arg("WITHSCORES")
            .query_async(&mut self.conn.clone())
            .await
            .map_err(fault("reading the seat map"))?;
        if !loaded {
            return Ok(None);
        }
        Ok(Some(SeatSnapshot {
            taken: flat
                .chunks_exact(2)
                .map(|p| {
                    let booked = p[1].parse::<f64>().is_ok_and(|s| s >= BOOKED_SCORE as f64);
                    (p[0].clone(), if booked { SeatStatus::Booked } else { SeatStatus::Held })
                })
                .collect(),
        }))
    }

    async fn counts(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<(u32, u32)>> {
        let reply: Option<Vec<u32>> = self
            .scripts
            .counts
            .key(self.key("loaded", event, None))
            .key(self.key("held", event, None))
            .arg(millis(now))
            .arg(BOOKED_SCORE)
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(fault("counting seats"))?;
        Ok(reply.and_then(|c| Some((*c.first()?, *c.get(1)?))))
    }

    async fn active_events(&self) -> BackendResult<Vec<Uuid>> {
        let ids: Vec<String> = self.conn.clone().smembers(self.active_key()).await.map_err(fault("listing active events"))?;
        Ok(ids.iter().filter_map(|i| Uuid::parse_str(i).ok()).collect())
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
            .invoke_async(&mut self.conn.clone())
            .await
            .map_err(fault("reaping lapsed holds"))?;
        Ok(seats.len())
    }

    async fn seat_log(&self, event: Uuid, after: &str, count: usize) -> BackendResult<Vec<(String, Vec<(String, String)>)>> {
        let reply: redis::streams::StreamRangeReply = self
            .conn
            .clone()
            .xrange_count(self.log_key(event), format!("({after}"), "+", count)
            .await
            .map_err(fault("reading the seat log"))?;
        Ok(reply
            .ids
            .into_iter()
            .map(|e| {
                let fields = e
                    .map
                    .iter()
                    .filter_map(|(k, v)| redis::from_redis_value::<String>(v).ok().map(|v| (k.clone(), v)))
                    .collect();
                (e.id, fields)
            })
            .collect())
    }

    async fn log_cursor(&self, event: Uuid) -> BackendResult<String> {
        let at: Option<String> = self.conn.clone().get(self.key("logpos", event, None)).await.map_err(fault("reading the log cursor"))?;
        Ok(at.unwrap_or_else(|| "0-0".to_string()))
    }

    async fn set_log_cursor(&self, event: Uuid, id: &str) -> BackendResult<()> {
        let () = self.conn.clone().set(self.key("logpos", event, None), id).await.map_err(fault("moving the log cursor"))?;
        Ok(())
    }

    async fn load(&self, event: Uuid, taken: &[TakenSeat]) -> BackendResult<()> {
        let mut inv = self.scripts.load.prepare_invoke();
        inv.key(self.key("loaded", event, None)).key(self.key("held", event, None));
        inv.arg(millis(Utc::now())).arg(BOOKED_SCORE);
        for t in taken {
            inv.key(self.key("hold", event, Some(&t.seat)));
            inv.key(self.key("user", event, Some(t.user.as_deref().unwrap_or("unknown"))));
            let owner = t.booking.map(|b| b.to_string()).unwrap_or_else(|| "unknown".into());
            inv.arg(&t.seat).arg(owner).arg(t.until.map(millis).unwrap_or(BOOKED_SCORE));
        }
        let _: i64 = inv.invoke_async(&mut self.conn.clone()).await.map_err(fault("loading the seat locks"))?;
        Ok(())
    }
}
