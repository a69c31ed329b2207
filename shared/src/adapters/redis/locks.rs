//! The seat-lock ports [`SeatHolds`] and [`SeatMap`] over Redis: hold, extend, release, claim for a
//! booking, mark booked, give a booked seat, read the seat map, count, and load the structure from
//! the system of record.

use std::collections::HashMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use redis::AsyncCommands;
use uuid::Uuid;

use super::{
    fault, from_millis, millis, piped_script, HoldRecord, OwnerRecord, RedisSeats, BLOCKED_SCORE,
    BOOKED_SCORE, HOLDREF_TTLS, LOG_MAX_LEN, TIER_BAND,
};
use crate::domain::price::Discount;
use crate::domain::queue::Admission;
use crate::domain::tier::SeatPrice;
use crate::domain::{Booking, Event, Hold, SeatId, SeatStatus, UserCaps};
use crate::ports::{
    BackendError, BackendResult, Given, HoldLookup, HoldOutcome, HoldRef, LiveUse, Released,
    RequestLimit, SeatHolds, SeatMap, SeatSnapshot, TakenSeat,
};

#[async_trait]
impl SeatHolds for RedisSeats {
    async fn hold(
        &self,
        hold: &Hold,
        event: &Event,
        code_uses: u32,
        writes: Option<RequestLimit>,
        admission: Option<Admission>,
        now: DateTime<Utc>,
    ) -> BackendResult<HoldOutcome> {
        let caps = UserCaps::of(event);
        let e = hold.event_id;
        let ttl_ms = millis(hold.expires_at) - millis(now);
        let mut inv = self.scripts.hold.prepare_invoke();
        inv.key(self.key("loaded", e, None))
            .key(self.key("held", e, None))
            .key(self.key("user", e, Some(&hold.user_id)))
            .key(self.key("holdrec", e, Some(&hold.id.to_string())))
            .key(self.log_key(e))
            .key(self.key("owned", e, None))
            .key(self.code_key(e, hold.code.as_deref()));
        for k in self.seat_keys(e, &hold.seat_ids) {
            inv.key(k);
        }
        inv.key(self.key("rsv", e, None));
        // The waiting room's sets of the buyer's line (the presale's are `p`-prefixed, queue.rs).
        let p = if admission.is_some_and(|a| a.presale) { "p" } else { "" };
        inv.key(self.key(&format!("{p}qgone"), e, None)).key(self.key(
            &format!("{p}qdone"),
            e,
            None,
        ));
        // The user's writes of this event in this window.
        let window = self.write_window(e, &hold.user_id, writes, now);
        inv.key(&window.key);
        let (percent, amount) = hold.discount.parts();
        inv.arg(hold.id.to_string())
            .arg(&hold.user_id)
            .arg(millis(now))
            .arg(millis(hold.expires_at))
            .arg(caps.at_once)
            .arg(e.to_string())
            .arg(LOG_MAX_LEN)
            .arg(caps.in_all.unwrap_or(0))
            .arg(if hold.code.is_some() { code_uses } else { 0 })
            .arg(hold.code.as_deref().unwrap_or_default())
            .arg(percent.unwrap_or(0))
            .arg(amount.unwrap_or(0))
            .arg(TIER_BAND)
            .arg(window.allowed)
            .arg(window.ms)
            .arg(window.left_ms)
            .arg(admission.map_or(-1, |a| a.admitted_at_ms));
        for s in &hold.seat_ids {
            inv.arg(s);
        }
        for s in &hold.seat_ids {
            inv.arg(price_plan(event, s));
        }
        let mut conn = self.connection().await?;
        // The hold id must lead to its event for the hold's whole life: written first (in the same
        // round trip), so there is never a hold that cannot be found. A failed hold leaves only
        // this short-lived pointer.
        let holdref_ttl = (ttl_ms / 1000 * HOLDREF_TTLS + 60) as u64;
        let pointer = Pointer::of(hold);
        let reply: Vec<String> = if self.is_cluster() {
            // The pointer and the active set live in slots of their own: on a cluster they go
            // first, one command each, then the script in the event's slot.
            let () = conn
                .set_ex(self.holdref(hold.id), &pointer, holdref_ttl)
                .await
                .map_err(fault("holding seats"))?;
            let () = conn
                .sadd(self.active_key(), e.to_string())
                .await
                .map_err(fault("holding seats"))?;
            inv.invoke_async(&mut conn).await
        } else {
            let mut pipe = redis::pipe();
            pipe.set_ex(self.holdref(hold.id), &pointer, holdref_ttl)
                .ignore()
                .sadd(self.active_key(), e.to_string())
                .ignore()
                .invoke_script(&inv);
            piped_script(&mut conn, &pipe, &inv).await
        }
        .map_err(fault("holding seats"))?;
        match reply.first().map(String::as_str) {
            Some("OK") => match prices(reply.get(1), reply.get(2), hold.seat_ids.len()) {
                Some(prices) => Ok(HoldOutcome::Held(prices)),
                None => Err(BackendError::permanent(
                    "holding seats",
                    anyhow::anyhow!("OK reply without the seats' prices: {reply:?}"),
                )),
            },
            Some("BUSY") => Ok(HoldOutcome::Unavailable(reply[1..].to_vec())),
            Some(limit @ ("LIMIT" | "TICKETS")) => {
                match reply.get(1).and_then(|c| c.parse().ok()) {
                    Some(current) if limit == "LIMIT" => Ok(HoldOutcome::OverLimit { current }),
                    Some(current) => Ok(HoldOutcome::OverTickets { current }),
                    None => Err(BackendError::permanent(
                        "holding seats",
                        anyhow::anyhow!("{limit} reply without a count: {reply:?}"),
                    )),
                }
            }
            Some("NOT_LOADED") => Ok(HoldOutcome::NotLoaded),
            Some("CLOSED") => Ok(HoldOutcome::Closed),
            Some("EXHAUSTED") => Ok(HoldOutcome::CodeExhausted),
            Some("LIMITED") => Ok(HoldOutcome::Limited {
                retry_after_ms: reply.get(1).and_then(|m| m.parse().ok()).unwrap_or(1).max(1),
            }),
            Some("REVOKED") => Ok(HoldOutcome::NotAdmitted),
            other => Err(BackendError::permanent(
                "holding seats",
                anyhow::anyhow!("unexpected script reply {other:?}"),
            )),
        }
    }

