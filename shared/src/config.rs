//! One typed configuration, read from the environment once per cold start. Secrets are never logged.

use std::env;
use std::fmt;

use sqlx::mysql::MySqlConnectOptions;

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
    /// IDEMPOTENCY_TABLE, PAYMENT_WEBHOOK_SECRET, HOLD_TTL_SECONDS. Defaults suit the local stack.
    pub fn from_env() -> anyhow::Result<Config> {
        let redis_url = match env::var("REDIS_URL").ok().filter(|v| !v.is_empty()) {
            Some(url) => url,
            None => format!("redis://{}:{}/", var("REDIS_HOST", "127.0.0.1"), parsed::<u16>("REDIS_PORT", 6379)?),
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
        })
    }

    pub fn mysql_options(&self) -> MySqlConnectOptions {
        let options = MySqlConnectOptions::new()
            .host(&self.db_host)
            .port(self.db_port)
            .username(&self.db_user)
            .database(&self.db_name);
        // An empty password means none: MySQL tells the two apart.
        if self.db_password.is_empty() {
            options
        } else {
            options.password(&self.db_password)
        }
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("db", &format_args!("{}@{}:{}/{}", self.db_user, self.db_host, self.db_port, self.db_name))
            .field("db_password", &"<redacted>")
            .field("db_max_connections", &self.db_max_connections)
            .field("key_prefix", &self.key_prefix)
            .field("kafka_bootstrap_servers", &self.kafka_bootstrap_servers)
            .field("idempotency_table", &self.idempotency_table)
            .field("webhook_secret", &"<redacted>")
            .field("hold_ttl_seconds", &self.hold_ttl_seconds)
            .finish_non_exhaustive()
    }
}
