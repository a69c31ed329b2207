//! One typed configuration, read from the environment once per cold start. Secrets are never logged.
//!
//! Locally every value has a default, secrets included. In Lambda (the runtime sets
//! `AWS_LAMBDA_FUNCTION_NAME`) the configuration fails closed: secrets come from Secrets Manager by
//! ARN (`PAYMENT_WEBHOOK_SECRET_ARN`, `DB_SECRET_ARN`), never as literal environment values, and a
//! function refuses to start when a secret it needs is missing or equal to a local default
//! ([`Config::check`]), saying which.

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
    /// `DB_SSL_MODE`: `disabled`, `preferred`, `required`, `verify_ca` or `verify_identity`
    /// (`preferred` locally by default; in Lambda nothing short of `verify_identity` starts).
    pub db_ssl_mode: String,
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
            _ => anyhow::bail!("KAFKA_SECURITY must be plaintext, tls or iam"),
        }
    }
}

/// The values `DB_SSL_MODE` may take.
pub const DB_SSL_MODES: [&str; 5] =
    ["disabled", "preferred", "required", "verify_ca", "verify_identity"];

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

fn parsed<T: std::str::FromStr>(env: &dyn Lookup, name: &str, default: T) -> anyhow::Result<T> {
    match env.get(name) {
        Some(v) => v.parse().map_err(|_| anyhow::anyhow!("{name}={v:?} is not valid")),
        None => Ok(default),
    }
}

impl Config {
    /// Reads the environment: DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD, DB_MAX_CONNECTIONS,
    /// REDIS_URL or REDIS_HOST + REDIS_PORT, KEY_PREFIX, KAFKA_BOOTSTRAP_SERVERS, KAFKA_SECURITY,
    /// KAFKA_CA_FILE, AWS_REGION,
    /// IDEMPOTENCY_TABLE, PAYMENT_WEBHOOK_SECRET, HOLD_TTL_SECONDS, CONNECTIONS_TABLE,
    /// NOTIFICATIONS_TABLE, DB_IAM_AUTH, WS_MANAGEMENT_ENDPOINT, NOTIFY_FROM, LOCAL_JWT_SECRET, JWT_JWKS,
    /// JWT_ISSUER, PAYMENT_WEBHOOK_SECRET_ARN, DB_SECRET_ARN, QUEUE_TOKEN_SECRET(_ARN), TICKET_KEY_SECRET(_ARN),
    /// RATE_LIMIT_QUEUE_REQUESTS, AWS_LAMBDA_FUNCTION_NAME. Defaults suit
    /// the local stack; the ARNs are resolved by `bootstrap`.
    pub fn from_env() -> anyhow::Result<Config> {
        Config::from_lookup(&Env)
    }

    /// [`Config::from_env`] over any source of values.
    pub fn from_lookup(env: &dyn Lookup) -> anyhow::Result<Config> {
        // REDIS_TLS=true (ElastiCache in-transit encryption) makes the URL `rediss://`.
        let redis_url = match env.get("REDIS_URL") {
            Some(url) => url,
            None => format!(
                "{}://{}:{}/",
                if parsed(env, "REDIS_TLS", false)? { "rediss" } else { "redis" },
                var(env, "REDIS_HOST", "127.0.0.1"),
                parsed::<u16>(env, "REDIS_PORT", 6379)?
            ),
        };
        let db_ssl_mode = var(env, "DB_SSL_MODE", "preferred").to_ascii_lowercase();
        if !DB_SSL_MODES.contains(&db_ssl_mode.as_str()) {
            anyhow::bail!("DB_SSL_MODE must be one of {}", DB_SSL_MODES.join(", "));
        }
        let hold_ttl_seconds = parsed(env, "HOLD_TTL_SECONDS", 600)?;
        let key_prefix = var(env, "KEY_PREFIX", "");
        if !key_prefix.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b)) {
            anyhow::bail!("KEY_PREFIX may hold only letters, digits, '.', '_' and '-'");
        }
        if !crate::domain::event::HOLD_TTL_SECONDS.contains(&hold_ttl_seconds) {
            anyhow::bail!("HOLD_TTL_SECONDS must be between 30 and 3600");
        }
        Ok(Config {
            db_host: var(env, "DB_HOST", "127.0.0.1"),
            db_port: parsed(env, "DB_PORT", 3306)?,
            db_name: var(env, "DB_NAME", "booking"),
            db_user: var(env, "DB_USER", "root"),
            db_password: env.get("DB_PASSWORD").unwrap_or_default(),
            db_max_connections: parsed(env, "DB_MAX_CONNECTIONS", 2)?,
            db_ssl_mode,
            db_iam_auth: parsed(env, "DB_IAM_AUTH", false)?,
            db_ssl_ca: env.get("DB_SSL_CA"),
            redis_ca_file: env.get("REDIS_CA_FILE"),
            redis_cluster: parsed(env, "REDIS_CLUSTER", false)?,
            redis_auth_secret_arn: env.get("REDIS_AUTH_SECRET_ARN"),
            redis_password: None,
            redis_url,
            key_prefix,
            kafka_bootstrap_servers: var(env, "KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"),
            kafka_security: var(env, "KAFKA_SECURITY", "plaintext").parse()?,
            kafka_ca_file: env.get("KAFKA_CA_FILE"),
            aws_region: var(env, "AWS_REGION", "us-east-1"),
            idempotency_table: var(env, "IDEMPOTENCY_TABLE", "booking-idempotency"),
            webhook_secret: var(env, "PAYMENT_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET),
            queue_token_secret: var(env, "QUEUE_TOKEN_SECRET", DEFAULT_QUEUE_TOKEN_SECRET),
            queue_token_secret_arn: env.get("QUEUE_TOKEN_SECRET_ARN"),
            ticket_key_secret: var(env, "TICKET_KEY_SECRET", DEFAULT_TICKET_KEY_SECRET),
            ticket_key_secret_arn: env.get("TICKET_KEY_SECRET_ARN"),
            rate_limit_queue: parsed(env, "RATE_LIMIT_QUEUE_REQUESTS", 20)?,
            hold_ttl_seconds,
            rate_limit_writes: parsed(env, "RATE_LIMIT_WRITES_PER_SECOND", 20)?,
            connections_table: var(env, "CONNECTIONS_TABLE", "booking-connections"),
            notifications_table: var(env, "NOTIFICATIONS_TABLE", "booking-notifications"),
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
        })
    }
}

