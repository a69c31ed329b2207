//! Code endpoints (admins): `/api/v1/events/{eventId}/codes[/{code}]`.

use std::sync::Arc;

use lambda_http::Request;
use serde_json::json;

use super::bodies::CodeBody;
use super::{
    admin, invalid_cursor, json, json_body, limit, no_content, path_id, path_param, query,
    HandlerResult,
};
use crate::app::{codes, App};
use crate::domain::code::{normalise, CodeSpec};

/// Codes per page unless `limit` says otherwise (the most a page may have).
const PAGE: u32 = 100;

/// `POST /api/v1/events/{eventId}/codes` (admin): 201 Code; 409 `CODE_TAKEN`.
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may make codes")?;
    let id = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let spec = CodeSpec::try_from(json_body::<CodeBody>(&req)?)?;
    let code = codes::create_code(&app, &caller, id, spec).await?;
    json(201, &code)
}

/// `GET /api/v1/events/{eventId}/codes?limit=&cursor=` (admin): 200 `{items: [Code], nextCursor}`.
pub async fn list(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may list codes")?;
    let id = path_id(&req, "eventId")?;
    let limit = limit(&req, PAGE)?;
    // The cursor is the last code of the page before (codes come in name order).
    let after =
        query(&req, "cursor").map(|c| normalise(&c).ok_or_else(invalid_cursor)).transpose()?;
    let (items, next) = codes::list_codes(&app, &caller, id, after.as_deref(), limit).await?;
    json(200, &json!({ "items": items, "nextCursor": next }))
}

/// `DELETE /api/v1/events/{eventId}/codes/{code}` (admin): 204; 404 `CODE_NOT_FOUND`.
pub async fn delete(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may delete codes")?;
    let id = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    codes::delete_code(&app, &caller, id, &path_param(&req, "code")).await?;
    no_content()
}
