// The broker's configuration, rendered from its shape alone: the back end may add keys at
// any time, so nothing here knows a key by name. Secrets arrive already as "(hidden)".
import { api } from './api.js';
import { h, clear, append } from './dom.js';
import { prettyJson } from './format.js';

const HIDDEN = '(hidden)';
const MAX_DEPTH = 6; // deeper than this is shown as JSON rather than ever-narrower boxes

export function mount(ctx) {
  ctx.title('Configuration');
  const body = h('div', { class: 'config' }, h('p', { class: 'loading' }, 'Loading the configuration…'));
  ctx.main.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Configuration')),
    h('p', { class: 'muted' }, 'The configuration in force, read-only. Secrets are shown as ', h('span', { class: 'secret' }, HIDDEN), '.'),
    body);

  const load = () => api.config().then((cfg) => {
    if (!ctx.alive()) return;
    append(clear(body), [render(cfg)]);
  }).catch((e) => {
    if (!ctx.alive()) return;
    ctx.notice(e.message);
    clear(body).append(h('div', { class: 'empty error-state' },
      h('p', {}, e.status === 403 ? 'The configuration is shown to admins only.' : 'The configuration could not be loaded.'),
      e.status === 403 ? null : h('button', { type: 'button', class: 'button', onclick: load }, 'Try again')));
  });
  load();
}

function render(cfg) {
  const sections = isObject(cfg)
    ? Object.entries(cfg).map(([key, value], i) => {
      const titleId = `config-section-${i}`;
      return h('section', { class: 'config-section', 'aria-labelledby': titleId },
        h('h2', { id: titleId }, key), value_(value, 0));
    })
    : [h('section', { class: 'config-section' }, value_(cfg, 0))];
  return [
    ...sections,
    h('details', { class: 'raw' }, h('summary', {}, 'Raw JSON'), h('pre', { class: 'json' }, prettyJson(cfg))),
  ];
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function value_(v, depth) {
  if (v === null || v === undefined) return h('span', { class: 'muted' }, 'not set');
  if (Array.isArray(v)) return arrayView(v, depth);
  if (isObject(v)) return objectView(v, depth);
  return scalar(v);
}

function scalar(v) {
  if (v === HIDDEN) return h('span', { class: 'secret' }, HIDDEN);
  if (typeof v === 'boolean') return h('span', { class: `bool bool-${v}` }, v ? 'yes' : 'no');
  if (typeof v === 'number') return h('span', { class: 'num' }, String(v));
  if (v === '') return h('span', { class: 'muted' }, 'empty');
  return h('span', { class: 'str' }, String(v));
}

function objectView(obj, depth) {
  const entries = Object.entries(obj);
  if (entries.length === 0) return h('span', { class: 'muted' }, 'none');
  if (depth >= MAX_DEPTH) return h('pre', { class: 'json' }, prettyJson(obj));
  return h('dl', { class: `config-dl depth-${Math.min(depth, 3)}` },
    entries.map(([k, v]) => [h('dt', {}, k), h('dd', {}, value_(v, depth + 1))]));
}

function arrayView(arr, depth) {
  if (arr.length === 0) return h('span', { class: 'muted' }, 'none');
  if (arr.every((x) => !isObject(x) && !Array.isArray(x))) {
    return h('ul', { class: 'chips config-list' }, arr.map((x) => h('li', { class: 'chip' }, scalar(x))));
  }
  if (arr.every(isObject) && depth < MAX_DEPTH) return tableView(arr, depth);
  return h('ol', { class: 'config-mixed' }, arr.map((x) => h('li', {}, value_(x, depth + 1))));
}

function tableView(rows, depth) {
  const columns = [];
  for (const row of rows) for (const k of Object.keys(row)) if (!columns.includes(k)) columns.push(k);
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data config-table' },
    h('thead', {}, h('tr', {}, columns.map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, rows.map((row) => h('tr', {},
      columns.map((c) => h('td', { 'data-label': c }, c in row ? value_(row[c], depth + 1) : h('span', { class: 'muted' }, '—'))))))));
}
