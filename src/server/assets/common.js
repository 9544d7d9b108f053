// Shared by the queue and the document view: the API call, the reviewer's name, and
// the small pieces both pages draw.
"use strict";

// A busy server answers 503 before doing anything, so even a save is safe to send
// again once the Retry-After it names has passed.
async function fetchRetrying(url, init) {
  for (let attempt = 1; ; attempt++) {
    const resp = await fetch(url, init);
    if (resp.status !== 503 || attempt >= 10) return resp;
    const secs = Number(resp.headers.get("Retry-After")) || 1;
    await new Promise((done) => setTimeout(done, secs * 1000));
  }
}

async function api(method, url, body) {
  const init = { method, headers: {} };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const resp = await fetchRetrying(url, init);
  const data = await resp.json().catch(() => ({}));
  if (!resp.ok) {
    const err = new Error(data.error || resp.status + " " + resp.statusText);
    err.status = resp.status;
    throw err;
  }
  return data;
}

function reviewerInput() {
  const input = document.getElementById("reviewer");
  input.value = localStorage.getItem("nianbao.reviewer") || "reviewer";
  input.addEventListener("change", () => {
    localStorage.setItem("nianbao.reviewer", input.value.trim() || "reviewer");
  });
  return () => input.value.trim() || "reviewer";
}

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c);
  return e;
}

function checkList(target, checks) {
  target.replaceChildren(
    ...checks.map((c) =>
      el("li", { class: "check " + (c.ok ? "ok" : "failed"), "data-rule": c.rule },
        el("code", {}, c.rule), " ", c.detail)
    )
  );
}

function say(text, kind) {
  const m = document.getElementById("message");
  m.textContent = text;
  m.className = kind || "";
}

function keyOf(c) {
  return { document: c.document, table: c.table, row: c.row, col: c.col };
}

function sameCell(a, b) {
  return a.document === b.document && a.table === b.table && a.row === b.row && a.col === b.col;
}
