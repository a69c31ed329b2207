//! `GET /api/v1/events`: list events a page at a time.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::list).await
}
