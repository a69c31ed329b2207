// The door: a steward scans (or types) a ticket code, the page answers ADMITTED, ALREADY IN,
// REVOKED, WRONG EVENT or INVALID in big letters, colour and words, and reads it out. One nonce
// per scan: a retry after a dropped answer gets the first answer back, never a second admission.
import { call, session } from "../api.js";
import { fromB64url, h } from "../format.js";

/// The seat a code names (its payload: ticket id, event id, then the seat id), read offline.
function seatOf(code) {
  try {
    return new TextDecoder().decode(fromB64url(code.split(".")[1]).slice(32));
  } catch (_) { return ""; }
}

export async function door(main, params, go) {
  if (!session.claims().staff) {
    main.replaceChildren(h("h1", {}, "Door staff only"), h("p", {}, h("a", { href: `/signin?role=staff&back=${encodeURIComponent(location.pathname + location.search)}`, "data-link": true }, "Sign in as door staff")));
    return;
  }
  const events = (await call("GET", "/events?limit=100")).items.filter((e) => new Date(e.startsAt) > Date.now() - 86400000);
  const pick = h("select", { id: "event" }, events.map((e) => h("option", { value: e.id, selected: e.id === params.get("event") }, e.name)));
  const gate = h("input", { id: "gate", value: params.get("gate") || "main", maxlength: "50", required: true });
  const out = h("input", { type: "checkbox", id: "out" });
  const code = h("input", { id: "code", autocomplete: "off", autocapitalize: "off", spellcheck: "false" });
  const verdict = h("p", { class: "big", id: "verdict" }, "READY");
  const seat = h("p", { class: "seatname", id: "seat" });
  const detail = h("p", { id: "detail" }, "Scan a ticket.");
  const result = h("div", { class: "verdict", id: "result", "data-result": "", role: "status", "aria-live": "assertive", "aria-atomic": "true" }, verdict, seat, detail);
  const past = h("ol", { id: "history", reversed: true });
  const show = (r, v, s, d) => {
    result.dataset.result = r;
    verdict.textContent = v;
    seat.textContent = s;
    detail.textContent = d;
    past.prepend(h("li", {}, `${new Date().toLocaleTimeString()} ${v} ${s} ${d}`));
  };
  async function check(c) {
    const body = { eventId: pick.value, code: c, gate: gate.value.trim() || "main", direction: out.checked ? "out" : "in", nonce: crypto.randomUUID() };
    let ok, data;
    try {
      try { data = await call("POST", "/checkins", body); } catch (err) { if (err.status !== 0) throw err; data = await call("POST", "/checkins", body); }
      ok = true;
    } catch (err) { ok = false; data = err.body; data.status = err.status; data.message = err.message; }
    const s = (data.ticket && data.ticket.seatId) || seatOf(c);
    if (ok) show(data.result, data.result === "ADMITTED" ? "ADMITTED" : "EXITED", s, `Gate ${data.gate}`);
    else if (data.code === "ALREADY_CHECKED_IN") show("ALREADY_IN", "ALREADY IN", s, `Came in at ${new Date(data.at).toLocaleTimeString()}, gate ${data.gate}`);
    else if (data.code === "TICKET_REVOKED") show("REVOKED", "NOT VALID", s, "Cancelled or given away: do not let in");
    else if (data.code === "WRONG_EVENT") show("WRONG_EVENT", "WRONG EVENT", s, "A ticket for another event");
    else if (data.code === "INVALID_TICKET") show("INVALID", "NOT A TICKET", "", "This code is not one of our tickets");
    else show("ERROR", "TRY AGAIN", s, data.message);
  }
  main.replaceChildren(h("h1", {}, "Door"),
    h("form", { class: "panel inline", onsubmit: (e) => { e.preventDefault(); code.focus(); } },
      h("div", { class: "field" }, h("label", { for: "event" }, "Event"), pick),
      h("div", { class: "field" }, h("label", { for: "gate" }, "Gate"), gate),
      h("div", { class: "field" }, h("label", { for: "out" }, "Exit scans"), out)),
    h("form", { id: "scan", onsubmit: async (e) => {
      e.preventDefault();
      const c = code.value.trim();
      code.value = "";
      if (c) await check(c);
      code.focus();
    } }, h("div", { class: "field" }, h("label", { for: "code" }, "Ticket code (scan, or type and press Enter)"), code)),
    result, h("h2", {}, "Last scans"), past);
  code.focus();
}
