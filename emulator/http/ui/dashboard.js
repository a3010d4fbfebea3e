"use strict";
// The batch-emulator dashboard: polls /_emulator/ui/summary and, when its version changes, reloads the
// panels from the admin JSON endpoints. Everything is drawn here; nothing is fetched from elsewhere.

const UI = "/_emulator/ui";
const ADMIN = "/_emulator";
const POLL_MS = 1000;
const BATCH_PAGE = 25;
const FILES_PAGE = 10;
const JOURNAL_PAGE = 50;
const FINDINGS_SHOWN = 20;
const DELIVERIES_SHOWN = 50;
const PHASE_LABEL = { validating: "validating", in_progress: "in progress", finalizing: "finalizing", cancelling: "cancelling" };
const END_MARK = { completed: "●", failed: "✕", expired: "◆", cancelled: "■" };

const state = {
  version: null,
  now: 0,
  batchOffset: 0,
  batchStatus: "",
  zoom: "fit",
  filesOffset: 0,
  journalOffset: 0,
  journalFilter: {},
  expanded: new Set(),
  openBatch: null,
  refreshing: null,
};
// read by the browser tests and handy in the console: how long the last renders took (ms)
window.dashboard = { timings: {}, refreshes: 0 };

// -- talking to the emulator ---------------------------------------------------------------------------

// The one place that knows about the admin token: the page may be opened as /_emulator/ui?token=TOKEN; the
// token is kept for this tab (sessionStorage), taken out of the address bar, and sent on every admin call.
function adminFetch(path, options = {}) {
  const url = new URL(window.location.href);
  const given = url.searchParams.get("token");
  if (given !== null) {
    sessionStorage.setItem("batch-emulator-token", given);
    url.searchParams.delete("token");
    history.replaceState(null, "", url.pathname + url.search + url.hash);
  }
  const token = sessionStorage.getItem("batch-emulator-token");
  const headers = new Headers(options.headers || {});
  if (token) headers.set("Authorization", "Bearer " + token);
  return fetch(path, { ...options, headers, cache: "no-store" });
}

async function call(method, path, body) {
  const options = { method };
  if (body !== undefined) {
    options.body = JSON.stringify(body);
    options.headers = { "Content-Type": "application/json" };
  }
  const response = await adminFetch(path, options);
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch (_) { data = text; }
  if (!response.ok) {
    const message = data && data.error && data.error.message ? data.error.message : response.status + " " + response.statusText;
    throw new Error(message);
  }
  return data;
}

const getJSON = (path) => call("GET", path);

function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== "" && value !== null && value !== undefined) search.set(key, value);
  }
  return search.toString();
}

// -- small DOM and formatting helpers -----------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

