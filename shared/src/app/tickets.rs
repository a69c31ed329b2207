//! Tickets: read by their holder (or an admin), rendered as QR codes, transferred, and scanned at
//! the door by staff. Tickets are issued and revoked by the booking transactions themselves.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::{App, AppError, AppResult, Resource};
use crate::domain::ticket::{
    Refusal, Scan, ScanAnswer, Scanned, StoredTicket, Ticket, TicketStatus,
};
use crate::domain::Caller;
use crate::ports::{Given, TicketChanges, Transferred};

impl App {
    /// The ticket's code (for its holder only).
    pub fn ticket_code(&self, t: &StoredTicket) -> String {
        self.ticket_keys.code(t.id, t.event_id, &t.seat_id)
    }

    /// The ticket with its code.
    pub fn ticket(&self, t: StoredTicket) -> Ticket {
        let code = self.ticket_code(&t);
        t.with_code(code)
    }
}

/// `GET /bookings/{id}/tickets`: the booking's owner or an admin. A ticket the owner gave away
/// is listed `TRANSFERRED` without its code (only its holder sees that), and the ticket a
/// transfer replaced is not listed beside it.
pub async fn booking_tickets(app: &App, caller: &Caller, booking: Uuid) -> AppResult<Vec<Ticket>> {
    let b = app.bookings.get(booking).await?.ok_or(AppError::NotFound(Resource::Booking))?;
    if !caller.may_see(&b.user_id) {
        return Err(AppError::NotFound(Resource::Booking));
    }
    let all = app.tickets.for_booking(booking).await?;
    if caller.admin {
        return Ok(all.into_iter().map(|t| app.ticket(t)).collect());
    }
    let live_seats: Vec<String> = all
        .iter()
        .filter(|t| t.status != TicketStatus::Revoked)
        .map(|t| t.seat_id.clone())
        .collect();
    Ok(all
        .into_iter()
        .filter(|t| t.status != TicketStatus::Revoked || !live_seats.contains(&t.seat_id))
        .map(|t| if t.holder_user_id == caller.user_id { app.ticket(t) } else { t.as_given() })
        .collect())
}

/// `GET /users/{userId}/tickets?eventId=`: that user or an admin (403 otherwise), a page at a time.
pub async fn user_tickets(
    app: &App,
    caller: &Caller,
    user: &str,
    event: Option<Uuid>,
    after: Option<Uuid>,
    limit: u32,
) -> AppResult<(Vec<Ticket>, Option<Uuid>)> {
    if !caller.may_see(user) {
        return Err(AppError::Forbidden(
            "only the user themselves or an admin may list their tickets",
        ));
    }
    let found = app.tickets.for_holder(user, event, after, limit + 1).await?;
    let (page, next) = super::page_of(found, limit, |t| t.id);
    Ok((page.into_iter().map(|t| app.ticket(t)).collect(), next))
}

/// One ticket for its holder or an admin (anyone else: 404).
pub async fn holders_ticket(app: &App, caller: &Caller, id: Uuid) -> AppResult<Ticket> {
    let t = app.tickets.get(id).await?.ok_or(AppError::NotFound(Resource::Ticket))?;
    if !caller.may_see(&t.holder_user_id) {
        return Err(AppError::NotFound(Resource::Ticket));
    }
    Ok(app.ticket(t))
}

/// `POST /tickets/{id}/transfer`: the holder gives a VALID ticket to `to`; the old code is revoked.
/// The receiver's count toward `maxTicketsPerUser` moves first, with the seat locks (one atomic
/// step, so racing gifts cannot pass it); it is given back if the ticket store refuses.
pub async fn transfer(app: &App, caller: &Caller, id: Uuid, to: &str) -> AppResult<Ticket> {
    let Some(ticket) = app.tickets.get(id).await?.filter(|t| t.holder_user_id == caller.user_id)
    else {
        return Err(AppError::NotFound(Resource::Ticket));
    };
    let event = app.event(ticket.event_id).await?;
    let now = app.now();
    let mut loaded = false;
    let previous = loop {
        match app
            .holds
            .give(event.id, &ticket.seat_id, Some(to), event.max_tickets_per_user, now)
            .await?
        {
            Given::Done { previous } => break previous,
            Given::OverLimit { .. } => {
                return Err(AppError::ReceiverLimit {
                    max: event.max_tickets_per_user.unwrap_or_default(),
                })
            }
            Given::NotLoaded if !loaded => {
                app.load_locks(event.id).await?;
                loaded = true;
            }
            Given::NotLoaded => {
                return Err(AppError::Backend(crate::ports::BackendError::transient(
                    "giving a seat",
                    anyhow::anyhow!("the seat locks of event {} are not loaded", event.id),
                )))
            }
        }
    };
    let done = app.tickets.transfer(id, &caller.user_id, to, Uuid::now_v7(), now).await;
    if !matches!(done, Ok(Transferred::Done(_))) {
        app.holds.give(event.id, &ticket.seat_id, previous.as_deref(), None, now).await?;
    }
    match done? {
        Transferred::Done(t) => {
            tracing::info!(ticket_id = %id, new_ticket_id = %t.id, from = caller.user_id, to, "ticket transferred");
            Ok(app.ticket(t))
        }
        Transferred::NotFound => Err(AppError::NotFound(Resource::Ticket)),
        Transferred::CheckedIn => Err(AppError::TicketState(TicketStatus::CheckedIn)),
        Transferred::Revoked => Err(AppError::TicketState(TicketStatus::Revoked)),
    }
}

/// `GET /events/{id}/checkin-list?since=` (staff): what an offline scanner needs to know.
pub async fn changes(
    app: &App,
    caller: &Caller,
    event: Uuid,
    since: DateTime<Utc>,
) -> AppResult<(TicketChanges, DateTime<Utc>)> {
    if !caller.door_staff() {
        return Err(AppError::Forbidden("only door staff may read the check-in list"));
    }
    app.event(event).await?;
    // Read "now" before the changes: a change made while reading is in the next list too.
    let at = app.now();
    Ok((app.tickets.changes(event, since).await?, at))
}

/// `POST /checkins` (staff): checks the code's signature first, then moves the ticket with one
/// conditional write. The answer is stored with the scan, so that a retry with the same nonce gets
/// the same answer; a nonce is one ticket's.
pub async fn check_in(app: &App, caller: &Caller, scan: Scan) -> AppResult<ScanAnswer> {
    if !caller.door_staff() {
        return Err(AppError::Forbidden("only door staff may scan tickets"));
    }
    app.event(scan.event_id).await?;
    let now = app.now();
    let parts = match app.ticket_keys.verify(&scan.code) {
        Some(parts) if parts.event_id == scan.event_id => parts,
        other => {
            let refusal = if other.is_none() { Refusal::Invalid } else { Refusal::WrongEvent };
            app.tickets.record_refusal(&scan, &caller.user_id, &refusal, now).await?;
            return Err(AppError::Scan(refusal));
        }
    };
    match app.tickets.scan(parts.ticket_id, &scan, &caller.user_id, now).await? {
        Scanned::Answer(answer) => {
            tracing::info!(ticket_id = %parts.ticket_id, gate = scan.gate, staff = caller.user_id, result = answer.result.name(), "scan");
            Ok(answer)
        }
        Scanned::NonceReused => Err(AppError::Scan(Refusal::NonceReused)),
    }
}
