//! Payments and provider webhooks: statuses, the sandbox's card test modes, and signatures.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use uuid::Uuid;

/// How far a webhook's timestamp may be from now.
pub const WEBHOOK_TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentStatus {
    Processing,
    /// A PROCESSING payment whose provider waits for the buyer to authenticate (3-D Secure), as
    /// served with its `clientSecret`; the store keeps it PROCESSING (in flight either way), and
    /// each read of it asks the provider.
    RequiresAction,
    Succeeded,
    Failed,
    Refunded,
}

impl PaymentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentStatus::Processing => "PROCESSING",
            PaymentStatus::RequiresAction => "REQUIRES_ACTION",
            PaymentStatus::Succeeded => "SUCCEEDED",
            PaymentStatus::Failed => "FAILED",
            PaymentStatus::Refunded => "REFUNDED",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentStatus> {
        [
            PaymentStatus::Processing,
            PaymentStatus::RequiresAction,
            PaymentStatus::Succeeded,
            PaymentStatus::Failed,
            PaymentStatus::Refunded,
        ]
        .into_iter()
        .find(|p| p.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Payment {
    pub id: Uuid,
    pub booking_id: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub status: PaymentStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_reason: Option<String>,
    pub created_at: DateTime<Utc>,
    /// What has been given back so far (a partial cancel refunds its seats' share; the payment
    /// stays SUCCEEDED until all of it is refunded).
    pub refunded_cents: i64,
    /// With REQUIRES_ACTION: what the provider's browser library completes the payment with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    #[serde(skip)]
    pub user_id: String,
    /// The provider's payment method the buyer paid with (what the provider is asked about).
    #[serde(skip)]
    pub method: String,
}

impl Payment {
    /// Whether the payment is still in flight (neither settled nor failed).
    pub fn in_flight(&self) -> bool {
        matches!(self.status, PaymentStatus::Processing | PaymentStatus::RequiresAction)
    }

    /// Whether a chargeback on it is recorded: only money taken (SUCCEEDED, or REFUNDED since)
    /// can be disputed.
    pub fn disputable(&self) -> bool {
        matches!(self.status, PaymentStatus::Succeeded | PaymentStatus::Refunded)
    }

    /// The payment as served after the provider's `outcome` left it in flight: waiting for the
    /// buyer's authentication, or processing.
    pub fn shown_as(&mut self, outcome: &ChargeOutcome) {
        if !self.in_flight() {
            return;
        }
        (self.status, self.client_secret) = match outcome {
            ChargeOutcome::RequiresAction(secret) => {
                (PaymentStatus::RequiresAction, Some(secret.clone()))
            }
            _ => (PaymentStatus::Processing, None),
        };
    }
}

/// Money owed back on a payment, decided in the transaction that cancelled what it paid for and
/// sent to the provider afterwards; its id is the provider's idempotency key, so sending it again
/// (after a crash, or by two senders at once) refunds once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refund {
    pub id: Uuid,
    pub payment_id: Uuid,
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub amount_cents: i64,
    pub currency: String,
    pub reason: super::settlement::RefundReason,
}

/// A chargeback the buyer's bank opened on a payment (Stripe's Dispute), as the provider last told
/// of it: its status (`warning_needs_response`, `needs_response`, `under_review`, `won`, `lost`,
/// ...), the amount disputed and the bank's reason (`fraudulent`, `product_not_received`, ...).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dispute {
    pub status: String,
    pub amount_cents: i64,
    pub reason: String,
}

/// What the provider answered to a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded,
    Failed(String),
    /// Settles later through the webhook.
    Processing,
    /// The buyer must authenticate (3-D Secure) with this client secret first; it settles later
    /// through the webhook or a read of the payment.
    RequiresAction(String),
}

/// A provider's event, as this system acts on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderEvent {
    /// The provider's event id: it takes effect once.
    pub id: String,
    pub kind: ProviderEventKind,
    pub payment_id: Uuid,
    pub failure_reason: Option<String>,
}

