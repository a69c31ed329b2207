//! `GET /api/v1/users/{userId}/tickets`: a user's tickets, a page at a time (that user, admin).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::for_user,
    )
    .await
}
