// SPDX-License-Identifier: Apache-2.0
// Failure signatures with counts and first/last sighting, and a per-day
// trend over the last 30 days drawn from the failures' timestamps.
import {api, qs} from './api.js';
import {h, mount, fmtTime} from './dom.js';
import {categorySelect, formParams, hashWith, pager, DAY_MS} from './common.js';
import {sparkline} from './charts.js';

const TREND_DAYS = 30;

// Per-day counts of one signature's failures over the last TREND_DAYS days.
async function trend(sig) {
  const now = Date.now();
  const start = Math.floor(now / DAY_MS) * DAY_MS - (TREND_DAYS - 1) * DAY_MS;
  const counts = new Array(TREND_DAYS).fill(0);
  let cursor = '';
  // at most two pages: a trend cell must stay cheap on a large tenant
  for (let i = 0; i < 2; i++) {
    const page = await api('/v1/failures' + qs({signature: sig, since: start, limit: 500, cursor}));
    for (const f of page.items) {
      const d = Math.floor((f.created_ms - start) / DAY_MS);
      if (d >= 0 && d < TREND_DAYS) counts[d]++;
    }
    if (page.next === null || page.next === undefined) break;
    cursor = String(page.next);
  }
  return counts;
}

// Runs jobs with at most `n` in flight.
async function pool(jobs, n) {
  let i = 0;
  const worker = async () => {
    while (i < jobs.length) await jobs[i++]();
  };
  await Promise.all(Array.from({length: Math.min(n, jobs.length)}, worker));
}

export async function render(root, _params, query, current) {
  const q = {repo: query.get('repo') || '', category: query.get('category') || '',
             since: query.get('since') || ''};
  const form = h('form', {id: 'signature-filters', class: 'filters'},
    h('label', {}, 'Repository ', h('input', {name: 'repo', value: q.repo, size: 18})),
    h('label', {}, 'Category ', categorySelect({name: 'category'}, q.category, 'any')),
    h('label', {}, 'Since ', h('input', {type: 'date', name: 'since', value: q.since})),
    h('button', {type: 'submit'}, 'Filter'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = hashWith('signatures', formParams(form));
  });
  const body = h('div', {}, h('p', {class: 'muted'}, 'Loading…'));
  mount(root, h('h1', {}, 'Signatures'), form, body);
  const page = await api('/v1/signatures' + qs(Object.assign({}, q, {limit: 25, cursor: query.get('cursor') || ''})));
  if (!current()) return;
  if (!page.items.length) {
    mount(body, h('p', {class: 'empty'}, 'No signatures match.'));
    return;
  }
  const jobs = [];
  const rows = page.items.map((g) => {
    const cell = h('td', {class: 'trend'}, h('span', {class: 'muted small'}, '…'));
    jobs.push(async () => {
      try {
        const counts = await trend(g.signature);
        if (current()) mount(cell, sparkline(counts, {label: `${counts.reduce((a, b) => a + b, 0)} in the last ${TREND_DAYS} days`}));
      } catch (e) {
        mount(cell, '–');
      }
    });
    return h('tr', {dataset: {signature: g.signature}},
      h('td', {}, h('a', {href: hashWith('failures', {signature: g.signature})}, g.title || g.signature),
        h('div', {class: 'muted small'}, h('code', {}, g.signature))),
      h('td', {}, h('span', {class: 'tag cat'}, g.category)),
      h('td', {class: 'num count'}, String(g.count)),
      h('td', {class: 'nowrap'}, fmtTime(g.first_seen_ms)),
      h('td', {class: 'nowrap'}, fmtTime(g.last_seen_ms)),
      h('td', {class: 'small'}, (g.repos || []).join(', ')),
      cell);
  });
  mount(body, h('table', {id: 'signatures-table', class: 'list'},
    h('thead', {}, h('tr', {}, ['Signature', 'Category', 'Count', 'First seen', 'Last seen', 'Repositories',
      `Last ${TREND_DAYS} days`].map((t) => h('th', {}, t)))),
    h('tbody', {}, rows)), pager('signatures', query, page.next));
  await pool(jobs, 4);
}
