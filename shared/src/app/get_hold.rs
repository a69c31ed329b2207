//! Read a hold: its owner's or an admin's to see; anyone else gets "not found".

use uuid::Uuid;

use super::{App, AppError, AppResult, Resource};
use crate::domain::{Caller, Hold};
use crate::ports::HoldLookup;

/// The live hold, or why not: [`AppError::HoldExpired`] if it lapsed, else not found.
pub async fn live_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<Hold> {
    match app.holds.get(id).await? {
        // Past its expiry by this clock, a hold is expired whatever Redis still keeps.
        HoldLookup::Live(hold) if hold.expires_at <= app.now() => Err(AppError::HoldExpired),
        HoldLookup::Live(hold) if caller.may_see(&hold.user_id) => Ok(hold),
        HoldLookup::Expired => Err(AppError::HoldExpired),
        _ => Err(AppError::NotFound(Resource::Hold)),
    }
}

/// `GET /holds/{id}`: an expired hold is simply gone.
pub async fn get_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<Hold> {
    live_hold(app, caller, id).await.map_err(|e| match e {
        AppError::HoldExpired => AppError::NotFound(Resource::Hold),
        other => other,
    })
}