const SVG_NS = "http://www.w3.org/2000/svg";
function svg(tag, attrs, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function iso(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  return new Date(seconds * 1000).toISOString().replace(".000Z", "Z");
}
function shortTime(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  return iso(seconds).replace("T", " ").replace("Z", "");
}
function compactTime(seconds) {
  return shortTime(seconds).slice(5);  // month-day hour:minute:second; the title holds the full time
}
function duration(seconds) {
  if (seconds > 0 && seconds < 10 && Math.round(seconds * 100) % 100) return Number(seconds.toFixed(2)) + " s";
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return s + " s";
  if (s < 3600) return Math.floor(s / 60) + " min" + (s % 60 ? " " + (s % 60) + " s" : "");
  if (s < 86400) return Math.floor(s / 3600) + " h" + (Math.floor(s / 60) % 60 ? " " + (Math.floor(s / 60) % 60) + " min" : "");
  return Math.floor(s / 86400) + " d" + (Math.floor(s / 3600) % 24 ? " " + (Math.floor(s / 3600) % 24) + " h" : "");
}
function bytes(n) {
  if (n === null || n === undefined) return "–";
  if (n < 1024) return n + " B";
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + " KB";
  return (n / 1024 / 1024).toFixed(1) + " MB";
}
function shortId(id) { return id.length > 22 ? id.slice(0, 20) + "…" : id; }
function badge(status) { return el("span", { class: "badge " + status, dataset: { status } }, status); }
function dialectTag(dialect) { return el("span", { class: "tag " + dialect }, dialect); }
function pretty(data) { return JSON.stringify(data, null, 2); }

function notice(message, isError) {
  const box = document.getElementById("notice");
  box.textContent = message;
  box.className = isError ? "error" : "";
  box.hidden = !message;
}

function timed(name, render) {
  const started = performance.now();
  render();
  window.dashboard.timings[name] = performance.now() - started;
}

function pager(id, page, onMove) {
  const box = document.getElementById(id);
  const first = page.total ? page.offset + 1 : 0;
  const last = Math.min(page.offset + page.limit, page.total);
  box.replaceChildren(
    el("button", { type: "button", disabled: page.offset === 0, "aria-label": "Previous page", onclick: () => onMove(Math.max(0, page.offset - page.limit)) }, "‹"),
    el("span", { class: "pager-text" }, `${first}–${last} of ${page.total}`),
    el("button", { type: "button", disabled: last >= page.total, "aria-label": "Next page", onclick: () => onMove(page.offset + page.limit) }, "›"),
  );
}

// -- the clock ----------------------------------------------------------------------------------------

function renderClock(clock) {
  state.now = clock.now;
  document.getElementById("clock-iso").textContent = clock.iso;
  document.getElementById("clock-epoch").textContent = "epoch " + Number(clock.now).toFixed(0);
  document.getElementById("clock-mode").textContent = clock.mode + " clock" + (clock.mode === "real" ? ", speed ×" + clock.speed : "");
}

async function clockAction(label, path, body) {
  const buttons = document.querySelectorAll(".top button");
  buttons.forEach((b) => { b.disabled = true; });
  try {
    const result = await call("POST", ADMIN + path, body);
    notice(`${label}: now ${result.iso}, ${result.transitions} transition${result.transitions === 1 ? "" : "s"} ran.`);
    await refresh(true);
  } catch (error) {
    notice(`${label} refused: ${error.message}`, true);
  } finally {
    buttons.forEach((b) => { b.disabled = false; });
  }
}

function wireClock() {
  for (const button of document.querySelectorAll("[data-advance]")) {
    button.addEventListener("click", () => clockAction("Advanced " + button.textContent.trim(), "/clock/advance", { seconds: Number(button.dataset.advance) }));
  }
  document.getElementById("advance-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const amount = Number(document.getElementById("advance-amount").value);
    const unit = Number(document.getElementById("advance-unit").value);
    clockAction("Advanced " + duration(amount * unit), "/clock/advance", { seconds: amount * unit });
  });
  document.getElementById("set-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = document.getElementById("set-time").value.trim();
    const now = /^\d+(\.\d+)?$/.test(value) ? Number(value) : value;
    clockAction("Set the clock", "/clock/set", { now });
  });
  document.getElementById("run-until-idle").addEventListener("click", () => clockAction("Ran until idle", "/clock/run-until-idle", {}));
}

// -- batches: timeline and table ---------------------------------------------------------------------

function niceStep(span) {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400, 172800, 604800];
  return steps.find((step) => span / step <= 8) || 604800;
}

function timelineRange(rows, now) {
  let start = Math.min(now, ...rows.map((row) => row.created_at));
  let end = Math.max(now, ...rows.map((row) => (row.ended ? row.ended.at : now)));
  if (state.zoom === "window") end = Math.max(end, ...rows.map((row) => row.expires_at || end));
  if (end - start < 10) end = start + 10;
  end += (end - start) * 0.03;
  return [start, end];
}

