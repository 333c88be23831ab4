// The party's own notices (in full, private part included), filing a new one drawn on the map (a
// polygon, rectangle, circle, corridor or orbit from the drawing tools, or typed as coordinates), then
// kind, altitudes, window, callsigns, frequency and the private part; revising and cancelling them.
// The node validates; each error of its problem is shown next to the field it names.

import { get, post, put } from "./api.js";
import { fmtAltitude, fmtWindow, isoMinute, nodeNow } from "./clock.js";
import {
  altitudeFt, DEFAULT_HALF_WIDTH_NM, DEFAULT_ORBIT_RADIUS_NM, drawnGeometry, editableLayer, formatPositions,
  parsePositions, widenedLayer,
} from "./geometry.js";
import { $, h, keyedRender, replaceChildren } from "./dom.js";
import { clearErrors, confirmDialog, fieldError, showErrors } from "./forms.js";
import { t } from "./i18n.js";
import { emit, inBand, inWindow, myParty, state } from "./state.js";
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

function shapeWords(feature) {
  const p = feature.properties;
  switch (p.shape) {
    case "circle": return `${t("shape_circle")} r ${p.radius_nm} NM`;
    case "corridor": return `${t("shape_corridor")} ±${p.half_width_nm} NM, ${feature.geometry.coordinates.length} ${t("points")}`;
    case "orbit": return `${t("shape_orbit")} r ${p.radius_nm} NM`;
    default: return t("shape_polygon");
  }
}

