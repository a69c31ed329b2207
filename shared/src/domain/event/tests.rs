//! The create-event and change rules, and the seats a layout implies.

use super::*;

pub fn spec(sections: &[(&str, u32, u32)]) -> EventSpec {
    EventSpec {
        name: "Gala".into(),
        venue: "Hall".into(),
        starts_at: Utc::now() + chrono::Duration::days(30),
        currency: None,
        max_seats_per_order: None,
        max_tickets_per_user: None,
        hold_ttl_seconds: None,
        on_sale_at: None,
        sales_end_at: None,
        waiting_room: None,
        charges: Default::default(),
        sections: sections
            .iter()
            .map(|(n, r, s)| SectionSpec {
                name: n.to_string(),
                rows: Some(*r),
                seats_per_row: Some(*s),
                capacity: None,
                price_cents: 5000,
                category: None,
                tiers: Vec::new(),
            })
            .collect(),
    }
}

pub fn event(sections: &[(&str, u32, u32)]) -> Event {
    spec(sections).validate(Uuid::now_v7(), Utc::now(), 600).unwrap()
}

#[test]
fn defaults_are_filled_in() {
    let e = event(&[("A", 2, 3)]);
    assert_eq!(
        (e.currency.as_str(), e.max_seats_per_order, e.hold_ttl_seconds, e.seat_count),
        ("USD", 10, 600, 6)
    );
    assert_eq!(e.sections[0].category, "standard");
}

#[test]
fn an_event_holds_at_most_one_hundred_thousand_seats() {
    assert!(spec(&[("A", 100, 1000)]).validate(Uuid::now_v7(), Utc::now(), 600).is_ok());
    let err = spec(&[("A", 100, 1000), ("B", 1, 1)])
        .validate(Uuid::now_v7(), Utc::now(), 600)
        .unwrap_err();
    assert!(matches!(err, RuleError::Invalid { ref field, .. } if field == "sections"), "{err:?}");
}

