//! The history of a booking (its owner, admins) and of a seat (admins): every change as the system
//! of record wrote it, and a seat's holds and releases as archived from the seat log, oldest first.

use uuid::Uuid;

use super::get_booking::get_booking;
use super::{App, AppError, AppResult, Resource};
use crate::domain::history::{self, Change};
use crate::domain::{Caller, SeatId};

pub async fn booking_history(app: &App, caller: &Caller, id: Uuid) -> AppResult<Vec<Change>> {
    get_booking(app, caller, id).await?;
    Ok(app.history.of_booking(id).await?)
}

pub async fn seat_history(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    seat: &str,
) -> AppResult<Vec<Change>> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may read a seat's history"));
    }
    let event = app.event(event_id).await?;
    if SeatId::parse(seat).and_then(|s| event.seat_section(&s).map(|_| ())).is_none() {
        return Err(AppError::NotFound(Resource::Seat));
    }
    let (of_record, holds) = tokio::try_join!(
        app.history.of_seat(event_id, seat),
        app.hold_history.of_seat(event_id, seat)
    )?;
    Ok(history::merged(of_record, holds))
}
