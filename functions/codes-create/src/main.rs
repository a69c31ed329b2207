//! `POST /api/v1/events/{eventId}/codes`: make a discount or access code (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::codes::create).await
}
