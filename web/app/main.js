// The storefront's shell: one page, a view per address, links that change the view without a
// reload, and the signed-in user in the header.
import { session } from "./api.js";
import { signInView, signOut } from "./auth.js";
import { h } from "./format.js";
import { eventList } from "./views/events.js";
import { eventPage } from "./views/event.js";
import { checkout, confirmation } from "./views/checkout.js";
import { myTickets } from "./views/me.js";
import { organiser } from "./views/organiser.js";
import { door } from "./views/door.js";

const uuid = "([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})";
const views = [
  [/^\/$/, eventList, "Events"],
  [new RegExp(`^/events/${uuid}$`), eventPage, "Event"],
  [new RegExp(`^/events/${uuid}/checkout$`), checkout, "Checkout"],
  [new RegExp(`^/events/${uuid}/organiser$`), organiser, "Organiser"],
  [new RegExp(`^/bookings/${uuid}$`), confirmation, "Your order"],
  [/^\/me$/, myTickets, "My tickets"],
  [/^\/door$/, door, "Door"],
  [/^\/signin$/, signInView, "Sign in"],
];
// Views that need a signed-in user send a signed-out one to sign in first, and back after.
const open = new Set([eventList, signInView]);

let leave = null;

/// Shows the view of `path` (pushed to the history unless `replace`).
export function go(path, replace = false) {
  if (replace) history.replaceState(null, "", path); else history.pushState(null, "", path);
  render();
}

function account() {
  const who = session.claims();
  const box = document.getElementById("account");
  if (!who) {
    box.replaceChildren(h("a", { class: "button", href: `/signin?back=${encodeURIComponent(location.pathname + location.search)}`, "data-link": true }, "Sign in"));
    return;
  }
  box.replaceChildren(
    h("span", { id: "who" }, `Signed in as ${who.name}${who.admin ? " (organiser)" : who.staff ? " (staff)" : ""}`),
    h("button", { type: "button", onclick: () => { if (!signOut()) go("/"); } }, "Sign out"));
}

async function render() {
  if (leave) { try { leave(); } catch (_) { /* a view's own clean-up */ } leave = null; }
  const main = document.getElementById("main");
  const url = new URL(location.href);
  const found = views.find(([re]) => re.test(url.pathname));
  account();
  if (!found) {
    main.replaceChildren(h("h1", {}, "Page not found"), h("p", {}, h("a", { href: "/", "data-link": true }, "See all events")));
    return;
  }
  const [re, view, title] = found;
  if (!open.has(view) && !session.claims()) {
    go(`/signin?${view === door ? "role=staff&" : ""}back=${encodeURIComponent(url.pathname + url.search)}`, true);
    return;
  }
  document.title = `${title} · Tickets`;
  const args = url.pathname.match(re).slice(1);
  main.replaceChildren(h("p", { class: "loading" }, "Loading…"));
  try {
    leave = (await view(main, url.searchParams, go, ...args)) || null;
  } catch (err) {
    main.replaceChildren(h("h1", {}, "Something went wrong"), h("p", { class: "error", role: "alert" }, err.message),
      h("p", {}, h("a", { href: "/", "data-link": true }, "Back to all events")));
  }
  const heading = main.querySelector("h1");
  if (heading && document.activeElement === document.body) heading.setAttribute("tabindex", "-1");
}

document.addEventListener("click", (e) => {
  const a = e.target.closest("a[data-link]");
  if (!a || e.ctrlKey || e.metaKey || e.shiftKey || a.origin !== location.origin) return;
  e.preventDefault();
  go(a.pathname + a.search);
});
window.addEventListener("popstate", render);
render();
