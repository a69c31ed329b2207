//! `POST /api/v1/payments`: pay for a booking through the provider (idempotent).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::MONEY,
        booking_core::http::payments::create,
    )
    .await
}
