//! Seat locks and the seat log in Redis (ElastiCache): one Lua script per atomic step.
//!
//! Every key of one event carries the event id as a hash tag (`hold:{<eventId>}:A-1-1`), so a
//! multi-seat hold stays one atomic script on a cluster and events spread across shards. Per event:
//! - `hold:{E}:<seat>`: the lock, valued with the owning hold id, expiring at the hold's expiry;
//! - `held:{E}`: sorted set seat -> expiry ms (booked seats: [`BOOKED_SCORE`], blocked ones:
//!   [`BLOCKED_SCORE`], their lock valued `blocked`), the seat map's source;
//! - `user:{E}:<user>`: sorted set of one user's held and pending seats, for the per-order cap;
//! - `holders:{E}`: hash booked seat -> its ticket's holder; `owned:{E}`: hash user -> how many
//!   booked seats they hold, for `maxTicketsPerUser` (with their `user:{E}` seats);
//! - `holdrec:{E}:<hold>`: the hold record; `log:{E}`: the stream of seat changes (an outbox);
//! - `loaded:{E}`: set once the structure mirrors the system of record;
//! - `rsv:{E}`: hash seat -> `<until ms>,<code>` of seats set aside for a presale's access code,
//!   and `rsvat:{E}`: sorted set seat -> until ms of the same, for the sweep to find ended ones;
//! - `tier:{E}:<section>`: sorted set seat -> tier j x [`TIER_BAND`] + expiry ms (a paid seat: the
//!   band's top) of the section's seats live at a counted price tier (`untilSold`), which hold.lua
//!   counts when it prices a seat.
//!
//! Reads (the seat map, counts) see a lapsed hold as free the moment its expiry passes, because
//! they select members of `held:{E}` by score, not by membership.
//!
//! `holdref:<hold>` maps a hold id to its event (it lives in its own slot, written first).

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use redis::aio::ConnectionManager;
use redis::Script;
use tokio::sync::OnceCell;
use uuid::Uuid;

use crate::domain::Hold;
use crate::ports::{BackendError, BackendResult, RequestLimit};

mod holders;
mod limits;
mod locks;
mod log;
mod queue;
mod sweep;

/// Score of a booked seat in `held:{E}`: later than any expiry.
pub const BOOKED_SCORE: i64 = 1 << 52;
/// Score of a blocked seat in `held:{E}`: later than any booked one (and still exact in a double).
pub const BLOCKED_SCORE: i64 = 1 << 53;
/// The width of one price tier's scores in `tier:{E}:<section>`: beyond any time in ms (2109), and
/// ten tiers' worth still exact in a double.
pub const TIER_BAND: i64 = 1 << 42;
/// Approximate length the seat log of one event is trimmed to.
const LOG_MAX_LEN: u32 = 100_000;
/// How long a hold id keeps pointing to its event after the hold is made, in TTLs: long enough to
/// tell "expired" from "never existed" for the hold's whole possible life.
const HOLDREF_TTLS: i64 = 4;

/// A script that counts a user's requests: the one window rule (`window.lua`), then the script.
macro_rules! counting {
    ($name:literal) => {
        concat!(
            include_str!("../../lua/window.lua"),
            include_str!(concat!("../../lua/", $name, ".lua"))
        )
    };
}

struct Scripts {
    hold: Script,
    moves: Script,
    release: Script,
    load: Script,
    book: Script,
    counts: Script,
    reap: Script,
    block: Script,
    rate: Script,
    queue: Script,
    give: Script,
    reserve: Script,
}

/// The [`crate::ports::SeatLocks`] and [`crate::ports::SeatLog`] adapter. Cheap to clone: one
/// multiplexed, self-reconnecting connection (to one server, or to every shard of a cluster),
/// opened when first used (a function that never touches Redis never connects to it).
#[derive(Clone)]
pub struct RedisSeats {
    client: Client,
    conn: Arc<OnceCell<Conn>>,
    prefix: String,
    scripts: Arc<Scripts>,
}

/// One server, or a Redis Cluster (ElastiCache cluster mode).
#[derive(Clone)]
enum Client {
    Single(redis::Client),
    Cluster(redis::cluster::ClusterClient),
}

/// Runs `pipe`, which invokes `script` among other commands, in one round trip and answers the
/// script's reply. A server that has not cached the script yet (its first use, or after a restart)
/// refuses only the script, the other commands having run (a pipeline is not a transaction); the
/// script then runs on its own, which loads it.
pub(super) async fn piped_script<T: redis::FromRedisValue>(
    conn: &mut Conn,
    pipe: &redis::Pipeline,
    script: &redis::ScriptInvocation<'_>,
) -> redis::RedisResult<T> {
    match pipe.query_async::<(T,)>(conn).await {
        Ok((reply,)) => Ok(reply),
        Err(err) if err.kind() == redis::ErrorKind::NoScriptError => {
            script.invoke_async(conn).await
        }
        Err(err) => Err(err),
    }
}

