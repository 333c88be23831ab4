// A live demo's lag: when the simulator driving the node falls behind the wall clock, the node tells every
// desk (`simulation.lag`, docs/events.md) and the desk says so in a banner until it has caught up, so that
// an officer reads late tracks and alerts as late, not as quiet.

import { get } from "./api.js";
import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { serves } from "./state.js";

/** Show or clear the banner from one `simulation.lag` event's data. */
export function applyLag(data) {
  const banner = $("#lag");
  if (!data || !data.lagging) {
    banner.hidden = true;
    banner.textContent = "";
    delete banner.dataset.behind;
    return;
  }
  const seconds = Math.round(Number(data.behind_s) || 0);
  banner.dataset.behind = String(seconds);
  banner.textContent = t("sim_behind").replace("{n}", String(seconds));
  banner.title = data.note || "";
  banner.hidden = false;
}

/** The lag as it stands, read as the desk opens: the feed then resumes from the session's cursor, after the
 * note that raised the banner, so a desk opened (or reloaded) while the demo lags would show nothing until
 * the next note. A node without the route (older) has no banner to show. */
export async function loadLag() {
  if (!serves("get", "/simulation/lag")) return;
  try {
    applyLag(await get("/simulation/lag"));
  } catch (error) {
    console.warn("the simulation's lag could not be read", error);
  }
}
