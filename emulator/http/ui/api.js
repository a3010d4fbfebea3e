// Talking to the emulator and drawing: the admin calls (with the token), DOM and SVG builders, formatting.

const UI = "/_emulator/ui";
const ADMIN = "/_emulator";

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
