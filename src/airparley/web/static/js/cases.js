// Negotiation cases: their subject, proposal and history, a countdown to the response deadline (node
// time), and a button for each move the node says this officer may make now (`permitted`).

import { get, post } from "./api.js";
import { fmtBand, fmtDuration, fmtWindow, fmtZ, isoMinute, nodeNow } from "./clock.js";
import { formatPositions, parsePositions } from "./geometry.js";
import { getMap } from "./map.js";
import { cancelDrawFor, drawFor } from "./notices.js";
import { $, h, keyedRender, replaceChildren } from "./dom.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
import { dirOf, lang, t, tf } from "./i18n.js";
import { emit, myParty, serves, state } from "./state.js";

const FINAL = new Set(["resolved", "rejected", "lapsed"]);
const MOVE_ORDER = ["accept", "propose", "counter", "reject", "escalate", "resolve"];
const TERM_KINDS = ["shift_time", "altitude_split", "reroute", "yield", "time_share"];

export function upsertCase(view) {
  if (view && view.case && view.case.case_id) state.cases.set(view.case.case_id, view);
}

export async function refreshCase(caseId) {
  try {
    upsertCase(await get(`/cases/${encodeURIComponent(caseId)}`));
    emit("cases");
  } catch (error) {
    if (error.status === 404) {
      state.cases.delete(caseId);
      emit("cases");
    }
  }
}

/** The open case about a conflict, if there is one. */
export function caseOfConflict(conflictId) {
  for (const view of state.cases.values()) {
    const subject = view.case.subject;
    if (subject.kind === "conflict" && subject.conflict_id === conflictId && !FINAL.has(view.case.state)) return view;
  }
  return null;
}

export async function openCase(conflictId, urgent) {
  upsertCase(await post("/cases", { subject: { kind: "conflict", conflict_id: conflictId }, urgent: Boolean(urgent) }));
  emit("cases");
}

/** Terms in words, in the reader's language, with their values: "RUS shifts its activity by +30 min",
 * "altitude split at 20,000 ft (FL200): USA above, RUS below". */
export function describeTerms(terms) {
  if (!terms) return "";
  const fl = (ft) => `FL${String(Math.round(ft / 100)).padStart(3, "0")}`;
  switch (terms.kind) {
    case "shift_time":
      return tf("tx_shift_time", { party: terms.party, minutes: `${terms.minutes > 0 ? "+" : ""}${terms.minutes}` });
    case "altitude_split":
      return tf("tx_altitude_split", { ft: Number(terms.at_ft).toLocaleString("en-US"), fl: fl(Number(terms.at_ft)), above: terms.above, below: terms.below });
    case "reroute":
      return tf("tx_reroute", { party: terms.party });
    case "yield":
      return tf("tx_yield", { party: terms.party });
    case "time_share":
      return tf("tx_time_share", { slots: (terms.slots || []).map((s) => `${s.party} ${fmtWindow(s.start, s.end)}`).join("; ") });
    default:
      return JSON.stringify(terms);
  }
}

function subjectText(view) {
  const subject = view.case.subject;
  if (subject.kind === "contention") return subject.reason;
  const conflict = state.conflicts.get(subject.conflict_id);
  if (!conflict) return `conflict ${subject.conflict_id.slice(0, 10)}…`;
  const o = conflict.overlap;
  return `${conflict.own.notice_id} × ${conflict.other.notice_id} · ${fmtBand(o.lower_ft, o.upper_ft)} · ${fmtWindow(o.start, o.end)}`;
}

function countdown(view) {
  const c = view.case;
  if (FINAL.has(c.state) || !c.deadline) return null;
  // "Respond within" is said to the side awaited only: the other reads how long the other side has.
  const mine = (view.awaiting || []).includes(myParty());
  return h("span", { class: "countdown", dataset: { deadline: c.deadline, mine: String(mine) } });
}

/** Refresh every countdown on the page (called each second). */
export function tickCountdowns() {
  const now = nodeNow();
  for (const node of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = Date.parse(node.dataset.deadline) - now;
    node.classList.toggle("overdue", left <= 0);
    node.classList.toggle("soon", left > 0 && left < 120_000);
    const within = node.dataset.mine === "false" ? t("they_respond_within") : t("respond_within");
    node.textContent = left > 0 ? `${within} ${fmtDuration(left)}` : `${t("overdue")} (${fmtDuration(left)})`;
  }
}

