// The live feed: the node's WebSocket /api/v1/events, authenticated by the session cookie, resumed
// from the last seq seen after any drop (the node replays what was missed, so nothing is lost).

import { $ } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";

let socket = null;
let stopped = true;
let retryMs = 1000;
let retryTimer = null;
const handlers = [];

/** Call ``handler(event)`` for every event whose kind starts with ``prefix`` ("" for all). */
export function onEvent(prefix, handler) {
  handlers.push([prefix, handler]);
}

const linkListeners = [];

/** Call ``listener(state)`` whenever the link changes: "connecting", "live", "reconnecting". */
export function onLink(listener) {
  linkListeners.push(listener);
}

function setLink(text) {
  const link = $("#link");
  link.dataset.state = text;
  link.textContent = t(`link_${text}`);
  for (const listener of linkListeners) listener(text);
}

function dispatch(event) {
  if (typeof event.seq === "number" && event.seq > state.cursor) state.cursor = event.seq;
  for (const [prefix, handler] of handlers) {
    if (event.kind && event.kind.startsWith(prefix)) {
      try {
        handler(event);
      } catch (error) {
        console.error("event handler failed", event.kind, error);
      }
    }
  }
}

export function connect(onLost) {
  stopped = false;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  socket = new WebSocket(`${scheme}://${location.host}/api/v1/events?after=${state.cursor}`);
  setLink(retryMs > 1000 ? "reconnecting" : "connecting");
  socket.onopen = () => {
    retryMs = 1000;
    setLink("live");
  };
  socket.onmessage = (message) => {
    try {
      dispatch(JSON.parse(message.data));
    } catch (error) {
      console.error("bad event", error);
    }
  };
  socket.onclose = () => {
    socket = null;
    if (stopped) return;
    setLink("reconnecting");
    clearTimeout(retryTimer);
    retryTimer = setTimeout(async () => {
      if (stopped) return;
      if (onLost && !(await onLost())) return;
      connect(onLost);
    }, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };
}

export function disconnect() {
  stopped = true;
  clearTimeout(retryTimer);
  if (socket) socket.close();
  socket = null;
  retryMs = 1000;
}
