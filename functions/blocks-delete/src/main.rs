//! `DELETE /api/v1/events/{eventId}/blocks`: put blocked seats back on sale (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::unblock).await
}
