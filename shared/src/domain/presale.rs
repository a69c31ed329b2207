//! The presale's registration draw: users register for an event's presale; an admin draws `count`
//! of those not yet drawn, uniformly at random from a seed drawn at draw time, and each winner gets
//! a single-use access code of their own.

use chrono::{DateTime, Utc};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::code::{Code, CodeSpec};
use super::event::Event;
use super::RuleError;

/// Most winners one draw may pick.
pub const MAX_DRAW: u32 = 10_000;
/// Most registrants one draw reads (the draw is over all of them, in memory).
pub const MAX_REGISTRANTS: u32 = 1_000_000;
/// Letters of a winner's code after its `P-` (Crockford's base32 without look-alikes: 32^10).
const CODE_LETTERS: usize = 10;
const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegistrationStatus {
    /// Waiting for a draw.
    Registered,
    /// Drawn: the registration carries the user's code.
    Selected,
    /// A draw after the registration did not pick it (a later draw still may).
    NotSelected,
}

/// A user's registration for an event's presale, as they see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Registration {
    pub event_id: Uuid,
    pub user_id: String,
    pub status: RegistrationStatus,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub code: Option<String>,
    pub registered_at: DateTime<Utc>,
}

/// What an admin asks a draw for: how many winners, and the codes they get.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrawSpec {
    pub count: u32,
    pub max_tickets_per_use: Option<u32>,
    pub valid_from: Option<DateTime<Utc>>,
    pub valid_until: Option<DateTime<Utc>>,
}

/// A draw decided: its seed (hex, kept with the draw so it can be checked) and each winner's code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Draw {
    pub id: Uuid,
    pub seed: String,
    pub winners: Vec<(String, Code)>,
}

/// `count` of `entrants` (in any order), uniformly at random from `seed`: the same entrants and
/// seed always pick the same winners.
pub fn pick(mut entrants: Vec<String>, count: usize, seed: [u8; 32]) -> Vec<String> {
    entrants.sort();
    entrants.dedup();
    let mut rng = rand::rngs::StdRng::from_seed(seed);
    let (chosen, _) = entrants.partial_shuffle(&mut rng, count);
    chosen.to_vec()
}

impl DrawSpec {
    /// Draws among `entrants` with a fresh seed from the operating system: each winner gets an
    /// ACCESS code of one use with the spec's window and ticket count (422 if the spec breaks
    /// the rules of codes).
    pub fn draw(
        &self,
        event: &Event,
        entrants: Vec<String>,
        now: DateTime<Utc>,
    ) -> Result<Draw, RuleError> {
        if !(1..=MAX_DRAW).contains(&self.count) {
            return Err(RuleError::invalid("count", format!("between 1 and {MAX_DRAW}")));
        }
        let seed: [u8; 32] = rand::rngs::OsRng.gen();
        let chosen = pick(entrants, self.count as usize, seed);
        let mut rng = rand::rngs::OsRng;
        let mut winners = Vec::with_capacity(chosen.len());
        for user in chosen {
            let letters: String = (0..CODE_LETTERS)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect();
            let code = CodeSpec {
                code: format!("P-{letters}"),
                kind: "ACCESS".into(),
                max_uses: 1,
                max_tickets_per_use: self.max_tickets_per_use,
                valid_from: self.valid_from,
                valid_until: self.valid_until,
                ..CodeSpec::default()
            }
            .validate(event, now)?;
            winners.push((user, code));
        }
        Ok(Draw { id: Uuid::now_v7(), seed: hex(&seed), winners })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::event::tests::event;

    fn entrants(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("u{i}")).collect()
    }

    #[test]
    fn a_draw_picks_exactly_count_distinct_entrants_and_is_fixed_by_its_seed() {
        let seed = [7u8; 32];
        let a = pick(entrants(100), 10, seed);
        assert_eq!(a.len(), 10);
        let mut distinct = a.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
        let mut shuffled = entrants(100);
        shuffled.reverse();
        assert_eq!(pick(shuffled, 10, seed), a, "the entrants' order does not matter");
        assert_ne!(pick(entrants(100), 10, [8u8; 32]), a);
        assert_eq!(pick(entrants(3), 10, seed).len(), 3, "never more than there are");
    }

    #[test]
    fn every_entrant_has_the_same_chance() {
        // 20,000 draws of 1 of 10: each entrant near 2,000 (a 5 sigma band is about +-212).
        let mut wins = std::collections::HashMap::new();
        for s in 0..20_000u32 {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&s.to_le_bytes());
            *wins.entry(pick(entrants(10), 1, seed).remove(0)).or_insert(0) += 1;
        }
        assert_eq!(wins.len(), 10);
        assert!(wins.values().all(|w| (1_788..=2_212).contains(w)), "{wins:?}");
    }

    #[test]
    fn each_winner_gets_a_single_use_access_code_of_their_own() {
        let e = event(&[("A", 2, 5)]);
        let spec = DrawSpec {
            count: 3,
            max_tickets_per_use: Some(2),
            valid_from: None,
            valid_until: None,
        };
        let d = spec.draw(&e, entrants(5), Utc::now()).unwrap();
        assert_eq!((d.winners.len(), d.seed.len()), (3, 64));
        let mut codes: Vec<&str> = d.winners.iter().map(|(_, c)| c.code.as_str()).collect();
        codes.dedup();
        assert_eq!(codes.len(), 3);
        assert!(d.winners.iter().all(|(_, c)| c.max_uses == 1 && c.code.starts_with("P-")));
        let none = DrawSpec { count: 0, ..spec.clone() };
        assert!(none.draw(&e, entrants(5), Utc::now()).is_err());
        let too_many = DrawSpec { max_tickets_per_use: Some(99), ..spec };
        assert!(too_many.draw(&e, entrants(5), Utc::now()).is_err());
    }
}
