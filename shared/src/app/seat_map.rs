//! The seat map: every seat of an event with its status now, and each general-admission section's
//! counts (its places are not listed one by one). Besides the contract's whole map, two views for
//! clients that load it often (every viewer at once when an on-sale opens): the layout, which never
//! changes, and the statuses, one character per seat of the layout, encoded once per instance and
//! moment and served to everyone who asks in between.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::prices::{face_now, prices_now};
use super::{App, AppResult};
use crate::domain::tier::SeatPrice;
use crate::domain::{Event, SeatStatus};
use crate::ports::SeatSnapshot;

/// How old the statuses an instance serves may be: a burst of viewers costs Redis one read per
/// instance and this long; the WebSocket carries every change in between.
pub const STATUS_FRESH_FOR: Duration = Duration::from_millis(250);
/// How long an instance keeps an event's layout (it never changes; this bounds memory only).
const LAYOUT_KEPT_FOR: Duration = Duration::from_secs(600);

/// An answer serialized once and served many times: its JSON, the same gzip'd, and an entity tag
/// that changes with the content.
#[derive(Debug)]
pub struct Encoded {
    pub json: Vec<u8>,
    /// Kept for the views served often; the whole map compresses on demand.
    pub gzip: Option<Vec<u8>>,
    pub tag: String,
}

impl Encoded {
    /// `value` encoded, tagged by its whole content.
    pub fn new<T: Serialize>(value: &T, keep_gzip: bool) -> AppResult<Encoded> {
        Self::tagged(value, None::<()>, keep_gzip)
    }

    /// `value` encoded, tagged by `key` where given (what matters of it: a view re-read with the
    /// same statuses keeps its tag though its `asOf` moved), else by its whole content.
    pub fn tagged<T: Serialize, K: Hash>(
        value: &T,
        key: Option<K>,
        keep_gzip: bool,
    ) -> AppResult<Encoded> {
        let json = serde_json::to_vec(value).map_err(|e| {
            super::AppError::Backend(crate::ports::BackendError::permanent(
                "encoding the seat map",
                anyhow::Error::from(e),
            ))
        })?;
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        match key {
            Some(k) => k.hash(&mut hasher),
            None => json.hash(&mut hasher),
        }
        let tag = format!("{:016x}", hasher.finish());
        let gzip = keep_gzip.then(|| gzip(&json, flate2::Compression::default()));
        Ok(Encoded { json, gzip, tag })
    }

    /// The gzip'd JSON: the kept copy, or compressed now (fast).
    pub fn gzipped(&self) -> Vec<u8> {
        self.gzip.clone().unwrap_or_else(|| gzip(&self.json, flate2::Compression::fast()))
    }
}

fn gzip(bytes: &[u8], level: flate2::Compression) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::with_capacity(bytes.len() / 4), level);
    // Writing to a Vec cannot fail.
    let _ = e.write_all(bytes);
    e.finish().unwrap_or_default()
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatView {
    pub id: String,
    pub section: String,
    pub row: u32,
    pub number: u32,
    pub price_cents: i64,
    /// What one ticket for it costs, fees and tax included.
    pub total_price_cents: i64,
    pub category: String,
    pub status: SeatStatus,
}

/// The contract's seat map.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatMap {
    pub event_id: Uuid,
    pub seats: Vec<SeatView>,
    pub general_admission: Vec<AreaView>,
}

/// A seat in the layout: everything but its status.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LayoutSeat<'a> {
    id: String,
    section: &'a str,
    row: u32,
    number: u32,
    price_cents: i64,
    total_price_cents: i64,
    category: &'a str,
}

/// A general-admission section in the layout.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LayoutArea<'a> {
    section: &'a str,
    capacity: u32,
    price_cents: i64,
    total_price_cents: i64,
    category: &'a str,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Layout<'a> {
    event_id: Uuid,
    seats: Vec<LayoutSeat<'a>>,
    general_admission: Vec<LayoutArea<'a>>,
}

/// A general-admission section's counts in the statuses view.
#[derive(Debug, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
struct AreaCounts<'a> {
    section: &'a str,
    available: u32,
    held: u32,
    booked: u32,
}

