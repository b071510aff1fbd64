// SPDX-License-Identifier: Apache-2.0
// Knowledge base: upload documents (markdown, text, HTML as text; PDF as
// base64), list and delete them, and search with a mode selector.
import {api} from './api.js';
import {h, mount, fmtNum} from './dom.js';

const TEXT_EXT = /\.(md|markdown|txt|text|log|html|htm|rst)$/i;

function base64(buf) {
  const bytes = new Uint8Array(buf);
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) {
    bin += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
  }
  return btoa(bin);
}

async function upload(file) {
  const body = {name: file.name};
  if (/\.pdf$/i.test(file.name)) body.content_base64 = base64(await file.arrayBuffer());
  else if (TEXT_EXT.test(file.name)) body.content = await file.text();
  else body.content = await file.text(); // the server names an unsupported format
  return api('/v1/kb/documents', {method: 'POST', body});
}

function resultView(r, i) {
  return h('li', {class: 'result', dataset: {chunk: r.chunk_id}},
    h('div', {}, h('b', {class: 'doc'}, r.document), r.heading ? h('span', {class: 'heading'}, ' › ' + r.heading) : null,
      h('span', {class: 'muted small'}, ` lines ${r.line_start}–${r.line_end} · score ${fmtNum(r.score, 3)}`)),
    h('pre', {class: 'snippet'}, r.text || ''),
    h('span', {hidden: true}, String(i)));
}

export async function render(root, _params, _query, current) {
  const status = h('p', {id: 'kb-status', role: 'status'});
  const files = h('input', {type: 'file', id: 'kb-file', multiple: true,
                            accept: '.md,.markdown,.txt,.text,.html,.htm,.pdf'});
  const uploadForm = h('form', {id: 'kb-upload', class: 'filters'},
    h('label', {for: 'kb-file'}, 'Add documents '), files, h('button', {type: 'submit'}, 'Upload'));
  const list = h('div', {id: 'kb-docs'}, h('p', {class: 'muted'}, 'Loading…'));
  const qIn = h('input', {type: 'search', id: 'kb-query', name: 'query', placeholder: 'search the knowledge base', size: 40});
  const mode = h('select', {id: 'kb-mode', name: 'mode'},
    ['hybrid', 'keyword', 'semantic'].map((m) => h('option', {value: m}, m)));
  const searchForm = h('form', {id: 'kb-search', class: 'filters'}, qIn, mode, h('button', {type: 'submit'}, 'Search'));
  const results = h('div', {id: 'kb-results'});

  async function refresh() {
    const d = await api('/v1/kb/documents');
    if (!current()) return;
    if (!d.documents.length) {
      mount(list, h('p', {class: 'empty'}, 'No documents yet.'));
      return;
    }
    mount(list, h('table', {class: 'list', id: 'kb-table'},
      h('thead', {}, h('tr', {}, ['Document', 'Format', 'Bytes', 'Chunks', 'Updated', ''].map((t) => h('th', {}, t)))),
      h('tbody', {}, d.documents.map((doc) => {
        const del = h('button', {type: 'button', class: 'secondary delete'}, 'Delete');
        del.addEventListener('click', async () => {
          if (del.dataset.armed !== '1') {
            del.dataset.armed = '1';
            del.textContent = 'Confirm delete';
            return;
          }
          try {
            await api('/v1/kb/documents/' + doc.id, {method: 'DELETE'});
            mount(status, `Deleted ${doc.name}.`);
          } catch (e) {
            mount(status, 'Delete failed: ' + e.message);
          }
          refresh();
        });
        return h('tr', {dataset: {id: doc.id}}, h('td', {class: 'doc'}, doc.name), h('td', {}, doc.format),
          h('td', {class: 'num'}, String(doc.bytes)), h('td', {class: 'num'}, String(doc.chunks)),
          h('td', {class: 'nowrap'}, doc.updated_at || doc.added_at || ''), h('td', {}, del));
      }))));
  }

  uploadForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const picked = [...files.files];
    if (!picked.length) return;
    const done = [];
    for (const f of picked) {
      try {
        const r = await upload(f);
        done.push(`${r.name}: ${r.chunks} chunks${r.updated ? ' (replaced)' : ''}`);
      } catch (e) {
        done.push(`${f.name}: ${e.message}`);
      }
    }
    mount(status, done.join('; '));
    files.value = '';
    refresh();
  });
  searchForm.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const query = qIn.value.trim();
    if (!query) return;
    mount(results, h('p', {class: 'muted'}, 'Searching…'));
    try {
      const r = await api('/v1/search', {method: 'POST', body: {query, mode: mode.value, top_k: 10}});
      mount(results, r.results.length ? h('ol', {class: 'results'}, r.results.map(resultView))
        : h('p', {class: 'empty'}, 'Nothing found.'));
    } catch (e) {
      mount(results, h('p', {class: 'error'}, e.message));
    }
  });

  mount(root, h('h1', {}, 'Knowledge base'),
    h('section', {class: 'card'}, uploadForm, status, list),
    h('section', {class: 'card'}, h('h2', {}, 'Search'), searchForm, results));
  await refresh();
}
