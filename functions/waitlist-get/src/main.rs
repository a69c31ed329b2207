//! `GET /api/v1/events/{eventId}/waitlist`: the caller's waitlist entry.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::waitlist::get).await
}
