//! Cancel an event (admins). The event stops selling at once: its row is marked (bookings read it
//! under a shared lock, so none commits after the cancel unseen) and its seat map closed (the hold
//! script refuses a closed event, on every instance at the same moment). Then the cancel job, a
//! step of every sweep, works through it batch by batch: releases its holds, cancels every live
//! booking (a CONFIRMED one with its payment refunded and its tickets revoked, in the booking's
//! transaction), sends the refunds, and marks the event finished when nothing is left.
//!
//! The job is resumable and safe to run twice at once: each booking moves under its row lock and
//! only from the status it was read with, a refund is owed in that same transaction (so at most
//! once per payment) and sent under its own id as the provider's idempotency key, and finishing
//! is one conditional write.

use std::sync::Arc;

use uuid::Uuid;

use super::after_change::{after_change, count_change};
use super::{refunds, App, AppError, AppResult};
use crate::domain::history::SYSTEM;
use crate::domain::report::CancelPreview;
use crate::domain::{BookingStatus, Caller, Event};

/// Bookings the job cancels per event and run, at most.
pub const BATCH: u32 = 200;
/// Cancelled events the job works on per run, at most.
const EVENTS: u32 = 20;

/// What `POST /events/{id}/cancel` answers.
pub enum Cancelled {
    /// `?dryRun=true`: what a cancel would do now; nothing changed.
    Preview(CancelPreview),
    /// The event, cancelled (now, or before).
    Event(Arc<Event>),
}

pub async fn cancel_event(
    app: &App,
    caller: &Caller,
    id: Uuid,
    dry_run: bool,
) -> AppResult<Cancelled> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may cancel events"));
    }
    app.fresh_event(id).await?;
    if dry_run {
        return Ok(Cancelled::Preview(app.cancellations.preview(id).await?));
    }
    if app.cancellations.cancel(id, &caller.user_id, app.now()).await? {
        tracing::warn!(event_id = %id, by = %caller.user_id, "event cancelled");
    }
    close(app, id).await?;
    Ok(Cancelled::Event(app.fresh_event(id).await?))
}

/// Closes the event's seat map to new holds (again, if Redis lost the mark with the map).
async fn close(app: &App, event: Uuid) -> AppResult<()> {
    app.read_locks(event, "closing the seat map", || async {
        Ok(app.closing.close(event, app.now()).await?.then_some(()))
    })
    .await
}

/// The cancel job's run over every unfinished cancelled event; returns the bookings it cancelled.
pub async fn run(app: &App) -> AppResult<usize> {
    let mut cancelled = 0;
    for event in app.cancellations.unfinished(EVENTS).await? {
        cancelled += work(app, event, BATCH).await?;
    }
    Ok(cancelled)
}

/// One batch of one cancelled event: its holds released, up to `batch` live bookings cancelled,
/// the refunds it owes sent; finished when nothing is left. Returns the bookings it cancelled.
pub async fn work(app: &App, event: Uuid, batch: u32) -> AppResult<usize> {
    close(app, event).await?;
    let now = app.now();
    for hold in app.sweep.live_holds(event, now).await? {
        app.holds.release(&(&hold).into(), None, now).await?;
    }
    let mut cancelled = 0;
    for (id, status) in app.cancellations.live_bookings(event, batch).await? {
        // The seats first: the map is closed to holds, so freeing them before the commit sells
        // nothing twice, and a run killed between the two leaves no seat taken in Redis for a
        // booking MySQL has cancelled (the next run cancels it and frees again, which is a no-op).
        if let Some(b) = app.bookings.get(id).await? {
            app.holds.free_booking(&b, app.now()).await?;
        }
        let now = app.now();
        if let Some((b, owed)) =
            app.bookings.transition(id, status, BookingStatus::Cancelled, now, SYSTEM).await?
        {
            after_change(app, &b, now).await?;
            count_change(&b);
            refunds::send(app, &owed).await;
            cancelled += 1;
        }
    }
    refunds::send_due(app, Some(event), chrono::Duration::zero(), batch).await?;
    if app.cancellations.finish(event, app.now()).await? {
        tracing::info!(event_id = %event, cancelled, "event cancel finished");
    }
    Ok(cancelled)
}
