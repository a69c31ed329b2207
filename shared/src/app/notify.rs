//! The notifications consumer: a confirmed, cancelled or expired booking, and a refund, become an
//! email (SES) and, where the buyer gave a phone number, an SMS (SNS). Each send is claimed in the
//! ledger first (`notify#<message>#<channel>`), so a redelivered message never mails twice; a send
//! that fails gives its claim back, so the retry sends it.

use super::{App, AppError, AppResult, Handled, Resource};
use crate::domain::message::{Message, PresaleCodeIssued, WaitlistOffered};
use crate::domain::notification::{
    booking_notice, dispute_notice, offer_notice, presale_notice, refund_notice, transfer_notice,
    Notice, BOOKING_NOTICES, DISPUTE_NOTICE, OFFER_NOTICE, PRESALE_NOTICE, REFUND_NOTICE,
    TRANSFER_NOTICE,
};
use crate::domain::{BookingStatus, Envelope, RuleError};
use crate::metrics::{self, Metric};

pub async fn notify(app: &App, messages: Vec<Envelope>) -> AppResult<Handled> {
    let mut out = Handled::default();
    for m in messages {
        let kind = m.kind();
        if !BOOKING_NOTICES.contains(&kind)
            && kind != REFUND_NOTICE
            && kind != TRANSFER_NOTICE
            && kind != OFFER_NOTICE
            && kind != DISPUTE_NOTICE
            && kind != PRESALE_NOTICE
        {
            out.skipped += 1;
            continue;
        }
        match notice_of(app, &m).await {
            Ok(None) => out.skipped += 1,
            Ok(Some((notice, to))) => {
                let sent = deliver(app, &m, &notice, &to).await;
                match sent {
                    Ok(0) => out.skipped += 1,
                    Ok(_) => out.done += 1,
                    Err(AppError::Backend(e)) if e.is_transient() => {
                        return Err(AppError::Backend(e))
                    }
                    Err(e) => out.rejected.push((m, e.to_string())),
                }
            }
            Err(AppError::Backend(e)) if e.is_transient() => return Err(AppError::Backend(e)),
            Err(e) => out.rejected.push((m, e.to_string())),
        }
    }
    Ok(out)
}

/// Where a buyer is reached: email and phone, either possibly absent.
type Recipient = (Option<String>, Option<String>);

/// The notice a message calls for, and its recipient (from the booking, which keeps the buyer's
/// contact off Kafka); `None` when it calls for none.
async fn notice_of(app: &App, m: &Envelope) -> AppResult<Option<(Notice, Recipient)>> {
    if let Message::WaitlistOffered(offer) = &m.data {
        return offer_of(app, offer).await;
    }
    if let Message::PresaleCodeIssued(issued) = &m.data {
        return presale_of(app, issued).await;
    }
    let booking_id = m
        .data
        .booking_id()
        .ok_or(RuleError::invalid("bookingId", "a message without a booking id"))?;
    let booking =
        app.bookings.get(booking_id).await?.ok_or(AppError::NotFound(Resource::Booking))?;
    let event = app.event(booking.event_id).await?;
    let notice = match &m.data {
        Message::TicketTransferred(t) => {
            // The buyer of the booking is told when they gave a ticket away (a later holder's own
            // transfer reaches nobody: a user id gives no address without a user directory).
            if t.from_user_id != booking.user_id {
                return Ok(None);
            }
            transfer_notice(&booking, &t.seat_id, &t.to_user_id, &event.name)
        }
        Message::PaymentDisputed(d) => {
            // The organiser's desk hears of it, not the buyer (whose bank opened it).
            let Some(desk) = app.config.payments.disputes_email.clone() else { return Ok(None) };
            let notice = dispute_notice(&booking, &d.dispute, &d.currency, &event.name);
            return Ok(Some((notice, (Some(desk), None))));
        }
        Message::PaymentRefunded(p) => {
            // What this refund gives back (all of the payment when the provider refunded it).
            let amount = p.refund_cents.unwrap_or(p.amount_cents);
            refund_notice(&booking, amount, &p.currency, &event.name)
        }
        Message::BookingConfirmed(b)
        | Message::BookingCancelled(b)
        | Message::BookingExpired(b) => {
            let mut notice =
                booking_notice(&booking, b.status, &event.name).ok_or(RuleError::invalid(
                    "status",
                    format!("no notice for a {} booking", b.status.as_str()),
                ))?;
            if b.status == BookingStatus::Confirmed {
                // The tickets, written by the transaction that confirmed the booking: show the code
                // (or its QR code, `GET /api/v1/tickets/{id}/qr.svg`) at the door.
                notice.text.push_str("\n\nYour tickets (show the code at the door):\n");
                for t in app.tickets.for_booking(booking.id).await? {
                    let code = app.ticket_code(&t);
                    notice.text.push_str(&format!(
                        "  {} ({}): {}\n",
                        t.seat_id,
                        t.status.as_str(),
                        code
                    ));
                }
            }
            notice
        }
        _ => return Ok(None),
    };
    Ok(Some((notice, (booking.contact.email, booking.contact.phone))))
}

/// The notice of a waitlist offer, to the contact the user gave when joining (kept off Kafka).
async fn offer_of(app: &App, offer: &WaitlistOffered) -> AppResult<Option<(Notice, Recipient)>> {
    let Some(entry) = app.waitlist.get(offer.event_id, &offer.user_id).await? else {
        return Ok(None);
    };
    let event = app.event(offer.event_id).await?;
    let until = offer.expires_at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    let notice = offer_notice(&event.name, &offer.seat_ids, &offer.hold_id.to_string(), &until);
    Ok(Some((notice, (entry.contact.email, entry.contact.phone))))
}

/// The drawn registrant's notice: their code and its window, read from the registration.
async fn presale_of(
    app: &App,
    issued: &PresaleCodeIssued,
) -> AppResult<Option<(Notice, Recipient)>> {
    let Some((reg, contact)) = app.presale.registration(issued.event_id, &issued.user_id).await?
    else {
        return Ok(None);
    };
    let Some(code) = reg.code else { return Ok(None) };
    let event = app.event(issued.event_id).await?;
    let stored = app.codes.get(issued.event_id, &code).await?;
    let at = |t: Option<chrono::DateTime<chrono::Utc>>, or: &str| {
        t.map_or(or.to_string(), |t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    };
    let (from, until) = stored.map_or((None, None), |c| (c.valid_from, c.valid_until));
    let notice =
        presale_notice(&event.name, &code, &at(from, "now"), &at(until, "the general sale"));
    Ok(Some((notice, (contact.email, contact.phone))))
}

/// Sends on each channel the buyer has and this message has not used yet; returns how many sent.
async fn deliver(
    app: &App,
    m: &Envelope,
    notice: &Notice,
    (email, phone): &Recipient,
) -> AppResult<usize> {
    let mut sent = 0;
    for (channel, to) in [("email", email), ("sms", phone)] {
        let Some(to) = to else { continue };
        let key = format!("notify#{}#{channel}", m.id);
        if !app.claims.claim(&key, app.now()).await? {
            continue;
        }
        let result = match channel {
            "email" => app.notifier.email(to, &notice.subject, &notice.text).await,
            _ => app.notifier.sms(to, &notice.sms).await,
        };
        if let Err(e) = result {
            app.claims.release(&key).await?;
            return Err(e.into());
        }
        tracing::info!(message = %m.id, kind = %m.kind(), channel, "notification sent");
        metrics::count(Metric::NotificationsSent, 1);
        sent += 1;
    }
    Ok(sent)
}
