//! `POST /api/v1/events/{eventId}/cancel`: cancel an event, or preview what a cancel would do (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::MONEY,
        booking_core::http::events::cancel,
    )
    .await
}
