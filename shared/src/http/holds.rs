//! Seat-hold endpoints: `/api/v1/events/{eventId}/holds` and `/api/v1/holds/{holdId}...`.

use std::sync::Arc;

use lambda_http::Request;

use super::bodies::HoldBody;
use super::{
    caller, header, json, json_body, no_content, path_id, writer, HandlerResult, QUEUE_TOKEN_HEADER,
};
use crate::app::{extend_hold, get_hold, hold_seats, release_hold, App};
use crate::domain::price::Breakdown;
use crate::domain::{Event, Hold, HoldAsk};

/// A hold as served: with the quote of its seats (face, fees, tax: what booking them costs).
#[derive(serde::Serialize)]
struct Quoted<'a> {
    #[serde(flatten)]
    hold: &'a Hold,
    breakdown: Breakdown,
}

/// `hold` with its quote: its seats' quoted prices, with the event's fees and tax (which never
/// change once the event exists).
fn quoted(status: u16, event: &Event, hold: &Hold) -> HandlerResult {
    json(status, &Quoted { hold, breakdown: event.breakdown_of(&hold.faces(event), hold.discount) })
}

/// `POST /api/v1/events/{eventId}/holds`: 201 Hold.
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    // Counted against the write limit in the hold's own step (one round trip: `app::limits`).
    let caller = caller(&req)?;
    let event_id = path_id(&req, "eventId")?;
    // The contract's order: an unknown event is 404 before the body is looked at.
    let event = app.event(event_id).await?;
    let body = json_body::<HoldBody>(&req)?;
    let code = body.code.clone();
    let ask = HoldAsk::try_from(body)?;
    let pass = header(&req, QUEUE_TOKEN_HEADER);
    let hold =
        hold_seats::hold_seats_with(&app, &caller, event_id, ask, pass, code.as_deref()).await?;
    quoted(201, &event, &hold)
}

/// `GET /api/v1/holds/{holdId}`: 200 Hold; 404 once released or expired.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let hold = get_hold::get_hold(&app, &caller, path_id(&req, "holdId")?).await?;
    quoted(200, &*app.event(hold.event_id).await?, &hold)
}

/// `PUT /api/v1/holds/{holdId}/extend`: 200 Hold; 410 `HOLD_EXPIRED`.
pub async fn extend(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    let hold = extend_hold::extend_hold(&app, &caller, path_id(&req, "holdId")?).await?;
    quoted(200, &*app.event(hold.event_id).await?, &hold)
}

/// `DELETE /api/v1/holds/{holdId}`: 204; 404 if unknown or already gone. The write is counted in
/// the release's own step (per event, as a hold's).
pub async fn release(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    release_hold::release_hold(&app, &caller, path_id(&req, "holdId")?).await?;
    no_content()
}
