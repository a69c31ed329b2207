//! `POST /api/v1/events`: create an event with its sections and seats (admins only).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::events::create).await
}
