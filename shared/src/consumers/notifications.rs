//! The notifications consumer (`functions/notifications`, on `booking.events` and `payment.events`):
//! booking and refund messages become emails and SMS, each sent once (`app::notify`).

use futures::future::BoxFuture;

use crate::app::{notify::notify, App, AppResult, Handled};
use crate::domain::Envelope;

pub fn handle(app: &App, messages: Vec<Envelope>) -> BoxFuture<'_, AppResult<Handled>> {
    Box::pin(notify(app, messages))
}