function renderTimeline(rows, now) {
  const box = document.getElementById("timeline");
  if (!rows.length) { box.replaceChildren(); return; }
  const width = Math.max(760, box.clientWidth);
  const labelWidth = 250, rightPad = 150, axisHeight = 36, rowHeight = 24, barHeight = 12;
  const height = axisHeight + rows.length * rowHeight + 6;
  const [start, end] = timelineRange(rows, now);
  const plot = width - labelWidth - rightPad;
  const x = (t) => labelWidth + ((t - start) / (end - start)) * plot;
  const step = niceStep(end - start);
  const ticks = [];
  for (let t = Math.ceil(start / step) * step; t <= end; t += step) {
    const label = end - start >= 86400 * 2 ? iso(t).slice(5, 16).replace("T", " ") : iso(t).slice(11, 19);
    ticks.push(svg("g", {}, svg("line", { x1: x(t), x2: x(t), y1: axisHeight - 6, y2: height }), svg("text", { x: x(t), y: 28, "text-anchor": "middle" }, label)));
  }
  const rowNodes = rows.map((row, index) => {
    const top = axisHeight + index * rowHeight;
    const middle = top + rowHeight / 2;
    const parts = [svg("rect", { class: "row-bg", x: 0, y: top, width, height: rowHeight, fill: index % 2 ? "#fafbfc" : "#ffffff" })];
    parts.push(svg("text", { class: "row-label mono", x: 8, y: middle + 4, onclick: () => openBatch(row.id) },
      svg("title", {}, `${row.own_id} (${row.dialect}) — click for details`),
      row.dialect === "openai" ? "" : svg("tspan", { fill: "#4338ca", "font-weight": 600 }, row.dialect + " "),
      shortId(row.own_id)));
    for (const segment of row.segments) {
      const left = x(segment.start), right = Math.max(x(segment.end), left + 2);
      const title = `${PHASE_LABEL[segment.phase]} ${iso(segment.start)} → ${iso(segment.end)} (${duration(segment.end - segment.start)})`;
      parts.push(svg("rect", { class: "segment", "data-phase": segment.phase, x: left, y: middle - barHeight / 2, width: right - left, height: barHeight, rx: 2, fill: `var(--${segment.phase})` }, svg("title", {}, title)));
      if (segment.phase === "in_progress" && row.request_counts.total) {
        const done = (row.request_counts.completed + row.request_counts.failed) / row.request_counts.total;
        parts.push(svg("rect", { class: "progress", x: left, y: middle - barHeight / 2 + 3, width: (right - left) * done, height: barHeight - 6, fill: "var(--progress)" },
          svg("title", {}, `${row.request_counts.completed + row.request_counts.failed} of ${row.request_counts.total} lines done`)));
      }
    }
    if (row.ended) {
      parts.push(svg("text", { class: "end-mark", "data-status": row.ended.status, x: x(row.ended.at), y: middle + 5, "text-anchor": "middle", "font-size": 14, "font-weight": 700, fill: `var(--${row.ended.status})` },
        svg("title", {}, `${row.ended.status} at ${iso(row.ended.at)}`), END_MARK[row.ended.status]));
    }
    if (row.expires_at !== null) {
      if (row.expires_at <= end) {
        parts.push(svg("line", { class: "deadline", x1: x(row.expires_at), x2: x(row.expires_at), y1: top + 3, y2: top + rowHeight - 3, stroke: "var(--deadline)", "stroke-width": 2 },
          svg("title", {}, "expires at " + iso(row.expires_at))));
      } else if (!row.ended) {
        parts.push(svg("text", { class: "deadline-note", x: width - rightPad + 8, y: middle + 4 },
          svg("title", {}, "expires at " + iso(row.expires_at)), "expires in " + duration(row.expires_at - now) + " →"));
      }
    }
    return svg("g", { class: "row", "data-batch-id": row.id, "data-status": row.status }, parts);
  });
  const nowX = x(now);
  const picture = svg("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": "Batch timeline", "data-start": start, "data-end": end, "data-now": now },
    svg("g", { class: "axis" }, ticks),
    rowNodes,
    svg("line", { class: "now-line", x1: nowX, x2: nowX, y1: 14, y2: height, stroke: "var(--now)", "stroke-width": 1.5, "stroke-dasharray": "4 3" }),
    svg("rect", { x: nowX - 16, y: 0, width: 32, height: 15, rx: 7, fill: "var(--now)" }),
    svg("text", { class: "now-label", x: nowX, y: 11, "text-anchor": "middle" }, svg("title", {}, "now: " + iso(now)), "now"));
  box.replaceChildren(picture);
}

