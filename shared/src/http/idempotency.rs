//! `Idempotency-Key`: a retry with the same key and request gets the first answer; the work is done
//! once. Keys are scoped to the calling user and kept 24 h (DynamoDB).

use std::future::Future;

use lambda_http::{Body, Request, Response};
use sha2::{Digest, Sha256};

use super::{header, respond, HandlerResult, Problem};
use crate::app::{App, AppError};
use crate::ports::{KeyClaim, StoredResponse};

/// Runs `work` unless this user already sent this `Idempotency-Key`. 5xx answers are not kept, so
/// a retry after a backend fault does the work again.
pub async fn once<Fut>(app: &App, req: &Request, user: &str, work: Fut) -> HandlerResult
where
    Fut: Future<Output = HandlerResult>,
{
    let Some(key) = header(req, "idempotency-key") else {
        return work.await;
    };
    if key.is_empty()
        || key.len() > 255
        || !key.bytes().all(|b| (0x21..=0x7e).contains(&b) || b == b' ')
    {
        return Err(Problem::bad_request(
            "INVALID_IDEMPOTENCY_KEY",
            "Idempotency-Key must be 1-255 printable ASCII characters",
        ));
    }
    let mut hash = Sha256::new();
    hash.update(req.method().as_str().as_bytes());
    hash.update(b" ");
    hash.update(req.uri().path().as_bytes());
    hash.update(b"\n");
    hash.update(req.body().as_ref());
    let fingerprint: String = hash.finalize().iter().map(|b| format!("{b:02x}")).collect();
    match app.idempotency.claim(user, key, &fingerprint, app.now()).await.map_err(AppError::from)? {
        KeyClaim::Claimed => {}
        KeyClaim::Replay(stored) => return replay(stored),
        KeyClaim::Mismatch => {
            return Err(Problem::new(
                422,
                "IDEMPOTENCY_KEY_REUSED",
                "Idempotency key reused",
                "this key was used with a different request",
            ))
        }
        KeyClaim::InProgress => {
            return Err(Problem::new(
                409,
                "IDEMPOTENCY_IN_PROGRESS",
                "Request in progress",
                "a request with this key is still running",
            ))
        }
    }
    let response = respond(work.await);
    let status = response.status().as_u16();
    let outcome = if status >= 500 {
        app.idempotency.abandon(user, key).await
    } else {
        let stored = StoredResponse {
            status,
            content_type: response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("application/json")
                .to_string(),
            body: match response.body() {
                Body::Text(t) => t.clone(),
                Body::Binary(b) => String::from_utf8_lossy(b).into_owned(),
                Body::Empty => String::new(),
            },
        };
        app.idempotency.complete(user, key, &stored).await
    };
    if let Err(e) = outcome {
        // The work is done and its answer goes out; a retry will see IN_PROGRESS until the stale
        // claim can be taken over, never a second execution.
        tracing::error!(error = %e, "recording an idempotent answer");
    }
    Ok(response)
}

fn replay(stored: StoredResponse) -> HandlerResult {
    Response::builder()
        .status(stored.status)
        .header("content-type", stored.content_type)
        .header("idempotent-replayed", "true")
        .body(if stored.body.is_empty() { Body::Empty } else { Body::from(stored.body) })
        .map_err(|_| Problem::internal())
}
