//! The seat-status broadcaster: every seat change on `seat.events` is pushed to each WebSocket
//! subscriber of its event, in log order, as API.md's `seats.changed` (the changes of one batch
//! share messages, so a burst costs a few pushes per subscriber). Exactly once per change: an
//! event's watermark (its last pushed seat-log position) is read before and moved after, so a
//! redelivered or repeated change is dropped. A connection that is gone (410) is forgotten; one
//! that fails otherwise misses the change (a client resyncs from the seat map when it reconnects).

use futures::future::join_all;
use uuid::Uuid;

use super::{App, AppResult, Handled};
use crate::domain::message::{pushes, SeatChange};
use crate::domain::Envelope;
use crate::metrics::{self, Metric};
use crate::ports::Pushed;

pub async fn broadcast(app: &App, messages: Vec<Envelope>) -> AppResult<Handled> {
    let mut out = Handled::default();
    // One event's changes stay in delivery order (one partition carries them).
    let mut events: Vec<(Uuid, Vec<SeatChange>)> = Vec::new();
    for m in messages {
        match SeatChange::from_message(&m) {
            Some(c) => match events.iter_mut().find(|(e, _)| *e == c.event_id) {
                Some((_, list)) => list.push(c),
                None => events.push((c.event_id, vec![c])),
            },
            None if m.kind().seat_status().is_some() => {
                out.rejected.push((m, "a seat message without event, seats or log position".into()))
            }
            None => out.skipped += 1,
        }
    }
    for (event, changes) in events {
        let mut last = app.watermarks.watermark(event).await?;
        let mut fresh = Vec::new();
        for c in changes {
            if Some(c.position) > last {
                last = Some(c.position);
                fresh.push(c);
            } else {
                out.skipped += 1;
            }
        }
        let Some(last) = last.filter(|_| !fresh.is_empty()) else { continue };
        let pushes = pushes(event, &fresh);
        let subscribers = app.connections.subscribers(event).await?;
        let sent = join_all(subscribers.iter().map(|c| push_all(app, c, &pushes))).await;
        metrics::count(Metric::SeatChangesPushed, sent.iter().sum::<usize>() as u64);
        app.watermarks.advance(event, last, app.now()).await?;
        out.done += fresh.len();
    }
    Ok(out)
}

/// Pushes the messages to one connection in order; returns how many it took.
async fn push_all(app: &App, connection: &str, pushes: &[String]) -> usize {
    for (i, body) in pushes.iter().enumerate() {
        if !push(app, connection, body).await {
            return i;
        }
    }
    pushes.len()
}

/// Pushes one message to one connection; whether it took it. A connection that is gone is
/// forgotten; any other failure is logged (the client resyncs when it reconnects, or polls).
pub async fn push(app: &App, connection: &str, body: &str) -> bool {
    match app.pusher.push(connection, body).await {
        Ok(Pushed::Sent) => true,
        Ok(Pushed::Gone) => {
            metrics::count(Metric::ConnectionsGone, 1);
            if let Err(e) = app.connections.disconnect(connection).await {
                tracing::warn!(connection, error = %e, "forgetting a gone connection");
            }
            false
        }
        Err(e) => {
            tracing::warn!(connection, error = %e, "push failed");
            false
        }
    }
}
