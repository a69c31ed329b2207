//! Expiry of unpaid bookings: by the sweep, and on the spot when a read finds one past its deadline.

use chrono::{DateTime, Utc};

use super::after_change::{after_change, count_change};
use super::{App, AppError, AppResult, Resource};
use crate::domain::history::SYSTEM;
use crate::domain::{Booking, BookingStatus, Transition};

/// The sweep: every PENDING booking past its deadline becomes EXPIRED and frees its seats. Safe to
/// run twice at once: each booking moves under its row lock and only from PENDING.
pub async fn expire_due(app: &App, now: DateTime<Utc>, limit: u32) -> AppResult<usize> {
    let mut expired = 0;
    for id in app.bookings.due_for_expiry(now, limit).await? {
        if let Some((b, _)) = app
            .bookings
            .transition(id, BookingStatus::Pending, BookingStatus::Expired, now, SYSTEM)
            .await?
        {
            after_change(app, &b, now).await?;
            count_change(&b);
            tracing::info!(booking_id = %b.id, "booking expired");
            expired += 1;
        }
    }
    Ok(expired)
}

/// The booking as it is now: a PENDING one past its deadline is moved to EXPIRED first (under its
/// row lock and only from PENDING, so a payment settling at the same moment wins or loses cleanly).
pub async fn expire_if_due(app: &App, booking: Booking) -> AppResult<Booking> {
    let now = app.now();
    if booking.status.expire(booking.expires_at, now) != Transition::To(BookingStatus::Expired) {
        return Ok(booking);
    }
    match app
        .bookings
        .transition(booking.id, BookingStatus::Pending, BookingStatus::Expired, now, SYSTEM)
        .await?
    {
        Some((b, _)) => {
            after_change(app, &b, now).await?;
            count_change(&b);
            tracing::info!(booking_id = %b.id, "booking expired on read");
            Ok(b)
        }
        None => app.bookings.get(booking.id).await?.ok_or(AppError::NotFound(Resource::Booking)),
    }
}
