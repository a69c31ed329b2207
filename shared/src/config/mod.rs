//! One typed configuration, read from the environment once per cold start. Secrets are never logged.
//!
//! Locally every value has a default, secrets included. In Lambda (the runtime sets
//! `AWS_LAMBDA_FUNCTION_NAME`) the configuration fails closed: secrets come from Secrets Manager by
//! ARN (`PAYMENT_WEBHOOK_SECRET_ARN`, `DB_SECRET_ARN`), never as literal environment values, and a
//! function refuses to start when a secret it needs is missing or equal to a local default
//! ([`Config::check`]), saying which.

mod check;
mod payments;
#[cfg(test)]
mod tests;

use std::cell::RefCell;
use std::env;
use std::fmt;

pub use payments::{Payments, ProviderKind, LOCAL_STRIPE_KEY};

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
    /// `DB_SSL_MODE`: `disabled`, `preferred`, `required`, `verify_ca` or `verify_identity`
    /// (`preferred` locally by default; in Lambda nothing short of `verify_identity` starts).
    pub db_ssl_mode: DbSslMode,
    /// `DB_IAM_AUTH`: the password is an RDS IAM auth token signed with the function's role
    /// (`adapters::mysql::iam`), not a secret; needs `DB_SSL_MODE=verify_identity`.
    pub db_iam_auth: bool,
    /// `DB_SSL_CA`: the CA certificate (PEM file) the server's certificate is checked against;
    /// the public roots when unset (RDS Proxy's certificates chain to them).
    pub db_ssl_ca: Option<String>,
    /// `REDIS_CLUSTER`: the Redis is a cluster (ElastiCache cluster mode); `REDIS_URL` may then
    /// list several seed nodes separated by commas.
    pub redis_cluster: bool,
    /// `REDIS_CA_FILE`: the CA (PEM file) a `rediss://` server is checked against; the public
    /// roots when unset (ElastiCache's certificates chain to them).
    pub redis_ca_file: Option<String>,
    /// `REDIS_AUTH_SECRET_ARN`: where the Redis AUTH token is kept (Secrets Manager).
    pub redis_auth_secret_arn: Option<String>,
    /// The Redis AUTH token read from [`Config::redis_auth_secret_arn`].
    pub redis_password: Option<String>,
    pub redis_url: String,
    /// Prepended to every Redis key, DynamoDB key and Kafka topic name, so that tests (or
    /// tenants) share one set of servers without meeting. Letters, digits, `.`, `_`, `-`.
    pub key_prefix: String,
    pub kafka_bootstrap_servers: String,
    /// `KAFKA_SECURITY`: how the functions reach the brokers (in Lambda only `iam` starts).
    pub kafka_security: KafkaSecurity,
    /// `KAFKA_CA_FILE`: the CA (PEM file) the brokers' certificates are checked against; the
    /// system's roots when unset (MSK's certificates chain to Amazon's public roots).
    pub kafka_ca_file: Option<String>,
    /// `AWS_REGION`: the region MSK IAM tokens are signed for.
    pub aws_region: String,
    pub idempotency_table: String,
    /// `PAYMENT_PROVIDER` and Stripe's settings (`config/payments.rs`).
    pub payments: Payments,
    /// `PAYMENT_WEBHOOK_SECRET`: signs provider webhooks.
    pub webhook_secret: String,
    /// `QUEUE_TOKEN_SECRET`: signs the waiting room's access passes (HS256).
    pub queue_token_secret: String,
    /// `QUEUE_TOKEN_SECRET_ARN`: where the access-pass secret is kept (Secrets Manager).
    pub queue_token_secret_arn: Option<String>,
    /// `TICKET_KEY_SECRET`: the master secret every event's Ed25519 ticket key is derived from.
    pub ticket_key_secret: String,
    /// `TICKET_KEY_SECRET_ARN`: where the ticket master secret is kept (Secrets Manager).
    pub ticket_key_secret_arn: Option<String>,
    /// `RATE_LIMIT_QUEUE_REQUESTS`: joins and polls one user may make per event in 10 seconds;
    /// more are answered 429 `RATE_LIMITED`. 0 turns the limit off.
    pub rate_limit_queue: u32,
    /// Default `holdTtlSeconds` of new events.
    pub hold_ttl_seconds: u32,
    /// `RATE_LIMIT_WRITES_PER_SECOND`: writes (holds, bookings, payments, ...) one user may make
    /// per second; more are answered 429 `RATE_LIMITED`. 0 turns the limit off.
    pub rate_limit_writes: u32,
    /// `CONNECTIONS_TABLE`: WebSocket connections and their subscriptions.
    pub connections_table: String,
    /// `NOTIFICATIONS_TABLE`: what each consumer has done already (sends, pushes).
    pub notifications_table: String,
    /// `HOLD_HISTORY_TABLE`: the history of holds and releases (per attempt, off the database).
    pub hold_history_table: String,
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
    /// Running in AWS Lambda (`AWS_LAMBDA_FUNCTION_NAME` is set): no local defaults for secrets.
    pub in_lambda: bool,
    /// `PAYMENT_WEBHOOK_SECRET_ARN`: where the webhook secret is kept (Secrets Manager).
    pub webhook_secret_arn: Option<String>,
    /// `DB_SECRET_ARN`: where the database `username` and `password` are kept (Secrets Manager).
    pub db_secret_arn: Option<String>,
    /// Secrets given as plain environment values (refused in Lambda).
    pub literal_secrets: Vec<&'static str>,
}

