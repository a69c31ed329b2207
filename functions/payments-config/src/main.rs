//! `GET /api/v1/payments/config`: the payment provider and its publishable key, for the page.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::payments::config).await
}
