// The party's own notices (in full, private part included) and filing a new one drawn on the map:
// a polygon, rectangle or circle from the drawing tools, then kind, altitudes, window and callsigns.
// The node validates; each error of its problem is shown next to the field it names.

import { get, post } from "./api.js";
import { fmtAltitude, fmtWindow, isoMinute, nodeNow } from "./clock.js";
import { drawnGeometry } from "./geometry.js";
import { $, h, keyedRender, replaceChildren } from "./dom.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
import { t } from "./i18n.js";
import { emit, inWindow, myParty, state } from "./state.js";
import { getMap, STYLE, zoomToNotice } from "./map.js";

export const KINDS = ["strike", "cap", "orbit", "transit", "isr", "tanker", "airlift", "uav", "training", "undisclosed"];
const PRIORITIES = ["routine", "urgent", "emergency"];

export async function loadNotices() {
  const document = await get("/notices");
  state.notices = document.features || [];
  emit("notices");
}

function grouped() {
  const notices = new Map();
  for (const feature of state.notices) {
    const id = feature.properties.notice_id;
    if (!notices.has(id)) notices.set(id, []);
    notices.get(id).push(feature);
  }
  return notices;
}

function noticeCard({ id, features }) {
  const p = features[0].properties;
  const ended = p.state === "cancelled" || p.state === "closed";
  const visible = features.some((f) => inWindow(f.properties.start, f.properties.end));
  const error = h("p", { class: "field-error" });
  const end = (action) => async (event) => {
    event.currentTarget.disabled = true;
    try {
      await post(`/notices/${encodeURIComponent(id)}/${action}`);
      await loadNotices();
    } catch (failure) {
      error.textContent = failure.reason || String(failure);
    }
  };
  return h("li", { class: `card notice${visible && !ended ? "" : " out-of-window"}`, dataset: { notice: id, state: p.state } },
    h("h3", {}, `${id} v${p.version}`, h("span", { class: "badge" }, p.kind), h("span", { class: `badge state-${p.state}` }, p.state),
      p.priority !== "routine" ? h("span", { class: "badge urgent" }, p.priority) : null),
    h("dl", {},
      features.map((f, i) => [
        h("dt", {}, features.length > 1 ? `volume ${i}` : "volume"),
        h("dd", {}, `${f.properties.shape || "polygon"} · ${fmtAltitude(f.properties.lower)}–${fmtAltitude(f.properties.upper)} · ${fmtWindow(f.properties.start, f.properties.end)}`),
      ]),
      p.callsigns && p.callsigns.length ? [h("dt", {}, "callsigns"), h("dd", {}, p.callsigns.join(" "))] : null,
      p.frequency_mhz ? [h("dt", {}, "frequency"), h("dd", {}, `${p.frequency_mhz} MHz`)] : null,
      p.remarks ? [h("dt", {}, "remarks"), h("dd", { dir: "auto" }, p.remarks)] : null,
      p.private ? [h("dt", { title: "never leaves your party" }, "private"), h("dd", { class: "private" }, JSON.stringify(p.private))] : null),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", onclick: () => zoomToNotice(id) }, "Zoom"),
      ended ? null : h("button", { type: "button", class: "secondary", onclick: end("close") }, "Close"),
      ended ? null : h("button", { type: "button", class: "danger", onclick: end("cancel") }, "Cancel")),
    error);
}

export function renderNoticeList() {
  const items = [...grouped()].map(([id, features]) => ({ id, features }));
  items.sort((a, b) => a.features[0].properties.start.localeCompare(b.features[0].properties.start));
  keyedRender($("#notices"), items, (item) => item.id, noticeCard, () => h("li", { class: "muted" }, t("none_yet")));
  $("#count-notices").textContent = String(items.filter((i) => !["cancelled", "closed"].includes(i.features[0].properties.state)).length);
}

// -- drawing and filing ----------------------------------------------------------------------------

let draft = null; // the drawn Leaflet layer

export function initDrawing(showTab) {
  const map = getMap();
  map.pm.setGlobalOptions({ pathOptions: STYLE.draft, templineStyle: { color: STYLE.draft.color }, hintlineStyle: { color: STYLE.draft.color, dashArray: "4 4" } });
  map.pm.addControls({
    position: "topleft",
    drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawText: false,
    drawRectangle: true, drawPolygon: true, drawCircle: true,
    editMode: true, dragMode: true, cutPolygon: false, removalMode: true, rotateMode: false,
  });
  map.on("pm:create", (event) => {
    if (draft && draft !== event.layer) draft.remove();
    draft = event.layer;
    draft.on("pm:edit", renderForm);
    draft.on("pm:remove", () => { draft = null; renderForm(); });
    renderForm();
    showTab("file");
  });
  map.on("pm:remove", (event) => {
    if (event.layer === draft) { draft = null; renderForm(); }
  });
  renderForm();
}

function suggestedId() {
  const d = new Date(nodeNow());
  const pad = (n) => String(n).padStart(2, "0");
  return `${myParty()}-${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}-${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}`;
}

function row(label, name, ...inputs) {
  return [h("label", { for: `nf-${name}` }, label), h("div", { class: "field" }, h("div", { class: "row" }, inputs), fieldError(name))];
}

function altitudeInputs(name, value, ref) {
  return [
    h("input", { id: `nf-${name}`, name, value: String(value), inputmode: "numeric" }),
    h("select", { name: `${name}.ref` }, h("option", { value: "FL", selected: ref === "FL" }, "FL"), h("option", { value: "MSL", selected: ref === "MSL" }, "ft MSL")),
  ];
}

