//! Request bodies: their forms and bounds.

use super::*;

#[test]
fn a_hold_request_asks_for_seats_or_a_quantity_not_both() {
    let req = |ids: Option<&[&str]>, q: Option<u32>, s: Option<&str>| {
        HoldAsk::try_from(HoldBody {
            seat_ids: ids.map(|v| v.iter().map(|x| x.to_string()).collect()),
            quantity: q,
            section: s.map(str::to_string),
            code: None,
        })
    };
    assert!(req(Some(&["A-1-1"]), Some(1), None).is_err());
    assert!(req(None, None, None).is_err());
    assert!(req(Some(&["A-1-1"]), None, Some("A")).is_err());
    assert_eq!(
        req(None, Some(2), Some("A")),
        Ok(HoldAsk::Best { quantity: 2, section: Some("A".into()) })
    );
    assert_eq!(req(Some(&["A-1-2"]), None, None), Ok(HoldAsk::Seats(vec!["A-1-2".into()])));
}

#[test]
fn a_booking_request_has_exactly_one_form() {
    let h = Uuid::now_v7();
    let req = |hold: Option<Uuid>, ev: Option<Uuid>, seats: Option<Vec<String>>| {
        BookingSource::try_from(BookingBody {
            hold_id: hold,
            event_id: ev,
            seat_ids: seats,
            code: None,
        })
    };
    assert_eq!(req(Some(h), None, None), Ok(BookingSource::Hold(h)));
    assert!(req(Some(h), Some(h), None).is_err());
    assert!(req(None, Some(h), None).is_err());
    assert!(req(None, None, Some(vec![])).is_err());
    assert!(req(None, None, None).is_err());
    let seats = req(None, Some(h), Some(vec!["A-1-1".into()]));
    assert_eq!(
        seats,
        Ok(BookingSource::Seats { event_id: h, seat_ids: vec!["A-1-1".into()], code: None })
    );
    let with_code = |hold: Option<Uuid>| {
        BookingSource::try_from(BookingBody {
            hold_id: hold,
            event_id: hold.is_none().then_some(h),
            seat_ids: hold.is_none().then(|| vec!["A-1-1".into()]),
            code: Some("FAN".into()),
        })
    };
    assert!(with_code(Some(h)).is_err(), "a hold's booking uses the hold's code");
    assert!(matches!(with_code(None), Ok(BookingSource::Seats { code: Some(_), .. })));
}

#[test]
fn a_payment_method_is_bounded() {
    let ask = |m: &str| {
        PaymentAsk::try_from(PaymentBody { booking_id: Uuid::nil(), payment_method: m.into() })
    };
    assert!(ask("").is_err());
    assert!(ask(&"x".repeat(101)).is_err());
    assert_eq!(ask("pm_card_visa").map(|a| a.method), Ok("pm_card_visa".to_string()));
}

#[test]
fn a_webhook_event_id_is_bounded_printable_ascii() {
    let body = |id: &str, kind: &str| WebhookBody {
        id: id.into(),
        kind: kind.into(),
        data: WebhookData { payment_id: Uuid::nil(), failure_reason: None },
    };
    for bad in ["", "evt 1", "évt", &"x".repeat(256)] {
        assert!(ProviderEvent::try_from(body(bad, "payment.succeeded")).is_err(), "{bad:?}");
    }
    assert!(ProviderEvent::try_from(body("evt_1", "")).is_err());
    let ok = ProviderEvent::try_from(body("evt_1", "refund.succeeded")).unwrap();
    assert_eq!(ok.kind, ProviderEventKind::RefundSucceeded);
    assert_eq!(
        ProviderEvent::try_from(body("evt_2", "charge.dispute")).unwrap().kind,
        ProviderEventKind::Other("charge.dispute".into())
    );
}