    async fn get(&self, hold_id: Uuid) -> BackendResult<HoldLookup> {
        let mut conn = self.connection().await?;
        let pointer: Option<String> =
            conn.get(self.holdref(hold_id)).await.map_err(fault("finding a hold"))?;
        let Some(pointer) = pointer else {
            return Ok(HoldLookup::Unknown);
        };
        let event = Pointer::parse(&pointer)?.event();
        let rec: HashMap<String, String> = conn
            .hgetall(self.key("holdrec", event, Some(&hold_id.to_string())))
            .await
            .map_err(fault("reading a hold"))?;
        if rec.is_empty() {
            return Ok(HoldLookup::Expired);
        }
        let field = |k: &str| rec.get(k).cloned().unwrap_or_default();
        let time = |k: &str| field(k).parse::<i64>().ok().and_then(from_millis);
        // Every field is written by hold.lua: a record without one is an error, not a default.
        match (time("createdAt"), time("expiresAt"), rec.get("userId").filter(|u| !u.is_empty())) {
            (Some(created_at), Some(expires_at), Some(user_id)) => Ok(HoldLookup::Live(Hold {
                id: hold_id,
                event_id: event,
                user_id: user_id.clone(),
                seat_ids: field("seats")
                    .split(',')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect(),
                expires_at,
                created_at,
                code: rec.get("code").filter(|c| !c.is_empty()).cloned(),
                discount: Discount::from_parts(
                    field("percentOff").parse().ok().filter(|p| *p > 0),
                    field("amountOff").parse().ok().filter(|a| *a > 0),
                ),
                // A hold made before tiers has no prices: its sections' prices apply.
                prices: prices(
                    rec.get("prices"),
                    rec.get("tiers"),
                    field("seats").split(',').count(),
                )
                .unwrap_or_default(),
            })),
            _ => Err(BackendError::permanent(
                "reading a hold",
                anyhow::anyhow!("hold record {hold_id} is malformed"),
            )),
        }
    }