function renderForm() {
  const form = $("#file-form");
  const previous = form.elements.length ? Object.fromEntries(new FormData(form)) : null;
  const geometry = draft ? drawnGeometry(draft) : null;
  const now = Math.ceil(nodeNow() / 300_000) * 300_000;
  const value = (name, fallback) => (previous && previous[name] !== undefined ? previous[name] : fallback);
  const shapeText = geometry
    ? geometry.shape === "circle"
      ? `circle at ${geometry.geometry.coordinates[1].toFixed(3)}N ${geometry.geometry.coordinates[0].toFixed(3)}E`
      : `polygon, ${geometry.geometry.coordinates[0].length - 1} corners`
    : "nothing drawn yet";
  replaceChildren(form, [
    h("label", {}, "shape"), h("div", { class: "field" }, h("span", { id: "nf-shape" }, shapeText), fieldError("geometry")),
    geometry && geometry.shape === "circle"
      ? row("radius NM", "radius_nm", h("input", { id: "nf-radius_nm", name: "radius_nm", value: value("radius_nm", String(geometry.radius_nm)) }))
      : null,
    row("notice id", "notice_id", h("input", { id: "nf-notice_id", name: "notice_id", value: value("notice_id", suggestedId()) })),
    row("kind", "kind", h("select", { id: "nf-kind", name: "kind" }, KINDS.map((k) => h("option", { value: k, selected: value("kind", "strike") === k }, k)))),
    row("lower", "lower", ...altitudeInputs("lower", value("lower", "150"), value("lower.ref", "FL"))),
    row("upper", "upper", ...altitudeInputs("upper", value("upper", "250"), value("upper.ref", "FL"))),
    row("start (UTC)", "start", h("input", { id: "nf-start", name: "start", value: value("start", isoMinute(now + 3_600_000)), placeholder: "2026-11-26T03:00Z" })),
    row("end (UTC)", "end", h("input", { id: "nf-end", name: "end", value: value("end", isoMinute(now + 3 * 3_600_000)), placeholder: "2026-11-26T05:00Z" })),
    row("callsigns", "callsigns", h("input", { id: "nf-callsigns", name: "callsigns", value: value("callsigns", ""), placeholder: "VIPER11 VIPER12" })),
    row("frequency MHz", "frequency_mhz", h("input", { id: "nf-frequency_mhz", name: "frequency_mhz", value: value("frequency_mhz", ""), placeholder: "243.0" })),
    row("priority", "priority", h("select", { id: "nf-priority", name: "priority" }, PRIORITIES.map((k) => h("option", { value: k, selected: value("priority", "routine") === k }, k)))),
    row("remarks (shared)", "remarks", h("input", { id: "nf-remarks", name: "remarks", value: value("remarks", "") })),
    row("private notes", "private", h("textarea", { id: "nf-private", name: "private" }, value("private", ""))),
    fieldError("", "form-error"),
    h("div", { class: "full actions" },
      h("button", { type: "submit", id: "nf-submit", disabled: !geometry }, t("file_notice")),
      h("button", { type: "button", class: "secondary", disabled: !geometry, onclick: () => { if (draft) draft.remove(); draft = null; renderForm(); } }, "Discard drawing")),
    h("p", { class: "muted small full", id: "nf-result", role: "status" }),
  ]);
  form.onsubmit = submit;
}

function number(raw) {
  const trimmed = String(raw).trim();
  const value = Number(trimmed);
  return trimmed !== "" && Number.isFinite(value) ? value : trimmed;
}

function altitude(form, name) {
  const value = number(form.elements[name].value);
  return form.elements[`${name}.ref`].value === "FL" ? { value, ref: "FL" } : { value, unit: "ft", ref: "MSL" };
}

export function noticeFromForm(form, drawn) {
  const properties = {
    notice_id: form.elements.notice_id.value.trim(),
    party: myParty(),
    kind: form.elements.kind.value,
    priority: form.elements.priority.value,
    lower: altitude(form, "lower"),
    upper: altitude(form, "upper"),
    start: form.elements.start.value.trim(),
    end: form.elements.end.value.trim(),
    shape: drawn.shape,
  };
  if (drawn.shape === "circle") properties.radius_nm = number(form.elements.radius_nm.value);
  const callsigns = form.elements.callsigns.value.split(/[\s,]+/).filter(Boolean);
  if (callsigns.length) properties.callsigns = callsigns;
  if (form.elements.frequency_mhz.value.trim()) properties.frequency_mhz = number(form.elements.frequency_mhz.value);
  if (form.elements.remarks.value.trim()) properties.remarks = form.elements.remarks.value.trim();
  if (form.elements.private.value.trim()) properties.private = { notes: form.elements.private.value.trim() };
  return { type: "FeatureCollection", features: [{ type: "Feature", geometry: drawn.geometry, properties }] };
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  if (!draft) return;
  const document = noticeFromForm(form, drawnGeometry(draft));
  try {
    const answer = await post("/notices", document);
    const filed = answer.filed || [];
    const conflicts = filed.flatMap((f) => f.conflicts || []);
    draft.remove();
    draft = null;
    renderForm();
    $("#nf-result").textContent = `Filed ${filed.map((f) => `${f.notice.notice_id} v${f.notice.version}`).join(", ")}: ` +
      (conflicts.length ? `${conflicts.length} conflict(s) — see Conflicts.` : "no conflict.");
    await loadNotices();
  } catch (error) {
    showErrors(form, error);
  }
}
