//! `GET /api/v1/holds/{holdId}`: read a live hold.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::holds::get).await
}
