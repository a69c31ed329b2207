//! Tickets and check-in: the ticket a seat of a CONFIRMED booking gets, the printable code a
//! scanner can check offline, and what a scan at the door answers.
//!
//! A code is `T1.<payload>.<signature>`, both base64url without padding: the payload is the ticket
//! id (16 bytes), the event id (16 bytes) and the seat id (UTF-8), the signature the event key's
//! Ed25519 signature of the payload (64 bytes). About 150 characters: a QR code of version 8-9.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The code format's tag.
const CODE_TAG: &str = "T1";
/// Longest code accepted (a longer one is no code of ours).
pub const CODE_MAX: usize = 512;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum TicketStatus {
    Valid,
    CheckedIn,
    Revoked,
}

/// A ticket's status as served: the stored one, or `TRANSFERRED` to the buyer who gave it away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ServedStatus {
    Valid,
    CheckedIn,
    Revoked,
    /// The ticket is its new holder's now.
    Transferred,
}

impl From<TicketStatus> for ServedStatus {
    fn from(s: TicketStatus) -> Self {
        match s {
            TicketStatus::Valid => ServedStatus::Valid,
            TicketStatus::CheckedIn => ServedStatus::CheckedIn,
            TicketStatus::Revoked => ServedStatus::Revoked,
        }
    }
}

impl TicketStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TicketStatus::Valid => "VALID",
            TicketStatus::CheckedIn => "CHECKED_IN",
            TicketStatus::Revoked => "REVOKED",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "VALID" => Some(TicketStatus::Valid),
            "CHECKED_IN" => Some(TicketStatus::CheckedIn),
            "REVOKED" => Some(TicketStatus::Revoked),
            _ => None,
        }
    }
}

/// A ticket as stored (its code is made from it when served).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTicket {
    pub id: Uuid,
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub seat_id: String,
    pub holder_user_id: String,
    pub status: TicketStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checkin_gate: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A ticket as served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ticket {
    pub id: Uuid,
    pub booking_id: Uuid,
    pub event_id: Uuid,
    pub seat_id: String,
    pub holder_user_id: String,
    /// Only for its holder (or an admin).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub status: ServedStatus,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

impl ScanResult {
    /// What a scan in `direction` came to: `current` is the ticket as it is after the scan's
    /// conditional write, `moved` whether that write took (only one scan moves a ticket out of the
    /// state it expects).
    pub fn of(
        current: Option<StoredTicket>,
        moved: bool,
        direction: Direction,
        now: DateTime<Utc>,
    ) -> ScanResult {
        match (current, moved, direction) {
            (None, _, _) => ScanResult::Unknown,
            (Some(t), true, Direction::In) => ScanResult::Admitted(t),
            (Some(t), true, Direction::Out) => ScanResult::Exited(t),
            (Some(t), false, _) if t.status == TicketStatus::Revoked => ScanResult::Revoked,
            (Some(t), false, Direction::In) => ScanResult::AlreadyIn {
                gate: t.checkin_gate.unwrap_or_default(),
                at: t.checked_in_at.unwrap_or(now),
            },
            (Some(_), false, Direction::Out) => ScanResult::NotIn,
        }
    }

    /// The outcome's name in the check-in log.
    pub fn name(&self) -> &'static str {
        match self {
            ScanResult::Admitted(_) => "ADMITTED",
            ScanResult::Exited(_) => "EXITED",
            ScanResult::AlreadyIn { .. } => "ALREADY_CHECKED_IN",
            ScanResult::NotIn => "NOT_CHECKED_IN",
            ScanResult::Revoked => "TICKET_REVOKED",
            ScanResult::Unknown => "UNKNOWN_TICKET",
        }
    }

    /// Why the ticket may not pass, if it may not.
    pub fn refusal(&self) -> Option<Refusal> {
        match self {
            ScanResult::Admitted(_) | ScanResult::Exited(_) => None,
            ScanResult::AlreadyIn { gate, at } => {
                Some(Refusal::AlreadyIn { gate: gate.clone(), at: *at })
            }
            ScanResult::NotIn => Some(Refusal::NotIn),
            ScanResult::Revoked => Some(Refusal::Revoked),
            ScanResult::Unknown => Some(Refusal::Invalid),
        }
    }
}

impl StoredTicket {
    pub fn with_code(self, code: String) -> Ticket {
        let status = self.status.into();
        self.served(Some(code), status)
    }

    /// The ticket as its giver sees it: `TRANSFERRED` (or `REVOKED`), without its code.
    pub fn as_given(self) -> Ticket {
        let status = if self.status == TicketStatus::Revoked {
            ServedStatus::Revoked
        } else {
            ServedStatus::Transferred
        };
        self.served(None, status)
    }

    fn served(self, code: Option<String>, status: ServedStatus) -> Ticket {
        Ticket {
            id: self.id,
            booking_id: self.booking_id,
            event_id: self.event_id,
            seat_id: self.seat_id,
            holder_user_id: self.holder_user_id,
            code,
            status,
            checked_in_at: self.checked_in_at,
            created_at: self.created_at,
        }
    }
}

/// What a code says, before its signature is checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeParts {
    pub ticket_id: Uuid,
    pub event_id: Uuid,
    pub seat_id: String,
    /// The bytes the signature covers.
    pub payload: Vec<u8>,
    pub signature: [u8; 64],
}

