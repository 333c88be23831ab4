// Agreements drawn on the map (item 4 of issue 16): for each case agreed on a conflict this desk holds, a
// label at the conflict's overlap says the agreement in words with its values (the split level, the shifted
// window, who stands down, the time slots), and a reroute's new footprint is drawn (green, dashed).

import { fmtWindow, nodeNow } from "./clock.js";
import { dirOf, lang, t, tf } from "./i18n.js";
import { myParty, state } from "./state.js";
import { get, post } from "./api.js";
import { $, h, keyedRender, replaceChildren } from "./dom.js";
import { onEvent } from "./events.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
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

// The Agreements tab (issue 14): the agreements between parties (GET /agreements) with their state, their
// terms in words in the reader's language and who has signed; Sign for a duty or senior officer of a party
// named that has not signed; a Propose form. The node is the judge of every value: the form sends what the
// officer typed and shows the node's refusals next to the fields they name.

let agreements = [];
let panelWired = false;

const OTHER_TERMS = ["case_deadlines", "incident_minima", "incident_entry", "languages"];

function maySign() {
  const tier = state.session && state.session.officer && state.session.officer.tier;
  return tier === "duty" || tier === "senior";
}

/** One term in words with its values (the values are numbers and names, the same in every language). */
export function describeAgreementTerm(name, value) {
  if (value === null || value === undefined) return null;
  switch (name) {
    case "frequencies":
      return value.map((f) => `${f.name} ${Number(f.mhz).toFixed(1)} MHz${f.area ? ` (${f.area})` : ""}`).join("; ");
    case "buffers":
      return tf("ag_buffers_words", { nm: value.lateral_nm, ft: value.vertical_ft, min: value.time_min });
    case "case_deadlines":
      return tf("ag_deadlines_words", { s: value.response_deadline_s, urgent: value.urgent_response_deadline_s });
    case "incident_minima":
      return tf("ag_minima_words", { nm: value.horizontal_nm, ft: value.vertical_ft });
    case "incident_entry":
    case "languages":
      return value.join(", ");
    case "fallback":
      return value.map((term) => t(`ag_term_${term}`)).join(", ");
    default:
      return JSON.stringify(value);
  }
}

function termsList(terms) {
  const rows = [];
  for (const name of ["frequencies", "buffers", ...OTHER_TERMS, "fallback"]) {
    const words = describeAgreementTerm(name, terms[name]);
    if (words === null) continue;
    rows.push(h("dt", {}, t(`ag_term_${name}`)), h("dd", { dataset: { term: name } }, words));
  }
  return h("dl", { class: "terms" }, rows);
}

async function sign(version, button, slot) {
  button.disabled = true;
  slot.textContent = "";
  try {
    await post(`/agreements/${encodeURIComponent(version.agreement_id)}/versions/${version.version}/sign`);
    await loadAgreements();
  } catch (error) {
    slot.textContent = error.reason || String(error);
    button.disabled = false;
  }
}

function agreementCard(version) {
  const signed = Object.keys(version.signed_by || {}).sort();
  const mine = myParty();
  const slot = fieldError("", "sign-error");
  const canSign = maySign() && version.parties.includes(mine) && !signed.includes(mine)
    && (version.status === "proposed" || version.status === "signed");
  const button = canSign ? h("button", { type: "button", dataset: { act: "sign" } }, t("ag_sign")) : null;
  if (button) button.addEventListener("click", () => sign(version, button, slot));
  const latest = Math.max(...agreements.filter((v) => v.agreement_id === version.agreement_id).map((v) => v.version));
  const revise = maySign() && version.parties.includes(mine) && version.version === latest
    ? h("button", { type: "button", class: "secondary", dataset: { act: "new-version" }, onclick: () => fillForNewVersion(version) }, t("ag_new_version"))
    : null;
  return h("li", { class: "card agreement-card", dataset: { agreement: version.agreement_id, version: String(version.version), status: version.status } },
    h("h3", {}, `${version.agreement_id} v${version.version} `, h("span", { class: `badge status-${version.status}` }, t(`ag_status_${version.status}`))),
    version.title ? h("p", { dir: "auto" }, version.title) : null,
    h("dl", {},
      h("dt", {}, t("ag_parties")), h("dd", {}, version.parties.join(", ")),
      h("dt", {}, t("ag_start")), h("dd", {}, version.start),
      h("dt", {}, t("ag_signed_by")), h("dd", { class: "signed-by" }, signed.length ? signed.map((p) => `✓ ${p}`).join(", ") : "—"),
      version.awaiting && version.awaiting.length ? [h("dt", {}, t("awaiting")), h("dd", { class: "awaiting" }, version.awaiting.join(", "))] : null),
    termsList(version.terms || {}),
    button || revise ? h("div", { class: "actions" }, button, revise) : null, slot);
}

