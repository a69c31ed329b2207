//! The steps a booking's and a payment's transactions share: reading and locking their rows (booking
//! first, then its payments, then its seats), and storing what a plan of `domain::settlement`
//! decided (a status move with its seats, tickets and messages; a payment's move; a refund owed).
//! Both `bookings` and `payments` build on this module; neither imports the other. The steps put
//! their messages in the transaction's `out`, and `outbox::commit` writes them all at once (one
//! insert of history rows, each with its message, and one of their seats, however many steps),
//! then commits.

use chrono::{DateTime, Utc};
use sqlx::{MySql, QueryBuilder, Row, Transaction};
use uuid::Uuid;

use super::codes::give_back_use;
use super::rows::{booking_rows, payment_rows, PaymentRow};
use super::{in_list, Abort};
use crate::domain::message::{
    announce, payment_message, refund_message, IssuedTicket, Message, TicketsIssued,
    TicketsRevoked, REVOKED_BY_CANCEL,
};
use crate::domain::settlement::{refunds_on_leave, RefundOwed};
use crate::domain::{Booking, BookingStatus, Envelope, Payment, PaymentStatus, Refund, SeatStatus};
use crate::ports::BackendError;

/// The booking without its seats (`seat_ids` empty), its row locked for the rest of the
/// transaction: enough to decide whether it may be paid.
pub(super) async fn locked_order(
    tx: &mut Transaction<'_, MySql>,
    id: Uuid,
) -> Result<Option<Booking>, sqlx::Error> {
    let row =
        booking_rows!("WHERE id = ? FOR UPDATE", id.to_string()).fetch_optional(&mut **tx).await?;
    row.map(|r| r.booking()).transpose()
}

/// The booking with its seats, its row locked for the rest of the transaction.
pub(super) async fn locked_booking(
    tx: &mut Transaction<'_, MySql>,
    id: Uuid,
) -> Result<Option<Booking>, sqlx::Error> {
    let Some(mut b) = locked_order(tx, id).await? else { return Ok(None) };
    b.seat_ids = sqlx::query_scalar!(
        "SELECT seat_id FROM booking_seats WHERE booking_id = ? AND released_at IS NULL ORDER BY seat_id",
        id.to_string()
    )
    .fetch_all(&mut **tx)
    .await?;
    Ok(Some(b))
}

/// The payment, its row locked (after its booking's).
pub(super) async fn locked_payment(
    tx: &mut Transaction<'_, MySql>,
    id: Uuid,
) -> Result<Payment, sqlx::Error> {
    payment_rows!("WHERE id = ? FOR UPDATE", id.to_string()).fetch_one(&mut **tx).await?.payment()
}

