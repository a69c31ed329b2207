//! `GET /api/v1/events/{eventId}/report`: the sales report of an event (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::report).await
}
