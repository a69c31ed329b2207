//! `POST /api/v1/events/{eventId}/queue`: join the waiting room of an event (once; later joins read the same entry).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::QUEUE_PASSES,
        booking_core::http::queue::join,
    )
    .await
}
