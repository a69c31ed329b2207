//! `DELETE /api/v1/events/{eventId}/queue/{userId}`: remove a user from the waiting room; their access pass stops working (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::QUEUE_PASSES,
        booking_core::http::queue::remove,
    )
    .await
}
