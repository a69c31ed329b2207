//! Secrets Manager: the secrets a function needs, read once at cold start by ARN (the instance keeps
//! them in its configuration for its life). Locally the AWS emulator serves the same API.

use aws_sdk_secretsmanager::Client;
use serde::Deserialize;

/// The database credentials as RDS and Secrets Manager rotation keep them.
#[derive(Deserialize)]
pub struct DbCredentials {
    pub username: String,
    pub password: String,
}

pub struct SecretsManager {
    client: Client,
}

impl SecretsManager {
    pub fn new(config: &aws_config::SdkConfig) -> Self {
        SecretsManager { client: Client::new(config) }
    }

    /// The secret's string value.
    pub async fn string(&self, arn: &str) -> anyhow::Result<String> {
        let out = self.client.get_secret_value().secret_id(arn).send().await.map_err(|e| {
            anyhow::anyhow!(
                "reading secret {arn}: {}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(e)
            )
        })?;
        out.secret_string.ok_or_else(|| anyhow::anyhow!("secret {arn} has no string value"))
    }

    /// A database credentials secret (`{"username", "password", ...}`).
    pub async fn db_credentials(&self, arn: &str) -> anyhow::Result<DbCredentials> {
        let raw = self.string(arn).await?;
        serde_json::from_str(&raw)
            .map_err(|_| anyhow::anyhow!("secret {arn} is not a username/password document"))
    }
}
