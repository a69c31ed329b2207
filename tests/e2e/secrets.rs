//! Deployed functions fail closed: secrets come from Secrets Manager by ARN (the local emulator
//! serves the same API), and a function started as in Lambda without them, or with a public local
//! default, refuses to start and says which.

use std::process::Stdio;
use std::time::Duration;

use booking_core::config::{Secret, DEFAULT_WEBHOOK_SECRET};

async fn aws() -> aws_config::SdkConfig {
    booking_core::adapters::dynamodb::aws_config().await
}

/// Creates a secret in the emulator; returns its ARN.
async fn secret(name: &str, value: &str) -> String {
    let client = aws_sdk_secretsmanager::Client::new(&aws().await);
    let name = format!("{name}-{}", uuid::Uuid::new_v4().simple());
    let out = client
        .create_secret()
        .name(&name)
        .secret_string(value)
        .send()
        .await
        .expect("the emulator answers");
    out.arn.expect("an ARN")
}

fn lambda_env(extra: Vec<(&'static str, String)>) -> impl Fn(&str) -> Option<String> {
    move |name: &str| {
        if name == "AWS_LAMBDA_FUNCTION_NAME" {
            return Some("payments-webhook".into());
        }
        // A fresh Lambda environment: only what the template sets (the local stack's own
        // secrets in this process's environment are not there).
        extra.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone())
    }
}

#[tokio::test]
async fn secrets_are_read_by_arn_at_cold_start() {
    let webhook = secret("webhook", "whsec-a-real-one").await;
    let db =
        secret("db", r#"{"username":"booking_app","password":"s3cret","engine":"mysql"}"#).await;
    let stripe = secret("stripe", "sk_test_a_real_one").await;
    let env = lambda_env(vec![
        ("PAYMENT_PROVIDER", "stripe".into()),
        ("STRIPE_SECRET_KEY_ARN", stripe),
        ("PAYMENT_WEBHOOK_SECRET_ARN", webhook),
        ("DB_SECRET_ARN", db),
        ("DB_SSL_MODE", "verify_identity".into()),
        ("REDIS_TLS", "true".into()),
        ("KAFKA_SECURITY", "iam".into()),
    ]);
    let config = booking_core::bootstrap::config(
        &env,
        &[Secret::Database, Secret::WebhookSecret],
        &aws().await,
    )
    .await
    .unwrap();
    assert!(config.in_lambda);
    assert_eq!(config.webhook_secret, "whsec-a-real-one");
    assert_eq!((config.db_user.as_str(), config.db_password.as_str()), ("booking_app", "s3cret"));
    assert_eq!(config.payments.stripe_secret_key, "sk_test_a_real_one");
    let shown = format!("{config:?}");
    assert!(
        !shown.contains("s3cret") && !shown.contains("whsec") && !shown.contains("sk_test"),
        "secrets are never logged"
    );
}

#[tokio::test]
async fn with_iam_database_auth_the_password_is_an_auth_token_signed_at_cold_start() {
    let stripe = secret("stripe", "sk_test_a_real_one").await;
    let iam = |ssl: &str| {
        lambda_env(vec![
            ("PAYMENT_PROVIDER", "stripe".into()),
            ("STRIPE_SECRET_KEY_ARN", stripe.clone()),
            ("DB_IAM_AUTH", "true".into()),
            ("DB_HOST", "proxy.example".into()),
            ("DB_USER", "booking_app".into()),
            ("DB_SSL_MODE", ssl.to_string()),
            ("REDIS_TLS", "true".into()),
            ("KAFKA_SECURITY", "iam".into()),
        ])
    };
    // No DB_SECRET_ARN: the function's role signs the password.
    let config =
        booking_core::bootstrap::config(&iam("verify_identity"), &[Secret::Database], &aws().await)
            .await
            .unwrap();
    let token = &config.db_password;
    assert!(token.starts_with("proxy.example:3306/?Action=connect&DBUser=booking_app&"), "{token}");
    assert!(token.contains("%2Frds-db%2Faws4_request") && token.contains("&X-Amz-Signature="));
    assert!(!format!("{config:?}").contains("X-Amz-Signature"), "the token is never logged");
    // Sent in clear text, so only inside TLS with the server checked.
    let err = booking_core::bootstrap::config(&iam("required"), &[Secret::Database], &aws().await)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("DB_SSL_MODE must be verify_identity"), "{err}");
}

#[tokio::test]
async fn a_secret_that_is_the_public_default_is_refused_even_from_secrets_manager() {
    let webhook = secret("webhook", DEFAULT_WEBHOOK_SECRET).await;
    let db = secret("db", r#"{"username":"u","password":"p"}"#).await;
    let env = lambda_env(vec![("PAYMENT_WEBHOOK_SECRET_ARN", webhook), ("DB_SECRET_ARN", db)]);
    let err = booking_core::bootstrap::config(&env, &[Secret::WebhookSecret], &aws().await)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("public local default"), "{err}");
}

/// The function binary itself, started as Lambda starts it (the runtime's variables set, a
/// runtime API address that nothing serves): without its secrets it must exit at once, naming
/// them, and never reach the point of taking an invocation.
#[tokio::test]
async fn the_webhook_function_started_as_in_lambda_without_its_secrets_refuses_to_start() {
    let exe = std::env::current_exe().unwrap();
    let bin = exe.parent().and_then(|d| d.parent()).unwrap().join("payments-webhook");
    assert!(bin.exists(), "{} is built by localstack/test.sh before the tests", bin.display());
    let cases: [(&[(&str, &str)], &str); 4] = [
        (&[], "PAYMENT_WEBHOOK_SECRET_ARN is not set"),
        // The sandbox gives tickets away: it never starts in Lambda.
        (&[("PAYMENT_PROVIDER", "sandbox")], "PAYMENT_PROVIDER must be stripe"),
        (&[("PAYMENT_PROVIDER", "stripe")], "STRIPE_SECRET_KEY_ARN is not set"),
        (
            &[("PAYMENT_WEBHOOK_SECRET", DEFAULT_WEBHOOK_SECRET)],
            "PAYMENT_WEBHOOK_SECRET is set in the environment",
        ),
    ];
    for (extra, want) in cases {
        let mut cmd = tokio::process::Command::new(&bin);
        cmd.env_remove("PAYMENT_WEBHOOK_SECRET")
            .env_remove("DB_PASSWORD")
            .env_remove("LOCAL_JWT_SECRET")
            .env("AWS_LAMBDA_FUNCTION_NAME", "payments-webhook")
            .env("AWS_LAMBDA_RUNTIME_API", "127.0.0.1:9")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
            .envs(extra.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let out = tokio::time::timeout(Duration::from_secs(30), cmd.output())
            .await
            .expect("it exits")
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!out.status.success(), "{said}");
        assert!(said.contains(want) && said.contains("DB_SECRET_ARN"), "{want}: {said}");
    }
}
