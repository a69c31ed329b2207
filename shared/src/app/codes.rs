//! Codes of an event (admins): make, list with their uses, delete; and the code a buyer's hold or
//! booking names, looked up and checked.

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::code::{normalise, Code, CodeSpec};
use crate::domain::{Caller, RuleError};
use crate::ports::Inserted;

/// Makes a code for the event: 201 with it, 409 if the event has (or had) one of that name.
pub async fn create_code(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    spec: CodeSpec,
) -> AppResult<Code> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may make codes"));
    }
    let event = app.event(event_id).await?;
    let code = spec.validate(&event, app.now())?;
    let made = app.codes.insert(&code, &caller.user_id).await?;
    app.forget_code(event_id, &code.code);
    match made {
        Inserted::Made => {}
        Inserted::NameTaken => return Err(AppError::CodeTaken),
        Inserted::SeatsReserved(seats) => return Err(AppError::SeatsUnavailable(seats)),
    }
    // MySQL has the reservation; the lock structure sets the seats aside in one step (and the
    // drift sweep puts it there again should this step not happen).
    if let Some(r) = code.reservation() {
        let seats = app.closing.reserve(event_id, &r, true, app.now()).await?;
        tracing::info!(event_id = %event_id, code = %code.code, seats = seats.len(), "seats reserved");
    }
    tracing::info!(event_id = %event_id, code = %code.code, kind = code.kind.as_str(), max_uses = code.max_uses, "code made");
    Ok(code)
}

/// A page of the event's codes in name order, and the name to continue after.
pub async fn list_codes(
    app: &App,
    caller: &Caller,
    event_id: Uuid,
    after: Option<&str>,
    limit: u32,
) -> AppResult<(Vec<Code>, Option<String>)> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may list codes"));
    }
    app.event(event_id).await?;
    let codes = app.codes.list(event_id, after, limit + 1).await?;
    Ok(super::page_of(codes, limit, |c| c.code.clone()))
}

/// Deletes a code: new holds cannot take it; those that did keep it; the seats it reserved are on
/// general sale again.
pub async fn delete_code(app: &App, caller: &Caller, event_id: Uuid, code: &str) -> AppResult<()> {
    if !caller.admin {
        return Err(AppError::Forbidden("only admins may delete codes"));
    }
    app.event(event_id).await?;
    let code = normalise(code).ok_or(AppError::NotFound(super::Resource::Code))?;
    let reserved = app.codes.get(event_id, &code).await?.map(|c| c.reserved).unwrap_or_default();
    let deleted = app.codes.delete(event_id, &code, app.now()).await?;
    app.forget_code(event_id, &code);
    if !deleted {
        return Err(AppError::NotFound(super::Resource::Code));
    }
    // Its reserved seats go back on general sale in one step.
    if !reserved.is_empty() {
        app.closing.unreserve(event_id, Some(&code), &reserved, app.now()).await?;
    }
    tracing::info!(event_id = %event_id, code = %code, "code deleted");
    Ok(())
}

/// The event's code a buyer named: 422 `CODE_INVALID` if it is no code of the event (or deleted).
/// Whether it is good for the buyer's seats and now is [`Code::admits`]'s to say.
pub async fn named_code(app: &App, event_id: Uuid, raw: &str) -> AppResult<Code> {
    let unknown = || RuleError::CodeInvalid("no such code for this event".into());
    let name = normalise(raw).ok_or_else(unknown)?;
    Ok(app.code(event_id, &name).await?.ok_or_else(unknown)?)
}
