//! Tallies of latencies and outcomes, the printed report, and the SVG chart.

use std::time::Duration;

/// Latencies in microseconds and outcome counts of one kind of request.
#[derive(Default)]
pub struct Tally {
    pub latencies: Vec<u64>,
    pub by_status: std::collections::BTreeMap<u16, u64>,
}

impl Tally {
    pub fn merge(&mut self, other: Tally) {
        self.latencies.extend(other.latencies);
        for (k, v) in other.by_status {
            *self.by_status.entry(k).or_default() += v;
        }
    }

    pub fn report(&mut self, name: &str, elapsed: Duration) {
        self.latencies.sort_unstable();
        let n = self.latencies.len();
        let pct = |p: f64| {
            if n == 0 {
                0.0
            } else {
                self.latencies[((n as f64 * p) as usize).min(n - 1)] as f64 / 1000.0
            }
        };
        println!(
            "{name:<10} {n:>8} req  {:>9.0} req/s  p50 {:>6.2} ms  p95 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  statuses {:?}",
            n as f64 / elapsed.as_secs_f64(),
            pct(0.50),
            pct(0.95),
            pct(0.99),
            pct(1.0),
            self.by_status
        );
    }
}

/// Writes an SVG of requests per second and p99 latency per second over the run.
pub fn chart(
    path: &str,
    log: &[(&'static str, u64, u64, u16)],
    elapsed: Duration,
) -> anyhow::Result<()> {
    let secs = elapsed.as_secs().max(1) as usize + 1;
    let mut per_sec: Vec<Vec<u64>> = vec![Vec::new(); secs];
    for (_, at, lat, _) in log {
        per_sec[(*at / 1000) as usize].push(*lat);
    }
    let rps: Vec<f64> = per_sec.iter().map(|v| v.len() as f64).collect();
    let p99: Vec<f64> = per_sec
        .iter_mut()
        .map(|v| {
            v.sort_unstable();
            v.get((v.len() as f64 * 0.99) as usize).or(v.last()).copied().unwrap_or(0) as f64
                / 1000.0
        })
        .collect();
    let (w, h, pad) = (800.0, 300.0, 40.0);
    let line = |ys: &[f64], colour: &str| {
        let max = ys.iter().cloned().fold(1.0, f64::max);
        let pts: Vec<String> = ys
            .iter()
            .enumerate()
            .map(|(i, y)| {
                format!(
                    "{:.1},{:.1}",
                    pad + i as f64 * (w - 2.0 * pad) / (ys.len().max(2) - 1) as f64,
                    h - pad - y / max * (h - 2.0 * pad)
                )
            })
            .collect();
        (
            format!(
                r#"<polyline fill="none" stroke="{colour}" stroke-width="2" points="{}"/>"#,
                pts.join(" ")
            ),
            max,
        )
    };
    let (rps_line, rps_max) = line(&rps, "#1f77b4");
    let (p99_line, p99_max) = line(&p99, "#d62728");
    let svg = format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">
<rect width="100%" height="100%" fill="white"/>
<line x1="{pad}" y1="{b}" x2="{r}" y2="{b}" stroke="#888"/><line x1="{pad}" y1="{pad}" x2="{pad}" y2="{b}" stroke="#888"/>
{rps_line}
{p99_line}
<text x="{pad}" y="20" fill="#1f77b4">requests/s (max {rps_max:.0})</text>
<text x="300" y="20" fill="#d62728">p99 latency ms (max {p99_max:.1})</text>
<text x="{r}" y="{tb}" text-anchor="end">{secs} s</text>
</svg>
"##,
        b = h - pad,
        r = w - pad,
        tb = h - pad + 16.0
    );
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, svg)?;
    Ok(())
}
