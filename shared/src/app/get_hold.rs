//! Read a hold: its owner's or an admin's to see; anyone else gets "not found".

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::{Caller, Hold};
use crate::ports::HoldLookup;

/// The live hold, or why not: [`AppError::HoldExpired`] if it lapsed, else not found.
pub async fn live_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<Hold> {
    match app.locks.get(id).await? {
        HoldLookup::Live(hold) if caller.may_see(&hold.user_id) => Ok(hold),
        HoldLookup::Expired => Err(AppError::HoldExpired),
        _ => Err(AppError::NotFound("hold")),
    }
}

/// `GET /holds/{id}`: an expired hold is simply gone.
pub async fn get_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<Hold> {
    live_hold(app, caller, id).await.map_err(|e| match e {
        AppError::HoldExpired => AppError::NotFound("hold"),
        other => other,
    })
}
