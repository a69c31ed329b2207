//! Cold start, once per function instance: tracing, configuration, the wiring of ports to
//! adapters (the only place that names an adapter), then the run loop.

use std::future::Future;
use std::sync::Arc;

use lambda_http::{service_fn, Request};

use crate::adapters::apigw::ManagementApi;
use crate::adapters::clock::SystemClock;
use crate::adapters::connections::DynamoConnections;
use crate::adapters::dynamodb::{aws_config, DynamoIdempotency};
use crate::adapters::hold_history::DynamoHoldHistory;
use crate::adapters::kafka::{Kafka, KafkaPublisher};
use crate::adapters::ledger::DynamoLedger;
use crate::adapters::mysql::{
    self, MySqlBookings, MySqlCodes, MySqlEvents, MySqlHistory, MySqlOutbox, MySqlPayments,
    MySqlPresale, MySqlTickets, MySqlWaitlist,
};
use crate::adapters::notify::AwsNotifier;
use crate::adapters::redis::RedisSeats;
use crate::adapters::sandbox::SandboxProvider;
use crate::adapters::secrets::SecretsManager;
use crate::adapters::stripe::StripeProvider;
use crate::app::{App, Ports};
use crate::auth::TokenKeys;
use crate::config::ProviderKind;
use crate::config::{Config, Secret};
use crate::http::{respond, HandlerResult};
use crate::ports::Clock;
use crate::ws::{WsRequest, WsResponse};

/// JSON logs through `tracing`, filtered by `RUST_LOG` (default `info`). Safe to call twice.
pub fn init_tracing() {
    init_tracing_to(std::io::stdout);
}

