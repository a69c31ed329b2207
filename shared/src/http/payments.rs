//! Payment endpoints: `/api/v1/payments...`, and the provider's signed webhook.

use std::sync::Arc;

use lambda_http::Request;
use serde_json::json;

use super::bodies::{PaymentAsk, PaymentBody, StripeEvent, StripeWork, WebhookBody};
use super::idempotency::once;
use super::{bounded_body, caller, header, json, json_body, path_id, writer, HandlerResult};
use crate::app::{payments, App};
use crate::config::ProviderKind;
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

/// `GET /api/v1/payments/config` (any signed-in user): 200 `{provider, publishableKey, jsUrl}`,
/// what the page needs to load the provider's browser library.
pub async fn config(app: Arc<App>, req: Request) -> HandlerResult {
    caller(&req)?;
    let p = &app.config.payments;
    let (provider, key, js) = match p.provider {
        ProviderKind::Stripe => {
            ("stripe", Some(p.stripe_publishable_key.as_str()), Some(p.stripe_js_url.as_str()))
        }
        ProviderKind::Sandbox => ("sandbox", None, None),
    };
    json(200, &json!({ "provider": provider, "publishableKey": key, "jsUrl": js }))
}

/// `GET /api/v1/payments/{id}`: 200 Payment.
pub async fn get(app: Arc<App>, req: Request) -> HandlerResult {
    let caller = caller(&req)?;
    let payment = payments::get_payment(&app, &caller, path_id(&req, "id")?).await?;
    json(200, &payment)
}

/// `POST /api/v1/payments/webhook`: provider callbacks, signed (`Payment-Signature`), no JWT.
pub async fn webhook(app: Arc<App>, req: Request) -> HandlerResult {
    let stripe = app.config.payments.provider == ProviderKind::Stripe;
    // Stripe signs with `Stripe-Signature`, the sandbox with `Payment-Signature`: the same scheme
    // (`t=`, one or more `v1=` HMAC-SHA256 of "<t>.<body>", 300 s tolerance).
    let signature = header(&req, if stripe { "stripe-signature" } else { "payment-signature" });
    let body = bounded_body(&req)?;
    // The signature is the webhook's authorisation: checked before anything else of the request.
    let signed = payments::authenticate_webhook(&app, signature, body)?;
    let event = if stripe {
        let nothing = || json(200, &json!({ "received": true, "applied": false }));
        // `StripeEvent` reads only what it needs (Stripe sends many more fields).
        match json_body::<StripeEvent>(&req)?.work()? {
            StripeWork::Event(event) => event,
            // A charge refunded in full at Stripe (as a provider refund: the booking cancelled, its
            // seats freed, its tickets revoked) or disputed, if the intent is one of this system's.
            StripeWork::OfIntent { id, intent, kind } => {
                match app.provider.payment_of(&intent).await.map_err(crate::app::AppError::from)? {
                    Some(payment_id) => {
                        ProviderEvent { id, kind, payment_id, failure_reason: None }
                    }
                    None => return nothing(),
                }
            }
            // Signed, but nothing this system acts on: acknowledged (Stripe retries anything else).
            StripeWork::Nothing => return nothing(),
        }
    } else {
        ProviderEvent::try_from(json_body::<WebhookBody>(&req)?)?
    };
    let applied = payments::apply_webhook(&app, signed, event).await?;
    json(200, &json!({ "received": true, "applied": applied }))
}
