//! The waitlist: buyers line up for seats of a sold-out event; seats that come free (a release, an
//! expiry, a cancel, a partial cancel, a refund) are offered to the oldest WAITING entries they fit,
//! as a hold in that user's name (HELD to everyone else) that lives the event's hold TTL. Booking
//! it accepts the offer (in the booking's transaction); an offer not taken lapses and the seats go
//! to the next entry, or back on sale when nobody waits.
//!
//! Offers are made right after each step that frees seats on this instance, and by every sweep
//! (for what freed seats elsewhere: lapsed holds, provider refunds). Two offer runs at once are
//! safe: the offer is one conditional write on a WAITING entry, and the loser gives its hold back.

use std::time::Duration;

use serde_json::json;
use uuid::Uuid;

use super::{App, AppError, AppResult, Resource};
use crate::domain::best_available::{self, Occupancy};
use crate::domain::message::{Message, WaitlistOffered};
use crate::domain::queue::QueueStatus;
use crate::domain::waitlist::{Offer, WaitlistEntry, WaitlistStatus};
use crate::domain::{Caller, Envelope, Event, Hold, HoldAsk, RuleError, SaleStatus, SeatChoice};
use crate::ports::HoldOutcome;

/// Entries looked at per event and run, at most.
const LINE: u32 = 50;
/// Events with waiting entries looked at per sweep, at most.
const EVENTS: u32 = 100;
/// Lapsed offers handled per sweep, at most.
const LAPSES: u32 = 200;
/// How old a picture of the taken seats an offer run may start from: none, since it runs right
/// after seats came free.
const PICTURE_AGE: Duration = Duration::ZERO;

/// `POST /events/{id}/waitlist`: the entry, and whether it is new.
pub async fn join(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    quantity: u32,
    section: Option<String>,
) -> AppResult<(WaitlistEntry, bool)> {
    let event = app.event(event_id).await?;
    if let s @ (SaleStatus::Ended | SaleStatus::Cancelled) = event.sale_status(app.now()) {
        return Err(AppError::NotOnSale(s));
    }
    if quantity == 0 {
        return Err(RuleError::invalid("quantity", "must be at least 1").into());
    }
    if quantity > event.max_seats_per_order {
        return Err(
            RuleError::SeatLimit { max: event.max_seats_per_order, requested: quantity }.into()
        );
    }
    if let Some(max) = event.max_tickets_per_user.filter(|max| quantity > *max) {
        return Err(RuleError::UserLimit { max, requested: quantity }.into());
    }
    if let Some(name) = &section {
        if event.section(name).is_none() {
            return Err(RuleError::invalid(
                "section",
                format!("no section {name:?} in this event"),
            )
            .into());
        }
    }
    // On a queued sale the waiting room decides who tries first: only those it found nothing for
    // (SOLD_OUT) may wait here, so the waitlist is no way round the queue.
    if event.waiting_room.is_some() {
        // No queue entry at all is the same refusal as an entry not found sold out (403).
        let sold_out = match super::queue::my_entry(app, caller, event_id, false).await {
            Ok(entry) => entry.status == QueueStatus::SoldOut,
            Err(AppError::NotFound(_)) => false,
            Err(e) => return Err(e),
        };
        if !sold_out {
            return Err(AppError::Forbidden(
                "on a queued sale, only buyers the waiting room found sold out may join the waitlist",
            ));
        }
    }
    let now = app.now();
    let wanted = WaitlistEntry {
        event_id,
        user_id: caller.user_id.clone(),
        quantity,
        section,
        status: WaitlistStatus::Waiting,
        offer: None,
        created_at: now,
        contact: caller.contact.clone(),
    };
    // The marker first: no entry is ever in line unmarked (`after_free`).
    app.sweep.mark_line(event_id).await?;
    let (entry, created) = app.waitlist.join(&wanted).await?;
    if created {
        tracing::info!(event_id = %event_id, user = %caller.user_id, quantity, "joined the waitlist");
        // Seats may be free right now (the event is not sold out after all).
        offer_free(app, event_id).await?;
        let entry = app.waitlist.get(event_id, &caller.user_id).await?.unwrap_or(entry);
        return Ok((entry, true));
    }
    Ok((entry, false))
}

