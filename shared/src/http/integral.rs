//! Whole numbers in request bodies as JSON Schema counts them: `1748` and `1748.0` are the same integer, and a
//! request that says either means the same thing. Anything with a fraction, or out of range, is
//! refused (a 422 like any wrong type).

use serde::de::{Deserializer, Error};
use serde::Deserialize;

/// A whole number that fits `T`.
pub fn whole<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    let n = serde_json::Number::deserialize(d)?;
    let v = match (n.as_i64(), n.as_f64()) {
        (Some(i), _) => i,
        (None, Some(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => f as i64,
        _ => return Err(D::Error::custom(format!("{n} is not a whole number"))),
    };
    T::try_from(v).map_err(|_| D::Error::custom(format!("{v} is out of range")))
}

/// [`whole`] for an optional field (with `#[serde(default)]`).
pub fn optional<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<i64>,
{
    whole(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize, Debug, PartialEq)]
    struct Price {
        #[serde(deserialize_with = "whole")]
        cents: u32,
        #[serde(default, deserialize_with = "optional")]
        rows: Option<u32>,
    }

    #[test]
    fn a_whole_number_may_be_written_with_a_zero_fraction_only() {
        let p = |s: &str| serde_json::from_str::<Price>(s);
        assert_eq!(p(r#"{"cents": 1748}"#).unwrap(), Price { cents: 1748, rows: None });
        assert_eq!(
            p(r#"{"cents": 1748.0, "rows": 2.0}"#).unwrap(),
            Price { cents: 1748, rows: Some(2) }
        );
        assert!(p(r#"{"cents": 1748.5}"#).is_err());
        assert!(p(r#"{"cents": -1}"#).is_err());
        assert!(p(r#"{"cents": 1e300}"#).is_err());
        assert!(p(r#"{"cents": "1748"}"#).is_err());
    }
}
