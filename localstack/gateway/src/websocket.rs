//! Plays the WebSocket API: `/ws` runs the `$connect`, `subscribe`, `unsubscribe` and
//! `$disconnect` route functions with API Gateway's WebSocket events, and `/@connections/{id}`
//! answers as the Management API does (POST pushes, DELETE closes, GET describes; 410 for a
//! connection that is gone), so the broadcaster pushes here exactly as it does in AWS.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use booking_core::ws::{WsRequest, WsResponse};
use booking_core::App;
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::sync::mpsc::{unbounded_channel, UnboundedSender};

/// A route of the WebSocket API: its key, the function folder that serves it, and its handler.
pub struct WsRoute {
    pub key: &'static str,
    pub function: &'static str,
    /// The handler's path under `booking_core::`, as the function's `main.rs` names it.
    pub handler_path: &'static str,
    handler: fn(Arc<App>, WsRequest) -> BoxFuture<'static, WsResponse>,
}

/// The WebSocket API's routes, as template.yaml deploys them (a test compares the two).
pub const ROUTES: [WsRoute; 4] = [
    WsRoute {
        key: "$connect",
        function: "ws-connect",
        handler_path: "ws::connect",
        handler: |a, r| Box::pin(booking_core::ws::connect(a, r)),
    },
    WsRoute {
        key: "$disconnect",
        function: "ws-disconnect",
        handler_path: "ws::disconnect",
        handler: |a, r| Box::pin(booking_core::ws::disconnect(a, r)),
    },
    WsRoute {
        key: "subscribe",
        function: "ws-subscribe",
        handler_path: "ws::subscribe",
        handler: |a, r| Box::pin(booking_core::ws::subscribe(a, r)),
    },
    WsRoute {
        key: "unsubscribe",
        function: "ws-unsubscribe",
        handler_path: "ws::unsubscribe",
        handler: |a, r| Box::pin(booking_core::ws::unsubscribe(a, r)),
    },
];

/// Runs the function of route `key` with its WebSocket event; `None` if there is no such route.
async fn invoke(
    app: &Arc<App>,
    key: &str,
    connection: &str,
    query: &HashMap<String, String>,
    body: Option<&str>,
) -> Option<WsResponse> {
    let route = ROUTES.iter().find(|r| r.key == key)?;
    let kind = match key {
        "$connect" => "CONNECT",
        "$disconnect" => "DISCONNECT",
        _ => "MESSAGE",
    };
    Some((route.handler)(app.clone(), event(key, kind, connection, query, body)).await)
}

/// What the Management API can do to an open connection.
enum Push {
    Text(String),
    Close,
}

struct Socket {
    tx: UnboundedSender<Push>,
    connected_at: chrono::DateTime<chrono::Utc>,
}

/// The open connections, by connection id.
#[derive(Clone, Default)]
pub struct Sockets(Arc<Mutex<HashMap<String, Socket>>>);

impl Sockets {
    fn send(&self, id: &str, push: Push) -> bool {
        self.0.lock().map(|s| s.get(id).is_some_and(|s| s.tx.send(push).is_ok())).unwrap_or(false)
    }

