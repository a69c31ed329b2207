//! The local stack requires TLS of the functions as AWS does (RDS Proxy `RequireTLS`, ElastiCache
//! in-transit encryption with AUTH, MSK over TLS with IAM auth): every suite connection is
//! encrypted, and plaintext is refused.

use booking_tests::Stack;
use sqlx::{ConnectOptions, Row};

#[tokio::test]
async fn the_functions_talk_tls_to_mysql_and_plaintext_is_refused() {
    let s = Stack::start().await;
    let c = &s.app.config;
    assert_eq!(
        c.db_ssl_mode,
        booking_core::config::DbSslMode::VerifyIdentity,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_functions_talk_tls_with_iam_auth_to_kafka_and_anything_less_is_refused() {
    use aws_credential_types::provider::SharedCredentialsProvider;
    use aws_credential_types::Credentials;
    use booking_core::adapters::kafka::{Kafka, MskContext};
    use booking_core::config::KafkaSecurity;
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use std::time::Duration;

    let s = Stack::start().await;
    s.create_topics().await;
    let c = s.app.config.clone();
    assert_eq!(c.kafka_security, KafkaSecurity::Iam, "the local stack plays MSK's IAM listener");
    let topic = format!("{}booking.events", s.redis_prefix);
    // What a client of `kafka` learns of the test's topic, or why it learnt nothing.
    let lookup = |kafka: Kafka| {
        let topic = topic.clone();
        tokio::task::spawn_blocking(move || -> Result<usize, String> {
            let client: BaseConsumer<MskContext> = kafka.client(&[]).map_err(|e| e.to_string())?;
            let metadata = client
                .fetch_metadata(Some(&topic), Duration::from_secs(5))
                .map_err(|e| e.to_string())?;
            Ok(metadata.topics().iter().map(|t| t.partitions().len()).sum())
        })
    };
    assert_eq!(lookup(s.kafka()).await.unwrap(), Ok(1), "TLS with a valid IAM token gets in");
    // Plaintext to the same address: no TLS, no answer.
    let mut plain = c.clone();
    plain.kafka_security = KafkaSecurity::Plaintext;
    assert!(lookup(Kafka::new(&plain)).await.unwrap().is_err(), "plaintext was answered");
    // TLS without authenticating: nothing but the handshake is answered.
    let mut tls_only = c.clone();
    tls_only.kafka_security = KafkaSecurity::Tls;
    assert!(lookup(Kafka::new(&tls_only)).await.unwrap().is_err(), "TLS without a token got in");
    // A well-formed token signed with a key the cluster does not know.
    let forged = Credentials::new("local", "not-the-secret", None, None, "intruder");
    let forger = s.kafka().signed_by(SharedCredentialsProvider::new(forged));
    assert!(lookup(forger).await.unwrap().is_err(), "a forged token got in");
    // A certificate the client's CA did not sign is refused by the client.
    let mut other_ca = c.clone();
    other_ca.kafka_ca_file = Some("/etc/ssl/certs/ca-certificates.crt".into());
    assert!(lookup(Kafka::new(&other_ca)).await.unwrap().is_err(), "the broker was not checked");
}
