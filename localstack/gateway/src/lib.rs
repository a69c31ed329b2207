//! The local gateway: one process that plays API Gateway on 127.0.0.1.
//!
//! It routes each method and path to the handler the function's binary runs, in-process, with the
//! request shaped as an API Gateway HTTP API (payload 2.0) event, so `lambda_http` builds the very
//! `Request` the function sees in AWS. It also plays the WebSocket API and its Management API
//! (`websocket`), the MSK event source mappings (`msk`) and the schedules (`spawn_background`),
//! and serves the live seat-map page. In AWS none of this code runs.

pub mod auth;
pub mod msk;
pub mod pages;
pub mod routes;
pub mod websocket;

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::{to_bytes, Body as AxumBody};
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request as AxumRequest};
use axum::response::{IntoResponse, Response as AxumResponse};
use axum::routing::on;
use axum::Router;
use base64::Engine;
use booking_core::http::{BoxHandler, Problem};
use booking_core::App;
use lambda_http::Body;
use serde_json::json;
use tokio::net::TcpListener;
use tracing::Instrument;

pub use routes::{routes, Route};

/// API Gateway's own payload limit; the handlers enforce the contract's 64 KiB.
const GATEWAY_MAX_BODY: usize = 10 * 1024 * 1024;

/// The OpenAPI 3.1 spec of the HTTP API, served at `/openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../../docs/openapi.yaml");

/// Gateway settings.
#[derive(Clone)]
pub struct Gateway {
    /// Its token keys (`LOCAL_JWT_SECRET`) are the ones the gateway checks and signs with.
    pub app: Arc<App>,
    /// The open WebSocket connections.
    pub sockets: websocket::Sockets,
}

impl Gateway {
    pub fn new(app: Arc<App>) -> Gateway {
        Gateway { app, sockets: websocket::Sockets::default() }
    }
}

/// `GET /local/token?user=..[&role=staff]`: plays the user pool's sign-in for the buyer's page and
/// the door page (any user name, a buyer or door staff, never an admin); only the local gateway has it.
async fn local_token(secret: String, query: HashMap<String, String>) -> AxumResponse {
    let user = query.get("user").map(|u| u.trim()).filter(|u| {
        !u.is_empty()
            && u.len() <= 64
            && u.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
    });
    match user {
        Some(u) => {
            let token = match query.get("role").map(String::as_str) {
                Some("staff") => auth::mint_staff(&secret, u, 3600),
                _ => auth::mint(&secret, u, false, 3600),
            };
            axum::Json(json!({ "token": token, "user": u })).into_response()
        }
        None => problem(Problem::validation("user: 1-64 letters, digits, '.', '_' or '-'")),
    }
}

fn problem(p: Problem) -> AxumResponse {
    lambda_to_axum(p.into_response())
}

/// The router serving every route of [`routes`]; anything else is 404 `ROUTE_NOT_FOUND`.
pub fn router(gateway: Gateway) -> Router {
    let mut router = Router::new();
    for route in routes() {
        let gw = gateway.clone();
        let route_key = format!("{} {}", route.method, route.path);
        let (handler, authorized) = (route.handler.clone(), route.authorized);
        let method =
            axum::routing::MethodFilter::try_from(route.method.clone()).expect("a standard method");
        router = router.route(
            route.path,
            on(
                method,
                move |params: Result<Path<HashMap<String, String>>, PathRejection>,
                      req: AxumRequest| {
                    invoke(gw, handler, route_key, authorized, params.ok().map(|Path(p)| p), req)
                },
            ),
        );
    }
    let not_found = || async { problem(Problem::route_not_found()) };
    let ws = websocket::WsState { app: gateway.app.clone(), sockets: gateway.sockets.clone() };
    let secret = gateway.app.config.jwt_secret.clone();
    router
        .route("/ws", axum::routing::get(websocket::connect).with_state(ws.clone()))
        .route(
            "/@connections/{id}",
            axum::routing::post(websocket::post)
                .delete(websocket::delete)
                .get(websocket::get)
                .with_state(ws),
        )
        .route(
            "/local/token",
            axum::routing::get(
                move |axum::extract::Query(q): axum::extract::Query<HashMap<String, String>>| {
                    local_token(secret.clone(), q)
                },
            ),
        )
        .route(
            "/openapi.yaml",
            axum::routing::get(|| async { ([("content-type", "application/yaml")], OPENAPI) }),
        )
        .route(
            "/metrics",
            axum::routing::get(|| async {
                (
                    [("content-type", "text/plain; version=0.0.4")],
                    booking_core::metrics::prometheus(),
                )
            }),
        )
        .merge(pages::routes())
        .fallback(not_found)
        // API Gateway HTTP APIs answer a method a path does not have as an unknown route (404).
        .method_not_allowed_fallback(not_found)
}

/// Builds the payload-2.0 event for a request, lets `lambda_http` turn it into a `Request`, and
/// runs the handler.
async fn invoke(
    gw: Gateway,
    handler: BoxHandler,
    route_key: String,
    authorized: bool,
    params: Option<HashMap<String, String>>,
    req: AxumRequest,
) -> AxumResponse {
    let (parts, body) = req.into_parts();
    let claims = if authorized {
        let header = parts.headers.get("authorization").and_then(|v| v.to_str().ok());
        match auth::verify(&gw.app.token_keys, header) {
            Ok(c) => Some(c),
            Err(why) => return problem(Problem::unauthorized(why)),
        }
    } else {
        None
    };
    // A path whose parameters do not decode to UTF-8 (`/events/%FF%FE`): after the authorizer,
    // as in API Gateway, and as problem+json like every other refusal.
    let Some(params) = params else {
        return problem(Problem::bad_request(
            "INVALID_ID",
            "a path parameter is not valid UTF-8 once decoded",
        ));
    };
    let bytes = match to_bytes(body, GATEWAY_MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return problem(Problem::new(
                413,
                "PAYLOAD_TOO_LARGE",
                "Payload too large",
                "the body is too large",
            ))
        }
    };
    let request_id = uuid::Uuid::new_v4().to_string();
    let request = api_gateway_event(&parts, &route_key, &request_id, claims, params, &bytes);
    // The span follows the future (never `enter()` across an await: the task moves between
    // threads and one request's span would leak into another's, or be closed under it).
    let span = tracing::info_span!("request", request_id = %request_id, route = %route_key);
    lambda_to_axum(handler(gw.app.clone(), request).instrument(span).await)
}