/// The statuses view: `statuses[i]` is the status of `seats[i]` of the layout.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Statuses<'a> {
    event_id: Uuid,
    /// When Redis was read: a push with a later `at` is newer than this view.
    as_of: DateTime<Utc>,
    statuses: String,
    general_admission: Vec<AreaCounts<'a>>,
    /// Sections with price tiers: what a seat costs now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    prices: Vec<PriceNow<'a>>,
}

/// A tiered section's price now, in the statuses view.
#[derive(Debug, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
struct PriceNow<'a> {
    section: &'a str,
    price_cents: i64,
    total_price_cents: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier: Option<u8>,
}

/// A status as one character of the statuses view.
pub fn status_char(status: SeatStatus) -> char {
    match status {
        SeatStatus::Available => 'A',
        SeatStatus::Held => 'H',
        SeatStatus::Booked => 'B',
        SeatStatus::Blocked => 'X',
        SeatStatus::Reserved => 'R',
    }
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
    /// What one place costs, fees and tax included.
    pub total_price_cents: i64,
    pub category: String,
}

/// All seats in map order, or only those with `status`, and the general-admission sections'
/// counts. Statuses come from one atomic read of the lock structure, so a held seat never shows
/// AVAILABLE nor a free one HELD. Seats reserved for `code` show AVAILABLE (as they are to the
/// code's holder).
pub async fn seat_map(
    app: &App,
    id: Uuid,
    status: Option<SeatStatus>,
    code: Option<&str>,
) -> AppResult<SeatMap> {
    let event = app.event(id).await?;
    let snapshot = app.snapshot(id).await?;
    let current = prices_now(app, &event).await?;
    let seats = event
        .seated()
        .filter_map(|(seat, section)| {
            let key = seat.to_string();
            let mine = code.is_some() && snapshot.reserved.get(&key).map(String::as_str) == code;
            let st = match snapshot.taken.get(&key).copied() {
                Some(SeatStatus::Reserved) if mine => SeatStatus::Available,
                st => st.unwrap_or(SeatStatus::Available),
            };
            let face = face_now(&current, section);
            status.is_none_or(|want| want == st).then(|| SeatView {
                id: key,
                row: seat.row,
                number: seat.number,
                section: seat.section,
                price_cents: face,
                total_price_cents: event.charges.total_price(face),
                category: section.category.clone(),
                status: st,
            })
        })
        .collect();
    Ok(SeatMap { event_id: id, seats, general_admission: areas(&event, &snapshot, &current) })
}

/// The layout: every seat (in the order of the statuses view) and general-admission section
/// without statuses. It never changes; each instance encodes it once.
pub async fn layout_view(app: &App, id: Uuid) -> AppResult<std::sync::Arc<Encoded>> {
    let event = app.event(id).await?;
    app.layouts_kept
        .get_or_load(id, LAYOUT_KEPT_FOR, || async {
            let layout = Layout {
                event_id: id,
                seats: event
                    .seated()
                    .map(|(seat, section)| LayoutSeat {
                        id: seat.to_string(),
                        section: &section.name,
                        row: seat.row,
                        number: seat.number,
                        price_cents: section.price_cents,
                        total_price_cents: event.total_price(section),
                        category: &section.category,
                    })
                    .collect(),
                general_admission: event
                    .sections
                    .iter()
                    .filter_map(|s| {
                        Some(LayoutArea {
                            section: &s.name,
                            capacity: s.capacity?,
                            price_cents: s.price_cents,
                            total_price_cents: event.total_price(s),
                            category: &s.category,
                        })
                    })
                    .collect(),
            };
            Encoded::new(&layout, true)
        })
        .await
}

