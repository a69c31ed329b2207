//! Inventory endpoints: `/api/v1/events...`.

use std::sync::Arc;

use lambda_http::Request;
use serde::Serialize;
use serde_json::json;

use super::bodies::{BlockBody, EventBody, EventPatchBody, SeatsBody};
use super::{
    admin, caller, encode_cursor, json, json_body, page, path_id, query, HandlerResult, Problem,
};
use crate::app::get_event::Availability;
use crate::app::{
    blocks, cancel_event, create_event, get_event, list_events, seat_map, update_event, App,
};
use crate::domain::event::PriceRange;
use crate::domain::report::CancelProgress;
use crate::domain::{Event, EventPatch, EventSpec, SaleStatus, SeatStatus};

/// An Event as served: the stored event, where its sale stands now, (one event) availability, and
/// (a cancelled event) how far its cancel got.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView<'a> {
    #[serde(flatten)]
    event: &'a Event,
    sale_status: SaleStatus,
    price_range: PriceRange,
    #[serde(skip_serializing_if = "Option::is_none")]
    availability: Option<Availability>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cancellation: Option<CancelProgress>,
}

impl<'a> EventView<'a> {
    fn new(app: &App, event: &'a Event) -> Self {
        EventView {
            event,
            sale_status: event.sale_status(app.now()),
            price_range: event.price_range(),
            availability: None,
            cancellation: None,
        }
    }

    /// With the cancel's progress, if the event is cancelled.
    async fn with_cancellation(mut self, app: &App) -> Result<EventView<'a>, Problem> {
        if self.event.cancelled_at.is_some() {
            self.cancellation = app
                .cancellations
                .progress(self.event.id)
                .await
                .map_err(crate::app::AppError::from)?;
        }
        Ok(self)
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
    let view = EventView { availability: Some(availability), ..EventView::new(&app, &event) };
    json(200, &view.with_cancellation(&app).await?)
}

/// `POST /api/v1/events/{eventId}/cancel?dryRun=` (admin): 202 Event (CANCELLED, with its
/// cancel's progress); with `dryRun=true`, 200 `{bookings, confirmed, refundCents}` and nothing
/// changes.
pub async fn cancel(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may cancel events")?;
    let id = path_id(&req, "eventId")?;
    let dry_run = match query(&req, "dryRun").as_deref() {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => return Err(Problem::validation("dryRun: true or false")),
    };
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    match cancel_event::cancel_event(&app, &caller, id, dry_run).await? {
        cancel_event::Cancelled::Preview(p) => json(200, &p),
        cancel_event::Cancelled::Event(e) => {
            json(202, &EventView::new(&app, &e).with_cancellation(&app).await?)
        }
    }
}

/// `POST /api/v1/events/{eventId}/blocks` (admin): 200 `{seatIds}` blocked.
pub async fn block(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may block seats")?;
    let id = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let body: BlockBody = json_body(&req)?;
    let reason = body.reason.unwrap_or_default();
    let seats = blocks::block(&app, &caller, id, &body.seat_ids, &reason).await?;
    json(200, &json!({ "seatIds": seats }))
}

/// `DELETE /api/v1/events/{eventId}/blocks` (admin): 200 `{seatIds}` back on sale.
pub async fn unblock(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may unblock seats")?;
    let id = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let body: SeatsBody = json_body(&req)?;
    let seats = blocks::unblock(&app, &caller, id, &body.seat_ids).await?;
    json(200, &json!({ "seatIds": seats }))
}

/// `GET /api/v1/events/{eventId}/seats/{seatId}/history` (admin): 200 `{items: [Change]}`.
pub async fn seat_history(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may read a seat's history")?;
    let id = path_id(&req, "eventId")?;
    let seat = super::path_param(&req, "seatId");
    let items = crate::app::history::seat_history(&app, &caller, id, &seat).await?;
    json(200, &json!({ "items": items }))
}

/// `GET /api/v1/events/{eventId}/seats?status=&view=&code=`: 200 the whole map `{eventId, seats,
/// generalAdmission}` (seats reserved for `code` as they are to its holder); `view=layout` the seats without statuses (cacheable for good);
/// `view=status` one status character per layout seat, a moment old. Each with an `ETag` (304 for
/// a matching `If-None-Match`), gzip'd for a client that accepts it.
pub async fn seats(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let id = path_id(&req, "eventId")?;
    let status = query(&req, "status")
        .map(|s| {
            SeatStatus::parse(&s).ok_or_else(|| {
                Problem::bad_request(
                    "INVALID_QUERY",
                    "status must be AVAILABLE, HELD, BOOKED, BLOCKED or RESERVED",
                )
            })
        })
        .transpose()?;
    // A presale's access code: the seats it reserves show as they are to its holder.
    let code = query(&req, "code")
        .map(|c| {
            crate::domain::code::normalise(&c).ok_or_else(|| {
                Problem::bad_request(
                    "INVALID_QUERY",
                    "code must be 1 to 32 letters, digits, - or _",
                )
            })
        })
        .transpose()?;
    // `status` filters the whole map only; the compact views are the same for everyone.
    match query(&req, "view").as_deref() {
        None | Some("full") => {}
        Some("layout") => {
            let layout = seat_map::layout_view(&app, id).await?;
            return super::encoded(&req, &layout, "public, max-age=86400");
        }
        Some("status") => {
            let statuses = seat_map::status_view(&app, id).await?;
            return super::encoded(&req, &statuses, "public, max-age=1");
        }
        Some(_) => {
            return Err(Problem::bad_request(
                "INVALID_QUERY",
                "view must be full, layout or status",
            ))
        }
    }
    let map = seat_map::seat_map(&app, id, status, code.as_deref()).await?;
    super::encoded(&req, &seat_map::Encoded::new(&map, false)?, "no-cache")
}
