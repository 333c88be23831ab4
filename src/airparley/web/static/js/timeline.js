// The time slider: from 24 hours back to 48 hours ahead of the node's now, in 5-minute steps. Off ("All
// times"), everything is shown; on, only what is planned at the chosen instant (start <= t <= end).

import { fmtZ, nodeNow } from "./clock.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { emit, state } from "./state.js";

const STEP_MS = 60_000;
let anchor = 0; // node time the slider's 0 stands for

function label() {
  const output = $("#time-label");
  if (state.time === null) {
    output.textContent = t("all_times");
    return;
  }
  const minutes = Math.round((state.time - nodeNow()) / STEP_MS);
  const sign = minutes < 0 ? "−" : "+";
  const abs = Math.abs(minutes);
  output.textContent = `${fmtZ(state.time)} (${sign}${Math.floor(abs / 60)}h${String(abs % 60).padStart(2, "0")})`;
}

export function setTime(ms) {
  state.time = ms;
  $("#time-all").setAttribute("aria-pressed", String(ms === null));
  if (ms !== null) $("#time-slider").value = String(Math.round((ms - anchor) / STEP_MS));
  label();
  emit("time");
}

export function initTimeline() {
  anchor = Math.round(nodeNow() / 300_000) * 300_000;
  const slider = $("#time-slider");
  slider.value = "0";
  slider.oninput = () => setTime(anchor + Number(slider.value) * STEP_MS);
  $("#time-all").textContent = t("all_times");
  $("#time-now").textContent = t("now");
  $("#time-all").onclick = () => setTime(null);
  $("#time-now").onclick = () => setTime(nodeNow());
  setTime(null);
}

export function refreshTimeLabel() {
  label();
}
