// The timeline: one SVG row per batch over virtual time, coloured by phase, with progress, end marks, the
// expiry deadline and a "now" line.

const PHASE_LABEL = { validating: "validating", in_progress: "in progress", finalizing: "finalizing", cancelling: "cancelling" };
const END_MARK = { completed: "●", failed: "✕", expired: "◆", cancelled: "■" };

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
