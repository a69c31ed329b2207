//! The test harness: a fresh slice of the real local stack per test, and the gateway in front of it.
//!
//! Each [`Stack`] gets its own MySQL database and Redis key prefix, so tests run in parallel. The
//! services themselves are the ones `localstack/stack.sh` starts; nothing here is a mock.

use std::sync::Arc;

use booking_core::adapters::clock::ShiftedClock;
use booking_core::adapters::kafka::{Kafka, MskContext};
use booking_core::{App, Config};
use local_gateway::{auth, Gateway};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use sqlx::mysql::MySqlPool;

pub const SECRET: &str = "test-secret";

/// The log lines written while a test taps them (see [`tap_logs`]); `None` while nobody does.
static TAPPED: std::sync::Mutex<Option<Vec<u8>>> = std::sync::Mutex::new(None);

/// The writer of the harness's subscriber: into [`TAPPED`] while tapped, else nowhere.
struct LogTap;

impl std::io::Write for LogTap {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(lines) = TAPPED.lock().unwrap_or_else(|e| e.into_inner()).as_mut() {
            lines.extend_from_slice(buf);
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Runs `work` with the functions' log lines collected (every test's, while it runs), and returns
/// them as JSON values.
pub async fn tap_logs<F: std::future::Future<Output = ()>>(work: F) -> Vec<Value> {
    *TAPPED.lock().unwrap() = Some(Vec::new());
    work.await;
    let bytes = TAPPED.lock().unwrap().take().unwrap_or_default();
    String::from_utf8_lossy(&bytes).lines().filter_map(|l| serde_json::from_str(l).ok()).collect()
}

pub struct Stack {
    pub base: String,
    pub http: reqwest::Client,
    pub app: Arc<App>,
    /// The clock the stack's functions read: a test moves it instead of waiting.
    pub clock: Arc<ShiftedClock>,
    pub db: MySqlPool,
    pub redis_prefix: String,
    server: tokio::task::JoinHandle<()>,
}

/// An HTTP answer: status, and the body as JSON (`Null` when empty or not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl Answer {
    /// The problem `code` of an error answer.
    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts a problem+json answer with this status and code.
    #[track_caller]
    pub fn assert_problem(&self, status: u16, code: &str) {
        assert_eq!(self.status.as_u16(), status, "{self:?}");
        assert_eq!(self.content_type, "application/problem+json", "{self:?}");
        assert_eq!(self.code(), code, "{self:?}");
        assert_eq!(self.body["status"], json!(status), "{self:?}");
        assert!(
            self.body["title"].is_string()
                && self.body["type"].is_string()
                && self.body["detail"].is_string(),
            "{self:?}"
        );
    }
}

impl Stack {
    /// A new database (migrated) and key prefix, an [`App`] over them, and the gateway on a free port.
    pub async fn start() -> Stack {
        Stack::start_with(|_| {}).await
    }

    /// [`Stack::start`] with the configuration changed by `f` first (another payment provider, say).
    pub async fn start_with(f: impl FnOnce(&mut Config)) -> Stack {
        booking_core::adapters::install_crypto();
        // The functions' own subscriber (spans and all), writing nowhere unless a test taps it.
        booking_core::bootstrap::init_tracing_to(|| LogTap);
        let id = uuid::Uuid::new_v4().simple().to_string()[..12].to_string();
        let mut config = Config::from_env().expect("configuration");
        // The functions' account may create the test's database (its rights reach the stack's
        // own databases alone), over a connection to the stack's main one.
        let root =
            booking_core::adapters::mysql::pool(booking_core::adapters::mysql::options(&config), 1);
        config.db_name = format!("test_{id}");
        config.key_prefix = format!("t{id}.");
        config.db_max_connections = 16;
        sqlx::query(&format!("CREATE DATABASE `{}`", config.db_name))
            .execute(&root)
            .await
            .expect("MySQL answers (is the stack up? bash localstack/stack.sh up)");
        root.close().await;
        let db =
            booking_core::adapters::mysql::pool(booking_core::adapters::mysql::options(&config), 4);
        booking_core::adapters::mysql::migrate(&db).await.expect("migrations apply");
        let redis_prefix = config.key_prefix.clone();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        // Pushes come back to this test's gateway; WebSocket tokens are checked with its secret.
        config.ws_management_endpoint = base.clone();
        config.jwt_secret = SECRET.to_string();
        f(&mut config);
        let clock = Arc::new(ShiftedClock::default());
        let app = Arc::new(
            booking_core::bootstrap::wire(config, clock.clone())
                .await
                .expect("the configuration is whole"),
        );
        let gateway = Gateway::new(app.clone());
        let server = tokio::spawn(async move {
            let _ = local_gateway::serve(gateway, listener).await;
        });
        let http = reqwest::Client::builder().pool_max_idle_per_host(64).build().unwrap();
        Stack { base, http, app, clock, db, redis_prefix, server }
    }

