//! Read bookings: one by id (owner or admin), or a user's list (that user or an admin).

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::{Booking, BookingStatus, Caller};

pub async fn get_booking(app: &App, caller: &Caller, id: Uuid) -> AppResult<Booking> {
    match app.bookings.get(id).await? {
        Some(b) if caller.may_see(&b.user_id) => Ok(b),
        _ => Err(AppError::NotFound("booking")),
    }
}

/// A page of `user`'s bookings, newest first, and the id to continue before, if there may be more.
pub async fn list_bookings(
    app: &App,
    caller: &Caller,
    user: &str,
    status: Option<BookingStatus>,
    before: Option<Uuid>,
    limit: u32,
) -> AppResult<(Vec<Booking>, Option<Uuid>)> {
    if !caller.may_see(user) {
        return Err(AppError::Forbidden("only the user and admins may list a user's bookings"));
    }
    let mut items = app.bookings.list_for_user(user, status, before, limit + 1).await?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(|b| b.id) } else { None };
    Ok((items, next))
}
