// The seat map: the event's layout (read once), each seat's status (the compact status view, then
// the pushes), section first and then its seats, zoomable, at least 24 px a seat at the default
// zoom on a phone. The seats of a section are one ARIA grid: one tab stop, arrow keys between
// seats, Enter or Space to pick; every status has a glyph as well as a colour.
import { h, money } from "./format.js";

const statusOf = { A: "AVAILABLE", H: "HELD", B: "BOOKED", X: "BLOCKED", R: "RESERVED" };
const words = { AVAILABLE: "available", HELD: "held by someone", BOOKED: "sold", BLOCKED: "not for sale",
  RESERVED: "presale only", YOURS: "your seat" };

/// The legend: every status, its colour and its glyph.
export function legend() {
  const item = (status, text, selected) => h("li", {},
    h("span", { class: selected ? "seat picked" : "seat", "data-status": status, "aria-hidden": "true" }), text);
  return h("ul", { class: "legend", "aria-label": "What the seat colours mean" },
    item("AVAILABLE", "Available"), item("AVAILABLE", "Picked by you", true), item("YOURS", "Held for you"),
    item("HELD", "Held by someone"), item("BOOKED", "Sold"), item("BLOCKED", "Not for sale"), item("RESERVED", "Presale only"));
}

export class SeatMap {
  /// `layout`: the `view=layout` answer; `currency`: the event's; `canPick()`: null when seats may be
  /// picked, else why not (said to the buyer); `changed()`: the selection changed.
  constructor(layout, currency, { canPick, changed, say }) {
    this.seats = layout.seats;
    this.currency = currency;
    this.index = new Map(this.seats.map((s, i) => [s.id, i]));
    this.status = new Array(this.seats.length).fill("AVAILABLE");
    this.mine = new Set();
    this.selected = new Set();
    this.canPick = canPick;
    this.changed = changed;
    this.say = say;
    this.sections = [];
    for (const [i, s] of this.seats.entries()) {
      let sec = this.sections[this.sections.length - 1];
      if (!sec || sec.name !== s.section) {
        sec = { name: s.section, category: s.category, first: i, last: i, min: s.totalPriceCents, max: s.totalPriceCents };
        this.sections.push(sec);
      }
      sec.last = i;
      sec.min = Math.min(sec.min, s.totalPriceCents);
      sec.max = Math.max(sec.max, s.totalPriceCents);
    }
    this.current = null;
    this.zoom = 28;
    this.focus = 0;
    this.el = h("div", { class: "seatmap" });
    this.picker = h("div", { class: "sections", role: "group", "aria-label": "Sections" });
    this.grid = h("div", { class: "grid", role: "grid" });
    this.gridWrap = h("div", { class: "grid-wrap" }, this.grid);
    const zoom = (d) => { this.zoom = Math.min(44, Math.max(12, this.zoom + d)); this.applyZoom(); };
    this.zoomLabel = h("span", { class: "muted", "aria-live": "polite" });
    this.el.append(h("div", { class: "stage" }, "STAGE"), this.picker, legend(),
      h("div", { class: "zoom" }, h("button", { type: "button", "aria-label": "Zoom out", onclick: () => zoom(-4) }, "−"),
        h("button", { type: "button", "aria-label": "Zoom in", onclick: () => zoom(4) }, "+"), this.zoomLabel),
      this.gridWrap);
    this.grid.addEventListener("click", (e) => { const b = e.target.closest("[data-seat]"); if (b) this.toggle(b.dataset.seat); });
    this.grid.addEventListener("keydown", (e) => this.key(e));
  }

  /// The seat's status as the page shows it: YOURS for a seat of the buyer's own hold.
  shown(i) {
    const s = this.status[i];
    return this.mine.has(this.seats[i].id) && s === "HELD" ? "YOURS" : s;
  }

  label(i) {
    const s = this.seats[i];
    return `Row ${s.row}, seat ${s.number}, ${money(s.totalPriceCents, this.currency)}, ${words[this.shown(i)]}`;
  }

  /// Sections with their all-in price and how many seats are free.
  drawPicker() {
    this.picker.replaceChildren(...this.sections.map((sec) => {
      let free = 0;
      for (let i = sec.first; i <= sec.last; i++) if (this.status[i] === "AVAILABLE") free++;
      const price = sec.min === sec.max ? money(sec.min, this.currency) : `${money(sec.min, this.currency)} – ${money(sec.max, this.currency)}`;
      return h("button", { type: "button", "aria-pressed": sec === this.current ? "true" : "false", "data-section": sec.name,
        onclick: () => this.show(sec.name) },
        h("span", {}, `Section ${sec.name}`), h("small", {}, `${price} · ${free} free`));
    }));
  }

