//! Kafka consumers: one handler per consumer function, and the MSK batch path they share.
//!
//! Consuming an MSK batch, the same for every consumer: records decoded in offset order per
//! partition, the consumer's lag recorded, the consumer's handler run over the messages, and every
//! message it can never act on (undecodable, or refused for good) sent to the dead-letter topic.
//! An error is returned only for what a retry can fix; the event source mapping (or the local
//! gateway) then delivers the whole batch again, and the handlers' dedupe makes that harmless.

pub mod notifications;
pub mod seat_status;

use aws_lambda_events::event::kafka::KafkaEvent;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use futures::future::BoxFuture;
use serde::Serialize;
use serde_json::json;

use crate::app::{App, AppError, AppResult, Handled};
use crate::config::Secret;
use crate::domain::message::{BOOKING_EVENTS, DEAD_LETTER, PAYMENT_EVENTS, SEAT_EVENTS};
use crate::domain::Envelope;
use crate::metrics::{self, Metric};

/// A consumer: the messages of one batch, in order per partition.
pub type Handler = for<'a> fn(&'a App, Vec<Envelope>) -> BoxFuture<'a, AppResult<Handled>>;

/// A consumer function: its folder under `functions/`, the topics its event source mapping reads
/// (template.yaml; the local gateway polls the same), and its handler.
pub struct Consumer {
    pub function: &'static str,
    pub topics: &'static [&'static str],
    pub handler: Handler,
    /// The secrets it needs at cold start (the broadcaster never touches the database).
    pub needs: &'static [Secret],
}

pub const CONSUMERS: [Consumer; 2] = [
    Consumer {
        function: "notifications",
        topics: &[BOOKING_EVENTS, PAYMENT_EVENTS],
        handler: notifications::handle,
        // Emails of confirmed bookings carry the tickets' codes.
        needs: &[Secret::Database, Secret::TicketKey],
    },
    Consumer {
        function: "seat-status",
        topics: &[SEAT_EVENTS],
        handler: seat_status::handle,
        needs: &[],
    },
];

/// The consumer of a function folder.
pub fn consumer(function: &str) -> Option<&'static Consumer> {
    CONSUMERS.iter().find(|c| c.function == function)
}

#[derive(Debug, Default, Clone, Copy, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct ConsumeReport {
    pub records: usize,
    pub done: usize,
    pub skipped: usize,
    pub dead_lettered: usize,
}

/// One record the handler never sees: where it was and why.
struct Poison {
    origin: String,
    raw: Option<String>,
    reason: String,
}

pub async fn consume(
    app: &App,
    consumer: &str,
    batch: KafkaEvent,
    handler: Handler,
) -> AppResult<ConsumeReport> {
    let mut partitions: Vec<_> = batch.records.into_iter().collect();
    partitions.sort_by(|a, b| a.0.cmp(&b.0));
    let (mut messages, mut poison) = (Vec::new(), Vec::new());
    let mut oldest = i64::MAX;
    for (partition, mut records) in partitions {
        records.sort_by_key(|r| r.offset);
        for r in records {
            oldest = oldest.min(r.timestamp.0.timestamp_millis());
            let origin = format!("{partition}@{}", r.offset);
            let decoded = r.value.as_deref().map(|v| STANDARD.decode(v).map_err(|e| e.to_string()));
            match decoded.map(|bytes| {
                bytes
                    .and_then(|b| serde_json::from_slice::<Envelope>(&b).map_err(|e| e.to_string()))
            }) {
                Some(Ok(mut m)) => {
                    m.key = r
                        .key
                        .as_deref()
                        .and_then(|k| STANDARD.decode(k).ok())
                        .and_then(|k| String::from_utf8(k).ok())
                        .unwrap_or_default();
                    messages.push(m);
                }
                Some(Err(reason)) => poison.push(Poison {
                    origin,
                    raw: r.value.clone(),
                    reason: format!("not a message: {reason}"),
                }),
                None => poison.push(Poison { origin, raw: None, reason: "no value".into() }),
            }
        }
    }
    let records = messages.len() + poison.len();
    if oldest != i64::MAX {
        metrics::consumer_lag(consumer, (app.now().timestamp_millis() - oldest).max(0) as u64);
    }
    let handled = handler(app, messages).await?;
    for (m, reason) in &handled.rejected {
        let raw = serde_json::to_vec(m).map(|b| STANDARD.encode(b)).ok();
        poison.push(Poison { origin: format!("message {}", m.id), raw, reason: reason.clone() });
    }
    for p in &poison {
        let letter = json!({ "consumer": consumer, "origin": p.origin, "reason": p.reason, "value": p.raw, "at": app.now() });
        tracing::warn!(consumer, origin = %p.origin, reason = %p.reason, "dead-lettered");
        // Losing a poison message is not an option: without the dead-letter topic the batch waits.
        app.publisher
            .publish(DEAD_LETTER, &p.origin, &letter.to_string())
            .await
            .map_err(AppError::Backend)?;
    }
    metrics::count(Metric::DeadLettered, poison.len() as u64);
    let report = ConsumeReport {
        records,
        done: handled.done,
        skipped: handled.skipped,
        dead_lettered: poison.len(),
    };
    tracing::info!(
        consumer,
        records,
        done = report.done,
        skipped = report.skipped,
        dead_lettered = report.dead_lettered,
        "batch consumed"
    );
    Ok(report)
}