function noticeCard({ id, features }) {
  const p = features[0].properties;
  const ended = p.state === "cancelled" || p.state === "closed";
  const visible = features.some((f) => inWindow(f.properties.start, f.properties.end)
    && inBand(altitudeFt(f.properties.lower), altitudeFt(f.properties.upper)));
  const error = h("p", { class: "field-error", role: "alert" });
  const end = (action) => async (event) => {
    const button = event.currentTarget;
    const question = action === "cancel" ? t("confirm_cancel") : t("confirm_close");
    if (!(await confirmDialog(`${question} ${id} v${p.version}?`, t(`${action}_notice`), t("keep")))) return;
    button.disabled = true;
    error.textContent = "";
    try {
      await post(`/notices/${encodeURIComponent(id)}/${action}`);
      if (revising && revising.id === id) stopRevising();
      await loadNotices();
    } catch (failure) {
      error.textContent = failure.reason || String(failure);
      button.disabled = false;
    }
  };
  return h("li", { class: `card notice${visible && !ended ? "" : " out-of-window"}`, dataset: { notice: id, state: p.state } },
    h("h3", {}, `${id} v${p.version}`, h("span", { class: "badge" }, t(`kind_${p.kind}`)), h("span", { class: `badge state-${p.state}` }, t(`state_${p.state}`)),
      p.priority !== "routine" ? h("span", { class: "badge urgent" }, t(`prio_${p.priority}`)) : null),
    h("dl", {},
      features.map((f, i) => [
        h("dt", {}, features.length > 1 ? `${t("volume")} ${i}` : t("volume")),
        h("dd", {}, `${shapeWords(f)} · ${fmtAltitude(f.properties.lower)}–${fmtAltitude(f.properties.upper)} · ${fmtWindow(f.properties.start, f.properties.end)}`),
      ]),
      p.callsigns && p.callsigns.length ? [h("dt", {}, t("callsigns")), h("dd", {}, p.callsigns.join(" "))] : null,
      p.frequency_mhz ? [h("dt", {}, t("frequency")), h("dd", {}, `${p.frequency_mhz} MHz`)] : null,
      p.remarks ? [h("dt", {}, t("remarks")), h("dd", { dir: "auto", dataset: { nodeText: "remarks" } }, p.remarks)] : null,
      p.private ? [h("dt", { title: t("private_never_shared") }, `🔒 ${t("private")}`), h("dd", { class: "private", dataset: { nodeText: "private" } }, JSON.stringify(p.private))] : null),
    h("div", { class: "actions" },
      h("button", { type: "button", class: "secondary", dataset: { action: "zoom" }, onclick: () => zoomToNotice(id) }, t("zoom")),
      ended ? null : h("button", { type: "button", class: "secondary", dataset: { action: "revise" }, onclick: () => startRevision(id) }, t("revise")),
      ended ? null : h("button", { type: "button", class: "secondary", dataset: { action: "close" }, onclick: end("close") }, t("close_notice")),
      ended ? null : h("button", { type: "button", class: "danger", dataset: { action: "cancel" }, onclick: end("cancel") }, t("cancel_notice"))),
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
let draftShape = "polygon"; // what it stands for: polygon, circle, corridor or orbit
let preview = null; // a corridor's or orbit's outline at its width (display only)
let revising = null; // {id, version, features} while a notice is being revised
let capture = null; // a callback that takes the next drawn layer instead of the notice form (a reroute)
let showTabFn = () => {};

const SHAPES = ["polygon", "circle", "corridor", "orbit"];
const SHAPE_OF_TOOL = { Polygon: "polygon", Rectangle: "polygon", Circle: "circle", Corridor: "corridor", Orbit: "orbit", Line: "corridor" };

function setDraft(layer, shape) {
  if (draft && draft !== layer) draft.remove();
  draft = layer;
  draftShape = shape;
  if (draft) {
    draft.on("pm:edit", () => renderForm());
    draft.on("pm:dragend", () => renderForm());
    draft.on("pm:remove", () => { if (draft === layer) { draft = null; renderForm(); } });
  }
  renderForm();
}

/** Hand the next shape drawn with ``tool`` (Geoman's name, e.g. "Polygon") to ``callback`` instead of the
 * notice form: the reroute of a case proposal draws its new footprint so. */
export function drawFor(tool, callback) {
  capture = callback;
  getMap().pm.enableDraw(tool);
}

export function cancelDrawFor() {
  if (!capture) return;
  capture = null;
  getMap().pm.disableDraw();
}

export function initDrawing(showTab) {
  showTabFn = showTab;
  const map = getMap();
  map.pm.setGlobalOptions({ pathOptions: STYLE.draft, templineStyle: { color: STYLE.draft.color }, hintlineStyle: { color: STYLE.draft.color, dashArray: "4 4" } });
  map.pm.addControls({
    position: "topleft",
    drawMarker: false, drawCircleMarker: false, drawPolyline: false, drawText: false,
    drawRectangle: true, drawPolygon: true, drawCircle: true,
    editMode: true, dragMode: true, cutPolygon: false, removalMode: true, rotateMode: false,
  });
  // A corridor is a line with a width; an orbit a line of two points with a radius (docs/formats.md).
  map.pm.Toolbar.copyDrawControl("Polyline", {
    name: "Corridor", block: "draw", title: t("draw_corridor"), className: "leaflet-pm-icon-polyline ap-draw-corridor",
  });
  map.pm.Toolbar.copyDrawControl("Polyline", {
    name: "Orbit", block: "draw", title: t("draw_orbit"), className: "leaflet-pm-icon-polyline ap-draw-orbit",
  });
  // Geoman titles the button's container, not the button: give each button its name (screen readers).
  for (const button of map.getContainer().querySelectorAll(".button-container > a.leaflet-buttons-control-button")) {
    const title = button.parentElement.getAttribute("title");
    if (title && !button.getAttribute("aria-label")) button.setAttribute("aria-label", title);
  }
  map.on("pm:drawstart", ({ shape, workingLayer }) => {
    if (shape !== "Orbit" || !workingLayer) return;
    workingLayer.on("pm:vertexadded", () => {
      if (workingLayer.getLatLngs().length >= 2) setTimeout(() => map.pm.Draw.Orbit._finishShape(), 0);
    });
  });
  map.on("pm:create", (event) => {
    if (capture) {
      const callback = capture;
      capture = null;
      callback(event.layer);
      return;
    }
    setDraft(event.layer, SHAPE_OF_TOOL[event.shape] || "polygon");
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
    h("select", { name: `${name}.ref`, "aria-label": `${t(name)} ${t("unit")}` },
      h("option", { value: "FL", selected: ref === "FL" }, "FL"), h("option", { value: "MSL", selected: ref === "MSL" }, "ft MSL")),
  ];
}

function shapeText(geometry) {
  if (!geometry) return t("nothing_drawn");
  const c = geometry.geometry.coordinates;
  switch (geometry.shape) {
    case "circle": return `circle at ${c[1].toFixed(3)}N ${c[0].toFixed(3)}E`;
    case "corridor": return `corridor, ${c.length} points`;
    case "orbit": return `orbit, ${c.length} points (a racetrack between them)`;
    default: return `polygon, ${c[0].length - 1} corners`;
  }
}

function widthRow(geometry, value) {
  if (!geometry) return null;
  if (geometry.shape === "circle") {
    return row(t("radius_nm"), "radius_nm", h("input", { id: "nf-radius_nm", name: "radius_nm", inputmode: "decimal", value: value("radius_nm", String(geometry.radius_nm)) }));
  }
  if (geometry.shape === "corridor") {
    return row(t("half_width_nm"), "half_width_nm", h("input", { id: "nf-half_width_nm", name: "half_width_nm", inputmode: "decimal", value: value("half_width_nm", String(DEFAULT_HALF_WIDTH_NM)), oninput: updatePreview }));
  }
  if (geometry.shape === "orbit") {
    return row(t("orbit_radius_nm"), "radius_nm", h("input", { id: "nf-radius_nm", name: "radius_nm", inputmode: "decimal", value: value("radius_nm", String(DEFAULT_ORBIT_RADIUS_NM)), oninput: updatePreview }));
  }
  return null;
}

function updatePreview() {
  if (preview) preview.remove();
  preview = null;
  if (!draft || !(draftShape === "corridor" || draftShape === "orbit")) return;
  const form = $("#file-form");
  const input = form.elements[draftShape === "orbit" ? "radius_nm" : "half_width_nm"];
  const geometry = drawnGeometry(draft, draftShape);
  preview = widenedLayer(geometry.geometry.coordinates, draftShape, Number(input ? input.value : 0), { ...STYLE.draft, fillOpacity: 0.12, dashArray: "4 4" });
  if (preview) preview.addTo(getMap());
}

/** Positions typed in (the keyboard's way to draw): one "lon lat" per line; a circle's is its centre. */
function drawFromCoordinates(form) {
  const slot = form.querySelector("[data-error-for=coords]");
  slot.textContent = "";
  const shape = form.elements.coord_shape.value;
  let positions;
  try {
    positions = parsePositions(form.elements.coords.value);
    const least = { polygon: 3, circle: 1, corridor: 2, orbit: 2 }[shape];
    if (positions.length < least) throw new Error(`${t("need_positions")} ${least}`);
    if (shape === "orbit" && positions.length > 2) throw new Error(t("orbit_two_points"));
  } catch (error) {
    slot.textContent = error.message;
    return;
  }
  const latlngs = positions.map(([lon, lat]) => [lat, lon]);
  let layer;
  if (shape === "circle") layer = L.circle(latlngs[0], { ...STYLE.draft, radius: 10 * 1852 });
  else if (shape === "polygon") layer = L.polygon(latlngs, STYLE.draft);
  else layer = L.polyline(latlngs, STYLE.draft);
  layer.addTo(getMap());
  setDraft(layer, shape);
  getMap().fitBounds(layer.getBounds(), { maxZoom: 8, padding: [40, 40] });
  $("#nf-shape").focus();
}

function coordinatesBox(geometry, value) {
  const positions = geometry
    ? geometry.shape === "circle" ? [geometry.geometry.coordinates]
      : geometry.shape === "polygon" ? geometry.geometry.coordinates[0].slice(0, -1) : geometry.geometry.coordinates
    : [];
  return h("details", { class: "full coords", id: "nf-coords-box", open: Boolean(previousOpen) },
    h("summary", {}, t("enter_coordinates")),
    h("div", { class: "coords-grid" },
      h("label", { for: "nf-coord_shape" }, t("shape")),
      h("select", { id: "nf-coord_shape", name: "coord_shape" }, SHAPES.map((shape) =>
        h("option", { value: shape, selected: (geometry ? geometry.shape : value("coord_shape", "polygon")) === shape }, t(`shape_${shape}`)))),
      h("label", { for: "nf-coords" }, t("positions")),
      h("textarea", { id: "nf-coords", name: "coords", rows: "4", spellcheck: "false", placeholder: "38.1 34.4\n38.6 34.4\n38.6 34.8" },
        geometry ? formatPositions(positions) : value("coords", "")),
      h("p", { class: "muted small full" }, t("positions_help")),
      fieldError("coords", "full"),
      h("div", { class: "full" }, h("button", { type: "button", class: "secondary", id: "nf-coords-draw", onclick: () => drawFromCoordinates($("#file-form")) }, t("draw_from_coordinates")))));
}

let previousOpen = false;

function privateText(priv) {
  if (!priv) return "";
  const keys = Object.keys(priv);
  if (keys.length === 1 && keys[0] === "notes" && typeof priv.notes === "string") return priv.notes;
  return JSON.stringify(priv, null, 2);
}

function renderForm(values = null) {
  const form = $("#file-form");
  const box = form.querySelector("#nf-coords-box");
  previousOpen = box ? box.open : previousOpen;
  const previous = values || (form.elements.length ? Object.fromEntries(new FormData(form)) : null);
  const geometry = draft ? drawnGeometry(draft, draftShape) : null;
  const now = Math.ceil(nodeNow() / 300_000) * 300_000;
  const value = (name, fallback) => (previous && previous[name] !== undefined ? previous[name] : fallback);
  replaceChildren(form, [
    revising ? h("div", { class: "full revising", role: "status" },
      h("strong", {}, `${t("revising")} ${revising.id} v${revising.version}`),
      revising.features.length > 1 ? h("span", { class: "muted small" }, ` — ${t("other_volumes_kept")} (${revising.features.length - 1})`) : null,
      " ", h("button", { type: "button", class: "secondary", id: "nf-stop-revising", onclick: () => stopRevising() }, t("stop_revising"))) : null,
    h("label", { for: "nf-shape" }, t("shape")),
    h("div", { class: "field" }, h("output", { id: "nf-shape", tabindex: "-1" }, shapeText(geometry)), fieldError("geometry")),
    widthRow(geometry, value),
    coordinatesBox(geometry, value),
    row(t("notice_id"), "notice_id", h("input", { id: "nf-notice_id", name: "notice_id", value: revising ? revising.id : value("notice_id", suggestedId()), readonly: Boolean(revising) })),
    row(t("kind"), "kind", h("select", { id: "nf-kind", name: "kind" }, KINDS.map((k) => h("option", { value: k, selected: value("kind", "strike") === k }, k)))),
    row(t("lower"), "lower", ...altitudeInputs("lower", value("lower", "150"), value("lower.ref", "FL"))),
    row(t("upper"), "upper", ...altitudeInputs("upper", value("upper", "250"), value("upper.ref", "FL"))),
    row(t("start_utc"), "start", h("input", { id: "nf-start", name: "start", value: value("start", isoMinute(now + 3_600_000)), placeholder: "2026-11-26T03:00Z" })),
    row(t("end_utc"), "end", h("input", { id: "nf-end", name: "end", value: value("end", isoMinute(now + 3 * 3_600_000)), placeholder: "2026-11-26T05:00Z" })),
    row(t("callsigns"), "callsigns", h("input", { id: "nf-callsigns", name: "callsigns", value: value("callsigns", ""), placeholder: "VIPER11 VIPER12" })),
    row(t("frequency_mhz"), "frequency_mhz", h("input", { id: "nf-frequency_mhz", name: "frequency_mhz", value: value("frequency_mhz", ""), placeholder: "243.0", list: "frequency-choices", inputmode: "decimal" })),
    row(t("priority"), "priority", h("select", { id: "nf-priority", name: "priority" }, PRIORITIES.map((k) => h("option", { value: k, selected: value("priority", "routine") === k }, k)))),
    row(t("remarks_shared"), "remarks", h("input", { id: "nf-remarks", name: "remarks", value: value("remarks", "") })),
    h("fieldset", { class: "full private-box" },
      h("legend", {}, `🔒 ${t("private_part")}`),
      h("p", { class: "small", id: "nf-private-help" }, t("private_help")),
      h("label", { for: "nf-private", class: "sr-only" }, t("private_part")),
      h("textarea", { id: "nf-private", name: "private", rows: "3", "aria-describedby": "nf-private-help" }, value("private", "")),
      fieldError("private")),
    fieldError("", "form-error"),
    h("div", { class: "full actions" },
      h("button", { type: "submit", id: "nf-submit", disabled: !geometry }, revising ? t("revise_notice") : t("file_notice")),
      h("button", { type: "button", class: "secondary", id: "nf-discard", disabled: !geometry, onclick: () => { if (draft) draft.remove(); draft = null; renderForm(); } }, t("discard_drawing"))),
    h("p", { class: "muted small full", id: "nf-result", role: "status" }),
  ]);
  form.onsubmit = submit;
  updatePreview();
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

function privatePart(text) {
  const trimmed = text.trim();
  if (!trimmed) return null;
  if (trimmed.startsWith("{")) {
    try {
      const parsed = JSON.parse(trimmed);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed;
    } catch {
      // not JSON: kept as notes
    }
  }
  return { notes: trimmed };
}

const NOTICE_LEVEL = ["notice_id", "party", "kind", "priority", "callsigns", "frequency_mhz", "remarks", "private"];

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
  if (drawn.shape === "circle" || drawn.shape === "orbit") properties.radius_nm = number(form.elements.radius_nm.value);
  if (drawn.shape === "corridor") properties.half_width_nm = number(form.elements.half_width_nm.value);
  const callsigns = form.elements.callsigns.value.split(/[\s,]+/).filter(Boolean);
  if (callsigns.length) properties.callsigns = callsigns;
  if (form.elements.frequency_mhz.value.trim()) properties.frequency_mhz = number(form.elements.frequency_mhz.value);
  if (form.elements.remarks.value.trim()) properties.remarks = form.elements.remarks.value.trim();
  const priv = privatePart(form.elements.private.value);
  if (priv) properties.private = priv;
  const features = [{ type: "Feature", geometry: drawn.geometry, properties }];
  if (revising) {
    // The other volumes of the notice are kept as they are, with the notice's new shared fields.
    for (const feature of revising.features.slice(1)) {
      const kept = { ...feature.properties };
      for (const key of ["version", "state", "updated_at", ...NOTICE_LEVEL]) delete kept[key];
      for (const key of NOTICE_LEVEL) if (properties[key] !== undefined) kept[key] = properties[key];
      features.push({ type: "Feature", geometry: feature.geometry, properties: kept });
    }
  }
  return { type: "FeatureCollection", features };
}

/** Load one of the party's notices into the form to revise it (its first volume on the map, editable). */
export function startRevision(id) {
  const features = state.notices.filter((f) => f.properties.notice_id === id);
  if (!features.length) return;
  const p = features[0].properties;
  revising = { id, version: p.version, features };
  const layer = editableLayer(features[0], STYLE.draft);
  if (layer) layer.addTo(getMap());
  const altValue = (alt) => (typeof alt === "number" ? [String(alt), "MSL"] : alt.ref === "FL" ? [String(alt.value), "FL"] : [String(Math.round(altitudeFt(alt))), "MSL"]);
  const [lower, lowerRef] = altValue(p.lower);
  const [upper, upperRef] = altValue(p.upper);
  const values = {
    notice_id: id, kind: p.kind, priority: p.priority || "routine", lower, "lower.ref": lowerRef, upper, "upper.ref": upperRef,
    start: p.start.replace(/:00(\.0+)?Z$/, "Z"), end: p.end.replace(/:00(\.0+)?Z$/, "Z"),
    callsigns: (p.callsigns || []).join(" "), frequency_mhz: p.frequency_mhz ? String(p.frequency_mhz) : "",
    remarks: p.remarks || "", private: privateText(p.private),
    radius_nm: p.radius_nm !== undefined ? String(p.radius_nm) : undefined,
    half_width_nm: p.half_width_nm !== undefined ? String(p.half_width_nm) : undefined,
  };
  if (draft) draft.remove();
  draft = null;
  setDraft(layer, p.shape || "polygon");
  renderForm(values);
  showTabFn("file");
  zoomToNotice(id);
  $("#nf-kind").focus();
}

export function stopRevising() {
  revising = null;
  if (draft) draft.remove();
  draft = null;
  renderForm({});
}

async function submit(event) {
  event.preventDefault();
  const form = event.currentTarget;
  clearErrors(form);
  if (!draft) return;
  const document = noticeFromForm(form, drawnGeometry(draft, draftShape));
  const result = () => $("#nf-result");
  try {
    if (revising) {
      const id = revising.id;
      const answer = await put(`/notices/${encodeURIComponent(id)}`, document);
      const conflicts = answer.conflicts || [];
      revising = null;
      draft.remove();
      draft = null;
      renderForm({});
      result().textContent = `${t("revised")} ${answer.notice ? `${answer.notice.notice_id} v${answer.notice.version}` : id}: ` +
        (conflicts.length ? `${conflicts.length} ${t("conflicts_see")}` : t("no_conflict"));
    } else {
      const answer = await post("/notices", document);
      const filed = answer.filed || [];
      const conflicts = filed.flatMap((f) => f.conflicts || []);
      draft.remove();
      draft = null;
      renderForm({}); // filed: the form starts afresh (its defaults), not with the notice just sent
      result().textContent = `${t("filed")} ${filed.map((f) => `${f.notice.notice_id} v${f.notice.version}`).join(", ")}: ` +
        (conflicts.length ? `${conflicts.length} ${t("conflicts_see")}` : t("no_conflict"));
    }
    await loadNotices();
  } catch (error) {
    showErrors(form, error);
    const first = form.querySelector("[aria-invalid=true]");
    if (first) first.focus();
  }
}
