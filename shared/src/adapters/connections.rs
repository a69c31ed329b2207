//! WebSocket connections in DynamoDB: per connection one `conn` item (its user) and one
//! `sub#<event>` item per subscription, which the `byEvent` index lists by event. Every item
//! expires after API Gateway's two-hour connection limit, so a lost `$disconnect` cleans itself up.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, DeleteRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::dynamodb::{fault, s, write_all};
use crate::ports::{BackendResult, Connections};

/// API Gateway closes a WebSocket connection after two hours.
const CONNECTION_SECONDS: i64 = 2 * 3600;
const INDEX: &str = "byEvent";

type Item = std::collections::HashMap<String, AttributeValue>;

pub struct DynamoConnections {
    client: Client,
    table: String,
    prefix: String,
}

impl DynamoConnections {
    pub fn new(config: &aws_config::SdkConfig, table: &str, prefix: &str) -> Self {
        DynamoConnections {
            client: Client::new(config),
            table: table.to_string(),
            prefix: prefix.to_string(),
        }
    }

    fn id(&self, connection: &str) -> AttributeValue {
        AttributeValue::S(format!("{}{connection}", self.prefix))
    }

    /// Every item whose `attribute` (the table's key, or `index`'s) is `value`, all pages.
    async fn items(
        &self,
        index: Option<&str>,
        attribute: &str,
        value: AttributeValue,
        doing: &'static str,
    ) -> BackendResult<Vec<Item>> {
        self.client
            .query()
            .table_name(&self.table)
            .set_index_name(index.map(String::from))
            // Reads of the table itself see the latest writes; an index is eventually consistent.
            .set_consistent_read(index.is_none().then_some(true))
            .key_condition_expression("#k = :v")
            .expression_attribute_names("#k", attribute)
            .expression_attribute_values(":v", value)
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .map_err(fault(doing))
    }

    fn until(now: DateTime<Utc>) -> AttributeValue {
        AttributeValue::N((now.timestamp() + CONNECTION_SECONDS).to_string())
    }
}

#[async_trait]
impl Connections for DynamoConnections {
    async fn connect(&self, connection: &str, user: &str, now: DateTime<Utc>) -> BackendResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("connectionId", self.id(connection))
            .item("sk", AttributeValue::S("conn".into()))
            .item("userId", AttributeValue::S(user.into()))
            .item("connectedAt", AttributeValue::N(now.timestamp().to_string()))
            .item("expiresAt", Self::until(now))
            .send()
            .await
            .map_err(fault("storing a connection"))?;
        Ok(())
    }

    async fn subscribe(
        &self,
        connection: &str,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<()> {
        self.client
            .put_item()
            .table_name(&self.table)
            .item("connectionId", self.id(connection))
            .item("sk", AttributeValue::S(format!("sub#{event}")))
            .item("eventId", AttributeValue::S(format!("{}{event}", self.prefix)))
            .item("expiresAt", Self::until(now))
            .send()
            .await
            .map_err(fault("storing a subscription"))?;
        Ok(())
    }

    async fn unsubscribe(&self, connection: &str, event: Uuid) -> BackendResult<()> {
        self.client
            .delete_item()
            .table_name(&self.table)
            .key("connectionId", self.id(connection))
            .key("sk", AttributeValue::S(format!("sub#{event}")))
            .send()
            .await
            .map_err(fault("removing a subscription"))?;
        Ok(())
    }

    async fn disconnect(&self, connection: &str) -> BackendResult<()> {
        let items =
            self.items(None, "connectionId", self.id(connection), "reading a connection").await?;
        let deletes: Vec<WriteRequest> = items
            .iter()
            .filter_map(|item| {
                let key = DeleteRequest::builder()
                    .key("connectionId", self.id(connection))
                    .key("sk", AttributeValue::S(s(item, "sk")))
                    .build()
                    .ok()?;
                Some(WriteRequest::builder().delete_request(key).build())
            })
            .collect();
        write_all(&self.client, &self.table, deletes, 1, "removing a connection").await
    }

    async fn user(&self, connection: &str) -> BackendResult<Option<String>> {
        let out = self
            .client
            .get_item()
            .table_name(&self.table)
            .key("connectionId", self.id(connection))
            .key("sk", AttributeValue::S("conn".into()))
            .send()
            .await
            .map_err(fault("reading a connection"))?;
        Ok(out.item.map(|i| s(&i, "userId")).filter(|u| !u.is_empty()))
    }

    async fn subscribers(&self, event: Uuid) -> BackendResult<Vec<String>> {
        let event = AttributeValue::S(format!("{}{event}", self.prefix));
        let items =
            self.items(Some(INDEX), "eventId", event, "listing an event's subscribers").await?;
        Ok(items
            .iter()
            .filter_map(|i| {
                s(i, "connectionId").strip_prefix(self.prefix.as_str()).map(String::from)
            })
            .collect())
    }
}
