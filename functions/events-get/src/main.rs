//! `GET /api/v1/events/{eventId}`: one event with its availability counts.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::get).await
}