/// The local default of `PAYMENT_WEBHOOK_SECRET` (public: in the contract and this repository).
pub const DEFAULT_WEBHOOK_SECRET: &str = "local-webhook-secret";
/// The local default of `QUEUE_TOKEN_SECRET` (public: in this repository).
pub const DEFAULT_QUEUE_TOKEN_SECRET: &str = "local-queue-secret";
/// The local default of `TICKET_KEY_SECRET` (public: in this repository).
pub const DEFAULT_TICKET_KEY_SECRET: &str = "local-ticket-secret";

/// How the functions reach Kafka (`KAFKA_SECURITY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KafkaSecurity {
    /// `plaintext`: no TLS, no authentication (a broker on the same machine).
    Plaintext,
    /// `tls`: TLS, the brokers' certificates checked; no client authentication.
    Tls,
    /// `iam`: TLS and SASL/OAUTHBEARER with MSK IAM tokens signed by the function's role (MSK's
    /// port 9098; the local stack's `msk-gate` plays it).
    Iam,
}

impl std::str::FromStr for KafkaSecurity {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "plaintext" => Ok(KafkaSecurity::Plaintext),
            "tls" => Ok(KafkaSecurity::Tls),
            "iam" => Ok(KafkaSecurity::Iam),
            _ => anyhow::bail!("plaintext, tls or iam is needed"),
        }
    }
}

/// How the functions reach MySQL (`DB_SSL_MODE`), as MySQL's own clients name the modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbSslMode {
    Disabled,
    Preferred,
    Required,
    /// TLS, the server's certificate checked against the CA.
    VerifyCa,
    /// TLS, the certificate checked and naming the host (the only mode Lambda starts with).
    VerifyIdentity,
}

impl DbSslMode {
    pub const ALL: [DbSslMode; 5] = [
        DbSslMode::Disabled,
        DbSslMode::Preferred,
        DbSslMode::Required,
        DbSslMode::VerifyCa,
        DbSslMode::VerifyIdentity,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DbSslMode::Disabled => "disabled",
            DbSslMode::Preferred => "preferred",
            DbSslMode::Required => "required",
            DbSslMode::VerifyCa => "verify_ca",
            DbSslMode::VerifyIdentity => "verify_identity",
        }
    }
}

impl std::str::FromStr for DbSslMode {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> anyhow::Result<Self> {
        let s = s.to_ascii_lowercase();
        DbSslMode::ALL.into_iter().find(|m| m.as_str() == s).ok_or_else(|| {
            anyhow::anyhow!("one of {} is needed", DbSslMode::ALL.map(DbSslMode::as_str).join(", "))
        })
    }
}

/// A secret a function may need at cold start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secret {
    /// `PAYMENT_WEBHOOK_SECRET(_ARN)`: signs the provider's webhooks.
    WebhookSecret,
    /// `JWT_JWKS` (+ `JWT_ISSUER`): the keys tokens are checked against where no authorizer does it.
    TokenKeys,
    /// `DB_SECRET_ARN`: the database credentials.
    Database,
    /// `QUEUE_TOKEN_SECRET(_ARN)`: signs and checks the waiting room's access passes.
    QueueTokenKey,
    /// `TICKET_KEY_SECRET(_ARN)`: the master of the events' ticket keys.
    TicketKey,
    /// `STRIPE_SECRET_KEY_ARN`: the provider's secret key (the functions that move money).
    StripeKey,
}

/// The environment, or any other source of named values (a test's).
pub trait Lookup {
    fn get(&self, name: &str) -> Option<String>;
}

/// The process environment.
pub struct Env;

impl Lookup for Env {
    fn get(&self, name: &str) -> Option<String> {
        env::var(name).ok().filter(|v| !v.is_empty())
    }
}

impl<F: Fn(&str) -> Option<String>> Lookup for F {
    fn get(&self, name: &str) -> Option<String> {
        self(name).filter(|v| !v.is_empty())
    }
}

