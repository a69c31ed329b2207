//! Idempotency records in DynamoDB: one item per user and key, claimed with a conditional write,
//! completed with the stored answer, expiring after 24 h (table TTL on `expiresAt`).

use std::collections::HashMap;

use async_trait::async_trait;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::put_item::PutItemError;
use aws_sdk_dynamodb::types::{AttributeValue, ReturnValuesOnConditionCheckFailure, WriteRequest};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};

use crate::ports::{BackendError, BackendResult, IdempotencyStore, KeyClaim, StoredResponse};

/// How long a key is remembered.
const KEY_TTL_SECONDS: i64 = 24 * 3600;
/// A claim still IN_PROGRESS after this long belongs to a request that died: it may be taken over.
const STALE_CLAIM_SECONDS: i64 = 60;

#[derive(Clone)]
pub struct DynamoIdempotency {
    client: Client,
    table: String,
    prefix: String,
}

/// Maps an AWS SDK error (any service's: they share the type) to a [`BackendError`]; timeouts,
/// connection failures and unreadable answers are transient.
pub(crate) fn fault<
    E: std::error::Error + Send + Sync + 'static,
    R: std::fmt::Debug + Send + Sync + 'static,
>(
    context: &'static str,
) -> impl FnOnce(SdkError<E, R>) -> BackendError {
    move |e| {
        let transient = matches!(
            e,
            SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_)
        );
        let source = anyhow::anyhow!("{}", aws_sdk_dynamodb::error::DisplayErrorContext(e));
        if transient {
            BackendError::transient(context, source)
        } else {
            BackendError::permanent(context, source)
        }
    }
}

/// The standard AWS configuration (`AWS_ENDPOINT_URL` points it at the emulator), loaded once per
/// cold start and shared by every AWS client.
pub async fn aws_config() -> aws_config::SdkConfig {
    aws_config::load_defaults(aws_config::BehaviorVersion::latest()).await
}

/// Whether an SDK error is the service refusing a condition.
pub(crate) fn condition_failed<R>(
    e: &SdkError<aws_sdk_dynamodb::operation::put_item::PutItemError, R>,
) -> bool {
    matches!(e, SdkError::ServiceError(se) if se.err().is_conditional_check_failed_exception())
}

impl DynamoIdempotency {
    pub fn new(config: &aws_config::SdkConfig, table: &str, prefix: &str) -> Self {
        DynamoIdempotency {
            client: Client::new(config),
            table: table.to_string(),
            prefix: prefix.to_string(),
        }
    }

    fn pk(&self, user: &str, key: &str) -> AttributeValue {
        AttributeValue::S(format!("{}{user}#{key}", self.prefix))
    }
}

/// Attempts at a batch of writes before the items DynamoDB keeps giving back are a fault.
const BATCH_ATTEMPTS: u32 = 8;

/// Writes `requests` to `table` in batches of 25 (DynamoDB's most), `in_flight` batches at once.
/// Items DynamoDB could not take (throttled) come back unprocessed and are sent again after a
/// growing pause, as AWS advises; still refused after [`BATCH_ATTEMPTS`] tries, it is a transient
/// fault.
pub(crate) async fn write_all(
    client: &Client,
    table: &str,
    requests: Vec<WriteRequest>,
    in_flight: usize,
    doing: &'static str,
) -> crate::ports::BackendResult<()> {
    use futures::{StreamExt, TryStreamExt};
    let batches: Vec<Vec<WriteRequest>> = requests.chunks(25).map(<[_]>::to_vec).collect();
    futures::stream::iter(batches)
        .map(|batch| async move {
            let mut pending = HashMap::from([(table.to_string(), batch)]);
            for attempt in 0..BATCH_ATTEMPTS {
                if attempt > 0 {
                    let pause = std::time::Duration::from_millis(25 << attempt.min(6));
                    tokio::time::sleep(pause).await;
                }
                let out = client
                    .batch_write_item()
                    .set_request_items(Some(pending))
                    .send()
                    .await
                    .map_err(fault(doing))?;
                pending = out.unprocessed_items.unwrap_or_default();
                pending.retain(|_, v| !v.is_empty());
                if pending.is_empty() {
                    return Ok(());
                }
            }
            Err(BackendError::transient(doing, anyhow::anyhow!("items left unprocessed")))
        })
        .buffer_unordered(in_flight.max(1))
        .try_collect::<()>()
        .await
}

