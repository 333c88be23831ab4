// Conflicts of the party's notices: own side in full, the other side only as far as it conflicts
// (the node shapes this). Each shows the overlap's altitude band and time window, the buffers in force,
// and leads to its case.

import { fmtBand, fmtWindow } from "./clock.js";
import { $, h, keyedRender } from "./dom.js";
import { caseOfConflict, openCase } from "./cases.js";
import { t } from "./i18n.js";
import { emit, inWindow, state } from "./state.js";
import { zoomToConflict } from "./map.js";

export function upsertConflict(view) {
  if (view && view.id && view.overlap) state.conflicts.set(view.id, view);
}

function conflictCard({ conflict, caseState, visible }) {
  const o = conflict.overlap;
  const other = conflict.other || {};
  const b = conflict.buffers || {};
  const error = h("p", { class: "field-error" });
  const openButton = h("button", {
    type: "button", dataset: { action: "open-case" },
    onclick: async (event) => {
      event.currentTarget.disabled = true;
      try {
        await openCase(conflict.id, other.priority && other.priority !== "routine");
        document.querySelector("[data-tab=cases]").click();
      } catch (failure) {
        error.textContent = failure.reason || String(failure);
        event.currentTarget.disabled = false;
      }
    },
  }, t("open_case"));
  return h("li", { class: `card conflict${visible ? "" : " out-of-window"}`, dataset: { conflict: conflict.id } },
    h("h3", {}, "⚠ ", `${conflict.own.notice_id} v${conflict.own.version}`, " × ",
      `${other.party} ${other.notice_id || ""}`),
    h("dl", {},
      h("dt", {}, t("band")), h("dd", { class: "band" }, fmtBand(o.lower_ft, o.upper_ft)),
      // The overlap's window is widened by the time buffer on both sides: say so, or it reads as filed.
      h("dt", {}, t("window")), h("dd", {}, h("span", { class: "window" }, fmtWindow(o.start, o.end)),
        " ", h("span", { class: "muted small buffers-note" }, `(${t("buffers_included")}: ±${b.time_min} min)`)),
      h("dt", {}, t("other")), h("dd", {}, [other.kind ? t(`kind_${other.kind}`) : "", (other.callsigns || []).join(" "),
        other.frequency_mhz ? `${other.frequency_mhz} MHz` : "", other.priority ? t(`prio_${other.priority}`) : ""].filter(Boolean).join(" · ")),
      other.remarks ? [h("dt", {}, t("remarks")), h("dd", { dir: "auto", dataset: { nodeText: "remarks" } }, other.remarks)] : null,
      h("dt", {}, t("buffers")), h("dd", {}, `${b.lateral_nm} NM · ${b.vertical_ft} ft · ${b.time_min} min`)),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => zoomToConflict(conflict.id) }, t("zoom")),
      caseState ? h("span", { class: `badge state-${caseState}` }, `${t("case_state")}: ${t(`state_${caseState}`)}`) : openButton),
    error);
}

// The list's order and filters (item "also" of issue 16): by start, by the other party, by the case's state;
// only one other party; only conflicts without a case, with an open case, or agreed.
const listView = { sort: "start", party: "", state: "" };
const CASE_STATES = ["none", "open", "proposed", "agreed", "escalated", "resolved", "rejected", "lapsed"];

function option(value, text, selected) {
  return h("option", { value, selected: value === selected }, text);
}

function renderConflictTools(list) {
  $("#conflict-sort-label").textContent = t("sort");
  $("#conflict-party-label").textContent = t("party");
  $("#conflict-state-label").textContent = t("case_state");
  const sort = $("#conflict-sort");
  sort.replaceChildren(...["start", "party", "state"].map((key) => option(key, t(`sort_${key}`), listView.sort)));
  const parties = [...new Set(list.map((c) => (c.other || {}).party).filter(Boolean))].sort();
  $("#conflict-party").replaceChildren(option("", t("all"), listView.party), ...parties.map((p) => option(p, p, listView.party)));
  $("#conflict-state").replaceChildren(option("", t("all"), listView.state),
    ...CASE_STATES.map((key) => option(key, key === "none" ? t("no_case") : t(`state_${key}`), listView.state)));
  const form = $("#conflict-tools");
  form.onchange = () => {
    listView.sort = sort.value;
    listView.party = $("#conflict-party").value;
    listView.state = $("#conflict-state").value;
    renderConflictList();
  };
}

export function renderConflictList() {
  const all = [...state.conflicts.values()];
  renderConflictTools(all);
  const stateOf = (conflict) => {
    const open = caseOfConflict(conflict.id);
    return open ? open.case.state : "none";
  };
  const byStart = (a, b) => a.overlap.start.localeCompare(b.overlap.start);
  const order = {
    start: byStart,
    party: (a, b) => String((a.other || {}).party).localeCompare(String((b.other || {}).party)) || byStart(a, b),
    state: (a, b) => CASE_STATES.indexOf(stateOf(a)) - CASE_STATES.indexOf(stateOf(b)) || byStart(a, b),
  }[listView.sort] || byStart;
  const list = all
    .filter((c) => !listView.party || (c.other || {}).party === listView.party)
    .filter((c) => !listView.state || stateOf(c) === listView.state)
    .sort(order);
  const items = list.map((conflict) => {
    const open = caseOfConflict(conflict.id);
    return { conflict, caseState: open ? open.case.state : null, visible: inWindow(conflict.overlap.start, conflict.overlap.end) };
  });
  keyedRender($("#conflicts"), items, (item) => item.conflict.id, conflictCard, () => h("li", { class: "muted" }, t("none_yet")));
  $("#count-conflicts").textContent = String(all.length);
}

export function removeConflict(id) {
  if (state.conflicts.delete(id)) emit("conflicts");
}