    fn remove(&self, id: &str) {
        if let Ok(mut s) = self.0.lock() {
            s.remove(id);
        }
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.0.lock().map(|s| s.len()).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[derive(Clone)]
pub struct WsState {
    pub app: Arc<App>,
    pub sockets: Sockets,
}

/// A WebSocket event as API Gateway sends it to a route's function.
fn event(
    route: &str,
    kind: &str,
    connection: &str,
    query: &HashMap<String, String>,
    body: Option<&str>,
) -> WsRequest {
    let now = chrono::Utc::now().timestamp_millis();
    let mut e = json!({
        "requestContext": {
            "routeKey": route, "eventType": kind, "connectionId": connection, "apiId": "local", "stage": "$default",
            "domainName": "127.0.0.1", "requestId": uuid::Uuid::new_v4().to_string(), "connectedAt": now,
            "requestTimeEpoch": now, "messageDirection": "IN", "identity": { "sourceIp": "127.0.0.1" }
        },
        "isBase64Encoded": false
    });
    if !query.is_empty() {
        e["queryStringParameters"] = json!(query);
    }
    if let Some(b) = body {
        e["body"] = json!(b);
    }
    serde_json::from_value(e).expect("a WebSocket event is well formed")
}

fn body_text(r: &WsResponse) -> Option<String> {
    match &r.body {
        Some(aws_lambda_events::encodings::Body::Text(t)) => Some(t.clone()),
        Some(aws_lambda_events::encodings::Body::Binary(b)) => String::from_utf8(b.clone()).ok(),
        _ => None,
    }
}

/// `GET /ws?token=..[&eventId=..]`: runs `$connect`; a refusal is answered over HTTP with its status
/// and body, as API Gateway does, and no socket opens.
pub async fn connect(
    State(st): State<WsState>,
    Query(query): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string()[..16].to_string();
    // The connection can be pushed to as soon as `$connect` may have subscribed it: pushes wait in
    // the channel until the socket is up.
    let (tx, mut rx) = unbounded_channel();
    if let Ok(mut s) = st.sockets.0.lock() {
        s.insert(id.clone(), Socket { tx, connected_at: chrono::Utc::now() });
    }
    let answer = invoke(&st.app, "$connect", &id, &query, None).await.unwrap_or_default();
    if !(200..300).contains(&answer.status_code) {
        st.sockets.remove(&id);
        let status =
            StatusCode::from_u16(answer.status_code as u16).unwrap_or(StatusCode::FORBIDDEN);
        return (
            status,
            [("content-type", "application/json")],
            body_text(&answer).unwrap_or_default(),
        )
            .into_response();
    }
    upgrade.on_upgrade(move |socket: WebSocket| async move {
        let (mut sink, mut stream) = socket.split();
        loop {
            tokio::select! {
                push = rx.recv() => match push {
                    Some(Push::Text(t)) => if sink.send(Message::Text(t.into())).await.is_err() { break },
                    Some(Push::Close) | None => { let _ = sink.send(Message::Close(None)).await; break }
                },
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(t))) => {
                        if let Some(reply) = route(&st.app, &id, t.as_str()).await {
                            if sink.send(Message::Text(reply.into())).await.is_err() { break }
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                    Some(Ok(_)) => {}
                },
            }
        }
        st.sockets.remove(&id);
        invoke(&st.app, "$disconnect", &id, &HashMap::new(), None).await;
    })
}

/// Route selection on `$request.body.action`, as the WebSocket API is configured; the function's
/// answer body goes back to the client. With no such route API Gateway answers `Forbidden`.
async fn route(app: &Arc<App>, id: &str, text: &str) -> Option<String> {
    let action = serde_json::from_str::<Value>(text)
        .ok()
        .and_then(|v| v["action"].as_str().map(String::from))
        .unwrap_or_default();
    // `$connect` and `$disconnect` are not for messages to select.
    let answer = match action.starts_with('$') {
        true => None,
        false => invoke(app, &action, id, &HashMap::new(), Some(text)).await,
    };
    match answer {
        Some(a) => body_text(&a),
        None => Some(json!({ "message": "Forbidden", "connectionId": id, "requestId": uuid::Uuid::new_v4() }).to_string()),
    }
}

fn gone() -> Response {
    (
        StatusCode::GONE,
        [("content-type", "application/json"), ("x-amzn-errortype", "GoneException")],
        r#"{"message":"Gone"}"#,
    )
        .into_response()
}

/// `POST /@connections/{id}`: the Management API's PostToConnection.
pub async fn post(State(st): State<WsState>, Path(id): Path<String>, body: Bytes) -> Response {
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return (StatusCode::BAD_REQUEST, "text frames only").into_response();
    };
    if st.sockets.send(&id, Push::Text(text)) {
        StatusCode::OK.into_response()
    } else {
        gone()
    }
}

/// `DELETE /@connections/{id}`: closes the connection.
pub async fn delete(State(st): State<WsState>, Path(id): Path<String>) -> Response {
    if st.sockets.send(&id, Push::Close) {
        StatusCode::NO_CONTENT.into_response()
    } else {
        gone()
    }
}

/// `GET /@connections/{id}`: the connection's description.
pub async fn get(State(st): State<WsState>, Path(id): Path<String>) -> Response {
    let at = st.sockets.0.lock().ok().and_then(|s| s.get(&id).map(|s| s.connected_at));
    match at {
        Some(at) => axum::Json(json!({ "connectedAt": at, "identity": { "sourceIp": "127.0.0.1" }, "lastActiveAt": at })).into_response(),
        None => gone(),
    }
}
