// The approvals inbox and the single-approval page, both kept live by the broker's
// Server-Sent Events: "changed" says only that something changed, so we refetch.
import { api } from './api.js';
import { h, clear, badge } from './dom.js';
import { timeEl, plural, person } from './format.js';
import { approvalCard, tickDeadlines, targetText, decidedBy, decidedAt } from './approval-card.js';

const STATUSES = [
  ['pending', 'Pending'], ['approved', 'Approved'], ['denied', 'Denied'], ['expired', 'Expired'],
  ['cancelled', 'Cancelled'], ['abandoned', 'Abandoned'], ['all', 'All'],
];
const SAFETY_REFETCH_MS = 30000;
const DEBOUNCE_MS = 150;

/** Opens the event stream; returns a function that closes it and its timers. */
function liveFeed(statusEl, refresh) {
  let source = null;
  let debounce = null;
  const schedule = () => {
    clearTimeout(debounce);
    debounce = setTimeout(refresh, DEBOUNCE_MS);
  };
  const show = (text, state) => {
    if (statusEl.textContent !== text) statusEl.textContent = text;
    statusEl.dataset.state = state;
  };
  const open = () => {
    source = new EventSource('/api/approvals/events');
    show('Connecting…', 'connecting');
    // A (re)connect may follow missed events, so "ready" refetches too.
    source.addEventListener('ready', () => {
      show('Live', 'live');
      schedule();
    });
    source.addEventListener('changed', schedule);
    source.addEventListener('open', () => show('Live', 'live'));
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) show('Offline — retrying', 'offline');
      else show('Reconnecting…', 'reconnecting');
    });
  };
  open();
  // EventSource gives up for good on some failures (e.g. a 401 or 503 answer); reopen then.
  const safety = setInterval(() => {
    if (source.readyState === EventSource.CLOSED) open();
    refresh();
  }, SAFETY_REFETCH_MS);
  return () => {
    clearTimeout(debounce);
    clearInterval(safety);
    source.close();
  };
}

function liveStatus() {
  return h('p', { id: 'live-status', class: 'live-status', role: 'status', 'data-state': 'connecting' }, 'Connecting…');
}

/** Reports refresh failures once, and takes the notice back when refreshing works again. */
function errorReporter(ctx) {
  let shown = null;
  return {
    fail(e) {
      if (e.status === 401) return;
      if (shown !== e.message) ctx.notice(`Could not refresh: ${e.message}`);
      shown = e.message;
    },
    ok() {
      if (shown !== null) ctx.notice(null);
      shown = null;
    },
  };
}

function matches(a, text) {
  if (!text) return true;
  const hay = [a.requester?.email, a.requester?.subject, a.upstream, a.tool, a.method, a.policy, a.id]
    .filter(Boolean).join('\n').toLowerCase();
  return hay.includes(text.toLowerCase());
}

function byDeadline(a, b) {
  return String(a.deadline || '').localeCompare(String(b.deadline || ''));
}

function byNewest(a, b) {
  return String(decidedAt(b) || b.createdAt || '').localeCompare(String(decidedAt(a) || a.createdAt || ''));
}

/** Puts `nodes` into `parent` in order, moving only what is out of place (moving drops focus). */
function reconcile(parent, nodes) {
  nodes.forEach((node, i) => {
    if (parent.children[i] !== node) parent.insertBefore(node, parent.children[i] || null);
  });
  while (parent.children.length > nodes.length) parent.lastElementChild.remove();
}

