//! Pushes to WebSocket clients through the API Gateway Management API (`POST @connections/{id}`).
//! Locally the local gateway answers at the same paths.

use async_trait::async_trait;
use aws_sdk_apigatewaymanagement::error::SdkError;
use aws_sdk_apigatewaymanagement::primitives::Blob;
use aws_sdk_apigatewaymanagement::Client;

use super::dynamodb::fault;
use crate::ports::{BackendResult, Pushed, Pusher};

pub struct ManagementApi {
    client: Client,
}

impl ManagementApi {
    /// A client for the WebSocket API's management endpoint (`WS_MANAGEMENT_ENDPOINT`).
    pub fn new(config: &aws_config::SdkConfig, endpoint: &str) -> Self {
        let config = aws_sdk_apigatewaymanagement::config::Builder::from(config)
            .endpoint_url(endpoint)
            .build();
        ManagementApi { client: Client::from_conf(config) }
    }
}

#[async_trait]
impl Pusher for ManagementApi {
    async fn push(&self, connection: &str, body: &str) -> BackendResult<Pushed> {
        let sent = self
            .client
            .post_to_connection()
            .connection_id(connection)
            .data(Blob::new(body.as_bytes()))
            .send()
            .await;
        match sent {
            Ok(_) => Ok(Pushed::Sent),
            Err(SdkError::ServiceError(e)) if e.err().is_gone_exception() => Ok(Pushed::Gone),
            Err(e) => Err(fault("pushing to a connection")(e)),
        }
    }
}