  /// Shows one section's seats.
  show(name) {
    this.current = this.sections.find((s) => s.name === name) || this.sections[0];
    if (!this.current) { this.el.hidden = true; return; }
    const sec = this.current;
    let html = "", row = null;
    this.focus = sec.first;
    for (let i = sec.first; i <= sec.last; i++) {
      const s = this.seats[i];
      if (s.row !== row) {
        if (row !== null) html += "</div>";
        row = s.row;
        html += `<div class="seat-row" role="row"><span class="row-label" role="rowheader">Row ${s.row}</span>`;
      }
      const st = this.shown(i);
      html += `<button type="button" class="seat" role="gridcell" tabindex="-1" data-seat="${s.id}" data-status="${st}"` +
        ` aria-selected="${this.selected.has(s.id)}" aria-label="${this.label(i)}"><span class="n" aria-hidden="true">${s.number}</span></button>`;
    }
    if (row !== null) html += "</div>";
    this.grid.innerHTML = html;
    this.grid.setAttribute("aria-label", `Seats of section ${sec.name}`);
    this.els = new Map([...this.grid.querySelectorAll("[data-seat]")].map((b) => [b.dataset.seat, b]));
    const first = this.grid.querySelector('[data-status="AVAILABLE"]') || this.grid.querySelector("[data-seat]");
    if (first) first.tabIndex = 0;
    this.applyZoom();
    this.drawPicker();
  }

  applyZoom() {
    this.el.style.setProperty("--seat", `${this.zoom}px`);
    this.grid.classList.toggle("small", this.zoom < 20);
    this.zoomLabel.textContent = this.zoom < 20 ? "Zoomed out: zoom in to see seat numbers" : "";
  }

  /// Redraws one seat after a change.
  paint(i) {
    const el = this.els && this.els.get(this.seats[i].id);
    if (!el) return;
    el.dataset.status = this.shown(i);
    el.setAttribute("aria-selected", String(this.selected.has(this.seats[i].id)));
    el.setAttribute("aria-label", this.label(i));
  }

  /// Every status from the status view's string (one character per seat of the layout).
  setAll(statuses) {
    for (let i = 0; i < this.seats.length; i++) this.status[i] = statusOf[statuses[i]] || "AVAILABLE";
    this.dropTaken();
    if (!this.current) return;
    for (let i = this.current.first; i <= this.current.last; i++) this.paint(i);
    this.drawPicker();
  }

  /// Pushed changes `[{id, status}]`; the ids of picked seats someone else just took.
  apply(changes) {
    let any = false;
    for (const c of changes) {
      const i = this.index.get(c.id);
      if (i === undefined) continue;
      this.status[i] = c.status;
      this.paint(i);
      any = true;
    }
    if (any) { this.dropTaken(); this.drawPicker(); }
  }

  /// Unpicks seats that are no longer free, and tells the buyer which.
  dropTaken() {
    const gone = [...this.selected].filter((id) => this.status[this.index.get(id)] !== "AVAILABLE");
    if (!gone.length) return;
    for (const id of gone) { this.selected.delete(id); this.paint(this.index.get(id)); }
    this.say(`${gone.join(", ")} ${gone.length > 1 ? "were" : "was"} just taken by someone else and ${gone.length > 1 ? "are" : "is"} no longer in your selection.`);
    this.changed();
  }

  /// The seats of the buyer's own hold.
  setMine(ids) {
    const before = [...this.mine];
    this.mine = new Set(ids);
    // The buyer's own hold is held now, whether or not its push has arrived yet.
    for (const id of ids) { const i = this.index.get(id); if (i !== undefined) this.status[i] = "HELD"; }
    for (const id of [...before, ...ids]) { const i = this.index.get(id); if (i !== undefined) this.paint(i); }
  }

  clearSelection() {
    const ids = [...this.selected];
    this.selected.clear();
    for (const id of ids) this.paint(this.index.get(id));
    this.changed();
  }

  toggle(id) {
    const i = this.index.get(id);
    if (i === undefined) return;
    const why = this.canPick();
    if (why) { this.say(why); return; }
    if (this.status[i] !== "AVAILABLE") { this.say(`${id} is ${words[this.shown(i)]}.`); return; }
    if (this.selected.has(id)) this.selected.delete(id); else this.selected.add(id);
    this.paint(i);
    this.changed();
  }

  total() {
    let t = 0;
    for (const id of this.selected) t += this.seats[this.index.get(id)].totalPriceCents;
    return t;
  }

  /// Arrow keys move between seats (a roving tab stop), Home and End to a row's ends.
  key(e) {
    const b = e.target.closest("[data-seat]");
    if (!b) return;
    const rowEl = b.parentElement;
    let next = null;
    if (e.key === "ArrowRight") next = b.nextElementSibling;
    else if (e.key === "ArrowLeft") next = b.previousElementSibling;
    else if (e.key === "Home") next = rowEl.querySelector("[data-seat]");
    else if (e.key === "End") next = rowEl.lastElementChild;
    else if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      const other = e.key === "ArrowDown" ? rowEl.nextElementSibling : rowEl.previousElementSibling;
      if (other) { const pos = [...rowEl.children].indexOf(b); next = other.children[Math.min(pos, other.children.length - 1)]; }
    } else return;
    e.preventDefault();
    if (!next || !next.dataset.seat) return;
    b.tabIndex = -1;
    next.tabIndex = 0;
    next.focus();
  }
}
