//! What consumers have done, in DynamoDB (the notifications table): one item per claimed action
//! (`<key>`, kept 7 days: [`ActionClaims`]) and one watermark per event's seat log
//! (`seatlog#<event>`: [`Watermarks`]).

use async_trait::async_trait;
use aws_sdk_dynamodb::types::AttributeValue;
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dynamodb::{condition_failed, fault, n};
use crate::ports::{ActionClaims, BackendResult, LogPosition, Watermarks};

/// How long a claimed action is remembered: longer than any redelivery.
const KEEP_SECONDS: i64 = 7 * 24 * 3600;

pub struct DynamoLedger {
    client: Client,
    table: String,
    prefix: String,
}

impl DynamoLedger {
    pub fn new(config: &aws_config::SdkConfig, table: &str, prefix: &str) -> Self {
        DynamoLedger {
            client: Client::new(config),
            table: table.to_string(),
            prefix: prefix.to_string(),
        }
    }

    fn pk(&self, key: &str) -> AttributeValue {
        AttributeValue::S(format!("{}{key}", self.prefix))
    }

    fn mark(&self, event: Uuid) -> AttributeValue {
        self.pk(&format!("seatlog#{event}"))
    }
}

#[async_trait]
impl ActionClaims for DynamoLedger {
    async fn claim(&self, key: &str, now: DateTime<Utc>) -> BackendResult<bool> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", self.pk(key))
            .item("claimedAt", AttributeValue::N(now.timestamp().to_string()))
            .item("expiresAt", AttributeValue::N((now.timestamp() + KEEP_SECONDS).to_string()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        match put {
            Ok(_) => Ok(true),
            Err(e) if condition_failed(&e) => Ok(false),
            Err(e) => Err(fault("claiming a notification")(e)),
        }
    }

    async fn release(&self, key: &str) -> BackendResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", self.pk(key))
            .send()
            .await
            .map_err(fault("releasing a notification"))?;
        Ok(())
    }
}

#[async_trait]
impl Watermarks for DynamoLedger {
    async fn watermark(&self, event: Uuid) -> BackendResult<Option<LogPosition>> {
        let item = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("pk", self.mark(event))
            .consistent_read(true)
            .send()
            .await
            .map_err(fault("reading a seat-log watermark"))?
            .item;
        Ok(item.map(|i| LogPosition(n(&i, "logMs") as u64, n(&i, "logSeq") as u64)))
    }

    async fn advance(&self, event: Uuid, to: LogPosition, now: DateTime<Utc>) -> BackendResult<()> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", self.mark(event))
            .item("logMs", AttributeValue::N(to.0.to_string()))
            .item("logSeq", AttributeValue::N(to.1.to_string()))
            .item("expiresAt", AttributeValue::N((now.timestamp() + KEEP_SECONDS).to_string()))
            .condition_expression(
                "attribute_not_exists(pk) OR logMs < :ms OR (logMs = :ms AND logSeq < :n)",
            )
            .expression_attribute_values(":ms", AttributeValue::N(to.0.to_string()))
            .expression_attribute_values(":n", AttributeValue::N(to.1.to_string()))
            .send()
            .await;
        match put {
            // Already at or past `to`: never moved back.
            Ok(_) => Ok(()),
            Err(e) if condition_failed(&e) => Ok(()),
            Err(e) => Err(fault("moving a seat-log watermark")(e)),
        }
    }
}
