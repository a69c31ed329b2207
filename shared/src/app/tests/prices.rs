//! Fees and tax, all in: a booking costs its seats' lines and its order's fee, the payment charges
//! exactly that, and a partial cancel takes off and gives back exactly the cancelled seats' lines.

use super::{bought, ids};
use crate::app::change_booking::cancel_seats;
use crate::domain::price::Breakdown;
use crate::domain::ChargesSpec;
use crate::testing::{buyer, TestApp};

/// An event of seats at 50.00 with a 2.50 fee each, 1.99 an order, and 20 % tax added on top.
async fn taxed(t: &TestApp) -> crate::domain::Event {
    t.event_with(1, 4, |s| {
        s.charges = ChargesSpec {
            per_ticket_cents: Some(250),
            per_order_cents: Some(199),
            tax_rate_bps: Some(2000),
            prices_include_tax: Some(false),
        }
    })
    .await
}

#[tokio::test]
async fn a_booking_costs_its_seats_lines_and_its_order_fee_and_is_charged_exactly_that() {
    let t = TestApp::new();
    let e = taxed(&t).await;
    // A ticket: (5000 + 250) + 20 % = 6300. The order: 199 + 39.8 (rounded to 40) = 239.
    assert_eq!(e.total_price(&e.sections[0]), 6300);
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    let want = Breakdown {
        face_cents: 10_000,
        fees_cents: 699,
        tax_cents: 2140,
        discount_cents: 0,
        total_cents: 12_839,
    };
    assert_eq!((b.breakdown, b.total_cents), (want, 12_839));
    let paid = t.memory.state().payments.values().next().unwrap().amount_cents;
    assert_eq!(paid, 12_839, "the payment charges the breakdown's total");
}

#[tokio::test]
async fn a_partial_cancel_gives_back_exactly_the_seats_lines_and_keeps_the_order_fee() {
    let t = TestApp::new();
    let e = taxed(&t).await;
    let b = bought(&t, e.id, "ann", &["A-1-1", "A-1-2", "A-1-3"]).await;
    assert_eq!(b.total_cents, 3 * 6300 + 239);
    let kept = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-2"])).await.unwrap();
    assert_eq!(t.provider_refunded(), 6300, "face, fee and tax of that seat");
    assert_eq!(kept.total_cents, 2 * 6300 + 239);
    assert_eq!(
        kept.breakdown,
        Breakdown {
            face_cents: 10_000,
            fees_cents: 699,
            tax_cents: 2140,
            discount_cents: 0,
            total_cents: 12_839
        },
        "what is left adds up to what is left to pay for"
    );
}

#[tokio::test]
async fn a_buyers_own_cancel_keeps_the_order_fee_and_the_organisers_gives_all_back() {
    let t = TestApp::new();
    let e = taxed(&t).await;
    let mine = bought(&t, e.id, "ann", &["A-1-1"]).await;
    crate::app::change_booking::cancel_booking(&t, &buyer("ann"), mine.id).await.unwrap();
    assert_eq!(t.provider_refunded(), 6300, "the ticket's line; the order's 2.39 stays");
    let theirs = bought(&t, e.id, "bob", &["A-1-2"]).await;
    crate::app::change_booking::cancel_booking(&t, &crate::testing::admin(), theirs.id)
        .await
        .unwrap();
    assert_eq!(t.provider_refunded(), 6300 + 6539, "the organiser's cancel gives back all of it");
}
