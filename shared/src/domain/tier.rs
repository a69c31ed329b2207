//! Price tiers: early-bird steps and waves a section sells at before its own price.
//!
//! A section's `tiers` are tried in order; the first whose time (`until`) and count (`untilSold`:
//! seats sold at that tier) are not reached applies, else the section's own `priceCents`. The
//! count is kept with the seat locks and decided in the step that takes the seats (the hold
//! script, which this module's [`price`] mirrors for the in-memory ports and the seat map), so
//! exactly `untilSold` seats sell at a tier however many buyers race. A hold quotes each seat's
//! price; its booking pays that.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::RuleError;

/// At most this many tiers a section.
pub const MAX_TIERS: usize = 10;

/// One step of a section's prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Tier {
    pub price_cents: i64,
    /// The tier sells this many seats, then the next applies.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub until_sold: Option<u32>,
    /// The tier sells until this moment, then the next applies.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub until: Option<DateTime<Utc>>,
}

/// What one seat of a hold or booking costs before fees and tax: its face, and the tier it sold
/// at (1-based; `None`: the section's own price).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeatPrice {
    pub price_cents: i64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tier: Option<u8>,
}

impl SeatPrice {
    /// A seat at its section's own price.
    pub fn base(price_cents: i64) -> SeatPrice {
        SeatPrice { price_cents, tier: None }
    }
}

/// The price a seat of a section with `tiers` and its own price `base` sells at, at `now`, when
/// `sold(j)` seats are live (held, pending or sold) at tier `j` (1-based).
pub fn price(tiers: &[Tier], base: i64, now: DateTime<Utc>, sold: impl Fn(u8) -> u32) -> SeatPrice {
    tiers
        .iter()
        .zip(1u8..)
        .find(|(t, j)| {
            t.until.is_none_or(|u| now < u) && t.until_sold.is_none_or(|cap| sold(*j) < cap)
        })
        .map_or(SeatPrice::base(base), |(t, j)| SeatPrice {
            price_cents: t.price_cents,
            tier: Some(j),
        })
}

/// Checks a section's tiers: at most [`MAX_TIERS`], each with a price in range and a count (1 to
/// the section's seats) or an end (within the years the stores keep), or both.
pub fn validate(tiers: &[Tier], seats: u64, field: &str) -> Result<(), RuleError> {
    if tiers.len() > MAX_TIERS {
        return Err(RuleError::invalid(field, format!("at most {MAX_TIERS} tiers")));
    }
    for (i, t) in tiers.iter().enumerate() {
        let f = |name: &str| format!("{field}[{i}].{name}");
        if !(0..=100_000_000).contains(&t.price_cents) {
            return Err(RuleError::invalid(f("priceCents"), "must be between 0 and 100000000"));
        }
        if t.until_sold.is_none() && t.until.is_none() {
            return Err(RuleError::invalid(f("untilSold"), "a tier needs untilSold or until"));
        }
        if t.until_sold.is_some_and(|n| n == 0 || u64::from(n) > seats) {
            return Err(RuleError::invalid(
                f("untilSold"),
                format!("must be between 1 and the section's {seats} seats"),
            ));
        }
        if t.until.is_some_and(|u| !(2000..=2099).contains(&chrono::Datelike::year(&u))) {
            return Err(RuleError::invalid(f("until"), "must be between the years 2000 and 2099"));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn tier(price_cents: i64, until_sold: Option<u32>, until: Option<DateTime<Utc>>) -> Tier {
        Tier { price_cents, until_sold, until }
    }

    #[test]
    fn the_first_tier_whose_count_is_not_reached_applies() {
        let now = Utc::now();
        let tiers = [tier(1000, Some(2), None), tier(1500, Some(3), None)];
        let at = |sold: [u32; 2]| price(&tiers, 2000, now, |j| sold[usize::from(j) - 1]);
        assert_eq!(at([0, 0]), SeatPrice { price_cents: 1000, tier: Some(1) });
        assert_eq!(at([1, 0]).tier, Some(1));
        assert_eq!(at([2, 0]), SeatPrice { price_cents: 1500, tier: Some(2) });
        assert_eq!(at([2, 3]), SeatPrice::base(2000));
        // A seat given back to the first tier makes it apply again.
        assert_eq!(at([1, 3]).tier, Some(1));
    }

    #[test]
    fn a_tier_ends_at_its_time_whatever_its_count() {
        let now = Utc::now();
        let tiers =
            [tier(900, None, Some(now + Duration::hours(1))), tier(1200, Some(5), Some(now))];
        assert_eq!(price(&tiers, 2000, now, |_| 0).tier, Some(1));
        // At the first tier's end the second has ended too (until is exclusive): the base applies.
        assert_eq!(price(&tiers, 2000, now + Duration::hours(1), |_| 0), SeatPrice::base(2000));
    }

    #[test]
    fn tiers_are_checked() {
        let now = Utc::now();
        assert!(validate(&[tier(100, Some(10), None)], 10, "t").is_ok());
        assert!(validate(&[tier(100, Some(11), None)], 10, "t").is_err());
        assert!(validate(&[tier(100, Some(0), None)], 10, "t").is_err());
        assert!(validate(&[tier(100, None, None)], 10, "t").is_err());
        assert!(validate(&[tier(-1, Some(1), None)], 10, "t").is_err());
        assert!(validate(&vec![tier(1, None, Some(now)); 11], 10, "t").is_err());
        let far = now + Duration::days(365 * 200);
        assert!(validate(&[tier(1, None, Some(far))], 10, "t").is_err());
    }
}
