//! `local-gateway`: serve the API locally, mint a token, or apply migrations.

use std::net::SocketAddr;

use clap::{Parser, Subcommand};
use local_gateway::{auth, serve, Gateway};

#[derive(Parser)]
#[command(about = "Plays API Gateway locally for the booking functions")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the HTTP API (the default).
    Serve {
        #[arg(long, env = "GATEWAY_ADDR", default_value = "127.0.0.1:8080")]
        addr: SocketAddr,
    },
    /// Print a bearer token for a user (HS256, LOCAL_JWT_SECRET).
    Token {
        #[arg(long, default_value = "user-1")]
        user: String,
        #[arg(long)]
        admin: bool,
        #[arg(long, default_value_t = 86_400)]
        ttl_seconds: i64,
    },
    /// Apply the database migrations (DB_* variables) and exit.
    Migrate,
}

fn secret() -> String {
    std::env::var("LOCAL_JWT_SECRET")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| auth::DEFAULT_SECRET.to_string())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    match cli.command.unwrap_or(Command::Serve { addr: "127.0.0.1:8080".parse()? }) {
        Command::Token { user, admin, ttl_seconds } => {
            println!("{}", auth::mint(&secret(), &user, admin, ttl_seconds));
        }
        Command::Migrate => {
            let config = booking_core::Config::from_env()?;
            let pool = booking_core::adapters::mysql::pool(
                booking_core::adapters::mysql::options(&config),
                1,
            );
            booking_core::adapters::mysql::migrate(&pool).await?;
            println!("migrations applied to {}", config.db_name);
        }
        Command::Serve { addr } => {
            booking_core::bootstrap::init_tracing();
            let mut config = booking_core::Config::from_env()?;
            // Pushes come back to this gateway unless told otherwise.
            if std::env::var("WS_MANAGEMENT_ENDPOINT").is_err() {
                config.ws_management_endpoint = format!("http://{addr}");
            }
            let app = booking_core::bootstrap::app(config).await?;
            let ms = |name: &str, default: u64| {
                std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
            };
            local_gateway::spawn_background(
                app.clone(),
                std::time::Duration::from_millis(ms("RELAY_INTERVAL_MS", 100)),
                std::time::Duration::from_millis(ms("SWEEP_INTERVAL_MS", 5_000)),
            );
            let listener = tokio::net::TcpListener::bind(addr).await?;
            serve(Gateway::new(app), listener).await?;
        }
    }
    Ok(())
}
