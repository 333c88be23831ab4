// The node's REST API from the page: the session cookie authenticates, X-Airparley: 1 proves the request
// comes from this page (docs/ui.md, "Session and CSRF"), and every refusal is an RFC 9457 problem.

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
    this.field = problem.field || null;
    this.reason = problem.reason || problem.detail || problem.title || `HTTP ${status}`;
    // InvalidInputs lists every error; a single InvalidInput is its own list.
    this.errors = Array.isArray(problem.errors) && problem.errors.length
      ? problem.errors
      : (problem.field ? [{ field: problem.field, reason: this.reason, where: problem.where || "" }] : []);
  }
}

const listeners = new Set();

/** Called with the error whenever the node answers 401: the session is over. */
export function onUnauthorized(listener) {
  listeners.add(listener);
}

export async function api(method, path, body) {
  const init = { method, headers: { "X-Airparley": "1" }, credentials: "same-origin", cache: "no-store" };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api/v1${path}`, init);
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { title: text || response.statusText };
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data || {});
    if (response.status === 401 && path !== "/session") for (const listener of listeners) listener(error);
    throw error;
  }
  return data;
}

export const get = (path) => api("GET", path);
export const post = (path, body) => api("POST", path, body === undefined ? {} : body);
export const put = (path, body) => api("PUT", path, body);
export const del = (path) => api("DELETE", path);
