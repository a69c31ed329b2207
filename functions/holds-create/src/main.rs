//! `POST /api/v1/events/{eventId}/holds`: hold seats for a short time, all or nothing.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::QUEUE_PASSES,
        booking_core::http::holds::create,
    )
    .await
}