export function renderAgreementPanel() {
  const root = $("#agreements-list");
  if (!root) return;
  root.setAttribute("dir", dirOf(lang()));
  const order = { proposed: 0, signed: 1, in_force: 2, superseded: 3 };
  const items = [...agreements].sort((a, b) => (order[a.status] ?? 9) - (order[b.status] ?? 9)
    || a.agreement_id.localeCompare(b.agreement_id) || b.version - a.version);
  // The key holds the reader too: a card drawn for another officer (language, Sign) is never reused.
  const reader = `${lang()}|${myParty()}|${maySign()}`;
  keyedRender(root, items, (v) => `${reader}#${v.agreement_id}#${v.version}#${v.status}#${Object.keys(v.signed_by || {}).length}`,
    agreementCard, () => h("li", { class: "muted" }, t("none_yet")));
  const count = $("#count-agreements");
  if (count) count.textContent = String(agreements.filter((v) => v.status !== "superseded").length);
}

export async function loadAgreements() {
  const list = await get("/agreements");
  agreements = Array.isArray(list) ? list : [];
  renderAgreementPanel();
}

/** "YYYY-MM-DDTHH:MM" typed as UTC -> ISO 8601 with Z; anything else goes to the node as typed. */
function utcInstant(text) {
  const value = String(text || "").trim();
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value) ? `${value}${value.length === 16 ? ":00" : ""}Z` : value;
}

/** The node's time (not this machine's), to the minute: an agreement starting "now" is in force once signed. */
function nowUtcInput() {
  return new Date(nodeNow()).toISOString().slice(0, 16);
}

function labelled(text, input) {
  return h("label", {}, h("span", {}, text), input);
}

/** The lines "name, MHz[, area]" of the frequencies box as terms; a line the node must judge goes as typed. */
function parseFrequencies(text) {
  return String(text || "").split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [name, mhz, ...area] = line.split(",").map((part) => part.trim());
    const frequency = { name, mhz: Number(mhz) };
    if (area.length) frequency.area = area.join(", ");
    return frequency;
  });
}

/** The form filled from ``version``, to propose the next version of the same agreement (superseding it). */
function fillForNewVersion(version) {
  const form = $("#agreement-form");
  if (!form) return;
  const terms = version.terms || {};
  const set = (name, value) => { form.querySelector(`[name=${name}]`).value = value === undefined || value === null ? "" : String(value); };
  for (const box of form.querySelectorAll("[name=party]")) box.checked = version.parties.includes(box.value);
  set("frequencies", (terms.frequencies || []).map((f) => [f.name, f.mhz, f.area].filter((x) => x !== undefined && x !== null && x !== "").join(", ")).join("\n"));
  const buffers = terms.buffers || {};
  set("lateral_nm", buffers.lateral_nm); set("vertical_ft", buffers.vertical_ft); set("time_min", buffers.time_min);
  const deadlines = terms.case_deadlines || {};
  set("response_deadline_s", deadlines.response_deadline_s); set("urgent_response_deadline_s", deadlines.urgent_response_deadline_s);
  const minima = terms.incident_minima || {};
  set("horizontal_nm", minima.horizontal_nm); set("minima_ft", minima.vertical_ft);
  for (const box of form.querySelectorAll("[name=fallback]")) box.checked = (terms.fallback || []).includes(box.value);
  set("title", version.title); set("agreement_id", version.agreement_id); set("supersedes", version.version);
  set("start", nowUtcInput());
  form.querySelector(".supersedes").textContent = tf("ag_superseding", { id: version.agreement_id, v: version.version });
  form.querySelector("[name=frequencies]").focus();
}

