//! Events, their sections and seats: created all at once, read back, and the seats a live booking
//! has (to rebuild the seat locks after Redis lost them).

use async_trait::async_trait;
use sqlx::mysql::MySqlPool;
use sqlx::{QueryBuilder, Row};
use uuid::Uuid;

use super::{fault, in_list, parse_status, parse_uuid};
use crate::domain::price::{Charges, Fees};
use crate::domain::report::SalesReport;
use crate::domain::tier::Tier;
use crate::domain::{BookingStatus, Event, SeatStatus, Section, WaitingRoom};
use crate::ports::{BackendError, BackendResult, EventStore, LiveUse, TakenSeat};

/// Seats inserted per statement when an event is created.
const SEAT_INSERT_CHUNK: usize = 2_000;

#[derive(Clone)]
pub struct MySqlEvents {
    pub(super) pool: MySqlPool,
}

impl MySqlEvents {
    pub fn new(pool: MySqlPool) -> Self {
        MySqlEvents { pool }
    }

    async fn sections(&self, ids: &[String]) -> BackendResult<Vec<(String, Section)>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = QueryBuilder::new("SELECT event_id, name, rows_count, seats_per_row, capacity, price_cents, category, tiers FROM sections WHERE event_id IN ");
        in_list(&mut q, ids);
        q.push(" ORDER BY event_id, position");
        let rows = q.build().fetch_all(&self.pool).await.map_err(fault("reading sections"))?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("event_id")?,
                    Section {
                        name: r.try_get("name")?,
                        rows: r.try_get("rows_count")?,
                        seats_per_row: r.try_get("seats_per_row")?,
                        capacity: r.try_get("capacity")?,
                        price_cents: r.try_get("price_cents")?,
                        category: r.try_get("category")?,
                        // JSON, which MariaDB keeps as binary-collated text.
                        tiers: match r.try_get::<Option<Vec<u8>>, _>("tiers")? {
                            Some(json) => serde_json::from_slice::<Vec<Tier>>(&json)
                                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                            None => Vec::new(),
                        },
                    },
                ))
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding sections"))
    }

    async fn events_where(
        &self,
        sql: &str,
        bind: Option<String>,
        limit: u32,
    ) -> BackendResult<Vec<Event>> {
        let mut q = sqlx::query(sql);
        if let Some(b) = bind {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(&self.pool).await.map_err(fault("reading events"))?;
        let ids = rows
            .iter()
            .map(|r| r.try_get("id"))
            .collect::<Result<Vec<String>, _>>()
            .map_err(fault("decoding events"))?;
        let mut sections = self.sections(&ids).await?;
        let mut events = Vec::with_capacity(rows.len());
        for r in rows {
            let id: String = r.try_get("id").map_err(fault("decoding an event"))?;
            let mine: Vec<Section> =
                sections.iter().filter(|(e, _)| *e == id).map(|(_, s)| s.clone()).collect();
            sections.retain(|(e, _)| *e != id);
            events.push(Event {
                id: Uuid::parse_str(&id)
                    .map_err(|e| BackendError::permanent("decoding an event id", e))?,
                name: r.try_get("name").map_err(fault("decoding an event"))?,
                venue: r.try_get("venue").map_err(fault("decoding an event"))?,
                starts_at: r.try_get("starts_at").map_err(fault("decoding an event"))?,
                currency: r.try_get("currency").map_err(fault("decoding an event"))?,
                max_seats_per_order: r
                    .try_get("max_seats_per_order")
                    .map_err(fault("decoding an event"))?,
                max_tickets_per_user: r
                    .try_get("max_tickets_per_user")
                    .map_err(fault("decoding an event"))?,
                hold_ttl_seconds: r
                    .try_get("hold_ttl_seconds")
                    .map_err(fault("decoding an event"))?,
                seat_count: r.try_get("seat_count").map_err(fault("decoding an event"))?,
                sections: mine,
                charges: charges(&r).map_err(fault("decoding an event"))?,
                on_sale_at: r.try_get("on_sale_at").map_err(fault("decoding an event"))?,
                sales_end_at: r.try_get("sales_end_at").map_err(fault("decoding an event"))?,
                waiting_room: waiting_room(&r).map_err(fault("decoding an event"))?,
                created_at: r.try_get("created_at").map_err(fault("decoding an event"))?,
                cancelled_at: r.try_get("cancelled_at").map_err(fault("decoding an event"))?,
                version: r.try_get("version").map_err(fault("decoding an event"))?,
            });
        }
        Ok(events)
    }
}

