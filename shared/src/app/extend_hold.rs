//! Extend a hold by one TTL from now, never past three TTLs from its creation.

use uuid::Uuid;

use super::get_hold::live_hold;
use super::{App, AppError, AppResult};
use crate::domain::{Caller, Hold};

pub async fn extend_hold(app: &App, caller: &Caller, id: Uuid) -> AppResult<Hold> {
    let mut hold = live_hold(app, caller, id).await?;
    let event = app.event(hold.event_id).await?;
    let expires_at = hold.extended_expiry(event.hold_ttl_seconds, app.now());
    if !app.holds.extend(&hold, expires_at).await? {
        // It lapsed between the read and the extension.
        return Err(AppError::HoldExpired);
    }
    hold.expires_at = expires_at;
    Ok(hold)
}
