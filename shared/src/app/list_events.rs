//! List events, oldest first, a page at a time.

use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::Event;

/// A page of events and the id to continue after, if there may be more.
pub async fn list_events(
    app: &App,
    after: Option<Uuid>,
    limit: u32,
) -> AppResult<(Vec<Event>, Option<Uuid>)> {
    let mut events = app.events.list(after, limit + 1).await?;
    let more = events.len() > limit as usize;
    events.truncate(limit as usize);
    let next = if more { events.last().map(|e| e.id) } else { None };
    Ok((events, next))
}
