// The one way the UI talks to the broker. Errors arrive as {"error": code, "message": sentence};
// they become ApiError so every view can show the server's own sentence.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

let csrfToken = null;
let onUnauthenticated = () => {};

export function setCsrfToken(token) {
  csrfToken = token;
}

/** Called when a request answers 401 after sign-in, i.e. the browser session ended. */
export function setUnauthenticatedHandler(fn) {
  onUnauthenticated = fn;
}

async function request(method, url, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Gatehouse could not be reached. Check your connection and try again.');
  }
  if (response.status === 204) return null;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) {
    const error = new ApiError(
      response.status,
      (data && data.error) || 'http',
      (data && data.message) || `The server answered ${response.status} ${response.statusText}.`.replace(' .', '.'));
    if (response.status === 401 && !quiet401) onUnauthenticated(error);
    throw error;
  }
  if (data === null && text) throw new ApiError(response.status, 'bad_response', 'The server sent an answer the UI cannot read.');
  return data;
}

/** Builds "path?a=1&b=2", leaving out empty values so URLs stay short and shareable. */
export function withQuery(path, params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `${path}?${s}` : path;
}

const enc = encodeURIComponent;

export const api = {
  me: () => request('GET', '/api/me', undefined, { quiet401: true }),
  logout: () => request('POST', '/ui/logout', {}),
  approvals: (status) => request('GET', withQuery('/api/approvals', { status, limit: 100 })),
  approval: (id) => request('GET', `/api/approvals/${enc(id)}`),
  decide: (id, decision, reason) => request('POST', `/api/approvals/${enc(id)}/decision`, { decision, reason }),
  sessions: (filters) => request('GET', withQuery('/api/sessions', { ...filters, limit: 50 })),
  session: (id) => request('GET', `/api/sessions/${enc(id)}`),
  events: (id, after) => request('GET', withQuery(`/api/sessions/${enc(id)}/events`, { after, limit: 500 })),
  verify: (id) => request('GET', `/api/sessions/${enc(id)}/verify`),
  exportUrl: (id) => `/api/sessions/${enc(id)}/export`,
  overview: () => request('GET', '/api/overview'),
  config: () => request('GET', '/api/config'),
};
