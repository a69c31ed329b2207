//! Plays the MSK event source mappings: one Kafka consumer group per consumer function, polling
//! its topics and invoking the function's handler with MSK-shaped batches (records grouped by
//! `topic-partition`, keys and values base64), committing offsets only after the handler
//! succeeded. A failed batch is delivered again, whole, after a pause, as Lambda retries it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::encodings::MillisecondTimestamp;
use aws_lambda_events::event::kafka::{KafkaEvent, KafkaRecord};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use booking_core::adapters::kafka::{Kafka, MskContext};
use booking_core::consumers::{consume, Consumer, CONSUMERS};
use booking_core::App;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer as _, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{Offset, TopicPartitionList};

/// Records per batch, at most (the mappings' `BatchSize`): a consumer that fell behind catches up
/// in few, large batches (the broadcaster pushes each batch's changes as a few messages).
const BATCH_SIZE: usize = 1000;
/// How long a batch waits for more records after its first (the mapping's batching window).
const BATCH_WINDOW: Duration = Duration::from_millis(20);
/// The pause before a failed batch is delivered again.
const RETRY_AFTER: Duration = Duration::from_secs(1);

/// Starts every consumer function's polling loop.
pub fn spawn_consumers(app: Arc<App>) {
    for consumer in &CONSUMERS {
        let app = app.clone();
        tokio::spawn(async move {
            loop {
                if let Err(e) = poll(&app, consumer).await {
                    tracing::warn!(consumer = consumer.function, error = %e, "Kafka consumer stopped; starting again");
                }
                tokio::time::sleep(RETRY_AFTER).await;
            }
        });
    }
}

async fn poll(app: &Arc<App>, consumer: &'static Consumer) -> anyhow::Result<()> {
    let prefix = app.config.key_prefix.clone();
    let kafka = Kafka::new(&app.config);
    let group = format!("{prefix}{}", consumer.function);
    let settings = [("group.id", group.as_str()), ("enable.auto.commit", "false")];
    // The partitions are assigned, not balanced: the gateway is each group's only member, and a
    // group join (which waits out the session of a killed gateway's member) would hold pushes back
    // for tens of seconds. Offsets are still the group's: read at start, committed after each batch.
    let topics: Vec<String> = consumer.topics.iter().map(|t| format!("{prefix}{t}")).collect();
    let lookup = (kafka.clone(), group.clone());
    let start = tokio::task::spawn_blocking(move || -> anyhow::Result<TopicPartitionList> {
        let (kafka, group) = lookup;
        // The partitions, asked by a client outside the group: a group's client opens a
        // connection to the group's coordinator at once, which a client dropped because the
        // topics are not there yet would cut in the middle of its authentication (an error).
        let client: BaseConsumer<MskContext> = kafka.client(&[])?;
        let mut partitions = TopicPartitionList::new();
        for topic in &topics {
            let metadata = client.fetch_metadata(Some(topic), Duration::from_secs(10))?;
            for p in metadata.topics().iter().flat_map(|t| t.partitions()) {
                partitions.add_partition(topic, p.id());
            }
        }
        anyhow::ensure!(partitions.count() > 0, "no partitions for {topics:?} yet");
        let client: BaseConsumer<MskContext> =
            kafka.client(&[("group.id", group.as_str()), ("enable.auto.commit", "false")])?;
        let mut start = TopicPartitionList::new();
        for e in client.committed_offsets(partitions, Duration::from_secs(10))?.elements() {
            // Nothing committed yet: from the oldest record kept.
            let offset = if let Offset::Offset(o) = e.offset() {
                Offset::Offset(o)
            } else {
                Offset::Beginning
            };
            start.add_partition_offset(e.topic(), e.partition(), offset)?;
        }
        Ok(start)
    })
    .await??;
    let kafka: StreamConsumer<MskContext> = kafka.client(&settings)?;
    kafka.assign(&start)?;
    let arn = format!("arn:aws:kafka:local:000000000000:cluster/local/{}", consumer.function);
    loop {
        let mut records: HashMap<String, Vec<KafkaRecord>> = HashMap::new();
        let mut next: HashMap<(String, i32), i64> = HashMap::new();
        let first = kafka.recv().await?;
        let mut add = |m: &rdkafka::message::BorrowedMessage<'_>| {
            // The function sees the topic names of the deployment, without the local prefix.
            let topic = m.topic().strip_prefix(prefix.as_str()).unwrap_or(m.topic()).to_string();
            let at = m
                .timestamp()
                .to_millis()
                .and_then(chrono::DateTime::from_timestamp_millis)
                .unwrap_or_else(chrono::Utc::now);
            records.entry(format!("{topic}-{}", m.partition())).or_default().push(KafkaRecord {
                topic: Some(topic),
                partition: i64::from(m.partition()),
                offset: m.offset(),
                timestamp: MillisecondTimestamp(at),
                timestamp_type: Some("CREATE_TIME".into()),
                key: m.key().map(|k| STANDARD.encode(k)),
                value: m.payload().map(|v| STANDARD.encode(v)),
                headers: Vec::new(),
            });
            next.insert((m.topic().to_string(), m.partition()), m.offset() + 1);
        };
        add(&first);
        let window = tokio::time::Instant::now() + BATCH_WINDOW;
        let mut n = 1;
        while n < BATCH_SIZE {
            match tokio::time::timeout_at(window, kafka.recv()).await {
                Ok(Ok(m)) => {
                    add(&m);
                    n += 1;
                }
                Ok(Err(e)) => return Err(e.into()),
                Err(_) => break,
            }
        }
        let batch = KafkaEvent {
            event_source: Some("aws:kafka".into()),
            event_source_arn: Some(arn.clone()),
            bootstrap_servers: Some(app.config.kafka_bootstrap_servers.clone()),
            records,
        };
        while let Err(e) = consume(app, consumer.function, batch.clone(), consumer.handler).await {
            tracing::warn!(consumer = consumer.function, error = %e, "batch failed; delivering it again");
            tokio::time::sleep(RETRY_AFTER).await;
        }
        let mut offsets = TopicPartitionList::new();
        for ((topic, partition), offset) in next {
            offsets.add_partition_offset(&topic, partition, Offset::Offset(offset))?;
        }
        kafka.commit(&offsets, CommitMode::Async)?;
    }
}
