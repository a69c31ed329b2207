//! `GET /api/v1/events/{eventId}/presale/registrations/me`: the caller's presale registration and code.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::presale::mine).await
}
