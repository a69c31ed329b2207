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

/// A fault injected during the run: its name and when it began and ended, in seconds of the run.
pub struct Fault {
    pub name: String,
    pub began: f64,
    pub lifted: f64,
}

/// Draws the run over time (plotters): requests per second of each kind above, p50 and p99
/// latency of all requests (log scale) below, a shaded band where a chaos fault was in force.
/// Writes `path` (SVG), and the same as PNG beside it when `rsvg-convert` (Debian's librsvg2-bin)
/// is installed.
pub fn chart(
    path: &str,
    log: &[(&'static str, u64, u64, u16)],
    elapsed: Duration,
    fault: Option<&Fault>,
) -> anyhow::Result<()> {
    use plotters::prelude::*;
    let secs = elapsed.as_secs() as usize + 1;
    let mut kinds: Vec<&str> = log.iter().map(|e| e.0).collect();
    kinds.sort_unstable();
    kinds.dedup();
    let mut per_kind = vec![vec![0u64; secs]; kinds.len()];
    let mut per_sec: Vec<Vec<u64>> = vec![Vec::new(); secs];
    for (kind, at, lat, _) in log {
        let s = ((*at / 1000) as usize).min(secs - 1);
        if let Ok(k) = kinds.binary_search(kind) {
            per_kind[k][s] += 1;
        }
        per_sec[s].push(*lat);
    }
    let pct = |v: &mut Vec<u64>, p: f64| -> Option<f64> {
        v.sort_unstable();
        v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
            .map(|us| (*us as f64 / 1000.0).max(0.01))
    };
    let p50: Vec<(f64, f64)> = per_sec
        .iter_mut()
        .enumerate()
        .filter_map(|(s, v)| pct(v, 0.5).map(|ms| (s as f64 + 0.5, ms)))
        .collect();
    let p99: Vec<(f64, f64)> = per_sec
        .iter_mut()
        .enumerate()
        .filter_map(|(s, v)| pct(v, 0.99).map(|ms| (s as f64 + 0.5, ms)))
        .collect();
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (1000, 640)).into_drawing_area();
        root.fill(&WHITE)?;
        let (top, bottom) = root.split_vertically(330);
        let x_max = secs as f64;
        let rps_max = per_kind.iter().flatten().copied().max().unwrap_or(1).max(1) as f64 * 2.0;
        let mut upper = panel(&top, "Requests per second, by kind (log scale)")
            .build_cartesian_2d(0f64..x_max, (1f64..rps_max).log_scale())?;
        upper
            .configure_mesh()
            .x_desc("seconds since the sale opened")
            .y_desc("requests/s")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        let shade = |lo: f64, hi: f64| {
            fault.map(|f| {
                Rectangle::new(
                    [(f.began, lo), (f.lifted, hi)],
                    RGBColor(255, 200, 120).mix(0.35).filled(),
                )
            })
        };
        if let (Some(band), Some(f)) = (shade(1.0, rps_max), fault) {
            upper.draw_series(std::iter::once(band))?.label(format!("chaos: {}", f.name)).legend(
                |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 15, y + 5)], RGBColor(255, 200, 120).filled())
                },
            );
        }
        for (k, kind) in kinds.iter().enumerate() {
            let colour = Palette99::pick(k).to_rgba();
            upper
                .draw_series(LineSeries::new(
                    // A second without requests of the kind is left out (log scale).
                    per_kind[k]
                        .iter()
                        .enumerate()
                        .filter(|(_, n)| **n > 0)
                        .map(|(s, n)| (s as f64 + 0.5, *n as f64)),
                    colour.stroke_width(2),
                ))?
                .label(kind.to_string())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 15, y)], colour.stroke_width(2))
                });
        }
        upper
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;

        let lat_max = p99.iter().map(|p| p.1).fold(1.0, f64::max) * 2.0;
        let mut lower = panel(&bottom, "Latency of all requests, per second (log scale)")
            .build_cartesian_2d(0f64..x_max, (0.1f64..lat_max).log_scale())?;
        lower
            .configure_mesh()
            .x_desc("seconds since the sale opened")
            .y_desc("ms")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v}"))
            .draw()?;
        if let Some(band) = shade(0.1, lat_max) {
            lower.draw_series(std::iter::once(band))?;
        }
        lower
            .draw_series(LineSeries::new(p50.iter().copied(), BLUE.stroke_width(2)))?
            .label("p50")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], BLUE.stroke_width(2)));
        lower
            .draw_series(LineSeries::new(p99.iter().copied(), RED.stroke_width(2)))?
            .label("p99")
            .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 15, y)], RED.stroke_width(2)));
        lower
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    render(path, draw)
}

