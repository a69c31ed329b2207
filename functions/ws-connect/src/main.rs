//! WebSocket $connect: checks the token query parameter, stores the connection, subscribes to eventId if given.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_ws(booking_core::ws::connect).await
}
