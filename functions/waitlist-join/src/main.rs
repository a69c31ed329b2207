//! `POST /api/v1/events/{eventId}/waitlist`: join the waitlist of an event.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::waitlist::join).await
}