/// The booking's PROCESSING and SUCCEEDED payments, oldest first, their rows locked (after the
/// booking's): what a plan that gives money back decides on.
pub(super) async fn live_payments(
    tx: &mut Transaction<'_, MySql>,
    booking: Uuid,
) -> Result<Vec<Payment>, sqlx::Error> {
    payment_rows!(
        "WHERE booking_id = ? AND status IN ('PROCESSING', 'SUCCEEDED') ORDER BY created_at FOR UPDATE",
        booking.to_string()
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(PaymentRow::payment)
    .collect()
}

/// Sets the status of the booking's seats, bumping each row's version, in primary-key order.
pub(super) async fn set_seats(
    tx: &mut Transaction<'_, MySql>,
    b: &Booking,
    to: SeatStatus,
) -> Result<(), sqlx::Error> {
    let mut q = QueryBuilder::new("UPDATE seats FORCE INDEX (PRIMARY) SET status = ");
    q.push_bind(to.as_str())
        .push(", version = version + 1 WHERE event_id = ")
        .push_bind(b.event_id.to_string())
        .push(" AND seat_id IN ");
    in_list(&mut q, &b.seat_ids);
    q.build().execute(&mut **tx).await?;
    Ok(())
}

/// Moves a locked booking to `to` with its seats, its messages put in `out`; issues its tickets
/// when it becomes CONFIRMED; revokes them and owes back what is left of its SUCCEEDED payments
/// ([`refunds_on_leave`]) when it leaves the live statuses. A move that is no step of the status
/// machine ([`BookingStatus::may_become`]) is refused: nothing is written. Returns the refunds
/// owed.
pub(super) async fn apply(
    tx: &mut Transaction<'_, MySql>,
    b: &mut Booking,
    to: BookingStatus,
    now: DateTime<Utc>,
    out: &mut Vec<Envelope>,
) -> Result<Vec<Refund>, Abort> {
    apply_keeping(tx, b, to, now, 0, out).await
}

/// [`apply`], keeping `keep` of what was paid when the booking leaves the live statuses.
pub(super) async fn apply_keeping(
    tx: &mut Transaction<'_, MySql>,
    b: &mut Booking,
    to: BookingStatus,
    now: DateTime<Utc>,
    keep: i64,
    out: &mut Vec<Envelope>,
) -> Result<Vec<Refund>, Abort> {
    if !b.status.may_become(to) {
        return Err(Abort::Fail(BackendError::permanent(
            format!("changing booking {}", b.id),
            anyhow::anyhow!(
                "{} -> {} is no step of the status machine",
                b.status.as_str(),
                to.as_str()
            ),
        )));
    }
    sqlx::query!(
        "UPDATE bookings SET status = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        to.as_str(),
        now,
        b.id.to_string()
    )
    .execute(&mut **tx)
    .await?;
    out.extend(announce(b, to, now));
    if to == BookingStatus::Confirmed {
        set_seats(tx, b, SeatStatus::Booked).await?;
        out.push(issue_tickets(tx, b, now).await?);
    } else {
        set_seats(tx, b, SeatStatus::Available).await?;
        out.extend(revoke_tickets(tx, b, None, now).await?);
        sqlx::query!("UPDATE booking_seats SET live = NULL WHERE booking_id = ?", b.id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    // An order that goes unpaid gives its code's use back; a paid one keeps it, cancelled or not.
    if b.status == BookingStatus::Pending && !to.is_live() {
        give_back_use(tx, b, now).await?;
    }
    let mut refunded = Vec::new();
    if !to.is_live() {
        let mut payments = live_payments(tx, b.id).await?;
        for owed in refunds_on_leave(&payments, keep) {
            refunded.push(owe_refund(tx, &mut payments, b.event_id, owed, now, out).await?);
        }
    }
    b.status = to;
    b.updated_at = now;
    b.version += 1;
    Ok(refunded)
}

/// One VALID ticket per seat of a booking that is becoming CONFIRMED (in its transaction), and
/// the `TicketsIssued` message that announces them.
pub(super) async fn issue_tickets(
    tx: &mut Transaction<'_, MySql>,
    b: &Booking,
    now: DateTime<Utc>,
) -> Result<Envelope, sqlx::Error> {
    let tickets: Vec<(Uuid, &String)> = b.seat_ids.iter().map(|s| (Uuid::now_v7(), s)).collect();
    let mut q = sqlx::QueryBuilder::new(
        "INSERT INTO tickets (id, booking_id, event_id, seat_id, holder_user_id, status, live, created_at, updated_at) ",
    );
    q.push_values(&tickets, |mut row, (id, seat)| {
        row.push_bind(id.to_string())
            .push_bind(b.id.to_string())
            .push_bind(b.event_id.to_string())
            .push_bind(seat)
            .push_bind(&b.user_id)
            .push_bind("VALID")
            .push_bind(1)
            .push_bind(now)
            .push_bind(now);
    });
    q.build().execute(&mut **tx).await?;
    let tickets = tickets
        .iter()
        .map(|(id, seat)| IssuedTicket {
            ticket_id: *id,
            seat_id: seat.to_string(),
            holder_user_id: b.user_id.clone(),
        })
        .collect();
    let issued = TicketsIssued { booking_id: b.id, event_id: b.event_id, tickets };
    Ok(Envelope::new(b.event_id, now, Message::TicketsIssued(issued)))
}

/// Revokes the live tickets of a booking's seats that are being cancelled (in its transaction): all
/// of them, or those of `seats` only; the `TicketRevoked` message if there were any.
pub(super) async fn revoke_tickets(
    tx: &mut Transaction<'_, MySql>,
    b: &Booking,
    seats: Option<&[String]>,
    now: DateTime<Utc>,
) -> Result<Option<Envelope>, sqlx::Error> {
    let booking = b.id;
    let mut q =
        sqlx::QueryBuilder::new("SELECT id, seat_id FROM tickets WHERE live = 1 AND booking_id = ");
    q.push_bind(booking.to_string());
    if let Some(seats) = seats {
        q.push(" AND seat_id IN ");
        in_list(&mut q, seats);
    }
    q.push(" ORDER BY id FOR UPDATE");
    let rows = q.build().fetch_all(&mut **tx).await?;
    if rows.is_empty() {
        return Ok(None);
    }
    let mut ids = Vec::with_capacity(rows.len());
    let mut seat_ids = Vec::with_capacity(rows.len());
    for r in &rows {
        ids.push(r.try_get::<String, _>("id")?);
        seat_ids.push(r.try_get::<String, _>("seat_id")?);
    }
    let mut q = sqlx::QueryBuilder::new(
        "UPDATE tickets SET status = 'REVOKED', live = NULL, revoked_at = ",
    );
    q.push_bind(now).push(", updated_at = ").push_bind(now);
    q.push(", version = version + 1 WHERE id IN ");
    in_list(&mut q, &ids);
    q.build().execute(&mut **tx).await?;
    let revoked = TicketsRevoked {
        booking_id: booking,
        event_id: b.event_id,
        ticket_ids: ids,
        seat_ids,
        reason: REVOKED_BY_CANCEL.to_string(),
    };
    Ok(Some(Envelope::new(b.event_id, now, Message::TicketRevoked(revoked))))
}

/// Moves a locked payment to `status` (with a failure reason, if any), bumps its version, and
/// puts its announcement in `out`.
pub(super) async fn move_payment(
    tx: &mut Transaction<'_, MySql>,
    p: &mut Payment,
    status: PaymentStatus,
    reason: Option<&str>,
    event: Uuid,
    now: DateTime<Utc>,
    out: &mut Vec<Envelope>,
) -> Result<(), Abort> {
    sqlx::query!(
        "UPDATE payments SET status = ?, failure_reason = COALESCE(?, failure_reason), updated_at = ?, version = version + 1 WHERE id = ?",
        status.as_str(),
        reason,
        now,
        p.id.to_string()
    )
        .execute(&mut **tx)
        .await?;
    p.status = status;
    if let Some(r) = reason {
        p.failure_reason = Some(r.to_string());
    }
    out.push(payment_message(p, event, now));
    Ok(())
}

/// Owes back `owed` from one of the locked `payments`, in the transaction that decided it: the
/// refund row (sent to the provider after the commit, under its id as idempotency key), the
/// payment's refunded total (REFUNDED once it reaches the amount) and the `PaymentRefunded` message
/// (in `out`).
pub(super) async fn owe_refund(
    tx: &mut Transaction<'_, MySql>,
    payments: &mut [Payment],
    event: Uuid,
    owed: RefundOwed,
    now: DateTime<Utc>,
    out: &mut Vec<Envelope>,
) -> Result<Refund, Abort> {
    let Some(p) = payments.iter_mut().find(|p| p.id == owed.payment_id) else {
        return Err(Abort::Fail(BackendError::permanent(
            "owing a refund",
            anyhow::anyhow!("payment {} is not among the locked ones", owed.payment_id),
        )));
    };
    let refund = Refund {
        id: Uuid::now_v7(),
        payment_id: p.id,
        booking_id: p.booking_id,
        event_id: event,
        amount_cents: owed.amount_cents,
        currency: p.currency.clone(),
        reason: owed.reason,
    };
    sqlx::query!(
        "INSERT INTO refunds (id, payment_id, booking_id, event_id, amount_cents, currency, reason, created_at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        refund.id.to_string(),
        p.id.to_string(),
        p.booking_id.to_string(),
        event.to_string(),
        refund.amount_cents,
        &p.currency,
        refund.reason.as_str(),
        now
    )
    .execute(&mut **tx)
    .await?;
    p.refunded_cents += refund.amount_cents;
    if p.refunded_cents >= p.amount_cents {
        p.status = PaymentStatus::Refunded;
    }
    sqlx::query!(
        "UPDATE payments SET status = ?, refunded_cents = ?, updated_at = ?, version = version + 1 WHERE id = ?",
        p.status.as_str(),
        p.refunded_cents,
        now,
        p.id.to_string()
    )
        .execute(&mut **tx)
        .await?;
    out.push(refund_message(p, &refund, now));
    Ok(refund)
}
