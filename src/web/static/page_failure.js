// SPDX-License-Identifier: Apache-2.0
// One failure: category and confidence, root cause, fix steps, the excerpt
// with line numbers and the log around it, references, similar failures
// (same signature) and the feedback controls.
import {api, qs} from './api.js';
import {h, mount, fmtTime, safeUrl} from './dom.js';
import {categorySelect, hashWith} from './common.js';

const CONTEXT_LINES = 15;

function numbered(startLine, lines, keyFrom, keyTo) {
  return h('pre', {class: 'log'}, lines.map((text, i) => {
    const no = startLine + i;
    const key = no >= keyFrom && no <= keyTo;
    return h('div', {class: key ? 'ln key' : 'ln', dataset: {line: no}},
      h('span', {class: 'no'}, String(no)), h('span', {class: 'tx'}, text));
  }));
}

function reference(r) {
  if (typeof r === 'string') return h('li', {}, r);
  if (!r || typeof r !== 'object') return h('li', {}, String(r));
  const url = safeUrl(r.url);
  const title = r.title || r.document || r.name || r.url || 'reference';
  if (r.kind === 'runbook') {
    return h('li', {class: 'ref runbook'}, h('span', {class: 'tag'}, 'runbook'), ' ',
      url ? h('a', {href: url, rel: 'noopener noreferrer', target: '_blank'}, title) : h('b', {}, title),
      r.heading ? ' › ' + r.heading : '',
      r.line_start ? h('span', {class: 'muted small'}, ` lines ${r.line_start}–${r.line_end}`) : null,
      r.text ? h('pre', {class: 'snippet'}, r.text) : null);
  }
  if (r.kind === 'same_signature' || r.kind === 'similar_failure') {
    const res = r.resolution && typeof r.resolution === 'object' ? r.resolution : null;
    return h('li', {class: 'ref failure'},
      h('span', {class: 'tag'}, r.kind === 'same_signature' ? 'same signature' : 'similar failure'), ' ',
      r.signature ? h('a', {href: hashWith('failures', {signature: r.signature})}, title) : title,
      r.count ? h('span', {class: 'muted small'}, ` · seen ${r.count} time(s), last ${fmtTime(r.last_seen_ms)}`) : null,
      res ? h('div', {class: 'small'}, 'Fixed: ', res.note || '', res.fix_commit ? ` (commit ${res.fix_commit})` : '') : null);
  }
  const where = r.line_start ? ` (lines ${r.line_start}–${r.line_end})` : '';
  return h('li', {}, url ? h('a', {href: url, rel: 'noopener noreferrer', target: '_blank'}, title) : title,
    where, r.text ? h('div', {class: 'muted small'}, r.text) : null);
}

async function logContext(box, f) {
  const b = f.build;
  const ex = (f.report && f.report.excerpt) || [];
  if (!b || !b.has_log || !ex.length) {
    mount(box, h('p', {class: 'muted'}, 'No stored log for this build.'));
    return;
  }
  const keyFrom = Math.min(...ex.map((e) => e.start_line));
  const keyTo = Math.max(...ex.map((e) => e.end_line));
  const from = Math.max(1, ex[0].start_line - CONTEXT_LINES);
  const to = Math.min(from + 1999, ex[0].end_line + CONTEXT_LINES);
  try {
    const w = await api('/v1/builds/' + encodeURIComponent(b.external_id) + '/log' +
                        qs({provider: b.provider, from, to}));
    mount(box, h('p', {class: 'muted small'},
      `Lines ${w.from}–${w.to} of ${w.total_lines}; the key lines are highlighted.`),
      numbered(w.from, w.lines, keyFrom, keyTo));
  } catch (e) {
    mount(box, h('p', {class: 'muted'}, 'The log could not be loaded: ' + e.message));
  }
}

// "How was it fixed?": a note (and the fixing commit) kept for the
// signature and shown on later failures that match it.
function resolutionForm(f, post, done, fail) {
  const note = h('input', {id: 'resolution-note', name: 'note', size: 50, placeholder: 'e.g. bumped the JDK image to 17.0.9'});
  const commit = h('input', {id: 'resolution-commit', name: 'fix_commit', size: 12, placeholder: 'fix commit (optional)'});
  const form = h('form', {id: 'resolution-form', class: 'row'}, 'How was it fixed? ', note, ' ', commit, ' ',
    h('button', {type: 'submit', class: 'secondary'}, 'Save fix'));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!note.value.trim()) return;
    const body = {kind: 'resolution', signature: f.signature, note: note.value.trim()};
    if (commit.value.trim()) body.fix_commit = commit.value.trim();
    post(body).then((r) => done('the fix', r), fail);
  });
  return form;
}

