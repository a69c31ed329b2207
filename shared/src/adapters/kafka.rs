//! Kafka (MSK) through rdkafka: an idempotent producer that waits for every in-sync replica.

use std::sync::{Mutex, OnceLock, RwLock};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use rdkafka::config::ClientConfig;
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};

use crate::ports::{BackendError, BackendResult, Publisher};

/// A producer that keeps failing is replaced at most this often.
const RESET_EVERY: Duration = Duration::from_secs(10);

/// The [`Publisher`]. Its producer is made on the first publish (a function that never publishes
/// never starts one) and replaced when it gets stuck.
pub struct KafkaPublisher {
    config: ClientConfig,
    producer: OnceLock<RwLock<FutureProducer>>,
    last_reset: Mutex<Instant>,
    prefix: String,
}

impl KafkaPublisher {
    /// `prefix` is put before every topic name (see `KEY_PREFIX`).
    pub fn new(bootstrap: &str, prefix: &str) -> anyhow::Result<Self> {
        let mut config = ClientConfig::new();
        config
            .set("bootstrap.servers", bootstrap)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "5000")
            .set("socket.timeout.ms", "3000")
            .set("linger.ms", "2");
        Ok(KafkaPublisher {
            config,
            producer: OnceLock::new(),
            last_reset: Mutex::new(Instant::now()),
            prefix: prefix.to_string(),
        })
    }

    /// The producer, made on first use.
    fn producer(&self) -> BackendResult<FutureProducer> {
        if let Some(p) = self.producer.get() {
            return p.read().map(|p| p.clone()).map_err(|_| {
                BackendError::permanent("publishing", anyhow::anyhow!("producer lock poisoned"))
            });
        }
        let fresh: FutureProducer = self
            .config
            .create()
            .map_err(|e| BackendError::transient("starting the Kafka producer", e))?;
        let p = self.producer.get_or_init(|| RwLock::new(fresh));
        p.read().map(|p| p.clone()).map_err(|_| {
            BackendError::permanent("publishing", anyhow::anyhow!("producer lock poisoned"))
        })
    }

    /// After a broker comes back with a new identity (a restarted or failed-over cluster), an
    /// idempotent producer can stay stuck on its old producer id: messages time out forever, or
    /// the producer turns fatal. A new producer starts clean; the outbox sends the messages again.
    fn reset_if_stuck(&self, error: &KafkaError) {
        let Some(producer) = self.producer.get() else { return };
        let fatal = producer.read().map(|p| p.client().fatal_error().is_some()).unwrap_or(false);
        let timed_out =
            matches!(error, KafkaError::MessageProduction(RDKafkaErrorCode::MessageTimedOut));
        if !(fatal || timed_out) {
            return;
        }
        let Ok(mut last) = self.last_reset.lock() else { return };
        if last.elapsed() < RESET_EVERY {
            return;
        }
        *last = Instant::now();
        match self.config.create::<FutureProducer>() {
            Ok(fresh) => {
                if let Ok(mut p) = producer.write() {
                    *p = fresh;
                    tracing::warn!(fatal, "Kafka producer replaced");
                }
            }
            Err(e) => tracing::error!(error = %e, "replacing the Kafka producer"),
        }
    }
}

#[async_trait]
impl Publisher for KafkaPublisher {
    async fn publish(&self, topic: &str, key: &str, payload: &str) -> BackendResult<()> {
        let topic = format!("{}{topic}", self.prefix);
        let producer = self.producer()?;
        match producer
            .send(FutureRecord::to(&topic).key(key).payload(payload), Duration::from_secs(5))
            .await
        {
            Ok(_) => Ok(()),
            Err((e, _)) => {
                self.reset_if_stuck(&e);
                Err(BackendError::transient(format!("publishing to {topic}"), e))
            }
        }
    }
}
