//! `GET /api/v1/tickets/{ticketId}/qr.svg`: a ticket's code as a QR code (holder, admin).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::qr,
    )
    .await
}
