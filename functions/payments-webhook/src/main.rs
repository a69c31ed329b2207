//! `POST /api/v1/payments/webhook`: apply a signed provider webhook, once per event.
use booking_core::config::Secret;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        &[Secret::Database, Secret::WebhookSecret, Secret::StripeKey],
        booking_core::http::payments::webhook,
    )
    .await
}