/// A connection to one server or to a cluster: commands and scripts route the same either way
/// (a cluster by the slot of their first key), pipelines only within one slot.
#[derive(Clone)]
pub enum Conn {
    Single(ConnectionManager),
    Cluster(redis::cluster_async::ClusterConnection),
}

impl redis::aio::ConnectionLike for Conn {
    fn req_packed_command<'a>(
        &'a mut self,
        cmd: &'a redis::Cmd,
    ) -> redis::RedisFuture<'a, redis::Value> {
        match self {
            Conn::Single(c) => c.req_packed_command(cmd),
            Conn::Cluster(c) => c.req_packed_command(cmd),
        }
    }

    fn req_packed_commands<'a>(
        &'a mut self,
        cmd: &'a redis::Pipeline,
        offset: usize,
        count: usize,
    ) -> redis::RedisFuture<'a, Vec<redis::Value>> {
        match self {
            Conn::Single(c) => c.req_packed_commands(cmd, offset, count),
            Conn::Cluster(c) => c.req_packed_commands(cmd, offset, count),
        }
    }

    fn get_db(&self) -> i64 {
        match self {
            Conn::Single(c) => c.get_db(),
            Conn::Cluster(c) => c.get_db(),
        }
    }
}

impl RedisSeats {
    /// A client of `url` (`redis://`, or `rediss://` for TLS, checked against the CA in `ca_file`
    /// when given, else the public roots), with the AUTH `password` if any; with `cluster`, `url`
    /// lists seed nodes separated by commas. Nothing connects yet.
    pub fn new(
        url: &str,
        prefix: impl Into<String>,
        ca_file: Option<&str>,
        password: Option<&str>,
        cluster: bool,
    ) -> anyhow::Result<Self> {
        let root_cert = match (url.starts_with("rediss://"), ca_file) {
            (true, Some(ca)) => Some(
                std::fs::read(ca)
                    .map_err(|e| anyhow::anyhow!("reading REDIS_CA_FILE {ca}: {e}"))?,
            ),
            _ => None,
        };
        let client = if cluster {
            let seeds: Vec<&str> =
                url.split(',').map(str::trim).filter(|u| !u.is_empty()).collect();
            let mut builder = redis::cluster::ClusterClientBuilder::new(seeds)
                .connection_timeout(std::time::Duration::from_secs(2))
                .response_timeout(std::time::Duration::from_secs(2));
            if let Some(p) = password {
                builder = builder.password(p.to_string());
            }
            if let Some(root_cert) = root_cert {
                builder = builder
                    .certs(redis::TlsCertificates { client_tls: None, root_cert: Some(root_cert) });
            }
            Client::Cluster(builder.build()?)
        } else {
            let mut info = redis::IntoConnectionInfo::into_connection_info(url)?;
            if let Some(p) = password {
                info.redis.password = Some(p.to_string());
            }
            Client::Single(match root_cert {
                Some(root_cert) => redis::Client::build_with_tls(
                    info,
                    redis::TlsCertificates { client_tls: None, root_cert: Some(root_cert) },
                )?,
                None => redis::Client::open(info)?,
            })
        };
        Ok(RedisSeats {
            client,
            conn: Arc::new(OnceCell::new()),
            prefix: prefix.into(),
            scripts: Arc::new(Scripts {
                hold: Script::new(counting!("hold")),
                moves: Script::new(include_str!("../../lua/move.lua")),
                release: Script::new(counting!("release")),
                load: Script::new(include_str!("../../lua/load.lua")),
                book: Script::new(include_str!("../../lua/book.lua")),
                counts: Script::new(include_str!("../../lua/counts.lua")),
                reap: Script::new(include_str!("../../lua/reap.lua")),
                block: Script::new(include_str!("../../lua/block.lua")),
                reserve: Script::new(include_str!("../../lua/reserve.lua")),
                rate: Script::new(counting!("rate")),
                queue: Script::new(counting!("queue")),
                give: Script::new(include_str!("../../lua/give.lua")),
            }),
        })
    }

    /// The connection, opened on first use; it reconnects by itself after Redis restarts (and
    /// follows a cluster's slots as they move).
    /// Whether this is a cluster (where a pipeline may not span slots).
    pub(super) fn is_cluster(&self) -> bool {
        matches!(self.client, Client::Cluster(_))
    }

