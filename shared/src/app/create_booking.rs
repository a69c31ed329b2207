//! Create a booking from the caller's hold, or hold and book seats in one call.
//!
//! Two layers: the Redis hold is the fast gate (claimed for the booking until its payment
//! deadline), the MySQL transaction the final word (versioned seat rows and the unique key on live
//! booking seats). If MySQL refuses, the Redis claim is undone and nothing is left behind.

use chrono::Duration;
use uuid::Uuid;

use super::get_hold::live_hold;
use super::hold_seats::hold_seats_with;
use super::{App, AppError, AppResult, Resource};
use crate::domain::message::announce;
use crate::domain::{Booking, BookingSource, BookingStatus, Caller, HoldAsk, SaleStatus};
use crate::metrics::{self, Metric};
use crate::ports::{BackendError, CreateOutcome};

/// Books a hold of the caller's, or holds and books seats (then, on a waiting-room event, with the
/// caller's access pass, `pass`).
pub async fn create_booking(
    app: &App,
    caller: &Caller,
    source: BookingSource,
    pass: Option<&str>,
) -> AppResult<Booking> {
    let hold = match source {
        BookingSource::Hold(id) => {
            let hold = live_hold(app, caller, id).await?;
            // Admins may read others' holds, but a booking is made by the hold's owner only.
            if hold.user_id != caller.user_id {
                return Err(AppError::NotFound(Resource::Hold));
            }
            hold
        }
        BookingSource::Seats { event_id, seat_ids, code } => {
            let ask = HoldAsk::Seats(seat_ids);
            hold_seats_with(app, caller, event_id, ask, pass, code.as_deref()).await?
        }
    };
    let event = app.event(hold.event_id).await?;
    // A hold taken on sale may be booked after the sale ended, never once the event is cancelled.
    if event.cancelled_at.is_some() {
        return Err(AppError::NotOnSale(SaleStatus::Cancelled));
    }
    // A hold has only seats of its event; one that is not is a broken store, never a free seat.
    event.known_seats(&hold.seat_ids).map_err(|e| {
        BackendError::permanent(format!("pricing hold {}", hold.id), anyhow::anyhow!("{e}"))
    })?;
    let now = app.now();
    // The booking pays what the hold quoted, whatever the tiers have come to since.
    let breakdown = event.breakdown_of(&hold.faces(&event), hold.discount);
    let booking = Booking {
        id: Uuid::now_v7(),
        user_id: caller.user_id.clone(),
        event_id: hold.event_id,
        status: BookingStatus::Pending,
        seat_ids: hold.seat_ids.clone(),
        total_cents: breakdown.total_cents,
        breakdown,
        currency: event.currency.clone(),
        contact: caller.contact.clone(),
        expires_at: now + Duration::seconds(i64::from(event.hold_ttl_seconds)),
        created_at: now,
        updated_at: now,
        version: 0,
        dispute: None,
        code: hold.code.clone(),
        discount: hold.discount,
        prices: hold.prices.clone(),
    };
    if !app.holds.claim(&hold, booking.id, booking.expires_at).await? {
        return Err(AppError::HoldExpired);
    }
    let outcome = app
        .bookings
        .create(&booking, hold.id, &announce(&booking, BookingStatus::Pending, now))
        .await;
    match outcome {
        Ok(CreateOutcome::Created) => {
            metrics::count(Metric::BookingsCreated, 1);
            tracing::info!(booking_id = %booking.id, event_id = %booking.event_id, seats = booking.seat_ids.len(), "booking created");
            Ok(booking)
        }
        Ok(CreateOutcome::Closed) => {
            app.holds.free_booking(&booking, now).await?;
            Err(AppError::NotOnSale(SaleStatus::Cancelled))
        }
        Ok(CreateOutcome::CodeExhausted) => {
            // The seat locks let the hold take a use the orders had already taken (Redis lost
            // the count): MySQL's count is the word.
            tracing::warn!(booking_id = %booking.id, code = ?booking.code, "MySQL refused a code use Redis had let through");
            app.holds.free_booking(&booking, now).await?;
            Err(AppError::CodeExhausted)
        }
        Ok(CreateOutcome::SeatsTaken(seats)) => {
            metrics::count(Metric::BookingConflicts, 1);
            // Redis let these seats through but MySQL has them in a live booking: Redis lost a
            // lock. Undo the claim and rebuild the event's locks from MySQL.
            tracing::warn!(booking_id = %booking.id, ?seats, "MySQL refused seats Redis had let through");
            app.holds.free_booking(&booking, now).await?;
            Err(AppError::SeatsUnavailable(seats))
        }
        Err(e) => {
            if let Err(undo) = app.holds.free_booking(&booking, now).await {
                tracing::error!(booking_id = %booking.id, error = %undo, "undoing a seat claim");
            }
            Err(e.into())
        }
    }
}
