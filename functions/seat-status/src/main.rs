//! MSK consumer of seat.events: pushes each seat change to the event's WebSocket subscribers, in order, once.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_kafka("seat-status").await
}