    /// A hold's pointer, given to the script that ends the hold as its last key so that it goes in
    /// the same step, where the keys share a server; on a cluster (the pointer has a slot of its
    /// own) none, and [`RedisSeats::forget_after`] deletes it.
    pub(super) fn pointer_in_script(
        &self,
        inv: &mut redis::ScriptInvocation,
        pointer: Option<&String>,
    ) {
        if let Some(key) = pointer.filter(|_| !self.is_cluster()) {
            inv.key(key);
        }
    }

    /// On a cluster, deletes a hold's pointer after the script that ended the hold (`done`).
    pub(super) async fn forget_after(
        &self,
        conn: &mut Conn,
        pointer: Option<String>,
        done: bool,
    ) -> BackendResult<()> {
        if let Some(key) = pointer.filter(|_| self.is_cluster() && done) {
            let () = redis::AsyncCommands::del(conn, key)
                .await
                .map_err(fault("forgetting an ended hold"))?;
        }
        Ok(())
    }

    pub async fn connection(&self) -> BackendResult<Conn> {
        let conn = self
            .conn
            .get_or_try_init(|| async {
                match &self.client {
                    Client::Single(client) => {
                        let config = redis::aio::ConnectionManagerConfig::new()
                            .set_connection_timeout(std::time::Duration::from_secs(2))
                            .set_response_timeout(std::time::Duration::from_secs(2))
                            .set_number_of_retries(2);
                        ConnectionManager::new_with_config(client.clone(), config)
                            .await
                            .map(Conn::Single)
                    }
                    Client::Cluster(client) => {
                        client.get_async_connection().await.map(Conn::Cluster)
                    }
                }
            })
            .await
            .map_err(fault("connecting to Redis"))?;
        Ok(conn.clone())
    }

    pub(super) fn key(&self, kind: &str, event: Uuid, rest: Option<&str>) -> String {
        match rest {
            Some(rest) => format!("{}{kind}:{{{event}}}:{rest}", self.prefix),
            None => format!("{}{kind}:{{{event}}}", self.prefix),
        }
    }

    /// The live uses of a code of the event (`-` for no code: a key the scripts then leave alone).
    pub(super) fn code_key(&self, event: Uuid, code: Option<&str>) -> String {
        self.key("code", event, Some(code.unwrap_or("-")))
    }

    /// The set of events with holds to sweep (its own slot; written beside each hold).
    pub(super) fn active_key(&self) -> String {
        format!("{}active-events", self.prefix)
    }

    pub(super) fn holdref(&self, hold: Uuid) -> String {
        format!("{}holdref:{hold}", self.prefix)
    }

    /// The user's write counter of the event's current window (a new window is a new key, in the
    /// event's slot), and what the scripts that count a write are given: the writes allowed (0:
    /// not counted), the window's length and what is left of it.
    pub(super) fn write_window(
        &self,
        e: Uuid,
        user: &str,
        writes: Option<RequestLimit>,
        now: DateTime<Utc>,
    ) -> WriteWindow {
        let now_ms = millis(now).max(0) as u64;
        let limit = writes.filter(|w| w.requests > 0);
        let ms = limit.map_or(1, |w| w.window_ms.max(1));
        WriteWindow {
            key: self.key("writes", e, Some(&format!("{user}:{}", now_ms / ms))),
            allowed: limit.map_or(0, |w| w.requests),
            ms,
            left_ms: ms - now_ms % ms,
        }
    }

    /// The seat log stream of an event (read by the relay to Kafka).
    pub fn log_key(&self, event: Uuid) -> String {
        self.key("log", event, None)
    }

    /// Runs `move.lua`: the hold's locks to `owner` until `expires_at`; the hold's record is kept
    /// or dropped as `record` says, and with a dropped record its pointer (in the same step where
    /// the keys share a server; after it on a cluster, where the pointer has a slot of its own).
    pub(super) async fn move_hold(
        &self,
        hold: &Hold,
        owner: Uuid,
        expires_at: DateTime<Utc>,
        record: HoldRecord,
    ) -> BackendResult<bool> {
        let e = hold.event_id;
        let mut inv = self.scripts.moves.prepare_invoke();
        inv.key(self.key("holdrec", e, Some(&hold.id.to_string())))
            .key(self.key("held", e, None))
            .key(self.key("user", e, Some(&hold.user_id)))
            .key(self.code_key(e, hold.code.as_deref()));
        for k in self.seat_keys(e, &hold.seat_ids) {
            inv.key(k);
        }
        let pointer = (record == HoldRecord::Drop).then(|| self.holdref(hold.id));
        self.pointer_in_script(&mut inv, pointer.as_ref());
        inv.arg(hold.id.to_string())
            .arg(owner.to_string())
            .arg(millis(expires_at))
            .arg(match record {
                HoldRecord::Keep => 0,
                HoldRecord::Drop => 1,
            })
            .arg(u8::from(hold.code.is_some()))
            .arg(TIER_BAND);
        for s in &hold.seat_ids {
            inv.arg(s);
        }
        let mut conn = self.connection().await?;
        let done: i64 = inv.invoke_async(&mut conn).await.map_err(fault("moving a hold"))?;
        self.forget_after(&mut conn, pointer, done == 1).await?;
        Ok(done == 1)
    }