function partySelect(c, name, id, selected) {
  return h("select", { name, id }, c.parties.map((p) => h("option", { value: p, selected: p === selected }, p)));
}

/** One labelled field of a terms form: its label (for its input), the input, the error slot by it. */
function termField(formId, name, label, input) {
  input.id = input.id || `${formId}-${name.replace(/\./g, "-")}`;
  return h("div", { class: "case-field" }, h("label", { for: input.id }, label), input, fieldError(name));
}

/** The window the case is about (the conflict's overlap), for the defaults of a time share. */
function caseWindow(c) {
  const conflict = c.subject.kind === "conflict" ? state.conflicts.get(c.subject.conflict_id) : null;
  if (conflict) return [Date.parse(conflict.overlap.start), Date.parse(conflict.overlap.end)];
  const start = Math.ceil(nodeNow() / 300_000) * 300_000 + 3_600_000;
  return [start, start + 2 * 3_600_000];
}

function slotRow(c, formId, index, slot, onRemove) {
  const base = `terms.slots.${index}`;
  return h("li", { class: "slot", dataset: { slot: String(index) } },
    h("fieldset", {},
      h("legend", {}, `${t("slot")} ${index + 1}`),
      termField(formId, `${base}.party`, t("party"), partySelect(c, `${base}.party`, `${formId}-slot${index}-party`, slot.party)),
      termField(formId, `${base}.start`, t("start_utc"), h("input", { name: `${base}.start`, id: `${formId}-slot${index}-start`, value: slot.start, placeholder: "2026-11-26T03:00Z" })),
      termField(formId, `${base}.end`, t("end_utc"), h("input", { name: `${base}.end`, id: `${formId}-slot${index}-end`, value: slot.end, placeholder: "2026-11-26T04:00Z" })),
      h("button", { type: "button", class: "secondary", dataset: { action: "remove-slot" }, onclick: onRemove }, t("remove_slot"))));
}

/** An altitude split inside the conflict's band: its middle, to the 500 ft (26,000 ft when unknown). */
export function splitDefault(c) {
  const conflict = c.subject.kind === "conflict" ? state.conflicts.get(c.subject.conflict_id) : null;
  if (!conflict) return 26000;
  const { lower_ft: lower, upper_ft: upper } = conflict.overlap;
  return Math.round((lower + upper) / 2 / 500) * 500;
}

/** The case's signed report, verified by the node (GET /cases/{id}/report): a printable page, a PDF, the JSON. */
function reportLinks(caseId) {
  if (!serves("get", "/cases/{case_id}/report")) return null;
  const base = `/api/v1/cases/${encodeURIComponent(caseId)}/report`;
  return h("p", { class: "small report-links" }, `${t("case_report")}: `,
    h("a", { href: `${base}?format=html`, target: "_blank", rel: "noopener", dataset: { report: "html" } }, t("printable_page")), " · ",
    h("a", { href: `${base}?format=pdf`, dataset: { report: "pdf" } }, "PDF"), " · ",
    h("a", { href: base, target: "_blank", rel: "noopener", dataset: { report: "json" } }, "JSON"));
}

let formCounter = 0;

