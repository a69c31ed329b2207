//! The scheduled sweep (an EventBridge schedule in AWS, a timer in the local gateway): expires
//! PENDING bookings past their deadline, settles payments left PROCESSING with what the provider
//! says, sends refunds their requests did not get through, works on cancelled events (the cancel
//! job: `cancel_event`), announces holds that lapsed in Redis and presale reservations that ended, lapses waitlist offers not taken and
//! offers freed seats to waitlists, advances every waiting room's
//! admission, relays each event's seat log to `seat.events` and outbox rows left unsent, and once a
//! minute puts each active event's seat locks back in line with MySQL (`drift`). Safe
//! when two sweeps overlap (refunds carry their own idempotency key; the cancel job is safe twice;
//! bookings move under row locks and only from PENDING; outbox rows are claimed with `SKIP LOCKED`; lapsed
//! holds are taken off the map in one script; seat-log messages have ids derived from their log
//! position, so a repeat is a duplicate consumers drop) and when one crashes half-way.

use serde::Serialize;

use super::expiry::expire_due;
use super::payments::reconcile;
use super::refunds::send_due;
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
    /// Refunds sent that their own request had not got through.
    pub refunds: usize,
    /// Bookings of cancelled events cancelled by the cancel job.
    pub event_cancels: usize,
    /// Freed seats offered to waitlisted buyers.
    pub offers: usize,
    /// Seats whose locks disagreed with MySQL, put right (`drift`, with reservations missing).
    pub repaired: usize,
    /// Reserved seats whose code ended, back on general sale.
    pub unreserved: usize,
}

/// How often an instance compares each active event's locks with MySQL (a read of every taken
/// seat in both stores).
pub const DRIFT_EVERY_MS: i64 = 60_000;

/// How long a refund is left to the request that owed it before the sweep sends it.
pub const REFUND_AFTER_SECONDS: i64 = 30;

/// How long a payment may stay PROCESSING before the sweep asks the provider about it.
pub const RECONCILE_AFTER_SECONDS: i64 = 120;

pub async fn sweep(app: &App) -> AppResult<SweepReport> {
    let expired = expire_due(app, app.now(), BATCH).await?;
    let reconciled =
        reconcile(app, chrono::Duration::seconds(RECONCILE_AFTER_SECONDS), BATCH).await?;
    let refunds =
        send_due(app, None, chrono::Duration::seconds(REFUND_AFTER_SECONDS), BATCH).await?;
    let event_cancels = super::cancel_event::run(app).await?;
    let mut lapsed = 0;
    let now = app.now();
    let active = app.sweep.active_events().await?;
    let mut unreserved = 0;
    for &event in &active {
        lapsed += app.sweep.reap(event, now).await?;
        // Reserved seats whose code ended are on sale already (by the clock); this clears them
        // and tells viewers, all of a code's seats in one push.
        unreserved += app.closing.unreserve(event, None, &[], now).await?.len();
    }
    let mut repaired = 0;
    let last = app.drift_done_at.load(std::sync::atomic::Ordering::Relaxed);
    if now.timestamp_millis().saturating_sub(last) >= DRIFT_EVERY_MS {
        app.drift_done_at.store(now.timestamp_millis(), std::sync::atomic::Ordering::Relaxed);
        for &event in &active {
            // A sale over for a day has no seats left to get right.
            let ended =
                app.event(event).await.map(|e| now > e.sales_end_at + chrono::Duration::days(1));
            if matches!(ended, Ok(false)) {
                repaired += super::drift::repair(app, event).await?;
                repaired += app.reserve_again(event, true).await?;
            }
        }
    }
    let offers = super::waitlist::sweep(app).await?;
    let admitted = super::queue::advance_all(app).await? as usize;
    let RelayReport { outbox: relayed, seat_log } = relay(app).await?;
    crate::metrics::count(crate::metrics::Metric::HoldsLapsed, lapsed as u64);
    crate::metrics::count(crate::metrics::Metric::PaymentsReconciled, reconciled as u64);
    let report = SweepReport {
        expired,
        relayed,
        lapsed,
        seat_log,
        reconciled,
        admitted,
        refunds,
        event_cancels,
        offers,
        repaired,
        unreserved,
    };
    tracing::info!(?report, "sweep");
    Ok(report)
}
