//! The waitlist of a sold-out event: who asked first for how many seats (in which section), and
//! the offer a freed hold makes them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Contact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum WaitlistStatus {
    Waiting,
    Offered,
    Accepted,
    Expired,
    Left,
}

impl WaitlistStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            WaitlistStatus::Waiting => "WAITING",
            WaitlistStatus::Offered => "OFFERED",
            WaitlistStatus::Accepted => "ACCEPTED",
            WaitlistStatus::Expired => "EXPIRED",
            WaitlistStatus::Left => "LEFT",
        }
    }

    pub fn parse(s: &str) -> Option<WaitlistStatus> {
        [
            WaitlistStatus::Waiting,
            WaitlistStatus::Offered,
            WaitlistStatus::Accepted,
            WaitlistStatus::Expired,
            WaitlistStatus::Left,
        ]
        .into_iter()
        .find(|st| st.as_str() == s)
    }

    /// Whether the entry still stands in line or holds an offer.
    pub fn is_open(self) -> bool {
        matches!(self, WaitlistStatus::Waiting | WaitlistStatus::Offered)
    }
}

/// Seats held for a waitlisted user: booked like any hold until it expires.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Offer {
    pub hold_id: Uuid,
    pub seat_ids: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// `{eventId, userId, quantity, section, status, offer, createdAt}` as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WaitlistEntry {
    pub event_id: Uuid,
    pub user_id: String,
    pub quantity: u32,
    pub section: Option<String>,
    pub status: WaitlistStatus,
    pub offer: Option<Offer>,
    pub created_at: DateTime<Utc>,
    /// Where the user is reached (the notice of an offer); not served.
    #[serde(skip)]
    pub contact: Contact,
}
