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
    let events = app.events.list(after, limit + 1).await?;
    Ok(super::page_of(events, limit, |e| e.id))
}
