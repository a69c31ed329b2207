//! RFC 9457 problem details: the one mapping from every error to an HTTP answer.

use lambda_http::{Body, Response};
use serde_json::{json, Map, Value};

use crate::app::{AppError, Resource};
use crate::domain::RuleError;
use crate::ports::Fault;

/// An error answer: `application/problem+json` with a stable `code`.
#[derive(Debug, Clone)]
pub struct Problem {
    pub status: u16,
    pub code: &'static str,
    pub title: &'static str,
    pub detail: String,
    /// Extension members, e.g. `seatIds`.
    pub extra: Map<String, Value>,
    /// Seconds after which a retry makes sense (503).
    pub retry_after: Option<u32>,
}

impl Problem {
    pub fn new(
        status: u16,
        code: &'static str,
        title: &'static str,
        detail: impl Into<String>,
    ) -> Self {
        Problem { status, code, title, detail: detail.into(), extra: Map::new(), retry_after: None }
    }

    pub fn with(mut self, key: &str, value: Value) -> Self {
        self.extra.insert(key.to_string(), value);
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Problem::new(400, code, "Bad request", detail)
    }

    pub fn validation(detail: impl Into<String>) -> Self {
        Problem::new(422, "VALIDATION_FAILED", "The request is not valid", detail)
    }

    pub fn not_found(what: Resource) -> Self {
        let code = match what {
            Resource::Event => "EVENT_NOT_FOUND",
            Resource::Hold => "HOLD_NOT_FOUND",
            Resource::Booking => "BOOKING_NOT_FOUND",
            Resource::Payment => "PAYMENT_NOT_FOUND",
            Resource::Queue => "QUEUE_NOT_FOUND",
            Resource::QueueEntry => "QUEUE_ENTRY_NOT_FOUND",
            Resource::Ticket => "TICKET_NOT_FOUND",
            Resource::Seat => "SEAT_NOT_FOUND",
            Resource::WaitlistEntry => "WAITLIST_ENTRY_NOT_FOUND",
            Resource::Code => "CODE_NOT_FOUND",
            Resource::Registration => "REGISTRATION_NOT_FOUND",
        };
        Problem::new(404, code, "Not found", format!("no such {}", what.as_str()))
    }

    /// A method and path the API does not have.
    pub fn route_not_found() -> Self {
        Problem::new(404, "ROUTE_NOT_FOUND", "Not found", "no such route")
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        Problem::new(401, "UNAUTHORIZED", "Unauthorized", detail)
    }

    pub fn internal() -> Self {
        Problem::new(500, "INTERNAL_ERROR", "Internal error", "the request could not be completed")
    }

    pub fn into_response(self) -> Response<Body> {
        let body = self.body();
        let mut builder = Response::builder()
            .status(self.status)
            .header("content-type", "application/problem+json");
        if let Some(s) = self.retry_after {
            builder = builder.header("retry-after", s.to_string());
        }
        builder.body(Body::from(body)).unwrap_or_else(|_| Response::new(Body::Empty))
    }

    /// The problem+json document.
    pub fn body(&self) -> String {
        let mut body = Map::new();
        body.insert(
            "type".into(),
            json!(format!(
                "https://booking.example/problems/{}",
                self.code.to_lowercase().replace('_', "-")
            )),
        );
        body.insert("title".into(), json!(self.title));
        body.insert("status".into(), json!(self.status));
        body.insert("detail".into(), json!(self.detail));
        body.insert("code".into(), json!(self.code));
        body.extend(self.extra.clone());
        Value::Object(body).to_string()
    }
}

impl From<crate::domain::ticket::Refusal> for Problem {
    fn from(r: crate::domain::ticket::Refusal) -> Self {
        use crate::domain::ticket::Refusal;
        match r {
            Refusal::Invalid => Problem::new(
                422,
                "INVALID_TICKET",
                "Invalid ticket",
                "the code is not a ticket signed by this event's key",
            ),
            Refusal::WrongEvent => Problem::new(
                409,
                "WRONG_EVENT",
                "Wrong event",
                "a real ticket, but of another event",
            ),
            Refusal::Revoked => Problem::new(
                409,
                "TICKET_REVOKED",
                "Ticket revoked",
                "the ticket was revoked (cancelled or transferred)",
            ),
            Refusal::AlreadyIn { gate, at } => Problem::new(
                409,
                "ALREADY_CHECKED_IN",
                "Already checked in",
                format!("checked in at gate {gate} at {}", at.to_rfc3339()),
            )
            .with("gate", json!(gate))
            .with("at", json!(at)),
            Refusal::NotIn => Problem::new(
                409,
                "NOT_CHECKED_IN",
                "Not checked in",
                "an out scan of a ticket that is not in",
            ),
            Refusal::NonceReused => Problem::new(
                409,
                "NONCE_REUSED",
                "Nonce reused",
                "this nonce was sent with another ticket's scan; each scan needs its own",
            ),
        }
    }
}

impl From<RuleError> for Problem {
    fn from(e: RuleError) -> Self {
        match &e {
            RuleError::Invalid { field, .. } => {
                Problem::validation(e.to_string()).with("field", json!(field))
            }
            RuleError::UnknownSeats(ids) => {
                Problem::new(422, "UNKNOWN_SEATS", "Unknown seats", e.to_string())
                    .with("seatIds", json!(ids))
            }
            RuleError::RepeatedSeats(ids) => {
                Problem::new(422, "REPEATED_SEATS", "Repeated seats", e.to_string())
                    .with("seatIds", json!(ids))
            }
            RuleError::SeatLimit { max, .. } => {
                Problem::new(422, "SEAT_LIMIT_EXCEEDED", "Seat limit exceeded", e.to_string())
                    .with("maxSeatsPerOrder", json!(max))
            }
            RuleError::UserLimit { max, .. } => {
                Problem::new(422, "USER_LIMIT_EXCEEDED", "Ticket limit exceeded", e.to_string())
                    .with("maxTicketsPerUser", json!(max))
            }
            RuleError::CodeInvalid(_) => {
                Problem::new(422, "CODE_INVALID", "Code not valid", e.to_string())
            }
        }
    }
}

