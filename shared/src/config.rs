//! One typed configuration, read from the environment once per cold start. Secrets are never logged.

use std::env;
use std::fmt;

#[derive(Clone)]
pub struct Config {
    pub db_host: String,
    pub db_port: u16,
    pub db_name: String,
    pub db_user: String,
    pub db_password: String,
    /// Connections per instance: 1-2 in a Lambda (Aurora's connection count is the limit),
    /// more in the local gateway, which serves every route from one process.
    pub db_max_connections: u32,
    pub redis_url: String,
    /// Prepended to every Redis key, DynamoDB key and Kafka topic name, so that tests (or
    /// tenants) share one set of servers without meeting. Letters, digits, `.`, `_`, `-`.
    pub key_prefix: String,
    pub kafka_bootstrap_servers: String,
    pub idempotency_table: String,
    /// `PAYMENT_WEBHOOK_SECRET`: signs provider webhooks.
    pub webhook_secret: String,
    /// Default `holdTtlSeconds` of new events.
    pub hold_ttl_seconds: u32,
    /// `CONNECTIONS_TABLE`: WebSocket connections and their subscriptions.
    pub connections_table: String,
    /// `NOTIFICATIONS_TABLE`: what each consumer has done already (sends, pushes).
    pub notifications_table: String,
    /// `WS_MANAGEMENT_ENDPOINT`: the WebSocket API's management endpoint
    /// (`https://{api}.execute-api.{region}.amazonaws.com/{stage}`; the local gateway's own URL locally).
    pub ws_management_endpoint: String,
    /// `NOTIFY_FROM`: the verified SES sender of notification emails.
    pub notify_from: String,
    /// `LOCAL_JWT_SECRET`: the HS256 secret of local tokens.
    pub jwt_secret: String,
    /// `JWT_JWKS`: the user pool's JWKS document; when set, tokens are checked against it (RS256).
    pub jwt_jwks: Option<String>,
    /// `JWT_ISSUER`: the issuer JWKS-checked tokens must name.
    pub jwt_issuer: Option<String>,
}

fn var(name: &str, default: &str) -> String {
    env::var(name).ok().filter(|v| !v.is_empty()).unwrap_or_else(|| default.to_string())
}

fn parsed<T: std::str::FromStr>(name: &str, default: T) -> anyhow::Result<T> {
    match env::var(name).ok().filter(|v| !v.is_empty()) {
        Some(v) => v.parse().map_err(|_| anyhow::anyhow!("{name}={v:?} is not valid")),
        None => Ok(default),
    }
}

impl Config {
    /// Reads the environment: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DB_MAX_CONNECTIONS,
    /// REDIS_URL or REDIS_HOST + REDIS_PORT, KEY_PREFIX, KAFKA_BOOTSTRAP_SERVERS,
    /// IDEMPOTENCY_TABLE, PAYMENT_WEBHOOK_SECRET, HOLD_TTL_SECONDS, CONNECTIONS_TABLE,
    /// NOTIFICATIONS_TABLE, WS_MANAGEMENT_ENDPOINT, NOTIFY_FROM, LOCAL_JWT_SECRET, JWT_JWKS,
    /// JWT_ISSUER. Defaults suit the local stack.
    pub fn from_env() -> anyhow::Result<Config> {
        let redis_url = match env::var("REDIS_URL").ok().filter(|v| !v.is_empty()) {
            Some(url) => url,
            None => format!(
                "redis://{}:{}/",
                var("REDIS_HOST", "127.0.0.1"),
                parsed::<u16>("REDIS_PORT", 6379)?
            ),
        };
        let hold_ttl_seconds = parsed("HOLD_TTL_SECONDS", 600)?;
        let key_prefix = var("KEY_PREFIX", "");
        if !key_prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            anyhow::bail!("KEY_PREFIX may hold only letters, digits, '.', '_' and '-'");
        }
        if !crate::domain::event::HOLD_TTL_SECONDS.contains(&hold_ttl_seconds) {
            anyhow::bail!("HOLD_TTL_SECONDS must be between 30 and 3600");
        }
        Ok(Config {
            db_host: var("DB_HOST", "127.0.0.1"),
            db_port: parsed("DB_PORT", 3306)?,
            db_name: var("DB_NAME", "booking"),
            db_user: var("DB_USER", "root"),
            db_password: env::var("DB_PASSWORD").unwrap_or_default(),
            db_max_connections: parsed("DB_MAX_CONNECTIONS", 2)?,
            redis_url,
            key_prefix,
            kafka_bootstrap_servers: var("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            idempotency_table: var("IDEMPOTENCY_TABLE", "booking-idempotency"),
            webhook_secret: var("PAYMENT_WEBHOOK_SECRET", "local-webhook-secret"),
            hold_ttl_seconds,
            connections_table: var("CONNECTIONS_TABLE", "booking-connections"),
            notifications_table: var("NOTIFICATIONS_TABLE", "booking-notifications"),
            ws_management_endpoint: var("WS_MANAGEMENT_ENDPOINT", "http://127.0.0.1:8080"),
            notify_from: var("NOTIFY_FROM", "tickets@example.com"),
            jwt_secret: var("LOCAL_JWT_SECRET", crate::auth::DEFAULT_SECRET),
            jwt_jwks: env::var("JWT_JWKS").ok().filter(|v| !v.is_empty()),
            jwt_issuer: env::var("JWT_ISSUER").ok().filter(|v| !v.is_empty()),
        })
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field(
                "db",
                &format_args!(
                    "{}@{}:{}/{}",
                    self.db_user, self.db_host, self.db_port, self.db_name
                ),
            )
            .field("db_password", &"<redacted>")
            .field("db_max_connections", &self.db_max_connections)
            .field("key_prefix", &self.key_prefix)
            .field("kafka_bootstrap_servers", &self.kafka_bootstrap_servers)
            .field("idempotency_table", &self.idempotency_table)
            .field("webhook_secret", &"<redacted>")
            .field("hold_ttl_seconds", &self.hold_ttl_seconds)
            .field("connections_table", &self.connections_table)
            .field("notifications_table", &self.notifications_table)
            .field("ws_management_endpoint", &self.ws_management_endpoint)
            .field("notify_from", &self.notify_from)
            .field("jwt", &if self.jwt_jwks.is_some() { "JWKS" } else { "LOCAL_JWT_SECRET" })
            .finish_non_exhaustive()
    }
}
