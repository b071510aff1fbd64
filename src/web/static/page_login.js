// SPDX-License-Identifier: Apache-2.0
// Log in by pasting an API key (or a JWT): checked with /v1/whoami, kept in
// sessionStorage only.
import {api, login, logout} from './api.js';
import {h, mount} from './dom.js';

export async function render(root) {
  logout();
  const key = h('input', {type: 'password', id: 'key', name: 'key', autocomplete: 'off',
                         placeholder: 'wfk_…', required: true, size: 60});
  const msg = h('p', {class: 'error', id: 'login-error', role: 'alert'});
  const form = h('form', {id: 'login', class: 'card narrow'},
    h('h1', {}, 'Log in'),
    h('p', {class: 'muted'}, 'Paste an API key (workflowai key create --tenant ID) or a token. ',
      'It is kept in this tab only and sent as a Bearer token.'),
    h('label', {for: 'key'}, 'API key'), key,
    h('div', {}, h('button', {type: 'submit'}, 'Log in')), msg);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    mount(msg);
    const k = key.value.trim();
    if (!k) return;
    try {
      const who = await api('/v1/whoami', {}, k);
      login(k, who.tenant);
      location.hash = '#/failures';
    } catch (e) {
      mount(msg, e.status === 401 ? 'That key was not accepted.' : 'Login failed: ' + e.message);
      if (location.hash !== '#/login') location.hash = '#/login';
    }
  });
  mount(root, form);
  key.focus();
}
