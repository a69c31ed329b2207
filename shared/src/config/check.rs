//! What a function refuses to start with in Lambda: a secret as a literal value, a local default, a
//! link without TLS.

use super::{Config, DbSslMode, KafkaSecurity, Secret};
use super::{DEFAULT_QUEUE_TOKEN_SECRET, DEFAULT_TICKET_KEY_SECRET, DEFAULT_WEBHOOK_SECRET};

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
        self.payments.problems(needs.contains(&Secret::StripeKey), &mut problems);
        for need in needs {
            self.check_secret(*need, &mut problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            anyhow::bail!("refusing to start in Lambda: {}", problems.join("; "))
        }
    }

    /// Notes every problem of one secret a function needs.
    fn check_secret(&self, need: Secret, problems: &mut Vec<String>) {
        let mut problem = |p: &str| problems.push(p.to_string());
        match need {
            Secret::WebhookSecret => {
                if self.webhook_secret_arn.is_none() {
                    problem("PAYMENT_WEBHOOK_SECRET_ARN is not set");
                } else if self.webhook_secret.is_empty()
                    || self.webhook_secret == DEFAULT_WEBHOOK_SECRET
                {
                    problem("the PAYMENT_WEBHOOK_SECRET_ARN secret is empty or the public local default");
                }
            }
            Secret::QueueTokenKey => {
                if self.queue_token_secret_arn.is_none() {
                    problem("QUEUE_TOKEN_SECRET_ARN is not set");
                } else if self.queue_token_secret.len() < 32
                    || self.queue_token_secret == DEFAULT_QUEUE_TOKEN_SECRET
                {
                    problem("the QUEUE_TOKEN_SECRET_ARN secret is shorter than 32 bytes or the public local default");
                }
            }
            // Checked with the provider's other settings (`config/payments.rs`).
            Secret::StripeKey => {}
            Secret::TicketKey => {
                if self.ticket_key_secret_arn.is_none() {
                    problem("TICKET_KEY_SECRET_ARN is not set");
                } else if self.ticket_key_secret.len() < 32
                    || self.ticket_key_secret == DEFAULT_TICKET_KEY_SECRET
                {
                    problem("the TICKET_KEY_SECRET_ARN secret is shorter than 32 bytes or the public local default");
                }
            }
            Secret::TokenKeys => {
                if self.jwt_jwks.is_none() || self.jwt_issuer.is_none() {
                    problem("JWT_JWKS and JWT_ISSUER must be set (the local HS256 secret is never used in AWS)");
                }
            }
            Secret::Database => {
                if self.db_secret_arn.is_none() && !self.db_iam_auth {
                    problem("DB_SECRET_ARN is not set (nor DB_IAM_AUTH)");
                } else if self.db_password.is_empty() {
                    problem("the DB_SECRET_ARN secret has no password");
                }
                if self.db_ssl_mode != DbSslMode::VerifyIdentity {
                    problem(
                        "DB_SSL_MODE must be verify_identity (TLS to the database, server checked)",
                    );
                }
            }
        }
    }
}
