//! Pure types and rules of the ticketing domain: no I/O, no clocks, no backends.

pub mod best_available;
pub mod booking;
pub mod caller;
pub mod cancel;
pub mod code;
pub mod event;
pub mod history;
pub mod hold;
pub mod message;
pub mod notification;
pub mod payment;
pub mod presale;
pub mod price;
pub mod queue;
pub mod report;
pub mod reservation;
pub mod seat;
pub mod settlement;
pub mod ticket;
pub mod tier;
pub mod waitlist;

pub use booking::{Booking, BookingSource, BookingStatus, Transition};
pub use caller::{Caller, Contact};
pub use event::{
    ChargesSpec, Event, EventPatch, EventSpec, SaleStatus, Section, SectionSpec, WaitingRoom,
    WaitingRoomSpec,
};
pub use hold::{Hold, HoldAsk, SeatChoice, UserCaps};
pub use message::{Envelope, MessageKind};
pub use payment::{
    ChargeOutcome, Dispute, Payment, PaymentStatus, ProviderEvent, ProviderEventKind, Refund,
};
pub use seat::{SeatId, SeatStatus};
pub use settlement::RefundReason;

/// A rule broken by a request: answered 4xx, never retried.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    /// A field has a value outside what the contract allows.
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// Seat ids that name no seat of the event.
    #[error("unknown seats: {}", .0.join(", "))]
    UnknownSeats(Vec<String>),
    /// Seat ids named more than once in one request.
    #[error("repeated seats: {}", .0.join(", "))]
    RepeatedSeats(Vec<String>),
    /// More seats than a user may hold or book at once for one event.
    #[error("at most {max} seats per order; this would make {requested}")]
    SeatLimit { max: u32, requested: u32 },
    /// More than a user may have of the event in all (holds, pending bookings, live tickets).
    #[error("at most {max} tickets per person for this event; this would make {requested}")]
    UserLimit { max: u32, requested: u32 },
    /// A code that is unknown, not valid now, or not for these seats (422 `CODE_INVALID`).
    #[error("{0}")]
    CodeInvalid(String),
}

impl RuleError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        RuleError::Invalid { field: field.into(), message: message.into() }
    }
}
