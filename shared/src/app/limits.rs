//! Abuse limits on writes: each user may make `RATE_LIMIT_WRITES_PER_SECOND` writes a second
//! (extensions, bookings, confirmations, cancellations, payments, events), counted in
//! Redis so that every instance counts the same. Holds and releases, the on-sale's hot path, are
//! counted apart, per event, in their own step (`hold.lua`, `release.lua`): a hold is one round
//! trip to Redis, a release two (its pointer, then the script).

use super::{App, AppError, AppResult};
use crate::ports::{RateDecision, RequestLimit};

/// The window writes are counted in.
const WINDOW_MS: u64 = 1_000;

/// The write limit: `RATE_LIMIT_WRITES_PER_SECOND` a window of [`WINDOW_MS`] (0: none). A hold
/// or a release counts against it in its own step, per event; every other write through
/// [`count_write`].
pub fn write_limit(app: &App) -> RequestLimit {
    RequestLimit { requests: app.config.rate_limit_writes, window_ms: WINDOW_MS }
}

/// The answer to a request past a per-user limit (any of them: writes, holds, releases, the
/// queue's), counted in the `RateLimited` metric.
pub fn limited(retry_after_ms: u64) -> AppError {
    crate::metrics::count(crate::metrics::Metric::RateLimited, 1);
    AppError::RateLimited { retry_after_ms }
}

/// Counts one write of `user`; [`AppError::RateLimited`] past the limit.
pub async fn count_write(app: &App, user: &str) -> AppResult<()> {
    let limit = write_limit(app);
    if limit.requests == 0 {
        return Ok(());
    }
    match app.limiter.count(user, limit.requests, limit.window_ms, app.now()).await? {
        RateDecision::Allowed => Ok(()),
        RateDecision::Limited { retry_after_ms } => Err(limited(retry_after_ms)),
    }
}
