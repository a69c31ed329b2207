//! Read bookings: one by id (owner or admin), or a user's list (that user or an admin).

use uuid::Uuid;

use super::expiry::expire_if_due;
use super::{App, AppError, AppResult, Resource};
use crate::domain::{Booking, BookingStatus, Caller};

/// The booking, as of now: a PENDING booking past its payment deadline is expired on the spot
/// (the sweep's own transition), so that no read shows it PENDING while its seats show AVAILABLE.
pub async fn get_booking(app: &App, caller: &Caller, id: Uuid) -> AppResult<Booking> {
    match app.bookings.get(id).await? {
        Some(b) if caller.may_see(&b.user_id) => expire_if_due(app, b).await,
        _ => Err(AppError::NotFound(Resource::Booking)),
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
    let mut items = Vec::new();
    for b in app.bookings.list_for_user(user, status, before, limit + 1).await? {
        items.push(expire_if_due(app, b).await?);
    }
    Ok(super::page_of(items, limit, |b| b.id))
}
