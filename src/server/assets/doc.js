// The document view: each page with the cells drawn over it in their status's colour;
// a click opens any cell for correction, flagged or not.
"use strict";

const reviewer = reviewerInput();
const $ = (id) => document.getElementById(id);
const docId = Number(location.pathname.split("/").pop());
let view = null;
let editing = null;

async function load() {
  view = await api("GET", `/api/documents/${docId}`);
  $("title").textContent = `${view.organization || "?"} · ${view.year || "?"} · ${view.path}`;
  checkList($("checks"), view.checks);
  const pages = [...new Set(view.cells.map((c) => c.page))].sort((a, b) => a - b);
  $("pages").replaceChildren(...pages.map(drawPage));
}

function drawPage(number) {
  const dpi = view.dpi[number - 1] || 300;
  const img = el("img", { alt: `page ${number}` });
  const page = el("div", { class: "page" }, img);
  const cells = view.cells.filter((c) => c.page === number);
  // Until the image says its size, an A4 page at the cells' dpi places the boxes.
  const place = (w, h) => {
    for (const c of cells) {
      const box = c.box || (c.box = cellBox(c));
      const [x0, y0, x1, y1] = c.bbox;
      Object.assign(box.style, {
        left: (100 * x0) / w + "%", top: (100 * y0) / h + "%",
        width: (100 * (x1 - x0)) / w + "%", height: (100 * (y1 - y0)) / h + "%",
      });
      page.append(box);
    }
  };
  img.addEventListener("load", () => place(img.naturalWidth, img.naturalHeight));
  const missing = (why) => {
    page.classList.add("missing");
    page.style.aspectRatio = "210 / 297";
    const reason = typeof why === "string" ? why : "the image could not be shown";
    say(`page ${number}: ${reason}; boxes shown on a blank page`);
    place(dpi * 8.27, dpi * 11.69);
  };
  img.addEventListener("error", missing);
  // Fetched rather than left to the <img>: the server renders a few pages at a time
  // and asks for the rest again later, which an image element cannot honour. Its
  // answer says why a page cannot be shown (the file moved, needs its password).
  const refused = (resp) =>
    resp.json().catch(() => ({})).then((d) => Promise.reject(d.error || `${resp.status} ${resp.statusText}`));
  fetchRetrying(`/img/page/${docId}/${number}`)
    .then((resp) => (resp.ok ? resp.blob() : refused(resp)))
    .then((blob) => { img.src = URL.createObjectURL(blob); })
    .catch(missing);
  return el("section", {}, el("h2", {}, `page ${number}`), page);
}

function cellBox(c) {
  const box = el("button", {
    type: "button",
    class: "cell " + c.status,
    title: `${c.row_label} · ${c.col_label}: ${c.value ?? "(empty)"} (${c.status})`,
    "data-cell": `${c.table}.${c.row}.${c.col}`,
  });
  box.addEventListener("click", () => open(c));
  return box;
}

function open(c) {
  editing = c;
  const form = $("editor");
  $("editor-name").textContent = `${c.row_label} · ${c.col_label} (${c.table}.${c.row}.${c.col})`;
  $("editor-read").textContent = `OCR read "${c.text}", value ${c.value ?? "(empty)"}, ${c.status}`;
  const r = c.box.getBoundingClientRect();
  Object.assign(form.style, { left: window.scrollX + r.left + "px", top: window.scrollY + r.bottom + 4 + "px" });
  form.hidden = false;
  const input = $("editor-value");
  input.value = c.value ?? "";
  input.focus();
  input.select();
}

$("editor").addEventListener("submit", async (e) => {
  e.preventDefault();
  const c = editing;
  try {
    const r = await api("POST", "/api/decide", {
      ...keyOf(c), value: $("editor-value").value, version: c.version, reviewer: reviewer(),
    });
    Object.assign(c, { value: r.value, status: r.status, version: r.version });
    c.box.className = "cell " + c.status;
    const byRule = new Map(r.checks.map((k) => [k.rule, k]));
    view.checks = view.checks.map((k) => byRule.get(k.rule) || k);
    checkList($("checks"), view.checks);
    for (const k of r.cleared) {
      const other = view.cells.find((x) => sameCell(x, k));
      if (other) other.box.className = "cell ok";
    }
    say("saved", "ok");
    $("editor").hidden = true;
  } catch (err) {
    say(err.message, "error");
  }
});

document.addEventListener("keydown", (e) => {
  if (e.key === "Escape") $("editor").hidden = true;
});

load().catch((e) => say(e.message, "error"));
