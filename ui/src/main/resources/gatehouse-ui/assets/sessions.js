// Recorded sessions, filtered through the URL's query string so a filtered view can be
// shared and Back returns to the previous filter.
import { api } from './api.js';
import { h, clear, badge } from './dom.js';
import { localTime, timeEl, person, plural } from './format.js';

const FIELDS = ['caller', 'group', 'upstream', 'tool', 'outcome', 'from', 'to'];
const OUTCOMES = ['allowed', 'denied', 'approval-required', 'approved', 'refused'];
const COLUMNS = ['Started', 'Caller', 'Upstream', 'Client', 'Events', 'Tools', 'Outcomes', 'Ended'];

/** Where "← Sessions" on a replay goes back to: the list as last filtered. */
export let lastListUrl = '/ui/sessions';

export function mount(ctx) {
  ctx.title('Sessions');
  const form = filterForm(ctx.query);
  const tbody = h('tbody');
  const table = h('table', { id: 'sessions', class: 'data sessions-table' },
    h('caption', { class: 'sr-only' }, 'Recorded sessions, newest first'),
    h('thead', {}, h('tr', {}, COLUMNS.map((c) => h('th', { scope: 'col' }, c)))),
    tbody);
  const status = h('p', { id: 'sessions-status', class: 'summary', 'aria-live': 'polite' });
  const more = h('button', { id: 'load-more', type: 'button', class: 'button', hidden: true }, 'Load more');
  const holder = h('div', { class: 'table-wrap' });
  ctx.main.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Sessions')),
    form.el, status, holder, h('p', { class: 'more' }, more));

  let filters = {};
  let cursor = null;
  let generation = 0;
  let count = 0;

  async function load(query) {
    filters = Object.fromEntries(FIELDS.map((f) => [f, query.get(f) || '']));
    form.fill(filters);
    lastListUrl = location.pathname + location.search;
    const mine = ++generation;
    cursor = null;
    count = 0;
    more.hidden = true;
    clear(tbody);
    clear(holder).append(h('p', { class: 'loading' }, 'Loading sessions…'));
    status.textContent = '';
    try {
      const page = await api.sessions(filters);
      if (mine !== generation || !ctx.alive()) return;
      clear(holder).append(table);
      add(page);
    } catch (e) {
      if (mine !== generation || !ctx.alive()) return;
      ctx.notice(e.message);
      form.el.hidden = e.status === 403;
      clear(holder).append(h('div', { class: 'empty error-state' },
        h('p', {}, e.status === 403 ? 'Recorded sessions are not shown to you.' : 'The sessions could not be loaded.'),
        e.status === 403 ? null : h('button', { type: 'button', class: 'button', onclick: () => load(query) }, 'Try again')));
    }
  }

  function add(page) {
    const rows = (page.sessions || []).map(sessionRow);
    tbody.append(...rows);
    count += rows.length;
    cursor = page.nextCursor || null;
    more.hidden = !cursor;
    const filtered = FIELDS.some((f) => filters[f]);
    if (count === 0) {
      clear(holder).append(h('div', { class: 'empty' }, h('p', {}, filtered
        ? 'No sessions match these filters.'
        : 'No sessions recorded yet. They appear here as soon as a workload connects.')));
    }
    status.textContent = count ? `${plural(count, 'session')} shown${cursor ? ', more available' : ''}.` : '';
    return rows;
  }

  more.addEventListener('click', async () => {
    const mine = generation;
    more.disabled = true;
    more.textContent = 'Loading…';
    try {
      const page = await api.sessions({ ...filters, cursor });
      if (mine !== generation || !ctx.alive()) return;
      const rows = add(page);
      if (more.hidden && rows[0]) rows[0].querySelector('a')?.focus();
    } catch (e) {
      ctx.notice(e.message);
    } finally {
      more.disabled = false;
      more.textContent = 'Load more';
    }
  });

  form.el.addEventListener('submit', (event) => {
    event.preventDefault();
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(form.values())) if (v) q.set(k, v);
    const s = q.toString();
    ctx.navigate(s ? `/ui/sessions?${s}` : '/ui/sessions');
  });
  form.el.addEventListener('reset', (event) => {
    event.preventDefault();
    if (location.search) ctx.navigate('/ui/sessions');
    else form.fill({});
  });

  load(ctx.query);
  return { query: load };
}

