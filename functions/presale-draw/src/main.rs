//! `POST /api/v1/events/{eventId}/presale/draw`: draw presale winners and issue their codes (admins).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http(booking_core::http::presale::draw).await
}
