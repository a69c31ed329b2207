//! `GET /api/v1/payments/{id}`: read a payment.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::MONEY,
        booking_core::http::payments::get,
    )
    .await
}
