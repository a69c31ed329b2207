//! `GET /api/v1/events/{eventId}/queue/progress`: how far an event's waiting room has been served
//! (public, a second old).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::queue::progress).await
}