/// The fees and tax of `event` (fixed once it exists: what its bookings were priced with), read in
/// the transaction `tx`.
pub(super) async fn event_charges(
    tx: &mut sqlx::Transaction<'_, sqlx::MySql>,
    event: Uuid,
) -> Result<Charges, sqlx::Error> {
    let row = sqlx::query(
        "SELECT fee_per_ticket_cents, fee_per_order_cents, tax_rate_bps, prices_include_tax \
         FROM events WHERE id = ?",
    )
    .bind(event.to_string())
    .fetch_one(&mut **tx)
    .await?;
    charges(&row)
}

/// The fees and tax of an event row.
fn charges(r: &sqlx::mysql::MySqlRow) -> Result<Charges, sqlx::Error> {
    let bps: i32 = r.try_get("tax_rate_bps")?;
    Ok(Charges {
        fees: Fees {
            per_ticket_cents: r.try_get("fee_per_ticket_cents")?,
            per_order_cents: r.try_get("fee_per_order_cents")?,
        },
        tax_rate_bps: i64::from(bps),
        prices_include_tax: r.try_get("prices_include_tax")?,
    })
}

/// The waiting room of an event row: there is one when its admission TTL is set.
fn waiting_room(r: &sqlx::mysql::MySqlRow) -> Result<Option<WaitingRoom>, sqlx::Error> {
    let ttl: Option<u32> = r.try_get("admission_ttl_seconds")?;
    let admit_per_minute: Option<u32> = r.try_get("admit_per_minute")?;
    Ok(ttl.map(|admission_ttl_seconds| WaitingRoom { admit_per_minute, admission_ttl_seconds }))
}

const EVENT_COLUMNS: &str =
    "SELECT id, name, venue, starts_at, currency, max_seats_per_order, max_tickets_per_user, hold_ttl_seconds, seat_count, created_at, \
     on_sale_at, sales_end_at, admit_per_minute, admission_ttl_seconds, cancelled_at, version, \
     fee_per_ticket_cents, fee_per_order_cents, tax_rate_bps, prices_include_tax FROM events";

#[async_trait]
impl EventStore for MySqlEvents {
    async fn insert(&self, event: &Event) -> BackendResult<()> {
        let id = event.id.to_string();
        let mut tx = self.pool.begin().await.map_err(fault("creating an event"))?;
        sqlx::query!(
            "INSERT INTO events (id, name, venue, starts_at, currency, max_seats_per_order, max_tickets_per_user, hold_ttl_seconds, seat_count, created_at, \
             on_sale_at, sales_end_at, admit_per_minute, admission_ttl_seconds, fee_per_ticket_cents, \
             fee_per_order_cents, tax_rate_bps, prices_include_tax) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            &id,
            &event.name,
            &event.venue,
            event.starts_at,
            &event.currency,
            event.max_seats_per_order,
            event.max_tickets_per_user,
            event.hold_ttl_seconds,
            event.seat_count,
            event.created_at,
            event.on_sale_at,
            event.sales_end_at,
            event.waiting_room.and_then(|w| w.admit_per_minute),
            event.waiting_room.map(|w| w.admission_ttl_seconds),
            event.charges.fees.per_ticket_cents,
            event.charges.fees.per_order_cents,
            event.charges.tax_rate_bps,
            event.charges.prices_include_tax
        )
        .execute(&mut *tx)
        .await
        .map_err(fault("creating an event"))?;
        let mut q = QueryBuilder::new(
            "INSERT INTO sections (event_id, position, name, rows_count, seats_per_row, capacity, price_cents, category, tiers) ",
        );
        q.push_values(event.sections.iter().enumerate(), |mut b, (i, s)| {
            b.push_bind(&id)
                .push_bind(i as u32)
                .push_bind(&s.name)
                .push_bind(s.rows)
                .push_bind(s.seats_per_row)
                .push_bind(s.capacity)
                .push_bind(s.price_cents)
                .push_bind(&s.category)
                .push_bind(
                    (!s.tiers.is_empty())
                        .then(|| serde_json::to_string(&s.tiers).unwrap_or_default()),
                );
        });
        q.build().execute(&mut *tx).await.map_err(fault("creating sections"))?;
        let seats: Vec<_> = event.seats().collect();
        for chunk in seats.chunks(SEAT_INSERT_CHUNK) {
            let mut q = QueryBuilder::new(
                "INSERT INTO seats (event_id, seat_id, section, row_no, seat_no, price_cents) ",
            );
            q.push_values(chunk, |mut b, (seat, section)| {
                b.push_bind(&id)
                    .push_bind(seat.to_string())
                    .push_bind(&seat.section)
                    .push_bind(seat.row)
                    .push_bind(seat.number)
                    .push_bind(section.price_cents);
            });
            q.build().execute(&mut *tx).await.map_err(fault("creating seats"))?;
        }
        tx.commit().await.map_err(fault("creating an event"))?;
        Ok(())
    }

