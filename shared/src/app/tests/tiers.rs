//! Price tiers: a seat sells at its section's first open tier, counted with the seat locks; the
//! hold quotes it, the booking pays the quote whatever the tiers have come to since, a lapsed or
//! released seat gives its place at the tier back, and a partial cancel refunds the seat's own face.

use std::sync::Arc;

use chrono::Duration;

use super::{book, hold, ids};
use crate::app::change_booking::cancel_seats;
use crate::app::seat_map::seat_map;
use crate::domain::tier::{SeatPrice, Tier};
use crate::domain::SeatStatus;
use crate::testing::{buyer, TestApp};

/// One row of 10 seats at 50.00: the first 2 sold at 30.00, the next 3 at 40.00 for a day.
async fn waves(t: &TestApp) -> crate::domain::Event {
    let day = t.now() + Duration::days(1);
    t.event_with(1, 10, |s| {
        s.sections[0].tiers = vec![
            Tier { price_cents: 3000, until_sold: Some(2), until: None },
            Tier { price_cents: 4000, until_sold: Some(3), until: Some(day) },
        ];
    })
    .await
}

fn seat(n: u32) -> String {
    format!("A-1-{n}")
}

#[tokio::test]
async fn each_tier_sells_exactly_its_count_and_then_the_next_applies() {
    let t = Arc::new(TestApp::new());
    let e = waves(&t).await;
    let mut faces = Vec::new();
    let buyers: Vec<_> = (1..=7u32)
        .map(|n| {
            let t = t.clone();
            tokio::spawn(async move {
                let h = hold(&t, e.id, &format!("u{n}"), &[&seat(n)]).await;
                h.prices[0]
            })
        })
        .collect();
    for b in buyers {
        faces.push(b.await.unwrap());
    }
    let at = |p: i64| faces.iter().filter(|f| f.price_cents == p).count();
    assert_eq!((at(3000), at(4000), at(5000)), (2, 3, 2), "{faces:?}");
    assert!(faces.iter().all(|f| f.tier.is_some() == (f.price_cents != 5000)));
}

#[tokio::test]
async fn the_booking_pays_the_quote_and_a_partial_cancel_gives_back_that_seats_face() {
    let t = TestApp::new();
    let soon = t.now() + Duration::minutes(5);
    let e = t
        .event_with(1, 10, |s| {
            s.sections[0].tiers = vec![
                Tier { price_cents: 3000, until_sold: Some(2), until: None },
                Tier { price_cents: 4000, until_sold: None, until: Some(soon) },
            ];
        })
        .await;
    // Two seats at the first tier and one at the second, in one hold.
    let h = hold(&t, e.id, "ann", &["A-1-1", "A-1-2", "A-1-3"]).await;
    let faces: Vec<i64> = h.prices.iter().map(|p| p.price_cents).collect();
    assert_eq!(faces, [3000, 3000, 4000]);
    // The second tier ends while the hold lives: its quote stands.
    t.pass(Duration::minutes(6));
    let source = crate::domain::BookingSource::Hold(h.id);
    let b =
        crate::app::create_booking::create_booking(&t, &buyer("ann"), source, None).await.unwrap();
    assert_eq!(b.total_cents, 10_000);
    assert_eq!(hold(&t, e.id, "bob", &["A-1-4"]).await.prices, [SeatPrice::base(5000)]);
    crate::app::payments::create_payment(&t, &buyer("ann"), b.id, "pm_card_visa").await.unwrap();
    let kept = cancel_seats(&t, &buyer("ann"), b.id, &ids(&["A-1-3"])).await.unwrap();
    assert_eq!((t.provider_refunded(), kept.total_cents), (4000, 6000), "that seat's own face");
}

#[tokio::test]
async fn a_quote_is_kept_from_hold_to_payment_and_the_map_shows_the_price_now() {
    let t = TestApp::new();
    let e = waves(&t).await;
    let pending = book(&t, e.id, "ann", &["A-1-1", "A-1-2"]).await;
    assert_eq!(pending.total_cents, 6000, "the pending booking pays what the hold quoted");
    // The first tier is taken by a pending booking: the map offers the second.
    let map = seat_map(&t, e.id, Some(SeatStatus::Available), None).await.unwrap();
    assert!(map.seats.iter().all(|s| s.price_cents == 4000), "{:?}", map.seats[0]);
    let h = hold(&t, e.id, "bob", &["A-1-3", "A-1-4", "A-1-5"]).await;
    assert_eq!(h.prices, [SeatPrice { price_cents: 4000, tier: Some(2) }; 3]);
    assert_eq!(hold(&t, e.id, "dan", &["A-1-6"]).await.prices, [SeatPrice::base(5000)]);
    // Released, the seats give their places at the tier back.
    crate::app::release_hold::release_hold(&t, &buyer("bob"), h.id).await.unwrap();
    let h = hold(&t, e.id, "cat", &["A-1-9"]).await;
    assert_eq!(h.prices[0].tier, Some(2));
    // Two days on, the unpaid booking and the holds have lapsed: the first tier is open again.
    t.pass(Duration::days(2));
    let map = seat_map(&t, e.id, Some(SeatStatus::Available), None).await.unwrap();
    assert!(map.seats.iter().all(|s| s.price_cents == 3000));
}

#[tokio::test]
async fn a_payment_settled_after_its_pending_seat_lapsed_counts_at_its_tier_again() {
    let t = TestApp::new();
    let e = waves(&t).await;
    let b = book(&t, e.id, "ann", &[&seat(1)]).await;
    assert_eq!(b.prices[0].tier, Some(1));
    // The payment deadline passes in Redis before the provider settles (a 3-D Secure check
    // taking its time): the pending seat lapses and leaves the tier's count.
    t.pass(b.expires_at - t.now() + Duration::seconds(1));
    t.sweep.reap(e.id, t.now()).await.unwrap();
    // The payment then succeeds: the seat is booked at the tier MySQL keeps for it.
    t.holds.mark_booked(&b, t.now()).await.unwrap();
    let bob = hold(&t, e.id, "bob", &[&seat(2)]).await.prices[0].price_cents;
    let cy = hold(&t, e.id, "cy", &[&seat(3)]).await.prices[0].price_cents;
    let faces = [bob, cy];
    assert_eq!(faces, [3000, 4000], "ann's seat is one of the two at 30.00");
}
