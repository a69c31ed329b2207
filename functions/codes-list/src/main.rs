//! `GET /api/v1/events/{eventId}/codes`: list an event's codes with their uses (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::codes::list).await
}
