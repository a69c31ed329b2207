//! `GET /api/v1/events/{eventId}/seats`: the seat map, every seat with its status.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::seats).await
}
