// A dead or stalled link must be seen (item 8 of issue 16): the top bar shows the age of the air picture;
// when the WebSocket is down, or the picture has not been updated for STALE_PICTURE_S while it holds
// aircraft, a banner says so and the tracks are greyed out: a picture that is not live must not look live.

import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

/** The node pushes the picture every scheduler pass (1 s by default): 5 s without one is a stall. */
export const STALE_PICTURE_S = 5;

let link = "connecting";
let wasLive = false;
let pictureMs = null; // when the last tracks.update arrived (this computer's clock: an interval, not a time)

export function linkChanged(text) {
  link = text;
  if (text === "live") wasLive = true;
  checkLink();
}

export function pictureArrived(nowMs = Date.now()) {
  pictureMs = nowMs;
}

export function resetLinkWatch() {
  link = "connecting";
  wasLive = false;
  pictureMs = null;
  checkLink();
}

/** Once a second: the picture's age, the banner, the grey-out. */
export function checkLink(nowMs = Date.now()) {
  const age = pictureMs === null ? null : Math.max(0, Math.round((nowMs - pictureMs) / 1000));
  const lost = wasLive && link !== "live";
  const stalled = !lost && age !== null && state.tracks.size > 0 && age > STALE_PICTURE_S;
  const ageText = $("#picture-age");
  ageText.textContent = age === null ? "" : `${t("picture")} ${age} s`;
  ageText.dataset.age = age === null ? "" : String(age);
  ageText.classList.toggle("stale", lost || stalled);
  const banner = $("#stale");
  if (lost) banner.textContent = `${t("link_lost")}${age === null ? "" : ` ${t("picture_age").replace("{n}", String(age))}`}`;
  else if (stalled) banner.textContent = t("picture_stalled").replace("{n}", String(age));
  banner.hidden = !(lost || stalled);
  banner.dataset.reason = lost ? "lost" : stalled ? "stalled" : "";
  const map = $("#map");
  if (map) map.dataset.stale = String(lost || stalled);
}
