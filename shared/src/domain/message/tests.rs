//! Message types, topics, the wire format of each type, and seat changes as pushes.

use chrono::Utc;
use serde_json::{json, Value};
use uuid::Uuid;

use super::*;

/// One message of each type as the system wrote it to Kafka before the data was typed (the same
/// fields, values and nulls): reading and writing each gives it back unchanged.
const RECORDED: &[&str] = &[
    r#"{"id":"0190a0b0-0000-7000-8000-000000000001","type":"BookingCreated","occurredAt":"2027-03-01T19:00:00.123Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatIds":["A-1-1","A-1-2"],"totalCents":12000,"currency":"EUR","status":"PENDING"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000002","type":"BookingConfirmed","occurredAt":"2027-03-01T19:00:01Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatIds":["A-1-1","A-1-2"],"totalCents":12000,"currency":"EUR","status":"CONFIRMED"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000003","type":"BookingCancelled","occurredAt":"2027-03-01T19:00:02Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatIds":["A-1-1"],"totalCents":6000,"currency":"EUR","status":"CANCELLED"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000004","type":"BookingExpired","occurredAt":"2027-03-01T19:00:03Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatIds":["A-1-1"],"totalCents":6000,"currency":"EUR","status":"EXPIRED"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000005","type":"BookingSeatsCancelled","occurredAt":"2027-03-01T19:00:04Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatIds":["A-1-2"],"keptSeatIds":["A-1-1"],"totalCents":6000,"currency":"EUR","status":"CONFIRMED","cancelledCents":6000}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000006","type":"SeatsHeld","occurredAt":"2027-03-01T19:00:05Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-1","seatIds":["A-1-1","A-1-2"],"holdId":"0190a0b0-0000-7000-8000-0000000000a1","userId":"ann"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000007","type":"SeatsReleased","occurredAt":"2027-03-01T19:00:06Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-2","seatIds":["A-1-1"],"holdId":"0190a0b0-0000-7000-8000-0000000000a1"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000008","type":"SeatsBooked","occurredAt":"2027-03-01T19:00:07Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-3","seatIds":["A-1-2"],"bookingId":"0190a0b0-0000-7000-8000-0000000000b1"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000009","type":"SeatsBlocked","occurredAt":"2027-03-01T19:00:08Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-4","seatIds":["B-1-1"]}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-00000000000a","type":"SeatsUnblocked","occurredAt":"2027-03-01T19:00:09Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-5","seatIds":["B-1-1"]}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000015","type":"SeatsReserved","occurredAt":"2027-03-01T09:00:00Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-6","seatIds":["C-1-1","C-1-2"]}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000016","type":"SeatsUnreserved","occurredAt":"2027-03-01T10:00:00Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","logPosition":"1700000000000-7","seatIds":["C-1-2"]}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-00000000000b","type":"PaymentSucceeded","occurredAt":"2027-03-01T19:00:10Z","data":{"paymentId":"0190a0b0-0000-7000-8000-0000000000c1","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","amountCents":12000,"currency":"EUR","failureReason":null,"status":"SUCCEEDED","refundedCents":0}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-00000000000c","type":"PaymentFailed","occurredAt":"2027-03-01T19:00:11Z","data":{"paymentId":"0190a0b0-0000-7000-8000-0000000000c1","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","amountCents":12000,"currency":"EUR","failureReason":"card_declined","status":"FAILED","refundedCents":0}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-00000000000d","type":"PaymentRefunded","occurredAt":"2027-03-01T19:00:12Z","data":{"paymentId":"0190a0b0-0000-7000-8000-0000000000c1","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","amountCents":12000,"currency":"EUR","failureReason":null,"status":"SUCCEEDED","refundedCents":6000,"refundId":"0190a0b0-0000-7000-8000-0000000000d1","refundCents":6000,"reason":"PARTIAL_CANCEL"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-00000000000e","type":"PaymentRefunded","occurredAt":"2027-03-01T19:00:13Z","data":{"paymentId":"0190a0b0-0000-7000-8000-0000000000c1","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","userId":"ann","amountCents":12000,"currency":"EUR","failureReason":null,"status":"REFUNDED","refundedCents":12000}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000014","type":"PaymentDisputed","occurredAt":"2027-03-02T10:00:00Z","data":{"paymentId":"0190a0b0-0000-7000-8000-0000000000c1","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","eventId":"0190a0b0-0000-7000-8000-0000000000e1","userId":"ann","currency":"EUR","status":"needs_response","amountCents":12000,"reason":"fraudulent"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-00000000000f","type":"TicketsIssued","occurredAt":"2027-03-01T19:00:14Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","eventId":"0190a0b0-0000-7000-8000-0000000000e1","tickets":[{"ticketId":"0190a0b0-0000-7000-8000-0000000000f1","seatId":"A-1-1","holderUserId":"ann"}]}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000010","type":"TicketCheckedIn","occurredAt":"2027-03-01T19:00:15Z","data":{"ticketId":"0190a0b0-0000-7000-8000-0000000000f1","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatId":"A-1-1","gate":"north-1","direction":"IN","staffId":"steward","at":"2027-03-01T19:00:15Z","scannedAt":"2027-03-01T19:00:14.500Z"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000011","type":"TicketTransferred","occurredAt":"2027-03-01T19:00:16Z","data":{"ticketId":"0190a0b0-0000-7000-8000-0000000000f1","newTicketId":"0190a0b0-0000-7000-8000-0000000000f2","bookingId":"0190a0b0-0000-7000-8000-0000000000b1","eventId":"0190a0b0-0000-7000-8000-0000000000e1","seatId":"A-1-1","fromUserId":"ann","toUserId":"bob"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000012","type":"TicketRevoked","occurredAt":"2027-03-01T19:00:17Z","data":{"bookingId":"0190a0b0-0000-7000-8000-0000000000b1","eventId":"0190a0b0-0000-7000-8000-0000000000e1","ticketIds":["0190a0b0-0000-7000-8000-0000000000f2"],"seatIds":["A-1-1"],"reason":"BOOKING_CANCELLED"}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000013","type":"WaitlistOffered","occurredAt":"2027-03-01T19:00:18Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","userId":"cat","holdId":"0190a0b0-0000-7000-8000-0000000000a2","seatIds":["A-1-1","A-1-2"],"expiresAt":"2027-03-01T19:10:18Z","quantity":2}}"#,
    r#"{"id":"0190a0b0-0000-7000-8000-000000000014","type":"PresaleCodeIssued","occurredAt":"2027-03-01T19:00:19Z","data":{"eventId":"0190a0b0-0000-7000-8000-0000000000e1","userId":"dan","drawId":"0190a0b0-0000-7000-8000-0000000000d1"}}"#,
];

