//! `POST /api/v1/events/{eventId}/presale/registrations`: register for an event's presale.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::presale::register).await
}
