//! Change an event's name, venue, start or sales window (admins only): read, apply, write under
//! the row's version, again from the top if another change came first.

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::{Caller, Event, EventPatch};
use crate::ports::BackendError;

/// Tries before giving up when other changes keep coming first.
const ATTEMPTS: u32 = 5;

pub async fn update_event(
    app: &App,
    caller: &Caller,
    id: Uuid,
    patch: EventPatch,
) -> AppResult<Event> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may change events"));
    }
    for _ in 0..ATTEMPTS {
        let current = app.fresh_event(id).await?;
        let changed = patch.clone().apply(&current)?;
        if app.events.update(&changed).await? {
            let event = app.fresh_event(id).await?;
            tracing::info!(event_id = %id, on_sale_at = %event.on_sale_at, sales_end_at = %event.sales_end_at, "event changed");
            return Ok((*event).clone());
        }
    }
    Err(BackendError::contended(
        "changing an event",
        anyhow::anyhow!("event {id} kept changing under {ATTEMPTS} attempts"),
    )
    .into())
}
