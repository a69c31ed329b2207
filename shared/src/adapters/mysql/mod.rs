//! The system of record in MySQL (Aurora) through sqlx, one file per job: events and seats,
//! bookings, payments (with the provider webhooks they apply), tickets and scans, and the outbox.
//!
//! Every change is one short transaction with no network call inside. Rows are locked in one order
//! everywhere (booking, then its payments, then its seats by primary key), so transactions queue
//! rather than deadlock; deadlocks, lock-wait timeouts and lost optimistic checks that happen anyway
//! are retried a bounded number of times with jittered backoff ([`retry`]). Migrations in
//! `migrations/` are embedded at build time; [`migrate`] applies them. Queries are checked at
//! compile time (`sqlx::query!` and the row macros of `tx` and `tickets`) against the query data in
//! `.sqlx/`, made from the migrations by `localstack/sqlx.sh prepare` (no database is needed to
//! build; the test command fails when that data is stale). Only queries whose text depends on the
//! request are built at run time: IN-lists ([`in_list`]) and optional filters, decoded into the
//! same row types.

mod bookings;
mod codes;
mod events;
mod history;
pub mod iam;
mod organiser;
mod outbox;
mod payments;
mod presale;
mod report;
mod rows;
mod tickets;
mod tx;
mod waitlist;

use std::future::Future;
use std::time::Duration;

use rand::Rng;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions, MySqlRow, MySqlSslMode};
use sqlx::{MySql, QueryBuilder, Row};
use uuid::Uuid;

pub use bookings::MySqlBookings;
pub use codes::MySqlCodes;
pub use events::MySqlEvents;
pub use history::MySqlHistory;
pub use outbox::MySqlOutbox;
pub use payments::MySqlPayments;
pub use presale::MySqlPresale;
pub use tickets::MySqlTickets;
pub use waitlist::MySqlWaitlist;

use crate::config::{Config, DbSslMode};
use crate::ports::{BackendError, BackendResult};

/// Attempts of a transaction that met a deadlock, a lock-wait timeout or a lost optimistic check.
const ATTEMPTS: u32 = 5;
/// The first retry waits up to this long; each later one up to twice as long as the one before.
const BACKOFF: Duration = Duration::from_millis(4);

/// The connection options of the configured database (TLS as the configuration says).
pub fn options(config: &Config) -> MySqlConnectOptions {
    let ssl_mode = match config.db_ssl_mode {
        DbSslMode::Disabled => MySqlSslMode::Disabled,
        DbSslMode::Preferred => MySqlSslMode::Preferred,
        DbSslMode::Required => MySqlSslMode::Required,
        DbSslMode::VerifyCa => MySqlSslMode::VerifyCa,
        DbSslMode::VerifyIdentity => MySqlSslMode::VerifyIdentity,
    };
    let mut options = MySqlConnectOptions::new()
        .host(&config.db_host)
        .port(config.db_port)
        .username(&config.db_user)
        .database(&config.db_name)
        .ssl_mode(ssl_mode);
    if let Some(ca) = &config.db_ssl_ca {
        options = options.ssl_ca(ca);
    }
    if config.db_iam_auth {
        // The auth token goes in clear text, inside TLS (checked by `Config::check`).
        options = options.enable_cleartext_plugin(true);
    }
    // An empty password means none: MySQL tells the two apart.
    if config.db_password.is_empty() {
        options
    } else {
        options.password(&config.db_password)
    }
}

/// A connection idle longer than this is pinged before it is handed out.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Opens a small pool (one per function instance) that connects lazily, so a cold start never
/// fails just because the database is briefly away. A connection back from another request in the
/// last second is handed out as it is: sqlx's default pings every connection it hands out, a round
/// trip the writer pays for each transaction (on top of the one sqlx always makes as a connection
/// comes back). One that sat idle longer (between invocations, after a freeze, across a failover)
/// is pinged first, and replaced if the ping fails.
pub fn pool(options: MySqlConnectOptions, max_connections: u32) -> MySqlPool {
    MySqlPoolOptions::new()
        .max_connections(max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
        .connect_lazy_with(options)
}

/// Applies the embedded migrations.
pub async fn migrate(pool: &MySqlPool) -> anyhow::Result<()> {
    sqlx::migrate!("../migrations").run(pool).await?;
    Ok(())
}

/// Whether a database error is worth retrying (the server is away, or a pool timeout).
pub fn is_transient(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Tls(_)
    )
}