/// `GET /events/{id}/waitlist`: the caller's entry.
pub async fn my_entry(app: &App, caller: &Caller, event_id: Uuid) -> AppResult<WaitlistEntry> {
    app.event(event_id).await?;
    app.waitlist
        .get(event_id, &caller.user_id)
        .await?
        .ok_or(AppError::NotFound(Resource::WaitlistEntry))
}

/// `DELETE /events/{id}/waitlist`: out of line; an offer held is given back (to the next).
pub async fn leave(app: &App, caller: &Caller, event_id: Uuid) -> AppResult<()> {
    app.event(event_id).await?;
    let entry = app
        .waitlist
        .leave(event_id, &caller.user_id, app.now())
        .await?
        .ok_or(AppError::NotFound(Resource::WaitlistEntry))?;
    if let Some(offer) = entry.offer {
        if let Some(hold) = app.holds.find(offer.hold_id).await? {
            app.holds.release(&hold, None, app.now()).await?;
        }
        offer_free(app, event_id).await?;
    }
    tracing::info!(event_id = %event_id, user = %caller.user_id, "left the waitlist");
    Ok(())
}

/// Seats for the entry from the picture: its quantity in its section (or the best seats).
fn seats_for(event: &Event, entry: &WaitlistEntry, picture: &Occupancy) -> Option<Vec<String>> {
    let ask = HoldAsk::Best { quantity: entry.quantity, section: entry.section.clone() };
    let seats = match ask.choice(event).ok()? {
        SeatChoice::Places { quantity, section } => {
            let free = best_available::free_places(event, &section, picture);
            (free.len() >= quantity as usize).then(|| free[..quantity as usize].to_vec())?
        }
        SeatChoice::Best { quantity, section } => {
            best_available::candidates(event, section.as_deref(), quantity, picture)
                .first()?
                .seats(event)
        }
        SeatChoice::Seats(seats) => seats,
    };
    Some(seats.iter().map(ToString::to_string).collect())
}

/// Offers the event's free seats to its oldest WAITING entries they fit; returns the offers made.
pub async fn offer_free(app: &App, event_id: Uuid) -> AppResult<usize> {
    let event = app.event(event_id).await?;
    // Nothing is offered outside the sale: a line formed before `onSaleAt` waits for it (the sweep
    // offers once the sale opens), and one after the sale ends or the event's cancel gets nothing.
    if event.sale_status(app.now()) != SaleStatus::OnSale {
        return Ok(0);
    }
    let line = app.waitlist.waiting(event_id, LINE).await?;
    if line.is_empty() {
        return Ok(0);
    }
    let mut picture = app.occupancy(&event, PICTURE_AGE, None).await?;
    let mut offered = 0;
    for entry in line {
        // An entry the free seats do not fit waits on; a smaller one behind it may fit.
        let Some(seats) = seats_for(&event, &entry, &picture) else { continue };
        let now = app.now();
        let hold = Hold {
            id: Uuid::now_v7(),
            event_id,
            user_id: entry.user_id.clone(),
            seat_ids: seats,
            expires_at: now + chrono::Duration::seconds(i64::from(event.hold_ttl_seconds)),
            created_at: now,
            code: None,
            discount: Default::default(),
            prices: Vec::new(),
        };
        match app.holds.hold(&hold, &event, 0, None, None, now).await? {
            HoldOutcome::Held(_) => {}
            HoldOutcome::Closed => return Ok(offered),
            HoldOutcome::NotLoaded => {
                app.load_locks(event_id).await?;
                continue;
            }
            // Taken meanwhile (the picture is a moment old), or the user holds enough already:
            // the next run tries again. (An offer is the system's write, never counted.)
            HoldOutcome::Unavailable(_)
            | HoldOutcome::OverLimit { .. }
            | HoldOutcome::OverTickets { .. }
            | HoldOutcome::CodeExhausted
            | HoldOutcome::Limited { .. }
            | HoldOutcome::NotAdmitted => continue,
        }
        picture.mark(&event, hold.seat_ids.iter().map(String::as_str));
        let offer = Offer {
            hold_id: hold.id,
            seat_ids: hold.seat_ids.clone(),
            expires_at: hold.expires_at,
        };
        let offered_to = WaitlistOffered {
            event_id,
            user_id: entry.user_id.clone(),
            hold_id: hold.id,
            seat_ids: hold.seat_ids.clone(),
            expires_at: hold.expires_at,
            quantity: entry.quantity,
        };
        let notice = Envelope::new(event_id, now, Message::WaitlistOffered(offered_to));
        if app.waitlist.offer(event_id, &entry.user_id, &offer, &notice, now).await? {
            offered += 1;
            tracing::info!(event_id = %event_id, user = %entry.user_id, hold_id = %hold.id, "seats offered from the waitlist");
            tell(app, &event, &entry.user_id, &offer).await;
        } else {
            // The entry left (or was offered by a racing run) meanwhile.
            app.holds.release(&(&hold).into(), None, now).await?;
        }
    }
    Ok(offered)
}

