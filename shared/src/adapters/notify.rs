//! Email through SES (v2 `SendEmail`) and SMS through SNS (`Publish` to a phone number).

use async_trait::async_trait;
use aws_sdk_sesv2::types::{Body, Content, Destination, EmailContent, Message};

use super::dynamodb::fault;
use crate::ports::{BackendError, BackendResult, Notifier};

pub struct AwsNotifier {
    ses: aws_sdk_sesv2::Client,
    sns: aws_sdk_sns::Client,
    from: String,
}

impl AwsNotifier {
    /// `from` must be a verified SES identity.
    pub fn new(config: &aws_config::SdkConfig, from: &str) -> Self {
        AwsNotifier {
            ses: aws_sdk_sesv2::Client::new(config),
            sns: aws_sdk_sns::Client::new(config),
            from: from.to_string(),
        }
    }
}

fn content(text: &str) -> BackendResult<Content> {
    Content::builder()
        .data(text)
        .charset("UTF-8")
        .build()
        .map_err(|e| BackendError::permanent("building an email", e))
}

#[async_trait]
impl Notifier for AwsNotifier {
    async fn email(&self, to: &str, subject: &str, text: &str) -> BackendResult<()> {
        let message = Message::builder()
            .subject(content(subject)?)
            .body(Body::builder().text(content(text)?).build())
            .build();
        self.ses
            .send_email()
            .from_email_address(&self.from)
            .destination(Destination::builder().to_addresses(to).build())
            .content(EmailContent::builder().simple(message).build())
            .send()
            .await
            .map_err(fault("sending an email"))?;
        Ok(())
    }

    async fn sms(&self, to: &str, text: &str) -> BackendResult<()> {
        self.sns
            .publish()
            .phone_number(to)
            .message(text)
            .send()
            .await
            .map_err(fault("sending an SMS"))?;
        Ok(())
    }
}
