// The public API (API.md) and nothing else: every call carries the buyer's token, every problem
// (RFC 9457) becomes a sentence a buyer can act on. The deployment's settings come from
// /config.json (the local gateway answers it; in AWS a CloudFront function does).

import { fromB64url } from "./format.js";

export const config = await fetch("/config.json").then((r) => r.json());
const base = config.api || "/api/v1";

/// The signed-in user's token and what it says of them (for the page's layout only: the API
/// decides what anyone may do).
export const session = {
  get token() { return sessionStorage.getItem("token"); },
  set token(t) { if (t) sessionStorage.setItem("token", t); else sessionStorage.removeItem("token"); },
  claims() {
    const t = this.token;
    if (!t) return null;
    try {
      const c = JSON.parse(new TextDecoder().decode(fromB64url(t.split(".")[1])));
      if (c.exp && c.exp * 1000 < Date.now()) return null;
      const g = c["cognito:groups"];
      const groups = Array.isArray(g) ? g : String(g || "").replace(/[[\]]/g, "").split(/[ ,]+/);
      return { user: c.sub, name: c["cognito:username"] || c.name || c.sub, admin: groups.includes("admin"), staff: groups.includes("staff") || groups.includes("admin") };
    } catch (_) { return null; }
  },
};

/// A failed call: `message` is for the buyer, `code` and `status` for the page's decisions.
export class Problem extends Error {
  constructor(status, body, retryAfter) {
    super(plainWords(status, body || {}));
    this.status = status;
    this.code = (body && body.code) || "";
    this.seatIds = (body && body.seatIds) || [];
    this.body = body || {};
    this.retryAfter = retryAfter;
  }
}

/// What went wrong, said so that the buyer knows what to do next.
function plainWords(status, p) {
  const seats = p.seatIds && p.seatIds.length ? p.seatIds.join(", ") : "";
  switch (p.code) {
    case "SEATS_UNAVAILABLE": return seats ? `Someone else just took ${seats}. Pick other seats.` : "Those seats were just taken. Pick other seats.";
    case "SEAT_LIMIT_EXCEEDED": return "That is more seats than one order may have. Pick fewer seats.";
    case "USER_LIMIT_EXCEEDED": return "You already have as many tickets for this event as one person may buy.";
    case "HOLD_EXPIRED": return "Your hold ran out and the seats went back on sale. Pick seats again.";
    case "NOT_ON_SALE": return "Tickets are not on sale right now.";
    case "QUEUE_TOKEN_REQUIRED": return "Wait for your turn in the queue before you pick seats.";
    case "PAYMENT_DECLINED": return "Your card was declined. Try another card: your seats stay yours until the timer runs out.";
    case "PAYMENT_REQUIRED": return "The payment has not gone through yet.";
    case "CODE_INVALID": return "That code is not valid for these seats or at this time.";
    case "CODE_EXHAUSTED": return "That code has been used as often as it may be.";
    case "RATE_LIMITED": return "Too many tries at once. Wait a few seconds, then try again.";
    case "BOOKING_STATE_CONFLICT": return "This order can no longer be changed.";
    case "ALREADY_CHECKED_IN": return "This ticket has already been used at the door.";
    case "TICKET_REVOKED": return "This ticket is no longer valid.";
    case "IDEMPOTENCY_IN_PROGRESS": return "We are still working on your last try. Wait a moment.";
  }
  if (status === 401) return "Your sign-in has run out. Sign in again.";
  if (status === 403) return "You are not allowed to do that.";
  if (status === 404) return "We could not find that. It may have ended or been removed.";
  if (status >= 500) return "Something went wrong on our side. Try again in a moment.";
  return p.detail || `That did not work (${status}).`;
}

/// One API call; a body is sent as JSON. Extra headers: `Queue-Token`, `Idempotency-Key`.
export async function call(method, path, body, headers = {}) {
  const h = { ...headers };
  if (session.token) h.authorization = `Bearer ${session.token}`;
  if (body !== undefined) h["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(base + path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch (_) {
    throw new Problem(0, { detail: "We could not reach the shop. Check your connection and try again." });
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Problem(res.status, data, Number(res.headers.get("retry-after") || 0));
  return data;
}

/// A picture the API serves behind the token (a ticket's QR code), as an object URL.
export async function image(path) {
  const res = await fetch(base + path, { headers: { authorization: `Bearer ${session.token}` } });
  if (!res.ok) throw new Problem(res.status, null);
  return URL.createObjectURL(await res.blob());
}

/// The WebSocket address for live seat changes of `eventId`.
export function socketUrl(eventId) {
  const q = `token=${encodeURIComponent(session.token)}&eventId=${encodeURIComponent(eventId)}`;
  if (config.ws) return `${config.ws}?${q}`;
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws?${q}`;
}

/// Events are read often by several views; one copy per page load, a few seconds fresh.
const events = new Map();
export async function eventOf(id, fresh = false) {
  const had = events.get(id);
  if (had && !fresh && Date.now() - had.at < 5000) return had.event;
  const event = await call("GET", `/events/${id}`);
  events.set(id, { at: Date.now(), event });
  return event;
}
