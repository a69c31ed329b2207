//! One event with its availability counts.

use serde::Serialize;
use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub available: u32,
    pub held: u32,
    pub booked: u32,
}

pub async fn get_event(app: &App, id: Uuid) -> AppResult<(std::sync::Arc<Event>, Availability)> {
    let event = app.event(id).await?;
    let (held, booked) = app.seat_counts(id).await?;
    Ok((
        event.clone(),
        Availability { available: event.seat_count.saturating_sub(held + booked), held, booked },
    ))
}
