//! Presale endpoints: `/api/v1/events/{eventId}/presale/...`.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use lambda_http::Request;
use serde::Deserialize;
use serde_json::json;

use super::{admin, caller, integral, json, json_body, path_id, writer, HandlerResult};
use crate::app::{presale, App};
use crate::domain::presale::DrawSpec;

/// Body of `POST .../presale/draw`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DrawBody {
    #[serde(deserialize_with = "integral::whole")]
    count: u32,
    #[serde(default, deserialize_with = "integral::optional")]
    max_tickets_per_use: Option<u32>,
    #[serde(default)]
    valid_from: Option<DateTime<Utc>>,
    #[serde(default)]
    valid_until: Option<DateTime<Utc>>,
}

/// `POST /api/v1/events/{eventId}/presale/registrations`: 201 Registration (200 if the caller had
/// registered already).
pub async fn register(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    let (reg, made) = presale::register(&app, &caller, path_id(&req, "eventId")?).await?;
    json(if made { 201 } else { 200 }, &reg)
}

/// `GET /api/v1/events/{eventId}/presale/registrations/me`: 200 Registration; 404 if none.
pub async fn mine(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    json(200, &presale::mine(&app, &caller, path_id(&req, "eventId")?).await?)
}

/// `POST /api/v1/events/{eventId}/presale/draw` (admin): 200 `{drawn, entrants}`.
pub async fn draw(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = admin(&req, "only admins may draw a presale")?;
    let id = path_id(&req, "eventId")?;
    crate::app::limits::count_write(&app, &caller.user_id).await?;
    let b: DrawBody = json_body(&req)?;
    let spec = DrawSpec {
        count: b.count,
        max_tickets_per_use: b.max_tickets_per_use,
        valid_from: b.valid_from,
        valid_until: b.valid_until,
    };
    let (drawn, entrants) = presale::draw(&app, &caller, id, spec).await?;
    json(200, &json!({ "drawn": drawn, "entrants": entrants }))
}
