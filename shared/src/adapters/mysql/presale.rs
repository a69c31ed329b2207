//! Presale registrations and draws: a registration made once, read with its status, and a draw
//! stored in one transaction (the winners' codes, their registrations, the draw and its messages).

use async_trait::async_trait;
use chrono::{DateTime, NaiveDateTime, Utc};
use sqlx::mysql::MySqlPool;
use uuid::Uuid;

use super::codes::insert_code;
use super::outbox::commit;
use super::{fault, parse_uuid, Abort};
use crate::domain::presale::{Draw, Registration, RegistrationStatus};
use crate::domain::{Contact, Envelope};
use crate::ports::{BackendResult, PresaleStore};

#[derive(Clone)]
pub struct MySqlPresale {
    pool: MySqlPool,
}

impl MySqlPresale {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlPresale { pool }
    }

    async fn try_record(
        &self,
        event: Uuid,
        draw: &Draw,
        by: &str,
        now: DateTime<Utc>,
        outbox: &[Envelope],
    ) -> Result<bool, Abort> {
        let mut tx = self.pool.begin().await?;
        for (user, code) in &draw.winners {
            insert_code(&mut tx, code, by).await?;
            let won = sqlx::query!(
                "UPDATE presale_registrations SET code = ?, draw_id = ? \
                 WHERE event_id = ? AND user_id = ? AND code IS NULL",
                code.code,
                draw.id.to_string(),
                event.to_string(),
                user
            )
            .execute(&mut *tx)
            .await?;
            if won.rows_affected() != 1 {
                return Ok(false);
            }
        }
        sqlx::query!(
            "INSERT INTO presale_draws (id, event_id, winners, seed, drawn_by, drawn_at) VALUES (?, ?, ?, ?, ?, ?)",
            draw.id.to_string(),
            event.to_string(),
            draw.winners.len() as u32,
            draw.seed,
            by,
            now
        )
        .execute(&mut *tx)
        .await?;
        commit(tx, outbox, by).await?;
        Ok(true)
    }
}

#[async_trait]
impl PresaleStore for MySqlPresale {
    async fn register(
        &self,
        event: Uuid,
        user: &str,
        contact: &Contact,
        now: DateTime<Utc>,
    ) -> BackendResult<(Registration, bool)> {
        let done = sqlx::query!(
            "INSERT IGNORE INTO presale_registrations (event_id, user_id, contact_email, contact_phone, registered_at) \
             VALUES (?, ?, ?, ?, ?)",
            event.to_string(),
            user,
            contact.email,
            contact.phone,
            now
        )
        .execute(&self.pool)
        .await
        .map_err(fault("registering for a presale"))?;
        let (reg, _) = self.registration(event, user).await?.ok_or_else(|| {
            crate::ports::BackendError::transient(
                "registering for a presale",
                anyhow::anyhow!("the registration is not there after its insert"),
            )
        })?;
        Ok((reg, done.rows_affected() == 1))
    }

    async fn registration(
        &self,
        event: Uuid,
        user: &str,
    ) -> BackendResult<Option<(Registration, Contact)>> {
        let row = sqlx::query!(
            "SELECT r.event_id, r.user_id, r.contact_email, r.contact_phone, r.registered_at, r.code, \
             EXISTS (SELECT 1 FROM presale_draws d WHERE d.event_id = r.event_id AND d.drawn_at >= r.registered_at) AS `drawn_since!: i64` \
             FROM presale_registrations r WHERE r.event_id = ? AND r.user_id = ?",
            event.to_string(),
            user
        )
        .fetch_optional(&self.pool)
        .await
        .map_err(fault("reading a presale registration"))?;
        let Some(r) = row else { return Ok(None) };
        let status = match (&r.code, r.drawn_since) {
            (Some(_), _) => RegistrationStatus::Selected,
            (None, 0) => RegistrationStatus::Registered,
            (None, _) => RegistrationStatus::NotSelected,
        };
        let registered_at: NaiveDateTime = r.registered_at;
        let reg = Registration {
            event_id: parse_uuid(&r.event_id).map_err(fault("decoding a registration"))?,
            user_id: r.user_id,
            status,
            code: r.code,
            registered_at: registered_at.and_utc(),
        };
        Ok(Some((reg, Contact { email: r.contact_email, phone: r.contact_phone })))
    }

    async fn entrants(&self, event: Uuid, limit: u32) -> BackendResult<Vec<String>> {
        sqlx::query_scalar!(
            "SELECT user_id FROM presale_registrations WHERE event_id = ? AND code IS NULL LIMIT ?",
            event.to_string(),
            limit
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("reading a presale's registrants"))
    }

    async fn record_draw(
        &self,
        event: Uuid,
        draw: &Draw,
        by: &str,
        now: DateTime<Utc>,
        outbox: &[Envelope],
    ) -> BackendResult<bool> {
        super::retry("recording a presale draw", || self.try_record(event, draw, by, now, outbox))
            .await
    }
}
