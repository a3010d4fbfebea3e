// The batches table and a batch's details panel.

const BATCH_PAGE = 25;

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
