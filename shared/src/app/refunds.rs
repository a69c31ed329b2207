//! Refunds owed (written in the transaction that decided them) sent to the provider: at once by the
//! request that owed them, and by the sweep for any that request did not get through. The refund's
//! id is the provider's idempotency key, so a refund sent twice (a crash between the provider's
//! answer and the mark, two senders at once) is refunded once.

use uuid::Uuid;

use super::{App, AppResult};
use crate::domain::Refund;
use crate::metrics::{self, Metric};

/// Sends the refunds and marks each one the provider took; one that fails stays owed (logged) for
/// the sweep. Returns how many were sent.
pub async fn send(app: &App, refunds: &[Refund]) -> usize {
    let mut sent = 0;
    for r in refunds {
        match app.provider.refund(r).await {
            Ok(()) => match app.payments.refund_sent(r.id, app.now()).await {
                Ok(()) => sent += 1,
                Err(e) => {
                    tracing::warn!(refund_id = %r.id, error = %e, "refund sent but not marked; it is sent again")
                }
            },
            Err(e) => {
                tracing::warn!(refund_id = %r.id, payment_id = %r.payment_id, error = %e, "refund not sent yet")
            }
        }
    }
    metrics::count(Metric::PaymentsRefunded, sent as u64);
    sent
}

/// Sends refunds still owed that are older than `after` (their own request had time to send
/// them), of `event` only when given. Returns how many were sent.
pub async fn send_due(
    app: &App,
    event: Option<Uuid>,
    after: chrono::Duration,
    limit: u32,
) -> AppResult<usize> {
    let due = app.payments.unsent_refunds(event, app.now() - after, limit).await?;
    Ok(send(app, &due).await)
}
