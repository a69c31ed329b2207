//! Payment endpoints: `/api/v1/payments...`, and the provider's signed webhook.

use std::sync::Arc;

use lambda_http::Request;
use serde_json::json;

use super::bodies::{PaymentAsk, PaymentBody, WebhookBody};
use super::idempotency::once;
use super::{bounded_body, caller, header, json, json_body, path_id, writer, HandlerResult};
use crate::app::{payments, App};
use crate::domain::ProviderEvent;

/// `POST /api/v1/payments` (`Idempotency-Key` honoured): 201 Payment; 402 `PAYMENT_DECLINED`.
pub async fn create(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = writer(&app, &req).await?;
    once(&app, &req, &caller.user_id, async {
        let ask = PaymentAsk::try_from(json_body::<PaymentBody>(&req)?)?;
        let payment = payments::create_payment(&app, &caller, ask.booking_id, &ask.method).await?;
        json(201, &payment)
    })
    .await
}

/// `GET /api/v1/payments/{id}`: 200 Payment.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let payment = payments::get_payment(&app, &caller, path_id(&req, "id")?).await?;
    json(200, &payment)
}

/// `POST /api/v1/payments/webhook`: provider callbacks, signed (`Payment-Signature`), no JWT.
pub async fn webhook(app: Arc<App>, req: Request) -> HandlerResult {
    let signature = header(&req, "payment-signature");
    let body = bounded_body(&req)?;
    // The signature is the webhook's authorisation: checked before anything else of the request.
    let signed = payments::authenticate_webhook(&app, signature, body)?;
    let event = ProviderEvent::try_from(json_body::<WebhookBody>(&req)?)?;
    let applied = payments::apply_webhook(&app, signed, event).await?;
    json(200, &json!({ "received": true, "applied": applied }))
}
