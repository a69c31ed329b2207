//! `DELETE /api/v1/events/{eventId}/codes/{code}`: delete a code (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::codes::delete).await
}
