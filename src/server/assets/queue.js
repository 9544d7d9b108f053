// The queue page: one doubtful cell at a time, decided from the keyboard, the next
// one's images already fetched.
"use strict";

const reviewer = reviewerInput();
const state = { items: [], pos: 0, total: 0, undo: [] };
const $ = (id) => document.getElementById(id);
const FILTERS = ["organization", "year", "table", "reason"];

function query() {
  const p = new URLSearchParams({ reviewer: reviewer(), limit: "50" });
  for (const f of FILTERS) {
    const v = $("f-" + f).value;
    if (v) p.set(f, v);
  }
  return p.toString();
}

function cellUrl(it) {
  return `/img/cell/${it.document}/${it.table}/${it.row}/${it.col}`;
}

function rowUrl(it) {
  return `/img/row/${it.document}/${it.table}/${it.row}`;
}

async function loadFilters() {
  const f = await api("GET", "/api/filters");
  const fill = (id, values) =>
    $(id).append(...values.map((v) => el("option", { value: String(v) }, String(v))));
  fill("f-organization", f.organizations);
  fill("f-year", f.years);
  fill("f-table", f.tables);
  fill("f-reason", f.reasons);
}

async function load() {
  const q = await api("GET", "/api/queue?" + query());
  state.items = q.items;
  state.total = q.total;
  state.pos = 0;
  await show();
}

function current() {
  return state.items[state.pos];
}

async function show() {
  const it = current();
  $("count").textContent = `${state.total} awaiting review`;
  drawNext();
  if (!it) {
    $("item").classList.add("empty");
    $("cell-name").textContent = "Nothing left to review here.";
    return;
  }
  $("item").classList.remove("empty");
  const doc = el("a", { href: `/doc/${it.document}` }, it.path);
  $("where").replaceChildren(`${it.organization || "?"} · ${it.year || "?"} · `, doc, ` · page ${it.page}`);
  $("cell-name").replaceChildren(
    `${it.row_label} · ${it.col_label} `,
    el("small", {}, `${it.table}.${it.row}.${it.col}`)
  );
  // A cell flagged by a later decision may have no crop: its page is in the document view.
  $("cell-img").src = it.has_row_image ? cellUrl(it) : "";
  $("row-img").src = it.has_row_image ? rowUrl(it) : "";
  document.querySelector(".crops").hidden = !it.has_row_image;
  $("read").textContent = it.text === "" ? "(nothing)" : it.text;
  $("proposed").textContent = it.value === null ? "(empty)" : it.value;
  $("confidence").textContent = it.confidence.toFixed(2);
  $("reason").textContent = it.reason;
  checkList($("failing"), it.failing);
  resetValue();
  for (const next of state.items.slice(state.pos + 1, state.pos + 3)) {
    if (next.has_row_image) {
      new Image().src = cellUrl(next);
      new Image().src = rowUrl(next);
    }
  }
  try {
    await api("POST", "/api/claim", { ...keyOf(it), reviewer: reviewer() });
  } catch (e) {
    if (e.status === 409 && current() === it) {
      say(e.message + ": skipped", "error");
      state.items.splice(state.pos, 1);
      state.total -= 1;
      return show();
    }
    say(e.message, "error");
  }
}

function drawNext() {
  const rest = state.items.slice(state.pos + 1, state.pos + 8);
  $("next").replaceChildren(
    ...rest.map((it) => el("li", {}, `${it.row_label} · ${it.col_label}: ${it.value ?? "(empty)"}`))
  );
}

function resetValue() {
  const it = current();
  const input = $("value");
  input.value = it && it.value !== null ? it.value : "";
  input.focus();
  input.select();
}

async function save() {
  const it = current();
  if (!it) return;
  const value = $("value").value;
  try {
    const r = await api("POST", "/api/decide", {
      ...keyOf(it), value, version: it.version, reviewer: reviewer(),
    });
    state.undo.push({ audit: r.audit, item: it });
    drawLast(it, r, "saved");
    const gone = [it, ...r.cleared];
    state.items = state.items.filter((x, i) => i < state.pos || !gone.some((g) => sameCell(g, x)));
    state.total -= gone.length;
    say(r.cleared.length ? `saved; its check also cleared ${r.cleared.length} other cell(s)` : "saved", "ok");
    if (state.items.length - state.pos < 3 && state.total > state.items.length - state.pos) {
      await load();
    } else {
      await show();
    }
  } catch (e) {
    say(e.message, "error");
  }
}

function drawLast(it, r, verb) {
  $("last-body").textContent =
    `${verb}: ${it.row_label} · ${it.col_label} = ${r.value ?? "(empty)"} (${r.status})`;
  checkList($("last-checks"), r.checks);
}

async function undo() {
  const u = state.undo.pop();
  if (!u) return say("nothing to undo");
  try {
    const r = await api("POST", "/api/undo", { audit: u.audit, reviewer: reviewer() });
    drawLast(u.item, r, "undone");
    say("undone", "ok");
    await load();
  } catch (e) {
    say(e.message, "error");
  }
}

function move(step) {
  const next = state.pos + step;
  if (next < 0 || next >= state.items.length) return;
  state.pos = next;
  show();
}

$("decide").addEventListener("submit", (e) => {
  e.preventDefault();
  save();
});

document.addEventListener("keydown", (e) => {
  // Typing a name or choosing a filter keeps its keys.
  if (e.target !== $("value") && e.target !== document.body) return;
  if (e.key === "Tab") {
    e.preventDefault();
    move(e.shiftKey ? -1 : 1);
  } else if (e.key === "j" || e.key === "k") {
    e.preventDefault();
    move(e.key === "j" ? 1 : -1);
  } else if (e.key === "u") {
    e.preventDefault();
    undo();
  } else if (e.key === "Escape") {
    resetValue();
  }
});

for (const f of FILTERS) $("f-" + f).addEventListener("change", () => load().catch((e) => say(e.message, "error")));
$("reviewer").addEventListener("change", () => load());

loadFilters()
  .then(load)
  .catch((e) => say(e.message, "error"));
