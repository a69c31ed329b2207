//! The rules a new event, its waiting room and a change of it are checked against.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::*;

impl EventSpec {
    /// Checks every field and fills the defaults; the first broken rule is the answer.
    /// Checks every rule of a new event; the first broken one is the error.
    pub fn validate(
        self,
        id: Uuid,
        now: DateTime<Utc>,
        default_hold_ttl: u32,
    ) -> Result<Event, RuleError> {
        check_text("name", &self.name, 200)?;
        check_text("venue", &self.venue, 200)?;
        // Within what every store keeps exactly (MySQL DATETIME starts at year 1000).
        if !(STARTS_AT_YEARS).contains(&chrono::Datelike::year(&self.starts_at)) {
            return Err(RuleError::invalid("startsAt", "must be between the years 2000 and 2099"));
        }
        let currency = self.currency.unwrap_or_else(|| "USD".to_string());
        if currency.len() != 3 || !currency.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(RuleError::invalid(
                "currency",
                "must be a three-letter ISO 4217 code such as USD",
            ));
        }
        let max_seats_per_order = self.max_seats_per_order.unwrap_or(10);
        if !SEATS_PER_ORDER.contains(&max_seats_per_order) {
            return Err(RuleError::invalid("maxSeatsPerOrder", "must be between 1 and 50"));
        }
        if let Some(max) = self.max_tickets_per_user {
            if !(1..=100).contains(&max) {
                return Err(RuleError::invalid("maxTicketsPerUser", "must be between 1 and 100"));
            }
        }
        let hold_ttl_seconds = self.hold_ttl_seconds.unwrap_or(default_hold_ttl);
        if !HOLD_TTL_SECONDS.contains(&hold_ttl_seconds) {
            return Err(RuleError::invalid("holdTtlSeconds", "must be between 30 and 3600"));
        }
        let on_sale_at = self.on_sale_at.unwrap_or(now);
        let sales_end_at = self.sales_end_at.unwrap_or(self.starts_at);
        check_window(on_sale_at, sales_end_at, self.sales_end_at.is_some())?;
        let waiting_room = self.waiting_room.map(WaitingRoomSpec::validate).transpose()?;
        let charges = self.charges.validate()?;
        if self.sections.is_empty() {
            return Err(RuleError::invalid("sections", "at least one section is required"));
        }
        let mut sections: Vec<Section> = Vec::with_capacity(self.sections.len());
        let mut seat_count: u64 = 0;
        for (i, s) in self.sections.into_iter().enumerate() {
            let field = |f: &str| format!("sections[{i}].{f}");
            if s.name.is_empty()
                || s.name.len() > 20
                || !s.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            {
                return Err(RuleError::invalid(field("name"), "1-20 letters, digits or _"));
            }
            if sections.iter().any(|o| o.name == s.name) {
                return Err(RuleError::invalid(field("name"), "section names must be unique"));
            }
            let (rows, seats_per_row) = match (s.capacity, s.rows, s.seats_per_row) {
                (Some(c), None, None) => {
                    if c == 0 || u64::from(c) > MAX_SEATS_PER_EVENT {
                        return Err(RuleError::invalid(
                            field("capacity"),
                            format!("must be between 1 and {MAX_SEATS_PER_EVENT}"),
                        ));
                    }
                    (0, 0)
                }
                (Some(_), _, _) => return Err(RuleError::invalid(
                    field("capacity"),
                    "a general-admission section has a capacity instead of rows and seatsPerRow",
                )),
                (None, Some(rows), Some(per_row)) => {
                    if rows == 0 || rows > 1000 {
                        return Err(RuleError::invalid(
                            field("rows"),
                            "must be between 1 and 1000",
                        ));
                    }
                    if per_row == 0 || per_row > 1000 {
                        return Err(RuleError::invalid(
                            field("seatsPerRow"),
                            "must be between 1 and 1000",
                        ));
                    }
                    (rows, per_row)
                }
                (None, _, _) => {
                    return Err(RuleError::invalid(
                        field("rows"),
                        "rows and seatsPerRow, or a capacity (general admission), are required",
                    ))
                }
            };
            if !(0..=100_000_000).contains(&s.price_cents) {
                return Err(RuleError::invalid(
                    field("priceCents"),
                    "must be between 0 and 100000000",
                ));
            }
            let category = s.category.unwrap_or_else(|| "standard".to_string());
            check_text(&field("category"), &category, 50)?;
            let seats =
                u64::from(rows) * u64::from(seats_per_row) + u64::from(s.capacity.unwrap_or(0));
            crate::domain::tier::validate(&s.tiers, seats, &field("tiers"))?;
            seat_count += seats;
            sections.push(Section {
                name: s.name,
                rows,
                seats_per_row,
                capacity: s.capacity,
                price_cents: s.price_cents,
                category,
                tiers: s.tiers,
            });
        }
        if seat_count > MAX_SEATS_PER_EVENT {
            return Err(RuleError::invalid(
                "sections",
                format!("at most {MAX_SEATS_PER_EVENT} seats an event; these make {seat_count}"),
            ));
        }
        Ok(Event {
            id,
            name: self.name,
            venue: self.venue,
            starts_at: self.starts_at,
            currency,
            max_seats_per_order,
            max_tickets_per_user: self.max_tickets_per_user,
            hold_ttl_seconds,
            seat_count: seat_count as u32,
            sections,
            charges,
            on_sale_at,
            sales_end_at,
            waiting_room,
            created_at: now,
            cancelled_at: None,
            version: 0,
        })
    }
}