/// [`init_tracing`] writing to `writer` (tests install the functions' own subscriber this way,
/// spans and all, without the noise).
pub fn init_tracing_to<W>(writer: W)
where
    W: for<'w> tracing_subscriber::fmt::MakeWriter<'w> + Send + Sync + 'static,
{
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_writer(writer)
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// What every function needs unless it says otherwise: the database.
pub const DATABASE: &[Secret] = &[Secret::Database];
/// What a function that issues or checks the waiting room's access passes needs.
pub const QUEUE_PASSES: &[Secret] = &[Secret::Database, Secret::QueueTokenKey];
/// What a function that moves money through Stripe needs: its secret key too.
pub const MONEY: &[Secret] = &[Secret::Database, Secret::StripeKey];
/// What a function that makes or checks ticket codes needs.
pub const TICKETS: &[Secret] = &[Secret::Database, Secret::TicketKey];

/// Builds the [`App`] from the environment, with the secrets `needs` resolved and checked: in
/// Lambda a function without them refuses to start, saying which.
pub async fn app_from_env(needs: &[Secret]) -> Result<Arc<App>, lambda_http::Error> {
    // The AWS configuration is loaded once and serves the secrets and every AWS client.
    let aws = aws_config().await;
    let config = config(&crate::config::Env, needs, &aws).await?;
    tracing::info!(?config, "cold start");
    Ok(Arc::new(wire_with(config, Arc::new(SystemClock), &aws)?))
}

/// The configuration from `env`, its secrets read from Secrets Manager by ARN, checked against
/// `needs` ([`Config::check`]).
pub async fn config(
    env: &dyn crate::config::Lookup,
    needs: &[Secret],
    aws: &aws_config::SdkConfig,
) -> anyhow::Result<Config> {
    let mut config = Config::from_lookup(env)?;
    if config.webhook_secret_arn.is_some()
        || config.queue_token_secret_arn.is_some()
        || config.ticket_key_secret_arn.is_some()
        || config.db_secret_arn.is_some()
        || config.redis_auth_secret_arn.is_some()
        || config.payments.stripe_secret_key_arn.is_some()
    {
        let secrets = SecretsManager::new(aws);
        if let Some(arn) = &config.webhook_secret_arn {
            config.webhook_secret = secrets.string(arn).await?;
        }
        if let Some(arn) = &config.queue_token_secret_arn {
            config.queue_token_secret = secrets.string(arn).await?;
        }
        if let Some(arn) = &config.ticket_key_secret_arn {
            config.ticket_key_secret = secrets.string(arn).await?;
        }
        if let Some(arn) = &config.payments.stripe_secret_key_arn {
            config.payments.stripe_secret_key = secrets.string(arn).await?;
        }
        if let Some(arn) = &config.redis_auth_secret_arn {
            config.redis_password = Some(secrets.string(arn).await?);
        }
        if let Some(arn) = &config.db_secret_arn {
            let db = secrets.db_credentials(arn).await?;
            (config.db_user, config.db_password) = (db.username, db.password);
        }
    }
    if config.db_iam_auth {
        // The first auth token; `ports` renews it for the pool.
        config.db_password = mysql::iam::fresh_token(&config, aws).await?;
    }
    config.check(needs)?;
    Ok(config)
}

/// The [`App`] of `config` on the real backends and the system clock.
pub async fn app(config: Config) -> anyhow::Result<Arc<App>> {
    Ok(Arc::new(wire(config, Arc::new(SystemClock)).await?))
}

/// The real backends behind every port. Nothing connects here: the MySQL pool, the Redis
/// connection and the Kafka producer open on first use, and the AWS clients connect per call, so
/// a function connects only to what it uses (a Redis outage does not stop one that never holds a
/// seat). `clock` is the system's in production; tests pass one they can move.
pub async fn wire(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<App> {
    wire_with(config, clock, &aws_config().await)
}

/// [`wire`] with the AWS configuration already loaded.
fn wire_with(
    config: Config,
    clock: Arc<dyn Clock>,
    aws: &aws_config::SdkConfig,
) -> anyhow::Result<App> {
    let token_keys = TokenKeys::new(
        config.jwt_jwks.as_deref(),
        config.jwt_issuer.as_deref(),
        &config.jwt_secret,
    )
    .map_err(|e| anyhow::anyhow!("JWT_JWKS is not a JWKS document: {e}"))?;
    let ports = ports(&config, clock, aws)?;
    Ok(App::new(config, token_keys, ports))
}

/// The ports [`wire`] gives an [`App`], for a caller that swaps one before building it (a test
/// with a broker that is away, say).
pub fn ports(
    config: &Config,
    clock: Arc<dyn Clock>,
    aws: &aws_config::SdkConfig,
) -> anyhow::Result<Ports> {
    let pool = mysql::pool(mysql::options(config), config.db_max_connections);
    if config.db_iam_auth {
        mysql::iam::keep_fresh(pool.clone(), config.clone(), aws.clone());
    }
    let seats = Arc::new(RedisSeats::new(
        &config.redis_url,
        config.key_prefix.as_str(),
        config.redis_ca_file.as_deref(),
        config.redis_password.as_deref(),
        config.redis_cluster,
    )?);
    let prefix = config.key_prefix.as_str();
    let ledger = Arc::new(DynamoLedger::new(aws, &config.notifications_table, prefix));
    let events = Arc::new(MySqlEvents::new(pool.clone()));
    Ok(Ports {
        clock,
        events: events.clone(),
        cancellations: events.clone(),
        blocks: events,
        codes: Arc::new(MySqlCodes::new(pool.clone())),
        presale: Arc::new(MySqlPresale::new(pool.clone())),
        tickets: Arc::new(MySqlTickets::new(pool.clone())),
        history: Arc::new(MySqlHistory::new(pool.clone())),
        hold_history: Arc::new(DynamoHoldHistory::new(aws, &config.hold_history_table, prefix)),
        waitlist: Arc::new(MySqlWaitlist::new(pool.clone())),
        holds: seats.clone(),
        seat_map: seats.clone(),
        closing: seats.clone(),
        sweep: seats.clone(),
        seat_log: seats.clone(),
        limiter: seats.clone(),
        queue: seats,
        bookings: Arc::new(MySqlBookings::new(pool.clone())),
        payments: Arc::new(MySqlPayments::new(pool.clone())),
        provider: match config.payments.provider {
            ProviderKind::Sandbox => Arc::new(SandboxProvider::new(pool.clone())),
            ProviderKind::Stripe => Arc::new(StripeProvider::new(&config.payments, pool.clone())?),
        },
        idempotency: Arc::new(DynamoIdempotency::new(aws, &config.idempotency_table, prefix)),
        outbox: Arc::new(MySqlOutbox::new(pool)),
        publisher: Arc::new(KafkaPublisher::new(Kafka::new(config), prefix)),
        connections: Arc::new(DynamoConnections::new(aws, &config.connections_table, prefix)),
        claims: ledger.clone(),
        watermarks: ledger,
        pusher: Arc::new(ManagementApi::new(aws, &config.ws_management_endpoint)),
        notifier: Arc::new(AwsNotifier::new(aws, &config.notify_from)),
    })
}

/// Runs an HTTP function: the whole `main` of every endpoint binary.
pub async fn serve_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<App>, Request) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    serve_http_needing(DATABASE, handler).await
}