function renderBatchTable(rows) {
  const body = document.querySelector("#batches-table tbody");
  body.replaceChildren(...rows.map((row) => el("tr", { class: "clickable", dataset: { batchId: row.id }, onclick: () => openBatch(row.id) },
    el("td", { class: "mono", title: row.own_id }, shortId(row.own_id)),
    el("td", {}, dialectTag(row.dialect)),
    el("td", { class: "mono" }, row.endpoint),
    el("td", {}, badge(row.status)),
    el("td", { class: "num" }, row.request_counts.completed),
    el("td", { class: "num" }, row.request_counts.failed),
    el("td", { class: "num" }, row.request_counts.total),
    el("td", { class: "nowrap" }, shortTime(row.created_at)),
    el("td", { class: "nowrap" }, shortTime(row.updated_at)),
  )));
  document.getElementById("batches-empty").hidden = rows.length > 0;
}

function renderStatusChips(counts) {
  const order = ["validating", "in_progress", "finalizing", "cancelling", "completed", "failed", "expired", "cancelled"];
  const chips = order.filter((status) => counts[status]).map((status) => el("span", { class: "badge " + status }, `${counts[status]} ${status}`));
  document.getElementById("status-chips").replaceChildren(...chips);
}

async function loadBatches() {
  const page = await getJSON(`${UI}/batches?` + query({ offset: state.batchOffset, limit: BATCH_PAGE, status: state.batchStatus }));
  timed("timeline", () => renderTimeline(page.data, page.now));
  timed("batches", () => renderBatchTable(page.data));
  pager("batch-pager", page, (offset) => { state.batchOffset = offset; refresh(true); });
}

// -- batch details ---------------------------------------------------------------------------------------

async function download(fileId, filename) {
  const response = await adminFetch(`${UI}/files/${encodeURIComponent(fileId)}/content`);
  if (!response.ok) { notice("Download failed: " + response.status, true); return; }
  const link = el("a", { href: URL.createObjectURL(await response.blob()), download: filename || fileId });
  document.body.append(link);
  link.click();
  link.remove();
}

function fileBox(label, file) {
  if (!file) return null;
  return el("div", { class: "file-box", dataset: { field: label } },
    el("div", { class: "file-head" }, el("strong", {}, label), el("span", { class: "mono" }, file.id), el("span", { class: "muted" }, `${bytes(file.bytes)} · ${file.filename}`),
      el("button", { type: "button", onclick: () => download(file.id, file.filename) }, "Download")),
    file.head.length ? el("pre", { class: "head" }, file.head.join("\n")) : el("p", { class: "empty" }, "empty"));
}

function journalLine(entry) {
  let what = `${entry.method} ${entry.path} → ${entry.status ?? "–"}`;
  if (entry.kind === "line") what = `line ${entry.line} (${entry.custom_id})`;
  else if (entry.kind === "batch") what = "batch plan";
  else if (entry.kind === "webhook") what = `webhook ${entry.type} to ${entry.url} → ${entry.status ?? entry.error ?? "–"}`;
  else if (entry.kind) what = entry.kind;
  return el("li", {}, el("span", { class: "muted" }, entry.time !== undefined ? shortTime(entry.time) + " " : ""), what, entry.rule ? el("span", { class: "badge" }, "rule " + entry.rule) : null);
}

