//! WebSocket $connect: checks the token query parameter, stores the connection, subscribes to eventId if given.
use booking_core::config::Secret;

#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_ws(
        &[Secret::Database, Secret::TokenKeys],
        booking_core::ws::connect,
    )
    .await
}
