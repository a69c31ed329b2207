//! What a buyer is told, and how: the email and SMS templates for booking and refund messages.

use super::{Booking, BookingStatus, MessageKind};

/// One message to a buyer: the email's subject and text, and the shorter SMS text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub subject: String,
    pub text: String,
    pub sms: String,
}

/// The booking message types a buyer hears about.
pub const BOOKING_NOTICES: [MessageKind; 3] =
    [MessageKind::BookingConfirmed, MessageKind::BookingCancelled, MessageKind::BookingExpired];
/// The payment message type a buyer hears about.
pub const REFUND_NOTICE: MessageKind = MessageKind::PaymentRefunded;
/// The ticket message type the buyer who gave a ticket away hears about.
pub const TRANSFER_NOTICE: MessageKind = MessageKind::TicketTransferred;
/// The payment message type the organiser hears about (at `DISPUTES_EMAIL`).
pub const DISPUTE_NOTICE: MessageKind = MessageKind::PaymentDisputed;
/// The waitlist message type the waiting buyer hears about.
pub const OFFER_NOTICE: MessageKind = MessageKind::WaitlistOffered;
/// The presale message type a drawn registrant hears about.
pub const PRESALE_NOTICE: MessageKind = MessageKind::PresaleCodeIssued;

/// The notice of a presale access code won in a draw, good from `from` until `until` (RFC 3339,
/// or "the presale's start" / "the general sale" when the code has no such limit).
pub fn presale_notice(event_name: &str, code: &str, from: &str, until: &str) -> Notice {
    Notice {
        subject: format!("Your presale code for {event_name}: {code}"),
        text: format!(
            "You were drawn for the presale of {event_name}. Your code is {code}.\nUse it from {from} until {until} to buy before the general sale; it works for one order.\n"
        ),
        sms: format!("{event_name} presale: your code {code}, from {from} until {until}. One order."),
    }
}

/// The notice of seats held for a waitlisted buyer until `until` (RFC 3339).
pub fn offer_notice(event_name: &str, seats: &[String], hold: &str, until: &str) -> Notice {
    let seats = seats.join(", ");
    Notice {
        subject: format!("Seats for you: {event_name}"),
        text: format!(
            "Seats came free for {event_name} and are held for you: {seats}.
Book them before {until}              (the hold {hold}), or they go to the next person waiting.
"
        ),
        sms: format!("{event_name}: {seats} held for you until {until}. Book with hold {hold}."),
    }
}

/// The notice to the buyer who gave the ticket for `seat` to `to_user`.
pub fn transfer_notice(b: &Booking, seat: &str, to_user: &str, event_name: &str) -> Notice {
    let reference = &b.id.simple().to_string()[..12];
    Notice {
        subject: format!("Ticket transferred: {event_name}"),
        text: format!(
            "Your ticket for seat {seat} now belongs to {to_user}; its old code no longer admits.\nBooking reference: {reference}\n"
        ),
        sms: format!("Ticket {seat} for {event_name} transferred to {to_user}. Ref {reference}"),
    }
}

/// The notice to the organiser of a chargeback on booking `b`'s payment.
pub fn dispute_notice(b: &Booking, d: &super::Dispute, currency: &str, event_name: &str) -> Notice {
    let reference = &b.id.simple().to_string()[..12];
    let amount = money(d.amount_cents, currency);
    Notice {
        subject: format!("Chargeback on a booking: {event_name}"),
        text: format!(
            "The buyer's bank disputes {amount} paid for booking {reference} ({seats}).\nReason: {reason}\nStatus: {status}\n\nAnswer it in Stripe's dashboard before its deadline; the booking and its tickets stand until then.\n",
            seats = b.seat_ids.join(", "),
            reason = d.reason,
            status = d.status,
        ),
        sms: format!("Chargeback {amount} on booking {reference} ({event_name}): {}", d.reason),
    }
}

pub use super::price::money;

/// The notice for a booking now in `status` (as its message said), for an event called `event_name`.
pub fn booking_notice(b: &Booking, status: BookingStatus, event_name: &str) -> Option<Notice> {
    let seats = b.seat_ids.join(", ");
    let reference = &b.id.simple().to_string()[..12];
    let total = money(b.total_cents, &b.currency);
    let (subject, body, sms) = match status {
        BookingStatus::Confirmed => (
            format!("Your tickets for {event_name}"),
            format!("Your booking is confirmed.\n\nSeats: {seats}\nTotal paid: {total}"),
            format!("Confirmed: {event_name}, seats {seats}. Ref {reference}"),
        ),
        BookingStatus::Cancelled => (
            format!("Booking cancelled: {event_name}"),
            format!("Your booking was cancelled and its seats released.\n\nSeats: {seats}\nAny payment is refunded in full."),
            format!("Cancelled: {event_name}, seats {seats}. Ref {reference}"),
        ),
        BookingStatus::Expired => (
            format!("Your seats for {event_name} were released"),
            format!("The booking was not paid before its deadline, so its seats were released.\n\nSeats: {seats}"),
            format!("Expired unpaid: {event_name}, seats {seats}. Ref {reference}"),
        ),
        BookingStatus::Pending => return None,
    };
    Some(Notice { subject, text: format!("{body}\nBooking reference: {reference}\n"), sms })
}

/// The notice for a refund of `amount_cents` on a booking.
pub fn refund_notice(b: &Booking, amount_cents: i64, currency: &str, event_name: &str) -> Notice {
    let reference = &b.id.simple().to_string()[..12];
    let amount = money(amount_cents, currency);
    Notice {
        subject: format!("Refund of {amount} for {event_name}"),
        text: format!(
            "We refunded {amount} to your payment method.\n\nBooking reference: {reference}\n"
        ),
        sms: format!("Refunded {amount} for {event_name}. Ref {reference}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::booking::tests::booking;

    #[test]
    fn each_status_a_buyer_hears_about_has_its_notice() {
        let b = booking();
        let confirmed = booking_notice(&b, BookingStatus::Confirmed, "Opera").unwrap();
        assert_eq!(confirmed.subject, "Your tickets for Opera");
        assert!(
            confirmed.text.contains("Seats: A-1-1, A-1-2") && confirmed.text.contains("120.00 EUR"),
            "{confirmed:?}"
        );
        assert!(confirmed.sms.len() <= 160, "one SMS segment");
        assert!(booking_notice(&b, BookingStatus::Expired, "Opera")
            .unwrap()
            .text
            .contains("not paid"));
        assert!(booking_notice(&b, BookingStatus::Cancelled, "Opera")
            .unwrap()
            .subject
            .starts_with("Booking cancelled"));
        assert_eq!(booking_notice(&b, BookingStatus::Pending, "Opera"), None);
    }

    #[test]
    fn money_is_written_with_cents() {
        assert_eq!(money(5, "USD"), "0.05 USD");
        assert_eq!(money(123_456, "EUR"), "1234.56 EUR");
        assert_eq!(
            refund_notice(&booking(), 12_000, "EUR", "Opera").subject,
            "Refund of 120.00 EUR for Opera"
        );
    }
}
