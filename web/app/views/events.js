// The event list: what is coming up, when, where, from what price, and whether it is on sale.
import { call, session } from "../api.js";
import { at, h, money, when, saleWords } from "../format.js";

export async function eventList(main) {
  main.replaceChildren(h("h1", {}, "Events"));
  if (!session.claims()) {
    main.append(h("p", {}, h("a", { href: "/signin?back=/", "data-link": true }, "Sign in"), " to see what is on sale."));
    return;
  }
  const items = [];
  let cursor = null;
  // Every page of the list (the API pages by 100); past events are not for sale.
  for (let i = 0; i < 20; i++) {
    const page = await call("GET", `/events?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    items.push(...page.items);
    cursor = page.nextCursor;
    if (!cursor) break;
  }
  const now = Date.now();
  const coming = items.filter((e) => new Date(e.startsAt) > now).sort((a, b) => new Date(a.startsAt) - new Date(b.startsAt));
  if (!coming.length) {
    main.append(h("p", {}, "Nothing is on sale right now. Check back soon."));
    return;
  }
  main.append(h("ul", { class: "events" }, coming.map((e) => {
    const r = e.priceRange;
    const price = r.minCents === r.maxCents ? money(r.minCents, e.currency) : `${money(r.minCents, e.currency)} – ${money(r.maxCents, e.currency)}`;
    const status = e.saleStatus === "SCHEDULED" ? `On sale ${when(e.onSaleAt)}` : saleWords[e.saleStatus];
    return h("li", { "data-event": e.id },
      h("h2", {}, h("a", { href: `/events/${e.id}`, "data-link": true }, e.name)),
      h("p", {}, at(e.startsAt)),
      h("p", {}, e.venue),
      h("p", {}, `Tickets ${price}`, e.fees && e.fees.perOrderCents ? h("span", { class: "muted" }, ` (plus ${money(e.fees.perOrderCents, e.currency)} per order)`) : ""),
      h("p", {}, h("span", { class: `badge ${e.saleStatus}` }, status), e.waitingRoom ? h("span", { class: "muted" }, " · waiting room") : ""));
  })));
}
