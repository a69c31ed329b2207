//! The body of `POST /events/{eventId}/codes`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::integral;
use crate::domain::code::{CodeSpec, MAX_CODE_LEN, MAX_SECTIONS};
use crate::domain::reservation::MAX_RESERVED_IDS;
use crate::domain::RuleError;

/// Longest section name a code's `sections` may carry.
const SECTION_MAX: usize = 64;
/// Longest seat id `reservedSeatIds` may carry (as a hold's `seatIds`).
const SEAT_ID_MAX: usize = 64;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CodeBody {
    pub code: String,
    pub kind: String,
    #[serde(deserialize_with = "integral::whole")]
    pub max_uses: u32,
    #[serde(default, deserialize_with = "integral::optional")]
    pub percent_off: Option<u32>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub amount_off_cents: Option<i64>,
    #[serde(default, deserialize_with = "integral::optional")]
    pub max_tickets_per_use: Option<u32>,
    #[serde(default)]
    pub valid_from: Option<DateTime<Utc>>,
    #[serde(default)]
    pub valid_until: Option<DateTime<Utc>>,
    #[serde(default)]
    pub sections: Option<Vec<String>>,
    #[serde(default)]
    pub reserved_seat_ids: Option<Vec<String>>,
    #[serde(default)]
    pub reserved_sections: Option<Vec<String>>,
}

impl TryFrom<CodeBody> for CodeSpec {
    type Error = RuleError;

    /// The rules of shape (bounded strings and lists); the event's rules are `CodeSpec::validate`'s.
    fn try_from(b: CodeBody) -> Result<CodeSpec, RuleError> {
        if b.code.len() > MAX_CODE_LEN {
            return Err(RuleError::invalid("code", format!("at most {MAX_CODE_LEN} characters")));
        }
        for (field, names) in
            [("sections", &b.sections), ("reservedSections", &b.reserved_sections)]
        {
            if let Some(s) = names {
                if s.len() > MAX_SECTIONS || s.iter().any(|n| n.chars().count() > SECTION_MAX) {
                    return Err(RuleError::invalid(
                        field,
                        format!("at most {MAX_SECTIONS} names of at most {SECTION_MAX} characters"),
                    ));
                }
            }
        }
        if let Some(ids) = &b.reserved_seat_ids {
            if ids.len() > MAX_RESERVED_IDS || ids.iter().any(|n| n.chars().count() > SEAT_ID_MAX) {
                return Err(RuleError::invalid(
                    "reservedSeatIds",
                    format!("at most {MAX_RESERVED_IDS} ids of at most {SEAT_ID_MAX} characters"),
                ));
            }
        }
        Ok(CodeSpec {
            code: b.code,
            kind: b.kind,
            max_uses: b.max_uses,
            percent_off: b.percent_off,
            amount_off_cents: b.amount_off_cents,
            max_tickets_per_use: b.max_tickets_per_use,
            valid_from: b.valid_from,
            valid_until: b.valid_until,
            sections: b.sections,
            reserved_seat_ids: b.reserved_seat_ids,
            reserved_sections: b.reserved_sections,
        })
    }
}