fn var(env: &dyn Lookup, name: &str, default: &str) -> String {
    env.get(name).unwrap_or_else(|| default.to_string())
}

/// Reads values, noting every one that does not parse (so that the error names them all) and
/// carrying on with the default.
struct Reader<'a> {
    env: &'a dyn Lookup,
    problems: RefCell<Vec<String>>,
}

impl Reader<'_> {
    fn parsed<T>(&self, name: &str, default: T) -> T
    where
        T: std::str::FromStr,
        T::Err: fmt::Display,
    {
        match self.env.get(name) {
            Some(v) => v.parse().unwrap_or_else(|e| {
                self.problem(format!("{name}={v:?} is not valid: {e}"));
                default
            }),
            None => default,
        }
    }

    fn problem(&self, p: String) {
        self.problems.borrow_mut().push(p);
    }
}

impl Config {
    /// Reads the environment (each variable is documented on its field):
    /// - MySQL: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DB_MAX_CONNECTIONS, DB_SSL_MODE,
    ///   DB_SSL_CA, DB_IAM_AUTH, DB_SECRET_ARN;
    /// - Redis: REDIS_URL, or REDIS_HOST + REDIS_PORT + REDIS_TLS; REDIS_CLUSTER, REDIS_CA_FILE,
    ///   REDIS_AUTH_SECRET_ARN (REDIS_PASSWORD only to be refused in Lambda);
    /// - Kafka: KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY, KAFKA_CA_FILE, AWS_REGION;
    /// - DynamoDB: IDEMPOTENCY_TABLE, CONNECTIONS_TABLE, NOTIFICATIONS_TABLE,
    ///   HOLD_HISTORY_TABLE; KEY_PREFIX;
    /// - secrets: PAYMENT_WEBHOOK_SECRET(_ARN), QUEUE_TOKEN_SECRET(_ARN), TICKET_KEY_SECRET(_ARN),
    ///   LOCAL_JWT_SECRET, JWT_JWKS, JWT_ISSUER, STRIPE_SECRET_KEY(_ARN);
    /// - payments: PAYMENT_PROVIDER, STRIPE_API_BASE, STRIPE_PUBLISHABLE_KEY;
    /// - the sale: HOLD_TTL_SECONDS, RATE_LIMIT_WRITES_PER_SECOND, RATE_LIMIT_QUEUE_REQUESTS;
    /// - the rest: WS_MANAGEMENT_ENDPOINT, NOTIFY_FROM, AWS_LAMBDA_FUNCTION_NAME.
    ///
    /// Defaults suit the local stack; the ARNs are resolved by `bootstrap`. A value that does not
    /// parse is an error, and the error names every such value.
    pub fn from_env() -> anyhow::Result<Config> {
        Config::from_lookup(&Env)
    }

