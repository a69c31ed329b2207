//! The configuration read from named values, and what Lambda refuses.

use super::*;

fn config(vars: &[(&str, &str)]) -> Config {
    let vars: Vec<(String, String)> =
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let lookup = move |name: &str| vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    Config::from_lookup(&lookup).unwrap()
}

#[test]
fn a_bad_configuration_names_every_problem_at_once() {
    let vars = [
        ("DB_PORT", "http"),
        ("DB_SSL_MODE", "sometimes"),
        ("KAFKA_SECURITY", "tin-can"),
        ("KEY_PREFIX", "a b"),
        ("HOLD_TTL_SECONDS", "5"),
        ("REDIS_CLUSTER", "maybe"),
    ];
    let lookup = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
    let err = Config::from_lookup(&lookup).unwrap_err().to_string();
    for named in [
        "DB_PORT",
        "DB_SSL_MODE",
        "verify_identity",
        "KAFKA_SECURITY",
        "KEY_PREFIX",
        "HOLD_TTL_SECONDS",
        "REDIS_CLUSTER",
    ] {
        assert!(err.contains(named), "{named} is not named: {err}");
    }
    let c = config(&[("DB_SSL_MODE", "VERIFY_IDENTITY"), ("KAFKA_SECURITY", "IAM")]);
    assert_eq!((c.db_ssl_mode, c.kafka_security), (DbSslMode::VerifyIdentity, KafkaSecurity::Iam));
}

