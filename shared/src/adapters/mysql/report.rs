//! The sales report of an event, from MySQL in one snapshot: seats by status, bookings by status
//! with the money of the confirmed ones (face, fees, tax), refunds, disputes, sales by category,
//! check-ins and the waitlist.

use sqlx::MySqlPool;
use uuid::Uuid;

use super::fault;
use crate::domain::code::CodeKind;
use crate::domain::report::{
    BookingCounts, CategorySales, ChannelSales, Channels, CodeSales, SalesReport, SeatCounts,
    TierSales, WaitlistCounts,
};
use crate::ports::{BackendError, BackendResult};

pub(super) async fn sales(pool: &MySqlPool, event: Uuid) -> BackendResult<SalesReport> {
    let what = "reading the sales report";
    let id = event.to_string();
    // One snapshot (REPEATABLE READ): the figures agree with each other.
    let mut tx = pool.begin().await.map_err(fault(what))?;
    let mut report = SalesReport {
        event_id: event,
        seats: SeatCounts::default(),
        bookings: BookingCounts::default(),
        revenue_cents: 0,
        face_cents: 0,
        fees_cents: 0,
        tax_cents: 0,
        refunded_cents: 0,
        disputes: 0,
        disputed_cents: 0,
        categories: Vec::new(),
        tiers: Vec::new(),
        discount_cents: 0,
        codes: Vec::new(),
        channels: Channels::default(),
        checked_in: 0,
        queue: None,
        waitlist: None,
    };
    let seats: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CAST(status AS CHAR), COUNT(*) FROM seats WHERE event_id = ? GROUP BY status",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await
    .map_err(fault(what))?;
    for (status, n) in seats {
        let n = n.max(0) as u64;
        match status.as_str() {
            "AVAILABLE" => report.seats.available = n,
            "HELD" => report.seats.held = n,
            "BOOKED" => report.seats.booked = n,
            "BLOCKED" => report.seats.blocked = n,
            other => {
                return Err(BackendError::permanent(what, anyhow::anyhow!("seat status {other}")))
            }
        }
    }
    let bookings: Vec<(String, i64, i64, i64, i64, i64)> = sqlx::query_as(
        "SELECT CAST(status AS CHAR), COUNT(*), CAST(COALESCE(SUM(total_cents), 0) AS SIGNED), \
         CAST(COALESCE(SUM(COALESCE(face_cents, total_cents) - discount_cents), 0) AS SIGNED), \
         CAST(COALESCE(SUM(fees_cents), 0) AS SIGNED), CAST(COALESCE(SUM(tax_cents), 0) AS SIGNED) \
         FROM bookings WHERE event_id = ? GROUP BY status",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await
    .map_err(fault(what))?;
    for (status, n, total, face, fees, tax) in bookings {
        let n = n.max(0) as u64;
        match status.as_str() {
            "PENDING" => report.bookings.pending = n,
            "CONFIRMED" => {
                report.bookings.confirmed = n;
                report.revenue_cents = total;
                (report.face_cents, report.fees_cents, report.tax_cents) = (face, fees, tax);
            }
            "CANCELLED" => report.bookings.cancelled = n,
            "EXPIRED" => report.bookings.expired = n,
            other => {
                return Err(BackendError::permanent(
                    what,
                    anyhow::anyhow!("booking status {other}"),
                ))
            }
        }
    }
    report.refunded_cents = sqlx::query_scalar!(
        "SELECT CAST(COALESCE(SUM(p.refunded_cents), 0) AS SIGNED) FROM payments p \
         JOIN bookings b ON b.id = p.booking_id WHERE b.event_id = ?",
        &id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(fault(what))?;
    let disputes = sqlx::query!(
        "SELECT COUNT(*) AS n, CAST(COALESCE(SUM(dispute_amount_cents), 0) AS SIGNED) AS cents              FROM bookings WHERE event_id = ? AND dispute_status IS NOT NULL",
        &id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(fault(what))?;
    (report.disputes, report.disputed_cents) = (disputes.n.max(0) as u64, disputes.cents);
    let categories: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT sec.category, COUNT(*), CAST(COALESCE(SUM(COALESCE(bs.price_cents, s.price_cents)), 0) AS SIGNED) FROM bookings b \
         JOIN booking_seats bs ON bs.booking_id = b.id AND bs.released_at IS NULL \
         JOIN seats s ON s.event_id = bs.event_id AND s.seat_id = bs.seat_id \
         JOIN sections sec ON sec.event_id = s.event_id AND sec.name = s.section \
         WHERE b.event_id = ? AND b.status = 'CONFIRMED' GROUP BY sec.category ORDER BY sec.category",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await
    .map_err(fault(what))?;
    report.categories = categories
        .into_iter()
        .map(|(category, booked, revenue_cents)| CategorySales {
            category,
            booked: booked.max(0) as u64,
            revenue_cents,
        })
        .collect();
    let tiers: Vec<(String, Option<u8>, i64, i64)> = sqlx::query_as(
        "SELECT s.section, bs.tier, COALESCE(bs.price_cents, s.price_cents) AS face, COUNT(*) FROM bookings b \
         JOIN booking_seats bs ON bs.booking_id = b.id AND bs.released_at IS NULL \
         JOIN seats s ON s.event_id = bs.event_id AND s.seat_id = bs.seat_id \
         WHERE b.event_id = ? AND b.status = 'CONFIRMED' GROUP BY s.section, bs.tier, face \
         ORDER BY s.section, bs.tier IS NOT NULL DESC, bs.tier, face",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await
    .map_err(fault(what))?;
    report.tiers = tiers
        .into_iter()
        .map(|(section, tier, price_cents, booked)| TierSales {
            section,
            tier,
            price_cents,
            booked: booked.max(0) as u64,
            face_cents: price_cents * booked,
        })
        .collect();
    let by_code = sqlx::query!(
        "SELECT b.code AS `code!`, CAST(c.kind AS CHAR) AS `kind!`, COUNT(*) AS orders, \
         CAST(COALESCE(SUM(b.total_cents), 0) AS SIGNED) AS `revenue!: i64`, \
         CAST(COALESCE(SUM(b.discount_cents), 0) AS SIGNED) AS `discount!: i64` FROM bookings b \
         JOIN event_codes c ON c.event_id = b.event_id AND c.code = b.code \
         WHERE b.event_id = ? AND b.status = 'CONFIRMED' GROUP BY b.code, c.kind ORDER BY b.code",
        &id
    )
    .fetch_all(&mut *tx)
    .await
    .map_err(fault(what))?;
    for r in by_code {
        let kind = CodeKind::parse(&r.kind).ok_or_else(|| {
            BackendError::permanent(what, anyhow::anyhow!("code kind {}", r.kind))
        })?;
        report.discount_cents += r.discount;
        report.codes.push(CodeSales {
            code: r.code,
            kind,
            orders: r.orders.max(0) as u64,
            revenue_cents: r.revenue,
            discount_cents: r.discount,
        });
    }
    let all =
        ChannelSales { orders: report.bookings.confirmed, revenue_cents: report.revenue_cents };
    report.channels = Channels::of(&report.codes, all);
    let checked_in: i64 = sqlx::query_scalar!(
        "SELECT COUNT(*) FROM tickets WHERE event_id = ? AND status = 'CHECKED_IN'",
        &id
    )
    .fetch_one(&mut *tx)
    .await
    .map_err(fault(what))?;
    report.checked_in = checked_in.max(0) as u64;
    let line: Vec<(String, i64)> = sqlx::query_as(
        "SELECT CAST(status AS CHAR), COUNT(*) FROM waitlist WHERE event_id = ? GROUP BY status",
    )
    .bind(&id)
    .fetch_all(&mut *tx)
    .await
    .map_err(fault(what))?;
    if !line.is_empty() {
        let mut w = WaitlistCounts::default();
        for (status, n) in line {
            let n = n.max(0) as u64;
            match status.as_str() {
                "WAITING" => w.waiting = n,
                "OFFERED" => w.offered = n,
                "ACCEPTED" => w.accepted = n,
                "EXPIRED" => w.expired = n,
                _ => w.left = n,
            }
        }
        report.waitlist = Some(w);
    }
    tx.commit().await.map_err(fault(what))?;
    Ok(report)
}