    /// [`Config::from_env`] over any source of values.
    pub fn from_lookup(env: &dyn Lookup) -> anyhow::Result<Config> {
        let r = Reader { env, problems: RefCell::default() };
        // REDIS_TLS=true (ElastiCache in-transit encryption) makes the URL `rediss://`.
        let redis_url = match env.get("REDIS_URL") {
            Some(url) => url,
            None => format!(
                "{}://{}:{}/",
                if r.parsed("REDIS_TLS", false) { "rediss" } else { "redis" },
                var(env, "REDIS_HOST", "127.0.0.1"),
                r.parsed::<u16>("REDIS_PORT", 6379)
            ),
        };
        let db_ssl_mode = r.parsed("DB_SSL_MODE", DbSslMode::Preferred);
        let kafka_security = r.parsed("KAFKA_SECURITY", KafkaSecurity::Plaintext);
        let hold_ttl_seconds = r.parsed("HOLD_TTL_SECONDS", 600);
        let key_prefix = var(env, "KEY_PREFIX", "");
        if !key_prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            r.problem("KEY_PREFIX may hold only letters, digits, '.', '_' and '-'".into());
        }
        if !crate::domain::event::HOLD_TTL_SECONDS.contains(&hold_ttl_seconds) {
            r.problem("HOLD_TTL_SECONDS must be between 30 and 3600".into());
        }
        let config = Config {
            db_host: var(env, "DB_HOST", "127.0.0.1"),
            db_port: r.parsed("DB_PORT", 3306),
            db_name: var(env, "DB_NAME", "booking"),
            db_user: var(env, "DB_USER", "root"),
            db_password: env.get("DB_PASSWORD").unwrap_or_default(),
            db_max_connections: r.parsed("DB_MAX_CONNECTIONS", 2),
            db_ssl_mode,
            db_iam_auth: r.parsed("DB_IAM_AUTH", false),
            db_ssl_ca: env.get("DB_SSL_CA"),
            redis_ca_file: env.get("REDIS_CA_FILE"),
            redis_cluster: r.parsed("REDIS_CLUSTER", false),
            redis_auth_secret_arn: env.get("REDIS_AUTH_SECRET_ARN"),
            redis_password: None,
            redis_url,
            key_prefix,
            kafka_bootstrap_servers: var(env, "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            kafka_security,
            kafka_ca_file: env.get("KAFKA_CA_FILE"),
            aws_region: var(env, "AWS_REGION", "us-east-1"),
            idempotency_table: var(env, "IDEMPOTENCY_TABLE", "booking-idempotency"),
            payments: Payments::read(env, r.parsed("PAYMENT_PROVIDER", ProviderKind::Sandbox)),
            webhook_secret: var(env, "PAYMENT_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
            queue_token_secret: var(env, "QUEUE_TOKEN_SECRET", DEFAULT_QUEUE_TOKEN_SECRET),
            queue_token_secret_arn: env.get("QUEUE_TOKEN_SECRET_ARN"),
            ticket_key_secret: var(env, "TICKET_KEY_SECRET", DEFAULT_TICKET_KEY_SECRET),
            ticket_key_secret_arn: env.get("TICKET_KEY_SECRET_ARN"),
            rate_limit_queue: r.parsed("RATE_LIMIT_QUEUE_REQUESTS", 20),
            hold_ttl_seconds,
            rate_limit_writes: r.parsed("RATE_LIMIT_WRITES_PER_SECOND", 20),
            connections_table: var(env, "CONNECTIONS_TABLE", "booking-connections"),
            notifications_table: var(env, "NOTIFICATIONS_TABLE", "booking-notifications"),
            hold_history_table: var(env, "HOLD_HISTORY_TABLE", "booking-hold-history"),
            ws_management_endpoint: var(env, "WS_MANAGEMENT_ENDPOINT", "http://127.0.0.1:8080"),
            notify_from: var(env, "NOTIFY_FROM", "tickets@example.com"),
            jwt_secret: var(env, "LOCAL_JWT_SECRET", crate::auth::DEFAULT_SECRET),
            jwt_jwks: env.get("JWT_JWKS"),
            jwt_issuer: env.get("JWT_ISSUER"),
            in_lambda: env.get("AWS_LAMBDA_FUNCTION_NAME").is_some(),
            webhook_secret_arn: env.get("PAYMENT_WEBHOOK_SECRET_ARN"),
            db_secret_arn: env.get("DB_SECRET_ARN"),
            literal_secrets: [
                "PAYMENT_WEBHOOK_SECRET",
                "QUEUE_TOKEN_SECRET",
                "TICKET_KEY_SECRET",
                "DB_PASSWORD",
                "LOCAL_JWT_SECRET",
                "REDIS_PASSWORD",
                "STRIPE_SECRET_KEY",
            ]
            .into_iter()
            .filter(|name| env.get(name).is_some())
            // A password written into the Redis URL is a literal secret too.
            .chain(
                env.get("REDIS_URL")
                    .filter(|u| u.contains('@'))
                    .map(|_| "REDIS_URL (with a password)"),
            )
            .collect(),
        };
        let problems = r.problems.into_inner();
        if problems.is_empty() {
            Ok(config)
        } else {
            anyhow::bail!("the configuration has problems: {}", problems.join("; "))
        }
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
            .field("kafka_security", &self.kafka_security)
            .field("idempotency_table", &self.idempotency_table)
            .field("payments", &self.payments)
            .field("webhook_secret", &"<redacted>")
            .field("queue_token_secret", &"<redacted>")
            .field("ticket_key_secret", &"<redacted>")
            .field("rate_limit_queue", &self.rate_limit_queue)
            .field("hold_ttl_seconds", &self.hold_ttl_seconds)
            .field("rate_limit_writes", &self.rate_limit_writes)
            .field("connections_table", &self.connections_table)
            .field("notifications_table", &self.notifications_table)
            .field("hold_history_table", &self.hold_history_table)
            .field("ws_management_endpoint", &self.ws_management_endpoint)
            .field("notify_from", &self.notify_from)
            .field("jwt", &if self.jwt_jwks.is_some() { "JWKS" } else { "LOCAL_JWT_SECRET" })
            .field("in_lambda", &self.in_lambda)
            .field("webhook_secret_arn", &self.webhook_secret_arn)
            .field("db_secret_arn", &self.db_secret_arn)
            .field("db_ssl_mode", &self.db_ssl_mode)
            .field("db_iam_auth", &self.db_iam_auth)
            .field("redis_tls", &self.redis_url.starts_with("rediss://"))
            .field("redis_cluster", &self.redis_cluster)
            .field("redis_auth", &self.redis_password.as_ref().map(|_| "<redacted>"))
            .finish_non_exhaustive()
    }
}
