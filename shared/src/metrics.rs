//! Business metrics, in the two forms their readers expect: CloudWatch embedded metric format
//! (one JSON line on stdout per data point, which Lambda ships to CloudWatch Logs and CloudWatch
//! turns into metrics) and in-process counters the local gateway serves at `/metrics` in Prometheus
//! text format.

use std::sync::atomic::{AtomicU64, Ordering};

/// Every metric the system emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    HoldsCreated,
    HoldConflicts,
    BookingsCreated,
    BookingConflicts,
    BookingsConfirmed,
    BookingsCancelled,
    BookingsExpired,
    PaymentsSucceeded,
    PaymentsFailed,
    PaymentsRefunded,
    ContendedRetriesExhausted,
    OutboxRelayed,
    SeatLogRelayed,
    NotificationsSent,
    SeatChangesPushed,
    ConnectionsGone,
    DeadLettered,
    HoldsLapsed,
    PaymentsReconciled,
    RateLimited,
}

impl Metric {
    pub const ALL: [Metric; 20] = [
        Metric::HoldsCreated,
        Metric::HoldConflicts,
        Metric::BookingsCreated,
        Metric::BookingConflicts,
        Metric::BookingsConfirmed,
        Metric::BookingsCancelled,
        Metric::BookingsExpired,
        Metric::PaymentsSucceeded,
        Metric::PaymentsFailed,
        Metric::PaymentsRefunded,
        Metric::ContendedRetriesExhausted,
        Metric::OutboxRelayed,
        Metric::SeatLogRelayed,
        Metric::NotificationsSent,
        Metric::SeatChangesPushed,
        Metric::ConnectionsGone,
        Metric::DeadLettered,
        Metric::HoldsLapsed,
        Metric::PaymentsReconciled,
        Metric::RateLimited,
    ];

    /// The CloudWatch metric name.
    pub fn name(self) -> &'static str {
        match self {
            Metric::HoldsCreated => "HoldsCreated",
            Metric::HoldConflicts => "HoldConflicts",
            Metric::BookingsCreated => "BookingsCreated",
            Metric::BookingConflicts => "BookingConflicts",
            Metric::BookingsConfirmed => "BookingsConfirmed",
            Metric::BookingsCancelled => "BookingsCancelled",
            Metric::BookingsExpired => "BookingsExpired",
            Metric::PaymentsSucceeded => "PaymentsSucceeded",
            Metric::PaymentsFailed => "PaymentsFailed",
            Metric::PaymentsRefunded => "PaymentsRefunded",
            Metric::ContendedRetriesExhausted => "ContendedRetriesExhausted",
            Metric::OutboxRelayed => "OutboxRelayed",
            Metric::SeatLogRelayed => "SeatLogRelayed",
            Metric::NotificationsSent => "NotificationsSent",
            Metric::SeatChangesPushed => "SeatChangesPushed",
            Metric::ConnectionsGone => "ConnectionsGone",
            Metric::DeadLettered => "DeadLettered",
            Metric::HoldsLapsed => "HoldsLapsed",
            Metric::PaymentsReconciled => "PaymentsReconciled",
            Metric::RateLimited => "RateLimited",
        }
    }

    /// The Prometheus name: `booking_<snake_case>_total`.
    pub fn prometheus_name(self) -> String {
        let mut out = String::from("booking_");
        for (i, c) in self.name().chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        }
        out + "_total"
    }
}

static COUNTERS: [AtomicU64; Metric::ALL.len()] = [const { AtomicU64::new(0) }; Metric::ALL.len()];
/// The last consumer lag seen per consumer, in ms.
static LAG: std::sync::Mutex<Vec<(String, u64)>> = std::sync::Mutex::new(Vec::new());

/// Records a consumer's lag: how old the oldest message of the batch it was handed is. An EMF
/// `ConsumerLag` point (milliseconds, dimension `Consumer`) and the gauge
/// `booking_consumer_lag_ms{consumer}`.
pub fn consumer_lag(consumer: &str, ms: u64) {
    if let Ok(mut lag) = LAG.lock() {
        match lag.iter_mut().find(|(c, _)| c == consumer) {
            Some(entry) => entry.1 = ms,
            None => lag.push((consumer.to_string(), ms)),
        }
    }
    if emf_enabled() {
        let line = serde_json::json!({
            "_aws": {
                "Timestamp": chrono::Utc::now().timestamp_millis(),
                "CloudWatchMetrics": [{
                    "Namespace": "Booking",
                    "Dimensions": [["Consumer"]],
                    "Metrics": [{ "Name": "ConsumerLag", "Unit": "Milliseconds" }]
                }]
            },
            "Consumer": consumer,
            "ConsumerLag": ms
        });
        println!("{line}");
    }
}

/// Counts `n` of `metric`: in this process's counters, and as an EMF line when running in Lambda
/// (or when `METRICS_EMF=1`).
pub fn count(metric: Metric, n: u64) {
    if n == 0 {
        return;
    }
    COUNTERS[metric as usize].fetch_add(n, Ordering::Relaxed);
    if emf_enabled() {
        println!(
            "{}",
            emf_line(metric, n, chrono::Utc::now().timestamp_millis(), &function_name())
        );
    }
}

fn emf_enabled() -> bool {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ON.get_or_init(|| match std::env::var("METRICS_EMF") {
        Ok(v) => v == "1",
        Err(_) => std::env::var("AWS_LAMBDA_FUNCTION_NAME").is_ok(),
    })
}

fn function_name() -> String {
    std::env::var("AWS_LAMBDA_FUNCTION_NAME").unwrap_or_else(|_| "local".into())
}

/// One data point in CloudWatch embedded metric format, namespace `Booking`, dimension `Function`.
pub fn emf_line(metric: Metric, n: u64, timestamp_ms: i64, function: &str) -> String {
    serde_json::json!({
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": "Booking",
                "Dimensions": [["Function"]],
                "Metrics": [{ "Name": metric.name(), "Unit": "Count" }]
            }]
        },
        "Function": function,
        metric.name(): n
    })
    .to_string()
}

/// The counters in Prometheus text exposition format.
pub fn prometheus() -> String {
    let mut out = String::new();
    for m in Metric::ALL {
        let name = m.prometheus_name();
        out.push_str(&format!(
            "# TYPE {name} counter\n{name} {}\n",
            COUNTERS[m as usize].load(Ordering::Relaxed)
        ));
    }
    out.push_str("# TYPE booking_consumer_lag_ms gauge\n");
    for (consumer, ms) in LAG.lock().map(|l| l.clone()).unwrap_or_default() {
        out.push_str(&format!("booking_consumer_lag_ms{{consumer=\"{consumer}\"}} {ms}\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_emf_line_names_its_metric_and_carries_the_value() {
        let v: serde_json::Value = serde_json::from_str(&emf_line(
            Metric::HoldsCreated,
            3,
            1_700_000_000_000,
            "holds-create",
        ))
        .unwrap();
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"], "HoldsCreated");
        assert_eq!(v["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Booking");
        assert_eq!(v["HoldsCreated"], 3);
        assert_eq!(v["Function"], "holds-create");
        assert_eq!(v["_aws"]["Timestamp"], 1_700_000_000_000i64);
    }

    #[test]
    fn prometheus_names_are_snake_case_totals() {
        assert_eq!(Metric::HoldConflicts.prometheus_name(), "booking_hold_conflicts_total");
        assert_eq!(
            Metric::ALL.iter().map(|m| *m as usize).collect::<Vec<_>>(),
            (0..Metric::ALL.len()).collect::<Vec<_>>()
        );
    }
}
