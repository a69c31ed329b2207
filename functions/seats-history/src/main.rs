//! `GET /api/v1/events/{eventId}/seats/{seatId}/history`: every change to a seat (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::seat_history).await
}