/// The statuses now, at most [`STATUS_FRESH_FOR`] old: one character per seat of the layout and
/// each general-admission section's counts, read from one atomic snapshot.
pub async fn status_view(app: &App, id: Uuid) -> AppResult<std::sync::Arc<Encoded>> {
    let event = app.event(id).await?;
    app.statuses_kept
        .get_or_load(id, STATUS_FRESH_FOR, || async {
            let as_of = app.now();
            let snapshot = app.snapshot(id).await?;
            let statuses = event
                .seated()
                .map(|(seat, _)| {
                    let st = snapshot.taken.get(&seat.to_string()).copied();
                    status_char(st.unwrap_or(SeatStatus::Available))
                })
                .collect();
            let current = prices_now(app, &event).await?;
            let areas = areas(&event, &snapshot, &current);
            let general_admission = areas
                .iter()
                .map(|a| AreaCounts {
                    section: &a.section,
                    available: a.available,
                    held: a.held,
                    booked: a.booked,
                })
                .collect();
            // What a seat of each tiered section costs now (the layout has the sections' own
            // prices, which never change).
            let mut prices: Vec<PriceNow> = event
                .sections
                .iter()
                .filter_map(|s| {
                    let p = current.get(&s.name)?;
                    Some(PriceNow {
                        section: &s.name,
                        price_cents: p.price_cents,
                        total_price_cents: event.charges.total_price(p.price_cents),
                        tier: p.tier,
                    })
                })
                .collect();
            prices.sort_by_key(|p| p.section);
            let view = Statuses { event_id: id, as_of, statuses, general_admission, prices };
            let key = (&view.statuses, &view.general_admission, &view.prices);
            Encoded::tagged(&view, Some(key), true)
        })
        .await
}

/// Each general-admission section's places by status, in section order, from one pass over the
/// taken seats.
fn areas(
    event: &Event,
    snapshot: &SeatSnapshot,
    current: &HashMap<String, SeatPrice>,
) -> Vec<AreaView> {
    let mut areas: Vec<AreaView> = event
        .sections
        .iter()
        .filter_map(|s| {
            let capacity = s.capacity?;
            let face = face_now(current, s);
            Some(AreaView {
                section: s.name.clone(),
                capacity,
                available: capacity,
                held: 0,
                booked: 0,
                price_cents: face,
                total_price_cents: event.charges.total_price(face),
                category: s.category.clone(),
            })
        })
        .collect();
    if areas.is_empty() {
        return areas;
    }
    for (place, st) in &snapshot.taken {
        // A place is `{section}-{n}` (a seat `{section}-{row}-{n}` names no area).
        let Some((section, _)) = place.rsplit_once('-') else { continue };
        if let Some(area) = areas.iter_mut().find(|a| a.section == section) {
            match st {
                SeatStatus::Held => area.held += 1,
                SeatStatus::Booked => area.booked += 1,
                _ => {}
            }
            area.available = area.available.saturating_sub(1);
        }
    }
    areas
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::spec;
    use crate::domain::SectionSpec;

    #[test]
    fn areas_count_their_own_places_and_nothing_else() {
        let mut s = spec(&[("A", 2, 3)]);
        for name in ["FLOOR", "PIT"] {
            s.sections.push(SectionSpec {
                name: name.into(),
                rows: None,
                seats_per_row: None,
                capacity: Some(5),
                price_cents: 3000,
                category: None,
                tiers: Vec::new(),
            });
        }
        let event = s.validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
        let taken = [
            ("FLOOR-1", SeatStatus::Held),
            ("FLOOR-3", SeatStatus::Booked),
            ("FLOOR-4", SeatStatus::Blocked),
            ("PIT-5", SeatStatus::Booked),
            // A seat of a seated section, and one whose section is no area.
            ("A-1-1", SeatStatus::Held),
            ("FLOOR-2-1", SeatStatus::Held),
        ];
        let snapshot = SeatSnapshot {
            taken: taken.iter().map(|(id, st)| (id.to_string(), *st)).collect(),
            reserved: Default::default(),
        };
        let counts: Vec<_> = areas(&event, &snapshot, &HashMap::new())
            .iter()
            .map(|a| (a.section.clone(), a.available, a.held, a.booked))
            .collect();
        assert_eq!(counts, [("FLOOR".into(), 2, 1, 1), ("PIT".to_string(), 4, 0, 1)]);
        assert_eq!(
            [SeatStatus::Available, SeatStatus::Held, SeatStatus::Booked, SeatStatus::Blocked]
                .map(status_char),
            ['A', 'H', 'B', 'X']
        );
    }
}
