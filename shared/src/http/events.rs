//! Inventory endpoints: `/api/v1/events...`.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::Request;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{caller, json, json_body, path_id, query, HandlerResult, Problem};
use crate::app::get_event::Availability;
use crate::app::{create_event, get_event, list_events, seat_map, App};
use crate::domain::{Event, EventSpec, SeatStatus};

/// Page size of `GET /events` when the client gives none, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// `POST /api/v1/events` (admin): 201 Event.
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let spec: EventSpec = json_body(&req)?;
    let event = create_event::create_event(&app, &caller, spec).await?;
    json(201, &event)
}

/// `GET /api/v1/events?limit=&cursor=`: 200 `{items, nextCursor}`.
pub async fn list(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let limit = match query(&req, "limit") {
        None => DEFAULT_LIMIT,
        Some(l) => l
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=MAX_LIMIT).contains(l))
            .ok_or_else(|| Problem::bad_request("INVALID_QUERY", format!("limit must be a whole number from 1 to {MAX_LIMIT}")))?,
    };
    let after = query(&req, "cursor").map(|c| decode_cursor(&c)).transpose()?;
    let (items, next) = list_events::list_events(&app, after, limit).await?;
    json(200, &json!({ "items": items, "nextCursor": next.map(encode_cursor) }))
}

/// An opaque cursor: the last id of the page, base64url-encoded.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

pub fn decode_cursor(cursor: &str) -> Result<Uuid, Problem> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| Uuid::from_slice(&b).ok())
        .ok_or_else(|| Problem::bad_request("INVALID_CURSOR", "cursor is not one this API gave out"))
}

#[derive(Serialize)]
struct EventWithAvailability<'a> {
    #[serde(flatten)]
    event: &'a Event,
    availability: Availability,
}

/// `GET /api/v1/events/{eventId}`: 200 Event with `availability`.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let id = path_id(&req, "eventId")?;
    let (event, availability) = get_event::get_event(&app, id).await?;
    json(200, &EventWithAvailability { event: &event, availability })
}

/// `GET /api/v1/events/{eventId}/seats?status=`: 200 `{eventId, seats}`.
pub async fn seats(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let id = path_id(&req, "eventId")?;
    let status = query(&req, "status")
        .map(|s| {
            SeatStatus::parse(&s)
                .ok_or_else(|| Problem::bad_request("INVALID_QUERY", "status must be AVAILABLE, HELD or BOOKED"))
        })
        .transpose()?;
    let seats = seat_map::seat_map(&app, id, status).await?;
    json(200, &json!({ "eventId": id, "seats": seats }))
}
