//! The scheduled sweep (an EventBridge schedule in AWS, a timer in the local gateway): expires
//! PENDING bookings past their deadline and relays outbox rows left unsent. Safe when two sweeps
//! overlap (bookings move under row locks and only from PENDING; outbox rows are claimed with
//! `SKIP LOCKED`) and when one crashes half-way (whatever it did not commit is done by the next).

use chrono::Utc;
use serde::Serialize;

use super::change_booking::expire_due;
use super::relay::relay_outbox;
use super::{App, AppResult};

/// Bookings expired and messages relayed per run, at most.
const BATCH: u32 = 500;

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct SweepReport {
    pub expired: usize,
    pub relayed: usize,
}

pub async fn sweep(app: &App) -> AppResult<SweepReport> {
    let expired = expire_due(app, Utc::now(), BATCH).await?;
    let mut relayed = 0;
    // A broker that is away is not the sweep's failure: the rows wait for the next run.
    while let Ok(n) = relay_outbox(app, BATCH).await {
        relayed += n;
        if n < BATCH as usize {
            break;
        }
    }
    let report = SweepReport { expired, relayed };
    tracing::info!(expired = report.expired, relayed = report.relayed, "sweep");
    Ok(report)
}
