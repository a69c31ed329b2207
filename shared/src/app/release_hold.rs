//! Release a hold: its seats are free again at once.

use uuid::Uuid;

use super::get_hold::get_hold;
use super::{App, AppError, AppResult, Resource};
use crate::domain::Caller;

pub async fn release_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<()> {
    let hold = get_hold(app, caller, id).await?;
    if !app.holds.release(&hold, app.now()).await? {
        return Err(AppError::NotFound(Resource::Hold));
    }
    tracing::info!(hold_id = %id, event_id = %hold.event_id, "hold released");
    super::waitlist::after_free(app, hold.event_id).await;
    Ok(())
}
