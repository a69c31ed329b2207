//! Cold start, once per function instance: tracing, configuration, clients, then the run loop.

use std::future::Future;
use std::sync::Arc;

use lambda_http::{service_fn, Request};

use crate::app::App;
use crate::config::Config;
use crate::http::{respond, HandlerResult};

/// JSON logs through `tracing`, filtered by `RUST_LOG` (default `info`). Safe to call twice.
pub fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(false)
        .without_time()
        .with_target(false)
        .try_init();
}

/// Builds the [`App`] from the environment.
pub async fn app_from_env() -> Result<Arc<App>, lambda_http::Error> {
    let config = Config::from_env()?;
    tracing::info!(?config, "cold start");
    Ok(App::connect(config).await?)
}

/// Runs an HTTP function: the whole `main` of every endpoint binary.
pub async fn serve_http<F, Fut>(handler: F) -> Result<(), lambda_http::Error>
where
    F: Fn(Arc<App>, Request) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = HandlerResult> + Send + 'static,
{
    init_tracing();
    let app = app_from_env().await?;
    lambda_http::run(service_fn(move |req: Request| {
        let (app, handler) = (app.clone(), handler.clone());
        async move { Ok::<_, std::convert::Infallible>(respond(handler(app, req).await)) }
    }))
    .await
}

/// Runs a scheduled function (EventBridge): the whole `main` of the sweep binary. The event's
/// content does not matter; a failure is returned so that the schedule's retry runs it again.
pub async fn serve_scheduled<F, Fut, T>(job: F) -> Result<(), lambda_runtime::Error>
where
    F: Fn(Arc<App>) -> Fut + Send + Sync + Clone + 'static,
    Fut: Future<Output = Result<T, crate::app::AppError>> + Send + 'static,
    T: serde::Serialize + Send + 'static,
{
    init_tracing();
    let app = app_from_env().await?;
    lambda_runtime::run(lambda_runtime::service_fn(move |_event: lambda_runtime::LambdaEvent<serde_json::Value>| {
        let (app, job) = (app.clone(), job.clone());
        async move { job(app).await.map_err(|e| lambda_runtime::Error::from(e.to_string())) }
    }))
    .await
}
