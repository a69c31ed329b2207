//! The presale's registration draw: a user registers once; an admin draws winners among the
//! registrants not yet drawn, each getting a single-use access code and a notice through the
//! outbox, in one step.

use uuid::Uuid;

use super::{App, AppError, AppResult, Resource};
use crate::domain::message::{Message, PresaleCodeIssued};
use crate::domain::presale::{DrawSpec, Registration, MAX_REGISTRANTS};
use crate::domain::{Caller, Envelope, SaleStatus};
use crate::ports::BackendError;

/// `POST .../presale/registrations`: the caller's registration (`true` if this call made it).
/// Registering closes when the sale ends or the event is cancelled.
pub async fn register(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
) -> AppResult<(Registration, bool)> {
    let event = app.event(event_id).await?;
    if let s @ (SaleStatus::Ended | SaleStatus::Cancelled) = event.sale_status(app.now()) {
        return Err(AppError::NotOnSale(s));
    }
    Ok(app.presale.register(event_id, &caller.user_id, &caller.contact, app.now()).await?)
}

/// `GET .../presale/registrations/me`: the caller's status and, if drawn, their code.
pub async fn mine(app: &App, caller: &Caller, event_id: Uuid) -> AppResult<Registration> {
    app.event(event_id).await?;
    match app.presale.registration(event_id, &caller.user_id).await? {
        Some((reg, _)) => Ok(reg),
        None => Err(AppError::NotFound(Resource::Registration)),
    }
}

/// `POST .../presale/draw` (admins): draws `spec.count` winners (fewer if fewer are left);
/// returns how many were drawn among how many entrants.
pub async fn draw(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    spec: DrawSpec,
) -> AppResult<(usize, usize)> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may draw a presale"));
    }
    let event = app.event(event_id).await?;
    let entrants = app.presale.entrants(event_id, MAX_REGISTRANTS).await?;
    let entered = entrants.len();
    let now = app.now();
    let draw = spec.draw(&event, entrants, now)?;
    let messages: Vec<Envelope> = draw
        .winners
        .iter()
        .map(|(user, _)| {
            let issued = PresaleCodeIssued { event_id, user_id: user.clone(), draw_id: draw.id };
            Envelope::new(event_id, now, Message::PresaleCodeIssued(issued))
        })
        .collect();
    if !app.presale.record_draw(event_id, &draw, &caller.user_id, now, &messages).await? {
        return Err(BackendError::contended(
            "drawing a presale",
            anyhow::anyhow!("another draw picked some of the same registrants first"),
        )
        .into());
    }
    tracing::info!(event_id = %event_id, draw_id = %draw.id, seed = %draw.seed, winners = draw.winners.len(), entered, "presale drawn");
    Ok((draw.winners.len(), entered))
}
