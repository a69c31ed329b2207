//! One event with its availability counts.

use serde::Serialize;
use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::Event;
use crate::ports::BackendError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub available: u32,
    pub held: u32,
    pub booked: u32,
}

pub async fn get_event(app: &App, id: Uuid) -> AppResult<(std::sync::Arc<Event>, Availability)> {
    let event = app.event(id).await?;
    let mut counts = None;
    for _ in 0..2 {
        counts = app.locks.counts(id, chrono::Utc::now()).await?;
        if counts.is_some() {
            break;
        }
        app.load_locks(id).await?;
    }
    let (held, booked) = counts.ok_or_else(|| BackendError::new("counting seats", true, anyhow::anyhow!("seat locks of {id} would not load")))?;
    Ok((event.clone(), Availability { available: event.seat_count.saturating_sub(held + booked), held, booked }))
}