    async fn find(&self, hold_id: Uuid) -> BackendResult<Option<HoldRef>> {
        let pointer: Option<String> = self
            .connection()
            .await?
            .get(self.holdref(hold_id))
            .await
            .map_err(fault("finding a hold"))?;
        match pointer.as_deref().map(Pointer::parse).transpose()? {
            None => Ok(None),
            Some(Pointer::Full { e, u, s, c }) => {
                Ok(Some(HoldRef { id: hold_id, event_id: e, user_id: u, seat_ids: s, code: c }))
            }
            // A pointer of before: the record tells the rest.
            Some(Pointer::Event(_)) => Ok(match self.get(hold_id).await? {
                HoldLookup::Live(hold) => Some((&hold).into()),
                _ => None,
            }),
        }
    }

    async fn extend(&self, hold: &Hold, expires_at: DateTime<Utc>) -> BackendResult<bool> {
        self.move_hold(hold, hold.id, expires_at, HoldRecord::Keep).await
    }

    async fn release(
        &self,
        hold: &HoldRef,
        writes: Option<RequestLimit>,
        now: DateTime<Utc>,
    ) -> BackendResult<Released> {
        let pointer = Some(self.holdref(hold.id));
        let (record, code) = (OwnerRecord::Required, hold.code.as_deref());
        let (e, seats) = (hold.event_id, &hold.seat_ids);
        self.free(e, hold.id, &hold.user_id, seats, record, code, writes, now, pointer).await
    }

    async fn claim(
        &self,
        hold: &Hold,
        booking: Uuid,
        deadline: DateTime<Utc>,
    ) -> BackendResult<bool> {
        self.move_hold(hold, booking, deadline, HoldRecord::Drop).await
    }

    async fn mark_booked(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()> {
        let e = booking.event_id;
        let mut inv = self.scripts.book.prepare_invoke();
        inv.key(self.key("held", e, None))
            .key(self.key("user", e, Some(&booking.user_id)))
            .key(self.log_key(e))
            .key(self.key("holders", e, None))
            .key(self.key("owned", e, None))
            .key(self.code_key(e, booking.code.as_deref()));
        for k in self.seat_keys(e, &booking.seat_ids) {
            inv.key(k);
        }
        inv.arg(booking.id.to_string())
            .arg(BOOKED_SCORE)
            .arg(millis(now))
            .arg(e.to_string())
            .arg(LOG_MAX_LEN)
            .arg(&booking.user_id)
            .arg(u8::from(booking.code.is_some()))
            .arg(TIER_BAND);
        for s in &booking.seat_ids {
            inv.arg(s);
        }
        for i in 0..booking.seat_ids.len() {
            inv.arg(booking.prices.get(i).and_then(|p| p.tier).unwrap_or(0));
        }
        let _: i64 = inv
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(fault("marking seats booked"))?;
        Ok(())
    }

    async fn free_booking(&self, booking: &Booking, now: DateTime<Utc>) -> BackendResult<()> {
        self.free(
            booking.event_id,
            booking.id,
            &booking.user_id,
            &booking.seat_ids,
            OwnerRecord::Optional,
            booking.code.as_deref(),
            None,
            now,
            None,
        )
        .await
        .map(|_| ())
    }

    async fn give(
        &self,
        event: Uuid,
        seat: &str,
        to: Option<&str>,
        in_all: Option<u32>,
        now: DateTime<Utc>,
    ) -> BackendResult<Given> {
        self.give_seat(event, seat, to, in_all, now).await
    }
}

/// What a hold's id points to (`holdref`, in a slot of its own): the hold's event, owner, seats and
/// code, all fixed for its life, so that a release knows every key it touches from one read. A
/// pointer written before it carried them is the event's id alone.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
enum Pointer {
    Full {
        e: Uuid,
        u: String,
        s: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        c: Option<String>,
    },
    Event(Uuid),
}

impl Pointer {
    fn of(hold: &Hold) -> String {
        let p = Pointer::Full {
            e: hold.event_id,
            u: hold.user_id.clone(),
            s: hold.seat_ids.clone(),
            c: hold.code.clone(),
        };
        serde_json::to_string(&p).unwrap_or_default()
    }

