// SPDX-License-Identifier: Apache-2.0
// Entry point: hash routing (#/failures, #/failures/42, ...), so the server
// only ever serves / and /ui/*; the header (tenant, log out) and the error
// banner. Each page is a module exporting render(root, params, query).
import {getKey, getTenant, logout} from './api.js';
import {mount} from './dom.js';
import * as loginPage from './page_login.js';
import * as failuresPage from './page_failures.js';
import * as failurePage from './page_failure.js';
import * as signaturesPage from './page_signatures.js';
import * as doraPage from './page_dora.js';
import * as kbPage from './page_kb.js';
import * as chatPage from './page_chat.js';

const routes = [
  {re: /^\/login$/, page: loginPage, name: 'login', open: true},
  {re: /^\/failures$/, page: failuresPage, name: 'failures'},
  {re: /^\/failures\/(\d+)$/, page: failurePage, name: 'failures'},
  {re: /^\/signatures$/, page: signaturesPage, name: 'signatures'},
  {re: /^\/dora$/, page: doraPage, name: 'dora'},
  {re: /^\/kb$/, page: kbPage, name: 'kb'},
  {re: /^\/chat$/, page: chatPage, name: 'chat'},
];

let generation = 0;

export function banner(msg) {
  const b = document.getElementById('banner');
  if (!msg) {
    b.hidden = true;
    mount(b);
    return;
  }
  mount(b, String(msg));
  b.hidden = false;
}

function header(name) {
  const key = getKey();
  document.getElementById('nav').hidden = !key;
  document.getElementById('logout').hidden = !key;
  mount(document.getElementById('who'), key ? 'tenant: ' + getTenant() : '');
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === name);
  }
}

async function route() {
  const hash = location.hash.replace(/^#/, '') || '/failures';
  const [path, q] = hash.split('?');
  const query = new URLSearchParams(q || '');
  const r = routes.find((x) => x.re.test(path));
  if (!r) {
    location.hash = '#/failures';
    return;
  }
  if (!r.open && !getKey()) {
    location.hash = '#/login';
    return;
  }
  const gen = ++generation;
  banner(null);
  header(r.name);
  const root = document.getElementById('app');
  mount(root);
  document.body.dataset.page = r.name;
  try {
    await r.page.render(root, path.match(r.re).slice(1), query, () => gen === generation);
  } catch (e) {
    if (gen !== generation) return;
    if (e && e.status === 401) return; // the API client went back to login
    banner(e && e.message ? e.message : String(e));
  }
}

document.getElementById('logout').addEventListener('click', () => {
  logout();
  location.hash = '#/login';
});
window.addEventListener('hashchange', route);
route();
