//! Ticket and check-in endpoints: `/api/v1/bookings/{id}/tickets`, `/api/v1/users/{userId}/tickets`,
//! `/api/v1/tickets/{ticketId}...`, `/api/v1/events/{eventId}/checkin-...` and `/api/v1/checkins`.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use lambda_http::{Body, Request, Response};
use serde_json::json;

use super::bodies::{CheckinBody, TransferBody};
use super::{
    caller, encode_cursor, json, json_body, page, path_id, path_param, query, writer,
    HandlerResult, Problem,
};
use crate::app::{tickets, App, AppError};
use crate::domain::ticket::{Scan, ScanAnswer, ScanResult};

/// `GET /api/v1/bookings/{id}/tickets`: 200 `{items}`.
pub async fn for_booking(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let items = tickets::booking_tickets(&app, &caller, path_id(&req, "id")?).await?;
    json(200, &json!({ "items": items }))
}

/// `GET /api/v1/users/{userId}/tickets?eventId=&limit=&cursor=`: 200 `{items, nextCursor}`.
pub async fn for_user(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let user = path_param(&req, "userId");
    if user.is_empty() || user.len() > 255 {
        return Err(Problem::bad_request("INVALID_ID", "userId must be 1-255 bytes"));
    }
    let event = query(&req, "eventId")
        .map(|e| {
            uuid::Uuid::parse_str(&e)
                .map_err(|_| Problem::bad_request("INVALID_QUERY", "eventId must be a UUID"))
        })
        .transpose()?;
    let (limit, after) = page(&req)?;
    let (items, next) = tickets::user_tickets(&app, &caller, &user, event, after, limit).await?;
    json(200, &json!({ "items": items, "nextCursor": next.map(encode_cursor) }))
}

/// `GET /api/v1/tickets/{ticketId}/qr.svg`: the code as a QR code (holder or admin).
pub async fn qr(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let ticket = tickets::holders_ticket(&app, &caller, path_id(&req, "ticketId")?).await?;
    let code = ticket.code.unwrap_or_default();
    let svg = qrcode::QrCode::with_error_correction_level(code.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| {
            tracing::error!(error = %e, "rendering a QR code");
            Problem::internal()
        })?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(240, 240)
        .build();
    Response::builder()
        .status(200)
        .header("content-type", "image/svg+xml")
        .header("cache-control", "private, no-store")
        .body(Body::from(svg))
        .map_err(|_| Problem::internal())
}

/// `POST /api/v1/tickets/{ticketId}/transfer` with `{toUserId}`: 200 the new Ticket.
pub async fn transfer(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    let id = path_id(&req, "ticketId")?;
    // Authorisation before validation: someone else's ticket is 404 whatever the body says.
    tickets::holders_ticket(&app, &caller, id).await?;
    let to = json_body::<TransferBody>(&req)?.to_user()?;
    let ticket = tickets::transfer(&app, &caller, id, &to).await?;
    json(200, &ticket)
}

/// `GET /api/v1/events/{eventId}/checkin-key`: the event's public key (any user).
pub async fn checkin_key(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let event = path_id(&req, "eventId")?;
    app.event(event).await?;
    let key = URL_SAFE_NO_PAD.encode(app.ticket_keys.public_key(event));
    json(200, &json!({ "eventId": event, "alg": "Ed25519", "publicKey": key }))
}

/// `GET /api/v1/events/{eventId}/checkin-list?since=` (staff): revoked codes and used tickets
/// since `since` (default: ever), and the moment the list is good for (the next `since`).
pub async fn checkin_list(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    if !caller.door_staff() {
        return Err(AppError::Forbidden("only door staff may read the check-in list").into());
    }
    let event = path_id(&req, "eventId")?;
    let since = match query(&req, "since") {
        Some(s) => chrono::DateTime::parse_from_rfc3339(&s)
            .map_err(|_| Problem::bad_request("INVALID_QUERY", "since must be an RFC 3339 time"))?
            .with_timezone(&chrono::Utc),
        None => chrono::DateTime::<chrono::Utc>::UNIX_EPOCH,
    };
    let (changes, at) = tickets::changes(&app, &caller, event, since).await?;
    let revoked: Vec<String> = changes.revoked.iter().map(|t| app.ticket_code(t)).collect();
    let used: Vec<_> = changes
        .used
        .into_iter()
        .map(|t| {
            let (at, gate) = (t.checked_in_at, t.checkin_gate.clone());
            json!({ "code": app.ticket(t).code, "at": at, "gate": gate })
        })
        .collect();
    json(200, &json!({ "eventId": event, "revoked": revoked, "used": used, "at": at }))
}

/// `POST /api/v1/checkins` (staff): 200 `{result, ticket, gate, at}` or the refusal; a retry with
/// the same `nonce` gets the first answer.
pub async fn checkin(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    if !caller.door_staff() {
        return Err(AppError::Forbidden("only door staff may scan tickets").into());
    }
    let scan = Scan::try_from(json_body::<CheckinBody>(&req)?)?;
    let ScanAnswer { result, gate, at } = tickets::check_in(&app, &caller, scan).await?;
    let name = result.name();
    match result {
        ScanResult::Admitted(t) | ScanResult::Exited(t) => {
            json(200, &json!({ "result": name, "ticket": app.ticket(t), "gate": gate, "at": at }))
        }
        refused => Err(refused.refusal().map(Problem::from).unwrap_or_else(Problem::internal)),
    }
}
