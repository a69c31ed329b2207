//! The local stack requires TLS of the functions as AWS does (RDS Proxy `RequireTLS`, ElastiCache
//! in-transit encryption with AUTH): every suite connection is encrypted, and plaintext is refused.

use booking_tests::Stack;
use sqlx::{ConnectOptions, Row};

#[tokio::test]
async fn the_functions_talk_tls_to_mysql_and_plaintext_is_refused() {
    let s = Stack::start().await;
    let c = &s.app.config;
    assert_eq!(
        c.db_ssl_mode, "verify_identity",
        "the local stack checks the server against its CA"
    );
    let cipher: String =
        sqlx::query("SHOW SESSION STATUS LIKE 'Ssl_cipher'").fetch_one(&s.db).await.unwrap().get(1);
    assert!(!cipher.is_empty(), "the suite's own connections are encrypted");
    let plain =
        booking_core::adapters::mysql::options(c).ssl_mode(sqlx::mysql::MySqlSslMode::Disabled);
    let err = plain.connect().await.expect_err("the functions' account is let in over TLS only");
    assert!(err.to_string().contains("Access denied"), "{err}");
    // A server certificate the local CA did not sign is refused too.
    let wrong_ca =
        booking_core::adapters::mysql::options(c).ssl_ca("/etc/ssl/certs/ca-certificates.crt");
    assert!(wrong_ca.connect().await.is_err(), "the server is checked, not just encrypted");
}

#[tokio::test]
async fn the_functions_talk_tls_with_auth_to_redis_and_plaintext_is_refused() {
    let s = Stack::start().await;
    let c = &s.app.config;
    assert!(
        c.redis_url.starts_with("rediss://"),
        "{}",
        c.redis_url.split('@').next_back().unwrap_or("")
    );
    let mut tls = s.redis().await;
    let pong: String = redis::cmd("PING").query_async(&mut tls).await.unwrap();
    assert_eq!(pong, "PONG");
    // The same server without TLS: nothing speaks plaintext there.
    let addr = c.redis_url.rsplit('@').next().unwrap().trim_start_matches("rediss://");
    let plain = redis::Client::open(format!("redis://{addr}")).unwrap();
    let refused = tokio::time::timeout(std::time::Duration::from_secs(5), async {
        let mut conn = plain.get_multiplexed_async_connection().await?;
        redis::cmd("PING").query_async::<String>(&mut conn).await
    })
    .await;
    assert!(!matches!(refused, Ok(Ok(_))), "a plaintext PING was answered");
    // TLS without the AUTH token: refused.
    let ca = std::fs::read(c.redis_ca_file.as_deref().unwrap()).unwrap();
    let anonymous = redis::Client::build_with_tls(
        format!("rediss://{addr}"),
        redis::TlsCertificates { client_tls: None, root_cert: Some(ca) },
    )
    .unwrap();
    let mut conn = anonymous.get_multiplexed_async_connection().await.unwrap();
    let err = redis::cmd("PING").query_async::<String>(&mut conn).await.unwrap_err();
    assert!(err.to_string().contains("NOAUTH"), "{err}");
}
