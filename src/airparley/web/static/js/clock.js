// The node's clock, not the desk computer's: deadlines and "now" are the node's (its clock may be set,
// or simulated in an exercise), so the page keeps the offset it last saw in GET /api/v1/session.

let offsetMs = 0;

export function syncNodeClock(nowIso) {
  const node = Date.parse(nowIso);
  if (!Number.isNaN(node)) offsetMs = node - Date.now();
}

export function nodeNow() {
  return Date.now() + offsetMs;
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n, width = 2) => String(n).padStart(width, "0");

/** "26 Nov 03:00Z": UTC, as the desks work. */
export function fmtZ(when) {
  const ms = typeof when === "number" ? when : Date.parse(when);
  if (Number.isNaN(ms)) return String(when);
  const d = new Date(ms);
  return `${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
}

/** "26 Nov 03:00:07Z": the desk's clock, to the second. */
export function fmtClock(when) {
  const d = new Date(typeof when === "number" ? when : Date.parse(when));
  return `${fmtZ(d.getTime()).slice(0, -1)}:${pad(d.getUTCSeconds())}Z`;
}

/** "03:00Z", or the full form when the day differs from ``sameDayAs``. */
export function fmtTimeZ(when, sameDayAs) {
  const ms = typeof when === "number" ? when : Date.parse(when);
  const d = new Date(ms);
  if (sameDayAs !== undefined) {
    const other = new Date(typeof sameDayAs === "number" ? sameDayAs : Date.parse(sameDayAs));
    if (other.getUTCDate() !== d.getUTCDate() || other.getUTCMonth() !== d.getUTCMonth()) return fmtZ(ms);
  }
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
}

export function fmtWindow(start, end) {
  return `${fmtZ(start)}–${fmtTimeZ(end, start)}`;
}

/** ISO without seconds, as the notice form shows it: "2026-11-26T03:00Z". */
export function isoMinute(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}Z`;
}

const thousands = (n) => Math.round(n).toLocaleString("en-US");

/** A band in feet MSL, with the flight levels under the standard atmosphere: "19,000–26,000 ft (FL190–FL260)". */
export function fmtBand(lowerFt, upperFt) {
  const fl = (ft) => `FL${pad(Math.round(ft / 100), 3)}`;
  return `${thousands(lowerFt)}–${thousands(upperFt)} ft (${fl(lowerFt)}–${fl(upperFt)})`;
}

/** A notice altitude as filed: 250 FL -> "FL250"; {value: 5000, unit: "ft", ref: "MSL"} -> "5,000 ft MSL". */
export function fmtAltitude(alt) {
  if (typeof alt === "number") return `${thousands(alt)} ft MSL`;
  if (!alt || typeof alt !== "object") return String(alt);
  if (alt.ref === "FL") return `FL${pad(alt.value, 3)}`;
  return `${thousands(alt.value)} ${alt.unit || "ft"} ${alt.ref || "MSL"}`;
}

/** Milliseconds as "14:32" or "1:02:03"; negative values as the same, the caller says "overdue". */
export function fmtDuration(ms) {
  const total = Math.floor(Math.abs(ms) / 1000);
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  return hours ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${pad(minutes)}:${pad(seconds)}`;
}
