//! The sales report of an event (`GET /events/{id}/report`): what MySQL says was sold, refunded
//! and used, by category.

use serde::Serialize;
use uuid::Uuid;

use super::queue::QueueStats;

/// Seats by their status in the system of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SeatCounts {
    pub available: u64,
    /// Reserved by PENDING bookings (a hold that is not booked yet lives in Redis only; the event's
    /// `availability` counts those).
    pub held: u64,
    pub booked: u64,
    pub blocked: u64,
}

/// Bookings by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct BookingCounts {
    pub pending: u64,
    pub confirmed: u64,
    pub cancelled: u64,
    pub expired: u64,
}

/// Booked seats and revenue of one category (CONFIRMED bookings).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CategorySales {
    pub category: String,
    pub booked: u64,
    pub revenue_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SalesReport {
    pub event_id: Uuid,
    pub seats: SeatCounts,
    pub bookings: BookingCounts,
    /// The sum of CONFIRMED bookings' `totalCents`.
    pub revenue_cents: i64,
    /// Everything refunded: the amounts of REFUNDED payments.
    pub refunded_cents: i64,
    pub categories: Vec<CategorySales>,
    /// Tickets in the venue now.
    pub checked_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueStats>,
}
