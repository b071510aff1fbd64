// SPDX-License-Identifier: Apache-2.0
// The API client: the key lives in sessionStorage (gone when the tab
// closes), goes out as `Authorization: Bearer`, and a 401 logs out.

const KEY = 'workflowai.key';
const TENANT = 'workflowai.tenant';

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || code || ('HTTP ' + status));
    this.status = status;
    this.code = code || '';
  }
}

export function getKey() {
  return sessionStorage.getItem(KEY);
}

export function getTenant() {
  return sessionStorage.getItem(TENANT) || '';
}

export function login(key, tenant) {
  sessionStorage.setItem(KEY, key);
  sessionStorage.setItem(TENANT, tenant);
}

export function logout() {
  sessionStorage.removeItem(KEY);
  sessionStorage.removeItem(TENANT);
}

function unauthorized() {
  logout();
  if (!location.hash.startsWith('#/login')) location.hash = '#/login';
}

export function qs(params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== null && v !== undefined && v !== '') u.set(k, String(v));
  }
  const t = u.toString();
  return t ? '?' + t : '';
}

async function errorOf(r) {
  let code = '', message = 'HTTP ' + r.status;
  try {
    const j = await r.json();
    if (j && j.error) {
      code = j.error.code || '';
      message = j.error.message || message;
    }
  } catch (e) {
    // not JSON: keep the status line
  }
  return new ApiError(r.status, code, message);
}

// fetch with the key; returns the Response (for streams) or throws ApiError.
export async function raw(path, opts = {}, key = getKey()) {
  const headers = Object.assign({}, opts.headers || {});
  if (key) headers['Authorization'] = 'Bearer ' + key;
  let body = opts.body;
  if (body !== undefined && typeof body !== 'string') {
    body = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(path, {method: opts.method || 'GET', headers, body,
                               signal: opts.signal, cache: 'no-store',
                               credentials: 'omit', referrerPolicy: 'no-referrer'});
  if (r.status === 401) {
    unauthorized();
    throw await errorOf(r);
  }
  if (!r.ok) throw await errorOf(r);
  return r;
}

export async function api(path, opts = {}, key) {
  const r = await raw(path, opts, key);
  return r.status === 204 ? null : r.json();
}
