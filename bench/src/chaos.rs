//! Chaos modes: a fault injected mid-sale, then taken away. The audit must still be clean and the
//! system must serve again by itself.
//!
//! Services are brought back by the project's own `localstack/stack.sh services`, which starts
//! whatever is not answering; the gateway is the bench's own child process in `gateway-kill` mode.

use std::process::Stdio;
use std::time::{Duration, Instant};

use clap::ValueEnum;
use tokio::process::{Child, Command};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Restart Redis (it keeps nothing on disk: every hold and lock is lost).
    RedisRestart,
    /// Stop the Kafka broker for a while.
    KafkaStop,
    /// Kill the gateway process (SIGKILL) and start it again.
    GatewayKill,
    /// Make MySQL slow: hold row locks on the hottest seats, so bookings wait on lock waits.
    MysqlSlow,
}

/// How long into the sale the fault comes, and how long it lasts.
const AFTER: Duration = Duration::from_secs(3);
const FOR: Duration = Duration::from_secs(8);

async fn sh(cmd: &str) {
    let status = Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await;
    if !matches!(status, Ok(s) if s.success()) {
        eprintln!("  chaos: `{cmd}` did not succeed");
    }
}

/// The gateway as a child process (`--gateway PATH`), so that it can be killed and restarted.
pub struct Gateway {
    bin: String,
    child: Option<Child>,
}

impl Gateway {
    /// The bench's own gateway when a binary is given (the shape `stop` takes).
    pub async fn maybe(
        bin: &Option<String>,
        url: &str,
    ) -> anyhow::Result<Option<tokio::sync::Mutex<Gateway>>> {
        Ok(match bin {
            Some(bin) => Some(tokio::sync::Mutex::new(Gateway::start(bin, url).await?)),
            None => None,
        })
    }

    pub async fn start(bin: &str, url: &str) -> anyhow::Result<Gateway> {
        let mut g = Gateway { bin: bin.to_string(), child: None };
        g.spawn(url).await?;
        Ok(g)
    }

    async fn spawn(&mut self, url: &str) -> anyhow::Result<()> {
        let addr = url.trim_start_matches("http://").to_string();
        self.child = Some(
            Command::new(&self.bin)
                .arg("serve")
                .env("GATEWAY_ADDR", &addr)
                .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .kill_on_drop(true)
                .spawn()?,
        );
        let started = Instant::now();
        while tokio::net::TcpStream::connect(&addr).await.is_err() {
            anyhow::ensure!(
                started.elapsed() < Duration::from_secs(30),
                "the gateway did not start on {addr}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }

    async fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill().await;
        }
    }
}

/// Injects `mode` after [`AFTER`], lifts it after [`FOR`]; returns when the fault is gone.
pub async fn inject(
    mode: Mode,
    gateway: Option<&tokio::sync::Mutex<Gateway>>,
    url: &str,
    database: &str,
    event: &str,
    stack: &str,
) -> (Instant, Instant) {
    tokio::time::sleep(AFTER).await;
    eprintln!("  chaos: {mode:?} begins");
    let began = Instant::now();
    match mode {
        Mode::RedisRestart => {
            // The stack's own plaintext Redis the bench runs on (bench.sh's REDIS_URL), never
            // the machine's.
            sh("redis-cli -u \"$REDIS_URL\" shutdown nosave").await;
            tokio::time::sleep(Duration::from_secs(1)).await;
            sh(&format!("bash {stack} services")).await;
        }
        Mode::KafkaStop => {
            sh("pkill -f 'nisshi broker'").await;
            tokio::time::sleep(FOR).await;
            sh(&format!("bash {stack} services")).await;
        }
        Mode::GatewayKill => {
            if let Some(g) = gateway {
                let mut g = g.lock().await;
                g.kill().await;
                tokio::time::sleep(Duration::from_secs(1)).await;
                if let Err(e) = g.spawn(url).await {
                    eprintln!("  chaos: restarting the gateway failed: {e:#}");
                }
            }
        }
        Mode::MysqlSlow => {
            // Another client locks the first 200 seat rows of the event (the hot ones) and holds
            // the locks: bookings of those seats queue on lock waits until it lets go.
            if let Ok(pool) = sqlx::MySqlPool::connect(database).await {
                if let Ok(mut tx) = pool.begin().await {
                    let _ = sqlx::query("SELECT seat_id FROM seats WHERE event_id = ? ORDER BY seat_id LIMIT 200 FOR UPDATE")
                        .bind(event)
                        .fetch_all(&mut *tx)
                        .await;
                    tokio::time::sleep(FOR).await;
                    let _ = tx.rollback().await;
                }
            }
        }
    }
    eprintln!("  chaos: {mode:?} lifted");
    (began, Instant::now())
}

/// Waits until the API answers again; returns how long that took.
pub async fn serving_again(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    event: &str,
) -> Option<Duration> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        let ok = http
            .get(format!("{url}/api/v1/events/{event}"))
            .bearer_auth(token)
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    None
}

pub async fn stop(gateway: Option<tokio::sync::Mutex<Gateway>>) {
    if let Some(g) = gateway {
        g.lock().await.kill().await;
    }
}
