//! `GET /api/v1/events/{eventId}/queue`: the caller's queue entry, with an access pass once admitted.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::QUEUE_PASSES,
        booking_core::http::queue::get,
    )
    .await
}
