//! Scheduled (EventBridge): expire unpaid bookings past their deadline, announce lapsed holds, relay what is unsent.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_scheduled(|app| async move {
        booking_core::app::sweep::sweep(&app).await
    })
    .await
}
