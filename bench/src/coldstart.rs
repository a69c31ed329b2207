//! `coldstart`: each function binary's init time against a local Lambda runtime API, and its size.
//!
//! The tool plays the runtime API: it starts the binary with `AWS_LAMBDA_RUNTIME_API` pointing at
//! itself and times from the process start to the binary's first `GET .../invocation/next`, which a
//! function sends once its cold start (tracing, configuration, clients) is done. That is the part
//! of a Lambda cold start the code controls.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// Runs `<dir>/<function>/bootstrap` of every folder in `functions` `runs` times; prints a
/// Markdown table.
pub async fn run(dir: &Path, functions: &Path, runs: usize) -> anyhow::Result<()> {
    let mut functions: Vec<PathBuf> = std::fs::read_dir(functions)?
        .filter_map(|e| e.ok().map(|e| dir.join(e.file_name()).join("bootstrap")))
        .filter(|p| p.is_file())
        .collect();
    functions.sort();
    anyhow::ensure!(
        !functions.is_empty(),
        "no */bootstrap under {} (cargo lambda build --release first)",
        dir.display()
    );
    println!("| function | init p50 | init max | binary size |");
    println!("|---|---|---|---|");
    for bin in functions {
        let name = bin
            .parent()
            .and_then(|p| p.file_name())
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        let mut times = Vec::new();
        for _ in 0..runs {
            times.push(init_time(&bin, &name).await?);
        }
        times.sort();
        let size = std::fs::metadata(&bin)?.len();
        println!(
            "| {name} | {:.1} ms | {:.1} ms | {:.1} MB |",
            times[times.len() / 2].as_secs_f64() * 1000.0,
            times[times.len() - 1].as_secs_f64() * 1000.0,
            size as f64 / 1_048_576.0
        );
    }
    Ok(())
}

async fn init_time(bin: &Path, name: &str) -> anyhow::Result<Duration> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let api = listener.local_addr()?.to_string();
    let started = Instant::now();
    let mut child = tokio::process::Command::new(bin)
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", name)
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "coldstart")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let waited = tokio::time::timeout(Duration::from_secs(20), async {
        loop {
            let (mut socket, _) = listener.accept().await?;
            let mut buf = vec![0u8; 4096];
            let n = socket.read(&mut buf).await?;
            if String::from_utf8_lossy(&buf[..n])
                .starts_with("GET /2018-06-01/runtime/invocation/next")
            {
                let at = started.elapsed();
                let _ = socket.shutdown().await;
                return Ok::<_, std::io::Error>(at);
            }
            let _ = socket.write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n").await;
        }
    })
    .await;
    let _ = child.kill().await;
    match waited {
        Ok(Ok(d)) => Ok(d),
        Ok(Err(e)) => Err(e.into()),
        Err(_) => anyhow::bail!("{name} never asked for an invocation (did its cold start fail?)"),
    }
}