function filterForm(query) {
  const input = (name, label, attrs = {}) => {
    const id = `filter-${name}`;
    return h('div', { class: 'field' },
      h('label', { for: id }, label),
      h('input', { id, name, type: 'text', autocomplete: 'off', spellcheck: 'false', ...attrs }));
  };
  const outcomeId = 'filter-outcome';
  const outcome = h('select', { id: outcomeId, name: 'outcome' },
    h('option', { value: '' }, 'Any'), OUTCOMES.map((o) => h('option', { value: o }, o)));
  const el = h('form', { id: 'session-filters', class: 'filters', action: '/ui/sessions', method: 'get' },
    input('caller', 'Caller', { placeholder: 'subject or e-mail' }),
    input('group', 'Group'),
    input('upstream', 'Upstream'),
    input('tool', 'Tool'),
    h('div', { class: 'field' }, h('label', { for: outcomeId }, 'Outcome'), outcome),
    input('from', 'From', { type: 'date' }),
    input('to', 'To', { type: 'date' }),
    h('div', { class: 'field actions' },
      h('button', { type: 'submit', class: 'button primary' }, 'Apply'),
      h('button', { type: 'reset', class: 'button' }, 'Clear')));

  function fill(values) {
    for (const name of FIELDS) {
      const field = el.elements.namedItem(name);
      const value = values[name] || '';
      if (name === 'outcome' && value && !OUTCOMES.includes(value)) {
        field.append(h('option', { value }, value)); // keep a shared link's unusual value
      }
      // A date input cannot hold an ISO instant; such a filter still applies from the URL.
      field.value = field.type === 'date' && !/^\d{4}-\d{2}-\d{2}$/.test(value) ? '' : value;
    }
  }
  fill(Object.fromEntries(FIELDS.map((f) => [f, query.get(f) || ''])));
  return {
    el,
    fill,
    values: () => Object.fromEntries(FIELDS.map((f) => [f, el.elements.namedItem(f).value.trim()])),
  };
}

/** One wrapper per cell, so the phone layout (label | content grid) keeps the content together. */
function cell(label, ...children) {
  return h('td', { 'data-label': label }, h('div', {}, ...children));
}

function sessionRow(s) {
  const href = `/ui/sessions/${encodeURIComponent(s.id)}`;
  const caller = person({ email: s.callerEmail, subject: s.callerSubject });
  const client = [s.clientName, s.clientVersion].filter(Boolean).join(' ');
  return h('tr', { 'data-session-id': s.id },
    cell('Started',
      h('a', { class: 'open-session', href, 'aria-label': `Replay session of ${caller} started ${localTime(s.startedAt)}` },
        localTime(s.startedAt)),
      h('div', { class: 'muted small' }, timeEl(s.startedAt, { withLocal: false }))),
    cell('Caller', h('div', {}, caller),
      (s.callerGroups || []).length ? h('div', { class: 'chips' }, s.callerGroups.map((g) => h('span', { class: 'chip' }, g))) : null),
    cell('Upstream', s.upstream || '—'),
    cell('Client', client || h('span', { class: 'muted' }, 'unknown')),
    h('td', { 'data-label': 'Events', class: 'num' }, h('div', {}, String(s.eventCount ?? '—'))),
    cell('Tools', (s.tools || []).length
      ? h('span', { class: 'tools' }, s.tools.map((t, i) => [i ? ', ' : '', h('code', {}, t)]))
      : h('span', { class: 'muted' }, 'none')),
    cell('Outcomes', h('span', { class: 'badges' }, (s.outcomes || []).map((o) => badge(o)))),
    cell('Ended', s.endedAt
      ? [timeEl(s.endedAt, { relative: false }), s.endReason ? h('div', { class: 'muted small' }, s.endReason) : null]
      : [badge('open', 'neutral'), s.lastEventAt ? h('div', { class: 'muted small' }, 'last event ', timeEl(s.lastEventAt, { withLocal: false })) : null]));
}
