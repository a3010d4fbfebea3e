// The page's state, the clock bar, and refreshing: poll /_emulator/ui/summary and, when its version changes,
// reload every panel. The scripts are inlined into the page as one, in the order routes/ui.py lists them,
// with this one last.

const POLL_MS = 1000;

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
