//! Abuse limits on writes: each user may make `RATE_LIMIT_WRITES_PER_SECOND` writes a second
//! (holds, extensions, releases, bookings, confirmations, cancellations, payments, events), counted
//! in Redis so that every instance counts the same.

use super::{App, AppError, AppResult};
use crate::ports::RateDecision;

/// The window writes are counted in.
const WINDOW_MS: u64 = 1_000;

/// Counts one write of `user`; [`AppError::RateLimited`] past the limit.
pub async fn count_write(app: &App, user: &str) -> AppResult<()> {
    let limit = app.config.rate_limit_writes;
    if limit == 0 {
        return Ok(());
    }
    match app.limiter.count(user, limit, WINDOW_MS, app.now()).await? {
        RateDecision::Allowed => Ok(()),
        RateDecision::Limited { retry_after_ms } => {
            crate::metrics::count(crate::metrics::Metric::RateLimited, 1);
            Err(AppError::RateLimited { retry_after_ms })
        }
    }
}
