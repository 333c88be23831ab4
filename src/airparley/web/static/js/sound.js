// A generated audible alarm (Web Audio: oscillators, no sound file) for what must not wait: a warning-level
// alert and a safety call received or ringing again. The top bar's mute control silences it (remembered in
// this browser); the banners and the screen-reader announcements say everything all the same.
//
// Browsers start audio only after a gesture on the page: the login click is one; after a reload the first
// click or key press anywhere starts it, and the mute button says "click to enable sound" until then.

import { $ } from "./dom.js";
import { t } from "./i18n.js";

const MUTE_KEY = "airparley.muted";
/** Two-tone for a warning (an aircraft converging now), three high beeps for a safety call. */
const PATTERNS = { warning: [880, 587, 880, 587], safety: [1046, 0, 1046, 0, 1046] };
const STEP_S = 0.16;

let audio = null;
let muted = false;
/** Every alarm asked for: {kind, at (ms), muted, state (the audio context's)}; the tests read it. */
export const played = [];

function context() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return null;
  if (!audio) audio = new Context();
  if (audio.state === "suspended") audio.resume().then(renderMute, () => {});
  return audio;
}

export function audioState() {
  return audio ? audio.state : "none";
}

export function renderMute() {
  const button = $("#mute");
  if (!button) return;
  button.setAttribute("aria-pressed", String(muted));
  button.dataset.audio = audioState();
  button.textContent = muted ? `× ${t("sound_off")}` : `♪ ${t("sound_on")}`;
  button.title = !muted && audioState() !== "running" ? t("sound_click_to_enable") : "";
}

/** Wire the mute button and start the audio at the first gesture. */
export function initSound() {
  try {
    muted = localStorage.getItem(MUTE_KEY) === "1";
  } catch {
    muted = false; // storage refused (a locked-down browser): sound on, as the safe default
  }
  const start = () => { context(); renderMute(); };
  for (const type of ["pointerdown", "keydown"]) document.addEventListener(type, start, { capture: true });
  const button = $("#mute");
  button.addEventListener("click", () => {
    muted = !muted;
    try {
      localStorage.setItem(MUTE_KEY, muted ? "1" : "0");
    } catch {
      // not remembered: this page still honours it
    }
    renderMute();
  });
  renderMute();
}

/** Sound the alarm of ``kind`` ("warning" or "safety"), unless muted. */
export function sound(kind) {
  const ac = muted ? null : context();
  played.push({ kind, at: Date.now(), muted, state: audioState() });
  const button = $("#mute");
  if (button) button.dataset.played = String(played.length);
  if (!ac) return;
  const begin = ac.currentTime + 0.02;
  PATTERNS[kind].forEach((hz, i) => {
    if (!hz) return;
    const at = begin + i * STEP_S;
    const oscillator = ac.createOscillator();
    const gain = ac.createGain();
    oscillator.type = "square";
    oscillator.frequency.value = hz;
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.15, at + 0.01);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + STEP_S * 0.85);
    oscillator.connect(gain).connect(ac.destination);
    oscillator.start(at);
    oscillator.stop(at + STEP_S);
  });
}
