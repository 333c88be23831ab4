// Negotiation cases: their subject, proposal and history, a countdown to the response deadline (node
// time), and a button for each move the node says this officer may make now (`permitted`).

import { get, post } from "./api.js";
import { fmtBand, fmtDuration, fmtWindow, fmtZ, nodeNow } from "./clock.js";
import { $, h, keyedRender, replaceChildren } from "./dom.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
import { dirOf, lang, t } from "./i18n.js";
import { emit, myParty, state } from "./state.js";

const FINAL = new Set(["resolved", "rejected", "lapsed"]);
const MOVE_ORDER = ["accept", "propose", "counter", "reject", "escalate", "resolve"];
const TERM_KINDS = ["shift_time", "altitude_split", "yield"];

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

/** Terms in words: "RUS shifts its activity by +30 min", "split at 26,000 ft: USA above, RUS below". */
export function describeTerms(terms) {
  if (!terms) return "";
  switch (terms.kind) {
    case "shift_time":
      return `${terms.party} shifts its activity by ${terms.minutes > 0 ? "+" : ""}${terms.minutes} min`;
    case "altitude_split":
      return `altitude split at ${Number(terms.at_ft).toLocaleString("en-US")} ft: ${terms.above} above, ${terms.below} below`;
    case "reroute":
      return `${terms.party} reroutes to a new footprint`;
    case "yield":
      return `${terms.party} stands down`;
    case "time_share":
      return `time share: ${(terms.slots || []).map((s) => `${s.party} ${fmtWindow(s.start, s.end)}`).join("; ")}`;
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
  return h("span", { class: "countdown", dataset: { deadline: c.deadline } });
}

/** Refresh every countdown on the page (called each second). */
export function tickCountdowns() {
  const now = nodeNow();
  for (const node of document.querySelectorAll(".countdown[data-deadline]")) {
    const left = Date.parse(node.dataset.deadline) - now;
    node.classList.toggle("overdue", left <= 0);
    node.classList.toggle("soon", left > 0 && left < 120_000);
    node.textContent = left > 0 ? `${t("respond_within")} ${fmtDuration(left)}` : `${t("overdue")} (${fmtDuration(left)})`;
  }
}

function termsForm(view, move) {
  const c = view.case;
  const partySelect = (name) => h("select", { name }, c.parties.map((p) => h("option", { value: p }, p)));
  const fields = h("div", { class: "full" });
  const kind = h("select", { name: "terms.kind" }, TERM_KINDS.map((k) => h("option", { value: k }, k)));
  const show = () => {
    const rows = {
      shift_time: [["terms.party", partySelect("terms.party")], ["terms.minutes", h("input", { name: "terms.minutes", type: "number", step: "1", value: "30" })]],
      altitude_split: [
        ["terms.at_ft", h("input", { name: "terms.at_ft", type: "number", step: "100", value: "26000" })],
        ["terms.above", partySelect("terms.above")],
        ["terms.below", partySelect("terms.below")],
      ],
      yield: [["terms.party", partySelect("terms.party")]],
    }[kind.value];
    replaceChildren(fields, rows.map(([name, input]) => h("label", { class: "case-field" }, `${name.slice(6)} `, input, fieldError(name))));
    if (kind.value === "altitude_split" && c.parties.length === 2) fields.querySelector("[name='terms.below']").value = c.parties[1];
  };
  kind.addEventListener("change", show);
  show();
  const form = h("form", { class: "case-form", dataset: { move } },
    h("label", {}, "terms"), h("div", {}, kind, fieldError("terms.kind")),
    fields,
    h("label", {}, t("note")), h("input", { name: "text" }),
    fieldError("", "full"),
    h("div", { class: "full" }, h("button", { type: "submit" }, t(move))));
  form.onsubmit = async (event) => {
    event.preventDefault();
    clearErrors(form);
    const terms = { kind: kind.value };
    for (const input of fields.querySelectorAll("[name^='terms.']")) {
      const key = input.name.slice(6);
      terms[key] = input.type === "number" && input.value.trim() !== "" ? Number(input.value) : input.value;
    }
    try {
      upsertCase(await post(`/cases/${encodeURIComponent(c.case_id)}/${move}`, { terms, text: form.elements.text.value }));
      emit("cases");
    } catch (error) {
      showErrors(form, error);
    }
  };
  return form;
}

function caseCard(view) {
  const c = view.case;
  const awaiting = (view.awaiting || []).map((p) => (p === myParty() ? `${p} (${t("you")})` : p)).join(", ");
  const note = h("input", { name: "note", placeholder: t("note"), class: "case-note" });
  const error = fieldError("");
  const formSlot = h("div", { class: "case-form-slot" });
  const act = async (move, button) => {
    button.disabled = true;
    error.textContent = "";
    try {
      upsertCase(await post(`/cases/${encodeURIComponent(c.case_id)}/${move}`, { note: note.value }));
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
      if (move === "propose" || move === "counter") replaceChildren(formSlot, [termsForm(view, move)]);
      else act(move, event.currentTarget);
    },
  }, t(move)));
  const history = (c.history || []).map((entry) => h("li", { dir: "ltr" },
    `${fmtZ(entry.at)} ${entry.event}${entry.actor ? ` (${entry.actor.party} ${entry.actor.tier})` : ""} → ${entry.state}`,
    entry.proposal ? `: ${describeTerms(entry.proposal.terms)}` : "",
    entry.proposal && entry.proposal.text ? ` “${entry.proposal.text}”` : "",
    entry.note ? ` — ${entry.note}` : ""));
  return h("li", { class: "card case", dataset: { case: c.case_id, state: c.state } },
    h("h3", {},
      h("span", { class: `badge state-${c.state}` }, c.state),
      c.urgent ? h("span", { class: "badge urgent" }, t("urgent")) : null,
      c.escalated_at ? h("span", { class: "badge escalated" }, t("escalated")) : null,
      c.parties.join(" – ")),
    h("dl", {},
      h("dt", {}, "subject"), h("dd", {}, subjectText(view)),
      c.deadline && !FINAL.has(c.state) ? [h("dt", {}, "deadline"), h("dd", {}, h("bdi", { dir: "ltr" }, fmtZ(c.deadline)), " ", countdown(view))] : null,
      awaiting ? [h("dt", {}, t("awaiting")), h("dd", {}, awaiting)] : null,
      c.proposal ? [h("dt", {}, "proposal"), h("dd", { class: "proposal" },
        `${c.proposal.proposed_by.party}: ${describeTerms(c.proposal.terms)}`,
        c.proposal.text ? h("span", { dir: "auto" }, ` “${c.proposal.text}”`) : null)] : null,
      c.agreement ? [h("dt", {}, "agreed"), h("dd", {},
        (c.agreement.obligations || []).map((o) => `${o.party}: ${o.revision}`).join("; "))] : null),
    moves.length ? h("div", { class: "actions" }, note, buttons) : null,
    error,
    formSlot,
    h("details", {}, h("summary", {}, "history"), h("ol", {}, history)));
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
