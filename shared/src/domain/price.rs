//! Money: amounts in a currency's minor units (cents, yen, fils), the one rounding rule, and the
//! all-in price of tickets and orders: face value, service fees and tax.
//!
//! **The rounding rule.** Tax is worked out per line (each ticket, and the order's own fee), on the
//! line's face and fee together, in integer minor units, rounded half away from zero; a total is the
//! sum of its lines, never a rounding of its own. So a ticket costs the same alone or in an order of
//! ten, and what a partial cancel gives back for some tickets is exactly their lines: the parts of a
//! booking always add up to what was charged.

use serde::{Deserialize, Serialize};

/// Basis points in one whole (100 % = 10,000 bps).
pub const BPS: i64 = 10_000;

/// How many decimals a currency's minor unit has (ISO 4217): 0 for JPY or KRW, 3 for BHD, JOD,
/// KWD, OMR or TND, 2 otherwise.
pub fn minor_units(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        _ => 2,
    }
}

/// An amount in minor units as a person reads it: `12.34 EUR`, `1234 JPY`, `1.234 KWD`.
pub fn money(minor: i64, currency: &str) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let digits = minor_units(currency);
    if digits == 0 {
        return format!("{sign}{} {currency}", minor.unsigned_abs());
    }
    let unit = 10u64.pow(digits);
    let (whole, part) = (minor.unsigned_abs() / unit, minor.unsigned_abs() % unit);
    format!("{sign}{whole}.{part:0width$} {currency}", width = digits as usize)
}

/// `n * num / den`, rounded half away from zero (`den` > 0).
pub fn ratio(n: i64, num: i64, den: i64) -> i64 {
    let p = i128::from(n) * i128::from(num);
    let d = i128::from(den);
    let q = (p.abs() + d / 2) / d;
    (if p < 0 { -q } else { q }) as i64
}

/// What a code takes off each ticket's face (never more than the face).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discount {
    #[default]
    None,
    /// A whole percentage of the face, rounded by the rule above.
    Percent(u32),
    /// A fixed amount in minor units.
    Amount(i64),
}

impl Discount {
    /// What comes off a ticket of face value `face`.
    pub fn off(self, face: i64) -> i64 {
        match self {
            Discount::None => 0,
            Discount::Percent(p) => ratio(face, i64::from(p), 100),
            Discount::Amount(a) => a,
        }
        .clamp(0, face.max(0))
    }

    /// The discount as the stores keep it beside a code: `(percentOff, amountOffCents)`.
    pub fn parts(self) -> (Option<u32>, Option<i64>) {
        match self {
            Discount::None => (None, None),
            Discount::Percent(p) => (Some(p), None),
            Discount::Amount(a) => (None, Some(a)),
        }
    }

    /// The discount from its stored parts (a percentage wins; neither is none).
    pub fn from_parts(percent: Option<u32>, amount: Option<i64>) -> Discount {
        match (percent, amount) {
            (Some(p), _) => Discount::Percent(p),
            (None, Some(a)) => Discount::Amount(a),
            (None, None) => Discount::None,
        }
    }
}

/// An event's service fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Fees {
    /// The fee on each ticket.
    #[serde(default)]
    pub per_ticket_cents: i64,
    /// The fee on each order, whatever its size.
    #[serde(default)]
    pub per_order_cents: i64,
}

/// What an event adds to its tickets' face value: fees, and the tax on face and fees.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Charges {
    #[serde(default)]
    pub fees: Fees,
    /// The tax rate on face and fees, in basis points (0-10,000).
    #[serde(default)]
    pub tax_rate_bps: i64,
    /// Whether face and fees already include the tax (as in the EU) or it is added on top (as in
    /// most of the US).
    #[serde(default = "yes")]
    pub prices_include_tax: bool,
}

fn yes() -> bool {
    true
}

impl Default for Charges {
    /// No fees, no tax: the face value is the price.
    fn default() -> Self {
        Charges { fees: Fees::default(), tax_rate_bps: 0, prices_include_tax: true }
    }
}

