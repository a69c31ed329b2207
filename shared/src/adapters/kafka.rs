//! Kafka (MSK) through rdkafka: an idempotent producer that waits for every in-sync replica.

use std::time::Duration;

use async_trait::async_trait;
use rdkafka::config::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};

use crate::ports::{BackendError, BackendResult, Publisher};

#[derive(Clone)]
pub struct KafkaPublisher {
    producer: FutureProducer,
    prefix: String,
}

impl KafkaPublisher {
    /// `prefix` is put before every topic name (see `KEY_PREFIX`).
    pub fn new(bootstrap: &str, prefix: &str) -> anyhow::Result<Self> {
        let producer: FutureProducer = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("message.timeout.ms", "5000")
            .set("socket.timeout.ms", "3000")
            .set("linger.ms", "2")
            .create()?;
        Ok(KafkaPublisher { producer, prefix: prefix.to_string() })
    }
}

#[async_trait]
impl Publisher for KafkaPublisher {
    async fn publish(&self, topic: &str, key: &str, payload: &str) -> BackendResult<()> {
        let topic = format!("{}{topic}", self.prefix);
        self.producer
            .send(FutureRecord::to(&topic).key(key).payload(payload), Duration::from_secs(5))
            .await
            .map(|_| ())
            .map_err(|(e, _)| BackendError::new(format!("publishing to {topic}"), true, e))
    }
}
