//! `POST /api/v1/tickets/{ticketId}/transfer`: give a ticket to another user; the old code is revoked.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::transfer,
    )
    .await
}
