//! Confirm, cancel and expire bookings: the status machine applied through the booking store, then
//! the seat locks and refunds that follow a committed change.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::get_booking::get_booking;
use super::{App, AppError, AppResult, Resource};
use crate::domain::history::SYSTEM;
use crate::domain::{Booking, BookingStatus, Caller, PaymentStatus, RuleError, Transition};
use crate::metrics::{self, Metric};
use crate::ports::SeatsCancelled;

/// Attempts when another request changes the booking between the read and the write.
const ATTEMPTS: usize = 3;

/// `PUT /bookings/{id}/confirm`: needs a SUCCEEDED payment of this booking.
pub async fn confirm_booking(
    app: &App,
    caller: &Caller,
    id: Uuid,
    payment: Option<Uuid>,
) -> AppResult<Booking> {
    let booking = get_booking(app, caller, id).await?;
    // A booking that can no longer be confirmed is 409 whatever the payment; otherwise the payment
    // is checked first, even for a booking confirmed already.
    if booking.status.confirm() == Transition::Conflict {
        return Err(AppError::BookingState(booking.status));
    }
    let paid = match payment {
        Some(p) => app
            .payments
            .get(p)
            .await?
            .is_some_and(|p| p.booking_id == id && p.status == PaymentStatus::Succeeded),
        None => false,
    };
    if !paid {
        return Err(AppError::PaymentRequired);
    }
    change(app, booking, BookingStatus::confirm, &caller.user_id).await
}

/// `PUT /bookings/{id}/cancel`: frees the seats and refunds a paid booking.
pub async fn cancel_booking(app: &App, caller: &Caller, id: Uuid) -> AppResult<Booking> {
    let booking = get_booking(app, caller, id).await?;
    change(app, booking, BookingStatus::cancel, &caller.user_id).await
}

/// `PUT /bookings/{id}/cancel` with `seatIds`: gives some of the booking's seats back (owner or
/// admin). The seats are on sale again at once, their tickets revoked, a paid booking refunded
/// their share.
pub async fn cancel_seats(
    app: &App,
    caller: &Caller,
    id: Uuid,
    seat_ids: &[String],
) -> AppResult<Booking> {
    let booking = get_booking(app, caller, id).await?;
    let event = app.event(booking.event_id).await?;
    let seats: Vec<String> =
        event.requested_seats(seat_ids)?.iter().map(ToString::to_string).collect();
    let now = app.now();
    match app.bookings.cancel_seats(id, &seats, now, &caller.user_id).await? {
        SeatsCancelled::Done { booking, freed, refunds } => {
            app.locks.free_booking(&Booking { seat_ids: freed, ..(*booking).clone() }, now).await?;
            super::waitlist::after_free(app, booking.event_id).await;
            super::refunds::send(app, &refunds).await;
            tracing::info!(booking_id = %id, seats = seats.len(), "booking seats cancelled");
            Ok(*booking)
        }
        SeatsCancelled::NotFound => Err(AppError::NotFound(Resource::Booking)),
        SeatsCancelled::State(s) => Err(AppError::BookingState(s)),
        SeatsCancelled::InFlight(p) => Err(AppError::PaymentInFlight(p)),
        SeatsCancelled::NotItsSeats(seats) => Err(RuleError::invalid(
            "seatIds",
            format!("not seats of this booking: {}", seats.join(", ")),
        )
        .into()),
        SeatsCancelled::AllSeats => Err(RuleError::invalid(
            "seatIds",
            "every seat of the booking: cancel the booking instead (no body)",
        )
        .into()),
    }
}

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

async fn change(
    app: &App,
    mut booking: Booking,
    rule: fn(BookingStatus) -> Transition,
    actor: &str,
) -> AppResult<Booking> {
    for _ in 0..ATTEMPTS {
        let to = match rule(booking.status) {
            Transition::Unchanged => return Ok(booking),
            Transition::Conflict => return Err(AppError::BookingState(booking.status)),
            Transition::To(to) => to,
        };
        let now = app.now();
        match app.bookings.transition(booking.id, booking.status, to, now, actor).await? {
            Some((b, refunds)) => {
                after_change(app, &b, now).await?;
                count_change(&b);
                super::refunds::send(app, &refunds).await;
                tracing::info!(booking_id = %b.id, status = b.status.as_str(), "booking changed");
                return Ok(b);
            }
            None => {
                booking = app
                    .bookings
                    .get(booking.id)
                    .await?
                    .ok_or(AppError::NotFound(Resource::Booking))?;
            }
        }
    }
    Err(AppError::BookingState(booking.status))
}

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
        BookingStatus::Confirmed => app.locks.mark_booked(b, now).await?,
        BookingStatus::Cancelled | BookingStatus::Expired => {
            app.locks.free_booking(b, now).await?;
            super::waitlist::after_free(app, b.event_id).await;
        }
        BookingStatus::Pending => {}
    }
    Ok(())
}