#[test]
fn out_of_range_settings_are_refused() {
    let mut s = spec(&[("A", 1, 1)]);
    s.max_seats_per_order = Some(51);
    assert!(s.clone().validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    s.max_seats_per_order = Some(50);
    s.hold_ttl_seconds = Some(29);
    assert!(s.clone().validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    s.hold_ttl_seconds = Some(3600);
    assert!(s.validate(Uuid::now_v7(), Utc::now(), 600).is_ok());
    assert!(spec(&[("A-B", 1, 1)]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    assert!(spec(&[("A", 1, 1), ("A", 1, 1)]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    assert!(spec(&[("A", 0, 1)]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    assert!(spec(&[]).validate(Uuid::now_v7(), Utc::now(), 600).is_err());
}

#[test]
fn requested_seats_must_exist_and_not_repeat() {
    let e = event(&[("A", 2, 3)]);
    let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert_eq!(
        e.requested_seats(&ids(&["A-2-3", "A-1-1"])).unwrap(),
        vec![SeatId::new("A", 1, 1), SeatId::new("A", 2, 3)]
    );
    assert_eq!(
        e.requested_seats(&ids(&["A-3-1", "B-1-1", "A-1-1"])),
        Err(RuleError::UnknownSeats(ids(&["A-3-1", "B-1-1"])))
    );
    assert_eq!(
        e.requested_seats(&ids(&["A-1-1", "A-1-2", "A-1-1"])),
        Err(RuleError::RepeatedSeats(ids(&["A-1-1"])))
    );
    assert!(matches!(e.requested_seats(&[]), Err(RuleError::Invalid { .. })));
    let big = event(&[("A", 3, 4)]);
    let all: Vec<String> = big.seats().map(|(s, _)| s.to_string()).collect();
    assert_eq!(big.requested_seats(&all), Err(RuleError::SeatLimit { max: 10, requested: 12 }));
    let mut unknown_and_many = all.clone();
    unknown_and_many.push("A-9-9".into());
    assert_eq!(
        big.requested_seats(&unknown_and_many),
        Err(RuleError::UnknownSeats(ids(&["A-9-9"])))
    );
}

#[test]
fn the_sales_window_defaults_to_creation_until_the_start_and_must_not_be_empty() {
    let now = Utc::now();
    let s = spec(&[("A", 1, 1)]);
    let e = s.clone().validate(Uuid::now_v7(), now, 600).unwrap();
    assert_eq!((e.on_sale_at, e.sales_end_at), (now, s.starts_at));
    assert_eq!(e.sale_status(now - chrono::Duration::seconds(1)), SaleStatus::Scheduled);
    assert_eq!(e.sale_status(now), SaleStatus::OnSale);
    assert_eq!(e.sale_status(s.starts_at), SaleStatus::Ended);
    // An event that starts before it would go on sale has no window.
    let mut past = s.clone();
    past.starts_at = now - chrono::Duration::days(1);
    let err = past.validate(Uuid::now_v7(), now, 600).unwrap_err();
    assert!(matches!(err, RuleError::Invalid { ref field, .. } if field == "salesEndAt"));
    let mut empty = s.clone();
    empty.on_sale_at = Some(now + chrono::Duration::hours(1));
    empty.sales_end_at = Some(now + chrono::Duration::hours(1));
    assert!(empty.validate(Uuid::now_v7(), now, 600).is_err());
}

#[test]
fn a_patch_keeps_the_window_rule_and_changes_only_what_it_names() {
    let e = event(&[("A", 1, 2)]);
    let later = e.sales_end_at + chrono::Duration::hours(1);
    let moved = EventPatch { on_sale_at: Some(later), ..Default::default() }.apply(&e);
    assert!(moved.is_err(), "opening after the end is refused");
    let renamed =
        EventPatch { name: Some("Gala II".into()), ..Default::default() }.apply(&e).unwrap();
    assert_eq!((renamed.name.as_str(), renamed.sections.clone()), ("Gala II", e.sections.clone()));
    assert!(EventPatch::default().apply(&e).is_err(), "an empty patch is refused");
}

#[test]
fn a_waiting_room_gets_its_defaults_and_bounds() {
    let mut s = spec(&[("A", 1, 1)]);
    s.waiting_room = Some(WaitingRoomSpec::default());
    let e = s.clone().validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
    assert_eq!(
        e.waiting_room,
        Some(WaitingRoom { admit_per_minute: None, admission_ttl_seconds: 600 })
    );
    s.waiting_room =
        Some(WaitingRoomSpec { admit_per_minute: None, admission_ttl_seconds: Some(59) });
    assert!(s.clone().validate(Uuid::now_v7(), Utc::now(), 600).is_err());
    s.waiting_room =
        Some(WaitingRoomSpec { admit_per_minute: Some(0), admission_ttl_seconds: None });
    assert!(s.validate(Uuid::now_v7(), Utc::now(), 600).is_err());
}

#[test]
fn seats_are_listed_in_map_order() {
    let e = event(&[("B", 1, 2), ("A", 1, 1)]);
    let ids: Vec<String> = e.seats().map(|(s, _)| s.to_string()).collect();
    assert_eq!(ids, ["B-1-1", "B-1-2", "A-1-1"]);
}

#[test]
fn max_tickets_per_user_is_between_1_and_100_and_kept() {
    for bad in [0, 101] {
        let mut s = spec(&[("A", 1, 1)]);
        s.max_tickets_per_user = Some(bad);
        let err = s.validate(Uuid::now_v7(), Utc::now(), 600).unwrap_err();
        assert!(
            matches!(err, RuleError::Invalid { ref field, .. } if field == "maxTicketsPerUser"),
            "{bad}: {err:?}"
        );
    }
    let mut s = spec(&[("A", 1, 1)]);
    s.max_tickets_per_user = Some(100);
    let e = s.validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
    assert_eq!(e.max_tickets_per_user, Some(100));
    assert_eq!(crate::domain::UserCaps::of(&e).in_all, Some(100));
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["maxTicketsPerUser"], 100);
    let unlimited = spec(&[("A", 1, 1)]).validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
    assert!(serde_json::to_value(&unlimited).unwrap().get("maxTicketsPerUser").is_none());
}

#[test]
fn fees_and_the_tax_rate_are_bounded_and_prices_include_tax_unless_said() {
    for (charges, field) in [
        (ChargesSpec { tax_rate_bps: Some(10_001), ..Default::default() }, "taxRateBps"),
        (ChargesSpec { per_ticket_cents: Some(-1), ..Default::default() }, "fees.perTicketCents"),
        (
            ChargesSpec { per_order_cents: Some(1_000_001), ..Default::default() },
            "fees.perOrderCents",
        ),
    ] {
        let mut s = spec(&[("A", 1, 2)]);
        s.charges = charges;
        let err = s.validate(Uuid::now_v7(), Utc::now(), 600).unwrap_err();
        assert!(
            matches!(&err, RuleError::Invalid { field: f, .. } if f == field),
            "{field}: {err:?}"
        );
    }
    let mut s = spec(&[("A", 1, 2)]);
    s.charges =
        ChargesSpec { per_ticket_cents: Some(150), tax_rate_bps: Some(1900), ..Default::default() };
    let e = s.validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
    assert_eq!((e.charges.fees.per_ticket_cents, e.charges.tax_rate_bps), (150, 1900));
    assert!(e.charges.prices_include_tax);
    assert_eq!(e.total_price(&e.sections[0]), 5150, "VAT inside: the price is face and fee");
}

#[test]
fn the_price_range_is_all_in_over_every_section_and_tier() {
    let mut s = spec(&[("A", 1, 2), ("B", 1, 2)]);
    s.sections[1].price_cents = 9000;
    s.sections[0].tiers =
        vec![crate::domain::tier::Tier { price_cents: 3000, until_sold: Some(1), until: None }];
    s.charges = ChargesSpec {
        per_ticket_cents: Some(200),
        per_order_cents: Some(500),
        tax_rate_bps: Some(1000),
        prices_include_tax: Some(false),
    };
    let e = s.validate(Uuid::now_v7(), Utc::now(), 600).unwrap();
    // (3000 + 200) + 10 % = 3520; (9000 + 200) + 10 % = 10120; the order's fee is not a ticket's.
    assert_eq!(e.price_range(), PriceRange { min_cents: 3520, max_cents: 10120 });
}
