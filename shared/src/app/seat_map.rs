//! The seat map: every seat of an event with its status now, and each general-admission section's
//! counts (its places are not listed one by one).

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

/// A general-admission section's places by status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AreaView {
    pub section: String,
    pub capacity: u32,
    pub available: u32,
    pub held: u32,
    pub booked: u32,
    pub price_cents: i64,
    pub category: String,
}

/// All seats in map order, or only those with `status`, and the general-admission sections'
/// counts. Statuses come from one atomic read of the lock structure, so a held seat never shows
/// AVAILABLE nor a free one HELD.
pub async fn seat_map(
    app: &App,
    id: Uuid,
    status: Option<SeatStatus>,
) -> AppResult<(Vec<SeatView>, Vec<AreaView>)> {
    let event = app.event(id).await?;
    let snapshot = app.snapshot(id).await?;
    let areas = event
        .sections
        .iter()
        .filter_map(|s| {
            let capacity = s.capacity?;
            let mut area = AreaView {
                section: s.name.clone(),
                capacity,
                available: capacity,
                held: 0,
                booked: 0,
                price_cents: s.price_cents,
                category: s.category.clone(),
            };
            let prefix = format!("{}-", s.name);
            for (place, st) in &snapshot.taken {
                // A place is `{section}-{n}`; a seat of another section has two dashes.
                if place.strip_prefix(&prefix).is_some_and(|n| !n.contains('-')) {
                    match st {
                        SeatStatus::Held => area.held += 1,
                        SeatStatus::Booked => area.booked += 1,
                        _ => {}
                    }
                    area.available -= 1;
                }
            }
            Some(area)
        })
        .collect();
    let seats = event
        .seats()
        .filter(|(_, section)| section.capacity.is_none())
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
        .collect();
    Ok((seats, areas))
}