#[test]
fn every_recorded_message_reads_as_its_type_and_writes_back_unchanged() {
    let mut kinds = std::collections::HashSet::new();
    for raw in RECORDED {
        let wire: Value = serde_json::from_str(raw).unwrap();
        let m: Envelope = serde_json::from_str(raw).unwrap_or_else(|e| panic!("{e}: {raw}"));
        assert_eq!(m.kind().as_str(), wire["type"], "{raw}");
        assert_eq!(serde_json::to_value(&m).unwrap(), wire, "written back differently: {raw}");
        assert_eq!(m.data.data_json(), wire["data"], "the history keeps the data as sent");
        kinds.insert(m.kind());
    }
    assert_eq!(kinds.len(), MessageKind::ALL.len(), "one recorded message of every type");
}

#[test]
fn a_message_whose_data_does_not_fit_its_type_is_refused() {
    let seats_as_payment = json!({ "id": Uuid::nil(), "type": "PaymentSucceeded", "occurredAt": "2027-01-01T00:00:00Z",
        "data": { "eventId": Uuid::nil(), "seatIds": ["A-1-1"], "logPosition": "1-1" } });
    assert!(serde_json::from_value::<Envelope>(seats_as_payment).is_err());
    let no_data = json!({ "id": Uuid::nil(), "type": "BookingConfirmed", "occurredAt": "2027-01-01T00:00:00Z" });
    assert!(serde_json::from_value::<Envelope>(no_data).is_err());
    let unknown = json!({ "id": Uuid::nil(), "type": "SeatsStolen", "occurredAt": "2027-01-01T00:00:00Z", "data": {} });
    assert!(
        serde_json::from_value::<Envelope>(unknown).is_err(),
        "an unknown type is refused, not defaulted"
    );
}

