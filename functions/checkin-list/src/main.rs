//! `GET /api/v1/events/{eventId}/checkin-list`: revoked and used codes since a time, for offline scanners (staff).
#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    booking_core::bootstrap::serve_http_needing(
        booking_core::bootstrap::TICKETS,
        booking_core::http::tickets::checkin_list,
    )
    .await
}
