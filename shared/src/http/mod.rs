//! HTTP handlers, one per endpoint, over API Gateway (payload 2.0) requests.
//!
//! A handler is `async fn(Arc<App>, Request) -> HandlerResult`. The same function runs in the
//! Lambda binary ([`crate::bootstrap::serve_http`]) and in the local gateway ([`boxed`]).

pub mod bodies;
pub mod bookings;
pub mod codes;
pub mod events;
pub mod holds;
pub mod idempotency;
pub mod integral;
pub mod payments;
pub mod presale;
pub mod problem;
pub mod queue;
pub mod tickets;
pub mod waitlist;

use std::future::Future;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use futures::future::BoxFuture;
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde::de::DeserializeOwned;
use serde::Serialize;
use uuid::Uuid;

pub use problem::Problem;

use crate::app::seat_map::Encoded;
use crate::app::App;
use crate::domain::{Caller, Contact};

/// Page size of a list when the client gives none, and the most it may ask for.
const DEFAULT_LIMIT: u32 = 20;
const MAX_LIMIT: u32 = 100;

/// The header an admitted buyer's access pass travels in.
pub const QUEUE_TOKEN_HEADER: &str = "queue-token";

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

pub type HandlerResult = Result<Response<Body>, Problem>;

/// A handler behind one type, as the local gateway's route table holds it.
pub type BoxHandler =
    Arc<dyn Fn(Arc<App>, Request) -> BoxFuture<'static, Response<Body>> + Send + Sync>;

/// Boxes a handler and turns its problems into responses.
pub fn boxed<F, Fut>(handler: F) -> BoxHandler
where
    F: Fn(Arc<App>, Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    Arc::new(move |app, req| {
        let fut = handler(app, req);
        Box::pin(async move { respond(fut.await) })
    })
}

/// The response for a handler's result.
pub fn respond(result: HandlerResult) -> Response<Body> {
    result.unwrap_or_else(Problem::into_response)
}

/// The caller the authorizer put in the request context. Without one, 401.
pub fn caller(req: &Request) -> Result<Caller, Problem> {
    let claims = match req.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            ctx.authorizer.as_ref().and_then(|a| a.jwt.as_ref()).map(|j| &j.claims)
        }
        _ => None,
    };
    let claims = claims.ok_or_else(|| Problem::unauthorized("a bearer token is required"))?;
    let user_id = claims
        .get("sub")
        .filter(|s| !s.is_empty())
        .ok_or_else(|| Problem::unauthorized("the token has no subject"))?;
    let groups = claims.get("cognito:groups").map(String::as_str).unwrap_or_default();
    let (admin, staff) =
        (Caller::groups_include(groups, "admin"), Caller::groups_include(groups, "staff"));
    let contact = Contact::new(
        claims.get("email").map(String::as_str),
        claims.get("phone_number").map(String::as_str),
    );
    Ok(Caller { user_id: user_id.clone(), admin, staff, contact })
}

/// The caller of a write: authenticated, then counted against the per-user write limit (429
/// `RATE_LIMITED` with `Retry-After` past it), before anything of the request is read.
pub async fn writer(app: &App, req: &Request) -> Result<Caller, Problem> {
    let caller = caller(req)?;
    crate::app::limits::count_write(app, &caller.user_id).await?;
    Ok(caller)
}

/// The caller, who must be an admin: 401 without a token, 403 otherwise, before anything of the
/// request is read (authorisation before validation).
pub fn admin(req: &Request, why: &'static str) -> Result<Caller, Problem> {
    let caller = caller(req)?;
    if !caller.admin {
        return Err(crate::app::AppError::Forbidden(why).into());
    }
    Ok(caller)
}

/// A path parameter as text (empty if absent).
pub fn path_param(req: &Request, name: &str) -> String {
    req.path_parameters_ref().and_then(|p| p.first(name)).unwrap_or_default().to_string()
}

/// A path parameter that must be a UUID; anything else is 400 `INVALID_ID`.
pub fn path_id(req: &Request, name: &str) -> Result<Uuid, Problem> {
    let raw = path_param(req, name);
    Uuid::parse_str(&raw)
        .ok()
        .filter(|u| raw.len() == 36 && !u.is_nil())
        .ok_or_else(|| Problem::bad_request("INVALID_ID", format!("{name} must be a UUID")))
}

/// A query parameter, if present.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.query_string_parameters_ref().and_then(|q| q.first(name)).map(str::to_string)
}

/// The raw body: 413 past [`MAX_BODY_BYTES`].
pub fn bounded_body(req: &Request) -> Result<&[u8], Problem> {
    let bytes: &[u8] = req.body().as_ref();
    if bytes.len() > MAX_BODY_BYTES {
        return Err(Problem::new(
            413,
            "PAYLOAD_TOO_LARGE",
            "Payload too large",
            format!("bodies are limited to {MAX_BODY_BYTES} bytes"),
        ));
    }
    Ok(bytes)
}

