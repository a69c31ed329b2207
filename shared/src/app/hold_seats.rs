//! Hold seats for a short time: explicit seats or best available, all or nothing.

use chrono::Duration;
use rand::Rng;
use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::{
    best_available, Caller, Hold, HoldAsk, RuleError, SaleStatus, SeatChoice, SeatId,
};
use crate::metrics::{self, Metric};
use crate::ports::HoldOutcome;

/// Attempts before giving up: best available may lose a race for the seats it picked, and a lock
/// structure lost by Redis needs one reload.
const ATTEMPTS: u32 = 10;
/// How old a picture of the taken seats best available may start from, and retry from.
const PICTURE_AGE: std::time::Duration = std::time::Duration::from_millis(250);
const RETRY_PICTURE_AGE: std::time::Duration = std::time::Duration::from_millis(50);

/// Holds seats for the caller. On a waiting-room event the caller shows their access pass
/// (`pass`, the `Queue-Token` header).
pub async fn hold_seats(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    ask: HoldAsk,
    pass: Option<&str>,
) -> AppResult<Hold> {
    hold_seats_with(app, caller, event_id, ask, pass, None).await
}

/// [`hold_seats`] with a code the buyer named (a discount, or a presale's access code): it must be
/// good now for the seats (422 `CODE_INVALID`), and the hold takes one of its uses in the same
/// step that takes the seats (409 `CODE_EXHAUSTED` when none is left).
pub async fn hold_seats_with(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    ask: HoldAsk,
    pass: Option<&str>,
    code: Option<&str>,
) -> AppResult<Hold> {
    let event = app.event(event_id).await?;
    let code = match code {
        Some(raw) => Some(super::codes::named_code(app, event_id, raw).await?),
        None => None,
    };
    // Nothing is held outside the sales window (but in a presale, with its access code), nor on
    // a queued sale without an admission.
    let now = app.now();
    let presale = code.as_ref().is_some_and(|c| c.opens_presale(now))
        && event.sale_status(now) == SaleStatus::Scheduled;
    if !presale {
        app.on_sale(&event)?;
    }
    // On a waiting-room event a presale buyer is admitted through the presale's line.
    let admission = super::queue::admit(app, caller, &event, pass, presale).await?;
    let mut choice = ask.choice(&event)?;
    // A quantity is checked against the code before seats are searched for (explicit seats are
    // checked with the rest of the code's rules below, as every choice's seats are).
    if let Some(c) = &code {
        match &mut choice {
            SeatChoice::Seats(_) => {}
            SeatChoice::Best { quantity, section } => {
                // A code for one section looks for seats there when the buyer named none.
                if section.is_none() {
                    *section = c.only_section().map(str::to_string);
                }
                c.admits(now, None, *quantity)?;
            }
            SeatChoice::Places { quantity, .. } => c.admits(now, None, *quantity)?,
        }
    }
    let hold_code = code.as_ref().map(|c| c.code.as_str());
    let mut last_conflict = Vec::new();
    // Best available chooses from a recent picture of the event (shared by the instance's
    // requests for a moment: 250 ms at first, 50 ms after a lost race) with the seats each lost
    // race named marked taken. The hold script stays the judge, so a stale picture costs a retry,
    // never a double hold.
    let mut conflicts: Vec<String> = Vec::new();
    for attempt in 0..ATTEMPTS {
        let seats: Vec<SeatId> = match &choice {
            SeatChoice::Seats(seats) => seats.clone(),
            // Standing room: any free places will do, so each buyer takes a random sample of
            // them and racing buyers rarely collide; the hold script stays the judge.
            SeatChoice::Places { quantity, section } => {
                let age = if attempt == 0 { PICTURE_AGE } else { RETRY_PICTURE_AGE };
                let mut picture = app.occupancy(&event, age, hold_code).await?;
                picture.mark(&event, conflicts.iter().map(String::as_str));
                let free = best_available::free_places(&event, section, &picture);
                if free.len() < *quantity as usize {
                    return Err(AppError::SeatsUnavailable(Vec::new()));
                }
                let mut rng = rand::thread_rng();
                let mut picked: Vec<SeatId> =
                    rand::seq::index::sample(&mut rng, free.len(), *quantity as usize)
                        .into_iter()
                        .map(|i| free[i].clone())
                        .collect();
                picked.sort();
                picked
            }
            SeatChoice::Best { quantity, section } => {
                // Sold out (or nearly) is answered from the counts, without reading the seats.
                if app.free_seats(&event).await? < *quantity {
                    return Err(AppError::SeatsUnavailable(Vec::new()));
                }
                let age = if attempt == 0 { PICTURE_AGE } else { RETRY_PICTURE_AGE };
                let mut picture = app.occupancy(&event, age, hold_code).await?;
                picture.mark(&event, conflicts.iter().map(String::as_str));
                let mut options =
                    best_available::candidates(&event, section.as_deref(), *quantity, &picture);
                if options.is_empty() && attempt == 0 {
                    // The counts say there is room: look at a newer picture before saying no.
                    picture = app.occupancy(&event, RETRY_PICTURE_AGE, hold_code).await?;
                    options =
                        best_available::candidates(&event, section.as_deref(), *quantity, &picture);
                }
                if options.is_empty() {
                    return Err(AppError::SeatsUnavailable(Vec::new()));
                }
                // Everyone racing for the best seats collides on them: after a lost race, pick at
                // random among a widening set of the best choices instead.
                let spread = (1usize << attempt.min(16)).min(options.len());
                options[rand::thread_rng().gen_range(0..spread)].seats(&event)
            }
        };
        let now = app.now();
        if let Some(c) = &code {
            c.admits(now, Some(&seats), seats.len() as u32)?;
        }
        let mut hold = Hold {
            id: Uuid::now_v7(),
            event_id,
            user_id: caller.user_id.clone(),
            seat_ids: seats.iter().map(ToString::to_string).collect(),
            expires_at: now + Duration::seconds(i64::from(event.hold_ttl_seconds)),
            created_at: now,
            code: code.as_ref().map(|c| c.code.clone()),
            discount: code.as_ref().map(|c| c.discount()).unwrap_or_default(),
            prices: Vec::new(),
        };
        let uses = code.as_ref().map_or(0, |c| c.max_uses);
        // The request's one write, counted by its first attempt's step (a retry is the same write).
        let writes = (attempt == 0).then(|| super::limits::write_limit(app));
        match app.holds.hold(&hold, &event, uses, writes, admission, now).await? {
            HoldOutcome::Held(prices) => {
                hold.prices = prices;
                metrics::count(Metric::HoldsCreated, 1);
                tracing::info!(hold_id = %hold.id, event_id = %event_id, seats = hold.seat_ids.len(), "seats held");
                return Ok(hold);
            }
            HoldOutcome::OverLimit { current } => {
                return Err(RuleError::SeatLimit {
                    max: event.max_seats_per_order,
                    requested: current + hold.seat_ids.len() as u32,
                }
                .into())
            }
            HoldOutcome::OverTickets { current } => {
                return Err(RuleError::UserLimit {
                    max: event.max_tickets_per_user.unwrap_or_default(),
                    requested: current + hold.seat_ids.len() as u32,
                }
                .into())
            }
            HoldOutcome::NotLoaded => app.load_locks(event_id).await?,
            HoldOutcome::Closed => return Err(AppError::NotOnSale(SaleStatus::Cancelled)),
            HoldOutcome::CodeExhausted => return Err(AppError::CodeExhausted),
            HoldOutcome::NotAdmitted => return Err(super::queue::REVOKED),
            HoldOutcome::Limited { retry_after_ms } => {
                return Err(super::limits::limited(retry_after_ms))
            }
            HoldOutcome::Unavailable(busy) => {
                metrics::count(Metric::HoldConflicts, 1);
                if matches!(choice, SeatChoice::Seats(_)) {
                    return Err(AppError::SeatsUnavailable(busy));
                }
                conflicts.extend(busy.iter().cloned());
                last_conflict = busy;
            }
        }
    }
    Err(AppError::SeatsUnavailable(last_conflict))
}