export function mountInbox(ctx) {
  const { me } = ctx;
  let status = normalStatus(ctx.query.get('status'));
  let text = ctx.query.get('q') || '';
  let approvals = null;
  let cards = new Map(); // id → card, reused while the approval is in view
  let settled = new Map(); // id → card decided in this browser: stays in view with its result
  let rows = new Map(); // id → {json, el}: history rows, reused so a refresh keeps the focus
  const waitingTitle = h('h2', { class: 'group-title' });
  const decidedTitle = h('h2', { class: 'group-title' });
  let generation = 0;

  ctx.title('Approvals');
  const live = liveStatus();
  const select = h('select', { id: 'status-filter' },
    STATUSES.map(([value, label]) => h('option', { value, selected: value === status }, label)));
  const filter = h('input', {
    id: 'text-filter', type: 'search', value: text, autocomplete: 'off',
    placeholder: 'requester, upstream, tool, policy',
  });
  const summary = h('p', { id: 'approvals-summary', class: 'summary', 'aria-live': 'polite' });
  const list = h('div', { id: 'approval-list', class: 'approval-list' });
  ctx.main.append(
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Approvals'), live),
    h('div', { class: 'toolbar', role: 'search', 'aria-label': 'Filter approvals' },
      h('div', { class: 'field' }, h('label', { for: 'status-filter' }, 'Status'), select),
      h('div', { class: 'field grow' }, h('label', { for: 'text-filter' }, 'Filter'), filter)),
    summary,
    list,
  );
  list.append(h('p', { class: 'loading' }, 'Loading approvals…'));

  const errors = errorReporter(ctx);

  async function refresh() {
    const mine = ++generation;
    try {
      const body = await api.approvals(status === 'all' ? undefined : status);
      if (mine !== generation || !ctx.alive()) return;
      approvals = body.approvals || [];
      errors.ok();
      draw();
    } catch (e) {
      if (mine !== generation || !ctx.alive()) return;
      if (approvals === null) {
        ctx.notice(e.message);
        clear(list).append(h('div', { class: 'empty error-state' },
          h('p', {}, 'The approvals could not be loaded.'),
          h('button', { type: 'button', class: 'button', onclick: refresh }, 'Try again')));
      } else {
        errors.fail(e);
      }
    }
  }

  function cardFor(a, level) {
    let card = settled.get(a.id) || cards.get(a.id);
    if (card && card.level !== level) card = null;
    if (!card) {
      card = approvalCard(a, { me, level, onDecide: (c) => settled.set(c.approval.id, c) });
      card.level = level;
    } else {
      card.update(a);
    }
    return card;
  }

  function draw() {
    const shown = approvals.filter((a) => matches(a, text));
    const seen = new Set(shown.map((a) => a.id));
    // Cards decided here stay (with their result) even when the list no longer has them.
    for (const [id, card] of settled) {
      if (!seen.has(id) && matches(card.approval, text)) shown.push(card.approval);
    }
    const waiting = shown.filter((a) => a.status === 'pending' || settled.has(a.id)).sort(byDeadline);
    const decided = shown.filter((a) => !waiting.includes(a)).sort(byNewest);
    const nextCards = new Map();
    const nextRows = new Map();
    const nodes = [];

    if (status === 'all') {
      setText(waitingTitle, `Waiting (${waiting.length})`);
      setText(decidedTitle, `Decided (${decided.length})`);
      if (waiting.length) nodes.push(waitingTitle);
      for (const a of waiting) nodes.push(take(a, 3));
      if (decided.length) nodes.push(decidedTitle);
      for (const a of decided) nodes.push(row(a, 3));
    } else {
      for (const a of waiting) nodes.push(take(a, 2));
      for (const a of decided) nodes.push(row(a, 2));
    }
    if (nodes.length === 0) nodes.push(emptyState());
    reconcile(list, nodes);
    cards = nextCards;
    rows = nextRows;

    const pendingCount = approvals.filter((a) => a.status === 'pending').length;
    const all = new Set(approvals.map((a) => a.id));
    setText(summary, summaryText(shown.filter((a) => all.has(a.id)).length, approvals.length));
    ctx.title(status === 'pending' && pendingCount ? `(${pendingCount}) Approvals` : 'Approvals');

    function take(a, level) {
      const card = cardFor(a, level);
      nextCards.set(a.id, card);
      return card.el;
    }

    function row(a, level) {
      const json = `${level}${JSON.stringify(a)}`;
      const old = rows.get(a.id);
      const kept = old && old.json === json ? old : { json, el: historyRow(a, level) };
      nextRows.set(a.id, kept);
      return kept.el;
    }
  }

  function summaryText(shownCount, total) {
    const noun = status === 'pending' ? 'waiting for a decision' : status === 'all' ? 'in total' : status;
    if (text) return `${shownCount} of ${total} shown`;
    return total ? `${plural(total, 'approval')} ${noun}` : '';
  }

  function emptyState() {
    if (text) return h('div', { class: 'empty' }, h('p', {}, 'No approvals match ', h('q', {}, text), '.'));
    if (status === 'pending') {
      return h('div', { class: 'empty' }, h('p', { class: 'empty-title' }, 'Nothing waits for you.'),
        h('p', {}, 'New requests appear here by themselves.'));
    }
    const label = STATUSES.find(([v]) => v === status)?.[1].toLowerCase();
    return h('div', { class: 'empty' }, h('p', {}, status === 'all' ? 'No approvals yet.' : `No ${label} approvals.`));
  }

  function reset() {
    approvals = null;
    cards = new Map();
    settled = new Map();
    rows = new Map();
    setText(summary, '');
    clear(list).append(h('p', { class: 'loading' }, 'Loading approvals…'));
    refresh();
  }

  function writeUrl() {
    const q = new URLSearchParams();
    if (status !== 'pending') q.set('status', status);
    if (text) q.set('q', text);
    const s = q.toString();
    history.replaceState(null, '', s ? `/ui/approvals?${s}` : '/ui/approvals');
  }

  select.addEventListener('change', () => {
    status = normalStatus(select.value);
    writeUrl();
    reset();
  });
  filter.addEventListener('input', () => {
    text = filter.value.trim();
    writeUrl();
    if (approvals) draw();
  });

  ctx.onTick((now) => tickDeadlines(list, now));
  const close = liveFeed(live, refresh);
  refresh();

  return {
    destroy: close,
    query(params) {
      const nextStatus = normalStatus(params.get('status'));
      text = params.get('q') || '';
      filter.value = text;
      if (nextStatus !== status) {
        status = nextStatus;
        select.value = status;
        reset();
      } else if (approvals) {
        draw();
      }
    },
  };
}

