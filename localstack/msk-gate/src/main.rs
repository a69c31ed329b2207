//! `msk-gate`: the local stack's MSK IAM listener (see the crate's documentation).

use std::sync::Arc;

use clap::Parser;
use msk_gate::token::Verifier;

#[derive(Parser)]
#[command(about = "TLS and SASL/OAUTHBEARER (MSK IAM) in front of a plaintext Kafka broker")]
struct Args {
    /// Where clients connect (the broker's advertised listener).
    #[arg(long, default_value = "127.0.0.1:9098")]
    listen: String,
    /// The plaintext broker behind.
    #[arg(long, default_value = "127.0.0.1:9092")]
    broker: String,
    /// The server certificate chain (PEM).
    #[arg(long)]
    cert: String,
    /// The server key (PEM).
    #[arg(long)]
    key: String,
    /// The region tokens must be scoped to.
    #[arg(long, env = "AWS_REGION")]
    region: String,
    /// The access key tokens must be signed with.
    #[arg(long, env = "AWS_ACCESS_KEY_ID")]
    access_key_id: String,
    /// Its secret.
    #[arg(long, env = "AWS_SECRET_ACCESS_KEY", hide_env_values = true)]
    secret_access_key: String,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let tls = msk_gate::tls(&args.cert, &args.key)?;
    let verifier = Arc::new(Verifier {
        region: args.region,
        access_key_id: args.access_key_id,
        secret_access_key: args.secret_access_key,
    });
    let listener = tokio::net::TcpListener::bind(&args.listen).await?;
    tracing::info!(listen = args.listen, broker = args.broker, "MSK IAM listener ready");
    msk_gate::serve(listener, args.broker, tls, verifier).await
}
