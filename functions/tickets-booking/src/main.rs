//! `GET /api/v1/bookings/{id}/tickets`: the tickets of a booking (owner, admin).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::for_booking,
    )
    .await
}
