// The other panels: files and uploads, scenario, request journal, webhook deliveries, client findings and
// contract violations.

const FILES_PAGE = 10;
const JOURNAL_PAGE = 50;
const FINDINGS_SHOWN = 20;
const DELIVERIES_SHOWN = 50;

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
