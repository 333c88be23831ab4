// A timeline of the party's notices and conflicts (item 6 of issue 16), in the manner of airspace-booking
// tools: a row per own notice (its window as a bar), a row per conflict (the overlap's window, buffers
// included, in red), a line at the node's now and one at the time filter's instant; from 6 hours back to
// 18 hours ahead. A click on a row sets the time filter to the start of its window.

import { fmtTimeZ, nodeNow } from "./clock.js";
import { $, h } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { setTime } from "./timeline.js";

const SVG = "http://www.w3.org/2000/svg";
const HOUR = 3_600_000;
const ROW = 20;
const LABEL_W = 120;
const WIDTH = 420;

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** The rows: own notices (one per notice, its widest window) then conflicts, each by start. */
function rows() {
  const notices = new Map();
  for (const f of state.notices) {
    const p = f.properties;
    if (p.state === "cancelled" || p.state === "closed") continue;
    const [start, end] = [Date.parse(p.start), Date.parse(p.end)];
    const row = notices.get(p.notice_id) || { key: p.notice_id, label: p.notice_id, kind: "notice", start, end };
    row.start = Math.min(row.start, start);
    row.end = Math.max(row.end, end);
    notices.set(p.notice_id, row);
  }
  const conflicts = [...state.conflicts.values()].map((c) => ({
    key: c.id, label: `⚠ ${(c.other || {}).party || "?"} ${(c.other || {}).notice_id || ""}`.trim(), kind: "conflict",
    start: Date.parse(c.overlap.start), end: Date.parse(c.overlap.end),
  }));
  const byStart = (a, b) => a.start - b.start;
  return [...[...notices.values()].sort(byStart), ...conflicts.sort(byStart)];
}

export function renderGantt() {
  const root = $("#gantt");
  if (!root) return;
  const now = nodeNow();
  const from = Math.floor((now - 6 * HOUR) / HOUR) * HOUR;
  const to = from + 24 * HOUR;
  const x = (ms) => LABEL_W + ((Math.min(Math.max(ms, from), to) - from) / (to - from)) * (WIDTH - LABEL_W);
  const list = rows();
  // Redrawn only when it would change (a row, the filter, the minute): a redraw would take a click or the focus.
  const signature = `${JSON.stringify(list)}|${state.time}|${Math.floor(now / 60_000)}|${t("timeline_help")}`;
  if (root.dataset.signature === signature) return;
  root.dataset.signature = signature;
  const height = 24 + ROW * Math.max(list.length, 1);
  const chart = svg("svg", { viewBox: `0 0 ${WIDTH} ${height}`, width: "100%", class: "gantt", role: "img" });
  chart.setAttribute("aria-label", t("timeline_help"));
  for (let hour = from; hour <= to; hour += 3 * HOUR) {
    chart.append(svg("line", { x1: x(hour), x2: x(hour), y1: 14, y2: height, class: "gantt-grid" }));
    chart.append(svg("text", { x: x(hour) + 2, y: 11, class: "gantt-hour" }, fmtTimeZ(hour)));
  }
  list.forEach((row, i) => {
    const y = 18 + i * ROW;
    const group = svg("g", { class: `gantt-row ${row.kind}`, "data-key": row.key, tabindex: 0, role: "button" });
    group.append(svg("rect", { x: 0, y, width: WIDTH, height: ROW, fill: "transparent", class: "gantt-hit" })); // the whole row takes the click
    group.append(svg("text", { x: 2, y: y + 12, class: "gantt-label" }, row.label));
    if (row.end > from && row.start < to) {
      group.append(svg("rect", { x: x(row.start), y: y + 2, width: Math.max(2, x(row.end) - x(row.start)), height: ROW - 6, rx: 2, class: "gantt-bar" }));
    }
    const pick = () => setTime(row.start);
    group.addEventListener("click", pick);
    group.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); pick(); } });
    chart.append(group);
  });
  if (!list.length) chart.append(svg("text", { x: LABEL_W, y: 34, class: "gantt-label" }, t("none_yet")));
  chart.append(svg("line", { x1: x(now), x2: x(now), y1: 14, y2: height, class: "gantt-now" }));
  if (state.time !== null) chart.append(svg("line", { x1: x(state.time), x2: x(state.time), y1: 14, y2: height, class: "gantt-cursor" }));
  root.replaceChildren(h("p", { class: "small muted" }, t("timeline_help")), chart);
}
