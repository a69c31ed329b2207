//! Inventory endpoints: `/api/v1/events...`.

use std::sync::Arc;

use lambda_http::Request;
use serde::Serialize;
use serde_json::json;

use super::bodies::EventBody;
use super::{
    admin, caller, encode_cursor, json, json_body, page, path_id, query, HandlerResult, Problem,
};
use crate::app::get_event::Availability;
use crate::app::{create_event, get_event, list_events, seat_map, App};
use crate::domain::{Event, EventSpec, SeatStatus};

/// `POST /api/v1/events` (admin): 201 Event.
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    // Authorisation before validation: a non-admin learns nothing about what a valid body is.
    let caller = admin(&req, "only admins may create events")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let spec = EventSpec::from(json_body::<EventBody>(&req)?);
    let event = create_event::create_event(&app, &caller, spec).await?;
    json(201, &event)
}

/// `GET /api/v1/events?limit=&cursor=`: 200 `{items, nextCursor}`.
pub async fn list(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let (limit, after) = page(&req)?;
    let (items, next) = list_events::list_events(&app, after, limit).await?;
    json(200, &json!({ "items": items, "nextCursor": next.map(encode_cursor) }))
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
            SeatStatus::parse(&s).ok_or_else(|| {
                Problem::bad_request("INVALID_QUERY", "status must be AVAILABLE, HELD or BOOKED")
            })
        })
        .transpose()?;
    let seats = seat_map::seat_map(&app, id, status).await?;
    json(200, &json!({ "eventId": id, "seats": seats }))
}