/// The bytes a ticket's signature covers.
pub fn payload(ticket_id: Uuid, event_id: Uuid, seat_id: &str) -> Vec<u8> {
    let mut p = Vec::with_capacity(32 + seat_id.len());
    p.extend_from_slice(ticket_id.as_bytes());
    p.extend_from_slice(event_id.as_bytes());
    p.extend_from_slice(seat_id.as_bytes());
    p
}

/// The printable code of a payload and its signature.
pub fn encode(payload: &[u8], signature: &[u8; 64]) -> String {
    format!("{CODE_TAG}.{}.{}", URL_SAFE_NO_PAD.encode(payload), URL_SAFE_NO_PAD.encode(signature))
}

/// Reads a code; `None` if it is not one (its signature is not checked here).
pub fn parse(code: &str) -> Option<CodeParts> {
    if code.len() > CODE_MAX {
        return None;
    }
    let mut parts = code.trim().split('.');
    let (tag, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if tag != CODE_TAG || parts.next().is_some() {
        return None;
    }
    let payload = URL_SAFE_NO_PAD.decode(payload).ok()?;
    let signature: [u8; 64] = URL_SAFE_NO_PAD.decode(signature).ok()?.try_into().ok()?;
    if payload.len() <= 32 {
        return None;
    }
    let seat_id = std::str::from_utf8(&payload[32..]).ok()?.to_string();
    Some(CodeParts {
        ticket_id: Uuid::from_slice(&payload[..16]).ok()?,
        event_id: Uuid::from_slice(&payload[16..32]).ok()?,
        seat_id,
        payload,
        signature,
    })
}

/// Which way a scan goes: into the venue, or out of it (so that the ticket may come in again).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    #[default]
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// A scan at the door, as asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scan {
    pub event_id: Uuid,
    pub code: String,
    pub gate: String,
    pub direction: Direction,
    pub nonce: Option<String>,
    /// When the scanner read the code (an offline scanner sends its scans later).
    pub scanned_at: Option<DateTime<Utc>>,
}

/// What a scan of a real ticket of the right event came to. Stored with the scan (as JSON), so
/// that a retry with the same nonce gets the same answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ScanResult {
    /// In: admitted now.
    Admitted(StoredTicket),
    /// Out: the ticket may come in again.
    Exited(StoredTicket),
    /// In again without an out: who scanned it first, and when.
    AlreadyIn {
        gate: String,
        at: DateTime<Utc>,
    },
    /// Out without being in.
    NotIn,
    Revoked,
    /// The code's ticket does not exist (a real signature over an id this system never issued).
    Unknown,
}

/// A scan's answer: its outcome, at which gate and when the server took it. A retry with the same
/// nonce gets the first scan's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanAnswer {
    pub result: ScanResult,
    pub gate: String,
    pub at: DateTime<Utc>,
}

/// What applying a scan came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scanned {
    /// The scan's answer (or, for a retry, the first answer).
    Answer(ScanAnswer),
    /// The nonce was used before, for another ticket (or a code that was no ticket).
    NonceReused,
}

/// Why a scan does not let the ticket through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Not a code, or its signature does not verify: 422 `INVALID_TICKET`.
    Invalid,
    /// A real ticket of another event: 409 `WRONG_EVENT`.
    WrongEvent,
    /// 409 `TICKET_REVOKED` (booking or event cancelled, ticket transferred).
    Revoked,
    /// 409 `ALREADY_CHECKED_IN`, with the first scan's gate and time.
    AlreadyIn { gate: String, at: DateTime<Utc> },
    /// An `out` scan of a ticket that is not in: 409 `NOT_CHECKED_IN`.
    NotIn,
    /// The nonce belongs to another ticket's scan: 409 `NONCE_REUSED`.
    NonceReused,
}

impl Refusal {
    /// The refusal's name in the check-in log, for scans that never reached a ticket.
    pub fn name(&self) -> &'static str {
        match self {
            Refusal::Invalid => "INVALID_TICKET",
            Refusal::WrongEvent => "WRONG_EVENT",
            Refusal::Revoked => "TICKET_REVOKED",
            Refusal::AlreadyIn { .. } => "ALREADY_CHECKED_IN",
            Refusal::NotIn => "NOT_CHECKED_IN",
            Refusal::NonceReused => "NONCE_REUSED",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_carries_its_ticket_event_and_seat_and_nothing_else_reads_as_one() {
        let (t, e) = (Uuid::now_v7(), Uuid::now_v7());
        let p = payload(t, e, "A-12-7");
        let code = encode(&p, &[7u8; 64]);
        assert!(code.len() < 160, "{}", code.len());
        let parts = parse(&code).unwrap();
        assert_eq!((parts.ticket_id, parts.event_id, parts.seat_id.as_str()), (t, e, "A-12-7"));
        assert_eq!((parts.payload, parts.signature), (p, [7u8; 64]));
        for bad in
            ["", "T1", "T1.x.y", "T2.AAAA.AAAA", &format!("{code}.x"), &code[..code.len() - 3]]
        {
            assert_eq!(parse(bad), None, "{bad}");
        }
        assert_eq!(parse(&"T1.".repeat(300)), None);
    }
}
