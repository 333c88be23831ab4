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

export function renderConflictList() {
  const list = [...state.conflicts.values()].sort((a, b) => a.overlap.start.localeCompare(b.overlap.start));
  const items = list.map((conflict) => {
    const open = caseOfConflict(conflict.id);
    return { conflict, caseState: open ? open.case.state : null, visible: inWindow(conflict.overlap.start, conflict.overlap.end) };
  });
  keyedRender($("#conflicts"), items, (item) => item.conflict.id, conflictCard, () => h("li", { class: "muted" }, t("none_yet")));
  $("#count-conflicts").textContent = String(list.length);
}

export function removeConflict(id) {
  if (state.conflicts.delete(id)) emit("conflicts");
}
