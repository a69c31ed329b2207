//! WebSocket $disconnect: forgets the connection and its subscriptions.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_ws(&[], booking_core::ws::disconnect).await
}