impl WaitingRoomSpec {
    fn validate(self) -> Result<WaitingRoom, RuleError> {
        let admission_ttl_seconds =
            self.admission_ttl_seconds.unwrap_or(DEFAULT_ADMISSION_TTL_SECONDS);
        if !ADMISSION_TTL_SECONDS.contains(&admission_ttl_seconds) {
            return Err(RuleError::invalid(
                "waitingRoom.admissionTtlSeconds",
                "must be between 60 and 3600",
            ));
        }
        if self.admit_per_minute.is_some_and(|n| !ADMIT_PER_MINUTE.contains(&n)) {
            return Err(RuleError::invalid(
                "waitingRoom.admitPerMinute",
                "must be between 1 and 1000000",
            ));
        }
        Ok(WaitingRoom { admit_per_minute: self.admit_per_minute, admission_ttl_seconds })
    }
}

/// The sales window's rule: it ends after it opens, within the years any store keeps.
fn check_window(
    on_sale_at: DateTime<Utc>,
    sales_end_at: DateTime<Utc>,
    end_given: bool,
) -> Result<(), RuleError> {
    for (field, t) in [("onSaleAt", on_sale_at), ("salesEndAt", sales_end_at)] {
        if !STARTS_AT_YEARS.contains(&chrono::Datelike::year(&t)) {
            return Err(RuleError::invalid(field, "must be between the years 2000 and 2099"));
        }
    }
    if sales_end_at <= on_sale_at {
        let what = if end_given { "salesEndAt" } else { "salesEndAt (by default startsAt)" };
        return Err(RuleError::invalid("salesEndAt", format!("{what} must be after onSaleAt")));
    }
    Ok(())
}

impl EventPatch {
    /// Whether the patch changes nothing at all (an empty body).
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.venue.is_none()
            && self.starts_at.is_none()
            && self.on_sale_at.is_none()
            && self.sales_end_at.is_none()
    }

    /// The event with the patch applied, if the result keeps every rule.
    pub fn apply(self, event: &Event) -> Result<Event, RuleError> {
        if self.is_empty() {
            return Err(RuleError::invalid("body", "name at least one field to change"));
        }
        let mut e = event.clone();
        if let Some(name) = self.name {
            check_text("name", &name, 200)?;
            e.name = name;
        }
        if let Some(venue) = self.venue {
            check_text("venue", &venue, 200)?;
            e.venue = venue;
        }
        if let Some(starts_at) = self.starts_at {
            if !STARTS_AT_YEARS.contains(&chrono::Datelike::year(&starts_at)) {
                return Err(RuleError::invalid(
                    "startsAt",
                    "must be between the years 2000 and 2099",
                ));
            }
            e.starts_at = starts_at;
        }
        e.on_sale_at = self.on_sale_at.unwrap_or(e.on_sale_at);
        e.sales_end_at = self.sales_end_at.unwrap_or(e.sales_end_at);
        check_window(e.on_sale_at, e.sales_end_at, true)?;
        Ok(e)
    }
}

fn check_text(field: &str, value: &str, max: usize) -> Result<(), RuleError> {
    let trimmed = value.trim();
    if trimmed.is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(RuleError::invalid(field, format!("1-{max} printable characters")));
    }
    Ok(())
}

impl ChargesSpec {
    /// Fees of 0 to 1,000,000 minor units and a tax rate of 0 to 10,000 bps (100 %).
    fn validate(self) -> Result<crate::domain::price::Charges, RuleError> {
        use crate::domain::price::{Charges, Fees};
        let fee = |v: Option<i64>, field: &str| match v.unwrap_or(0) {
            f @ 0..=1_000_000 => Ok(f),
            _ => Err(RuleError::invalid(field, "must be between 0 and 1000000")),
        };
        let fees = Fees {
            per_ticket_cents: fee(self.per_ticket_cents, "fees.perTicketCents")?,
            per_order_cents: fee(self.per_order_cents, "fees.perOrderCents")?,
        };
        let tax_rate_bps = match self.tax_rate_bps.unwrap_or(0) {
            t @ 0..=10_000 => t,
            _ => return Err(RuleError::invalid("taxRateBps", "must be between 0 and 10000")),
        };
        Ok(Charges {
            fees,
            tax_rate_bps,
            prices_include_tax: self.prices_include_tax.unwrap_or(true),
        })
    }
}
