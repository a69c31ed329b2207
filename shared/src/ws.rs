//! WebSocket doorways: one handler per route of the WebSocket API (`$connect`, `$disconnect`,
//! `subscribe`, `unsubscribe`), each taking API Gateway's WebSocket event and answering with the
//! integration response, whose body API Gateway sends back to the client. Errors are answered as
//! `{"type":"error","status","code","detail"}` with the status and code of the HTTP problem.

use std::sync::Arc;

use aws_lambda_events::encodings::Body;
use aws_lambda_events::event::apigw::{ApiGatewayProxyResponse, ApiGatewayWebsocketProxyRequest};
use serde::Deserialize;
use serde_json::{json, Value};

use crate::app::{live, App, AppError};
use crate::http::problem::Problem;

pub type WsRequest = ApiGatewayWebsocketProxyRequest;
pub type WsResponse = ApiGatewayProxyResponse;

/// The body of `subscribe` and `unsubscribe`: `{"action", "eventId"}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Action {
    event_id: String,
}

fn answer(status: i64, body: Option<Value>) -> WsResponse {
    WsResponse {
        status_code: status,
        body: body.map(|b| Body::Text(b.to_string())),
        ..WsResponse::default()
    }
}

fn error(e: AppError) -> WsResponse {
    let p = Problem::from(e);
    answer(
        i64::from(p.status),
        Some(json!({ "type": "error", "status": p.status, "code": p.code, "detail": p.detail })),
    )
}

fn connection(req: &WsRequest) -> String {
    req.request_context.connection_id.clone().unwrap_or_default()
}

fn action(req: &WsRequest) -> Result<Action, AppError> {
    serde_json::from_str(req.body.as_deref().unwrap_or_default()).map_err(|_| {
        crate::domain::RuleError::invalid("body", "must be {\"action\", \"eventId\"}").into()
    })
}

/// `$connect` with `?token=<JWT>[&eventId=<id>]`.
pub async fn connect(app: Arc<App>, req: WsRequest) -> WsResponse {
    let q = &req.query_string_parameters;
    match live::connect(&app, &connection(&req), q.first("token"), q.first("eventId")).await {
        Ok(_) => answer(200, None),
        Err(e) => error(e),
    }
}

pub async fn disconnect(app: Arc<App>, req: WsRequest) -> WsResponse {
    match live::disconnect(&app, &connection(&req)).await {
        Ok(()) => answer(200, None),
        Err(e) => error(e),
    }
}

/// `{"action":"subscribe","eventId"}`, answered `{"type":"subscribed","eventId"}`.
pub async fn subscribe(app: Arc<App>, req: WsRequest) -> WsResponse {
    match action(&req) {
        Ok(a) => {
            answer_action(live::subscribe(&app, &connection(&req), &a.event_id).await, "subscribed")
        }
        Err(e) => error(e),
    }
}

/// `{"action":"unsubscribe","eventId"}`, answered `{"type":"unsubscribed","eventId"}`.
pub async fn unsubscribe(app: Arc<App>, req: WsRequest) -> WsResponse {
    match action(&req) {
        Ok(a) => answer_action(
            live::unsubscribe(&app, &connection(&req), &a.event_id).await,
            "unsubscribed",
        ),
        Err(e) => error(e),
    }
}

fn answer_action(done: Result<uuid::Uuid, AppError>, kind: &str) -> WsResponse {
    match done {
        Ok(event) => answer(200, Some(json!({ "type": kind, "eventId": event }))),
        Err(e) => error(e),
    }
}
