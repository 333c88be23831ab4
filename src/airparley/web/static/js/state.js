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
  time: null, // the time filter (ms since epoch), or null for all times
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
  state.time = null;
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
    time: state.time,
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
