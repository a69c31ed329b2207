// The event page: the sale's state, the waiting room, the seat map and standing areas, best
// available, the waitlist, and the sticky order bar with its hold countdown. One rule
// (`whyNot`) decides whether buying is possible, and every buy control asks it.
import { call, eventOf, session, socketUrl } from "../api.js";
import { announce, at, h, mmss, money, roughly, saleWords, when } from "../format.js";
import { SeatMap } from "../seatmap.js";

/// The buyer's hold of an event, kept in the tab so that the checkout and a reload find it.
export const holds = {
  get(eventId) { try { return JSON.parse(sessionStorage.getItem(`hold:${eventId}`)); } catch (_) { return null; } },
  set(eventId, hold) { if (hold) sessionStorage.setItem(`hold:${eventId}`, JSON.stringify(hold)); else sessionStorage.removeItem(`hold:${eventId}`); },
};

const layouts = new Map();

export async function eventPage(main, params, go, eventId) {
  const me = session.claims();
  let event = await eventOf(eventId, true);
  if (!layouts.has(eventId)) layouts.set(eventId, await call("GET", `/events/${eventId}/seats?view=layout`));
  const layout = layouts.get(eventId);
  let socket = null, closed = false, entry = null, waitlist = null, areas = [], busy = false;
  let hold = holds.get(eventId);
  let lapsed = null; // a hold that ran out: what to hold again

  // What the buyer is told, where they acted (and read out).
  const message = h("div", { id: "message", role: "alert" });
  const say = (text, kind = "bad") => {
    message.replaceChildren(text ? h("p", { class: `panel notice ${kind}` }, text) : "");
  };
  const tell = (text) => { announce(text); say(text, "warn"); };

  /// Why buying is not possible now, in words; null when it is.
  function whyNot() {
    if (!me) return "Sign in to buy tickets.";
    if (event.saleStatus === "CANCELLED") return "This event is cancelled.";
    if (event.saleStatus === "ENDED") return "Sales for this event have ended.";
    if (event.saleStatus === "SCHEDULED" && !code.value.trim()) return `Tickets go on sale ${when(event.onSaleAt)}.`;
    if (event.waitingRoom && event.saleStatus === "ON_SALE" && !(entry && entry.status === "ADMITTED")) {
      if (!entry) return "Join the queue and wait for your turn to pick seats.";
      if (entry.status === "SOLD_OUT") return "Sold out right now: you keep your place in the queue.";
      if (entry.status === "EXPIRED") return "Your turn to buy has passed.";
      return "Wait for your turn in the queue to pick seats.";
    }
    if (hold) return "You already hold tickets: check out or let them go first.";
    if (busy) return "One moment…";
    return null;
  }
  const queueToken = () => (entry && entry.status === "ADMITTED" ? { "queue-token": entry.accessToken } : {});

  // The header: what, when, where, and the sale's state.
  const saleLine = h("p", { id: "sale", "data-status": event.saleStatus });
  const showSale = () => {
    saleLine.dataset.status = event.saleStatus;
    const opens = event.saleStatus === "SCHEDULED" ? ` · opens ${when(event.onSaleAt)} (in ${mmss(event.onSaleAt)})` : "";
    saleLine.replaceChildren(h("span", { class: `badge ${event.saleStatus}` }, saleWords[event.saleStatus]), opens);
  };
  const status = h("div", { id: "status" });
  const showStatus = () => {
    const parts = [];
    if (event.saleStatus === "CANCELLED")
      parts.push(h("div", { class: "panel notice bad" }, h("h2", {}, "This event is cancelled"),
        h("p", {}, "Everyone who bought tickets gets their money back on the card they paid with; you do not need to do anything. Your tickets no longer let you in.")));
    else if (soldOut()) parts.push(h("div", { class: "panel notice warn" }, h("h2", {}, "Sold out right now"),
      h("p", {}, "Seats may come back when holds run out or orders are cancelled. Join the waitlist and we offer them to you in turn.")));
    status.replaceChildren(...parts);
  };
  const soldOut = () => event.saleStatus === "ON_SALE" && map.seats.length + areas.length > 0 &&
    !map.status.includes("AVAILABLE") && areas.every((a) => a.available === 0);

  // The access code (presale or discount), used by the next hold.
  const code = h("input", { id: "code", name: "code", maxlength: "32", autocomplete: "off", pattern: "[A-Za-z0-9_\\-]{1,32}", oninput: () => refresh() });
  const codeBox = h("details", { class: "panel" }, h("summary", {}, "Have a presale or discount code?"),
    h("div", { class: "field" }, h("label", { for: "code" }, "Code"), code),
    h("p", { class: "muted" }, "It is used when you hold seats."));

  // The seat map.
  const map = new SeatMap(layout, event.currency, { canPick: whyNot, changed: () => refresh(), say: (t) => tell(t) });

  /// A select of 1 to the order's most tickets, `chosen` picked.
  const counts = (id, chosen = 1) => h("select", { id },
    Array.from({ length: event.maxSeatsPerOrder }, (_, i) => h("option", { value: i + 1, selected: i + 1 === chosen }, String(i + 1))));

  // Best available.
  const qty = counts("quantity", 2);
  const section = h("select", { id: "best-section" }, h("option", { value: "" }, "Any section"), map.sections.map((s) => h("option", { value: s.name }, `Section ${s.name}`)));
  const bestButton = h("button", { type: "button", id: "best", onclick: () => holdSeats({ quantity: Number(qty.value), ...(section.value ? { section: section.value } : {}) }) }, "Find the best seats");
  const best = map.seats.length ? h("div", { class: "panel" }, h("h2", {}, "Best available"),
    h("div", { class: "inline" }, h("div", { class: "field" }, h("label", { for: "quantity" }, "Tickets"), qty),
      h("div", { class: "field" }, h("label", { for: "best-section" }, "Where"), section), bestButton)) : "";

  // Standing areas: counts, not seats.
  const areaBox = h("div", { id: "areas" });
  let areasDrawn = "";
  const drawAreas = () => {
    // Drawn again only when what they show changed (a redraw would move the buyer's focus).
    const now = JSON.stringify([areas, !!whyNot()]);
    if (now === areasDrawn) return;
    areasDrawn = now;
    areaBox.replaceChildren(...areas.map((a) => {
      const meta = layout.generalAdmission.find((g) => g.section === a.section) || {};
      const sel = counts(`qty-${a.section}`);
      return h("div", { class: "panel area", "data-area": a.section, "data-available": a.available },
        h("div", {}, h("h2", {}, `${a.section}: standing`), h("p", {}, `${money(meta.totalPriceCents, event.currency)} each · `,
          a.available ? `${a.available} of ${meta.capacity} places left` : h("strong", {}, "none left right now"))),
        h("div", { class: "inline" }, h("div", { class: "field" }, h("label", { for: `qty-${a.section}` }, "Places"), sel),
          h("button", { type: "button", class: "take", "aria-disabled": whyNot() || !a.available ? "true" : "false",
            onclick: () => holdSeats({ quantity: Number(sel.value), section: a.section }) }, "Add to order")));
    }));
  };

  // The waiting room.
  const queueBox = h("div", { id: "queue", class: "panel", "aria-live": "polite" });
  let pollTimer = null;
  const poll = (ms, read = readEntry) => { clearTimeout(pollTimer); pollTimer = setTimeout(read, ms); };
  async function readEntry() {
    const before = entry && `${entry.status}/${entry.position}`;
    try { entry = await call("GET", `/events/${eventId}/queue`); }
    catch (err) { if (err.status !== 404) { poll(err.retryAfter ? err.retryAfter * 1000 : 5000); return; } entry = null; }
    // A place drawn or a turn come: the sale has moved on (opened, say): read the event again.
    if (entry && before !== null && before !== `${entry.status}/${entry.position}`) await reloadEvent();
    showQueue();
    if (entry && (entry.status === "WAITING" || entry.status === "SOLD_OUT")) poll(2000, readProgress);
  }
  // While it waits the page follows the line's progress (the same for everyone, a second old,
  // kept by the edge) and reads its own entry only when that concerns it: the places drawn, its
  // turn come, or the line sold out or back.
  async function readProgress() {
    let line;
    try { line = await call("GET", `/events/${eventId}/queue/progress`); }
    catch (err) { poll(err.retryAfter ? err.retryAfter * 1000 : 5000, readProgress); return; }
    if (!entry) return;
    const placed = entry.position != null;
    if (placed ? entry.position <= line.servedUpTo || (entry.status === "SOLD_OUT") !== line.soldOut : line.opened) { readEntry(); return; }
    if (placed && entry.status === "WAITING") { entry = { ...entry, ahead: entry.position - line.servedUpTo - 1 }; showQueue(); }
    poll(2000, readProgress);
  }
  let lastQueueStatus = null, queueDrawn = "";
  function showQueue() {
    if (!event.waitingRoom || event.saleStatus === "CANCELLED" || event.saleStatus === "ENDED") { queueBox.hidden = true; return; }
    // Drawn again only when what it says changed (a redraw would move the buyer's focus).
    const now = JSON.stringify([entry && [entry.status, entry.position, entry.ahead, entry.accessExpiresAt], event.saleStatus]);
    if (now === queueDrawn) return;
    queueDrawn = now;
    queueBox.hidden = false;
    queueBox.dataset.status = entry ? entry.status : "NONE";
    const minutes = Math.round(event.waitingRoom.admissionTtlSeconds / 60);
    if (entry && entry.status !== lastQueueStatus && lastQueueStatus !== null && entry.status === "ADMITTED") announce(`It is your turn. You have ${minutes} minutes to pick your seats.`);
    lastQueueStatus = entry ? entry.status : null;
    if (!entry) {
      queueBox.replaceChildren(h("h2", {}, "Waiting room"),
        h("p", {}, `This sale has a waiting room. When it is your turn you get ${minutes} minutes to pick seats. Everyone who joins before the sale opens gets a random place at the opening, so there is no need to rush.`),
        me ? h("button", { type: "button", class: "primary", id: "join", onclick: join }, "Join the queue") : h("a", { href: `/signin?back=/events/${eventId}`, "data-link": true }, "Sign in to join the queue"));
      return;
    }
    const rate = event.waitingRoom.admitPerMinute;
    const lines = [h("h2", {}, "Waiting room")];
    if (entry.status === "WAITING" && entry.position == null)
      lines.push(h("p", { id: "queue-state" }, "You are in the queue."), h("p", {}, `Your place is drawn when the sale opens, ${when(event.onSaleAt)}. Keep this page open.`));
    else if (entry.status === "WAITING") {
      const ahead = entry.ahead ?? entry.position - 1;
      lines.push(h("p", { id: "queue-state" }, h("strong", {}, `You are number ${entry.position} in the queue.`)),
        h("p", { id: "ahead" }, ahead === 0 ? "You are next." : `${ahead} ${ahead === 1 ? "person is" : "people are"} ahead of you.`),
        h("p", {}, rate ? `Expected wait: ${roughly((ahead + 1) / rate * 60)}.` : "People are let in as seats are bought, so the wait depends on how fast they go. Keep this page open."));
    } else if (entry.status === "ADMITTED")
      lines.push(h("p", { id: "queue-state" }, h("strong", {}, "It is your turn: pick your seats.")),
        h("p", {}, "Time left to buy: ", h("span", { class: "timer", role: "timer", id: "admission-timer", "data-until": entry.accessExpiresAt }, mmss(entry.accessExpiresAt))));
    else if (entry.status === "SOLD_OUT")
      lines.push(h("p", { id: "queue-state" }, h("strong", {}, "Everything is taken right now.")),
        h("p", {}, `You keep your place (number ${entry.position}). If seats come back, people are let in again in queue order. You can also join the waitlist below.`));
    else lines.push(h("p", { id: "queue-state" }, h("strong", {}, "Your turn has passed.")), h("p", {}, "Your time to buy ran out."));
    queueBox.replaceChildren(...lines);
  }
  async function join() {
    try { entry = await call("POST", `/events/${eventId}/queue`, {}); showQueue(); poll(1000, readProgress); announce(`You joined the queue.`); }
    catch (err) { say(err.message); }
  }

  // The waitlist (sold out, or the queue sold out).
  const waitBox = h("div", { id: "waitlist", class: "panel" });
  let waitTimer = null;
  async function readWaitlist() {
    clearTimeout(waitTimer);
    try { waitlist = await call("GET", `/events/${eventId}/waitlist`); } catch (err) { if (err.status !== 404) throw err; waitlist = null; }
    showWaitlist();
    // The offer's push may be missed (a reconnect): a waiting entry is read again now and then.
    if (waitlist && waitlist.status === "WAITING" && !closed) waitTimer = setTimeout(() => readWaitlist().catch(() => null), 5000);
  }
  let waitDrawn = "";
  function showWaitlist() {
    const show = me && (soldOut() || (entry && entry.status === "SOLD_OUT") || (waitlist && waitlist.status !== "LEFT"));
    waitBox.hidden = !show;
    if (!show) return;
    // Drawn again only when what it says changed (a redraw would lose the buyer's choice and focus).
    const now = JSON.stringify(waitlist && [waitlist.status, waitlist.quantity, waitlist.offer]);
    if (now === waitDrawn) return;
    waitDrawn = now;
    if (!waitlist || ["LEFT", "EXPIRED", "ACCEPTED"].includes(waitlist.status)) {
      const wq = counts("waitlist-quantity");
      waitBox.replaceChildren(h("h2", {}, "Waitlist"),
        waitlist && waitlist.status === "EXPIRED" ? h("p", {}, "Your last offer ran out. You can join again.") : "",
        h("div", { class: "inline" }, h("div", { class: "field" }, h("label", { for: "waitlist-quantity" }, "Tickets wanted"), wq),
          h("button", { type: "button", id: "waitlist-join", onclick: async () => {
            try { await call("POST", `/events/${eventId}/waitlist`, { quantity: Number(wq.value) }); await readWaitlist(); announce("You are on the waitlist."); }
            catch (err) { say(err.message); }
          } }, "Join the waitlist")));
    } else if (waitlist.status === "WAITING") {
      waitBox.replaceChildren(h("h2", {}, "Waitlist"), h("p", { id: "waitlist-state" }, `You are on the waitlist for ${waitlist.quantity} ${waitlist.quantity === 1 ? "ticket" : "tickets"}. If seats come back, we hold them for you and tell you here and by email.`),
        h("button", { type: "button", onclick: async () => { await call("DELETE", `/events/${eventId}/waitlist`).catch(() => null); await readWaitlist(); } }, "Leave the waitlist"));
    } else if (waitlist.status === "OFFERED") {
      const o = waitlist.offer;
      waitBox.replaceChildren(h("h2", {}, "Seats came back for you"), h("p", { id: "waitlist-state" }, `${o.seatIds.join(", ")} are held for you for `, h("span", { class: "timer", role: "timer", "data-until": o.expiresAt }, mmss(o.expiresAt)), "."),
        h("button", { type: "button", class: "primary", onclick: () => { holds.set(eventId, { id: o.holdId, eventId, seatIds: o.seatIds, expiresAt: o.expiresAt }); go(`/events/${eventId}/checkout`); } }, "Check out these seats"));
    }
  }

  // The order bar: what is picked or held, its total, the hold's countdown, what to do next.
  const bar = h("div", { class: "bar", role: "region", "aria-label": "Your order", id: "bar" });
  let warned = false, ticks = 0;
  function drawBar() {
    const why = whyNot();
    const fee = event.fees && event.fees.perOrderCents ? " + order fee" : "";
    if (hold) {
      const total = hold.breakdown ? money(hold.breakdown.totalCents, event.currency) : "";
      bar.replaceChildren(
        h("div", { class: "what" }, h("div", {}, `You hold ${hold.seatIds.length} ${hold.seatIds.length === 1 ? "ticket" : "tickets"}`, total ? " · " : "", total ? h("span", { class: "total" }, total) : ""),
          h("div", {}, "Held for you for ", h("span", { class: "timer", role: "timer", id: "hold-timer", "aria-live": "off", "data-until": hold.expiresAt }, mmss(hold.expiresAt)))),
        h("button", { type: "button", id: "release", onclick: release }, "Let them go"),
        h("a", { class: "button primary", id: "checkout", href: `/events/${eventId}/checkout`, "data-link": true }, "Check out"));
    } else if (lapsed) {
      bar.replaceChildren(h("div", { class: "what" }, h("strong", {}, "Your hold ran out"), h("div", {}, "The seats went back on sale.")),
        h("button", { type: "button", class: "primary", id: "hold-again", "aria-disabled": whyNot() ? "true" : "false", onclick: () => { const again = lapsed; lapsed = null; holdSeats(again); } }, "Hold them again"));
    } else if (map.selected.size) {
      bar.replaceChildren(h("div", { class: "what" }, h("div", {}, `${map.selected.size} ${map.selected.size === 1 ? "seat" : "seats"} picked · `, h("span", { class: "total" }, money(map.total(), event.currency)), fee),
          h("div", { class: "muted" }, [...map.selected].join(", "))),
        h("button", { type: "button", onclick: () => map.clearSelection() }, "Clear"),
        h("button", { type: "button", class: "primary", id: "hold", "aria-disabled": why ? "true" : "false", onclick: () => holdSeats({ seatIds: [...map.selected] }) }, "Hold these seats"));
    } else {
      bar.replaceChildren(h("div", { class: "what" }, why || (map.seats.length ? "Pick seats on the map, or find the best available." : "Choose how many places you want.")));
    }
  }
  function tick() {
    showSale();
    // Every countdown on the page names its end.
    for (const t of main.querySelectorAll(".timer[data-until]")) t.textContent = mmss(t.dataset.until);
    if (hold) {
      const left = new Date(hold.expiresAt) - Date.now();
      document.getElementById("hold-timer")?.classList.toggle("low", left < 60000);
      if (left < 60000 && !warned) { warned = true; announce("One minute left on your hold."); }
      if (left <= 0) {
        lapsed = hold.request || { seatIds: hold.seatIds };
        setHold(null);
        announce("Your hold ran out and the seats went back on sale.");
      }
    }
    // The opening, by this device's clock or (every 10 s, in case that clock is wrong) the server's.
    if (event.saleStatus === "SCHEDULED" && (new Date(event.onSaleAt) <= Date.now() || ++ticks % 10 === 0)) reloadEvent();
  }
  function setHold(next) {
    hold = next;
    warned = false;
    holds.set(eventId, next);
    map.setMine(next ? next.seatIds : []);
    refresh();
  }
  function refresh() {
    drawBar(); drawAreas(); showStatus(); showWaitlist();
    bestButton.setAttribute("aria-disabled", whyNot() ? "true" : "false");
    // A sale that is over shows its map greyed: nothing on it is for sale any more.
    map.el.classList.toggle("closed", event.saleStatus === "CANCELLED" || event.saleStatus === "ENDED");
  }

  async function holdSeats(request) {
    const why = whyNot();
    if (why) { tell(why); return; }
    busy = true;
    refresh();
    say("");
    const body = { ...request };
    if (code.value.trim()) body.code = code.value.trim();
    try {
      const made = await call("POST", `/events/${eventId}/holds`, body, queueToken());
      made.request = request.quantity ? request : { seatIds: made.seatIds };
      map.clearSelection();
      busy = false;
      setHold(made);
      // Best available may pick another section than the one on screen: show where the seats are.
      const where = made.seatIds[0].split("-");
      if (where.length === 3 && (!map.current || map.current.name !== where[0])) map.show(where[0]);
      announce(`Held ${made.seatIds.length} for you for ${mmss(made.expiresAt)} minutes. Check out to pay.`);
      document.getElementById("checkout")?.focus();
    } catch (err) {
      busy = false;
      say(err.message);
      announce(err.message);
      if (err.code === "SEATS_UNAVAILABLE") map.apply(err.seatIds.map((id) => ({ id, status: "HELD" })));
      refresh();
    }
  }
  async function release() {
    if (!hold) return;
    await call("DELETE", `/holds/${hold.id}`).catch(() => null);
    setHold(null);
    announce("Your seats were let go.");
  }

  async function reloadEvent() {
    const was = event.saleStatus;
    event = await eventOf(eventId, true);
    // What was said of the sale before it moved on (not on sale yet, say) no longer holds.
    if (event.saleStatus !== was) say("");
    showSale(); showQueue(); refresh();
  }

  // Live: subscribe first, then read the statuses, then apply what arrived meanwhile.
  async function live() {
    if (closed || !me) return;
    const pending = [];
    let loaded = false;
    socket = new WebSocket(socketUrl(eventId));
    socket.onmessage = (m) => {
      const msg = JSON.parse(m.data);
      if (msg.eventId !== eventId) return;
      if (msg.type === "queue.changed") { readEntry(); return; }
      if (msg.type === "waitlist.offered") { readWaitlist(); return; }
      if (msg.type !== "seats.changed") return;
      if (!loaded) { pending.push(msg); return; }
      changed(msg);
    };
    socket.onclose = () => { document.body.dataset.live = "no"; if (!closed) setTimeout(live, 1000); };
    await new Promise((ok) => { socket.onopen = ok; socket.onerror = ok; });
    await readStatuses();
    loaded = true;
    for (const msg of pending) changed(msg);
    document.body.dataset.live = "yes";
  }
  let areaTimer = null;
  function changed(msg) {
    map.apply(msg.seats);
    // A seat of the buyer's own hold back on sale: the hold ended (it ran out, or was let go elsewhere).
    if (hold && msg.seats.some((s) => hold.seatIds.includes(s.id) && s.status === "AVAILABLE")) {
      lapsed = hold.request || { seatIds: hold.seatIds };
      setHold(null);
      announce("Your hold ran out and the seats went back on sale.");
    }
    if (msg.seats.some((s) => s.id.split("-").length === 2) && !areaTimer) areaTimer = setTimeout(() => { areaTimer = null; readStatuses(); }, 500);
    refresh();
  }
  async function readStatuses() {
    const s = await call("GET", `/events/${eventId}/seats?view=status`);
    map.setAll(s.statuses);
    areas = s.generalAdmission;
    refresh();
    // When the map first shows every seat's status (the storefront's "map ready", measured by its tests).
    if (!performance.getEntriesByName("map-ready").length) performance.mark("map-ready");
  }

  // A stored hold may have lapsed or been booked meanwhile.
  if (hold) {
    try { const fresh = await call("GET", `/holds/${hold.id}`); hold = { ...fresh, request: hold.request }; }
    catch (_) { hold = null; holds.set(eventId, null); }
  }
  map.setMine(hold ? hold.seatIds : []);
  map.show(params.get("section") || (map.sections[0] && map.sections[0].name));

  main.replaceChildren(
    h("h1", {}, event.name),
    h("p", {}, at(event.startsAt), ` · ${event.venue}`),
    saleLine, status, message, queueBox, codeBox,
    map.seats.length ? h("h2", {}, "Pick your seats") : "", map.seats.length ? map.el : "",
    best, areaBox, waitBox,
    me && me.admin ? h("p", {}, h("a", { href: `/events/${eventId}/organiser`, "data-link": true }, "Organiser view")) : "",
    bar);
  showSale();
  showQueue();
  const clock = setInterval(tick, 1000);
  if (me) {
    await live();
    if (event.waitingRoom) await readEntry();
    await readWaitlist().catch(() => null);
  } else await readStatuses();
  refresh();
  return () => { closed = true; clearTimeout(pollTimer); clearTimeout(waitTimer); clearInterval(clock); if (socket) socket.close(); };
}
