// Boot, session, navigation and routing. Views are modules exporting mount(ctx), which
// returns nothing or {destroy(), query(params)}; query() lets a view follow its own URL
// query changes (filters, Back) without being rebuilt.
import { api, ApiError, setCsrfToken, setUnauthenticatedHandler } from './api.js';
import { h, clear } from './dom.js';
import { relativeTime } from './format.js';
import * as approvals from './approvals.js';
import * as sessions from './sessions.js';
import * as replay from './replay.js';
import * as overview from './overview.js';
import * as config from './config.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const whoami = document.getElementById('whoami');
const signOut = document.getElementById('sign-out');
const notice = document.getElementById('notice');

let me = null;
let current = null; // {path, handle, ticks}
let firstRender = true;

const NAV = [
  { href: '/ui/approvals', label: 'Approvals', section: 'approvals', allowed: (r) => r.approver || r.auditor || r.admin },
  { href: '/ui/sessions', label: 'Sessions', section: 'sessions', allowed: (r) => r.auditor || r.admin },
  { href: '/ui/overview', label: 'Overview', section: 'overview', allowed: () => true },
  { href: '/ui/config', label: 'Configuration', section: 'config', allowed: (r) => r.admin },
];

const ROUTES = [
  { re: /^\/ui\/?$/, view: { mount: root } },
  { re: /^\/ui\/index\.html$/, view: { mount: root } },
  { re: /^\/ui\/approvals\/?$/, view: { mount: approvals.mountInbox }, section: 'approvals' },
  { re: /^\/ui\/approvals\/([^/]+)\/?$/, view: { mount: approvals.mountDetail }, section: 'approvals' },
  { re: /^\/ui\/sessions\/?$/, view: sessions, section: 'sessions' },
  { re: /^\/ui\/sessions\/([^/]+)\/?$/, view: replay, section: 'sessions' },
  { re: /^\/ui\/overview\/?$/, view: overview, section: 'overview' },
  { re: /^\/ui\/config\/?$/, view: config, section: 'config' },
];

export function navigate(url, { replace = false } = {}) {
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
}

function showNotice(message) {
  clear(notice);
  if (!message) return;
  notice.append(h('div', { class: 'notice-box' },
    h('p', {}, message),
    h('button', { type: 'button', class: 'link-button', onclick: () => clear(notice) }, 'Dismiss')));
}

function setTitle(text) {
  document.title = text ? `${text} — Gatehouse` : 'Gatehouse';
}

function unmount() {
  if (!current) return;
  try {
    current.handle?.destroy?.();
  } catch (e) {
    console.error(e);
  }
  current = null;
}

function render() {
  const path = location.pathname;
  const query = new URLSearchParams(location.search);
  if (current && current.path === path && current.handle?.query) {
    current.handle.query(query);
    return;
  }
  unmount();
  showNotice(null);
  const route = ROUTES.find((r) => r.re.test(path));
  markNav(route?.section);
  clear(main);
  const ticks = new Set();
  const mine = { path, handle: null, ticks };
  current = mine;
  const ctx = {
    me,
    main,
    path,
    query,
    params: route ? route.re.exec(path).slice(1).map(safeDecode) : [],
    navigate,
    notice: showNotice,
    title: setTitle,
    onTick: (fn) => ticks.add(fn),
    alive: () => current === mine,
  };
  try {
    mine.handle = route ? route.view.mount(ctx) || null : notFound(ctx);
  } catch (e) {
    console.error(e);
    main.append(h('h1', { tabindex: '-1' }, 'Something went wrong'),
      h('p', {}, 'This page failed to draw. Reload to try again; the console has the details.'));
  }
  if (!firstRender) main.querySelector('h1')?.focus({ preventScroll: true });
  firstRender = false;
  window.scrollTo(0, 0);
}

function safeDecode(s) {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function root(ctx) {
  const roles = me.roles || {};
  const target = roles.approver ? '/ui/approvals' : roles.auditor || roles.admin ? '/ui/sessions' : '/ui/overview';
  queueMicrotask(() => {
    firstRender = true; // a redirect is still the first page, so focus stays where the browser put it
    ctx.navigate(target, { replace: true });
  });
}

function notFound(ctx) {
  ctx.title('Not found');
  main.append(
    h('h1', { tabindex: '-1' }, 'Not found'),
    h('p', {}, 'There is no page at ', h('code', {}, ctx.path), '.'),
    h('p', {}, h('a', { href: '/ui/' }, 'Go to the start page')),
  );
  return null;
}

function markNav(section) {
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.section === section) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

function drawHeader() {
  const roles = me.roles || {};
  const list = h('ul', {}, NAV.filter((item) => item.allowed(roles)).map((item) =>
    h('li', {}, h('a', { href: item.href, 'data-section': item.section }, item.label))));
  clear(nav).append(list);
  nav.hidden = false;
  whoami.textContent = me.email || me.subject || '';
  whoami.hidden = false;
  signOut.hidden = false;
}

function showSignIn() {
  unmount();
  me = null;
  nav.hidden = true;
  whoami.hidden = true;
  signOut.hidden = true;
  setTitle('Sign in');
  const here = location.pathname + location.search;
  const returnTo = here.startsWith('/ui') && !here.startsWith('/ui/login') ? here : '/ui/';
  clear(main).append(h('section', { class: 'sign-in', 'aria-labelledby': 'sign-in-heading' },
    h('h1', { id: 'sign-in-heading', tabindex: '-1' }, 'Sign in to Gatehouse'),
    h('p', {}, 'Approvals, recorded sessions and the broker’s configuration are shown to signed-in people only.'),
    h('a', { id: 'sign-in', class: 'button primary', href: `/ui/login?returnTo=${encodeURIComponent(returnTo)}` }, 'Sign in'),
  ));
}

function interceptLinks(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const a = event.target.closest('a[href]');
  if (!a || a.hasAttribute('download') || (a.target && a.target !== '_self')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin) return;
  if (!(url.pathname === '/ui' || url.pathname.startsWith('/ui/'))) return;
  // Server-side routes: the OIDC login, and the assets themselves.
  if (/^\/ui\/(login|logout|assets)(\/|$)/.test(url.pathname)) return;
  if (url.hash && url.pathname === location.pathname && url.search === location.search) return;
  if (!me) return;
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

async function onSignOut() {
  signOut.disabled = true;
  try {
    await api.logout();
    location.assign('/ui/');
  } catch (e) {
    signOut.disabled = false;
    showNotice(`Signing out failed: ${e.message}`);
  }
}

function tick() {
  const now = Date.now();
  for (const el of document.querySelectorAll('[data-relative]')) {
    const text = relativeTime(el.dataset.relative, now);
    if (el.textContent !== text) el.textContent = text;
  }
  for (const fn of current?.ticks || []) fn(now);
}

async function boot() {
  document.addEventListener('click', interceptLinks);
  window.addEventListener('popstate', () => me && render());
  signOut.addEventListener('click', onSignOut);
  setUnauthenticatedHandler(() => showSignIn());
  setInterval(tick, 1000);
  clear(main).append(h('p', { class: 'loading', role: 'status' }, 'Loading…'));
  try {
    me = await api.me();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      showSignIn();
      return;
    }
    setTitle('Unavailable');
    showNotice(e.message);
    clear(main).append(
      h('h1', {}, 'Gatehouse is not answering'),
      h('p', {}, 'The broker did not say who you are, so nothing can be shown yet.'),
      h('button', { type: 'button', class: 'button', onclick: () => location.reload() }, 'Try again'),
    );
    return;
  }
  setCsrfToken(me.csrfToken);
  drawHeader();
  render();
}

boot();