function renderDetails(details) {
  const row = details.row;
  const record = details.record;
  document.getElementById("details-title").replaceChildren(shortId(row.own_id), " ", badge(row.status));
  const errors = record.errors && record.errors.data ? record.errors.data : [];
  const body = document.getElementById("details-body");
  body.replaceChildren(
    el("dl", {},
      el("dt", {}, "Id"), el("dd", { class: "mono" }, row.own_id),
      row.own_id !== row.id ? [el("dt", {}, "Engine id"), el("dd", { class: "mono" }, row.id)] : null,
      el("dt", {}, "Dialect"), el("dd", {}, dialectTag(row.dialect)),
      el("dt", {}, "Endpoint"), el("dd", { class: "mono" }, row.endpoint),
      el("dt", {}, "Requests"), el("dd", {}, `${row.request_counts.completed} completed, ${row.request_counts.failed} failed of ${row.request_counts.total}`),
      el("dt", {}, "Created"), el("dd", {}, iso(row.created_at)),
      el("dt", {}, "Updated"), el("dd", {}, iso(row.updated_at)),
      el("dt", {}, "Expires"), el("dd", {}, iso(row.expires_at)),
      el("dt", {}, "Scenario"), el("dd", {}, row.scenario || "–"),
      el("dt", {}, "Phases"), el("dd", {}, row.segments.map((s) => `${PHASE_LABEL[s.phase]} ${duration(s.end - s.start)}`).join(" → ") + (row.ended ? ` → ${row.ended.status}` : "")),
    ),
    el("h3", {}, "Errors"),
    errors.length ? el("ul", { class: "errors" }, errors.map((e) => el("li", {}, el("code", {}, e.code || "error"), " ", e.line !== null && e.line !== undefined ? `line ${e.line}: ` : "", e.message))) : el("p", { class: "empty" }, "none"),
    el("h3", {}, "Files"),
    el("div", { class: "files" }, fileBox("input", details.files.input_file_id), fileBox("output", details.files.output_file_id), fileBox("errors", details.files.error_file_id)),
    el("h3", {}, "Rules fired"),
    details.rules.length ? el("ul", {}, details.rules.map((r) => el("li", {}, el("code", {}, r.rule), ` × ${r.count}`))) : el("p", { class: "empty" }, "none"),
    el("h3", {}, `Journal (${details.journal_total})`),
    details.journal.length ? el("ul", { class: "batch-journal" }, details.journal.map(journalLine)) : el("p", { class: "empty" }, "none"),
    el("details", {}, el("summary", {}, "Full record"), el("pre", {}, pretty(record))),
  );
}

async function openBatch(batchId) {
  state.openBatch = batchId;
  await loadDetails();
}

async function loadDetails() {
  if (!state.openBatch) return;
  const drawer = document.getElementById("details");
  try {
    const details = await getJSON(`${UI}/batches/${encodeURIComponent(state.openBatch)}`);
    timed("details", () => renderDetails(details));
    drawer.hidden = false;
    drawer.dataset.batchId = state.openBatch;
  } catch (error) {
    state.openBatch = null;
    drawer.hidden = true;
  }
}

// -- files, scenario, journal, webhooks, findings ----------------------------------------------------------

async function loadFiles() {
  const page = await getJSON(`${UI}/files?` + query({ offset: state.filesOffset, limit: FILES_PAGE }));
  timed("files", () => {
    document.querySelector("#files-table tbody").replaceChildren(...page.data.map((file) => el("tr", { dataset: { fileId: file.id } },
      el("td", { class: "mono nowrap" }, file.kind === "upload" ? [file.id, " ", el("span", { class: "badge" }, "upload " + file.status)] : file.id),
      el("td", {}, file.purpose), el("td", { class: "num nowrap" }, bytes(file.bytes)), el("td", { class: "clip", title: file.filename }, file.filename),
      el("td", { class: "nowrap", title: iso(file.created_at) }, compactTime(file.created_at)),
      el("td", { class: "nowrap", title: file.expires_at ? iso(file.expires_at) : "" }, file.expires_at ? compactTime(file.expires_at) : "never"))));
    document.getElementById("files-empty").hidden = page.total > 0;
  });
  pager("files-pager", page, (offset) => { state.filesOffset = offset; refresh(true); });
}