pub(crate) fn s(item: &HashMap<String, AttributeValue>, k: &str) -> String {
    item.get(k).and_then(|v| v.as_s().ok()).cloned().unwrap_or_default()
}

pub(crate) fn n(item: &HashMap<String, AttributeValue>, k: &str) -> i64 {
    item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse().ok()).unwrap_or(0)
}

#[async_trait]
impl IdempotencyStore for DynamoIdempotency {
    async fn claim(
        &self,
        user: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<KeyClaim> {
        let put = self
            .client
            .put_item()
            .table_name(&self.table)
            .item("pk", self.pk(user, key))
            .item("state", AttributeValue::S("IN_PROGRESS".into()))
            .item("fingerprint", AttributeValue::S(fingerprint.into()))
            .item("startedAt", AttributeValue::N(now.timestamp().to_string()))
            .item("expiresAt", AttributeValue::N((now.timestamp() + KEY_TTL_SECONDS).to_string()))
            .condition_expression("attribute_not_exists(pk) OR (#s = :inprog AND startedAt < :stale AND fingerprint = :fp) OR expiresAt < :now")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":inprog", AttributeValue::S("IN_PROGRESS".into()))
            .expression_attribute_values(":stale", AttributeValue::N((now.timestamp() - STALE_CLAIM_SECONDS).to_string()))
            .expression_attribute_values(":fp", AttributeValue::S(fingerprint.into()))
            .expression_attribute_values(":now", AttributeValue::N(now.timestamp().to_string()))
            // A refused claim brings the record that refused it: a retry is one call, not two.
            .return_values_on_condition_check_failure(
                ReturnValuesOnConditionCheckFailure::AllOld,
            )
            .send()
            .await;
        let refused_by = match put {
            Ok(_) => return Ok(KeyClaim::Claimed),
            Err(e) if condition_failed(&e) => match e.into_service_error() {
                PutItemError::ConditionalCheckFailedException(c) => c.item,
                _ => None,
            },
            Err(e) => return Err(fault("claiming an idempotency key")(e)),
        };
        let item = match refused_by {
            Some(item) => item,
            // An emulator that does not return it: read it.
            None => self
                .client
                .get_item()
                .table_name(&self.table)
                .key("pk", self.pk(user, key))
                .consistent_read(true)
                .send()
                .await
                .map_err(fault("reading an idempotency key"))?
                .item
                .unwrap_or_default(),
        };
        if s(&item, "fingerprint") != fingerprint {
            return Ok(KeyClaim::Mismatch);
        }
        if s(&item, "state") != "COMPLETED" {
            return Ok(KeyClaim::InProgress);
        }
        Ok(KeyClaim::Replay(StoredResponse {
            status: n(&item, "status") as u16,
            content_type: s(&item, "contentType"),
            body: s(&item, "body"),
        }))
    }

    async fn complete(&self, user: &str, key: &str, r: &StoredResponse) -> BackendResult<()> {
        self.client
            .update_item()
            .table_name(&self.table)
            .key("pk", self.pk(user, key))
            .update_expression("SET #s = :done, #st = :status, contentType = :ct, body = :body")
            .expression_attribute_names("#s", "state")
            .expression_attribute_names("#st", "status")
            .expression_attribute_values(":done", AttributeValue::S("COMPLETED".into()))
            .expression_attribute_values(":status", AttributeValue::N(r.status.to_string()))
            .expression_attribute_values(":ct", AttributeValue::S(r.content_type.clone()))
            .expression_attribute_values(":body", AttributeValue::S(r.body.clone()))
            .send()
            .await
            .map_err(fault("storing an idempotent answer"))?;
        Ok(())
    }

    async fn abandon(&self, user: &str, key: &str) -> BackendResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("pk", self.pk(user, key))
            .condition_expression("#s = :inprog")
            .expression_attribute_names("#s", "state")
            .expression_attribute_values(":inprog", AttributeValue::S("IN_PROGRESS".into()))
            .send()
            .await
            .map(|_| ())
            .or_else(|e| match e {
                SdkError::ServiceError(ref se)
                    if se.err().is_conditional_check_failed_exception() =>
                {
                    Ok(())
                }
                e => Err(fault("releasing an idempotency key")(e)),
            })
    }
}
