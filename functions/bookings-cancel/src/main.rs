//! `PUT /api/v1/bookings/{id}/cancel`: cancel a booking, freeing its seats and refunding it.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::MONEY,
        booking_core::http::bookings::cancel,
    )
    .await
}