function termsForm(view, move, close, note) {
  const c = view.case;
  const formId = `tf${++formCounter}`;
  const fields = h("div", { class: "full" });
  const kind = h("select", { name: "terms.kind", id: `${formId}-kind` }, TERM_KINDS.map((k) => h("option", { value: k }, t(`terms_${k}`))));
  let collect = () => ({});
  let rerouteLayer = null;
  const dropReroute = () => {
    cancelDrawFor();
    if (rerouteLayer) rerouteLayer.remove();
    rerouteLayer = null;
  };
  const builders = {
    shift_time() {
      replaceChildren(fields, [
        termField(formId, "terms.party", t("party"), partySelect(c, "terms.party")),
        termField(formId, "terms.minutes", t("minutes"), h("input", { name: "terms.minutes", type: "number", step: "1", value: "30" })),
      ]);
      collect = () => ({ party: fields.querySelector("[name='terms.party']").value, minutes: numeric(fields.querySelector("[name='terms.minutes']").value) });
    },
    altitude_split() {
      replaceChildren(fields, [
        termField(formId, "terms.at_ft", t("at_ft"), h("input", { name: "terms.at_ft", type: "number", step: "100", value: String(splitDefault(c)) })),
        termField(formId, "terms.above", t("above"), partySelect(c, "terms.above", undefined, c.parties[0])),
        termField(formId, "terms.below", t("below"), partySelect(c, "terms.below", undefined, c.parties[1] || c.parties[0])),
      ]);
      collect = () => ({
        at_ft: numeric(fields.querySelector("[name='terms.at_ft']").value),
        above: fields.querySelector("[name='terms.above']").value,
        below: fields.querySelector("[name='terms.below']").value,
      });
    },
    yield() {
      replaceChildren(fields, [termField(formId, "terms.party", t("party"), partySelect(c, "terms.party"))]);
      collect = () => ({ party: fields.querySelector("[name='terms.party']").value });
    },
    reroute() {
      const coords = h("textarea", { name: "terms.geometry", rows: "4", spellcheck: "false", placeholder: "38.1 34.4\n38.6 34.4\n38.6 34.8" });
      const status = h("p", { class: "small muted", role: "status" }, t("reroute_help"));
      const showLayer = (layer) => {
        if (rerouteLayer && rerouteLayer !== layer) rerouteLayer.remove();
        rerouteLayer = layer;
        const ring = layer.getLatLngs()[0].map((p) => [Math.round(p.lng * 1e5) / 1e5, Math.round(p.lat * 1e5) / 1e5]);
        coords.value = formatPositions(ring);
        status.textContent = `${t("reroute_drawn")} (${ring.length})`;
      };
      const drawButton = h("button", {
        type: "button", class: "secondary", dataset: { action: "draw-reroute" },
        onclick: () => {
          status.textContent = t("reroute_drawing");
          drawFor("Polygon", (layer) => {
            layer.setStyle({ color: "#c77dff", dashArray: "6 3" });
            showLayer(layer);
            drawButton.focus();
          });
        },
      }, t("draw_on_map"));
      coords.addEventListener("change", () => {
        try {
          const positions = parsePositions(coords.value);
          if (positions.length >= 3) {
            if (rerouteLayer) rerouteLayer.remove();
            rerouteLayer = L.polygon(positions.map(([lon, lat]) => [lat, lon]), { color: "#c77dff", dashArray: "6 3", pmIgnore: true }).addTo(getMap());
          }
        } catch {
          // shown on submit, by the field
        }
      });
      replaceChildren(fields, [
        termField(formId, "terms.party", t("party"), partySelect(c, "terms.party", undefined, myParty())),
        h("div", { class: "case-field" }, drawButton, status),
        termField(formId, "terms.geometry", t("new_footprint"), coords),
      ]);
      collect = () => {
        let ring;
        try {
          ring = parsePositions(coords.value);
        } catch (error) {
          throw { field: "terms.geometry", reason: error.message };
        }
        if (ring.length < 3) throw { field: "terms.geometry", reason: t("reroute_need_polygon") };
        if (ring[0][0] !== ring[ring.length - 1][0] || ring[0][1] !== ring[ring.length - 1][1]) ring.push([...ring[0]]);
        return { party: fields.querySelector("[name='terms.party']").value, geometry: { type: "Polygon", coordinates: [ring] } };
      };
    },
    time_share() {
      const [start, end] = caseWindow(c);
      const middle = Math.round((start + end) / 2 / 300_000) * 300_000;
      let slots = [
        { party: c.parties[0], start: isoMinute(start), end: isoMinute(middle) },
        { party: c.parties[1] || c.parties[0], start: isoMinute(middle), end: isoMinute(end) },
      ];
      const list = h("ol", { class: "slots" });
      const read = () => [...list.querySelectorAll("li.slot")].map((li, i) => ({
        party: li.querySelector(`[name='terms.slots.${i}.party']`).value,
        start: li.querySelector(`[name='terms.slots.${i}.start']`).value.trim(),
        end: li.querySelector(`[name='terms.slots.${i}.end']`).value.trim(),
      }));
      const draw = () => replaceChildren(list, slots.map((slot, i) => slotRow(c, formId, i, slot, () => {
        slots = read();
        slots.splice(i, 1);
        draw();
        const add = fields.querySelector("[data-action=add-slot]");
        if (add) add.focus();
      })));
      draw();
      replaceChildren(fields, [
        h("p", { class: "small muted" }, t("time_share_help")),
        list, fieldError("terms.slots"),
        h("button", {
          type: "button", class: "secondary", dataset: { action: "add-slot" },
          onclick: () => {
            slots = read();
            const last = slots[slots.length - 1];
            const from = last ? Date.parse(last.end.replace(/Z$/, ":00Z")) || Date.parse(last.end) : start;
            slots.push({ party: c.parties[slots.length % c.parties.length], start: isoMinute(from), end: isoMinute(from + 3_600_000) });
            draw();
            list.querySelector(`li.slot:last-child select`).focus();
          },
        }, t("add_slot")),
      ]);
      collect = () => ({ slots: read() });
    },
  };
  const show = () => {
    dropReroute();
    builders[kind.value]();
  };
  kind.addEventListener("change", show);
  show();
  const form = h("form", { class: "case-form", dataset: { move }, "aria-label": t(move) },
    h("label", { for: kind.id }, t("terms")), h("div", {}, kind, fieldError("terms.kind")),
    fields,
    fieldError("", "full"),
    h("div", { class: "full actions" },
      h("button", { type: "submit" }, t(move)),
      h("button", { type: "button", class: "secondary", dataset: { action: "close-form" }, onclick: () => { dropReroute(); close(); } }, t("close"))));
  form.addEventListener("keydown", (event) => {
    if (event.key === "Escape") {
      event.stopPropagation();
      dropReroute();
      close();
    }
  });
  form.onsubmit = async (event) => {
    event.preventDefault();
    clearErrors(form);
    let terms;
    try {
      terms = { kind: kind.value, ...collect() };
    } catch (problem) {
      showErrors(form, { errors: [problem] });
      return;
    }
    try {
      upsertCase(await post(`/cases/${encodeURIComponent(c.case_id)}/${move}`, { terms, ...noteBody(note.value, "text") }));
      dropReroute();
      emit("cases");
    } catch (error) {
      showErrors(form, error);
      const first = form.querySelector("[aria-invalid=true]");
      if (first) first.focus();
    }
  };
  return form;
}

