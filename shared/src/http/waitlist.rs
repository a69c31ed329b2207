//! Waitlist endpoints: `/api/v1/events/{eventId}/waitlist`, the caller's own entry.

use std::sync::Arc;

use lambda_http::Request;

use super::bodies::WaitlistBody;
use super::{caller, json, json_body, no_content, path_id, HandlerResult};
use crate::app::{waitlist, App};

/// `POST /api/v1/events/{eventId}/waitlist`: 201 WaitlistEntry when joining (again), 200 the open
/// entry unchanged after.
pub async fn join(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let event = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let body: WaitlistBody = json_body(&req)?;
    let (entry, created) =
        waitlist::join(&app, &caller, event, body.quantity, body.section).await?;
    json(if created { 201 } else { 200 }, &entry)
}

/// `GET /api/v1/events/{eventId}/waitlist`: 200 the caller's WaitlistEntry; 404 if none.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    json(200, &waitlist::my_entry(&app, &caller, path_id(&req, "eventId")?).await?)
}

/// `DELETE /api/v1/events/{eventId}/waitlist`: 204; 404 without an open entry.
pub async fn leave(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let event = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    waitlist::leave(&app, &caller, event).await?;
    no_content()
}
