// The safety call (item 1 of issue 16): about any aircraft in the party's picture that is not its own, to
// a chosen party (its owner by default, when the picture knows it), on an agreed or guard frequency.
// `POST /api/v1/alerts/safety-call {"track", "frequency_mhz", "to"}`; the node fills in the aircraft's
// position and level from the picture and watches for a response (docs/alerting.md).

import { post } from "./api.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { emit, myParty, state } from "./state.js";
import { upsertMessage } from "./hotline.js";

export const DEFAULT_FREQUENCY_MHZ = 243.0;
/** ``to`` of a call to every other party on the node, on a guard frequency (the owner is unknown). */
export const BROADCAST = "ALL";
const guards = () => [{ name: `VHF ${t("guard")}`, mhz: 121.5, guard: true }, { name: `UHF ${t("guard")}`, mhz: 243.0, guard: true }];

export function frequencyOptions(selected, guardsOnly = false) {
  let list = state.frequencies.length ? state.frequencies : [{ name: "guard", mhz: DEFAULT_FREQUENCY_MHZ, guard: true }];
  if (guardsOnly) list = guards();
  const options = list.map((f) => h("option", { value: String(f.mhz), selected: Number(f.mhz) === selected },
    `${Number(f.mhz).toFixed(3).replace(/0+$/, "0")} MHz · ${f.name}`));
  if (!list.some((f) => Number(f.mhz) === selected)) {
    options.unshift(h("option", { value: String(selected), selected: true }, `${selected.toFixed(1)} MHz`));
  }
  return options;
}

/** Whether ``party`` is a party on this node other than the officer's own (an owner the call can go to). */
function callable(party) {
  return Boolean(party) && party !== myParty() && state.parties.some((p) => p.code === party);
}

function callsignOf(track) {
  return track.callsign || track.id;
}

function partyOptions(track) {
  const owner = callable(track.party) ? track.party : "";
  const options = [];
  if (!owner) options.push(h("option", { value: "", selected: true, disabled: true }, t("call_to_choose")));
  for (const party of state.parties) {
    if (party.code === myParty()) continue;
    options.push(h("option", { value: party.code, selected: party.code === owner }, party.code === owner ? `${party.code} (${t("owner")})` : party.code));
  }
  // The owner unknown (or not sure): every other party on the guard frequencies, each to acknowledge.
  options.push(h("option", { value: BROADCAST }, t("call_all_guard")));
  return options;
}

/** The call's controls for ``tracks`` (the aircraft it may be about: {id, callsign, party}); ``key`` makes
 * the field ids unique on the page. Null when none of them may be called about (all the party's own). */
export function callControls(tracks, key, available = true) {
  const candidates = tracks.filter((track) => track && track.id !== undefined && track.party !== myParty());
  if (!candidates.length) return null;
  const safeKey = String(key).replace(/[^A-Za-z0-9_-]/g, "_");
  const byId = new Map(candidates.map((track) => [String(track.id), track]));
  const first = candidates.find((track) => callable(track.party)) || candidates[0];
  const about = h("select", { id: `sc-about-${safeKey}`, name: "track" },
    candidates.map((track) => h("option", { value: String(track.id), selected: track === first }, `${callsignOf(track)} (${track.party || "?"})`)));
  const to = h("select", { id: `sc-to-${safeKey}`, name: "to" }, partyOptions(first));
  const frequency = h("select", { id: `sc-freq-${safeKey}`, name: "frequency_mhz" }, frequencyOptions(DEFAULT_FREQUENCY_MHZ));
  const button = h("button", { type: "button", class: "call", dataset: { action: "safety-call", track: String(first.id) } });
  const result = h("p", { class: "small", role: "status" });
  const chosen = () => byId.get(about.value) || first;
  const label = () => {
    button.dataset.track = String(chosen().id);
    button.textContent = `${t("safety_call")} ${callsignOf(chosen())}`;
  };
  const guardsOnly = () => to.value === BROADCAST;
  about.addEventListener("change", () => {
    to.replaceChildren(...partyOptions(chosen()));
    label();
  });
  to.addEventListener("change", () => {
    // A broadcast goes out on a guard frequency only: the parties have agreed no other with everyone.
    const current = Number(frequency.value) || DEFAULT_FREQUENCY_MHZ;
    frequency.replaceChildren(...frequencyOptions(guardsOnly() && current !== 121.5 ? DEFAULT_FREQUENCY_MHZ : current, guardsOnly()));
    frequency.dataset.count = guardsOnly() ? "guards" : String(state.frequencies.length);
  });
  label();
  button.disabled = !available;
  button.title = available ? "" : t("safety_call_unavailable");
  button.addEventListener("click", async () => {
    const track = chosen();
    if (!to.value) {
      result.className = "field-error";
      result.textContent = t("call_to_missing");
      to.focus();
      return;
    }
    button.disabled = true;
    result.className = "small";
    result.textContent = t("sending");
    try {
      const answer = await post("/alerts/safety-call", { track: String(track.id), frequency_mhz: Number(frequency.value), to: to.value });
      if (answer && answer.message) {
        upsertMessage(answer);
        emit("messages");
      }
      const id = answer && answer.message ? answer.message.message_id : "";
      const whom = to.value === BROADCAST ? t("all_parties") : to.value;
      result.textContent = `${t("safety_call_sent")} ${whom}: ${callsignOf(track)} · ${frequency.value} MHz${id ? ` · ${id}` : ""}`;
    } catch (error) {
      result.className = "field-error";
      result.textContent = error.status === 404 ? `${t("safety_call_unavailable")} (404)` : (error.reason || String(error));
    } finally {
      button.disabled = false;
    }
  });
  const row = (select, text) => [h("label", { for: select.id }, text), select];
  const box = h("div", { class: "call-form", dataset: { call: safeKey } },
    h("div", { class: "actions" }, candidates.length > 1 ? row(about, t("call_about")) : null, row(to, t("to")), row(frequency, t("frequency")), button),
    result);
  /** Keep the frequency choices current (the agreed list may change) without losing the officer's choice. */
  box.refresh = () => {
    if (!guardsOnly() && frequency.dataset.count !== String(state.frequencies.length)) {
      const current = Number(frequency.value) || DEFAULT_FREQUENCY_MHZ;
      frequency.replaceChildren(...frequencyOptions(current));
      frequency.dataset.count = String(state.frequencies.length);
    }
    button.disabled = !available;
  };
  box.setAvailable = (value) => {
    available = value;
    box.refresh();
  };
  return box;
}
