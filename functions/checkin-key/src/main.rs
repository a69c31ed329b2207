//! `GET /api/v1/events/{eventId}/checkin-key`: the public key scanners check an event's codes with.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::checkin_key,
    )
    .await
}
