//! The waitlist in MySQL: one row per user and event, moved by conditional writes; an offer is
//! recorded with its notice in the outbox, in one transaction.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::mysql::{MySqlPool, MySqlRow};
use sqlx::Row;
use uuid::Uuid;

use super::outbox::commit;
use super::{fault, status, uuid, Abort};
use crate::domain::history::SYSTEM;
use crate::domain::waitlist::{Offer, WaitlistEntry, WaitlistStatus};
use crate::domain::{Contact, Envelope};
use crate::ports::{BackendError, BackendResult, Waitlist};

const COLUMNS: &str =
    "SELECT event_id, user_id, quantity, section, CAST(status AS CHAR) AS status, contact_email, \
     contact_phone, hold_id, offer_seats, offer_expires_at, joined_at FROM waitlist";

fn entry_row(r: &MySqlRow) -> Result<WaitlistEntry, sqlx::Error> {
    let status = status(r, "status", WaitlistStatus::parse)?;
    let hold: Option<String> = r.try_get("hold_id")?;
    let offer = match (status, hold) {
        (WaitlistStatus::Offered, Some(h)) => Some(Offer {
            hold_id: Uuid::parse_str(&h).map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
            seat_ids: r
                .try_get::<Option<String>, _>("offer_seats")?
                .unwrap_or_default()
                .split(',')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            expires_at: r
                .try_get::<Option<DateTime<Utc>>, _>("offer_expires_at")?
                .ok_or_else(|| sqlx::Error::Decode("an offer without an expiry".into()))?,
        }),
        _ => None,
    };
    Ok(WaitlistEntry {
        event_id: uuid(r, "event_id")?,
        user_id: r.try_get("user_id")?,
        quantity: r.try_get("quantity")?,
        section: r.try_get("section")?,
        status,
        offer,
        created_at: r.try_get("joined_at")?,
        contact: Contact { email: r.try_get("contact_email")?, phone: r.try_get("contact_phone")? },
    })
}

/// The [`Waitlist`] over one pool.
#[derive(Clone)]
pub struct MySqlWaitlist {
    pool: MySqlPool,
}

impl MySqlWaitlist {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlWaitlist { pool }
    }

    async fn many(
        &self,
        sql: &str,
        binds: &[String],
        limit: u32,
    ) -> BackendResult<Vec<WaitlistEntry>> {
        let mut q = sqlx::query(sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows =
            q.bind(limit).fetch_all(&self.pool).await.map_err(fault("reading the waitlist"))?;
        rows.iter().map(entry_row).collect::<Result<_, _>>().map_err(fault("decoding the waitlist"))
    }

    async fn try_offer(
        &self,
        event: Uuid,
        user: &str,
        offer: &Offer,
        notice: &Envelope,
        now: DateTime<Utc>,
    ) -> Result<bool, Abort> {
        let mut tx = self.pool.begin().await.map_err(fault("offering seats"))?;
        let done = sqlx::query!(
            "UPDATE waitlist SET status = 'OFFERED', hold_id = ?, offer_seats = ?, offer_expires_at = ?, updated_at = ?, \
             version = version + 1 WHERE event_id = ? AND user_id = ? AND status = 'WAITING'",
            offer.hold_id.to_string(),
            offer.seat_ids.join(","),
            offer.expires_at,
            now,
            event.to_string(),
            user
        )
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if !done {
            return Ok(false);
        }
        commit(tx, std::slice::from_ref(notice), SYSTEM).await?;
        Ok(true)
    }
}

