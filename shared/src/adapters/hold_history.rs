//! The history of holds and releases in DynamoDB: one item per change and seat, under the seat
//! (`pk` = event and seat, `sk` = the change's time in milliseconds and its id, so a query reads a
//! seat's changes in order). Written by the relay in batches, read by the seat's history. An
//! on-sale makes ten or more of these per seat sold; on the database writer they cost rows per
//! attempt, here they spread over as many partitions as there are seats, on demand.

use async_trait::async_trait;
use aws_sdk_dynamodb::types::{AttributeValue, PutRequest, WriteRequest};
use aws_sdk_dynamodb::Client;
use chrono::DateTime;
use uuid::Uuid;

use super::dynamodb::{fault, n, s, write_all};
use crate::domain::history::{Change, MAX_CHANGES};
use crate::ports::{BackendError, BackendResult, HoldHistory};

/// Batches of 25 items in flight at once while archiving.
const IN_FLIGHT: usize = 8;

pub struct DynamoHoldHistory {
    client: Client,
    table: String,
    prefix: String,
}

type Item = std::collections::HashMap<String, AttributeValue>;

impl DynamoHoldHistory {
    pub fn new(config: &aws_config::SdkConfig, table: &str, prefix: &str) -> Self {
        DynamoHoldHistory {
            client: Client::new(config),
            table: table.to_string(),
            prefix: prefix.to_string(),
        }
    }

    fn pk(&self, event: Uuid, seat: &str) -> AttributeValue {
        AttributeValue::S(format!("{}{event}#{seat}", self.prefix))
    }

    fn item(&self, c: &Change, seat: &str) -> Item {
        let at = c.at.timestamp_millis();
        Item::from([
            ("pk".to_string(), self.pk(c.event_id, seat)),
            // Zero-padded: strings sort as the times do (until the year 2286).
            ("sk".to_string(), AttributeValue::S(format!("{at:013}#{}", c.id))),
            ("at".to_string(), AttributeValue::N(at.to_string())),
            ("type".to_string(), AttributeValue::S(c.kind.clone())),
            ("actor".to_string(), AttributeValue::S(c.actor.clone())),
            ("data".to_string(), AttributeValue::S(c.data.to_string())),
        ])
    }
}

/// The change an item records (its seats are the key's, not repeated: as MySQL's history reads).
fn change(event: Uuid, item: &Item) -> Result<Change, BackendError> {
    let bad = |e: anyhow::Error| BackendError::permanent("decoding hold history", e);
    let sk = s(item, "sk");
    let id = sk.split_once('#').map(|(_, id)| id).unwrap_or_default();
    Ok(Change {
        id: Uuid::parse_str(id).map_err(|e| bad(e.into()))?,
        event_id: event,
        booking_id: None,
        seats: Vec::new(),
        at: DateTime::from_timestamp_millis(n(item, "at"))
            .ok_or_else(|| bad(anyhow::anyhow!("no time in {sk}")))?,
        kind: s(item, "type"),
        actor: s(item, "actor"),
        data: serde_json::from_str(&s(item, "data")).map_err(|e| bad(e.into()))?,
    })
}

#[async_trait]
impl HoldHistory for DynamoHoldHistory {
    async fn of_seat(&self, event: Uuid, seat: &str) -> BackendResult<Vec<Change>> {
        let mut pages = self
            .client
            .query()
            .table_name(&self.table)
            .consistent_read(true)
            .key_condition_expression("pk = :pk")
            .expression_attribute_values(":pk", self.pk(event, seat))
            .into_paginator()
            .items()
            .send();
        let mut changes = Vec::new();
        while changes.len() < MAX_CHANGES {
            match pages.next().await {
                Some(item) => {
                    changes.push(change(event, &item.map_err(fault("reading hold history"))?)?)
                }
                None => break,
            }
        }
        Ok(changes)
    }

    async fn archive(&self, changes: &[Change]) -> BackendResult<()> {
        // A batch naming one item twice is refused whole: each once.
        let mut seen = std::collections::HashSet::new();
        let puts: Vec<WriteRequest> = changes
            .iter()
            .flat_map(|c| c.seats.iter().map(move |seat| (c, seat)))
            .filter(|(c, seat)| seen.insert((c.id, seat.as_str())))
            .map(|(c, seat)| self.item(c, seat))
            .filter_map(|item| {
                let put = PutRequest::builder().set_item(Some(item)).build().ok()?;
                Some(WriteRequest::builder().put_request(put).build())
            })
            .collect();
        write_all(&self.client, &self.table, puts, IN_FLIGHT, "archiving holds and releases").await
    }
}
