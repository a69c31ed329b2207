//! `POST /api/v1/checkins`: scan a ticket at the door; admits it exactly once (staff).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::checkin,
    )
    .await
}
