//! `onsale-bench`: drives the real HTTP API through the local gateway like an on-sale, audits the
//! result in MySQL, and measures the raw backend limits on the same machine at the same moment.
//!
//! With the system up (`bash localstack/run.sh --detach`, or a release gateway):
//! `cargo run --release -p onsale-bench -- sellout` and `... -- holds`.

mod baseline;
mod bookings;
mod budget;
mod chaos;
mod checkins;
mod codes;
mod coldstart;
mod holds;
mod presale;
mod queue;
mod reads;
mod report;
mod sellout;
mod watch;

use std::time::Duration;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(about = "On-sale load tool: throughput, latency, audit, baselines")]
struct Cli {
    #[arg(long, default_value = "http://127.0.0.1:8080", global = true)]
    url: String,
    #[arg(long, env = "LOCAL_JWT_SECRET", default_value = "local-dev-secret", global = true)]
    secret: String,
    #[arg(long, default_value = "redis://127.0.0.1:6381/", global = true)]
    redis: String,
    #[arg(
        long,
        default_value = "mysql://booking_bench:local-bench-password@127.0.0.1:3307/bench",
        global = true
    )]
    database: String,
    #[arg(long, default_value_t = 64, global = true)]
    concurrency: usize,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Buyers race to hold 1-4 random seats and release them; then the raw Redis baseline.
    Holds {
        #[arg(long, default_value_t = 10_000)]
        seats: u32,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// The on-sale: N seats, M buyers racing to hold, book and pay; then the audit and baselines.
    Sellout(sellout::Options),
    /// The on-sale behind a waiting room: joins, the opening, admitted buyers hold, book and pay;
    /// then the same crowd without the room, and the queue script's raw rate on one shard.
    Queue(queue::Options),
    /// The door under load: tickets sold, then scanned once each, then one ticket by everyone.
    Checkins(checkins::Options),
    /// The booking path's capacity: many holds made first, then all booked at once, then all paid.
    Bookings(bookings::Options),
    /// The code race: one code with few uses, many buyers; holds with and without a code.
    Codes(codes::Options),
    /// An on-sale with a presale: a tenth of the crowd with an access code reserving a tenth of
    /// the seats, then the general sale, then the reservation's end.
    Presale(presale::Options),
    /// The seat map's read rate: each view of a 10,000-seat event under `wrk -t2 -c32`.
    Reads(reads::Options),
    /// What a hold, a release, a booking, a payment and a check-in cost each store, counted.
    Budget(budget::Options),
    /// The idempotency store's claim + complete rate on each DynamoDB endpoint given
    /// (`--endpoint moto=http://127.0.0.1:5000 --endpoint dynoxide=http://127.0.0.1:5001`).
    Dynamo {
        #[arg(long = "endpoint", required = true)]
        endpoints: Vec<String>,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
    },
    /// Init time of each function binary against a local Lambda runtime API, and its size.
    Coldstart {
        /// Where `cargo lambda build --release` put the binaries.
        #[arg(long, default_value = "target/lambda")]
        dir: std::path::PathBuf,
        /// The functions to measure: one folder each.
        #[arg(long, default_value = "functions")]
        functions: std::path::PathBuf,
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
}

/// Creates an event of one section `A` with at least `seats` seats in rows of 50, through the API,
/// with the `extra` fields of the create body (a sales window, a waiting room). Returns its id and
/// the seat ids in map order.
pub async fn create_event(
    http: &reqwest::Client,
    url: &str,
    secret: &str,
    seats: u32,
    max_per_order: u32,
    extra: serde_json::Value,
) -> anyhow::Result<(String, Vec<String>)> {
    use anyhow::Context;
    let per_row = 50u32;
    let rows = seats.div_ceil(per_row);
    let admin = local_gateway::auth::mint(secret, "bench-admin", true, 3600);
    let mut body = serde_json::json!({ "name": "On-sale", "venue": "Bench Arena", "startsAt": "2027-01-01T00:00:00Z",
        "maxSeatsPerOrder": max_per_order,
        "sections": [{ "name": "A", "rows": rows, "seatsPerRow": per_row, "priceCents": 5000 }] });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let event: serde_json::Value = http
        .post(format!("{url}/api/v1/events"))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .context("is the gateway up? bash localstack/run.sh --detach")?
        .error_for_status()?
        .json()
        .await?;
    let id = event["id"].as_str().context("event id")?.to_string();
    Ok((id, (1..=rows).flat_map(|r| (1..=per_row).map(move |n| format!("A-{r}-{n}"))).collect()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    booking_core::adapters::install_crypto();
    let cli = Cli::parse();
    // Modes with a verdict (audit, exact counts) fail the run when it is not met.
    let (url, secret, redis, db, c) =
        (&cli.url, &cli.secret, &cli.redis, &cli.database, cli.concurrency);
    let passed = match cli.command {
        Command::Holds { seats, seconds } => {
            let d = Duration::from_secs(seconds);
            holds::holds(url, seats, c, d, secret).await?;
            baseline::redis_baseline(redis, seats, c, d).await?;
            true
        }
        Command::Reads(options) => {
            reads::run(url, secret, options).await?;
            true
        }
        Command::Dynamo { endpoints, seconds } => {
            baseline::dynamo(&endpoints, c, Duration::from_secs(seconds)).await?;
            true
        }
        Command::Queue(options) => queue::run(url, secret, redis, db, c, options).await?,
        Command::Checkins(options) => checkins::run(url, secret, db, c, options).await?,
        Command::Bookings(options) => bookings::run(url, secret, db, c, options).await?,
        Command::Codes(options) => codes::run(url, secret, redis, db, c, options).await?,
        Command::Presale(options) => presale::run(url, secret, redis, db, c, options).await?,
        Command::Budget(options) => budget::run(url, secret, redis, db, options).await?,
        Command::Coldstart { dir, functions, runs } => {
            coldstart::run(&dir, &functions, runs).await?;
            true
        }
        Command::Sellout(options) => sellout::run(url, secret, redis, db, c, options).await?,
    };
    if !passed {
        std::process::exit(1);
    }
    Ok(())
}