    fn parse(value: &str) -> BackendResult<Pointer> {
        match Uuid::parse_str(value) {
            Ok(event) => Ok(Pointer::Event(event)),
            Err(_) => serde_json::from_str(value)
                .map_err(|e| BackendError::permanent("reading a hold's pointer", e)),
        }
    }

    fn event(&self) -> Uuid {
        match self {
            Pointer::Full { e, .. } | Pointer::Event(e) => *e,
        }
    }
}

/// The price plan hold.lua reads for one seat: its section's tiers (`tier,untilSold,until ms,price`
/// joined by `;`, a counted tier's count kept in the section's tier zset), then `|` and the
/// section's own price; the price alone for a section without tiers.
fn price_plan(event: &Event, seat: &str) -> String {
    let section = SeatId::parse(seat).and_then(|s| event.section(&s.section));
    let Some(section) = section else { return "0".into() };
    if section.tiers.is_empty() {
        return section.price_cents.to_string();
    }
    let steps: Vec<String> = section
        .tiers
        .iter()
        .zip(1..)
        .map(|(t, j)| {
            let until = t.until.map_or(0, millis);
            format!("{j},{},{until},{}", t.until_sold.unwrap_or(0), t.price_cents)
        })
        .collect();
    format!("{}|{}", steps.join(";"), section.price_cents)
}

/// The seats' prices from hold.lua's comma lists (tier 0: the section's own price); `None` unless
/// there is one of each per seat.
fn prices(faces: Option<&String>, tiers: Option<&String>, n: usize) -> Option<Vec<SeatPrice>> {
    let faces: Vec<i64> = faces?.split(',').map(str::parse).collect::<Result<_, _>>().ok()?;
    let tiers: Vec<u8> = tiers?.split(',').map(str::parse).collect::<Result<_, _>>().ok()?;
    (faces.len() == n && tiers.len() == n).then(|| {
        let tier = |t: u8| (t > 0).then_some(t);
        faces
            .into_iter()
            .zip(tiers)
            .map(|(f, t)| SeatPrice { price_cents: f, tier: tier(t) })
            .collect()
    })
}

#[async_trait]
impl SeatMap for RedisSeats {
    async fn snapshot(
        &self,
        event: Uuid,
        now: DateTime<Utc>,
    ) -> BackendResult<Option<SeatSnapshot>> {
        // A plain pipeline, not a script: the reply can be large, and a script would copy it.
        let (loaded, flat, reservations): (bool, Vec<String>, Vec<String>) = redis::pipe()
            .exists(self.key("loaded", event, None))
            .cmd("ZRANGE")
            .arg(self.key("held", event, None))
            .arg(format!("({}", millis(now)))
            .arg("+inf")
            .arg("BYSCORE")
            .arg("WITHSCORES")
            .hgetall(self.key("rsv", event, None))
            .query_async(&mut self.connection().await?)
            .await
            .map_err(fault("reading the seat map"))?;
        if !loaded {
            return Ok(None);
        }
        let mut snapshot = SeatSnapshot {
            taken: flat
                .chunks_exact(2)
                .map(|p| {
                    let score = p[1].parse::<f64>().unwrap_or(0.0);
                    let status = if score >= BLOCKED_SCORE as f64 {
                        SeatStatus::Blocked
                    } else if score >= BOOKED_SCORE as f64 {
                        SeatStatus::Booked
                    } else {
                        SeatStatus::Held
                    };
                    (p[0].clone(), status)
                })
                .collect(),
            reserved: Default::default(),
        };
        // A free seat set aside for a code until after `now` is RESERVED (as hold.lua judges it).
        for p in reservations.chunks_exact(2) {
            let Some((until, code)) = p[1].split_once(',') else { continue };
            let live = until.parse::<i64>().is_ok_and(|u| u > millis(now));
            if live && !snapshot.taken.contains_key(&p[0]) {
                snapshot.taken.insert(p[0].clone(), SeatStatus::Reserved);
                snapshot.reserved.insert(p[0].clone(), code.to_string());
            }
        }
        Ok(Some(snapshot))
    }