impl From<AppError> for Problem {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Rule(r) => r.into(),
            AppError::NotFound(what) => Problem::not_found(what),
            AppError::Forbidden(why) => Problem::new(403, "FORBIDDEN", "Forbidden", why),
            AppError::Unauthorized(why) => Problem::unauthorized(why),
            AppError::SeatsUnavailable(ids) => {
                let detail = if ids.is_empty() {
                    "not enough seats are available".to_string()
                } else {
                    format!("held or booked already: {}", ids.join(", "))
                };
                Problem::new(409, "SEATS_UNAVAILABLE", "Seats unavailable", detail)
                    .with("seatIds", json!(ids))
            }
            AppError::CodeExhausted => Problem::new(
                409,
                "CODE_EXHAUSTED",
                "Code used up",
                "every use of this code is taken; a use comes back if an order with it lapses unpaid",
            ),
            AppError::CodeTaken => Problem::new(
                409,
                "CODE_TAKEN",
                "Code taken",
                "this event has (or had) a code of that name; choose another",
            ),
            AppError::HoldExpired => Problem::new(
                410,
                "HOLD_EXPIRED",
                "Hold expired",
                "the hold has expired; its seats are released",
            ),
            AppError::Scan(refusal) => refusal.into(),
            AppError::TicketState(status) => {
                let code = match status {
                    crate::domain::ticket::TicketStatus::Revoked => "TICKET_REVOKED",
                    _ => "ALREADY_CHECKED_IN",
                };
                Problem::new(
                    409,
                    code,
                    "Ticket state conflict",
                    format!("the ticket is {}", status.as_str()),
                )
            }
            AppError::QueueTokenRequired(why) => {
                Problem::new(403, "QUEUE_TOKEN_REQUIRED", "Queue token required", why)
            }
            AppError::NotOnSale(status) => Problem::new(
                409,
                "NOT_ON_SALE",
                "Not on sale",
                format!("the event is {}: it does not sell now", status.as_str()),
            )
            .with("saleStatus", json!(status.as_str())),
            AppError::BookingState(status) => Problem::new(
                409,
                "BOOKING_STATE_CONFLICT",
                "Booking state conflict",
                format!("the booking is {}", status.as_str()),
            )
            .with("bookingStatus", json!(status.as_str())),
            AppError::SeatsCheckedIn(seats) => Problem::new(
                409,
                "ALREADY_CHECKED_IN",
                "Already checked in",
                format!("checked in at the door: {}", seats.join(", ")),
            )
            .with("seatIds", json!(seats)),
            AppError::ReceiverLimit { max } => Problem::new(
                409,
                "USER_LIMIT_EXCEEDED",
                "Ticket limit exceeded",
                format!("the receiver already has the most tickets one person may have of this event ({max})"),
            )
            .with("maxTicketsPerUser", json!(max)),
            AppError::AllTransferred => Problem::new(
                409,
                "BOOKING_STATE_CONFLICT",
                "Booking state conflict",
                "every ticket of this booking was transferred: they are their holders' now",
            ),
            AppError::PaymentInFlight(id) => Problem::new(
                409,
                "PAYMENT_IN_PROGRESS",
                "Payment in progress",
                "another payment of this booking is processing or has succeeded",
            )
            .with("paymentId", json!(id)),
            AppError::PaymentRequired => Problem::new(
                402,
                "PAYMENT_REQUIRED",
                "Payment required",
                "a succeeded payment of this booking is required",
            ),
            AppError::PaymentDeclined { payment_id, reason } => Problem::new(
                402,
                "PAYMENT_DECLINED",
                "Payment declined",
                format!("the payment was declined: {reason}"),
            )
            .with("paymentId", json!(payment_id)),
            AppError::BadSignature(e) => Problem::bad_request("INVALID_SIGNATURE", e.to_string()),
            AppError::RateLimited { retry_after_ms } => {
                let mut p = Problem::new(
                    429,
                    "RATE_LIMITED",
                    "Too many requests",
                    "too many requests from this user; retry later",
                );
                p.retry_after = Some(retry_after_ms.div_ceil(1000).max(1) as u32);
                p
            }
            // The cause goes to the log, never to the client.
            AppError::Backend(b) => match b.fault {
                Fault::Contended => {
                    tracing::warn!(error = %b, "retries ran out under contention");
                    crate::metrics::count(crate::metrics::Metric::ContendedRetriesExhausted, 1);
                    Problem::new(
                        409,
                        "CONCURRENT_UPDATE",
                        "Concurrent update",
                        "the same seats or booking kept changing; try again",
                    )
                }
                Fault::Transient => {
                    tracing::error!(error = %b, "backend not answering");
                    let mut p = Problem::new(
                        503,
                        "SERVICE_UNAVAILABLE",
                        "Service unavailable",
                        "a backend is not answering; retry shortly",
                    );
                    p.retry_after = Some(1);
                    p
                }
                Fault::Permanent => {
                    tracing::error!(error = %b, "backend failure");
                    Problem::internal()
                }
            },
        }
    }
}