impl Config {
    /// Whether this configuration may start a function that needs `needs`. Locally anything
    /// goes (the defaults are for the local stack). In Lambda: no secret as a literal environment
    /// value; each secret needed is there (resolved from its ARN) and is not a local default.
    /// The error names every problem found.
    pub fn check(&self, needs: &[Secret]) -> anyhow::Result<()> {
        if !self.in_lambda {
            return Ok(());
        }
        let mut problems: Vec<String> = self
            .literal_secrets
            .iter()
            .map(|name| {
                format!(
                    "{name} is set in the environment (secrets come from Secrets Manager by ARN)"
                )
            })
            .collect();
        if !self.redis_url.starts_with("rediss://") {
            problems.push("REDIS_TLS must be true (ElastiCache in-transit encryption)".into());
        }
        if self.kafka_security != KafkaSecurity::Iam {
            problems.push("KAFKA_SECURITY must be iam (MSK over TLS with IAM auth)".into());
        }
        for need in needs {
            match need {
                Secret::WebhookSecret if self.webhook_secret_arn.is_none() => {
                    problems.push("PAYMENT_WEBHOOK_SECRET_ARN is not set".into())
                }
                Secret::WebhookSecret if self.webhook_secret.is_empty() || self.webhook_secret == DEFAULT_WEBHOOK_SECRET => {
                    problems.push("the PAYMENT_WEBHOOK_SECRET_ARN secret is empty or the public local default".into())
                }
                Secret::QueueTokenKey if self.queue_token_secret_arn.is_none() => {
                    problems.push("QUEUE_TOKEN_SECRET_ARN is not set".into())
                }
                Secret::QueueTokenKey if self.queue_token_secret.len() < 32 || self.queue_token_secret == DEFAULT_QUEUE_TOKEN_SECRET => {
                    problems.push("the QUEUE_TOKEN_SECRET_ARN secret is shorter than 32 bytes or the public local default".into())
                }
                Secret::TicketKey if self.ticket_key_secret_arn.is_none() => {
                    problems.push("TICKET_KEY_SECRET_ARN is not set".into())
                }
                Secret::TicketKey if self.ticket_key_secret.len() < 32 || self.ticket_key_secret == DEFAULT_TICKET_KEY_SECRET => {
                    problems.push("the TICKET_KEY_SECRET_ARN secret is shorter than 32 bytes or the public local default".into())
                }
                Secret::TokenKeys if self.jwt_jwks.is_none() || self.jwt_issuer.is_none() => {
                    problems.push("JWT_JWKS and JWT_ISSUER must be set (the local HS256 secret is never used in AWS)".into())
                }
                Secret::Database if self.db_secret_arn.is_none() && !self.db_iam_auth => {
                    problems.push("DB_SECRET_ARN is not set (nor DB_IAM_AUTH)".into())
                }
                Secret::Database if self.db_ssl_mode != "verify_identity" => {
                    problems.push("DB_SSL_MODE must be verify_identity (TLS to the database, server checked)".into())
                }
                Secret::Database if self.db_password.is_empty() => {
                    problems.push("the DB_SECRET_ARN secret has no password".into())
                }
                _ => {}
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("refusing to start in Lambda: {}", problems.join("; "))
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
            .field("webhook_secret", &"<redacted>")
            .field("queue_token_secret", &"<redacted>")
            .field("ticket_key_secret", &"<redacted>")
            .field("rate_limit_queue", &self.rate_limit_queue)
            .field("hold_ttl_seconds", &self.hold_ttl_seconds)
            .field("rate_limit_writes", &self.rate_limit_writes)
            .field("connections_table", &self.connections_table)
            .field("notifications_table", &self.notifications_table)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars: Vec<(String, String)> =
            vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        Config::from_lookup(&lookup).unwrap()
    }

    #[test]
    fn locally_the_defaults_serve() {
        let c = config(&[]);
        assert!(!c.in_lambda);
        assert_eq!(c.webhook_secret, DEFAULT_WEBHOOK_SECRET);
        assert!(c.check(&[Secret::WebhookSecret, Secret::TokenKeys, Secret::Database]).is_ok());
    }

    #[test]
    fn in_lambda_a_missing_or_default_secret_refuses_to_start_and_says_which() {
        let lambda = [
            ("AWS_LAMBDA_FUNCTION_NAME", "payments-webhook"),
            ("REDIS_TLS", "true"),
            ("KAFKA_SECURITY", "iam"),
        ];
        let err = config(&lambda[..1]).check(&[]).unwrap_err().to_string();
        assert!(err.contains("REDIS_TLS"), "plaintext Redis in Lambda: {err}");
        assert!(err.contains("KAFKA_SECURITY must be iam"), "plaintext Kafka in Lambda: {err}");
        let tls_only = config(&[lambda[0], lambda[1], ("KAFKA_SECURITY", "tls")]);
        assert!(tls_only.check(&[]).unwrap_err().to_string().contains("KAFKA_SECURITY"));
        assert!(config(&lambda).check(&[]).is_ok());
        let err = config(&lambda)
            .check(&[Secret::WebhookSecret, Secret::Database])
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("PAYMENT_WEBHOOK_SECRET_ARN is not set")
                && err.contains("DB_SECRET_ARN is not set"),
            "{err}"
        );
        // The public default, resolved from an ARN, is refused too.
        let mut c = config(&[
            lambda[0],
            lambda[1],
            lambda[2],
            ("PAYMENT_WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:x"),
        ]);
        let err = c.check(&[Secret::WebhookSecret]).unwrap_err().to_string();
        assert!(err.contains("public local default"), "{err}");
        c.webhook_secret = "a-real-secret-from-secrets-manager".into();
        assert!(c.check(&[Secret::WebhookSecret]).is_ok());
        // A secret as a literal environment value is refused, needed or not.
        let err = config(&[lambda[0], ("PAYMENT_WEBHOOK_SECRET", "x")])
            .check(&[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("PAYMENT_WEBHOOK_SECRET is set in the environment"), "{err}");
        let err =
            config(&[lambda[0], ("LOCAL_JWT_SECRET", "y")]).check(&[]).unwrap_err().to_string();
        assert!(err.contains("LOCAL_JWT_SECRET"), "{err}");
        // Code that checks tokens itself needs the user pool's keys, never the local secret.
        let err = config(&lambda).check(&[Secret::TokenKeys]).unwrap_err().to_string();
        assert!(err.contains("JWT_JWKS"), "{err}");
        assert!(config(&[
            lambda[0],
            lambda[1],
            lambda[2],
            ("JWT_JWKS", "{}"),
            ("JWT_ISSUER", "https://i")
        ])
        .check(&[Secret::TokenKeys])
        .is_ok());
    }

    #[test]
    fn in_lambda_the_access_pass_secret_comes_from_an_arn_and_is_no_default() {
        let lambda = [
            ("AWS_LAMBDA_FUNCTION_NAME", "holds-create"),
            ("REDIS_TLS", "true"),
            ("KAFKA_SECURITY", "iam"),
        ];
        let err = config(&lambda).check(&[Secret::QueueTokenKey]).unwrap_err().to_string();
        assert!(err.contains("QUEUE_TOKEN_SECRET_ARN is not set"), "{err}");
        let mut c = config(&[lambda[0], lambda[1], lambda[2], ("QUEUE_TOKEN_SECRET_ARN", "arn:x")]);
        assert!(c.check(&[Secret::QueueTokenKey]).is_err(), "the public default is refused");
        c.queue_token_secret = "short".into();
        assert!(c.check(&[Secret::QueueTokenKey]).is_err(), "a short secret is refused");
        c.queue_token_secret = "x".repeat(32);
        assert!(c.check(&[Secret::QueueTokenKey]).is_ok());
        let err = config(&lambda).check(&[Secret::TicketKey]).unwrap_err().to_string();
        assert!(err.contains("TICKET_KEY_SECRET_ARN is not set"), "{err}");
        let mut t = config(&[lambda[0], lambda[1], lambda[2], ("TICKET_KEY_SECRET_ARN", "arn:t")]);
        assert!(t.check(&[Secret::TicketKey]).is_err(), "the public default is refused");
        t.ticket_key_secret = "t".repeat(32);
        assert!(t.check(&[Secret::TicketKey]).is_ok());
        let err = config(&[lambda[0], lambda[1], lambda[2], ("QUEUE_TOKEN_SECRET", "s")])
            .check(&[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("QUEUE_TOKEN_SECRET is set in the environment"), "{err}");
    }
}
