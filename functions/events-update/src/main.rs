//! `PATCH /api/v1/events/{eventId}`: change an event's name, venue, start or sales window (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::update).await
}
