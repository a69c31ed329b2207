//! `PUT /api/v1/holds/{holdId}/extend`: extend a hold, never past three TTLs.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::holds::extend).await
}