/** A move's note as sent: typed in the officer's desk language, which the node checks against the languages
 * the case's parties agreed (a refusal names `language` and shows under the card). */
function noteBody(text, field) {
  return text ? { [field]: text, language: lang() } : { [field]: text };
}

function numeric(raw) {
  const value = Number(raw);
  return String(raw).trim() !== "" && Number.isFinite(value) ? value : raw;
}

/** A history text is shown as written: in its language (when its move said it), in that language's direction. */
function textLang(entry) {
  return entry.language ? { lang: entry.language, dir: dirOf(entry.language) } : { dir: "auto" };
}

function caseCard(view) {
  const c = view.case;
  const awaiting = (view.awaiting || []).map((p) => (p === myParty() ? `${p} (${t("you")})` : p)).join(", ");
  // One Note per card, sent with whichever move the officer makes (accept, reject, escalate, or a proposal's
  // terms form): two note fields on one card left the officer guessing which one the other desk would read.
  const noteId = `case-note-${c.case_id}`;
  const note = h("input", { name: "note", id: noteId, class: "case-note", maxlength: 2000, dir: "auto" });
  const noteField = h("div", { class: "case-note-field" }, h("label", { for: noteId }, t("note")), note);
  const error = fieldError("");
  const formSlot = h("div", { class: "case-form-slot" });
  const act = async (move, button) => {
    button.disabled = true;
    error.textContent = "";
    try {
      upsertCase(await post(`/cases/${encodeURIComponent(c.case_id)}/${move}`, noteBody(note.value, "note")));
      emit("cases");
    } catch (failure) {
      error.textContent = failure.reason || String(failure);
      button.disabled = false;
    }
  };
  const moves = MOVE_ORDER.filter((m) => (view.permitted || []).includes(m));
  const buttons = moves.map((move) => h("button", {
    type: "button",
    class: move === "accept" ? "" : move === "reject" || move === "escalate" ? "danger" : "secondary",
    dataset: { move },
    onclick: (event) => {
      if (move === "propose" || move === "counter") {
        const opener = event.currentTarget;
        const form = termsForm(view, move, () => { replaceChildren(formSlot, []); if (opener.isConnected) opener.focus(); }, note);
        replaceChildren(formSlot, [form]);
        form.querySelector("select").focus();
      }
      else act(move, event.currentTarget);
    },
  }, t(move)));
  const history = (c.history || []).map((entry) => h("li", { dir: "ltr" },
    `${fmtZ(entry.at)} ${t(`ev_${entry.event}`)}${entry.actor ? ` (${entry.actor.party} ${t(`tier_${entry.actor.tier}`)})` : ""} → ${t(`state_${entry.state}`)}`,
    entry.proposal ? `: ${describeTerms(entry.proposal.terms)}` : "",
    entry.proposal && entry.proposal.text ? h("span", { dataset: { nodeText: "proposal" }, ...textLang(entry) }, ` “${entry.proposal.text}”`) : "",
    entry.note ? h("span", { dataset: { nodeText: "note" }, ...textLang(entry) }, ` — ${entry.note}`) : ""));
  return h("li", { class: "card case", dataset: { case: c.case_id, state: c.state } },
    h("h3", {},
      h("span", { class: `badge state-${c.state}` }, t(`state_${c.state}`)),
      c.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null,
      c.escalated_at ? h("span", { class: "badge escalated" }, t("escalated")) : null,
      c.parties.join(" – ")),
    h("dl", {},
      h("dt", {}, t("subject")), h("dd", {}, subjectText(view)),
      c.deadline && !FINAL.has(c.state) ? [h("dt", {}, t("deadline")), h("dd", {}, h("bdi", { dir: "ltr" }, fmtZ(c.deadline)), " ", countdown(view))] : null,
      awaiting ? [h("dt", {}, t("awaiting")), h("dd", {}, awaiting,
        // Awaited, yet no move is open to this officer (its tier, or the case's state): say why there are no buttons.
        (view.awaiting || []).includes(myParty()) && !moves.length && !FINAL.has(c.state)
          ? h("span", { class: "muted small no-moves" }, ` — ${t("no_move_for_you")}`) : null)] : null,
      c.proposal ? [h("dt", {}, t("proposal")), h("dd", { class: "proposal" },
        `${c.proposal.proposed_by.party}: ${describeTerms(c.proposal.terms)}`,
        c.proposal.text ? h("span", { dir: "auto" }, ` “${c.proposal.text}”`) : null)] : null,
      // The agreement in words with its values (the 20,000 ft of a split), not the bare obligations.
      c.agreement ? [h("dt", {}, t("agreed")), h("dd", { class: "agreement" },
        describeTerms(c.agreement.proposal && c.agreement.proposal.terms),
        ` (${(c.agreement.obligations || []).map((o) => o.party).join(", ")})`)] : null),
    moves.length ? noteField : null,
    moves.length ? h("div", { class: "actions" }, buttons) : null,
    reportLinks(c.case_id),
    error,
    formSlot,
    h("details", {}, h("summary", {}, t("history")), h("ol", {}, history)));
}

export function renderCases() {
  const list = [...state.cases.values()].sort((a, b) => {
    const finalA = FINAL.has(a.case.state) ? 1 : 0;
    const finalB = FINAL.has(b.case.state) ? 1 : 0;
    return finalA - finalB || String(a.case.deadline || "").localeCompare(String(b.case.deadline || ""));
  });
  const root = $("#cases");
  root.setAttribute("dir", dirOf(lang()));
  // A case card also shows its conflict's band and window: re-render when either changes.
  const items = list.map((view) => ({ view, subject: subjectText(view) }));
  keyedRender(root, items, (item) => item.view.case.case_id, (item) => caseCard(item.view),
    () => h("li", { class: "muted" }, t("none_yet")));
  $("#count-cases").textContent = String(list.filter((v) => !FINAL.has(v.case.state)).length);
  tickCountdowns();
}
