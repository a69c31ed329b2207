//! WebSocket route unsubscribe: stop following an event's seat changes.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_ws(&[], booking_core::ws::unsubscribe).await
}
