//! `GET /api/v1/bookings/users/{userId}`: list a user's bookings a page at a time.
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::bookings::list).await
}
