// The checkout (an order summary with every part of the total before the card is asked for, then
// Stripe's card field and one "Pay" button) and the confirmation in words, with the tickets.
import { call, config, eventOf, image } from "../api.js";
import { announce, at, h, mmss, money, seatName } from "../format.js";
import { holds } from "./event.js";

/// Stripe.js, loaded once from where `/payments/config` says (Stripe's own, or the local emulator's).
let stripeReady = null;
function stripe() {
  if (!stripeReady) stripeReady = (async () => {
    const c = await call("GET", "/payments/config");
    if (c.provider !== "stripe") return null;
    await new Promise((ok, fail) => {
      const s = document.createElement("script");
      s.src = c.jsUrl || "https://js.stripe.com/v3/";
      s.onload = ok;
      s.onerror = () => fail(new Error("The card form could not be loaded. Reload the page to try again."));
      document.head.append(s);
    });
    return window.Stripe(c.publishableKey);
  })();
  return stripeReady;
}

/// The rows of a price breakdown: face, fees, tax, discount, total.
export function summary(breakdown, currency, pricesIncludeTax) {
  const row = (label, cents, cls) => h("tr", { class: cls }, h("th", { scope: "row" }, label), h("td", { class: "money" }, money(cents, currency)));
  return h("table", { class: "summary" }, h("caption", { class: "sr-only" }, "Price breakdown"), h("tbody", {},
    row("Tickets", breakdown.faceCents),
    breakdown.feesCents ? row("Service fees", breakdown.feesCents) : "",
    breakdown.discountCents ? row("Discount", -breakdown.discountCents) : "",
    breakdown.taxCents ? row(pricesIncludeTax ? "of which tax" : "Tax", breakdown.taxCents) : "",
    row("Total", breakdown.totalCents, "total")));
}

export async function checkout(main, params, go, eventId) {
  const event = await eventOf(eventId);
  const kept = holds.get(eventId);
  const back = h("a", { href: `/events/${eventId}`, "data-link": true }, "Back to the seats");
  if (!kept) { main.replaceChildren(h("h1", {}, "Checkout"), h("p", {}, "You hold no tickets for this event."), back); return; }
  // The booking made from this hold, if a first try got that far (a declined card, a reload).
  const bookingKey = `booking:${kept.id}`;
  let booking = null;
  const savedBooking = sessionStorage.getItem(bookingKey);
  if (savedBooking) booking = await call("GET", `/bookings/${savedBooking}`).catch(() => null);
  if (booking && booking.status === "CONFIRMED") { holds.set(eventId, null); go(`/bookings/${booking.id}`, true); return; }
  let hold = null;
  if (!booking || booking.status !== "PENDING") {
    booking = null;
    try { hold = await call("GET", `/holds/${kept.id}`); }
    catch (_) {
      holds.set(eventId, null);
      main.replaceChildren(h("h1", {}, "Checkout"), h("p", { class: "panel notice bad", role: "alert" }, "Your hold ran out and the seats went back on sale."),
        h("a", { class: "button primary", href: `/events/${eventId}`, "data-link": true }, "Pick seats again"));
      return;
    }
  }
  const order = booking || hold;
  const deadline = () => (booking ? booking.expiresAt : hold.expiresAt);
  const timer = h("span", { class: "timer", role: "timer", id: "checkout-timer" }, mmss(deadline()));
  const error = h("div", { id: "pay-error", role: "alert" });
  const fail = (text) => { error.replaceChildren(h("p", { class: "panel notice bad" }, text)); };
  const card = h("div", { id: "card", class: "card-field" });
  const payButton = h("button", { type: "submit", class: "primary", id: "pay" }, `Pay ${money(order.breakdown.totalCents, event.currency)}`);
  const working = h("p", { id: "working", "aria-live": "polite" });
  let element = null;

  main.replaceChildren(
    h("h1", {}, "Checkout"),
    h("section", { class: "panel", "aria-labelledby": "order-h" },
      h("h2", { id: "order-h" }, "Your order"),
      h("p", {}, h("strong", {}, event.name), h("br"), at(event.startsAt), ` · ${event.venue}`),
      h("ul", { id: "order-seats" }, order.seatIds.map((id) => h("li", {}, seatName(id)))),
      summary(order.breakdown, event.currency, event.pricesIncludeTax),
      h("p", {}, "Your tickets are held for you for ", timer, ". After that they go back on sale.")),
    h("form", { class: "panel", id: "pay-form", onsubmit: pay },
      h("h2", {}, "Pay by card"),
      h("label", { id: "card-label" }, "Card number, expiry date and security code"),
      card, error, working,
      h("div", { class: "inline" }, payButton, back)));

  const s = await stripe().catch((err) => { fail(err.message); return null; });
  if (s) {
    element = s.elements().create("card");
    element.mount("#card");
  } else if (s === null && !error.textContent) {
    card.replaceChildren(h("p", { class: "muted" }, "Payments go to the local sandbox: no card is needed."));
  }
  const clock = setInterval(() => {
    timer.textContent = mmss(deadline());
    if (new Date(deadline()) <= Date.now()) {
      clearInterval(clock);
      payButton.disabled = true;
      holds.set(eventId, null);
      fail("Your time ran out and the seats went back on sale.");
      error.append(h("a", { class: "button primary", href: `/events/${eventId}`, "data-link": true }, "Pick seats again"));
    }
  }, 1000);

  /// The card typed in as a payment method Stripe knows.
  async function paymentMethod() {
    const sx = await stripe();
    if (!sx) return "pm_card_visa";
    const made = await sx.createPaymentMethod({ type: "card", card: element });
    if (made && made.paymentMethod) return made.paymentMethod.id;
    if (made && made.error) throw new Error(made.error.message);
    // The emulator's stand-in of Stripe.js makes tokens, whose card is a payment method to Stripe.
    const { token, error: e } = await sx.createToken(element).catch(() => ({}));
    if (e || !token) throw new Error((e && e.message) || "Check the card number, expiry date and security code.");
    return token.card.id;
  }

  async function pay(e) {
    e.preventDefault();
    error.replaceChildren();
    payButton.disabled = true;
    working.textContent = "Paying…";
    try {
      const method = await paymentMethod();
      if (!booking) {
        booking = await call("POST", "/bookings", { holdId: hold.id }, { "idempotency-key": `book-${hold.id}` });
        sessionStorage.setItem(bookingKey, booking.id);
      }
      let payment = await call("POST", "/payments", { bookingId: booking.id, paymentMethod: method }, { "idempotency-key": crypto.randomUUID() });
      if (payment.status === "REQUIRES_ACTION") {
        working.textContent = "Your bank asks you to confirm the payment…";
        const sx = await stripe();
        const r = await sx.confirmCardPayment(payment.clientSecret);
        if (r && r.error) throw new Error(`Your bank did not confirm the payment: ${r.error.message}`);
        payment = await call("GET", `/payments/${payment.id}`);
      }
      if (payment.status === "FAILED") throw new Error("Your card was declined. Try another card: your seats stay yours until the timer runs out.");
      clearInterval(clock);
      holds.set(eventId, null);
      sessionStorage.removeItem(bookingKey);
      go(`/bookings/${booking.id}`);
    } catch (err) {
      working.textContent = "";
      fail(err.message);
      announce(err.message);
      payButton.disabled = false;
      if (err.code === "HOLD_EXPIRED" || err.status === 404) { payButton.disabled = true; holds.set(eventId, null); }
    }
  }
  return () => clearInterval(clock);
}

