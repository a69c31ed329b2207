//! Bookings: what a create request may ask for, and the status machine
//! `PENDING -> CONFIRMED | CANCELLED | EXPIRED`, `CONFIRMED -> CANCELLED`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::Contact;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum BookingStatus {
    Pending,
    Confirmed,
    Cancelled,
    Expired,
}

impl BookingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            BookingStatus::Pending => "PENDING",
            BookingStatus::Confirmed => "CONFIRMED",
            BookingStatus::Cancelled => "CANCELLED",
            BookingStatus::Expired => "EXPIRED",
        }
    }

    pub fn parse(s: &str) -> Option<BookingStatus> {
        [
            BookingStatus::Pending,
            BookingStatus::Confirmed,
            BookingStatus::Cancelled,
            BookingStatus::Expired,
        ]
        .into_iter()
        .find(|b| b.as_str() == s)
    }

    /// Whether the booking holds its seats (PENDING or CONFIRMED).
    pub fn is_live(self) -> bool {
        matches!(self, BookingStatus::Pending | BookingStatus::Confirmed)
    }

    /// Whether the status machine has the step `self -> to` (a store refuses any other).
    pub fn may_become(self, to: BookingStatus) -> bool {
        use BookingStatus::*;
        matches!((self, to), (Pending, Confirmed | Cancelled | Expired) | (Confirmed, Cancelled))
    }
}

/// What a transition asked of a booking in some status comes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// Change to this status.
    To(BookingStatus),
    /// Already there: answer the booking unchanged.
    Unchanged,
    /// Not allowed from here: 409 `BOOKING_STATE_CONFLICT`.
    Conflict,
}

impl BookingStatus {
    /// Confirming: only a PENDING booking; a CONFIRMED one is returned unchanged.
    pub fn confirm(self) -> Transition {
        match self {
            BookingStatus::Pending => Transition::To(BookingStatus::Confirmed),
            BookingStatus::Confirmed => Transition::Unchanged,
            _ => Transition::Conflict,
        }
    }

    /// Cancelling: PENDING or CONFIRMED; a CANCELLED one is returned unchanged; EXPIRED conflicts.
    pub fn cancel(self) -> Transition {
        match self {
            BookingStatus::Pending | BookingStatus::Confirmed => {
                Transition::To(BookingStatus::Cancelled)
            }
            BookingStatus::Cancelled => Transition::Unchanged,
            BookingStatus::Expired => Transition::Conflict,
        }
    }