#[test]
fn constructors_write_the_recorded_fields() {
    let b = crate::domain::booking::tests::booking();
    let fields = |m: &Envelope| -> Vec<String> {
        let mut k: Vec<String> = m.data.data_json().as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    let recorded = |kind: &str| -> Vec<String> {
        let raw = RECORDED.iter().find(|r| r.contains(&format!("\"type\":\"{kind}\""))).unwrap();
        let v: Value = serde_json::from_str(raw).unwrap();
        let mut k: Vec<String> = v["data"].as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    assert_eq!(
        fields(&announce(&b, BookingStatus::Confirmed, Utc::now())[0]),
        recorded("BookingConfirmed")
    );
    let p = crate::domain::settlement::tests::payment(&b, 100, PaymentStatus::Succeeded, 0);
    assert_eq!(fields(&payment_message(&p, b.event_id, Utc::now())), recorded("PaymentSucceeded"));
    let cancelled = Envelope::new(
        b.event_id,
        Utc::now(),
        Message::BookingSeatsCancelled(SeatsCancelled::of(&b, &["A-1-3".into()], 10)),
    );
    assert_eq!(fields(&cancelled), recorded("BookingSeatsCancelled"));
}

#[test]
fn each_type_goes_to_its_topic() {
    let seats = SeatsChanged {
        event_id: Uuid::nil(),
        log_position: "1-1".into(),
        seat_ids: vec![],
        hold_id: None,
        booking_id: None,
        user_id: None,
    };
    let booked = Envelope::new(
        Uuid::nil(),
        Utc::now(),
        Message::seats(MessageKind::SeatsBooked, seats).unwrap(),
    );
    assert_eq!(booked.topic(), SEAT_EVENTS);
    let b = crate::domain::booking::tests::booking();
    assert_eq!(announce(&b, BookingStatus::Confirmed, Utc::now())[0].topic(), BOOKING_EVENTS);
    let p = crate::domain::settlement::tests::payment(&b, 100, PaymentStatus::Refunded, 100);
    assert_eq!(payment_message(&p, b.event_id, Utc::now()).topic(), PAYMENT_EVENTS);
    for k in MessageKind::ALL {
        assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        assert_eq!(
            serde_json::to_value(k).unwrap(),
            json!(k.as_str()),
            "the wire name is the name"
        );
        assert_eq!(k.seat_status().is_some(), k.topic() == SEAT_EVENTS);
    }
    assert_eq!(MessageKind::parse("SeatsStolen"), None);
}

#[test]
fn a_status_change_announces_only_the_booking() {
    let b = crate::domain::booking::tests::booking();
    let out = announce(&b, BookingStatus::Confirmed, Utc::now());
    assert_eq!(out.iter().map(Envelope::kind).collect::<Vec<_>>(), [MessageKind::BookingConfirmed]);
    assert_eq!(out[0].data.booking_id(), Some(b.id));
    assert_eq!(out[0].data.event_id(), Some(b.event_id));
}

#[test]
fn seat_log_messages_become_pushes_in_log_order() {
    let event = Uuid::now_v7();
    let m = |kind: MessageKind, pos: &str| {
        let seats = SeatsChanged {
            event_id: event,
            log_position: pos.into(),
            seat_ids: vec!["A-1-1".into(), "A-1-2".into()],
            hold_id: None,
            booking_id: None,
            user_id: None,
        };
        Envelope::new(event, Utc::now(), Message::seats(kind, seats).unwrap())
    };
    let held = SeatChange::from_message(&m(MessageKind::SeatsHeld, "1700000000000-1")).unwrap();
    let booked =
        SeatChange::from_message(&m(MessageKind::SeatsBooked, "1700000000000-10")).unwrap();
    assert_eq!(held.status, SeatStatus::Held);
    assert!(held.position < booked.position, "positions compare as numbers, not text");
    let one: Vec<Value> = pushes(event, std::slice::from_ref(&booked))
        .iter()
        .map(|p| serde_json::from_str(p).unwrap())
        .collect();
    assert_eq!(one.len(), 1);
    assert_eq!(one[0]["type"], "seats.changed");
    assert_eq!(
        one[0]["seats"],
        json!([{ "id": "A-1-1", "status": "BOOKED" }, { "id": "A-1-2", "status": "BOOKED" }])
    );
    // Changes that came together share a message, in order, each seat with its own status.
    let both: Value =
        serde_json::from_str(&pushes(event, &[held.clone(), booked.clone()])[0]).unwrap();
    assert_eq!(both["seats"][0], json!({ "id": "A-1-1", "status": "HELD" }));
    assert_eq!(both["seats"][3], json!({ "id": "A-1-2", "status": "BOOKED" }));
    // A burst larger than one message is split, nothing lost.
    let burst = vec![held; SEATS_PER_PUSH];
    let split = pushes(event, &burst);
    assert_eq!(split.len(), 2);
    let total: usize = split
        .iter()
        .map(|p| serde_json::from_str::<Value>(p).unwrap()["seats"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, 2 * SEATS_PER_PUSH);
    let b = crate::domain::booking::tests::booking();
    assert_eq!(
        SeatChange::from_message(&announce(&b, BookingStatus::Confirmed, Utc::now())[0]),
        None
    );
    assert_eq!(SeatChange::from_message(&m(MessageKind::SeatsHeld, "garbage")), None);
}