/// One line of an order: its face, fee, tax and all-in total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    pub face_cents: i64,
    pub fees_cents: i64,
    pub tax_cents: i64,
    pub discount_cents: i64,
    /// What is charged: face and fees, less the discount, plus the tax when it is added on top.
    pub total_cents: i64,
}

impl Breakdown {
    /// What is left of this breakdown without `part` (a partial cancel's lines).
    pub fn minus(self, part: Breakdown) -> Breakdown {
        Breakdown {
            face_cents: self.face_cents - part.face_cents,
            fees_cents: self.fees_cents - part.fees_cents,
            tax_cents: self.tax_cents - part.tax_cents,
            discount_cents: self.discount_cents - part.discount_cents,
            total_cents: self.total_cents - part.total_cents,
        }
    }

    /// The sum of two breakdowns (lines add up; nothing is rounded again).
    pub fn plus(self, o: Breakdown) -> Breakdown {
        Breakdown {
            face_cents: self.face_cents + o.face_cents,
            fees_cents: self.fees_cents + o.fees_cents,
            tax_cents: self.tax_cents + o.tax_cents,
            discount_cents: self.discount_cents + o.discount_cents,
            total_cents: self.total_cents + o.total_cents,
        }
    }
}

impl Charges {
    /// A line of `face` with `fee`, less `discount` (taken off the face, never below zero), taxed
    /// by the rule above.
    pub fn line(&self, face: i64, fee: i64, discount: i64) -> Breakdown {
        let discount = discount.clamp(0, face.max(0));
        let base = face - discount + fee;
        let (tax, total) = if self.prices_include_tax {
            // The tax inside a price that includes it: base - base / (1 + rate).
            (base - ratio(base, BPS, BPS + self.tax_rate_bps), base)
        } else {
            let tax = ratio(base, self.tax_rate_bps, BPS);
            (tax, base + tax)
        };
        Breakdown {
            face_cents: face,
            fees_cents: fee,
            tax_cents: tax,
            discount_cents: discount,
            total_cents: total,
        }
    }

    /// The line of one ticket of face value `face`, less `discount`.
    pub fn ticket(&self, face: i64, discount: i64) -> Breakdown {
        self.line(face, self.fees.per_ticket_cents, discount)
    }

    /// The all-in price of one ticket of face value `face`: what the seat map shows.
    pub fn total_price(&self, face: i64) -> i64 {
        self.ticket(face, 0).total_cents
    }

    /// The order's own line: its per-order fee, taxed.
    pub fn order_fee(&self) -> Breakdown {
        self.line(0, self.fees.per_order_cents, 0)
    }

    /// An order of tickets at `faces` (each with its discount): every ticket's line and the
    /// order's, summed.
    pub fn order(&self, faces: &[(i64, i64)]) -> Breakdown {
        faces
            .iter()
            .fold(self.order_fee(), |sum, &(face, discount)| sum.plus(self.ticket(face, discount)))
    }

