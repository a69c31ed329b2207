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
    /// The sum of CONFIRMED bookings' `totalCents`...
    pub revenue_cents: i64,
    /// ...of which their face value (less discounts), their fees and their tax.
    pub face_cents: i64,
    pub fees_cents: i64,
    pub tax_cents: i64,
    /// Everything refunded, whole and partial.
    pub refunded_cents: i64,
    /// Bookings whose payment the buyer's bank disputes (chargebacks), and the amount disputed.
    pub disputes: u64,
    pub disputed_cents: i64,
    pub categories: Vec<CategorySales>,
    /// Booked seats of CONFIRMED bookings by section and price tier, at their face value.
    pub tiers: Vec<TierSales>,
    /// What codes took off the CONFIRMED bookings' face.
    pub discount_cents: i64,
    /// CONFIRMED bookings by the code they took.
    pub codes: Vec<CodeSales>,
    /// CONFIRMED bookings by channel: presale (an access code) and public.
    pub channels: Channels,
    /// Tickets in the venue now.
    pub checked_in: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<QueueStats>,
    /// The waitlist's entries by status, when it has any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waitlist: Option<WaitlistCounts>,
}

/// The seats of one section sold at one price (a tier, or the section's own: no `tier`), and
/// their face value in all.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TierSales {
    pub section: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tier: Option<u8>,
    pub price_cents: i64,
    pub booked: u64,
    pub face_cents: i64,
}

/// The CONFIRMED orders that took one code, and their money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CodeSales {
    pub code: String,
    pub kind: crate::domain::code::CodeKind,
    pub orders: u64,
    pub revenue_cents: i64,
    pub discount_cents: i64,
}

/// CONFIRMED orders and revenue of one channel.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ChannelSales {
    pub orders: u64,
    pub revenue_cents: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Channels {
    pub public: ChannelSales,
    pub presale: ChannelSales,
}

impl Channels {
    /// The channels of orders by code: an access code's are the presale's, the rest public.
    pub fn of(codes: &[CodeSales], all: ChannelSales) -> Channels {
        let mut presale = ChannelSales::default();
        for c in codes.iter().filter(|c| c.kind == crate::domain::code::CodeKind::Access) {
            presale.orders += c.orders;
            presale.revenue_cents += c.revenue_cents;
        }
        let public = ChannelSales {
            orders: all.orders - presale.orders.min(all.orders),
            revenue_cents: all.revenue_cents - presale.revenue_cents,
        };
        Channels { public, presale }
    }
}

/// Waitlist entries by status.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct WaitlistCounts {
    pub waiting: u64,
    pub offered: u64,
    pub accepted: u64,
    pub expired: u64,
    pub left: u64,
}

/// What cancelling an event would do now (`?dryRun=true`): the live bookings it would cancel, how
/// many of them are CONFIRMED, and what it would refund.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelPreview {
    pub bookings: u64,
    pub confirmed: u64,
    pub refund_cents: i64,
}

/// Where the cancel job of a cancelled event stands: served on the event as `cancellation`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelProgress {
    pub cancelled_at: chrono::DateTime<chrono::Utc>,
    pub cancelled_by: String,
    /// When every booking was cancelled and every refund sent; absent while the job runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Live bookings still to cancel.
    pub bookings_left: u64,
    /// Refunds owed and not yet taken by the provider.
    pub refunds_pending: u64,
    /// Bookings the cancel has cancelled so far, and what it refunded.
    pub bookings_cancelled: u64,
    pub refunded_cents: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::code::CodeKind;

    #[test]
    fn orders_with_an_access_code_are_the_presales_and_the_rest_public() {
        let sale = |code: &str, kind, orders, revenue_cents| CodeSales {
            code: code.into(),
            kind,
            orders,
            revenue_cents,
            discount_cents: 0,
        };
        let codes =
            [sale("FANS", CodeKind::Access, 2, 300), sale("TEN", CodeKind::Discount, 1, 90)];
        let c = Channels::of(&codes, ChannelSales { orders: 5, revenue_cents: 700 });
        assert_eq!(c.presale, ChannelSales { orders: 2, revenue_cents: 300 });
        assert_eq!(c.public, ChannelSales { orders: 3, revenue_cents: 400 });
    }
}
