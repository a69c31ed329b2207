//! `GET /api/v1/bookings/{id}`: read a booking.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::bookings::get).await
}