async function loadScenario() {
  const [list, active, fired] = await Promise.all([getJSON(`${ADMIN}/scenarios`), getJSON(`${ADMIN}/scenario`), getJSON(`${UI}/rules`)]);
  const select = document.getElementById("scenario-select");
  if (document.activeElement !== select) {
    select.replaceChildren(...list.available.map((item) => el("option", { value: item.name, selected: item.name === list.active }, item.name)));
  }
  document.getElementById("scenario-badge").textContent = "scenario: " + list.active;
  document.getElementById("scenario-name").textContent = active.name;
  document.getElementById("scenario-description").textContent = active.description || "";
  document.getElementById("scenario-document").textContent = pretty(active);
  document.querySelector("#rules-table tbody").replaceChildren(...fired.data.map((r) => el("tr", {}, el("td", { class: "mono" }, r.rule), el("td", { class: "num" }, r.count))));
  document.getElementById("rules-empty").hidden = fired.data.length > 0;
}

function wireScenario() {
  document.getElementById("scenario-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const name = document.getElementById("scenario-select").value;
    try {
      await call("PUT", `${ADMIN}/scenario`, { name });
      notice(`Scenario ${name} is active.`);
      await refresh(true);
    } catch (error) {
      notice("Scenario refused: " + error.message, true);
    }
  });
}

function renderJournal(page) {
  const rows = [];
  for (const entry of page.data) {
    const key = String(entry.seq);
    const open = state.expanded.has(key);
    const method = entry.method || entry.kind || "";
    const path = entry.path || (entry.batch_id ? entry.batch_id + (entry.line !== undefined ? ` line ${entry.line}` : "") : "");
    rows.push(el("tr", { class: "clickable journal-entry", dataset: { seq: key }, "aria-expanded": String(open), onclick: () => {
      if (state.expanded.has(key)) state.expanded.delete(key); else state.expanded.add(key);
      renderJournal(page);
    } },
      el("td", { class: "nowrap" }, entry.time !== undefined ? shortTime(entry.time) : "–"),
      el("td", {}, method),
      el("td", { class: "mono wrap" }, path),
      el("td", { class: "num" }, entry.status ?? "–"),
      el("td", {}, entry.rule ? el("span", { class: "badge" }, entry.rule) : "")));
    if (open) rows.push(el("tr", { class: "expanded-row" }, el("td", { colspan: 5 }, el("pre", {}, pretty(entry)))));
  }
  document.querySelector("#journal-table tbody").replaceChildren(...rows);
  document.getElementById("journal-empty").hidden = page.data.length > 0;
  document.getElementById("journal-count").textContent = `${page.total} matching`;
}

async function loadJournal() {
  const page = await getJSON(`${UI}/journal?` + query({ offset: state.journalOffset, limit: JOURNAL_PAGE, ...state.journalFilter }));
  timed("journal", () => renderJournal(page));
  pager("journal-pager", page, (offset) => { state.journalOffset = offset; refresh(true); });
}

function wireJournal() {
  const form = document.getElementById("journal-filter");
  let timer = null;
  const apply = () => {
    const data = new FormData(form);
    state.journalFilter = Object.fromEntries([...data.entries()].map(([k, v]) => [k, String(v).trim()]));
    state.journalOffset = 0;
    refresh(true);
  };
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(apply, 200); });
  form.addEventListener("change", apply);
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
  form.addEventListener("reset", () => setTimeout(apply, 0));
}

async function loadWebhooks() {
  const hooks = await getJSON(`${ADMIN}/webhooks`);
  document.getElementById("webhook-endpoints").textContent = hooks.endpoints.length ? "to " + hooks.endpoints.join(", ") : "no account endpoints configured";
  document.querySelector("#webhooks-table tbody").replaceChildren(...hooks.deliveries.slice(-DELIVERIES_SHOWN).reverse().map((d) => {
    const last = d.attempts.length ? d.attempts[d.attempts.length - 1] : null;
    return el("tr", {},
      el("td", {}, d.type), el("td", { class: "mono" }, shortId(d.batch_id)), el("td", { class: "mono wrap" }, d.url),
      el("td", {}, el("span", { class: "badge " + (d.state === "delivered" ? "completed" : d.state === "failed" ? "failed" : "in_progress") }, d.state)),
      el("td", { class: "num", title: last ? pretty(last) : "" }, d.attempts.length),
      el("td", {}, d.next_attempt_at ? shortTime(d.next_attempt_at) : "–"));
  }));
  document.getElementById("webhooks-empty").hidden = hooks.deliveries.length > 0;
}

