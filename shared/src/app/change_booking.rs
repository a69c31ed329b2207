//! Confirm and cancel bookings, whole or some of their seats: the status machine applied through the
//! booking store, then the seat locks and refunds that follow a committed change.

use uuid::Uuid;

use super::after_change::{after_change, count_change};
use super::get_booking::get_booking;
use super::{App, AppError, AppResult, Resource};
use crate::domain::cancel::{CancelRefusal, Canceller};
use crate::domain::{Booking, BookingStatus, Caller, PaymentStatus, RuleError, Transition};
use crate::ports::Cancelled;

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

/// `PUT /bookings/{id}/cancel`: frees the buyer's seats and refunds what was paid for them (the
/// booking's owner or an admin). Seats whose tickets were transferred stay sold to their holders.
pub async fn cancel_booking(app: &App, caller: &Caller, id: Uuid) -> AppResult<Booking> {
    let booking = get_booking(app, caller, id).await?;
    cancel(app, caller, &booking, None).await
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
    cancel(app, caller, &booking, Some(&seats)).await
}

/// Applies a cancel as the store's step decides it ([`crate::domain::cancel::plan_cancel`]), then
/// what follows the commit: seat locks, the waitlist, refunds.
/// `booking` is as [`get_booking`] gave it: the caller may see it, and a lapsed one is expired.
async fn cancel(
    app: &App,
    caller: &Caller,
    booking: &Booking,
    seats: Option<&[String]>,
) -> AppResult<Booking> {
    let id = booking.id;
    let by = if caller.admin { Canceller::Admin } else { Canceller::Buyer };
    let now = app.now();
    match app.bookings.cancel(id, seats, by, now, &caller.user_id).await? {
        Cancelled::Unchanged(booking) => Ok(*booking),
        Cancelled::Whole { booking, refunds } => {
            after_change(app, &booking, now).await?;
            count_change(&booking);
            super::refunds::send(app, &refunds).await;
            tracing::info!(booking_id = %id, status = booking.status.as_str(), "booking cancelled");
            Ok(*booking)
        }
        Cancelled::Seats { booking, freed, refunds } => {
            // Some seats go, the order stays: its code's use with it.
            let part = Booking { seat_ids: freed.clone(), code: None, ..(*booking).clone() };
            app.holds.free_booking(&part, now).await?;
            super::waitlist::after_free(app, booking.event_id).await;
            super::refunds::send(app, &refunds).await;
            tracing::info!(booking_id = %id, seats = freed.len(), "booking seats cancelled");
            Ok(*booking)
        }
        Cancelled::NotFound => Err(AppError::NotFound(Resource::Booking)),
        Cancelled::Refused(refusal) => Err(refused(refusal)),
    }
}

fn refused(refusal: CancelRefusal) -> AppError {
    match refusal {
        CancelRefusal::State(s) => AppError::BookingState(s),
        CancelRefusal::InFlight(p) => AppError::PaymentInFlight(p),
        CancelRefusal::NotItsSeats(seats) => RuleError::invalid(
            "seatIds",
            format!("not seats of this booking (or transferred): {}", seats.join(", ")),
        )
        .into(),
        CancelRefusal::AllSeats => RuleError::invalid(
            "seatIds",
            "every seat of the booking: cancel the booking instead (no body)",
        )
        .into(),
        CancelRefusal::CheckedIn(seats) => AppError::SeatsCheckedIn(seats),
        CancelRefusal::AllGiven => AppError::AllTransferred,
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
