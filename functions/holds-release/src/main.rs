//! `DELETE /api/v1/holds/{holdId}`: release a hold and free its seats.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::holds::release).await
}
