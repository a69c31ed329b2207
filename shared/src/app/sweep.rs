//! The scheduled sweep (an EventBridge schedule in AWS, a timer in the local gateway): expires
//! PENDING bookings past their deadline, settles payments left PROCESSING with what the provider
//! says, announces holds that lapsed in Redis, advances every waiting room's admission, relays each event's seat log to `seat.events` and
//! outbox rows left unsent. Safe when two sweeps overlap (bookings
//! move under row locks and only from PENDING; outbox rows are claimed with `SKIP LOCKED`; lapsed
//! holds are taken off the map in one script; seat-log messages have ids derived from their log
//! position, so a repeat is a duplicate consumers drop) and when one crashes half-way.

use serde::Serialize;

use super::change_booking::expire_due;
use super::payments::reconcile;
use super::relay::{relay, RelayReport};
use super::{App, AppResult};

/// Bookings expired per run, at most.
const BATCH: u32 = 500;

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub expired: usize,
    pub relayed: usize,
    /// Seats of lapsed holds announced as released.
    pub lapsed: usize,
    /// Seat-log entries published to `seat.events`.
    pub seat_log: usize,
    /// Payments left PROCESSING, settled with what the provider says.
    pub reconciled: usize,
    /// Buyers admitted from waiting rooms since the last sweep.
    pub admitted: usize,
}

/// How long a payment may stay PROCESSING before the sweep asks the provider about it.
pub const RECONCILE_AFTER_SECONDS: i64 = 120;

pub async fn sweep(app: &App) -> AppResult<SweepReport> {
    let expired = expire_due(app, app.now(), BATCH).await?;
    let reconciled =
        reconcile(app, chrono::Duration::seconds(RECONCILE_AFTER_SECONDS), BATCH).await?;
    let mut lapsed = 0;
    let now = app.now();
    for event in app.locks.active_events().await? {
        lapsed += app.locks.reap(event, now).await?;
    }
    let admitted = super::queue::advance_all(app).await? as usize;
    let RelayReport { outbox: relayed, seat_log } = relay(app).await?;
    crate::metrics::count(crate::metrics::Metric::HoldsLapsed, lapsed as u64);
    crate::metrics::count(crate::metrics::Metric::PaymentsReconciled, reconciled as u64);
    let report = SweepReport { expired, relayed, lapsed, seat_log, reconciled, admitted };
    tracing::info!(expired, relayed, lapsed, seat_log, reconciled, admitted, "sweep");
    Ok(report)
}
