//! `GET /api/v1/bookings/{id}/history`: every change to a booking (owner, admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::bookings::history).await
}