/// [`offer_free`] right after a step that freed seats of the event: what fails is logged (the
/// step itself succeeded) and left to the sweep.
pub async fn after_free(app: &App, event_id: Uuid) {
    // Most events never have a line: one Redis lookup instead of a MySQL query per release.
    match app.sweep.has_line(event_id).await {
        Ok(false) => return,
        Ok(true) => {}
        Err(e) => tracing::warn!(event_id = %event_id, error = %e, "looking for a waitlist line"),
    }
    offer_freed(app, event_id).await;
}

/// [`after_free`] where the step that freed the seats found the event's line already (a release).
pub async fn offer_freed(app: &App, event_id: Uuid) {
    if let Err(e) = offer_free(app, event_id).await {
        tracing::warn!(event_id = %event_id, error = %e, "offering freed seats failed; the sweep offers them");
    }
}

/// Pushes `waitlist.offered` to the user's live connections on the event (best effort: the email
/// or SMS goes out through the outbox whatever happens here).
async fn tell(app: &App, event: &Event, user: &str, offer: &Offer) {
    let body = json!({ "type": "waitlist.offered", "eventId": event.id, "holdId": offer.hold_id,
        "seatIds": offer.seat_ids, "expiresAt": offer.expires_at })
    .to_string();
    let Ok(connections) = app.connections.subscribers(event.id).await else { return };
    for c in connections {
        if app.connections.user(&c).await.ok().flatten().as_deref() == Some(user) {
            super::broadcast::push(app, &c, &body).await;
        }
    }
}

/// The sweep's step: lapses offers not taken (their holds expired), then offers what is free on
/// every event with a line. Returns the offers made.
pub async fn sweep(app: &App) -> AppResult<usize> {
    let now = app.now();
    for entry in app.waitlist.lapsed(now, LAPSES).await? {
        let Some(offer) = &entry.offer else { continue };
        // A hold its user extended lives on: so does the offer.
        if let crate::ports::HoldLookup::Live(h) = app.holds.get(offer.hold_id).await? {
            if h.expires_at > now {
                continue;
            }
        }
        if app.waitlist.expire(entry.event_id, &entry.user_id, offer.hold_id, now).await? {
            tracing::info!(event_id = %entry.event_id, user = %entry.user_id, "waitlist offer lapsed");
        }
    }
    let mut offered = 0;
    for event in app.waitlist.events_waiting(EVENTS).await? {
        offered += offer_free(app, event).await?;
    }
    Ok(offered)
}
