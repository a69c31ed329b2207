//! Scheduled each minute: relays the outbox and the seat logs to Kafka ten times a second for 50 s.
use std::time::Duration;

/// Most of the minute between two scheduled starts, and how often it relays within it.
const RUN_FOR: Duration = Duration::from_secs(50);
const EVERY: Duration = Duration::from_millis(100);

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_scheduled(|app| async move {
        booking_core::app::relay::relay_for(&app, RUN_FOR, EVERY).await
    })
    .await
}
