// My tickets: every ticket the buyer holds, by event, with its QR code (and a way to give one to
// a friend); and their orders.
import { call, eventOf, session } from "../api.js";
import { announce, at, h, money, seatName } from "../format.js";
import { ticketCards } from "./checkout.js";

const bookingWords = { PENDING: "Waiting for payment", CONFIRMED: "Paid", CANCELLED: "Cancelled", EXPIRED: "Ran out unpaid" };

/// A "give it to someone" form on each valid ticket: the friend's user name, then a new code is
/// theirs and the old one stops working at the door.
function giving(list, tickets, main) {
  for (const t of tickets.filter((x) => x.status === "VALID")) {
    const card = list.querySelector(`[data-ticket="${t.id}"]`);
    const field = h("input", { id: `to-${t.id}`, maxlength: "64", autocomplete: "off" });
    const said = h("p", { role: "status" });
    card.append(h("details", { class: "give" }, h("summary", {}, "Give this ticket to someone"),
      h("div", { class: "field" }, h("label", { for: `to-${t.id}` }, "Their user name"), field),
      h("button", { type: "button", class: "give-button", onclick: async () => {
        const to = field.value.trim();
        if (!to) { said.textContent = "Type the user name of the person you give it to."; return; }
        try {
          await call("POST", `/tickets/${t.id}/transfer`, { toUserId: to });
          announce(`${seatName(t.seatId)} is now ${to}'s ticket.`);
          await myTickets(main);
        } catch (err) { said.textContent = err.message; }
      } }, "Give ticket"), said));
  }
  return list;
}

export async function myTickets(main) {
  const me = session.claims();
  const [tickets, bookings] = await Promise.all([
    call("GET", `/users/${encodeURIComponent(me.user)}/tickets?limit=100`),
    call("GET", `/bookings/users/${encodeURIComponent(me.user)}?limit=100`)]);
  const ids = [...new Set([...tickets.items.map((t) => t.eventId), ...bookings.items.map((b) => b.eventId)])];
  const events = new Map(await Promise.all(ids.map(async (id) => [id, await eventOf(id).catch(() => null)])));
  main.replaceChildren(h("h1", {}, "My tickets"));
  const live = tickets.items.filter((t) => events.get(t.eventId));
  if (!live.length) main.append(h("p", {}, "You have no tickets yet. ", h("a", { href: "/", "data-link": true }, "See what is on sale"), "."));
  for (const id of ids) {
    const mine = live.filter((t) => t.eventId === id);
    const event = events.get(id);
    if (!mine.length || !event) continue;
    main.append(h("section", { "aria-labelledby": `ev-${id}` },
      h("h2", { id: `ev-${id}` }, event.name),
      h("p", {}, at(event.startsAt), ` · ${event.venue}`,
        event.saleStatus === "CANCELLED" ? h("strong", {}, " · cancelled: your money is refunded") : ""),
      giving(ticketCards(mine, event), mine, main)));
  }
  if (bookings.items.length) {
    main.append(h("h2", {}, "My orders"), h("ul", { class: "bookings" }, bookings.items.map((b) => {
      const event = events.get(b.eventId);
      return h("li", { "data-booking": b.id, "data-status": b.status },
        h("a", { href: `/bookings/${b.id}`, "data-link": true }, event ? event.name : "An event"),
        ` · ${b.seatIds.length} ${b.seatIds.length === 1 ? "ticket" : "tickets"} · ${money(b.totalCents, b.currency)} · `,
        h("strong", {}, bookingWords[b.status] || b.status),
        b.status === "CANCELLED" && b.totalCents > 0 ? " (refunded)" : "");
    })));
  }
}
