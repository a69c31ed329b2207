//! The waiting room: join, my entry, stats, the access pass holds and bookings show, and the
//! schedule's admission step.
//!
//! Fairness: everyone who joined before `onSaleAt` gets a place by a keyed pseudo-random
//! permutation whose 128-bit seed is drawn by the first queue step at or after `onSaleAt` (no seed,
//! so no order, exists before); later joiners line up behind in arrival order. Admission moves one
//! counter (`servedUpTo`) in position order, as far as the seats neither held nor booked allow
//! minus the admitted buyers still shopping, and the `admitPerMinute` cap. All of it in `queue.lua`.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::seat_map::Encoded;
use super::{App, AppError, AppResult, Resource};
use crate::domain::code::CodeKind;
use crate::domain::queue::{
    AccessClaims, Admission, Line, QueueEntry, QueuePlace, QueueProgress, QueueStats, QueueStatus,
};
use crate::domain::{Caller, Event, RuleError, SaleStatus};
use crate::metrics::{self, Metric};
use crate::ports::{QueueAnswer, RequestLimit};

/// The window joins and polls are counted in (`RATE_LIMIT_QUEUE_REQUESTS` a window).
const WINDOW_MS: u64 = 10_000;
/// How long one read of a line's progress is served, by an instance and by the edge
/// (`Cache-Control: public, max-age=1`).
pub const PROGRESS_FRESH_FOR: Duration = Duration::from_secs(1);
/// How long after its sales end the schedule keeps looking at a queue.
const KEEP_AFTER_END: chrono::Duration = chrono::Duration::hours(1);

fn limit(app: &App) -> RequestLimit {
    RequestLimit { requests: app.config.rate_limit_queue, window_ms: WINDOW_MS }
}

/// The event, which must have a waiting room (404 otherwise: there is no queue to join).
async fn queued_event(app: &App, id: Uuid) -> AppResult<Arc<Event>> {
    let event = app.event(id).await?;
    if event.waiting_room.is_none() {
        return Err(AppError::NotFound(Resource::Queue));
    }
    Ok(event)
}

/// The entry a queue answer describes, with a fresh access pass while admitted.
fn entry(app: &App, line: Line<'_>, user: &str, answer: QueueAnswer) -> AppResult<QueueEntry> {
    let place = match answer {
        QueueAnswer::Place(place) => place,
        QueueAnswer::NotJoined => return Err(AppError::NotFound(Resource::QueueEntry)),
        QueueAnswer::Limited { retry_after_ms } => {
            return Err(super::limits::limited(retry_after_ms))
        }
        QueueAnswer::Closed if line.is_presale() => {
            return Err(AppError::NotOnSale(SaleStatus::OnSale))
        }
        QueueAnswer::Closed => return Err(AppError::NotOnSale(SaleStatus::Ended)),
    };
    describe(app, line, user, &place, app.now())
}

fn describe(
    app: &App,
    line: Line<'_>,
    user: &str,
    place: &QueuePlace,
    now: DateTime<Utc>,
) -> AppResult<QueueEntry> {
    let event = line.event;
    let room = event.waiting_room.ok_or(AppError::NotFound(Resource::Queue))?;
    let (status, until) = place.status(&room, now);
    let access_token = match (status, until) {
        (QueueStatus::Admitted, Some(until)) => Some(
            app.access_key
                .sign(&AccessClaims {
                    sub: user.to_string(),
                    evt: event.id,
                    // Whole seconds, rounded up; the queue's own check is exact to the ms.
                    exp: (until.timestamp_millis() + 999).div_euclid(1000),
                    aud: crate::domain::queue::ACCESS_AUDIENCE.to_string(),
                    adm: place.admitted_at.map(|at| at.timestamp_millis()),
                })
                .map_err(|e| crate::ports::BackendError::permanent("signing an access pass", e))?,
        ),
        _ => None,
    };
    Ok(QueueEntry {
        event_id: event.id,
        user_id: user.to_string(),
        status,
        position: place.position,
        joined_at: place.joined_at,
        admitted_at: place.admitted_at.filter(|_| until.is_some()),
        access_token,
        access_expires_at: until,
        ahead: place.ahead(),
        presale: line.is_presale(),
    })
}