async function loadFindings() {
  const findings = await getJSON(`${ADMIN}/findings`);
  const more = findings.data.length > FINDINGS_SHOWN ? el("li", { class: "muted" }, `and ${findings.data.length - FINDINGS_SHOWN} more (GET ${ADMIN}/findings lists them all)`) : null;
  document.getElementById("findings").replaceChildren(...findings.data.slice(0, FINDINGS_SHOWN).map((f) => el("li", {}, el("code", {}, f.kind), " ", f.batch_id ? el("span", { class: "mono muted" }, shortId(f.batch_id) + " ") : null, f.message)), more || []);
  document.getElementById("findings-empty").hidden = findings.data.length > 0;
}

function renderContract(contract) {
  const card = document.getElementById("contract-card");
  card.hidden = contract === null || contract === undefined;
  if (card.hidden) return;
  document.getElementById("contract-count").textContent = `${contract.total} found` + (contract.dropped ? `, ${contract.dropped} dropped` : "");
  document.querySelector("#contract-table tbody").replaceChildren(...contract.latest.map((v) => el("tr", {},
    el("td", { class: "mono wrap" }, `${v.method} ${v.path}`), el("td", {}, v.direction), el("td", { class: "mono" }, v.where),
    el("td", {}, v.message, v.allowed ? el("div", { class: "muted" }, "allowed: " + v.allowed) : null))));
  document.getElementById("contract-empty").hidden = contract.total > 0;
}

// -- refreshing -------------------------------------------------------------------------------------------

async function refresh(force) {
  if (state.refreshing) {
    if (!force) return state.refreshing;
    await state.refreshing;
  }
  state.refreshing = (async () => {
    try {
      const summary = await getJSON(`${UI}/summary`);
      renderClock(summary.clock);
      document.getElementById("emulator-version").textContent = "v" + summary.emulator_version;
      if (!force && summary.version === state.version) return;
      const started = performance.now();
      renderStatusChips(summary.batches);
      renderContract(summary.contract);
      await Promise.all([loadBatches(), loadFiles(), loadScenario(), loadJournal(), loadWebhooks(), loadFindings(), loadDetails()]);
      window.dashboard.timings.refresh = performance.now() - started;
      window.dashboard.refreshes += 1;
      state.version = summary.version;
      document.body.dataset.version = summary.version;
      if (summary.handler_errors) notice(`${summary.handler_errors} request(s) hit a server error: see ${ADMIN}/handler-errors`, true);
    } catch (error) {
      notice("Cannot reach the emulator: " + error.message, true);
    }
  })();
  try { await state.refreshing; } finally { state.refreshing = null; }
}

function poll() {
  if (document.hidden) { setTimeout(poll, POLL_MS); return; }  // a background tab asks for nothing
  refresh(false).finally(() => setTimeout(poll, POLL_MS));
}

function wire() {
  wireClock();
  wireScenario();
  wireJournal();
  document.getElementById("batch-status").addEventListener("change", (event) => { state.batchStatus = event.target.value; state.batchOffset = 0; refresh(true); });
  document.getElementById("timeline-zoom").addEventListener("change", (event) => { state.zoom = event.target.value; refresh(true); });
  document.getElementById("details-close").addEventListener("click", () => { state.openBatch = null; document.getElementById("details").hidden = true; });
  document.addEventListener("keydown", (event) => { if (event.key === "Escape") document.getElementById("details-close").click(); });
  let resizeTimer = null;
  window.addEventListener("resize", () => { clearTimeout(resizeTimer); resizeTimer = setTimeout(() => refresh(true), 150); });
}

wire();
poll();