/// [`serve_http`] for a function that needs more secrets than the database's.
pub async fn serve_http_needing<F, Fut>(
    needs: &[Secret],
    handler: F,
) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<App>, Request) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    init_tracing();
    let app = app_from_env(needs).await?;
    lambda_http::run(service_fn(move |req: Request| {
        let (app, handler) = (app.clone(), handler.clone());
        async move { Ok::<_, std::convert::Infallible>(respond(handler(app, req).await)) }
    }))
    .await
}

/// Runs a function driven by an AWS event of type `E` (a schedule, an MSK batch, a WebSocket
/// route): a failure is returned to Lambda, so that the trigger's retry runs it again.
pub async fn serve_event<E, F, Fut, T>(
    needs: &[Secret],
    job: F,
) -> Result<(), lambda_runtime::Error>
where
    E: serde::de::DeserializeOwned + Send + 'static,
    F: Fn(Arc<App>, E) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<T, crate::app::AppError>> + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    init_tracing();
    let app = app_from_env(needs).await?;
    lambda_runtime::run(lambda_runtime::service_fn(move |event: lambda_runtime::LambdaEvent<E>| {
        let (app, job) = (app.clone(), job.clone());
        async move {
            job(app, event.payload).await.map_err(|e| lambda_runtime::Error::from(e.to_string()))
        }
    }))
    .await
}

/// Runs a scheduled function (EventBridge): the event's content does not matter.
pub async fn serve_scheduled<F, Fut, T>(job: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Arc<App>) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<T, crate::app::AppError>> + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    serve_scheduled_needing(DATABASE, job).await
}

/// [`serve_scheduled`] for a job that needs more secrets than the database's.
pub async fn serve_scheduled_needing<F, Fut, T>(
    needs: &[Secret],
    job: F,
) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Arc<App>) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<T, crate::app::AppError>> + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    serve_event(needs, move |app, _event: serde_json::Value| job(app)).await
}

/// Runs a Kafka consumer function (an MSK event source mapping): the whole `main` of one.
pub async fn serve_kafka(function: &'static str) -> Result<(), lambda_runtime::Error> {
    let consumer = crate::consumers::consumer(function)
        .ok_or_else(|| format!("no consumer called {function}"))?;
    serve_event(
        consumer.needs,
        move |app, batch: aws_lambda_events::event::kafka::KafkaEvent| async move {
            crate::consumers::consume(&app, consumer.function, batch, consumer.handler).await
        },
    )
    .await
}

/// Runs a WebSocket route function: the whole `main` of one. The answer is API Gateway's
/// integration response (a non-2xx answer to `$connect` refuses the connection).
pub async fn serve_ws<F, Fut>(needs: &[Secret], handler: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Arc<App>, WsRequest) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = WsResponse> + Send + 'static,
{
    serve_event(needs, move |app, req: WsRequest| {
        let handler = handler.clone();
        async move { Ok::<_, crate::app::AppError>(handler(app, req).await) }
    })
    .await
}
