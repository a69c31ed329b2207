//! The seat-status consumer (`functions/seat-status`, on `seat.events`): every seat change pushed to
//! the event's WebSocket subscribers, in order, once (`app::broadcast`).

use futures::future::BoxFuture;

use crate::app::{broadcast::broadcast, App, AppResult, Handled};
use crate::domain::Envelope;

pub fn handle(app: &App, messages: Vec<Envelope>) -> BoxFuture<'_, AppResult<Handled>> {
    Box::pin(broadcast(app, messages))
}