/// The line a request names (`line=presale`: the presale's, 404 if the event has no presale, that
/// is no access code).
async fn line_of<'a>(app: &App, event: &'a Event, presale: bool) -> AppResult<Line<'a>> {
    if !presale {
        return Ok(Line::general(event));
    }
    let opens = app.presale_opens(event.id).await?;
    Ok(Line::presale(event, opens.ok_or(AppError::NotFound(Resource::Queue))?))
}

/// `POST .../queue`: the caller's entry, and whether this call created it. With an access code
/// that is good now or later, before the sale opens: an entry in the presale's line.
pub async fn join(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    code: Option<&str>,
) -> AppResult<(QueueEntry, bool)> {
    let event = queued_event(app, event_id).await?;
    let now = app.now();
    if matches!(event.sale_status(now), SaleStatus::Ended | SaleStatus::Cancelled) {
        return Err(AppError::NotOnSale(event.sale_status(now)));
    }
    // Once the sale is open a code is no longer needed to be admitted: the general line.
    let presale = match code {
        Some(raw) if event.sale_status(now) == SaleStatus::Scheduled => {
            let code = super::codes::named_code(app, event_id, raw).await?;
            if code.kind != CodeKind::Access || code.valid_until.is_some_and(|u| u <= now) {
                return Err(RuleError::CodeInvalid(
                    "this code opens no presale of this event (any more)".into(),
                )
                .into());
            }
            true
        }
        _ => false,
    };
    let line = line_of(app, &event, presale).await?;
    let answer = app.queue.join(line, &caller.user_id, now, limit(app)).await?;
    let created = matches!(answer, QueueAnswer::Place(p) if p.created);
    if created {
        metrics::count(Metric::QueueJoins, 1);
    }
    Ok((entry(app, line, &caller.user_id, answer)?, created))
}

/// `GET .../queue[?line=presale]`: the caller's entry in the line (404 if they never joined).
pub async fn my_entry(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    presale: bool,
) -> AppResult<QueueEntry> {
    let event = queued_event(app, event_id).await?;
    let line = line_of(app, &event, presale).await?;
    let answer = app.queue.poll(line, &caller.user_id, app.now(), limit(app)).await?;
    entry(app, line, &caller.user_id, answer)
}

/// `GET .../queue/stats` (admins).
pub async fn stats(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    presale: bool,
) -> AppResult<QueueStats> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may read queue statistics"));
    }
    let event = queued_event(app, event_id).await?;
    let line = line_of(app, &event, presale).await?;
    let t = app.queue.totals(line, app.now()).await?;
    Ok(QueueStats::new(t.joined, t.served_up_to, t.sold_out, t.admitted))
}

/// `GET .../queue/progress[?line=presale]` (anyone, no token): how far the line has been served.
/// Read, with an admission step, at most once a second per instance and line: the waiting crowd's
/// polls cost the queue nothing more, and the edge keeps the answer as long.
pub async fn progress(app: &App, event_id: Uuid, presale: bool) -> AppResult<Arc<Encoded>> {
    let event = queued_event(app, event_id).await?;
    let key = if presale { Uuid::new_v5(&event_id, b"presale") } else { event_id };
    app.progress_kept
        .get_or_load(key, PROGRESS_FRESH_FOR, || async {
            let line = line_of(app, &event, presale).await?;
            let now = app.now();
            let t = app.queue.progress(line, now).await?;
            Encoded::new(
                &QueueProgress {
                    event_id,
                    opened: t.opened,
                    served_up_to: t.served_up_to,
                    sold_out: t.sold_out,
                    at: now,
                    presale,
                },
                false,
            )
        })
        .await
}

/// `DELETE .../queue/{userId}` (admins): removes an admitted user; their pass stops working at
/// once and their place no longer counts against the seats.
pub async fn remove(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    user: &str,
    presale: bool,
) -> AppResult<QueueEntry> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may remove queue entries"));
    }
    let event = queued_event(app, event_id).await?;
    let line = line_of(app, &event, presale).await?;
    let answer = app.queue.revoke(line, user, app.now()).await?;
    tracing::info!(event_id = %event_id, user, presale, "queue entry removed");
    entry(app, line, user, answer)
}

/// A hold refused because the buyer's admission no longer stands.
pub const REVOKED: AppError =
    AppError::QueueTokenRequired("the admission has expired or was revoked");