function proposeForm() {
  const others = state.parties.filter((p) => p.code !== myParty());
  const form = h("form", { id: "agreement-form", class: "stack-form", novalidate: true },
    h("h3", {}, t("ag_propose_title")),
    h("fieldset", {}, h("legend", {}, t("ag_parties")),
      h("label", {}, h("input", { type: "checkbox", checked: true, disabled: true }), ` ${myParty()}`),
      others.map((p) => h("label", {}, h("input", { type: "checkbox", name: "party", value: p.code }), ` ${p.code}`)),
      fieldError("parties")),
    labelled(t("ag_frequencies_help"), h("textarea", { name: "frequencies", rows: "2", placeholder: "Deconfliction UHF, 251.3, Syria" })),
    fieldError("terms.frequencies"),
    h("fieldset", {}, h("legend", {}, t("ag_term_buffers")),
      labelled("NM", h("input", { name: "lateral_nm", type: "number", step: "any", min: "0", value: "5" })),
      labelled("ft", h("input", { name: "vertical_ft", type: "number", step: "any", min: "0", value: "1000" })),
      labelled("min", h("input", { name: "time_min", type: "number", step: "any", min: "0", value: "10" })),
      fieldError("terms.buffers")),
    labelled(t("ag_start_utc"), h("input", { name: "start", type: "datetime-local", value: nowUtcInput() })),
    fieldError("start"),
    h("fieldset", {}, h("legend", {}, t("ag_term_case_deadlines")),
      labelled("s", h("input", { name: "response_deadline_s", type: "number", min: "0", step: "1" })),
      labelled(t("ag_urgent_s"), h("input", { name: "urgent_response_deadline_s", type: "number", min: "0", step: "1" })),
      fieldError("terms.case_deadlines")),
    h("fieldset", {}, h("legend", {}, t("ag_term_incident_minima")),
      labelled("NM", h("input", { name: "horizontal_nm", type: "number", min: "0", step: "any" })),
      labelled("ft", h("input", { name: "minima_ft", type: "number", min: "0", step: "any" })),
      fieldError("terms.incident_minima")),
    h("fieldset", {}, h("legend", {}, t("ag_fallback")),
      OTHER_TERMS.map((term) => h("label", {}, h("input", { type: "checkbox", name: "fallback", value: term, checked: true }), ` ${t(`ag_term_${term}`)}`)),
      fieldError("terms.fallback")),
    labelled(t("ag_title"), h("input", { name: "title", type: "text", maxlength: "200" })),
    fieldError("title"),
    labelled(t("ag_id"), h("input", { name: "agreement_id", type: "text", maxlength: "64", placeholder: "USA-RUS-annex" })),
    fieldError("agreement_id"),
    h("input", { type: "hidden", name: "supersedes", value: "" }),
    h("p", { class: "supersedes muted", "aria-live": "polite" }),
    fieldError("supersedes"), fieldError("terms"), fieldError(""),
    h("div", { class: "actions" }, h("button", { type: "submit", dataset: { act: "propose-agreement" } }, t("propose"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    const parties = [myParty(), ...data.getAll("party")];
    const terms = {
      buffers: { lateral_nm: Number(data.get("lateral_nm")), vertical_ft: Number(data.get("vertical_ft")), time_min: Number(data.get("time_min")) },
    };
    const frequencies = parseFrequencies(data.get("frequencies"));
    if (frequencies.length) terms.frequencies = frequencies;
    // A term given a value here is agreed, not left to its default (the node refuses both).
    if (String(data.get("response_deadline_s") || "").trim() || String(data.get("urgent_response_deadline_s") || "").trim()) {
      terms.case_deadlines = { response_deadline_s: Number(data.get("response_deadline_s")), urgent_response_deadline_s: Number(data.get("urgent_response_deadline_s")) };
    }
    if (String(data.get("horizontal_nm") || "").trim() || String(data.get("minima_ft") || "").trim()) {
      terms.incident_minima = { horizontal_nm: Number(data.get("horizontal_nm")), vertical_ft: Number(data.get("minima_ft")) };
    }
    const fallback = data.getAll("fallback").filter((term) => !(term in terms));
    if (fallback.length) terms.fallback = fallback;
    const body = { parties, start: utcInstant(data.get("start")), terms };
    const title = String(data.get("title") || "").trim();
    const id = String(data.get("agreement_id") || "").trim();
    if (title) body.title = title;
    if (id) body.agreement_id = id;
    const supersedes = String(data.get("supersedes") || "");
    if (supersedes) body.supersedes = Number(supersedes);
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    try {
      await post("/agreements", body);
      form.reset();
      form.querySelector("[name=supersedes]").value = "";
      form.querySelector(".supersedes").textContent = "";
      form.querySelector("[name=start]").value = nowUtcInput();
      await loadAgreements();
    } catch (error) {
      showErrors(form, error);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

/** Build the tab for this session (its party and tier) and keep it current on the node's agreement events. */
export function initAgreementPanel() {
  const form = $("#agreement-propose");
  if (form) replaceChildren(form, maySign() ? [proposeForm()] : [h("p", { class: "muted" }, t("ag_duty_only"))]);
  const title = $("#agreements-title");
  if (title) title.textContent = t("agreements_tab");
  if (!panelWired) {
    panelWired = true;
    onEvent("agreement.", () => loadAgreements().catch(() => {}));
  }
  return loadAgreements().catch(() => {});
}