const ticketWords = { VALID: "Valid", CHECKED_IN: "Used at the door", REVOKED: "No longer valid", TRANSFERRED: "Given to someone else" };

/// Ticket cards: event, date, seat, status and QR code.
export function ticketCards(tickets, event) {
  const list = h("ul", { class: "tickets" });
  for (const t of tickets) {
    const img = h("img", { alt: `QR code of the ticket for ${seatName(t.seatId)}` });
    list.append(h("li", { class: "ticket", "data-ticket": t.id, "data-status": t.status },
      h("p", {}, h("strong", {}, event.name)),
      h("p", {}, at(event.startsAt)),
      h("p", {}, event.venue),
      h("p", { class: "seatname" }, seatName(t.seatId)),
      h("p", {}, h("span", { class: "badge" }, ticketWords[t.status] || t.status)),
      t.status === "VALID" || t.status === "CHECKED_IN" ? img : ""));
    if (t.status === "VALID" || t.status === "CHECKED_IN") image(`/tickets/${t.id}/qr.svg`).then((u) => { img.src = u; }).catch(() => { img.alt = "The QR code could not be loaded"; });
  }
  return list;
}

/// The confirmation of an order (`/bookings/{id}`), read again while the payment settles.
export async function confirmation(main, params, go, bookingId) {
  let stop = false;
  const draw = async () => {
    const b = await call("GET", `/bookings/${bookingId}`);
    const event = await eventOf(b.eventId);
    const head = [h("p", {}, h("strong", {}, event.name), h("br"), at(event.startsAt), ` · ${event.venue}`)];
    if (b.status === "CONFIRMED") {
      const t = await call("GET", `/bookings/${bookingId}/tickets`);
      main.replaceChildren(h("h1", { id: "confirmed" }, "You are going!"), ...head,
        h("p", {}, `We took ${money(b.totalCents, b.currency)} for ${b.seatIds.length} ${b.seatIds.length === 1 ? "ticket" : "tickets"}. Your order number is `, h("code", {}, b.id.slice(-8).toUpperCase()), "."),
        h("p", {}, "Show the QR code of each ticket at the door. They are also in ", h("a", { href: "/me", "data-link": true }, "My tickets"), "."),
        summary(b.breakdown, b.currency, event.pricesIncludeTax),
        h("h2", {}, "Your tickets"), ticketCards(t.items, event));
      announce("Payment received. You are going!");
      return true;
    }
    const words = {
      PENDING: ["We are confirming your payment…", "This takes a few seconds. Keep this page open."],
      CANCELLED: ["This order was cancelled", "Any money you paid is refunded to your card within a few days."],
      EXPIRED: ["This order ran out", "It was not paid in time, and nothing was charged."],
    }[b.status];
    main.replaceChildren(h("h1", {}, words[0]), ...head, h("p", {}, words[1]), h("p", {}, h("a", { href: `/events/${b.eventId}`, "data-link": true }, "Back to the event")));
    return b.status !== "PENDING";
  };
  const loop = async () => { for (let i = 0; i < 90 && !stop; i++) { await new Promise((r) => setTimeout(r, 2000)); if (stop || await draw()) return; } };
  if (!(await draw())) loop();
  return () => { stop = true; };
}
