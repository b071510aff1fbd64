// SPDX-License-Identifier: Apache-2.0
// The only way the UI builds DOM: elements from createElement, text from
// text nodes. Nothing here (or anywhere in the UI) parses HTML from data.

const SVG_NS = 'http://www.w3.org/2000/svg';

// A URL taken from data is used only when it is http(s); anything else
// (javascript:, data:, relative tricks) gives null.
export function safeUrl(u) {
  if (typeof u !== 'string') return null;
  try {
    const url = new URL(u, 'http://invalid.example/');
    if ((url.protocol === 'http:' || url.protocol === 'https:') && /^https?:\/\//i.test(u.trim())) {
      return url.href;
    }
  } catch (e) {
    return null;
  }
  return null;
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') {
      el.addEventListener(k.slice(2), v);
    } else if (k === 'class') {
      el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : String(v));
    } else if (k === 'href') {
      // internal routes (#/...) or http(s) only
      const s = String(v);
      const ok = s.startsWith('#/') ? s : safeUrl(s);
      if (ok) el.setAttribute('href', ok);
    } else if (k === 'dataset') {
      for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = String(dv);
    } else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'selected' || k === 'hidden') {
      el[k] = v;
    } else if (/^[a-zA-Z][a-zA-Z0-9:-]*$/.test(k)) {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

function append(el, kids) {
  for (const c of kids) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

// h('a', {href: '#/x', class: 'k'}, 'text', child, [more]) -> element
export function h(tag, attrs, ...kids) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, kids);
  return el;
}

// The same for SVG elements (charts).
export function s(tag, attrs, ...kids) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v !== null && v !== undefined) el.setAttribute(k, String(v));
  }
  append(el, kids);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...kids) {
  clear(el);
  append(el, kids);
  return el;
}

export function fmtTime(ms) {
  if (ms === null || ms === undefined || ms === 0) return '–';
  const d = new Date(Number(ms));
  if (isNaN(d.getTime())) return '–';
  return d.toISOString().slice(0, 16).replace('T', ' ') + 'Z';
}

export function fmtNum(v, digits = 1) {
  if (v === null || v === undefined || Number.isNaN(v)) return '–';
  const n = Number(v);
  return Number.isInteger(n) ? String(n) : n.toFixed(digits);
}

export function fmtPct(v) {
  if (v === null || v === undefined) return '–';
  return (Number(v) * 100).toFixed(1) + ' %';
}

export function fmtHours(v) {
  if (v === null || v === undefined) return '–';
  const n = Number(v);
  if (n < 1) return Math.round(n * 60) + ' min';
  if (n < 48) return n.toFixed(1) + ' h';
  return (n / 24).toFixed(1) + ' d';
}
