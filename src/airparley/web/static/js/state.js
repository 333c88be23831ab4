// Everything the page knows, in one place, and who to tell when a part changes. Only what the node's API
// and event feed gave this officer's party is ever stored here (the node shapes every answer per party).

export const state = {
  session: null, // GET /api/v1/session: officer, party, expires_at, now, cursor, buffers
  parties: [],
  phrases: null,
  notices: [], // the party's own notices: GeoJSON features, one per volume
  conflicts: new Map(), // id -> conflict as the party sees it (own side in full, other side's overlap)
  messages: new Map(), // message_id -> {message, rendered}
  cases: new Map(), // case_id -> {case, awaiting, permitted}
  tracks: new Map(), // id -> {id, lat, lon, alt_ft, gs_kt, trk_deg, callsign, alert_level, seen_ms}
  trails: new Map(), // track id -> [[lat, lon, time_s], ...] of its last minutes (tracks.js TRAIL_S)
  alerts: new Map(), // "a|b" track ids -> tactical alert of the party's own picture (with seen_ms)
  incidents: [], // incident.recorded payloads since the desk opened, newest first
  intrusions: new Map(), // "track|notice|volume" -> intrusion.detected payload
  flags: new Map(), // track id -> non-responsive flag {track, callsign, party, message_id, time}
  frequencies: [], // GET /api/v1/frequencies
  time: null, // the time filter (ms since epoch), or null for all times
  band: null, // the altitude filter {lower_ft, upper_ft}, or null for all altitudes
  routes: null, // the API paths this node serves (from /openapi.json), or null if unknown
  cursor: 0, // the last event seq seen
};

const topics = new Map();

export function on(topic, listener) {
  if (!topics.has(topic)) topics.set(topic, new Set());
  topics.get(topic).add(listener);
}

export function emit(topic) {
  for (const listener of topics.get(topic) || []) listener();
}

export function reset() {
  state.session = null;
  state.parties = [];
  state.phrases = null;
  state.notices = [];
  state.conflicts.clear();
  state.messages.clear();
  state.cases.clear();
  state.tracks.clear();
  state.trails.clear();
  state.alerts.clear();
  state.flags.clear();
  state.incidents = [];
  state.intrusions.clear();
  state.frequencies = [];
  state.time = null;
  state.band = null;
  state.cursor = 0;
}

/** The page's data as plain JSON (for tests and for an officer's "what does my desk hold" question). */
export function snapshot() {
  return JSON.parse(JSON.stringify({
    session: state.session,
    parties: state.parties,
    notices: state.notices,
    conflicts: [...state.conflicts.values()],
    messages: [...state.messages.values()],
    cases: [...state.cases.values()],
    tracks: [...state.tracks.values()],
    alerts: [...state.alerts.values()],
    flags: [...state.flags.values()],
    incidents: state.incidents,
    intrusions: [...state.intrusions.values()],
    frequencies: state.frequencies,
    time: state.time,
    band: state.band,
    cursor: state.cursor,
  }));
}

export function myParty() {
  return state.session ? state.session.officer.party : null;
}

/** True when the time filter is off, or the instant it is set to falls within [start, end]. */
export function inWindow(start, end) {
  if (state.time === null) return true;
  return Date.parse(start) <= state.time && state.time <= Date.parse(end);
}

/** True when the altitude filter is off, or the band [lowerFt, upperFt] intersects the chosen one. */
export function inBand(lowerFt, upperFt) {
  if (state.band === null) return true;
  if (typeof lowerFt !== "number" || typeof upperFt !== "number") return true;
  return lowerFt <= state.band.upper_ft && upperFt >= state.band.lower_ft;
}

/** True when the node serves ``method path`` (as its OpenAPI document lists it), or when that is unknown. */
export function serves(method, path) {
  if (state.routes === null) return true;
  const methods = state.routes[`/api/v1${path}`];
  return Boolean(methods && methods.includes(method.toLowerCase()));
}
