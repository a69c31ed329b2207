//! Scheduled daily: the charges Stripe took in the last day with no payment here that took them.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_scheduled_needing(
        booking_core::bootstrap::MONEY,
        |app| async move { booking_core::app::payments::daily_audit(&app).await },
    )
    .await
}
