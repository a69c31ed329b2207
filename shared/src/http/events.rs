//! Inventory endpoints: `/api/v1/events...`.

use std::sync::Arc;

use lambda_http::Request;
use serde::Serialize;
use serde_json::json;

use super::bodies::{EventBody, EventPatchBody};
use super::{
    admin, caller, encode_cursor, json, json_body, page, path_id, query, HandlerResult, Problem,
};
use crate::app::get_event::Availability;
use crate::app::{create_event, get_event, list_events, seat_map, update_event, App};
use crate::domain::{Event, EventPatch, EventSpec, SaleStatus, SeatStatus};

/// An Event as served: the stored event, where its sale stands now, and (one event) availability.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView<'a> {
    #[serde(flatten)]
    event: &'a Event,
    sale_status: SaleStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<Availability>,
}

impl<'a> EventView<'a> {
    fn new(app: &App, event: &'a Event) -> Self {
        EventView { event, sale_status: event.sale_status(app.now()), availability: None }
    }
}

/// `POST /api/v1/events` (admin): 201 Event.
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    // Authorisation before validation: a non-admin learns nothing about what a valid body is.
    let caller = admin(&req, "only admins may create events")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let spec = EventSpec::from(json_body::<EventBody>(&req)?);
    let event = create_event::create_event(&app, &caller, spec).await?;
    json(201, &EventView::new(&app, &event))
}

/// `PATCH /api/v1/events/{eventId}` (admin): 200 Event with the changes.
pub async fn update(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may change events")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let id = path_id(&req, "eventId")?;
    let patch = EventPatch::from(json_body::<EventPatchBody>(&req)?);
    let event = update_event::update_event(&app, &caller, id, patch).await?;
    json(200, &EventView::new(&app, &event))
}

/// `GET /api/v1/events/{eventId}/report` (admin): 200 the sales report.
pub async fn report(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may read sales reports")?;
    let report = crate::app::report::sales_report(&app, &caller, path_id(&req, "eventId")?).await?;
    json(200, &report)
}

/// `GET /api/v1/events?limit=&cursor=`: 200 `{items, nextCursor}`.
pub async fn list(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let (limit, after) = page(&req)?;
    let (items, next) = list_events::list_events(&app, after, limit).await?;
    let items: Vec<EventView> = items.iter().map(|e| EventView::new(&app, e)).collect();
    json(200, &json!({ "items": items, "nextCursor": next.map(encode_cursor) }))
}

/// `GET /api/v1/events/{eventId}`: 200 Event with `availability`.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let id = path_id(&req, "eventId")?;
    let (event, availability) = get_event::get_event(&app, id).await?;
    json(200, &EventView { availability: Some(availability), ..EventView::new(&app, &event) })
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
