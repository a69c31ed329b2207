//! `POST /api/v1/payments/webhook`: apply a signed provider webhook, once per event.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::payments::webhook).await
}