    async fn update(&self, event: &Event) -> BackendResult<bool> {
        let done = sqlx::query!(
            "UPDATE events SET name = ?, venue = ?, starts_at = ?, on_sale_at = ?, sales_end_at = ?, version = version + 1 \
             WHERE id = ? AND version = ?",
            &event.name,
            &event.venue,
            event.starts_at,
            event.on_sale_at,
            event.sales_end_at,
            event.id.to_string(),
            event.version
        )
        .execute(&self.pool)
        .await
        .map_err(fault("changing an event"))?;
        Ok(done.rows_affected() == 1)
    }

    async fn sales(&self, event: Uuid) -> BackendResult<SalesReport> {
        super::report::sales(&self.pool, event).await
    }

    async fn get(&self, id: Uuid) -> BackendResult<Option<Event>> {
        let sql = format!("{EVENT_COLUMNS} WHERE id = ? LIMIT ?");
        Ok(self.events_where(&sql, Some(id.to_string()), 1).await?.pop())
    }

    async fn list(&self, after: Option<Uuid>, limit: u32) -> BackendResult<Vec<Event>> {
        match after {
            Some(after) => {
                let sql = format!("{EVENT_COLUMNS} WHERE id > ? ORDER BY id LIMIT ?");
                self.events_where(&sql, Some(after.to_string()), limit).await
            }
            None => {
                self.events_where(&format!("{EVENT_COLUMNS} ORDER BY id LIMIT ?"), None, limit)
                    .await
            }
        }
    }

    async fn live_uses(&self, event: Uuid) -> BackendResult<Vec<LiveUse>> {
        let rows = sqlx::query!(
            "SELECT u.booking_id, u.code, b.status AS `status: String`, b.expires_at FROM code_uses u \
             JOIN bookings b ON b.id = u.booking_id WHERE u.event_id = ? AND u.given_back_at IS NULL",
            event.to_string()
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("reading live code uses"))?;
        rows.into_iter()
            .map(|r| {
                // Not given back: pending (until its deadline) or paid (for good, even if cancelled).
                let pending = r.status == BookingStatus::Pending.as_str();
                Ok(LiveUse {
                    code: r.code,
                    owner: parse_uuid(&r.booking_id)?,
                    until: pending.then(|| r.expires_at.and_utc()),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding live code uses"))
    }

    async fn taken_seats(&self, event: Uuid) -> BackendResult<Vec<TakenSeat>> {
        let rows = sqlx::query!(
            "SELECT s.seat_id, s.status, bs.booking_id, bs.tier, COALESCE(t.holder_user_id, b.user_id) AS user_id, b.expires_at FROM seats s \
             LEFT JOIN booking_seats bs ON bs.event_id = s.event_id AND bs.seat_id = s.seat_id AND bs.live = 1 \
             LEFT JOIN bookings b ON b.id = bs.booking_id \
             LEFT JOIN tickets t ON t.event_id = s.event_id AND t.seat_id = s.seat_id AND t.live = 1 \
             WHERE s.event_id = ? AND s.status <> 'AVAILABLE'",
            event.to_string()
        )
        .fetch_all(&self.pool)
        .await
        .map_err(fault("reading taken seats"))?;
        rows.into_iter()
            .map(|r| {
                let status = parse_status("status", &r.status, SeatStatus::parse)?;
                Ok(TakenSeat {
                    tier: r.tier,
                    seat: r.seat_id,
                    status,
                    booking: r.booking_id.as_deref().map(parse_uuid).transpose()?,
                    user: r.user_id,
                    until: match status {
                        SeatStatus::Booked => None,
                        _ => r.expires_at.map(|t| t.and_utc()),
                    },
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(fault("decoding taken seats"))
    }
}
