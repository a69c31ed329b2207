//! Waiting-room endpoints: `/api/v1/events/{eventId}/queue...`. Joins and polls are the on-sale
//! spike: each is one Redis step (its own per-user limit included), nothing else.

use std::sync::Arc;

use lambda_http::Request;

use super::{admin, caller, json, path_id, path_param, HandlerResult, Problem};
use crate::app::{queue, App};

/// Longest user id an admin may name.
const USER_ID_MAX: usize = 255;

/// `POST /api/v1/events/{eventId}/queue`: 201 QueueEntry on the first join, 200 the same entry
/// after.
pub async fn join(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let (entry, created) = queue::join(&app, &caller, path_id(&req, "eventId")?).await?;
    json(if created { 201 } else { 200 }, &entry)
}

/// `GET /api/v1/events/{eventId}/queue`: 200 the caller's QueueEntry; 404 if they never joined.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let entry = queue::my_entry(&app, &caller, path_id(&req, "eventId")?).await?;
    json(200, &entry)
}

/// `GET /api/v1/events/{eventId}/queue/stats` (admin): 200 QueueStats.
pub async fn stats(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may read queue statistics")?;
    let stats = queue::stats(&app, &caller, path_id(&req, "eventId")?).await?;
    json(200, &stats)
}

/// `DELETE /api/v1/events/{eventId}/queue/{userId}` (admin): 200 the user's QueueEntry, EXPIRED;
/// their access pass no longer works.
pub async fn remove(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may remove queue entries")?;
    let event_id = path_id(&req, "eventId")?;
    let user = path_param(&req, "userId");
    // Only looked up (a hash field), never trusted: bounded, any characters.
    if user.is_empty() || user.len() > USER_ID_MAX {
        return Err(Problem::bad_request("INVALID_ID", "userId must be 1-255 bytes"));
    }
    let entry = queue::remove(&app, &caller, event_id, &user).await?;
    json(200, &entry)
}