function normalStatus(value) {
  return STATUSES.some(([v]) => v === value) ? value : 'pending';
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function historyRow(a, level) {
  const who = decidedBy(a);
  const at = decidedAt(a);
  return h('article', { class: 'approval compact', 'data-approval-id': a.id, 'data-status': a.status },
    h('div', { class: 'compact-head' },
      badge(a.status),
      h(`h${level}`, { class: 'compact-title' },
        h('a', { href: `/ui/approvals/${encodeURIComponent(a.id)}` }, targetText(a)))),
    h('p', { class: 'compact-meta' },
      'Requested by ', person(a.requester),
      who.length ? [' · ', `${a.status} by `, h('strong', {}, who.join(', '))] : null,
      at ? [' · ', timeEl(at)] : null),
    a.outcomeReason && a.outcomeReason !== `${a.status} by ${who.join(', ')}`
      ? h('p', { class: 'compact-reason' }, a.outcomeReason) : null);
}

export function mountDetail(ctx) {
  const [id] = ctx.params;
  ctx.title('Approval');
  const live = liveStatus();
  const holder = h('div', { class: 'approval-list single' }, h('p', { class: 'loading' }, 'Loading the approval…'));
  ctx.main.append(
    h('p', { class: 'back' }, h('a', { href: '/ui/approvals' }, '← All approvals')),
    h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Approval'), live),
    holder,
  );
  let card = null;
  let generation = 0;
  const errors = errorReporter(ctx);

  async function refresh() {
    const mine = ++generation;
    try {
      const a = await api.approval(id);
      if (mine !== generation || !ctx.alive()) return;
      errors.ok();
      if (!card) {
        card = approvalCard(a, { me: ctx.me, level: 2, full: true });
        clear(holder).append(card.el);
      } else {
        card.update(a);
      }
      ctx.title(`${a.status === 'pending' ? 'Waiting: ' : ''}${targetText(a)}`);
    } catch (e) {
      if (mine !== generation || !ctx.alive()) return;
      if (card) {
        errors.fail(e);
      } else if (e.status === 404) {
        ctx.title('Approval not found');
        clear(holder).append(h('div', { class: 'empty' },
          h('p', { class: 'empty-title' }, 'No such approval'),
          h('p', {}, 'There is no approval ', h('code', {}, id), ' that you may see. It may have been mistyped, or you may not be one of its approvers.'),
          h('p', {}, h('a', { href: '/ui/approvals' }, 'Go to the approvals inbox'))));
      } else {
        ctx.notice(e.message);
        clear(holder).append(h('div', { class: 'empty error-state' },
          h('p', {}, 'The approval could not be loaded.'),
          h('button', { type: 'button', class: 'button', onclick: refresh }, 'Try again')));
      }
    }
  }

  ctx.onTick((now) => tickDeadlines(holder, now));
  const close = liveFeed(live, refresh);
  refresh();
  return { destroy: close };
}