/// What a hold on the event needs from the waiting room: nothing (no waiting room), or the
/// caller's valid access pass (`Queue-Token`): 403 `QUEUE_TOKEN_REQUIRED` otherwise. The pass's
/// signature and expiry are checked here, without a store; it carries when its admission began, and
/// the hold's own step refuses a revoked one and marks the buyer as shopping
/// ([`crate::ports::SeatHolds::hold`]). A pass made before passes carried that is checked against
/// the queue first (one more round trip).
pub async fn admit(
    app: &App,
    caller: &Caller,
    event: &Event,
    pass: Option<&str>,
    presale: bool,
) -> AppResult<Option<Admission>> {
    let Some(room) = event.waiting_room else { return Ok(None) };
    let now = app.now();
    let pass = pass.ok_or(AppError::QueueTokenRequired("a Queue-Token header is required"))?;
    let claims = app.access_key.verify(pass, &caller.user_id, event.id, now).ok_or(
        AppError::QueueTokenRequired("the Queue-Token is not a valid pass of this user and event"),
    )?;
    if let Some(admitted_at_ms) = claims.adm {
        return Ok(Some(Admission { presale, admitted_at_ms }));
    }
    let line = line_of(app, event, presale).await?;
    match app.queue.check(line, &caller.user_id, now).await? {
        QueueAnswer::Place(place) if place.status(&room, now).0 == QueueStatus::Admitted => {
            let admitted_at = place.admitted_at.ok_or(REVOKED)?;
            Ok(Some(Admission { presale, admitted_at_ms: admitted_at.timestamp_millis() }))
        }
        _ => Err(REVOKED),
    }
}

/// Sends `queue.changed` to every subscriber of the event who has an entry in its queue, with
/// their own status and position. A connection that is gone is forgotten; a failed push is
/// skipped (the page polls too).
async fn tell_subscribers(app: &App, line: Line<'_>, served_up_to: u64) -> AppResult<()> {
    let event = line.event;
    let now = app.now();
    let mut sent = 0;
    for connection in app.connections.subscribers(event.id).await? {
        let Some(user) = app.connections.user(&connection).await? else { continue };
        let QueueAnswer::Place(place) = app.queue.check(line, &user, now).await? else { continue };
        let entry = describe(app, line, &user, &place, now)?;
        let mut body = serde_json::json!({ "type": "queue.changed", "eventId": event.id,
            "status": entry.status, "position": entry.position, "servedUpTo": served_up_to });
        if line.is_presale() {
            body["presale"] = serde_json::json!(true);
        }
        let body = body.to_string();
        if super::broadcast::push(app, &connection, &body).await {
            sent += 1;
        }
    }
    tracing::info!(event_id = %event.id, served_up_to, sent, presale = line.is_presale(), "queue changes pushed");
    Ok(())
}

/// The schedule's step: advances the admission of every event with a queue; returns the number
/// admitted since the last step.
pub async fn advance_all(app: &App) -> AppResult<u64> {
    let now = app.now();
    let mut admitted = 0;
    for id in app.queue.queued_events().await? {
        let event = match app.event(id).await {
            Ok(e) => e,
            Err(AppError::NotFound(_)) => {
                app.queue.unregister(id).await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        // A cancelled event admits nobody any more (its holds are refused anyway), and an ended
        // one stops being advanced a while after its end.
        if event.cancelled_at.is_some() || now > event.sales_end_at + KEEP_AFTER_END {
            app.queue.unregister(id).await?;
            continue;
        }
        // The presale's line is advanced until the general sale opens (then joining it closes,
        // and its buyers need the code's presale, which ends with it).
        let presale = match app.presale_opens(id).await? {
            Some(opens) if now < event.on_sale_at => Some(Line::presale(&event, opens)),
            _ => None,
        };
        for line in presale.into_iter().chain([Line::general(&event)]) {
            admitted += advance(app, line, now).await?;
        }
    }
    Ok(admitted)
}

/// One admission step of one line; returns the number admitted since the last step.
async fn advance(app: &App, line: Line<'_>, now: DateTime<Utc>) -> AppResult<u64> {
    let step = app.queue.advance(line, now).await?;
    if step.changed {
        tell_subscribers(app, line, step.served_up_to).await?;
    }
    metrics::count(Metric::QueueAdmitted, step.admitted);
    metrics::count(Metric::QueueAccessLapsed, step.lapsed);
    if !line.is_presale() {
        metrics::gauge(
            metrics::Gauge::QueueDepth,
            &line.event.id.to_string(),
            step.joined.saturating_sub(step.served_up_to),
        );
    }
    Ok(step.admitted)
}