    /// Expiring at `now`: a PENDING booking past its deadline.
    pub fn expire(self, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> Transition {
        match self {
            BookingStatus::Pending if now >= expires_at => Transition::To(BookingStatus::Expired),
            BookingStatus::Expired => Transition::Unchanged,
            _ => Transition::Conflict,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Booking {
    pub id: Uuid,
    pub user_id: String,
    pub event_id: Uuid,
    pub status: BookingStatus,
    pub seat_ids: Vec<String>,
    pub total_cents: i64,
    /// What `totalCents` is made of: face, fees, tax and discount of its seats and its order.
    pub breakdown: super::price::Breakdown,
    pub currency: String,
    /// Where its notifications go; not part of the API's booking.
    #[serde(skip)]
    pub contact: Contact,
    /// The payment deadline.
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    #[serde(skip)]
    pub version: u64,
    /// A chargeback opened on its payment, as the provider last told of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispute: Option<super::Dispute>,
    /// The code the order took (a discount or a presale's access), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// What the code takes off each ticket, fixed when the order was made.
    #[serde(skip)]
    pub discount: super::price::Discount,
    /// Each seat's face value and price tier as its hold quoted them (in the order of
    /// `seat_ids`): set where the booking is made, and kept per seat by the store (not read back).
    #[serde(skip)]
    pub prices: Vec<super::tier::SeatPrice>,
}

impl Booking {
    /// The quoted face values of some of the booking's `seats` (a seat without a quote: its
    /// section's price).
    pub fn faces_of(&self, seats: &[String], event: &super::Event) -> Vec<i64> {
        let all = super::hold::quoted_faces(&self.prices, &self.seat_ids, event);
        self.seat_ids.iter().zip(all).filter(|(s, _)| seats.contains(s)).map(|(_, f)| f).collect()
    }

    /// Keeps the seats (and their quotes) that `keep` says.
    pub fn keep_seats(&mut self, keep: impl Fn(&String) -> bool) {
        if self.prices.len() == self.seat_ids.len() {
            let kept = self.seat_ids.iter().zip(&self.prices).filter(|(s, _)| keep(s));
            self.prices = kept.map(|(_, p)| *p).collect();
        }
        self.seat_ids.retain(keep);
    }
}

/// Where a new booking's seats come from: the caller's hold, or seats to hold and book at once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BookingSource {
    Hold(Uuid),
    Seats { event_id: Uuid, seat_ids: Vec<String>, code: Option<String> },
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use BookingStatus::*;

    /// A pending booking of two seats, for tests of the rules built on bookings.
    pub fn booking() -> Booking {
        let now = Utc::now();
        Booking {
            id: Uuid::now_v7(),
            user_id: "ann".into(),
            event_id: Uuid::now_v7(),
            status: Pending,
            seat_ids: vec!["A-1-1".into(), "A-1-2".into()],
            total_cents: 12_000,
            breakdown: crate::domain::price::Breakdown {
                face_cents: 12_000,
                total_cents: 12_000,
                ..Default::default()
            },
            currency: "EUR".into(),
            contact: Contact {
                email: Some("ann@example.com".into()),
                phone: Some("+4915112345678".into()),
            },
            expires_at: now + chrono::Duration::minutes(10),
            created_at: now,
            updated_at: now,
            version: 0,
            dispute: None,
            code: None,
            discount: Default::default(),
            prices: Vec::new(),
        }
    }

    #[test]
    fn confirm_and_cancel_follow_the_contract() {
        assert_eq!(Pending.confirm(), Transition::To(Confirmed));
        assert_eq!(Confirmed.confirm(), Transition::Unchanged);
        assert_eq!(Cancelled.confirm(), Transition::Conflict);
        assert_eq!(Expired.confirm(), Transition::Conflict);
        assert_eq!(Pending.cancel(), Transition::To(Cancelled));
        assert_eq!(Confirmed.cancel(), Transition::To(Cancelled));
        assert_eq!(Cancelled.cancel(), Transition::Unchanged);
        assert_eq!(Expired.cancel(), Transition::Conflict);
    }

    #[test]
    fn the_status_machine_has_four_steps_and_no_way_back() {
        let all = [Pending, Confirmed, Cancelled, Expired];
        let steps: Vec<_> = all
            .iter()
            .flat_map(|&from| all.iter().map(move |&to| (from, to)))
            .filter(|&(from, to)| from.may_become(to))
            .collect();
        assert_eq!(
            steps,
            [
                (Pending, Confirmed),
                (Pending, Cancelled),
                (Pending, Expired),
                (Confirmed, Cancelled)
            ]
        );
        // Every change the rules ask for is a step of the machine.
        for from in all {
            for t in [from.confirm(), from.cancel(), from.expire(Utc::now(), Utc::now())] {
                if let Transition::To(to) = t {
                    assert!(from.may_become(to), "{from:?} -> {to:?}");
                }
            }
        }
    }

    #[test]
    fn only_a_pending_booking_past_its_deadline_expires() {
        let t = Utc::now();
        assert_eq!(Pending.expire(t, t), Transition::To(Expired));
        assert_eq!(Pending.expire(t + chrono::Duration::seconds(1), t), Transition::Conflict);
        assert_eq!(Confirmed.expire(t, t), Transition::Conflict);
        assert!(
            Pending.is_live() && Confirmed.is_live() && !Cancelled.is_live() && !Expired.is_live()
        );
    }
}
