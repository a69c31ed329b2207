//! `POST /api/v1/bookings`: create a booking from a hold, or hold and book seats at once (idempotent).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::QUEUE_PASSES,
        booking_core::http::bookings::create,
    )
    .await
}
