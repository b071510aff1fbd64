// SPDX-License-Identifier: Apache-2.0
// Bits several pages share: the failure categories, filter forms bound to
// the hash's query string, and a pager over the API's `next` cursor.
import {h} from './dom.js';

export const CATEGORIES = ['compile_error', 'test_failure', 'lint_error', 'type_error',
  'dependency_install', 'permission_or_secret', 'ci_config', 'timeout_or_oom', 'docker_build',
  'network_or_flaky', 'infrastructure', 'unknown'];

export const DAY_MS = 86400000;

// A <select> of categories; first option `anyLabel` with value ''.
export function categorySelect(attrs, value, anyLabel) {
  const opts = [];
  if (anyLabel) opts.push(h('option', {value: ''}, anyLabel));
  for (const c of CATEGORIES) opts.push(h('option', {value: c, selected: c === value}, c));
  return h('select', attrs, opts);
}

// Navigates to `page` with the form's non-empty fields as the query.
export function hashWith(page, params) {
  const u = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== '' && v !== null && v !== undefined) u.set(k, v);
  const t = u.toString();
  return '#/' + page + (t ? '?' + t : '');
}

export function formParams(form) {
  const out = {};
  for (const el of form.elements) if (el.name) out[el.name] = el.value.trim();
  return out;
}

// "First page" and "Next page" links for a list whose answer has `next`.
export function pager(page, query, next) {
  const q = Object.fromEntries(query.entries());
  const kids = [];
  if (q.cursor) {
    const first = Object.assign({}, q);
    delete first.cursor;
    kids.push(h('a', {href: hashWith(page, first), class: 'button', id: 'first-page'}, '« First page'));
  }
  if (next !== null && next !== undefined) {
    kids.push(h('a', {href: hashWith(page, Object.assign({}, q, {cursor: String(next)})),
                     class: 'button', id: 'next-page'}, 'Next page »'));
  }
  return h('div', {class: 'pager'}, kids);
}

// "YYYY-MM-DD" for an <input type=date> from epoch ms.
export function dateValue(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}
