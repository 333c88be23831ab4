// Agreements drawn on the map (item 4 of issue 16): for each case agreed on a conflict this desk holds, a
// label at the conflict's overlap says the agreement in words with its values (the split level, the shifted
// window, who stands down, the time slots), and a reroute's new footprint is drawn (green, dashed).

import { fmtWindow } from "./clock.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { describeTerms } from "./cases.js";
import { footprintLayer } from "./geometry.js";

const AGREED = "#3ecf8e";

/** The own notice's window, for a shift: the window the party will fly in once it has revised. */
function shiftedWindow(conflict, terms) {
  const own = state.notices.find((f) => f.properties.notice_id === conflict.own.notice_id);
  const ms = terms.minutes * 60_000;
  const [start, end] = own && terms.party === conflict.own.party
    ? [own.properties.start, own.properties.end]
    : [conflict.overlap.start, conflict.overlap.end];
  return `${t("new_window")} ${terms.party}: ${fmtWindow(Date.parse(start) + ms, Date.parse(end) + ms)}`;
}

export function renderAgreements(layer) {
  layer.clearLayers();
  for (const view of state.cases.values()) {
    const c = view.case;
    const terms = c.agreement && c.agreement.proposal && c.agreement.proposal.terms;
    if (!terms || c.subject.kind !== "conflict") continue;
    const conflict = state.conflicts.get(c.subject.conflict_id);
    if (!conflict) continue;
    const overlap = footprintLayer(conflict.overlap.footprint, { interactive: false, pmIgnore: true });
    const where = overlap.getBounds().getCenter();
    const lines = [`✓ ${t("agreed_map")}: ${describeTerms(terms)}`];
    if (terms.kind === "shift_time") lines.push(shiftedWindow(conflict, terms));
    L.tooltip({ permanent: true, direction: "bottom", offset: [0, 14], className: "agreement-label", pane: "conflicts" })
      .setLatLng(where).setContent(h("div", { dataset: { case: c.case_id } }, lines.map((line) => h("div", {}, line)))).addTo(layer);
    if (terms.kind === "reroute" && terms.geometry) {
      L.geoJSON(terms.geometry, {
        pane: "conflicts", interactive: false, pmIgnore: true,
        style: () => ({ color: AGREED, weight: 2, dashArray: "8 4", fillColor: AGREED, fillOpacity: 0.12, className: "agreed-reroute" }),
      }).addTo(layer);
    }
  }
}
