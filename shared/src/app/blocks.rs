//! Block seats (admins): take AVAILABLE seats off sale and put them back. Redis first (the hold
//! script's gate: a held or booked seat cannot be blocked, and a blocked one cannot be held), then
//! MySQL (the final word, with the seats' history); MySQL refusing undoes the Redis step. Both
//! steps are idempotent, so a retry finishes a block or unblock that stopped half-way.

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::{Caller, Event, RuleError};
use crate::ports::BlockOutcome;

/// Seats per block or unblock request, at most.
pub const MAX_SEATS: usize = 1000;
/// Characters of a block's reason, at most.
pub const MAX_REASON: usize = 200;

/// The seat ids of a request: at most [`MAX_SEATS`], known seats of the event, none repeated;
/// in text order.
fn seats_of(event: &Event, ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() || ids.len() > MAX_SEATS {
        return Err(
            RuleError::invalid("seatIds", format!("between 1 and {MAX_SEATS} seats")).into()
        );
    }
    let mut seats: Vec<String> = event.known_seats(ids)?.iter().map(ToString::to_string).collect();
    seats.sort();
    Ok(seats)
}

/// `POST /events/{id}/blocks`: the seats blocked.
pub async fn block(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    ids: &[String],
    reason: &str,
) -> AppResult<Vec<String>> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may block seats"));
    }
    let event = app.event(event_id).await?;
    let seats = seats_of(&event, ids)?;
    if reason.chars().count() > MAX_REASON {
        return Err(RuleError::invalid("reason", format!("at most {MAX_REASON} characters")).into());
    }
    let blocked = app
        .read_locks(event_id, "blocking seats", || async {
            Ok(match app.closing.block(event_id, &seats, app.now()).await? {
                BlockOutcome::Blocked => Some(Ok(())),
                BlockOutcome::Busy(busy) => Some(Err(busy)),
                BlockOutcome::NotLoaded => None,
            })
        })
        .await?;
    if let Err(busy) = blocked {
        return Err(AppError::SeatsUnavailable(busy));
    }
    match app.blocks.block(event_id, &seats, reason, &caller.user_id, app.now()).await {
        Ok(Ok(())) => {
            tracing::info!(event_id = %event_id, seats = seats.len(), "seats blocked");
            Ok(seats)
        }
        // MySQL has some in a booking (its Redis lock lapsed while the booking is still PENDING).
        Ok(Err(busy)) => {
            app.closing.unblock(event_id, &seats, app.now()).await?;
            Err(AppError::SeatsUnavailable(busy))
        }
        Err(e) => {
            if let Err(undo) = app.closing.unblock(event_id, &seats, app.now()).await {
                tracing::error!(event_id = %event_id, error = %undo, "undoing a block");
            }
            Err(e.into())
        }
    }
}

/// `DELETE /events/{id}/blocks`: the seats that were blocked and are on sale again.
pub async fn unblock(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    ids: &[String],
) -> AppResult<Vec<String>> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may unblock seats"));
    }
    let event = app.event(event_id).await?;
    let seats = seats_of(&event, ids)?;
    let unblocked = app.blocks.unblock(event_id, &seats, &caller.user_id, app.now()).await?;
    // Every requested seat no longer BLOCKED in MySQL leaves Redis's block too (a retry finishes an
    // unblock that stopped between the two).
    app.closing.unblock(event_id, &seats, app.now()).await?;
    tracing::info!(event_id = %event_id, seats = unblocked.len(), "seats unblocked");
    Ok(unblocked)
}
