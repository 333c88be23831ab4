// "What did we give them?" (issue 14 part 4): for a party and a period, the node's disclosure accounting
// (GET /disclosure?to=&since=&until=): how many things of each kind this party's node sent or made readable
// to that party, and each item no agreement or signed act covers (flagged). Read-only, for every officer.

import { get, post } from "./api.js";
import { $, h, replaceChildren } from "./dom.js";
import { clearErrors, fieldError, showErrors } from "./forms.js";
import { dirOf, lang, t, tf } from "./i18n.js";
import { myParty, state } from "./state.js";

/** "YYYY-MM-DDTHH:MM" typed as UTC -> ISO 8601 with Z (empty: no bound). */
function utcInstant(text) {
  const value = String(text || "").trim();
  if (!value) return "";
  return /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value) ? `${value}:00Z` : value;
}

function result(account) {
  const kinds = Object.entries(account.kinds || {}).sort(([a], [b]) => a.localeCompare(b));
  const flagged = (account.items || []).filter((item) => item.flagged);
  return [
    h("p", { class: "disclosure-summary" }, tf("dc_summary", { n: account.total, to: account.to, flagged: account.flagged })),
    h("table", { class: "disclosure-kinds" },
      h("caption", {}, t("dc_by_kind")),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, t("kind")), h("th", { scope: "col" }, t("dc_count")))),
      h("tbody", {}, kinds.length
        ? kinds.map(([kind, n]) => h("tr", { dataset: { kind } }, h("th", { scope: "row" }, kind), h("td", {}, String(n))))
        : h("tr", {}, h("td", { colspan: "2" }, t("none_yet"))))),
    h("h4", {}, t("dc_flagged")),
    h("ol", { class: "disclosure-flagged" }, flagged.length
      ? flagged.map((item) => h("li", { dataset: { kind: item.kind, id: item.id } },
        `${item.time} · ${item.kind} · ${item.id}: `, h("span", { dir: "auto" }, item.summary), item.reason ? ` — ${item.reason}` : ""))
      : h("li", { class: "muted" }, t("dc_none_flagged"))),
    h("h4", {}, t("dc_items")),
    // Every item counted above, one collapsible group per kind: the audit reads what crossed, not only counts.
    kinds.map(([kind, n]) => h("details", { class: "disclosure-items", dataset: { kind } },
      h("summary", {}, `${kind} (${n})`),
      h("ol", {}, (account.items || []).filter((item) => item.kind === kind).map((item) =>
        h("li", { class: item.flagged ? "flagged" : "", dataset: { id: item.id } },
          `${item.time} · ${item.id}: `, h("span", { dir: "auto" }, item.summary),
          ` — ${item.flagged ? item.reason || "" : item.covered_by || ""}`))))),
  ];
}

/** Build the view for this session: the other parties to choose from, and an empty period (everything). */
export function initDisclosure() {
  const root = $("#disclosure");
  if (!root) return;
  root.setAttribute("dir", dirOf(lang()));
  const out = h("div", { class: "disclosure-result", "aria-live": "polite" });
  const form = h("form", { id: "disclosure-form", class: "stack-form", novalidate: true },
    h("h3", {}, t("dc_title")),
    h("label", {}, h("span", {}, t("dc_to")),
      h("select", { name: "to" }, state.parties.filter((p) => p.code !== myParty()).map((p) => h("option", { value: p.code }, `${p.code} · ${p.name}`)))),
    fieldError("to"),
    h("label", {}, h("span", {}, t("dc_since")), h("input", { name: "since", type: "datetime-local" })),
    fieldError("since"),
    h("label", {}, h("span", {}, t("dc_until")), h("input", { name: "until", type: "datetime-local" })),
    fieldError("until"), fieldError(""),
    h("div", { class: "actions" }, h("button", { type: "submit", dataset: { act: "disclosure" } }, t("dc_show"))));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const data = new FormData(form);
    const query = new URLSearchParams({ to: String(data.get("to") || "") });
    for (const name of ["since", "until"]) {
      const value = utcInstant(data.get(name));
      if (value) query.set(name, value);
    }
    try {
      replaceChildren(out, result(await get(`/disclosure?${query}`)));
    } catch (error) {
      replaceChildren(out, []);
      showErrors(form, error);
    }
  });
  replaceChildren(root, [form, out]);
}

/** On one of this party's own incident records (a duty or senior officer's desk): "Disclose trails" to
 * chosen parties, a signed act (POST /incidents/{id}/disclose); the shared entry holds the encounter only,
 * the trails go to a party only by this act (docs/agreements.md). ``done(record)`` gets the updated record. */
export function discloseControl(incident, done) {
  const tier = state.session && state.session.officer && state.session.officer.tier;
  const already = new Set((incident.disclosures || []).flatMap((d) => d.to || []));
  const told = already.size ? h("p", { class: "disclosed-to" }, `${t("dc_disclosed_to")}: ${[...already].sort().join(", ")}`) : null;
  if (!incident.incident_id || incident.party !== myParty() || (tier !== "duty" && tier !== "senior")) return told;
  const choices = state.parties.filter((p) => p.code !== myParty() && !already.has(p.code));
  if (!choices.length) return told;
  const form = h("form", { class: "disclose-form stack-form", novalidate: true, dataset: { incident: incident.incident_id } },
    h("fieldset", {}, h("legend", {}, t("dc_disclose_trails")),
      choices.map((p) => h("label", {}, h("input", { type: "checkbox", name: "to", value: p.code }), ` ${p.code}`)),
      fieldError("to")),
    fieldError(""),
    h("button", { type: "submit", class: "secondary", dataset: { action: "disclose-trails" } }, t("dc_disclose")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(form);
    const to = new FormData(form).getAll("to");
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    try {
      const answer = await post(`/incidents/${encodeURIComponent(incident.incident_id)}/disclose`, { to });
      done({ ...incident, ...(answer.incident || {}), disclosures: [...(incident.disclosures || []), answer.disclosure] });
    } catch (error) {
      showErrors(form, error);
      submit.disabled = false;
    }
  });
  return [told, form];
}
