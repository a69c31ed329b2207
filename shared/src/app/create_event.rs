//! Create an event with its sections and seats (admins only).

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::{Caller, Event, EventSpec};

pub async fn create_event(app: &App, caller: &Caller, spec: EventSpec) -> AppResult<Event> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may create events"));
    }
    let event = spec.validate(Uuid::now_v7(), app.now(), app.config.hold_ttl_seconds)?;
    app.events.insert(&event).await?;
    // A new event has nothing taken: mark its lock structure loaded now rather than on first use.
    app.seat_map.load(event.id, &[], &[], app.now()).await?;
    if event.waiting_room.is_some() {
        app.queue.register(event.id).await?;
    }
    tracing::info!(event_id = %event.id, seats = event.seat_count, "event created");
    Ok(event)
}
