//! RDS IAM database authentication (`DB_IAM_AUTH=true`): the password is an auth token, a
//! SigV4-presigned `connect` for the database user at the proxy's address (service `rds-db`, 15
//! minutes), signed with the function's credentials; RDS Proxy checks it against the role's
//! `rds-db:connect` permission. It is sent in clear text inside TLS (`mysql_clear_password`), which
//! is why IAM auth needs `DB_SSL_MODE=verify_identity`. A token only matters when a connection is
//! opened, so the pool is given a new one every [`RENEW_EVERY`] for the connections it opens later.

use std::time::{Duration, SystemTime};

use aws_credential_types::provider::ProvideCredentials;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    sign, SignableBody, SignableRequest, SignatureLocation, SigningSettings,
};
use aws_sigv4::sign::v4;
use sqlx::mysql::MySqlPool;

use crate::config::Config;

/// How long a token is valid (the most RDS accepts).
const VALID_FOR: Duration = Duration::from_secs(900);
/// How often the pool gets a new token: well within [`VALID_FOR`].
pub const RENEW_EVERY: Duration = Duration::from_secs(300);

/// The auth token of `user` at `host:port` in `region`, signed with `credentials` at `at`.
pub fn auth_token(
    host: &str,
    port: u16,
    user: &str,
    region: &str,
    credentials: Credentials,
    at: SystemTime,
) -> anyhow::Result<String> {
    let identity = credentials.into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(VALID_FOR);
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("rds-db")
        .time(at)
        .settings(settings)
        .build()?;
    let mut url = url::Url::parse(&format!("https://{host}:{port}/"))?;
    url.query_pairs_mut().append_pair("Action", "connect").append_pair("DBUser", user);
    let request =
        SignableRequest::new("GET", url.as_str(), std::iter::empty(), SignableBody::Bytes(&[]))?;
    let (instructions, _) = sign(request, &params.into())?.into_parts();
    {
        let mut query = url.query_pairs_mut();
        for (name, value) in instructions.params() {
            query.append_pair(name, value);
        }
    }
    Ok(url.as_str().trim_start_matches("https://").to_string())
}

/// A token for `config`'s database user, signed now with the credentials of `aws`.
pub async fn fresh_token(config: &Config, aws: &aws_config::SdkConfig) -> anyhow::Result<String> {
    let provider =
        aws.credentials_provider().ok_or_else(|| anyhow::anyhow!("no AWS credentials"))?;
    let credentials = provider.provide_credentials().await?;
    auth_token(
        &config.db_host,
        config.db_port,
        &config.db_user,
        &config.aws_region,
        credentials,
        SystemTime::now(),
    )
}

/// Gives `pool` a new token every [`RENEW_EVERY`] for as long as the pool lives. An instance
/// frozen longer than a token lives (Lambda between invocations) renews as soon as it thaws.
pub fn keep_fresh(pool: MySqlPool, config: Config, aws: aws_config::SdkConfig) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(RENEW_EVERY);
        every.tick().await;
        while !pool.is_closed() {
            every.tick().await;
            match fresh_token(&config, &aws).await {
                Ok(token) => {
                    let mut renewed = config.clone();
                    renewed.db_password = token;
                    pool.set_connect_options(super::options(&renewed));
                }
                Err(e) => tracing::error!(error = %e, "renewing the database auth token"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_what_aws_signs_for_the_same_request() {
        // A published known answer (Signer::AWSv4::RDS's test of the AWS algorithm): the
        // signature and the query must come out exactly so.
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_532_290_956); // 20180722T202236Z
        let credentials = Credentials::new(
            "AKIAKIAKIAKIAKIAKIAK",
            "1111111111111111111111111111111111111111",
            None,
            None,
            "test",
        );
        let token = auth_token(
            "mydb.c1fycpveg7nf.us-west-2.rds.amazonaws.com",
            3306,
            "mysqluser",
            "eu-west-1",
            credentials,
            at,
        )
        .unwrap();
        assert_eq!(
            token,
            "mydb.c1fycpveg7nf.us-west-2.rds.amazonaws.com:3306/?Action=connect&DBUser=mysqluser\
             &X-Amz-Algorithm=AWS4-HMAC-SHA256\
             &X-Amz-Credential=AKIAKIAKIAKIAKIAKIAK%2F20180722%2Feu-west-1%2Frds-db%2Faws4_request\
             &X-Amz-Date=20180722T202236Z&X-Amz-Expires=900&X-Amz-SignedHeaders=host\
             &X-Amz-Signature=b77c366f1379046852039d21f733035fa73696275c03dd2908ef267c3049d831"
        );
    }
}