#[async_trait]
impl Waitlist for MySqlWaitlist {
    async fn join(&self, e: &WaitlistEntry) -> BackendResult<(WaitlistEntry, bool)> {
        // A new row, or a closed entry (LEFT, EXPIRED, ACCEPTED) back in line at the end; an open
        // one is left as it is.
        let changed = sqlx::query!(
            "INSERT INTO waitlist (event_id, user_id, quantity, section, status, contact_email, contact_phone, joined_at, created_at, updated_at) \
             VALUES (?, ?, ?, ?, 'WAITING', ?, ?, ?, ?, ?) \
             ON DUPLICATE KEY UPDATE \
               quantity = IF(status IN ('WAITING', 'OFFERED'), quantity, VALUES(quantity)), \
               section = IF(status IN ('WAITING', 'OFFERED'), section, VALUES(section)), \
               contact_email = IF(status IN ('WAITING', 'OFFERED'), contact_email, VALUES(contact_email)), \
               contact_phone = IF(status IN ('WAITING', 'OFFERED'), contact_phone, VALUES(contact_phone)), \
               hold_id = IF(status IN ('WAITING', 'OFFERED'), hold_id, NULL), \
               joined_at = IF(status IN ('WAITING', 'OFFERED'), joined_at, VALUES(joined_at)), \
               version = IF(status IN ('WAITING', 'OFFERED'), version, version + 1), \
               status = IF(status IN ('WAITING', 'OFFERED'), status, 'WAITING')",
            e.event_id.to_string(),
            &e.user_id,
            e.quantity,
            &e.section,
            &e.contact.email,
            &e.contact.phone,
            e.created_at,
            e.created_at,
            e.created_at
        )
        .execute(&self.pool)
        .await
        .map_err(fault("joining the waitlist"))?
        .rows_affected();
        let entry = self.get(e.event_id, &e.user_id).await?.ok_or_else(|| {
            BackendError::transient("joining the waitlist", anyhow::anyhow!("the entry vanished"))
        })?;
        // New in line (inserted, or back at the end) exactly when its place is this join's time;
        // an open entry kept its own.
        let new =
            changed > 0 && entry.created_at.timestamp_millis() == e.created_at.timestamp_millis();
        Ok((entry, new))
    }

    async fn get(&self, event: Uuid, user: &str) -> BackendResult<Option<WaitlistEntry>> {
        Ok(self
            .many(
                &format!("{COLUMNS} WHERE event_id = ? AND user_id = ? LIMIT ?"),
                &[event.to_string(), user.to_string()],
                1,
            )
            .await?
            .pop())
    }

    async fn leave(
        &self,
        event: Uuid,
        user: &str,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<WaitlistEntry>> {
        let Some(entry) = self.get(event, user).await? else { return Ok(None) };
        if !entry.status.is_open() {
            return Ok(None);
        }
        let done = sqlx::query!(
            "UPDATE waitlist SET status = 'LEFT', updated_at = ?, version = version + 1 \
             WHERE event_id = ? AND user_id = ? AND status = ? AND (hold_id <=> ?)",
            now,
            event.to_string(),
            user,
            entry.status.as_str(),
            entry.offer.as_ref().map(|o| o.hold_id.to_string())
        )
        .execute(&self.pool)
        .await
        .map_err(fault("leaving the waitlist"))?
        .rows_affected();
        Ok((done == 1).then_some(entry))
    }

    async fn waiting(&self, event: Uuid, limit: u32) -> BackendResult<Vec<WaitlistEntry>> {
        self.many(
            &format!("{COLUMNS} WHERE event_id = ? AND status = 'WAITING' ORDER BY joined_at, user_id LIMIT ?"),
            &[event.to_string()],
            limit,
        )
        .await
    }

    async fn offer(
        &self,
        event: Uuid,
        user: &str,
        offer: &Offer,
        notice: &Envelope,
        now: DateTime<Utc>,
    ) -> BackendResult<bool> {
        super::retry("offering seats", || self.try_offer(event, user, offer, notice, now)).await
    }

    async fn lapsed(&self, now: DateTime<Utc>, limit: u32) -> BackendResult<Vec<WaitlistEntry>> {
        let sql = format!(
            "{COLUMNS} WHERE status = 'OFFERED' AND offer_expires_at <= ? ORDER BY offer_expires_at LIMIT ?"
        );
        let rows = sqlx::query(&sql)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await
            .map_err(fault("finding lapsed offers"))?;
        rows.iter().map(entry_row).collect::<Result<_, _>>().map_err(fault("decoding the waitlist"))
    }

    async fn expire(
        &self,
        event: Uuid,
        user: &str,
        hold: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<bool> {
        let done = sqlx::query!(
            "UPDATE waitlist SET status = 'EXPIRED', updated_at = ?, version = version + 1 \
             WHERE event_id = ? AND user_id = ? AND status = 'OFFERED' AND hold_id = ?",
            now,
            event.to_string(),
            user,
            hold.to_string()
        )
        .execute(&self.pool)
        .await
        .map_err(fault("expiring an offer"))?
        .rows_affected();
        Ok(done == 1)
    }

    async fn events_waiting(&self, limit: u32) -> BackendResult<Vec<Uuid>> {
        let ids: Vec<String> = sqlx::query_scalar!(
            "SELECT DISTINCT event_id FROM waitlist WHERE status = 'WAITING' LIMIT ?",
            limit
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("finding waitlists"))?;
        ids.iter()
            .map(|i| {
                Uuid::parse_str(i).map_err(|e| BackendError::permanent("decoding an event id", e))
            })
            .collect()
    }
}
