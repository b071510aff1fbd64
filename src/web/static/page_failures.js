// SPDX-License-Identifier: Apache-2.0
// Failures, newest first: filters (repo, branch, category, time range) and
// paging are the API's own (server-side), kept in the hash's query string.
import {api, qs} from './api.js';
import {h, mount, fmtTime} from './dom.js';
import {categorySelect, formParams, hashWith, pager} from './common.js';

const FILTERS = ['repo', 'branch', 'category', 'since', 'until', 'signature'];

export async function render(root, _params, query, current) {
  const q = {};
  for (const k of FILTERS) q[k] = query.get(k) || '';
  const form = h('form', {id: 'failure-filters', class: 'filters'},
    h('label', {}, 'Repository ', h('input', {name: 'repo', value: q.repo, placeholder: 'owner/name', size: 18})),
    h('label', {}, 'Branch ', h('input', {name: 'branch', value: q.branch, size: 12})),
    h('label', {}, 'Category ', categorySelect({name: 'category'}, q.category, 'any')),
    h('label', {}, 'Since ', h('input', {type: 'date', name: 'since', value: q.since})),
    h('label', {}, 'Until ', h('input', {type: 'date', name: 'until', value: q.until})),
    q.signature ? h('input', {type: 'hidden', name: 'signature', value: q.signature}) : null,
    h('button', {type: 'submit'}, 'Filter'),
    h('a', {href: '#/failures', class: 'button secondary'}, 'Clear'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = hashWith('failures', formParams(form));
  });
  const body = h('div', {id: 'failures-body'}, h('p', {class: 'muted'}, 'Loading…'));
  mount(root, h('h1', {}, 'Failures'),
    q.signature ? h('p', {}, 'Signature ', h('code', {}, q.signature)) : null, form, body);

  const params = Object.assign({}, q, {limit: query.get('limit') || 50, cursor: query.get('cursor') || ''});
  const page = await api('/v1/failures' + qs(params));
  if (!current()) return;
  if (!page.items.length) {
    mount(body, h('p', {class: 'empty', id: 'no-failures'}, 'No failures match.'));
    return;
  }
  const rows = page.items.map((f) => h('tr', {dataset: {id: f.id}},
    h('td', {class: 'nowrap'}, fmtTime(f.created_ms)),
    h('td', {}, h('a', {href: '#/failures/' + f.id, class: 'failure-link'}, f.title || '(untitled)'),
      f.step ? h('div', {class: 'muted small'}, f.step) : null),
    h('td', {}, f.repo || '–'),
    h('td', {}, f.branch || '–'),
    h('td', {}, h('span', {class: 'tag cat'}, f.category), ' ',
      h('span', {class: 'muted small'}, Math.round((f.confidence || 0) * 100) + ' %')),
    h('td', {class: 'num'}, h('a', {href: hashWith('failures', {signature: f.signature}),
                                    title: 'failures with signature ' + f.signature},
                              String(f.signature_count)))));
  mount(body,
    h('table', {id: 'failures-table', class: 'list'},
      h('thead', {}, h('tr', {}, ['When', 'Failure', 'Repository', 'Branch', 'Category', 'Seen'].map((t) => h('th', {}, t)))),
      h('tbody', {}, rows)),
    pager('failures', query, page.next));
}
