//! `GET /api/v1/events/{eventId}/queue/stats`: counts of an event's waiting room (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::queue::stats).await
}
