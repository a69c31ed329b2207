//! Booking endpoints: `/api/v1/bookings...`.

use std::sync::Arc;

use lambda_http::Request;
use serde_json::json;

use super::bodies::{BookingBody, ConfirmBody, SeatsBody};
use super::idempotency::once;
use super::{
    caller, encode_cursor, header, json, json_body, page, path_id, path_param, query, writer,
    HandlerResult, Problem, QUEUE_TOKEN_HEADER,
};
use crate::app::{change_booking, create_booking, get_booking, App};
use crate::domain::{BookingSource, BookingStatus};

/// `POST /api/v1/bookings` (`Idempotency-Key` honoured): 201 Booking (PENDING).
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    once(&app, &req, &caller.user_id, async {
        let source = BookingSource::try_from(json_body::<BookingBody>(&req)?)?;
        let pass = header(&req, QUEUE_TOKEN_HEADER);
        let booking = create_booking::create_booking(&app, &caller, source, pass).await?;
        json(201, &booking)
    })
    .await
}

/// `GET /api/v1/bookings/{id}`: 200 Booking.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let booking = get_booking::get_booking(&app, &caller, path_id(&req, "id")?).await?;
    json(200, &booking)
}

/// `PUT /api/v1/bookings/{id}/confirm` with `{paymentId}`: 200 Booking (CONFIRMED).
pub async fn confirm(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    let id = path_id(&req, "id")?;
    let body: ConfirmBody = json_body(&req)?;
    let booking = change_booking::confirm_booking(&app, &caller, id, body.payment()).await?;
    json(200, &booking)
}

/// `PUT /api/v1/bookings/{id}/cancel`: 200 Booking (CANCELLED); with a body `{seatIds}`, those
/// seats only (the booking stays, with the rest).
pub async fn cancel(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    let id = path_id(&req, "id")?;
    let booking = if super::bounded_body(&req)?.iter().all(u8::is_ascii_whitespace) {
        change_booking::cancel_booking(&app, &caller, id).await?
    } else {
        let body: SeatsBody = json_body(&req)?;
        change_booking::cancel_seats(&app, &caller, id, &body.seat_ids).await?
    };
    json(200, &booking)
}

/// `GET /api/v1/bookings/{id}/history`: 200 `{items: [Change]}` (owner, admin).
pub async fn history(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let items = crate::app::history::booking_history(&app, &caller, path_id(&req, "id")?).await?;
    json(200, &serde_json::json!({ "items": items }))
}

/// `GET /api/v1/bookings/users/{userId}?status=&limit=&cursor=`: 200 `{items, nextCursor}`.
pub async fn list(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let user = path_param(&req, "userId");
    let status = query(&req, "status")
        .map(|s| {
            BookingStatus::parse(&s).ok_or_else(|| {
                Problem::bad_request(
                    "INVALID_QUERY",
                    "status must be PENDING, CONFIRMED, CANCELLED or EXPIRED",
                )
            })
        })
        .transpose()?;
    let (limit, before) = page(&req)?;
    let (items, next) =
        get_booking::list_bookings(&app, &caller, &user, status, before, limit).await?;
    json(200, &json!({ "items": items, "nextCursor": next.map(encode_cursor) }))
}
