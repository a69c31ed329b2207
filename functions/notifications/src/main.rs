//! MSK consumer of booking.events and payment.events: emails (SES) and SMS (SNS) to buyers, each once.
#[tokio::main]
async fn main() -> Result<(), lambda_runtime::Error> {
    booking_core::bootstrap::serve_kafka("notifications").await
}