#[test]
fn in_lambda_every_problem_of_the_database_is_named() {
    let c = config(&[
        ("AWS_LAMBDA_FUNCTION_NAME", "bookings-create"),
        ("REDIS_TLS", "true"),
        ("KAFKA_SECURITY", "iam"),
    ]);
    let err = c.check(&[Secret::Database]).unwrap_err().to_string();
    assert!(
        err.contains("DB_SECRET_ARN is not set")
            && err.contains("DB_SSL_MODE must be verify_identity"),
        "{err}"
    );
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
        ("PAYMENT_PROVIDER", "stripe"),
    ];
    let err = config(&lambda[..1]).check(&[]).unwrap_err().to_string();
    assert!(err.contains("REDIS_TLS"), "plaintext Redis in Lambda: {err}");
    assert!(err.contains("KAFKA_SECURITY must be iam"), "plaintext Kafka in Lambda: {err}");
    let tls_only = config(&[lambda[0], lambda[1], ("KAFKA_SECURITY", "tls")]);
    assert!(tls_only.check(&[]).unwrap_err().to_string().contains("KAFKA_SECURITY"));
    assert!(config(&lambda).check(&[]).is_ok());
    let err =
        config(&lambda).check(&[Secret::WebhookSecret, Secret::Database]).unwrap_err().to_string();
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
        lambda[3],
        ("PAYMENT_WEBHOOK_SECRET_ARN", "arn:aws:secretsmanager:x"),
    ]);
    let err = c.check(&[Secret::WebhookSecret]).unwrap_err().to_string();
    assert!(err.contains("public local default"), "{err}");
    c.webhook_secret = "a-real-secret-from-secrets-manager".into();
    assert!(c.check(&[Secret::WebhookSecret]).is_ok());
    // A secret as a literal environment value is refused, needed or not.
    let err =
        config(&[lambda[0], ("PAYMENT_WEBHOOK_SECRET", "x")]).check(&[]).unwrap_err().to_string();
    assert!(err.contains("PAYMENT_WEBHOOK_SECRET is set in the environment"), "{err}");
    let err = config(&[lambda[0], ("LOCAL_JWT_SECRET", "y")]).check(&[]).unwrap_err().to_string();
    assert!(err.contains("LOCAL_JWT_SECRET"), "{err}");
    // Code that checks tokens itself needs the user pool's keys, never the local secret.
    let err = config(&lambda).check(&[Secret::TokenKeys]).unwrap_err().to_string();
    assert!(err.contains("JWT_JWKS"), "{err}");
    assert!(config(&[
        lambda[0],
        lambda[1],
        lambda[2],
        lambda[3],
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
        ("PAYMENT_PROVIDER", "stripe"),
    ];
    let err = config(&lambda).check(&[Secret::QueueTokenKey]).unwrap_err().to_string();
    assert!(err.contains("QUEUE_TOKEN_SECRET_ARN is not set"), "{err}");
    let mut c =
        config(&[lambda[0], lambda[1], lambda[2], lambda[3], ("QUEUE_TOKEN_SECRET_ARN", "arn:x")]);
    assert!(c.check(&[Secret::QueueTokenKey]).is_err(), "the public default is refused");
    c.queue_token_secret = "short".into();
    assert!(c.check(&[Secret::QueueTokenKey]).is_err(), "a short secret is refused");
    c.queue_token_secret = "x".repeat(32);
    assert!(c.check(&[Secret::QueueTokenKey]).is_ok());
    let err = config(&lambda).check(&[Secret::TicketKey]).unwrap_err().to_string();
    assert!(err.contains("TICKET_KEY_SECRET_ARN is not set"), "{err}");
    let mut t =
        config(&[lambda[0], lambda[1], lambda[2], lambda[3], ("TICKET_KEY_SECRET_ARN", "arn:t")]);
    assert!(t.check(&[Secret::TicketKey]).is_err(), "the public default is refused");
    t.ticket_key_secret = "t".repeat(32);
    assert!(t.check(&[Secret::TicketKey]).is_ok());
    let err = config(&[lambda[0], lambda[1], lambda[2], ("QUEUE_TOKEN_SECRET", "s")])
        .check(&[])
        .unwrap_err()
        .to_string();
    assert!(err.contains("QUEUE_TOKEN_SECRET is set in the environment"), "{err}");
}

#[test]
fn in_lambda_only_stripe_takes_the_money_with_its_key_from_an_arn() {
    let lambda = [
        ("AWS_LAMBDA_FUNCTION_NAME", "payments-create"),
        ("REDIS_TLS", "true"),
        ("KAFKA_SECURITY", "iam"),
    ];
    let err = config(&lambda).check(&[]).unwrap_err().to_string();
    assert!(err.contains("PAYMENT_PROVIDER must be stripe"), "the sandbox by default: {err}");
    let sandbox = config(&[lambda[0], lambda[1], lambda[2], ("PAYMENT_PROVIDER", "sandbox")]);
    assert!(sandbox.check(&[]).is_err(), "nor when asked for");
    let stripe = [lambda[0], lambda[1], lambda[2], ("PAYMENT_PROVIDER", "stripe")];
    assert!(config(&stripe).check(&[]).is_ok(), "a function that moves no money needs no key");
    let err = config(&stripe).check(&[Secret::StripeKey]).unwrap_err().to_string();
    assert!(err.contains("STRIPE_SECRET_KEY_ARN is not set"), "{err}");
    let mut c =
        config(&[stripe[0], stripe[1], stripe[2], stripe[3], ("STRIPE_SECRET_KEY_ARN", "arn:x")]);
    assert!(c.check(&[Secret::StripeKey]).is_err(), "the local emulator's key is no secret key");
    c.payments.stripe_secret_key = "sk_live_from_secrets_manager".into();
    assert!(c.check(&[Secret::StripeKey]).is_ok());
    c.payments.stripe_api_base = "http://api.stripe.com".into();
    assert!(c.check(&[Secret::StripeKey]).unwrap_err().to_string().contains("https"));
    let err =
        config(&[stripe[0], stripe[1], stripe[2], stripe[3], ("STRIPE_SECRET_KEY", "sk_live_x")])
            .check(&[])
            .unwrap_err()
            .to_string();
    assert!(err.contains("STRIPE_SECRET_KEY is set in the environment"), "{err}");
    let paypal = |k: &str| (k == "PAYMENT_PROVIDER").then(|| "paypal".to_string());
    assert!(Config::from_lookup(&paypal).is_err(), "an unknown provider does not parse");
}
