//! `PUT /api/v1/bookings/{id}/confirm`: confirm a booking with a succeeded payment.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::bookings::confirm).await
}