function feedback(f) {
  const status = h('p', {class: 'confirm', id: 'feedback-status', role: 'status'});
  const done = (what, r) => mount(status, `Thanks: ${what} recorded (feedback #${r.id}).`);
  const fail = (e) => mount(status, 'Feedback was not recorded: ' + e.message);
  const post = (body) => api('/v1/feedback', {method: 'POST', body});
  const picker = categorySelect({id: 'category-pick', name: 'category'}, '', null);
  const wrongBox = h('div', {id: 'wrong-box', hidden: true},
    h('label', {for: 'category-pick'}, 'The right category is '), picker, ' ',
    h('button', {type: 'button', id: 'send-category', onclick: () =>
      post({kind: 'category', failure_id: f.id, category: picker.value})
        .then((r) => { done(`category "${picker.value}"`, r); wrongBox.hidden = true; }, fail)}, 'Send'));
  return h('section', {class: 'card', id: 'feedback'},
    h('h2', {}, 'Feedback'),
    h('div', {class: 'row'}, 'Is the category ', h('b', {}, f.category), ' right? ',
      h('button', {type: 'button', id: 'category-right', onclick: () =>
        post({kind: 'category', failure_id: f.id, category: f.category})
          .then((r) => done('"category is right"', r), fail)}, 'Right'), ' ',
      h('button', {type: 'button', id: 'category-wrong', class: 'secondary', onclick: () => {
        wrongBox.hidden = false;
      }}, 'Wrong')),
    wrongBox,
    resolutionForm(f, post, done, fail),
    h('div', {class: 'row'}, 'Was this analysis helpful? ',
      ...[true, false].map((yes) => h('button', {type: 'button', id: yes ? 'helpful-yes' : 'helpful-no',
        class: yes ? '' : 'secondary', onclick: () =>
          post({kind: 'helpful', target: 'failure', target_id: String(f.id), helpful: yes})
            .then((r) => done(yes ? '"helpful"' : '"not helpful"', r), fail)}, yes ? 'Yes' : 'No'))),
    status);
}

export async function render(root, params, _query, current) {
  const id = params[0];
  const f = await api('/v1/failures/' + encodeURIComponent(id));
  if (!current()) return;
  const r = f.report || {};
  const b = f.build || {};
  const similar = h('div', {id: 'similar'}, h('p', {class: 'muted'}, 'Loading…'));
  const logBox = h('div', {id: 'log-context'}, h('p', {class: 'muted'}, 'Loading…'));
  const buildUrl = safeUrl(b.url);
  mount(root,
    h('p', {}, h('a', {href: '#/failures'}, '« Failures')),
    h('h1', {id: 'failure-title'}, f.title || '(untitled failure)'),
    h('div', {class: 'meta card'},
      h('div', {}, h('span', {class: 'tag cat', id: 'failure-category'}, f.category), ' ',
        h('span', {id: 'failure-confidence'}, 'confidence ' + Math.round((f.confidence || 0) * 100) + ' %'),
        r.category_description ? h('span', {class: 'muted'}, ' — ' + r.category_description) : null),
      h('dl', {},
        h('dt', {}, 'Repository'), h('dd', {}, f.repo || '–'),
        h('dt', {}, 'Branch'), h('dd', {}, f.branch || '–'),
        h('dt', {}, 'Build'), h('dd', {}, buildUrl ? h('a', {href: buildUrl, rel: 'noopener noreferrer', target: '_blank'}, b.external_id || 'build')
          : (b.external_id || '–'), b.provider ? ' (' + b.provider + ')' : ''),
        h('dt', {}, 'Step'), h('dd', {}, f.step || r.failing_step || '–'),
        h('dt', {}, 'When'), h('dd', {}, fmtTime(f.created_ms)),
        h('dt', {}, 'Signature'), h('dd', {}, h('code', {}, f.signature), ` seen ${f.signature_count} time(s)`))),
    (r.resolution && typeof r.resolution === 'object') ? h('section', {class: 'card known-fix', id: 'known-fix'},
      h('h2', {}, 'Known fix'), h('p', {}, r.resolution.note || ''),
      h('p', {class: 'muted small'}, r.resolution.fix_commit ? 'commit ' + r.resolution.fix_commit + ' · ' : '',
        'recorded ', r.resolution.at || '', r.resolution.by ? ' by ' + r.resolution.by : '')) : null,
    h('section', {class: 'card'}, h('h2', {}, 'Root cause'), h('p', {id: 'root-cause'}, r.root_cause || '–')),
    h('section', {class: 'card'}, h('h2', {}, 'Fix steps'),
      h('ol', {id: 'fix-steps'}, (r.fix_steps || []).map((t) => h('li', {}, t)))),
    h('section', {class: 'card'}, h('h2', {}, 'Excerpt'),
      h('div', {id: 'excerpt'}, (r.excerpt || []).map((e) => h('div', {class: 'block'},
        h('div', {class: 'muted small'}, `lines ${e.start_line}–${e.end_line} · ${e.kind}`),
        numbered(e.start_line, String(e.text || '').split('\n'), 0, -1))))),
    h('section', {class: 'card'}, h('h2', {}, 'Log around the key lines'), logBox),
    (r.references && r.references.length) ? h('section', {class: 'card'}, h('h2', {}, 'References'),
      h('ul', {id: 'references'}, r.references.map(reference))) : null,
    h('section', {class: 'card'}, h('h2', {}, 'Similar failures'), similar),
    feedback(f));
  logContext(logBox, f);
  try {
    const page = await api('/v1/failures' + qs({signature: f.signature, limit: 11}));
    const others = page.items.filter((x) => x.id !== f.id).slice(0, 10);
    mount(similar, others.length
      ? h('ul', {}, others.map((x) => h('li', {}, h('a', {href: '#/failures/' + x.id}, x.title || '(untitled)'),
          ` — ${x.repo || '–'} ${x.branch || ''} · ${fmtTime(x.created_ms)}`)))
      : h('p', {class: 'muted'}, 'No other failure with this signature.'),
      others.length ? h('a', {href: hashWith('failures', {signature: f.signature})}, 'All failures with this signature') : null);
  } catch (e) {
    mount(similar, h('p', {class: 'muted'}, e.message));
  }
}
