// The time filter: off ("All times"), everything is shown; on, only what is planned at the chosen instant
// (start <= t <= end). *Now* follows the node's clock live (it moves on every second until another time is
// chosen); the slider runs from 6 hours back to 12 hours ahead of the node's now, a minute a step; a time
// can be typed, absolute or relative (parseTime).

import { fmtZ, nodeNow } from "./clock.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { emit, state } from "./state.js";

const STEP_MS = 60_000;
const HOUR_MS = 3_600_000;
let anchor = 0; // node time the slider's 0 stands for
let following = false; // "Now" pressed: the filter follows the node's clock

/** A typed time, in ms since the epoch, or null: "+2h", "-30m", "+1h30m", "0430Z", "04:30Z", "04:30"
 * (today on the node's clock, UTC), "2026-11-26T04:30Z", "now". */
export function parseTime(text, nowMs = nodeNow()) {
  const value = text.trim().toUpperCase().replace(/\s+/g, "");
  if (!value) return null;
  if (value === "NOW") return nowMs;
  const relative = value.match(/^([+-])(?:(\d+)H)?(?:(\d+)M(?:IN)?)?$/);
  if (relative && (relative[2] || relative[3])) {
    const ms = (Number(relative[2] || 0) * 60 + Number(relative[3] || 0)) * STEP_MS;
    return nowMs + (relative[1] === "-" ? -ms : ms);
  }
  const clock = value.match(/^(\d{2}):?(\d{2})Z?$/);
  if (clock) {
    const [hours, minutes] = [Number(clock[1]), Number(clock[2])];
    if (hours > 23 || minutes > 59) return null;
    const day = new Date(nowMs);
    return Date.UTC(day.getUTCFullYear(), day.getUTCMonth(), day.getUTCDate(), hours, minutes);
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?Z$/.test(value)) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

function label() {
  const output = $("#time-label");
  if (state.time === null) {
    output.textContent = t("all_times");
    return;
  }
  const minutes = Math.round((state.time - nodeNow()) / STEP_MS);
  const sign = minutes < 0 ? "−" : "+";
  const abs = Math.abs(minutes);
  output.textContent = following
    ? `${fmtZ(state.time)} (${t("now_live")})`
    : `${fmtZ(state.time)} (${sign}${Math.floor(abs / 60)}h${String(abs % 60).padStart(2, "0")})`;
}

export function setTime(ms, follow = false) {
  following = follow && ms !== null;
  state.time = ms;
  $("#time-all").setAttribute("aria-pressed", String(ms === null));
  $("#time-now").setAttribute("aria-pressed", String(following));
  if (ms !== null) $("#time-slider").value = String(Math.round((ms - anchor) / STEP_MS));
  label();
  emit("time");
}

export function initTimeline() {
  anchor = Math.round(nodeNow() / STEP_MS) * STEP_MS;
  const slider = $("#time-slider");
  slider.min = String(-6 * 60);
  slider.max = String(12 * 60);
  slider.step = "1";
  slider.value = "0";
  slider.oninput = () => setTime(anchor + Number(slider.value) * STEP_MS);
  $("#time-all").textContent = t("all_times");
  $("#time-now").textContent = t("now");
  $("#time-all").onclick = () => setTime(null);
  $("#time-now").onclick = () => setTime(nodeNow(), true);
  const input = $("#time-input");
  input.placeholder = t("time_hint");
  input.setAttribute("aria-label", t("time_typed"));
  $("#time-form").onsubmit = (event) => {
    event.preventDefault();
    const ms = parseTime(input.value);
    const error = $("#time-error");
    if (ms === null) {
      error.textContent = `${t("time_bad")}: ${input.value}`;
      input.setAttribute("aria-invalid", "true");
      return;
    }
    error.textContent = "";
    input.removeAttribute("aria-invalid");
    if (Math.abs(ms - anchor) > 12 * HOUR_MS) anchor = Math.round(ms / STEP_MS) * STEP_MS; // the slider re-centres
    setTime(ms);
  };
  setTime(null);
}

/** Every second: a live "now" moves on with the node's clock; the label's offset is kept current. */
export function refreshTimeLabel() {
  if (following) {
    state.time = nodeNow();
    $("#time-slider").value = String(Math.round((state.time - anchor) / STEP_MS));
    emit("time");
  }
  label();
}
