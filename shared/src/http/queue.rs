//! Waiting-room endpoints: `/api/v1/events/{eventId}/queue...`. Joins and polls are the on-sale
//! spike: each is one Redis step (its own per-user limit included), nothing else; the crowd's
//! waiting polls read the public progress document instead, a second old.

use std::sync::Arc;

use lambda_http::Request;

use serde::Deserialize;

use super::{admin, caller, json, json_body, path_id, path_param, query, HandlerResult, Problem};
use crate::app::{queue, App};
use crate::domain::code::MAX_CODE_LEN;

/// Longest user id an admin may name.
const USER_ID_MAX: usize = 255;

/// The body of a join: optional, `{"code"}` to join the presale's line with an access code.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct JoinBody {
    #[serde(default)]
    code: Option<String>,
}

/// `?line=presale` (the presale's line) or `?line=general` (the default).
fn presale_line(req: &Request) -> Result<bool, Problem> {
    match query(req, "line").as_deref() {
        None | Some("general") => Ok(false),
        Some("presale") => Ok(true),
        Some(_) => Err(Problem::bad_request("INVALID_QUERY", "line must be general or presale")),
    }
}

/// `POST /api/v1/events/{eventId}/queue`: 201 QueueEntry on the first join, 200 the same entry
/// after; with `{"code"}` (an access code, before the sale opens) in the presale's line.
pub async fn join(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let event = path_id(&req, "eventId")?;
    let body: JoinBody = if req.body().is_empty() { JoinBody::default() } else { json_body(&req)? };
    // Bounded as the schema bounds it (characters); what it says is the code lookup's to judge.
    if body.code.as_ref().is_some_and(|c| c.chars().count() > MAX_CODE_LEN) {
        return Err(Problem::validation("code must be at most 32 characters"));
    }
    let (entry, created) = queue::join(&app, &caller, event, body.code.as_deref()).await?;
    json(if created { 201 } else { 200 }, &entry)
}

/// `GET /api/v1/events/{eventId}/queue[?line=presale]`: 200 the caller's QueueEntry; 404 if they
/// never joined.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let presale = presale_line(&req)?;
    let entry = queue::my_entry(&app, &caller, path_id(&req, "eventId")?, presale).await?;
    json(200, &entry)
}

/// `GET /api/v1/events/{eventId}/queue/stats[?line=presale]` (admin): 200 QueueStats.
pub async fn stats(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may read queue statistics")?;
    let presale = presale_line(&req)?;
    let stats = queue::stats(&app, &caller, path_id(&req, "eventId")?, presale).await?;
    json(200, &stats)
}

/// `GET /api/v1/events/{eventId}/queue/progress[?line=presale]` (anyone, no token): 200
/// QueueProgress, `Cache-Control: public, max-age=1` (the edge keeps it a second; an entity tag
/// answers a repeat with 304).
pub async fn progress(app: Arc<App>, req: Request) -> HandlerResult {
    let event = path_id(&req, "eventId")?;
    let presale = presale_line(&req)?;
    let progress = queue::progress(&app, event, presale).await?;
    super::encoded(&req, &progress, "public, max-age=1")
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
    let presale = presale_line(&req)?;
    let entry = queue::remove(&app, &caller, event_id, &user, presale).await?;
    json(200, &entry)
}