/// 415 unless `Content-Type` says JSON (`application/json` or `application/*+json`, any
/// parameters), so that a form or text post from another site's page is never read as an API call.
fn require_json(req: &Request) -> Result<(), Problem> {
    let media = header(req, "content-type")
        .and_then(|c| c.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase());
    let is_json = media.as_deref().is_some_and(|m| {
        m == "application/json" || (m.starts_with("application/") && m.ends_with("+json"))
    });
    if !is_json {
        return Err(Problem::new(
            415,
            "UNSUPPORTED_MEDIA_TYPE",
            "Unsupported media type",
            "the body must be sent as Content-Type: application/json",
        ));
    }
    Ok(())
}

/// The JSON body: 413 past [`MAX_BODY_BYTES`], 415 unless sent as JSON, 400 if not JSON, 422 if
/// the wrong shape (wrong types, missing or unknown fields).
pub fn json_body<T: DeserializeOwned>(req: &Request) -> Result<T, Problem> {
    let bytes = bounded_body(req)?;
    require_json(req)?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Problem::bad_request("MALFORMED_JSON", "a JSON body is required"));
    }
    serde_json::from_slice(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => Problem::validation(e.to_string()),
        _ => Problem::bad_request("MALFORMED_JSON", format!("the body is not valid JSON: {e}")),
    })
}

/// A JSON answer.
pub fn json<T: Serialize>(status: u16, value: &T) -> HandlerResult {
    let body = serde_json::to_string(value).map_err(|e| {
        tracing::error!(error = %e, "serializing a response");
        Problem::internal()
    })?;
    // Answers built here carry the caller's own data (bookings, holds, payments, tickets, queue and
    // waitlist entries) or are cheap to make again: no cache keeps them. The cacheable public views
    // go through [`encoded`] with their own `Cache-Control`.
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(Body::from(body))
        .map_err(|_| Problem::internal())
}

/// The longest `If-None-Match` looked at (the spec's bound).
const MAX_IF_NONE_MATCH: usize = 256;

/// A JSON answer encoded beforehand, with its entity tag: 304 and no body when the client's
/// `If-None-Match` names it, gzip'd when the client accepts gzip.
pub fn encoded(req: &Request, answer: &Encoded, cache_control: &str) -> HandlerResult {
    let tag = format!("\"{}\"", answer.tag);
    let header = |name: &str| req.headers().get(name).and_then(|v| v.to_str().ok());
    if header("if-none-match").is_some_and(|h| h.len() > MAX_IF_NONE_MATCH) {
        return Err(Problem::bad_request(
            "INVALID_HEADER",
            "If-None-Match: at most 256 characters",
        ));
    }
    let builder = Response::builder()
        .header("etag", &tag)
        .header("cache-control", cache_control)
        .header("vary", "accept-encoding");
    let matches = header("if-none-match").is_some_and(|h| {
        h.split(',').map(|t| t.trim()).any(|t| t == "*" || t.trim_start_matches("W/") == tag)
    });
    if matches {
        return builder.status(304).body(Body::Empty).map_err(|_| Problem::internal());
    }
    let builder = builder.status(200).header("content-type", "application/json");
    let gzip = header("accept-encoding").is_some_and(|h| {
        h.split(',').any(|c| {
            let mut parts = c.split(';').map(str::trim);
            parts.next() == Some("gzip") && parts.all(|q| q != "q=0" && q != "q=0.0")
        })
    });
    let response = if gzip {
        builder.header("content-encoding", "gzip").body(Body::Binary(answer.gzipped()))
    } else {
        builder.body(Body::Text(String::from_utf8_lossy(&answer.json).into_owned()))
    };
    response.map_err(|_| Problem::internal())
}

/// An empty answer (204).
pub fn no_content() -> HandlerResult {
    Response::builder().status(204).body(Body::Empty).map_err(|_| Problem::internal())
}

/// `limit` (1-100, default 20) and the decoded `cursor` of a list request.
pub fn page(req: &Request) -> Result<(u32, Option<Uuid>), Problem> {
    let limit = limit(req, DEFAULT_LIMIT)?;
    let cursor = query(req, "cursor").map(|c| decode_cursor(&c)).transpose()?;
    Ok((limit, cursor))
}

/// The `limit` of a list request (1-100), `default` if absent.
pub fn limit(req: &Request, default: u32) -> Result<u32, Problem> {
    match query(req, "limit") {
        None => Ok(default),
        Some(l) => l.parse::<u32>().ok().filter(|l| (1..=MAX_LIMIT).contains(l)).ok_or_else(|| {
            Problem::bad_request(
                "INVALID_QUERY",
                format!("limit must be a whole number from 1 to {MAX_LIMIT}"),
            )
        }),
    }
}

/// 400 `INVALID_CURSOR`: a cursor this API did not give out.
pub fn invalid_cursor() -> Problem {
    Problem::bad_request("INVALID_CURSOR", "cursor is not one this API gave out")
}

/// An opaque cursor: the last id of the page, base64url-encoded.
pub fn encode_cursor(id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(id.as_bytes())
}

fn decode_cursor(cursor: &str) -> Result<Uuid, Problem> {
    // Any 22 base64url characters name a position (the spare bits of the last one are ignored).
    const LENIENT: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    LENIENT.decode(cursor).ok().and_then(|b| Uuid::from_slice(&b).ok()).ok_or_else(invalid_cursor)
}

/// A request header as text.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}
