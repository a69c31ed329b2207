//! The outbox relay: publishes unsent outbox rows to Kafka in order and marks them sent.

use super::{App, AppResult};

/// Relays up to `limit` unsent messages; returns how many were sent. With the broker away it sends
/// nothing and leaves every row for the next run. Two relays at once never take the same rows.
pub async fn relay_outbox(app: &App, limit: u32) -> AppResult<usize> {
    let sent = crate::adapters::mysql_bookings::relay_outbox(&app.pool, app.publisher.as_ref(), limit).await?;
    crate::metrics::count(crate::metrics::Metric::OutboxRelayed, sent as u64);
    Ok(sent)
}
