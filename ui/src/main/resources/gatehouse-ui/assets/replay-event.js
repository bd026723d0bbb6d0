// One recorded event as a timeline entry. Payloads are attacker-controlled: text nodes only,
// and they are pretty-printed only when opened, since a session can hold thousands.
import { h, badge } from './dom.js';
import { prettyJson, offset, bytes, person, localTime } from './format.js';

const DIRECTIONS = {
  client: { arrow: '→', text: 'client → upstream' },
  upstream: { arrow: '←', text: 'upstream → client' },
  broker: { arrow: '◆', text: 'broker' },
};

/** The entry for event `e`; `t0` is the first event's time in ms. */
export function eventItem(e, t0) {
  const dir = DIRECTIONS[e.direction] || { arrow: '•', text: e.direction || 'unknown' };
  const kind = e.kind || 'event';
  const at = Date.parse(e.at);
  const summary = summaryOf(e);
  const li = h('li', {
    class: `event kind-${safeClass(kind)} dir-${safeClass(e.direction)}${e.failOpen ? ' fail-open' : ''}`,
    'data-seq': e.seq,
  },
  h('div', { class: 'event-line' },
    h('span', { class: 'seq' }, `#${e.seq}`),
    h('span', { class: 'dir' }, h('span', { class: 'arrow', 'aria-hidden': 'true' }, dir.arrow), ' ', dir.text),
    h('span', { class: 'offset', title: localTime(e.at) }, Number.isFinite(at) && Number.isFinite(t0) ? offset(at - t0) : ''),
    h('span', { class: 'kind' }, kindLabel(e)),
    e.method ? h('code', { class: 'method' }, e.method) : null,
    e.jsonrpcId !== null && e.jsonrpcId !== undefined ? h('span', { class: 'rpc-id' }, `id ${e.jsonrpcId}`) : null,
    e.target ? h('code', { class: 'target' }, e.target) : null,
    e.outcome ? badge(e.outcome) : null,
    e.size ? h('span', { class: 'size' }, bytes(e.size)) : null,
    e.masked ? h('span', { class: 'masked' }, `masked: ${maskedText(e.masked)}`) : null,
    e.failOpen ? h('span', { class: 'badge badge-warn', title: 'Recorded while the audit store was unavailable and the broker failed open' }, 'fail-open') : null),
  summary ? h('p', { class: 'event-summary' }, summary, approvalLink(e)) : null,
  payloadDetails(e.payload, e.seq),
  h('span', { class: 'sr-only future-note' }, ' (not yet played)'),
  );
  return li;
}

function approvalLink(e) {
  const id = e.kind === 'approval' && e.payload?.step === 'pending' ? e.payload.approvalId : null;
  return id ? [' · ', h('a', { href: `/ui/approvals/${encodeURIComponent(id)}` }, 'Open approval')] : null;
}

function safeClass(s) {
  return String(s || 'none').replace(/[^a-z0-9-]/gi, '-');
}

function kindLabel(e) {
  if (e.kind !== 'message' || !e.payload || typeof e.payload !== 'object') return e.kind || 'event';
  const p = e.payload;
  if (p.error) return 'error response';
  if ('result' in p) return 'response';
  if (p.method && p.id !== undefined && p.id !== null) return 'request';
  if (p.method) return 'notification';
  return 'message';
}

function maskedText(masked) {
  if (typeof masked !== 'object') return String(masked);
  const parts = Object.entries(masked).map(([k, v]) => (typeof v === 'number' ? `${k} ×${v}` : `${k} ${JSON.stringify(v)}`));
  return parts.join(', ') || 'yes';
}

function payloadDetails(payload, seq) {
  if (payload === null || payload === undefined) return null;
  const pre = h('pre', { class: 'json' });
  const details = h('details', { class: 'payload' },
    h('summary', {}, 'Payload', h('span', { class: 'sr-only' }, ` of event ${seq}`)), pre);
  details.addEventListener('toggle', () => {
    if (details.open && !pre.firstChild) pre.textContent = prettyJson(payload);
  });
  return details;
}

const verb = (v) => (v === 'deny' ? 'denied' : v === 'approve' ? 'approved' : v || 'decided');

/** A one-line account of broker entries, in the words an auditor would use. */
export function summaryOf(e) {
  const p = e.payload && typeof e.payload === 'object' ? e.payload : {};
  switch (e.kind) {
    case 'decision': {
      const tail = p.reason ? ` — ${p.reason}` : '';
      const who = Array.isArray(p.approvers) && p.approvers.length ? ` (approvers: ${p.approvers.join(', ')})` : '';
      return `Policy '${p.policy || 'none'}': ${p.outcome || e.outcome || 'decided'}${tail}${who}`;
    }
    case 'refusal': {
      const why = p.reason || p.message || p.detail || p.error?.message || (typeof e.payload === 'string' ? e.payload : '');
      return `Refused${e.target ? ` ${e.target}` : ''}${why ? `: ${why}` : ''}`;
    }
    case 'approval':
      return approvalSummary(e, p);
    case 'session-start':
      return p.caller ? `Session started by ${person(p.caller)}` : 'Session started';
    case 'session-end':
      return `Session ended${p.reason || e.outcome ? `: ${p.reason || e.outcome}` : ''}`;
    default:
      if (p.error && typeof p.error === 'object') return `Error ${p.error.code ?? ''}: ${p.error.message ?? ''}`.trim();
      return null;
  }
}

function approvalSummary(e, p) {
  switch (p.step) {
    case 'pending': {
      const groups = (p.approvers || []).join(', ') || 'nobody';
      const need = p.required ? `${p.required} of [${groups}]` : `[${groups}]`;
      return `Approval requested from ${need}, deadline ${localTime(p.deadline)}`;
    }
    case 'decision':
      return `${p.decider || p.deciderSubject || 'someone'} ${verb(p.verdict)}${p.channel ? ` via ${p.channel}` : ''}${p.reason ? `: ${p.reason}` : ''}`;
    case 'outcome':
      return `Approval outcome: ${p.outcome || e.outcome || 'ended'}${p.detail ? ` (${p.detail})` : ''}`;
    default:
      return `Approval ${p.step || 'step'}${p.detail ? ` — ${p.detail}` : ''}`;
  }
}

/** Marks where the hash chain breaks, so the auditor sees it in place. */
export function markBroken(li, problem) {
  li.classList.add('broken');
  li.querySelector('.event-line').append(badge(`chain ${problem || 'broken'} here`, 'bad'));
}
