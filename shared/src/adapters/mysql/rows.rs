//! The rows bookings and payments are read from: the columns, the `query_as!` macros that select
//! them (checked against the schema at compile time), and their conversion to the domain's types.

use chrono::NaiveDateTime;

use super::{parse_status, parse_uuid};
use crate::domain::price::{Breakdown, Discount};
use crate::domain::{Booking, BookingStatus, Contact, Dispute, Payment, PaymentStatus};

/// The columns a booking is read from; [`booking_rows!`] selects them.
pub(super) const BOOKING_COLUMNS: &str =
    "SELECT id, user_id, event_id, status, total_cents, currency, \
     contact_email, contact_phone, expires_at, created_at, updated_at, version, \
     dispute_status, dispute_amount_cents, dispute_reason, face_cents, fees_cents, tax_cents, \
     discount_cents, code, percent_off, amount_off_cents FROM bookings";

/// `sqlx::query_as!` of [`BookingRow`]s: [`BOOKING_COLUMNS`] (written out: the macro takes
/// literals only), then the rest of the query, checked against the schema at compile time.
macro_rules! booking_rows {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            $crate::adapters::mysql::rows::BookingRow,
            "SELECT id, user_id, event_id, status, total_cents, currency, contact_email, \
             contact_phone, expires_at, created_at, updated_at, version, dispute_status, \
             dispute_amount_cents, dispute_reason, face_cents, fees_cents, tax_cents, \
             discount_cents, code, percent_off, amount_off_cents FROM bookings " + $rest
            $(, $arg)*
        )
    };
}
pub(super) use booking_rows;

/// `sqlx::query_as!` of [`PaymentRow`]s, as [`booking_rows!`] for bookings.
macro_rules! payment_rows {
    ($rest:literal $(, $arg:expr)* $(,)?) => {
        sqlx::query_as!(
            $crate::adapters::mysql::rows::PaymentRow,
            "SELECT id, booking_id, user_id, amount_cents, currency, status, failure_reason, \
             created_at, refunded_cents, payment_method FROM payments " + $rest
            $(, $arg)*
        )
    };
}
pub(super) use payment_rows;

/// A `bookings` row as stored (ids as text, the status as its name, times without a zone: UTC).
#[derive(Debug, sqlx::FromRow)]
pub(super) struct BookingRow {
    pub(super) id: String,
    pub(super) user_id: String,
    pub(super) event_id: String,
    pub(super) status: String,
    pub(super) total_cents: i64,
    pub(super) currency: String,
    pub(super) contact_email: Option<String>,
    pub(super) contact_phone: Option<String>,
    pub(super) expires_at: NaiveDateTime,
    pub(super) created_at: NaiveDateTime,
    pub(super) updated_at: NaiveDateTime,
    pub(super) version: u64,
    pub(super) dispute_status: Option<String>,
    pub(super) dispute_amount_cents: Option<i64>,
    pub(super) dispute_reason: Option<String>,
    /// NULL on a booking made before fees and tax: its total was all face.
    pub(super) face_cents: Option<i64>,
    pub(super) fees_cents: i64,
    pub(super) tax_cents: i64,
    pub(super) discount_cents: i64,
    pub(super) code: Option<String>,
    pub(super) percent_off: Option<u16>,
    pub(super) amount_off_cents: Option<i64>,
}

impl BookingRow {
    /// The booking, without its seats; a value the code does not know is an error, never a guess.
    pub(super) fn booking(self) -> Result<Booking, sqlx::Error> {
        Ok(Booking {
            id: parse_uuid(&self.id)?,
            user_id: self.user_id,
            event_id: parse_uuid(&self.event_id)?,
            status: parse_status("status", &self.status, BookingStatus::parse)?,
            seat_ids: Vec::new(),
            total_cents: self.total_cents,
            breakdown: Breakdown {
                face_cents: self.face_cents.unwrap_or(self.total_cents),
                fees_cents: self.fees_cents,
                tax_cents: self.tax_cents,
                discount_cents: self.discount_cents,
                total_cents: self.total_cents,
            },
            currency: self.currency,
            contact: Contact { email: self.contact_email, phone: self.contact_phone },
            expires_at: self.expires_at.and_utc(),
            created_at: self.created_at.and_utc(),
            updated_at: self.updated_at.and_utc(),
            version: self.version,
            dispute: self.dispute_status.map(|status| Dispute {
                status,
                amount_cents: self.dispute_amount_cents.unwrap_or(0),
                reason: self.dispute_reason.unwrap_or_default(),
            }),
            code: self.code,
            discount: Discount::from_parts(self.percent_off.map(u32::from), self.amount_off_cents),
            // Kept per seat in booking_seats, read where a seat's price is needed.
            prices: Vec::new(),
        })
    }
}

/// A `payments` row as stored.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct PaymentRow {
    pub(super) id: String,
    pub(super) booking_id: String,
    pub(super) user_id: String,
    pub(super) amount_cents: i64,
    pub(super) currency: String,
    pub(super) status: String,
    pub(super) failure_reason: Option<String>,
    pub(super) created_at: NaiveDateTime,
    pub(super) refunded_cents: i64,
    pub(super) payment_method: String,
}

impl PaymentRow {
    pub(super) fn payment(self) -> Result<Payment, sqlx::Error> {
        Ok(Payment {
            id: parse_uuid(&self.id)?,
            booking_id: parse_uuid(&self.booking_id)?,
            user_id: self.user_id,
            amount_cents: self.amount_cents,
            currency: self.currency,
            status: parse_status("status", &self.status, PaymentStatus::parse)?,
            failure_reason: self.failure_reason,
            created_at: self.created_at.and_utc(),
            refunded_cents: self.refunded_cents,
            client_secret: None,
            method: self.payment_method,
        })
    }
}
