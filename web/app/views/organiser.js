// The organiser's view of one event: the sales report (read again every 5 s), seats taken off sale
// (kills for cameras, the sound desk, house seats) and put back, and cancelling the event after a
// preview of what it does, then its progress. The API decides who may: a buyer sees
// a plain "organisers only".
import { call, eventOf, session } from "../api.js";
import { announce, at, h, money, saleWords } from "../format.js";

export async function organiser(main, params, go, eventId) {
  if (!session.claims().admin) { main.replaceChildren(h("h1", {}, "Organisers only"), h("p", {}, "Sign in with an organiser's account to see this page.")); return; }
  let event = await eventOf(eventId, true);
  const report = h("div", { id: "report" });
  const updated = h("p", { class: "muted", id: "report-updated" });
  const cancelBox = h("section", { class: "panel notice bad", id: "cancel", "aria-labelledby": "cancel-h" });
  // Blocks: seat ids as the map names them (A-3-12), comma- or space-separated.
  const seatsField = h("input", { id: "block-seats", maxlength: "2000", autocomplete: "off" });
  const reason = h("input", { id: "block-reason", maxlength: "200", autocomplete: "off" });
  const blockSaid = h("p", { id: "block-said", role: "status" });
  const blocks = async (method) => {
    const seatIds = seatsField.value.split(/[\s,]+/).filter(Boolean);
    if (!seatIds.length) { blockSaid.textContent = "Name the seats first, as the map does: A-3-12."; return; }
    try {
      const body = method === "POST" && reason.value.trim() ? { seatIds, reason: reason.value.trim() } : { seatIds };
      const done = await call(method, `/events/${eventId}/blocks`, body);
      blockSaid.textContent = method === "POST" ? `Taken off sale: ${done.seatIds.join(", ")}.` : `Back on sale: ${seatIds.join(", ")}.`;
      await readReport();
    } catch (err) { blockSaid.textContent = err.message; }
  };
  const blockBox = h("section", { class: "panel", "aria-labelledby": "block-h" }, h("h2", { id: "block-h" }, "Seats not for sale"),
    h("div", { class: "field" }, h("label", { for: "block-seats" }, "Seats (for example A-3-12, A-3-13)"), seatsField),
    h("div", { class: "field" }, h("label", { for: "block-reason" }, "Why (camera, sound desk…)"), reason),
    h("div", { class: "inline" }, h("button", { type: "button", id: "block", onclick: () => blocks("POST") }, "Take off sale"),
      h("button", { type: "button", id: "unblock", onclick: () => blocks("DELETE") }, "Put back on sale")), blockSaid);
  const m = (c) => money(c, event.currency);

  async function readReport() {
    const r = await call("GET", `/events/${eventId}/report`);
    const rows = [["Seats available", r.seats.available], ["Seats held", r.seats.held], ["Seats sold", r.seats.booked], ["Seats blocked", r.seats.blocked],
      ["Orders paid", r.bookings.confirmed], ["Orders waiting for payment", r.bookings.pending], ["Orders cancelled", r.bookings.cancelled], ["Orders run out", r.bookings.expired],
      ["Revenue", m(r.revenueCents)], ["Refunded", m(r.refundedCents)], ["Checked in", r.checkedIn]];
    for (const c of r.categories) rows.push([`${c.category}: sold / revenue`, `${c.booked} / ${m(c.revenueCents)}`]);
    if (r.queue) rows.push(["Queue: waiting", r.queue.waiting], ["Queue: let in", r.queue.admitted]);
    report.replaceChildren(h("table", { class: "report" }, h("caption", { class: "sr-only" }, "Sales report"),
      h("tbody", {}, rows.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", { "data-figure": k }, String(v)))))));
    updated.textContent = `Updated ${new Date().toLocaleTimeString()}`;
  }

  function drawCancel() {
    const c = event.cancellation;
    if (event.saleStatus === "CANCELLED") {
      cancelBox.replaceChildren(h("h2", { id: "cancel-h" }, "This event is cancelled"),
        h("p", { id: "cancel-progress", "data-done": c && c.completedAt ? "yes" : "no", "aria-live": "polite" },
          !c ? "Cancelling…" : c.completedAt ? `Done: ${c.bookingsCancelled} orders cancelled, ${m(c.refundedCents)} refunded.`
            : `Cancelling: ${c.bookingsCancelled} orders cancelled so far, ${c.bookingsLeft} to go, ${c.refundsPending} refunds being sent.`));
      return;
    }
    cancelBox.replaceChildren(h("h2", { id: "cancel-h" }, "Cancel this event"),
      h("p", {}, "Cancelling stops the sale, cancels every order and refunds every buyer. It cannot be undone."),
      h("button", { type: "button", class: "danger", id: "cancel-preview", onclick: preview }, "Cancel this event…"));
  }
  async function preview() {
    const p = await call("POST", `/events/${eventId}/cancel?dryRun=true`, {});
    const keep = h("button", { type: "button", onclick: drawCancel }, "Keep the event");
    cancelBox.replaceChildren(h("h2", { id: "cancel-h" }, "Cancel this event?"),
      h("p", { id: "cancel-preview-text" }, `This cancels ${p.bookings} orders (${p.confirmed} paid) and refunds ${m(p.refundCents)} to the buyers' cards. It cannot be undone.`),
      h("div", { class: "inline" }, h("button", { type: "button", class: "danger", id: "cancel-confirm", onclick: async () => {
        event = await call("POST", `/events/${eventId}/cancel`, {});
        announce("The event is cancelled. Refunds are on their way.");
        drawCancel();
      } }, "Yes, cancel it and refund everyone"), keep));
    keep.focus();
  }

  main.replaceChildren(h("h1", {}, `${event.name}: organiser`),
    h("p", {}, at(event.startsAt), ` · ${event.venue} · `, h("span", { class: `badge ${event.saleStatus}` }, saleWords[event.saleStatus])),
    h("p", {}, h("a", { href: `/events/${eventId}`, "data-link": true }, "The buyers' page"), " · ", h("a", { href: `/door?event=${eventId}`, "data-link": true }, "The door")),
    h("h2", {}, "Sales"), report, updated, event.saleStatus === "CANCELLED" ? "" : blockBox, cancelBox);
  await readReport();
  drawCancel();
  const timer = setInterval(async () => {
    try {
      await readReport();
      if (event.saleStatus === "CANCELLED" && !(event.cancellation && event.cancellation.completedAt)) { event = await eventOf(eventId, true); drawCancel(); }
    } catch (_) { /* shown as not updated */ }
  }, 5000);
  return () => clearInterval(timer);
}
