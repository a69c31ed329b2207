//! Release a hold: its seats are free again at once. Two steps in Redis: the hold's pointer read
//! (its event, owner, seats and code), then one script that counts the write, frees the seats and
//! says whether the event has a waitlist line to offer them to.

use uuid::Uuid;

use super::{App, AppError, AppResult, Resource};
use crate::domain::Caller;
use crate::ports::Released;

pub async fn release_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<()> {
    // Someone else's hold is as unknown as one that never was.
    let hold = app.holds.find(id).await?.filter(|h| caller.may_see(&h.user_id));
    let hold = hold.ok_or(AppError::NotFound(Resource::Hold))?;
    let writes = Some(super::limits::write_limit(app));
    match app.holds.release(&hold, writes, app.now()).await? {
        Released::Freed { line } => {
            tracing::info!(hold_id = %id, event_id = %hold.event_id, "hold released");
            if line {
                super::waitlist::offer_freed(app, hold.event_id).await;
            }
            Ok(())
        }
        Released::Gone => Err(AppError::NotFound(Resource::Hold)),
        Released::Limited { retry_after_ms } => Err(super::limits::limited(retry_after_ms)),
    }
}
