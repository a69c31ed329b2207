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
    PaymentsDisputed,
    ContendedRetriesExhausted,
    OutboxRelayed,
    SeatLogRelayed,
    NotificationsSent,
    SeatChangesPushed,
    ConnectionsGone,
    DeadLettered,
    HoldsLapsed,
    PaymentsReconciled,
    UnmatchedCharges,
    RateLimited,
    QueueJoins,
    QueueAdmitted,
    QueueAccessLapsed,
    /// Seats the sweep found Redis disagreeing with MySQL about, and put right.
    SeatDriftRepaired,
}

impl Metric {
    pub const ALL: [Metric; 26] = [
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
        Metric::PaymentsDisputed,
        Metric::ContendedRetriesExhausted,
        Metric::OutboxRelayed,
        Metric::SeatLogRelayed,
        Metric::NotificationsSent,
        Metric::SeatChangesPushed,
        Metric::ConnectionsGone,
        Metric::DeadLettered,
        Metric::HoldsLapsed,
        Metric::PaymentsReconciled,
        Metric::UnmatchedCharges,
        Metric::RateLimited,
        Metric::QueueJoins,
        Metric::QueueAdmitted,
        Metric::QueueAccessLapsed,
        Metric::SeatDriftRepaired,
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
            Metric::PaymentsDisputed => "PaymentsDisputed",
            Metric::ContendedRetriesExhausted => "ContendedRetriesExhausted",
            Metric::OutboxRelayed => "OutboxRelayed",
            Metric::SeatLogRelayed => "SeatLogRelayed",
            Metric::NotificationsSent => "NotificationsSent",
            Metric::SeatChangesPushed => "SeatChangesPushed",
            Metric::ConnectionsGone => "ConnectionsGone",
            Metric::DeadLettered => "DeadLettered",
            Metric::HoldsLapsed => "HoldsLapsed",
            Metric::PaymentsReconciled => "PaymentsReconciled",
            Metric::UnmatchedCharges => "UnmatchedCharges",
            Metric::RateLimited => "RateLimited",
            Metric::QueueJoins => "QueueJoins",
            Metric::QueueAdmitted => "QueueAdmitted",
            Metric::QueueAccessLapsed => "QueueAccessLapsed",
            Metric::SeatDriftRepaired => "SeatDriftRepaired",
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
/// A value that is read as it stands, per key: EMF with one dimension, and a Prometheus gauge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Gauge {
    /// How old the oldest message of a consumer's batch is (ms), per consumer.
    ConsumerLag,
    /// Entries waiting in an event's queue, per event.
    QueueDepth,
}

impl Gauge {
    /// (CloudWatch name, unit, dimension, Prometheus name, Prometheus label).
    fn names(self) -> (&'static str, &'static str, &'static str, &'static str, &'static str) {
        match self {
            Gauge::ConsumerLag => {
                ("ConsumerLag", "Milliseconds", "Consumer", "booking_consumer_lag_ms", "consumer")
            }
            Gauge::QueueDepth => ("QueueDepth", "Count", "Event", "booking_queue_depth", "event"),
        }
    }
}

/// The last value of each gauge, per key.
static GAUGES: std::sync::Mutex<Vec<(Gauge, String, u64)>> = std::sync::Mutex::new(Vec::new());

/// Records a consumer's lag: how old the oldest message of the batch it was handed is.
pub fn consumer_lag(consumer: &str, ms: u64) {
    gauge(Gauge::ConsumerLag, consumer, ms);
}

/// Records a gauge's value for `key`: an EMF point (dimension named by the gauge) and the
/// Prometheus gauge `{name}{{label="key"}}`.
pub fn gauge(gauge: Gauge, key: &str, value: u64) {
    if let Ok(mut all) = GAUGES.lock() {
        match all.iter_mut().find(|(g, k, _)| *g == gauge && k == key) {
            Some(entry) => entry.2 = value,
            None => all.push((gauge, key.to_string(), value)),
        }
    }
    if emf_enabled() {
        let (name, unit, dimension, _, _) = gauge.names();
        let line = serde_json::json!({
            "_aws": {
                "Timestamp": chrono::Utc::now().timestamp_millis(),
                "CloudWatchMetrics": [{
                    "Namespace": "Booking",
                    "Dimensions": [[dimension]],
                    "Metrics": [{ "Name": name, "Unit": unit }]
                }]
            },
            dimension: key,
            name: value
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
    let gauges = GAUGES.lock().map(|g| g.clone()).unwrap_or_default();
    for kind in [Gauge::ConsumerLag, Gauge::QueueDepth] {
        let (_, _, _, name, label) = kind.names();
        out.push_str(&format!("# TYPE {name} gauge\n"));
        for (_, key, value) in gauges.iter().filter(|(g, _, _)| *g == kind) {
            out.push_str(&format!("{name}{{{label}=\"{key}\"}} {value}\n"));
        }
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
