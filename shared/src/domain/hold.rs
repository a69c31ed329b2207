//! Seat holds: what a hold request may ask for and how long a hold may live.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::event::Event;
use super::seat::SeatId;
use super::tier::SeatPrice;
use super::RuleError;

/// A hold can be extended, but never to more than this many TTLs after it was made.
pub const MAX_HOLD_TTLS: i64 = 3;

/// What one user may have of an event: seats held or pending at once (`maxSeatsPerOrder`), and
/// in all with their live tickets (`maxTicketsPerUser`). The seat locks count both, in the step
/// that takes the seats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserCaps {
    pub at_once: u32,
    pub in_all: Option<u32>,
}

impl UserCaps {
    pub fn of(event: &Event) -> UserCaps {
        UserCaps { at_once: event.max_seats_per_order, in_all: event.max_tickets_per_user }
    }
}

/// What a hold request asks for: seats by id, or a quantity for best available (in a section, if
/// given). The request's wire shape is `http`'s; this is what it means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoldAsk {
    Seats(Vec<String>),
    Best { quantity: u32, section: Option<String> },
}

/// What a valid hold request asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SeatChoice {
    /// These seats, sorted, all of the event, none repeated.
    Seats(Vec<SeatId>),
    /// The best `quantity` available seats, in `section` if given (seated sections only).
    Best { quantity: u32, section: Option<String> },
    /// `quantity` places of a general-admission section.
    Places { quantity: u32, section: String },
}

impl HoldAsk {
    /// Applies the event's rules in the contract's order: seats known and not repeated, or a
    /// quantity of at least one in a section that exists (422), then the seat cap (422).
    pub fn choice(&self, event: &Event) -> Result<SeatChoice, RuleError> {
        match self {
            HoldAsk::Seats(ids) => event.requested_seats(ids).map(SeatChoice::Seats),
            HoldAsk::Best { quantity, section } => {
                if *quantity == 0 {
                    return Err(RuleError::invalid("quantity", "must be at least 1"));
                }
                if let Some(name) = section {
                    if event.section(name).is_none() {
                        return Err(RuleError::invalid(
                            "section",
                            format!("no section {name:?} in this event"),
                        ));
                    }
                }
                if *quantity > event.max_seats_per_order {
                    return Err(RuleError::SeatLimit {
                        max: event.max_seats_per_order,
                        requested: *quantity,
                    });
                }
                Ok(match section {
                    Some(name) if event.section(name).is_some_and(|s| s.capacity.is_some()) => {
                        SeatChoice::Places { quantity: *quantity, section: name.clone() }
                    }
                    _ => SeatChoice::Best { quantity: *quantity, section: section.clone() },
                })
            }
        }
    }
}

/// Each seat's quoted face; a seat without a quote (made before tiers) at its section's price.
pub fn quoted_faces(prices: &[SeatPrice], seats: &[String], event: &Event) -> Vec<i64> {
    seats
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match prices.get(i) {
            Some(p) => Some(p.price_cents),
            None => SeatId::parse(s).and_then(|s| event.seat_section(&s)).map(|s| s.price_cents),
        })
        .collect()
}

/// A live hold, as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Hold {
    pub id: Uuid,
    pub event_id: Uuid,
    pub user_id: String,
    pub seat_ids: Vec<String>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The code the hold took a use of (a discount or a presale's access), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What the code takes off each ticket: the hold's quote and its booking's price.
    #[serde(skip)]
    pub discount: super::price::Discount,
    /// Each seat's face value and price tier, as the seat locks priced it when the seats were
    /// taken (in the order of `seat_ids`): the quote its booking pays.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prices: Vec<SeatPrice>,
}

impl Hold {
    /// The face value of each seat, as quoted (a hold made before tiers: its sections' prices).
    pub fn faces(&self, event: &Event) -> Vec<i64> {
        quoted_faces(&self.prices, &self.seat_ids, event)
    }

    /// The latest moment this hold may ever reach by extension.
    pub fn hard_deadline(&self, ttl_seconds: u32) -> DateTime<Utc> {
        self.created_at + Duration::seconds(MAX_HOLD_TTLS * i64::from(ttl_seconds))
    }

    /// The expiry an extension at `now` gives: one TTL from now, capped at the hard deadline,
    /// and never earlier than what the hold already has.
    pub fn extended_expiry(&self, ttl_seconds: u32, now: DateTime<Utc>) -> DateTime<Utc> {
        (now + Duration::seconds(i64::from(ttl_seconds)))
            .min(self.hard_deadline(ttl_seconds))
            .max(self.expires_at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::event;

    fn hold(created: DateTime<Utc>, ttl: i64) -> Hold {
        Hold {
            id: Uuid::now_v7(),
            event_id: Uuid::now_v7(),
            user_id: "u".into(),
            seat_ids: vec!["A-1-1".into()],
            expires_at: created + Duration::seconds(ttl),
            created_at: created,
            code: None,
            discount: Default::default(),
            prices: Vec::new(),
        }
    }

    #[test]
    fn an_extension_gives_one_ttl_from_now() {
        let t0 = Utc::now();
        let h = hold(t0, 60);
        assert_eq!(h.extended_expiry(60, t0 + Duration::seconds(30)), t0 + Duration::seconds(90));
    }

    #[test]
    fn a_hold_never_outlives_three_ttls() {
        let t0 = Utc::now();
        let mut h = hold(t0, 60);
        for step in 1..10 {
            let now = t0 + Duration::seconds(50 * step);
            h.expires_at = h.extended_expiry(60, now);
            assert!(h.expires_at <= t0 + Duration::seconds(180));
        }
        assert_eq!(h.expires_at, t0 + Duration::seconds(180));
    }

    #[test]
    fn a_request_is_checked_against_the_event() {
        let e = event(&[("A", 2, 5)]);
        let best =
            |q: u32, s: Option<&str>| HoldAsk::Best { quantity: q, section: s.map(str::to_string) };
        assert!(best(0, None).choice(&e).is_err());
        assert!(best(2, Some("Z")).choice(&e).is_err());
        assert_eq!(best(11, None).choice(&e), Err(RuleError::SeatLimit { max: 10, requested: 11 }));
        assert_eq!(
            best(2, Some("A")).choice(&e),
            Ok(SeatChoice::Best { quantity: 2, section: Some("A".into()) })
        );
        assert_eq!(
            HoldAsk::Seats(vec!["A-1-2".into()]).choice(&e),
            Ok(SeatChoice::Seats(vec![SeatId::new("A", 1, 2)]))
        );
        assert!(HoldAsk::Seats(vec!["A-9-1".into()]).choice(&e).is_err());
    }
}