    /// [`Stack::start`] with this test's own topics, and the gateway playing the triggers: the
    /// relay every 100 ms, the sweep every `sweep_every`, and the consumer functions on Kafka.
    /// A stack paying through the sandbox provider instead of Stripe's API: for the tests of what
    /// only the sandbox does on purpose (a card that stays PROCESSING until a `Payment-Signature`
    /// webhook, a book that counts how often each refund was asked for).
    pub async fn start_sandbox() -> Stack {
        Stack::start_with(|c| c.payments.provider = booking_core::config::ProviderKind::Sandbox)
            .await
    }

    pub async fn start_live(sweep_every: std::time::Duration) -> Stack {
        Stack::start_live_with(sweep_every, |_| {}).await
    }

    /// [`Stack::start_live`] with `f` changing the configuration first.
    pub async fn start_live_with(
        sweep_every: std::time::Duration,
        f: impl FnOnce(&mut Config),
    ) -> Stack {
        let s = Stack::start_with(f).await;
        s.create_topics().await;
        local_gateway::spawn_background(
            s.app.clone(),
            std::time::Duration::from_millis(100),
            sweep_every,
        );
        s
    }

    /// The WebSocket URL of the gateway for `user`, subscribed at once to `event` if given.
    pub fn ws_url(&self, user: &str, event: Option<&str>) -> String {
        let base = self.base.replace("http://", "ws://");
        match event {
            Some(e) => format!("{base}/ws?token={}&eventId={e}", self.token(user)),
            None => format!("{base}/ws?token={}", self.token(user)),
        }
    }

    pub fn token(&self, user: &str) -> String {
        auth::mint(SECRET, user, false, 3600)
    }

    pub fn admin_token(&self) -> String {
        auth::mint(SECRET, "admin-1", true, 3600)
    }

