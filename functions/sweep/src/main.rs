//! Scheduled (EventBridge): expire unpaid bookings past their deadline, announce lapsed holds, relay what is unsent.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    // It reconciles payments with Stripe and sends the refunds owed.
    booking_core::bootstrap::serve_scheduled_needing(
        booking_core::bootstrap::MONEY,
        |app| async move { booking_core::app::sweep::sweep(&app).await },
    )
    .await
}