    /// Runs reserve.lua (`mode`: reserve, unreserve, lapse) over the seats, for the code until its
    /// end (ms; reserve only).
    pub(super) async fn reservations(
        &self,
        mode: &str,
        event: Uuid,
        (code, until): (&str, i64),
        announce: bool,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let mut inv = self.scripts.reserve.prepare_invoke();
        inv.key(self.key("rsv", event, None))
            .key(self.key("rsvat", event, None))
            .key(self.key("held", event, None))
            .key(self.log_key(event));
        inv.arg(mode)
            .arg(millis(now))
            .arg(event.to_string())
            .arg(LOG_MAX_LEN)
            .arg(code)
            .arg(until)
            .arg(if announce { "1" } else { "0" });
        for s in seats {
            inv.arg(s);
        }
        inv.invoke_async(&mut self.connection().await?).await.map_err(fault("reserving seats"))
    }

    /// Runs block.lua (`mode`: block, unblock, close) over the seats.
    pub(super) async fn blocks(
        &self,
        mode: &str,
        event: Uuid,
        seats: &[String],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<String>> {
        let mut inv = self.scripts.block.prepare_invoke();
        inv.key(self.key("loaded", event, None))
            .key(self.key("held", event, None))
            .key(self.log_key(event));
        for k in self.lock_keys(event, seats) {
            inv.key(k);
        }
        inv.arg(mode).arg(millis(now)).arg(event.to_string()).arg(LOG_MAX_LEN).arg(BLOCKED_SCORE);
        for s in seats {
            inv.arg(s);
        }
        inv.invoke_async(&mut self.connection().await?).await.map_err(fault("blocking seats"))
    }

    pub(super) fn lock_keys<'a>(
        &'a self,
        event: Uuid,
        seats: &'a [String],
    ) -> impl Iterator<Item = String> + 'a {
        seats.iter().map(move |s| self.key("hold", event, Some(s)))
    }

    /// Per seat, its lock key and its section's tier zset (the scripts that take, move, book or
    /// free seats keep a seat's price tier with its lock).
    pub(super) fn seat_keys<'a>(
        &'a self,
        event: Uuid,
        seats: &'a [String],
    ) -> impl Iterator<Item = String> + 'a {
        seats
            .iter()
            .flat_map(move |s| [self.key("hold", event, Some(s)), self.seat_tier_key(event, s)])
    }

    /// A section's seats live at counted price tiers.
    pub(super) fn tier_key(&self, event: Uuid, section: &str) -> String {
        self.key("tier", event, Some(section))
    }

    /// The tier zset of a seat's section (a seat id starts with its section, which has no `-`).
    pub(super) fn seat_tier_key(&self, event: Uuid, seat: &str) -> String {
        self.tier_key(event, seat.split('-').next().unwrap_or_default())
    }
}

fn fault(context: &str) -> impl FnOnce(redis::RedisError) -> BackendError + '_ {
    move |e| {
        if e.is_io_error()
            || e.is_connection_dropped()
            || e.is_timeout()
            || e.is_connection_refusal()
        {
            BackendError::transient(context, e)
        } else {
            BackendError::permanent(context, e)
        }
    }
}

/// A write counted in a script: [`RedisSeats::write_window`].
pub(super) struct WriteWindow {
    pub key: String,
    pub allowed: u32,
    pub ms: u64,
    pub left_ms: u64,
}

fn millis(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_millis(ms: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_millis_opt(ms).single()
}

/// What becomes of a hold's record when its locks move (`move.lua`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum HoldRecord {
    /// Still a hold (an extension): the record stays.
    Keep,
    /// Now a booking's (a claim): the record goes, and the pointer to it.
    Drop,
}

/// Whether a release counts only if its owner's record is there (`release.lua`): a hold's must
/// be; a booking's seats are freed whether or not anything was left of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum OwnerRecord {
    Required,
    Optional,
}
