//! One event with its availability counts.

use serde::Serialize;
use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::{Event, SeatStatus};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Availability {
    pub available: u32,
    pub held: u32,
    pub booked: u32,
}

pub async fn get_event(app: &App, id: Uuid) -> AppResult<(std::sync::Arc<Event>, Availability)> {
    let event = app.event(id).await?;
    let snapshot = app.snapshot(id).await?;
    let count = |st: SeatStatus| snapshot.taken.values().filter(|s| **s == st).count() as u32;
    let (held, booked) = (count(SeatStatus::Held), count(SeatStatus::Booked));
    Ok((event.clone(), Availability { available: event.seat_count.saturating_sub(held + booked), held, booked }))
}
