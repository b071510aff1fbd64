// SPDX-License-Identifier: Apache-2.0
// Chat over the knowledge base: POST /v1/chat/completions with stream:true,
// read as server-sent events through fetch + ReadableStream, deltas shown as
// they arrive; [n] becomes a link that opens the cited passage.
import {api, raw} from './api.js';
import {h, mount} from './dom.js';

// Splits text into strings and {n} for each "[n]" that names a citation.
function segments(text, cites) {
  const out = [];
  const re = /\[(\d{1,3})\]/g;
  let last = 0, m;
  while ((m = re.exec(text))) {
    const n = Number(m[1]);
    if (!cites.has(n)) continue;
    if (m.index > last) out.push(text.slice(last, m.index));
    out.push({n});
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

// Yields the JSON payloads of an SSE body ("data: ..." lines; [DONE] ends).
async function* sse(resp) {
  const reader = resp.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  for (;;) {
    const {value, done} = await reader.read();
    if (done) break;
    buf += dec.decode(value, {stream: true});
    let i;
    while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
      const ev = buf.slice(0, i);
      buf = buf.slice(i).replace(/^\r?\n\r?\n/, '');
      const data = ev.split(/\r?\n/).filter((l) => l.startsWith('data:')).map((l) => l.slice(5).replace(/^ /, '')).join('\n');
      if (!data) continue;
      if (data === '[DONE]') return;
      yield JSON.parse(data);
    }
  }
}

export async function render(root) {
  const history = [];
  const log = h('div', {id: 'chat-log', class: 'chat-log', 'aria-live': 'polite'});
  const input = h('textarea', {id: 'chat-input', rows: 3, placeholder: 'Ask about your runbooks and past failures…'});
  const send = h('button', {type: 'submit', id: 'chat-send'}, 'Send');
  const passage = h('aside', {id: 'passage', class: 'card', hidden: true});
  const form = h('form', {id: 'chat-form', class: 'chat-form'}, input, send);

  async function openCitation(c, question) {
    passage.hidden = false;
    mount(passage, h('h2', {}, `[${c.index}] ${c.document}`),
      h('p', {class: 'muted'}, (c.heading ? c.heading + ' · ' : '') + `lines ${c.line_start}–${c.line_end}`),
      h('p', {class: 'muted'}, 'Loading the passage…'));
    let text = c.text || null;
    if (!text) {
      try {
        const r = await api('/v1/search', {method: 'POST', body: {query: question, mode: 'hybrid', top_k: 50}});
        const hit = r.results.find((x) => x.chunk_id === c.chunk_id);
        if (hit) text = hit.text;
      } catch (e) {
        text = null;
      }
    }
    mount(passage, h('h2', {}, `[${c.index}] ${c.document}`),
      h('p', {class: 'muted', id: 'passage-where'}, (c.heading ? c.heading + ' · ' : '') + `lines ${c.line_start}–${c.line_end}`),
      text ? h('pre', {class: 'snippet', id: 'passage-text'}, text) : h('p', {class: 'muted'}, 'The passage is no longer in the index.'),
      h('button', {type: 'button', class: 'secondary', onclick: () => { passage.hidden = true; }}, 'Close'));
  }

  function renderAnswer(el, text, cites, question) {
    const kids = segments(text, new Set(cites.map((c) => c.index))).map((seg) => {
      if (typeof seg === 'string') return seg;
      const c = cites.find((x) => x.index === seg.n);
      return h('a', {href: '#/chat', class: 'cite', dataset: {n: seg.n}, title: c.document, onclick: (ev) => {
        ev.preventDefault();
        openCitation(c, question);
      }}, `[${seg.n}]`);
    });
    mount(el, kids);
  }

  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const question = input.value.trim();
    if (!question) return;
    input.value = '';
    send.disabled = true;
    history.push({role: 'user', content: question});
    log.appendChild(h('div', {class: 'msg user'}, h('div', {class: 'who'}, 'You'), h('div', {class: 'text'}, question)));
    const text = h('div', {class: 'text'});
    const sources = h('ol', {class: 'sources small'});
    const msg = h('div', {class: 'msg assistant streaming'}, h('div', {class: 'who'}, 'WorkflowAI'), text, sources);
    log.appendChild(msg);
    let answer = '', cites = [];
    try {
      const resp = await raw('/v1/chat/completions', {method: 'POST',
        body: {model: 'workflowai', messages: history.slice(-10), stream: true}});
      for await (const chunk of sse(resp)) {
        if (Array.isArray(chunk.citations)) {
          cites = chunk.citations;
          mount(sources, cites.map((c) => h('li', {value: c.index}, `${c.document}`,
            c.heading ? ' › ' + c.heading : '', ` (lines ${c.line_start}–${c.line_end})`)));
        }
        const delta = chunk.choices && chunk.choices[0] && chunk.choices[0].delta;
        if (delta && typeof delta.content === 'string') {
          answer += delta.content;
          renderAnswer(text, answer, cites, question);
        }
      }
      history.push({role: 'assistant', content: answer});
    } catch (e) {
      text.appendChild(h('p', {class: 'error'}, 'The answer failed: ' + e.message));
    }
    msg.classList.remove('streaming');
    msg.dataset.done = '1';
    send.disabled = false;
  });
  input.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      form.requestSubmit();
    }
  });
  mount(root, h('h1', {}, 'Chat'),
    h('p', {class: 'muted'}, 'Answers come from your knowledge base; [n] opens the cited passage.'),
    h('div', {class: 'chat'}, h('div', {}, log, form), passage));
  input.focus();
}
