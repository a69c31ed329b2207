//! What a seat of each section costs now: its section's first open price tier, from the tier
//! counts the seat locks keep (the hold step decides; this is what the seat map shows).

use std::collections::HashMap;

use super::{App, AppResult};
use crate::domain::tier::{self, SeatPrice};
use crate::domain::{Event, Section};

/// The price now of each section of `event` that has tiers (one read of the counts); a section
/// without tiers is at its own price and not listed.
pub async fn prices_now(app: &App, event: &Event) -> AppResult<HashMap<String, SeatPrice>> {
    let tiered: Vec<&Section> = event.sections.iter().filter(|s| !s.tiers.is_empty()).collect();
    if tiered.is_empty() {
        return Ok(HashMap::new());
    }
    let asked: Vec<(String, u8)> =
        tiered.iter().map(|s| (s.name.clone(), s.tiers.len() as u8)).collect();
    let now = app.now();
    let counts = app.seat_map.tier_counts(event.id, &asked, now).await?;
    Ok(tiered
        .iter()
        .zip(counts)
        .map(|(s, c)| {
            let sold = |j: u8| c.get(usize::from(j) - 1).copied().unwrap_or(0);
            (s.name.clone(), tier::price(&s.tiers, s.price_cents, now, sold))
        })
        .collect())
}

/// A section's face value now, from [`prices_now`].
pub fn face_now(prices: &HashMap<String, SeatPrice>, section: &Section) -> i64 {
    prices.get(&section.name).map_or(section.price_cents, |p| p.price_cents)
}
