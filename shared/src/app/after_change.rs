//! What follows a booking's committed change of status outside its transaction: the seat locks, the
//! waitlist's offers of freed seats, and the counts.

use chrono::{DateTime, Utc};

use super::{App, AppResult};
use crate::domain::{Booking, BookingStatus};
use crate::metrics::{self, Metric};

/// Counts a change of status this request made.
pub fn count_change(b: &Booking) {
    let metric = match b.status {
        BookingStatus::Confirmed => Metric::BookingsConfirmed,
        BookingStatus::Cancelled => Metric::BookingsCancelled,
        BookingStatus::Expired => Metric::BookingsExpired,
        BookingStatus::Pending => return,
    };
    metrics::count(metric, 1);
}

/// The seat locks that follow a committed change of status.
pub async fn after_change(app: &App, b: &Booking, now: DateTime<Utc>) -> AppResult<()> {
    match b.status {
        BookingStatus::Confirmed => app.holds.mark_booked(b, now).await?,
        BookingStatus::Cancelled | BookingStatus::Expired => {
            app.holds.free_booking(b, now).await?;
            super::waitlist::after_free(app, b.event_id).await;
        }
        BookingStatus::Pending => {}
    }
    Ok(())
}