    /// Sends a request with an optional bearer token and raw body.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b);
        }
        answer(req).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), None).await
    }

    pub async fn post(&self, path: &str, token: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(token), Some(body.to_string().into_bytes())).await
    }

    pub async fn put(&self, path: &str, token: &str, body: Option<Value>) -> Answer {
        self.send(Method::PUT, path, Some(token), body.map(|b| b.to_string().into_bytes())).await
    }

    /// A request with extra headers (a `Queue-Token`, say) and an optional JSON body.
    pub async fn send_with(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(token);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some(b) = body {
            req = req.header("content-type", "application/json").body(b.to_string());
        }
        answer(req).await
    }

    /// POST with an `Idempotency-Key`.
    pub async fn post_once(&self, path: &str, token: &str, key: &str, body: Value) -> Answer {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(token)
            .header("idempotency-key", key)
            .header("content-type", "application/json")
            .body(body.to_string());
        answer(res).await
    }

    /// Posts a provider webhook signed with `secret` at unix time `t`.
    pub async fn webhook(&self, body: &Value, secret: &str, t: i64) -> Answer {
        let raw = body.to_string();
        let sig = booking_core::domain::payment::sign_webhook(secret, t, raw.as_bytes());
        let res = self
            .http
            .post(format!("{}/api/v1/payments/webhook", self.base))
            .header("payment-signature", sig)
            .header("content-type", "application/json")
            .body(raw);
        answer(res).await
    }

    /// An [`App`] over this stack's backends and clock, publishing through `publisher` instead.
    pub async fn app_with_publisher(
        &self,
        publisher: impl booking_core::ports::Publisher + 'static,
    ) -> App {
        let aws = booking_core::adapters::dynamodb::aws_config().await;
        let mut ports = booking_core::bootstrap::ports(&self.app.config, self.clock.clone(), &aws)
            .expect("the configuration is whole");
        ports.publisher = Arc::new(publisher);
        App::new(self.app.config.clone(), self.app.token_keys.clone(), ports)
    }

    /// A connection to the stack's Redis as the functions make it (TLS, AUTH, cluster as
    /// configured), for a test that reaches under the API.
    pub async fn redis(&self) -> booking_core::adapters::redis::Conn {
        let c = &self.app.config;
        let seats = booking_core::adapters::redis::RedisSeats::new(
            &c.redis_url,
            "",
            c.redis_ca_file.as_deref(),
            c.redis_password.as_deref(),
            c.redis_cluster,
        )
        .expect("the Redis configuration is whole");
        seats.connection().await.expect("Redis answers")
    }

    /// The stack's Kafka, reached as the functions reach it (TLS and IAM auth locally).
    pub fn kafka(&self) -> Kafka {
        Kafka::new(&self.app.config)
    }

    /// Creates this test's own topics (`<prefix>booking.events`, ...) on the broker.
    pub async fn create_topics(&self) {
        use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
        let admin: AdminClient<MskContext> = self.kafka().client(&[]).unwrap();
        let names: Vec<String> = ["booking.events", "seat.events", "payment.events", "dead.letter"]
            .iter()
            .map(|t| format!("{}{t}", self.redis_prefix))
            .collect();
        let topics: Vec<NewTopic> =
            names.iter().map(|n| NewTopic::new(n, 1, TopicReplication::Fixed(1))).collect();
        admin.create_topics(&topics, &AdminOptions::new()).await.unwrap();
    }

    /// Holds `seats` for `user` and books them: the booking's JSON.
    pub async fn book(&self, event: &str, user: &str, seats: &[&str]) -> Value {
        let t = self.token(user);
        let h = self
            .post(&format!("/api/v1/events/{event}/holds"), &t, json!({ "seatIds": seats }))
            .await;
        assert_eq!(h.status, StatusCode::CREATED, "{h:?}");
        let b = self.post("/api/v1/bookings", &t, json!({ "holdId": h.body["id"] })).await;
        assert_eq!(b.status, StatusCode::CREATED, "{b:?}");
        b.body
    }

    /// Makes Redis lose everything of the event (as a restart without persistence does).
    pub async fn forget_in_redis(&self, event: &str) {
        let mut r = self.redis().await;
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg(format!("{}*{{{event}}}*", self.redis_prefix))
            .query_async(&mut r)
            .await
            .unwrap();
        let _: () = redis::cmd("DEL").arg(&keys).query_async(&mut r).await.unwrap();
    }

    /// Pays a booking (its owner, the test card); panics unless 201. Returns the Payment.
    pub async fn pay(&self, booking: &Value) -> Value {
        let user = booking["userId"].as_str().expect("a booking");
        let p = self
            .post(
                "/api/v1/payments",
                &self.token(user),
                json!({ "bookingId": booking["id"], "paymentMethod": "pm_card_visa" }),
            )
            .await;
        assert_eq!(p.status, StatusCode::CREATED, "{p:?}");
        p.body
    }

    /// The audit a sell-out must pass, read straight from MySQL: seats in more than one live
    /// booking, CONFIRMED bookings without exactly one SUCCEEDED payment, and SUCCEEDED payments
    /// whose booking is not CONFIRMED. All three must be 0.
    pub async fn audit(&self) -> (i64, i64, i64) {
        sqlx::query_as(
            "SELECT \
               (SELECT COUNT(*) FROM (SELECT bs.event_id, bs.seat_id FROM booking_seats bs JOIN bookings b ON b.id = bs.booking_id \
                  WHERE b.status IN ('PENDING','CONFIRMED') AND bs.released_at IS NULL GROUP BY bs.event_id, bs.seat_id HAVING COUNT(*) > 1) x), \
               (SELECT COUNT(*) FROM bookings b WHERE b.status = 'CONFIRMED' AND \
                  (SELECT COUNT(*) FROM payments p WHERE p.booking_id = b.id AND p.status = 'SUCCEEDED') <> 1), \
               (SELECT COUNT(*) FROM payments p JOIN bookings b ON b.id = p.booking_id WHERE p.status = 'SUCCEEDED' AND b.status <> 'CONFIRMED')",
        )
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// Creates an event through the API; panics unless 201.
    pub async fn create_event(&self, body: Value) -> Value {
        let a = self.post("/api/v1/events", &self.admin_token(), body).await;
        assert_eq!(a.status, StatusCode::CREATED, "{a:?}");
        a.body
    }

    /// An event with one section `A` of `rows` x `per_row` seats.
    pub async fn simple_event(&self, rows: u32, per_row: u32, max_per_order: u32) -> String {
        let e = self
            .create_event(json!({
                "name": "Test night", "venue": "Hall", "startsAt": "2027-01-01T20:00:00Z",
                "maxSeatsPerOrder": max_per_order,
                "sections": [{ "name": "A", "rows": rows, "seatsPerRow": per_row, "priceCents": 5000 }]
            }))
            .await;
        e["id"].as_str().unwrap().to_string()
    }

    /// Seat id -> status, from the seat map endpoint.
    pub async fn seat_statuses(&self, event: &str) -> std::collections::BTreeMap<String, String> {
        let a = self.get(&format!("/api/v1/events/{event}/seats"), &self.token("reader")).await;
        assert_eq!(a.status, StatusCode::OK, "{a:?}");
        a.body["seats"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| {
                (s["id"].as_str().unwrap().to_string(), s["status"].as_str().unwrap().to_string())
            })
            .collect()
    }
}