/// The API Gateway HTTP API (payload 2.0) event of a request, as the Lambda runtime would hand it to
/// `lambda_http` (built as the struct, not through its JSON: the same `Request` comes out, without
/// a serialization and a parse per request): repeated headers joined with commas, the body as text
/// when it is UTF-8 and base64 otherwise, the authorizer's claims in the context.
fn api_gateway_event(
    parts: &http::request::Parts,
    route_key: &str,
    request_id: &str,
    claims: Option<booking_core::auth::Claims>,
    params: HashMap<String, String>,
    bytes: &[u8],
) -> lambda_http::Request {
    use aws_lambda_events::apigw::{
        ApiGatewayRequestAuthorizer, ApiGatewayRequestAuthorizerJwtDescription,
        ApiGatewayV2httpRequest,
    };
    let mut headers = http::HeaderMap::new();
    for name in parts.headers.keys() {
        let values: Vec<&str> =
            parts.headers.get_all(name).iter().filter_map(|v| v.to_str().ok()).collect();
        if let Ok(v) = http::HeaderValue::from_str(&values.join(",")) {
            headers.insert(name.clone(), v);
        }
    }
    let now = chrono::Utc::now();
    let mut event = ApiGatewayV2httpRequest::default();
    let context = &mut event.request_context;
    context.account_id = Some("000000000000".into());
    context.apiid = Some("local".into());
    context.domain_name =
        Some(headers.get("host").and_then(|h| h.to_str().ok()).unwrap_or("127.0.0.1").to_string());
    context.domain_prefix = Some("local".into());
    context.http.method = parts.method.clone();
    context.http.path = Some(parts.uri.path().to_string());
    context.http.protocol = Some("HTTP/1.1".into());
    context.http.source_ip = Some("127.0.0.1".into());
    context.http.user_agent =
        headers.get("user-agent").and_then(|h| h.to_str().ok()).map(str::to_string);
    context.request_id = Some(request_id.to_string());
    context.route_key = Some(route_key.to_string());
    context.stage = Some("$default".into());
    context.time = Some(now.format("%d/%b/%Y:%H:%M:%S +0000").to_string());
    context.time_epoch = now.timestamp_millis();
    if let Some(claims) = claims {
        let jwt = ApiGatewayRequestAuthorizerJwtDescription { claims, ..Default::default() };
        context.authorizer =
            Some(ApiGatewayRequestAuthorizer { jwt: Some(jwt), ..Default::default() });
    }
    event.version = Some("2.0".into());
    event.route_key = Some(route_key.to_string());
    event.raw_path = Some(parts.uri.path().to_string());
    event.raw_query_string = Some(parts.uri.query().unwrap_or("").to_string());
    event.http_method = parts.method.clone();
    event.headers = headers;
    event.path_parameters = params;
    (event.body, event.is_base64_encoded) = match std::str::from_utf8(bytes) {
        Ok(text) => (Some(text.to_string()), false),
        Err(_) => (Some(base64::engine::general_purpose::STANDARD.encode(bytes)), true),
    };
    lambda_http::request::LambdaRequest::ApiGatewayV2(event).into()
}

fn lambda_to_axum(res: lambda_http::Response<Body>) -> AxumResponse {
    let (parts, body) = res.into_parts();
    let body = match body {
        Body::Empty => AxumBody::empty(),
        Body::Text(t) => AxumBody::from(t),
        Body::Binary(b) => AxumBody::from(b),
    };
    (parts.status, parts.headers, body).into_response()
}

/// Plays the triggers of the deployment: the relay (`functions/relay`) every `relay_every`, the
/// sweep (`functions/sweep`) every `sweep_every`, and the MSK event source mappings of the consumer
/// functions, so that a change reaches WebSocket clients and inboxes within a moment locally.
pub fn spawn_background(
    app: Arc<App>,
    relay_every: std::time::Duration,
    sweep_every: std::time::Duration,
) {
    msk::spawn_consumers(app.clone());
    every(app.clone(), relay_every, "relay", |app| {
        Box::pin(async move { booking_core::app::relay::relay(&app).await.map(|_| ()) })
    });
    every(app, sweep_every, "sweep", |app| {
        Box::pin(async move { booking_core::app::sweep::sweep(&app).await.map(|_| ()) })
    });
}

/// Runs `job` every `interval` (a schedule's invocations); a failed run waits for the next.
fn every(
    app: Arc<App>,
    interval: std::time::Duration,
    what: &'static str,
    job: fn(Arc<App>) -> futures::future::BoxFuture<'static, booking_core::app::AppResult<()>>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = job(app.clone()).await {
                tracing::warn!(error = %e, "{what} failed; the next run retries");
            }
        }
    });
}

/// Serves on `listener` until the process is told to stop (Ctrl-C or SIGTERM).
pub async fn serve(gateway: Gateway, listener: TcpListener) -> anyhow::Result<()> {
    tracing::info!(addr = %listener.local_addr()?, "local gateway listening");
    axum::serve(listener, router(gateway)).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
