//! Live seat status over WebSocket: connecting (with a token, since a browser cannot send headers
//! on a WebSocket), subscribing to events, and leaving.

use uuid::Uuid;

use super::{App, AppError, AppResult};
use crate::domain::RuleError;

/// `$connect`: the token must verify; `eventId`, when given, subscribes at once. Returns the user.
pub async fn connect(
    app: &App,
    connection: &str,
    token: Option<&str>,
    event: Option<&str>,
) -> AppResult<String> {
    let claims = app
        .token_keys
        .verify(token.ok_or(AppError::Unauthorized("a token query parameter is required"))?)
        .map_err(AppError::Unauthorized)?;
    let user = claims
        .get("sub")
        .filter(|s| !s.is_empty())
        .ok_or(AppError::Unauthorized("the token has no subject"))?
        .clone();
    let event = match event {
        Some(e) => Some(existing_event(app, e).await?),
        None => None,
    };
    app.connections.connect(connection, &user, app.now()).await?;
    if let Some(e) = event {
        app.connections.subscribe(connection, e, app.now()).await?;
    }
    tracing::info!(connection, user, "connected");
    Ok(user)
}

/// `subscribe`: the event must exist; subscribing twice is subscribing once.
pub async fn subscribe(app: &App, connection: &str, event: &str) -> AppResult<Uuid> {
    let event = existing_event(app, event).await?;
    app.connections.subscribe(connection, event, app.now()).await?;
    Ok(event)
}

pub async fn unsubscribe(app: &App, connection: &str, event: &str) -> AppResult<Uuid> {
    let event =
        Uuid::parse_str(event).map_err(|_| RuleError::invalid("eventId", "must be a UUID"))?;
    app.connections.unsubscribe(connection, event).await?;
    Ok(event)
}

pub async fn disconnect(app: &App, connection: &str) -> AppResult<()> {
    app.connections.disconnect(connection).await?;
    Ok(())
}

async fn existing_event(app: &App, event: &str) -> AppResult<Uuid> {
    let id = Uuid::parse_str(event).map_err(|_| RuleError::invalid("eventId", "must be a UUID"))?;
    app.event(id).await?;
    Ok(id)
}
