//! `DELETE /api/v1/events/{eventId}/waitlist`: leave the waitlist.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::waitlist::leave).await
}