    /// The tickets' lines alone, each less `discount` (what a partial cancel of them gives back),
    /// without the order's.
    pub fn tickets(&self, faces: &[i64], discount: Discount) -> Breakdown {
        faces.iter().fold(Breakdown::default(), |sum, &face| {
            sum.plus(self.ticket(face, discount.off(face)))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn charges(per_ticket: i64, per_order: i64, bps: i64, inclusive: bool) -> Charges {
        Charges {
            fees: Fees { per_ticket_cents: per_ticket, per_order_cents: per_order },
            tax_rate_bps: bps,
            prices_include_tax: inclusive,
        }
    }

    #[test]
    fn amounts_read_in_their_currencys_minor_units() {
        assert_eq!(money(123_456, "EUR"), "1234.56 EUR");
        assert_eq!(money(5, "USD"), "0.05 USD");
        assert_eq!(money(-250, "GBP"), "-2.50 GBP");
        assert_eq!(money(1500, "JPY"), "1500 JPY", "no decimals in yen");
        assert_eq!(money(1234, "KWD"), "1.234 KWD", "three in Kuwaiti dinar");
        assert_eq!(money(7, "bhd"), "0.007 bhd");
    }

    #[test]
    fn half_a_minor_unit_rounds_away_from_zero() {
        assert_eq!(ratio(5, 1, 10), 1);
        assert_eq!(ratio(4, 1, 10), 0);
        assert_eq!(ratio(15, 1, 10), 2);
        assert_eq!(ratio(-15, 1, 10), -2);
        assert_eq!(ratio(i64::MAX / 2, 3, 3), i64::MAX / 2, "no overflow on the way");
    }

    #[test]
    fn tax_added_on_top_is_on_face_and_fee_and_the_total_is_what_is_charged() {
        // US-style: $50.00 face, $7.50 fee, 8.88 % on both.
        let c = charges(750, 0, 888, false);
        let line = c.ticket(5000, 0);
        assert_eq!((line.tax_cents, line.total_cents), (511, 6261), "5750 * 8.88 % = 510.6");
        assert_eq!(c.total_price(5000), 6261);
    }

    #[test]
    fn tax_included_is_the_part_of_the_price_that_is_tax() {
        // EU-style: €59.50 all in at 19 %: €9.50 of it is VAT.
        let c = charges(0, 0, 1900, true);
        let line = c.ticket(5950, 0);
        assert_eq!((line.tax_cents, line.total_cents), (950, 5950));
        assert_eq!(charges(0, 0, 0, true).ticket(5950, 0).tax_cents, 0);
    }

    #[test]
    fn an_order_is_the_sum_of_its_lines_so_its_parts_add_up_to_what_was_charged() {
        let c = charges(333, 199, 725, false);
        let order = c.order(&[(4999, 0), (4999, 0), (2501, 500)]);
        let lines = [c.ticket(4999, 0), c.ticket(4999, 0), c.ticket(2501, 500), c.order_fee()];
        let summed = lines.iter().fold(Breakdown::default(), |s, l| s.plus(*l));
        assert_eq!(order, summed);
        assert_eq!(order.total_cents, lines.iter().map(|l| l.total_cents).sum::<i64>());
        assert_eq!(
            order.total_cents,
            order.face_cents - order.discount_cents + order.fees_cents + order.tax_cents,
            "face less discount, plus fees and tax"
        );
        // One ticket cancelled: exactly its line goes back.
        assert_eq!(order.total_cents - c.ticket(4999, 0).total_cents, {
            c.order(&[(4999, 0), (2501, 500)]).total_cents
        });
    }

    #[test]
    fn the_rule_is_the_same_in_currencies_without_and_with_three_decimals() {
        // ¥8,000 face, ¥550 fee, 10 % added: ¥855 tax, ¥9,405 all in.
        let yen = charges(550, 0, 1000, false);
        assert_eq!(yen.ticket(8000, 0).total_cents, 9405);
        // 12.500 KWD face, 0.375 fee, 5 % included: 0.613 of 12.875 is tax.
        let dinar = charges(375, 0, 500, true);
        let line = dinar.ticket(12_500, 0);
        assert_eq!((line.tax_cents, line.total_cents), (613, 12_875));
        assert_eq!(money(line.total_cents, "KWD"), "12.875 KWD");
    }

    #[test]
    fn a_discount_comes_off_the_face_and_never_below_nothing() {
        let c = charges(200, 0, 0, true);
        assert_eq!(c.ticket(1000, 300).total_cents, 900);
        let all = c.ticket(1000, 5000);
        assert_eq!((all.discount_cents, all.total_cents), (1000, 200), "the fee stays");
    }

    #[test]
    fn without_fees_or_tax_the_all_in_price_is_the_face() {
        let c = Charges::default();
        assert_eq!(c.order(&[(5000, 0), (5000, 0)]).total_cents, 10_000);
        let read: Charges = serde_json::from_str("{}").unwrap();
        assert!(read.prices_include_tax, "prices include tax unless the event says otherwise");
    }
}
