// Money, dates and countdowns as a buyer reads them, in the browser's own language.

const formats = new Map();
/// Integer minor units as the currency's amount ("$45.00"); one formatter per currency (a big
/// map labels thousands of seats).
export function money(cents, currency = "USD") {
  if (!formats.has(currency)) formats.set(currency, new Intl.NumberFormat(undefined, { style: "currency", currency }));
  return formats.get(currency).format(cents / 100);
}

export function when(iso) {
  return new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "numeric", minute: "2-digit" }).format(new Date(iso));
}

/// A `<time>` element saying `iso` as [`when`] does.
export function at(iso) {
  return h("time", { datetime: iso }, when(iso));
}

/// The bytes of a base64url string (a JWT's or a ticket code's part), padding or not.
export function fromB64url(text) {
  const b64 = text.replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(b64 + "===".slice((b64.length + 3) % 4)), (c) => c.charCodeAt(0));
}

/// mm:ss of the time left until `iso` (never below 00:00).
export function mmss(iso) {
  const s = Math.max(0, Math.ceil((new Date(iso) - Date.now()) / 1000));
  return `${String(Math.floor(s / 60)).padStart(2, "0")}:${String(s % 60).padStart(2, "0")}`;
}

/// "3 minutes" / "about 2 hours": a duration in words.
export function roughly(seconds) {
  if (seconds < 90) return "about a minute";
  if (seconds < 5400) return `about ${Math.round(seconds / 60)} minutes`;
  return `about ${Math.round(seconds / 3600)} hours`;
}

/// "A-3-12" as "Section A, row 3, seat 12"; a standing place "FLOOR-7" as "FLOOR, standing".
export function seatName(id) {
  const p = id.split("-");
  return p.length === 3 ? `Section ${p[0]}, row ${p[1]}, seat ${p[2]}` : `${p[0]}, standing`;
}

export const saleWords = { SCHEDULED: "Not on sale yet", ON_SALE: "On sale", ENDED: "Sales have ended", CANCELLED: "Cancelled" };

/// Elements from a tag, attributes and children (strings become text, never HTML).
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "class") el.className = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}

/// Says `text` to screen-reader users (and shows it where `where` is given).
export function announce(text) {
  const box = document.getElementById("announce");
  box.textContent = "";
  setTimeout(() => { box.textContent = text; }, 30);
}