    async fn counts(&self, event: Uuid, now: DateTime<Utc>) -> BackendResult<Option<(u32, u32)>> {
        let reply: Option<Vec<u32>> = self
            .scripts
            .counts
            .key(self.key("loaded", event, None))
            .key(self.key("held", event, None))
            .arg(millis(now))
            .arg(BOOKED_SCORE)
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(fault("counting seats"))?;
        Ok(reply.and_then(|c| Some((*c.first()?, *c.get(1)?))))
    }

    async fn load(
        &self,
        event: Uuid,
        taken: &[TakenSeat],
        uses: &[LiveUse],
        now: DateTime<Utc>,
    ) -> BackendResult<()> {
        let mut inv = self.scripts.load.prepare_invoke();
        inv.key(self.key("loaded", event, None))
            .key(self.key("held", event, None))
            .key(self.key("holders", event, None))
            .key(self.key("owned", event, None));
        inv.arg(millis(now)).arg(BOOKED_SCORE).arg(BLOCKED_SCORE).arg(TIER_BAND).arg(uses.len());
        for u in uses {
            inv.arg(u.until.map_or(BOOKED_SCORE, millis)).arg(u.owner.to_string());
        }
        for t in taken {
            inv.key(self.key("hold", event, Some(&t.seat)));
            inv.key(self.key("user", event, Some(t.user.as_deref().unwrap_or("unknown"))));
            inv.key(self.seat_tier_key(event, &t.seat));
            let (owner, score) = match (t.status, t.booking) {
                (SeatStatus::Blocked, _) => ("blocked".to_string(), BLOCKED_SCORE),
                (_, b) => (
                    b.map(|b| b.to_string()).unwrap_or_else(|| "unknown".into()),
                    t.until.map(millis).unwrap_or(BOOKED_SCORE),
                ),
            };
            let user = if t.status == SeatStatus::Blocked { None } else { t.user.as_deref() };
            inv.arg(&t.seat)
                .arg(owner)
                .arg(score)
                .arg(user.unwrap_or_default())
                .arg(t.tier.unwrap_or(0));
        }
        for u in uses {
            inv.key(self.code_key(event, Some(&u.code)));
        }
        let _: i64 = inv
            .invoke_async(&mut self.connection().await?)
            .await
            .map_err(fault("loading the seat locks"))?;
        Ok(())
    }

    async fn tier_counts(
        &self,
        event: Uuid,
        sections: &[(String, u8)],
        now: DateTime<Utc>,
    ) -> BackendResult<Vec<Vec<u32>>> {
        if sections.is_empty() {
            return Ok(Vec::new());
        }
        let mut pipe = redis::pipe();
        for (section, n) in sections {
            for j in 1..=i64::from(*n) {
                let floor = j * TIER_BAND;
                pipe.zcount(
                    self.tier_key(event, section),
                    format!("({}", floor + millis(now)),
                    floor + TIER_BAND - 1,
                );
            }
        }
        let flat: Vec<u32> = pipe
            .query_async(&mut self.connection().await?)
            .await
            .map_err(fault("counting price tiers"))?;
        let mut flat = flat.into_iter();
        Ok(sections.iter().map(|(_, n)| flat.by_ref().take(usize::from(*n)).collect()).collect())
    }
}
