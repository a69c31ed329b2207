//! The seat map: every seat of an event with its status now.

use serde::Serialize;
use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::SeatStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatView {
    pub id: String,
    pub section: String,
    pub row: u32,
    pub number: u32,
    pub price_cents: i64,
    pub category: String,
    pub status: SeatStatus,
}

/// All seats in map order, or only those with `status`. Statuses come from one atomic read of the
/// lock structure, so a held seat never shows AVAILABLE nor a free one HELD.
pub async fn seat_map(app: &App, id: Uuid, status: Option<SeatStatus>) -> AppResult<Vec<SeatView>> {
    let event = app.event(id).await?;
    let snapshot = app.snapshot(id).await?;
    Ok(event
        .seats()
        .filter_map(|(seat, section)| {
            let key = seat.to_string();
            let st = snapshot.taken.get(&key).copied().unwrap_or(SeatStatus::Available);
            status.is_none_or(|want| want == st).then(|| SeatView {
                id: key,
                row: seat.row,
                number: seat.number,
                section: seat.section,
                price_cents: section.price_cents,
                category: section.category.clone(),
                status: st,
            })
        })
        .collect())
}