/// Draws a waiting room over time: buyers waiting (the queue's depth), admitted so far (the
/// serving counter) and found sold out, from the stats sampled during the run.
pub fn room_chart(path: &str, samples: &[(f64, serde_json::Value)]) -> anyhow::Result<()> {
    use plotters::prelude::*;
    let series = |field: &str| -> Vec<(f64, f64)> {
        samples.iter().filter_map(|(t, v)| v[field].as_f64().map(|n| (*t, n))).collect()
    };
    // Wider lines first, so that a line under another (equal counts) still shows.
    let lines = [
        ("joined", series("joined"), BLACK, 6),
        ("admitted so far (servedUpTo)", series("servedUpTo"), GREEN, 5),
        ("waiting (the queue's depth)", series("waiting"), BLUE, 2),
        ("found sold out", series("soldOut"), RED, 2),
    ];
    let x_max = samples.last().map_or(1.0, |s| s.0).max(1.0);
    let y_max = lines.iter().flat_map(|l| l.1.iter().map(|p| p.1)).fold(1.0, f64::max) * 1.1;
    if let Some(dir) = std::path::Path::new(path).parent() {
        std::fs::create_dir_all(dir)?;
    }
    let draw = || -> Result<(), Box<dyn std::error::Error>> {
        let root = SVGBackend::new(path, (1000, 400)).into_drawing_area();
        root.fill(&WHITE)?;
        let mut chart = panel(&root, "The waiting room from the opening")
            .build_cartesian_2d(0f64..x_max, 0f64..y_max)?;
        chart
            .configure_mesh()
            .x_desc("seconds since the sale opened")
            .y_desc("buyers")
            .x_label_formatter(&|v| format!("{v:.0}"))
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        for (name, points, colour, width) in lines {
            chart
                .draw_series(LineSeries::new(points, colour.stroke_width(width)))?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 15, y)], colour.stroke_width(width))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .border_style(BLACK)
            .draw()?;
        root.present()?;
        Ok(())
    };
    render(path, draw)
}

/// Draws a chart into `path` (SVG), then the PNG beside it.
fn render(
    path: &str,
    draw: impl FnOnce() -> Result<(), Box<dyn std::error::Error>>,
) -> anyhow::Result<()> {
    draw().map_err(|e| anyhow::anyhow!("drawing {path}: {e}"))?;
    to_png(path);
    Ok(())
}

/// The PNG beside an SVG, where `rsvg-convert` (Debian's librsvg2-bin) is installed.
fn to_png(path: &str) {
    let png = std::path::Path::new(path).with_extension("png");
    match std::process::Command::new("rsvg-convert").arg("-o").arg(&png).arg(path).status() {
        Ok(s) if s.success() => println!("chart: {path} and {}", png.display()),
        _ => println!("chart: {path} (PNG needs rsvg-convert: apt-get install librsvg2-bin)"),
    }
}

/// A chart's frame as every chart here has it: its caption, margins and room for the axes' labels.
fn panel<'a, 'b, DB: plotters::prelude::DrawingBackend>(
    area: &'a plotters::prelude::DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
) -> plotters::prelude::ChartBuilder<'a, 'b, DB> {
    let mut builder = plotters::prelude::ChartBuilder::on(area);
    builder
        .caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(70);
    builder
}