/// The types of provider events; others are received and not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderEventKind {
    PaymentSucceeded,
    PaymentFailed,
    RefundSucceeded,
    /// A chargeback opened or moved on the payment (Stripe's `charge.dispute.*`).
    Disputed(Dispute),
    Other(String),
}

impl ProviderEventKind {
    pub fn parse(s: &str) -> ProviderEventKind {
        match s {
            "payment.succeeded" => ProviderEventKind::PaymentSucceeded,
            "payment.failed" => ProviderEventKind::PaymentFailed,
            "refund.succeeded" => ProviderEventKind::RefundSucceeded,
            other => ProviderEventKind::Other(other.to_string()),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ProviderEventKind::PaymentSucceeded => "payment.succeeded",
            ProviderEventKind::PaymentFailed => "payment.failed",
            ProviderEventKind::RefundSucceeded => "refund.succeeded",
            ProviderEventKind::Disputed(_) => "charge.dispute",
            ProviderEventKind::Other(s) => s,
        }
    }
}

/// Why a webhook signature was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error(
        "the signature header (Stripe-Signature or Payment-Signature) is missing or malformed"
    )]
    Malformed,
    #[error("the signature timestamp is more than {WEBHOOK_TOLERANCE_SECONDS} s away")]
    Stale,
    #[error("the signature does not match")]
    Mismatch,
}

/// The `Payment-Signature` header for `body` at unix time `t`.
pub fn sign_webhook(secret: &str, t: i64, body: &[u8]) -> String {
    let tag = signer(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", tag.iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// HMAC-SHA256 over `"<t>.<body>"`.
fn signer(secret: &str, t: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut m =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    m.update(format!("{t}.").as_bytes());
    m.update(body);
    m
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| s.get(i..i + 2).and_then(|h| u8::from_str_radix(h, 16).ok()))
        .collect()
}

/// Checks `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>` against the raw body.
pub fn verify_webhook(
    secret: &str,
    header: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Malformed)?;
    let (mut t, mut sigs) = (None, Vec::new());
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<i64>().ok(),
            Some(("v1", v)) => sigs.push(v),
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if sigs.is_empty() {
        return Err(SignatureError::Malformed);
    }
    if (now - t).abs() > WEBHOOK_TOLERANCE_SECONDS {
        return Err(SignatureError::Stale);
    }
    // The MAC's own verify compares in constant time.
    if sigs.iter().any(|s| {
        decode_hex(s).is_some_and(|tag| signer(secret, t, body).verify_slice(&tag).is_ok())
    }) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_body_verifies_and_any_change_breaks_it() {
        let body = br#"{"id":"evt_1"}"#;
        let h = sign_webhook("s", 1000, body);
        assert_eq!(verify_webhook("s", Some(&h), body, 1000), Ok(()));
        assert_eq!(
            verify_webhook("s", Some(&h), br#"{"id":"evt_2"}"#, 1000),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(verify_webhook("other", Some(&h), body, 1000), Err(SignatureError::Mismatch));
        assert_eq!(verify_webhook("s", None, body, 1000), Err(SignatureError::Malformed));
        assert_eq!(verify_webhook("s", Some("v1=abc"), body, 1000), Err(SignatureError::Malformed));
        assert_eq!(
            verify_webhook("s", Some("t=1000,v1=zz"), body, 1000),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn a_signature_older_or_newer_than_five_minutes_is_stale() {
        let body = b"{}";
        assert_eq!(verify_webhook("s", Some(&sign_webhook("s", 1000, body)), body, 1300), Ok(()));
        assert_eq!(
            verify_webhook("s", Some(&sign_webhook("s", 1000, body)), body, 1301),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify_webhook("s", Some(&sign_webhook("s", 1400, body)), body, 1000),
            Err(SignatureError::Stale)
        );
    }
}
