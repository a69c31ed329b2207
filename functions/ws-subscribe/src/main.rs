//! WebSocket route subscribe: follow an event's seat changes.
use booking_core::config::Secret;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_ws(&[Secret::Database], booking_core::ws::subscribe).await
}