/// Maps a sqlx error to a [`BackendError`] saying what was being done.
pub(crate) fn fault(context: &str) -> impl FnOnce(sqlx::Error) -> BackendError + '_ {
    move |e| {
        if is_transient(&e) {
            BackendError::transient(context, e)
        } else {
            BackendError::permanent(context, e)
        }
    }
}

/// The MySQL error number of a database error.
fn error_number(e: &sqlx::Error) -> Option<u16> {
    e.as_database_error()
        .and_then(|d| d.try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>())
        .map(|m| m.number())
}

pub(crate) fn duplicate_key(e: &sqlx::Error) -> bool {
    error_number(e) == Some(1062)
}

/// Why an attempt of a transaction is worth another try.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Contention {
    /// MySQL chose this transaction as a deadlock victim, or a lock wait timed out.
    #[error("deadlock or lock wait timeout: {0}")]
    Locked(sqlx::Error),
    /// Rows changed between the read and the versioned write.
    #[error("lost the optimistic check on {0}")]
    LostOptimisticCheck(&'static str),
}

/// Why one attempt of a transaction stopped.
pub(crate) enum Abort {
    Retry(Contention),
    Fail(BackendError),
}

impl From<sqlx::Error> for Abort {
    fn from(e: sqlx::Error) -> Self {
        match error_number(&e) {
            Some(1213 | 1205) => Abort::Retry(Contention::Locked(e)),
            _ => Abort::Fail(fault("writing to MySQL")(e)),
        }
    }
}

impl From<BackendError> for Abort {
    fn from(e: BackendError) -> Self {
        Abort::Fail(e)
    }
}

/// Runs `attempt` until it does not ask for another try, at most [`ATTEMPTS`] times, waiting a
/// jittered, doubling while between tries so that the transactions that collided do not collide
/// again in step. Out of tries, the answer is [`BackendError::contended`] with the last cause.
pub(crate) async fn retry<T, F, Fut>(what: &str, mut attempt: F) -> BackendResult<T>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, Abort>>,
{
    let mut last = None;
    for n in 0..ATTEMPTS {
        if n > 0 {
            let ceiling = BACKOFF.as_micros() as u64 * (1 << (n - 1));
            let wait = Duration::from_micros(rand::thread_rng().gen_range(0..=ceiling));
            tokio::time::sleep(wait).await;
        }
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(Abort::Fail(e)) => return Err(e),
            Err(Abort::Retry(cause)) => last = Some(cause),
        }
    }
    let cause = last.map(anyhow::Error::from).unwrap_or_else(|| anyhow::anyhow!("no attempt ran"));
    Err(BackendError::contended(what, cause))
}

/// Pushes `(?, ?, ...)` binding each item: the one IN-list builder.
pub(crate) fn in_list<'q, T>(q: &mut QueryBuilder<'q, MySql>, items: impl IntoIterator<Item = T>)
where
    T: 'q + sqlx::Encode<'q, MySql> + sqlx::Type<MySql>,
{
    q.push("(");
    let mut sep = q.separated(", ");
    for item in items {
        sep.push_bind(item);
    }
    q.push(")");
}

/// A UUID stored as text; anything else is an error, never a default.
pub(crate) fn parse_uuid(s: &str) -> Result<Uuid, sqlx::Error> {
    Uuid::parse_str(s).map_err(|e| sqlx::Error::Decode(Box::new(e)))
}

/// A UUID column stored as text.
pub(crate) fn uuid(r: &MySqlRow, col: &str) -> Result<Uuid, sqlx::Error> {
    parse_uuid(&r.try_get::<String, _>(col)?)
}

/// A stored name read with `parse`; a value the code does not know is an error, never a guess.
pub(crate) fn parse_status<T>(
    col: &str,
    s: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    parse(s).ok_or_else(|| {
        sqlx::Error::Decode(format!("{col} {s:?} is not one this code knows").into())
    })
}

/// A status column read with `parse`.
pub(crate) fn status<T>(
    r: &MySqlRow,
    col: &str,
    parse: fn(&str) -> Option<T>,
) -> Result<T, sqlx::Error> {
    parse_status(col, &r.try_get::<String, _>(col)?, parse)
}
