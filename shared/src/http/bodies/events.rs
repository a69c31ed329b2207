//! The bodies of `POST /events` and `PATCH /events/{eventId}`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::integral;
use crate::domain::{ChargesSpec, EventPatch, EventSpec, SectionSpec, WaitingRoomSpec};

/// Body of `POST /events`. Unknown fields are refused, not ignored; whole numbers may be written
/// `1748.0` as JSON Schema allows.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventBody {
    pub name: String,
    pub venue: String,
    pub starts_at: DateTime<Utc>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub max_seats_per_order: Option<u32>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub max_tickets_per_user: Option<u32>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub hold_ttl_seconds: Option<u32>,
    #[serde(default)]
    pub on_sale_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sales_end_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub waiting_room: Option<WaitingRoomBody>,
    #[serde(default)]
    pub fees: Option<FeesBody>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub tax_rate_bps: Option<i64>,
    #[serde(default)]
    pub prices_include_tax: Option<bool>,
    pub sections: Vec<SectionBody>,
}

/// `fees` of [`EventBody`].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FeesBody {
    #[serde(default, deserialize_with = "integral::optional")]
    pub per_ticket_cents: Option<i64>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub per_order_cents: Option<i64>,
}

/// `waitingRoom` of [`EventBody`].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WaitingRoomBody {
    #[serde(default, deserialize_with = "integral::optional")]
    pub admit_per_minute: Option<u32>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub admission_ttl_seconds: Option<u32>,
}

/// Body of `PATCH /events/{eventId}`: the fields that may change, each optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EventPatchBody {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub venue: Option<String>,
    #[serde(default)]
    pub starts_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub on_sale_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sales_end_at: Option<DateTime<Utc>>,
}

impl From<EventPatchBody> for EventPatch {
    fn from(b: EventPatchBody) -> EventPatch {
        EventPatch {
            name: b.name,
            venue: b.venue,
            starts_at: b.starts_at,
            on_sale_at: b.on_sale_at,
            sales_end_at: b.sales_end_at,
        }
    }
}

/// A section of [`EventBody`].
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SectionBody {
    pub name: String,
    #[serde(default, deserialize_with = "integral::optional")]
    pub rows: Option<u32>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub seats_per_row: Option<u32>,
    /// General admission: a capacity instead of rows and seats per row.
    #[serde(default, deserialize_with = "integral::optional")]
    pub capacity: Option<u32>,
    #[serde(deserialize_with = "integral::whole")]
    pub price_cents: i64,
    #[serde(default)]
    pub category: Option<String>,
    /// Early-bird steps and waves before `priceCents`.
    #[serde(default)]
    pub tiers: Vec<TierBody>,
}

/// A price tier as asked for.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TierBody {
    #[serde(deserialize_with = "integral::whole")]
    pub price_cents: i64,
    #[serde(default, deserialize_with = "integral::optional")]
    pub until_sold: Option<u32>,
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
}

impl From<TierBody> for crate::domain::tier::Tier {
    fn from(t: TierBody) -> Self {
        crate::domain::tier::Tier {
            price_cents: t.price_cents,
            until_sold: t.until_sold,
            until: t.until,
        }
    }
}

impl From<EventBody> for EventSpec {
    fn from(b: EventBody) -> EventSpec {
        EventSpec {
            name: b.name,
            venue: b.venue,
            starts_at: b.starts_at,
            currency: b.currency,
            max_seats_per_order: b.max_seats_per_order,
            max_tickets_per_user: b.max_tickets_per_user,
            hold_ttl_seconds: b.hold_ttl_seconds,
            on_sale_at: b.on_sale_at,
            sales_end_at: b.sales_end_at,
            charges: ChargesSpec {
                per_ticket_cents: b.fees.as_ref().and_then(|f| f.per_ticket_cents),
                per_order_cents: b.fees.as_ref().and_then(|f| f.per_order_cents),
                tax_rate_bps: b.tax_rate_bps,
                prices_include_tax: b.prices_include_tax,
            },
            waiting_room: b.waiting_room.map(|w| WaitingRoomSpec {
                admit_per_minute: w.admit_per_minute,
                admission_ttl_seconds: w.admission_ttl_seconds,
            }),
            sections: b
                .sections
                .into_iter()
                .map(|s| SectionSpec {
                    name: s.name,
                    rows: s.rows,
                    seats_per_row: s.seats_per_row,
                    capacity: s.capacity,
                    price_cents: s.price_cents,
                    category: s.category,
                    tiers: s.tiers.into_iter().map(Into::into).collect(),
                })
                .collect(),
        }
    }
}