/// Sends a request and reads the answer.
async fn answer(req: reqwest::RequestBuilder) -> Answer {
    let res = req.send().await.expect("the gateway answers");
    let status = res.status();
    let content_type =
        res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let bytes = res.bytes().await.unwrap_or_default();
    Answer { status, content_type, body: serde_json::from_slice(&bytes).unwrap_or(Value::Null) }
}

impl Drop for Stack {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// Seat ids of a JSON array.
pub fn ids(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_string)).collect())
        .unwrap_or_default()
}

/// A WebSocket client of the gateway's `/ws`, reading JSON text messages.
pub struct WsClient {
    stream: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
}

impl WsClient {
    /// Opens the socket; a refused `$connect` comes back as its HTTP status and body.
    pub async fn connect(url: &str) -> Result<WsClient, (u16, Value)> {
        match tokio_tungstenite::connect_async(url).await {
            Ok((stream, _)) => Ok(WsClient { stream }),
            Err(tokio_tungstenite::tungstenite::Error::Http(res)) => {
                let body = res
                    .body()
                    .as_ref()
                    .and_then(|b| serde_json::from_slice(b).ok())
                    .unwrap_or(Value::Null);
                Err((res.status().as_u16(), body))
            }
            Err(e) => panic!("the gateway answers WebSocket handshakes: {e}"),
        }
    }

    pub async fn send(&mut self, message: Value) {
        use futures::SinkExt;
        self.stream
            .send(tokio_tungstenite::tungstenite::Message::text(message.to_string()))
            .await
            .expect("the socket is open");
    }

    /// The next JSON message within `within`, or `None`.
    pub async fn next(&mut self, within: std::time::Duration) -> Option<Value> {
        use futures::StreamExt;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let m = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()??.ok()?;
            if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
                return serde_json::from_str(t.as_str()).ok();
            }
        }
    }

    pub async fn close(mut self) {
        let _ = self.stream.close(None).await;
    }
}

/// Polls `f` until it gives `Some`, every 50 ms for at most `within`; then fails naming `what`.
/// The one way the end-to-end tests wait for something that happens in the background.
pub async fn eventually<T, F, Fut>(within: std::time::Duration, what: &str, mut f: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Some(v) = f().await {
            return v;
        }
        assert!(std::time::Instant::now() < deadline, "{what}: not within {within:?}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}
