// One approval as a card, with the decision form. The card keeps its form and result
// elements for its whole life and rebuilds only its body when the approval changes, so a
// live refresh never eats a half-typed reason or the focus.
import { api } from './api.js';
import { h, clear, append, badge } from './dom.js';
import { prettyJson, timeEl, timeLeft, person, localTime } from './format.js';

let serial = 0;
const LONG_LINES = 14;
const LONG_CHARS = 900;

/**
 * opts: {me, level (heading level 2|3), full (detail page: whole preview and ids), onDecide(card)}
 * onDecide is told as soon as the person presses Approve or Deny, so a list keeps the card (and
 * its result) in view even when the broker's "changed" event overtakes the decision's answer.
 */
export function approvalCard(approval, opts) {
  const n = ++serial;
  const headingId = `approval-${n}-title`;
  const el = h('article', { class: 'approval card', 'data-approval-id': approval.id, 'aria-labelledby': headingId });
  const body = h('div', { class: 'approval-body' });
  const result = h('p', { class: 'decision-result', role: 'status', tabindex: '-1' });
  const form = decisionForm(n);
  const footer = h('footer', { class: 'card-links' });
  el.append(body, form.el, result, footer);

  const state = { approval: null, json: '', expanded: false };
  const card = { el, get approval() { return state.approval; }, update };

  function update(next) {
    const json = JSON.stringify(next);
    if (json === state.json) return;
    state.approval = next;
    state.json = json;
    el.dataset.status = next.status;
    append(clear(body), [cardBody(next, { ...opts, headingId, state })]);
    append(clear(footer), [links(next, opts.me, opts.full)]);
    footer.hidden = footer.childElementCount === 0;
    const open = next.status === 'pending' && next.canDecide === true;
    form.el.hidden = !open;
    if (!open && form.el.contains(document.activeElement)) result.focus();
  }

  form.approve.addEventListener('click', () => decide('approve'));
  form.deny.addEventListener('click', () => decide('deny'));

  async function decide(verdict) {
    const reason = form.reason.value.trim();
    if (verdict === 'deny' && !reason) {
      form.requireReason();
      return;
    }
    form.clearError();
    // Disabled buttons drop the focus; put it back where the person can read the result.
    const hadFocus = el.contains(document.activeElement) ? document.activeElement : null;
    form.busy(true);
    opts.onDecide?.(card);
    setResult(verdict === 'approve' ? 'Approving…' : 'Denying…', 'working');
    const id = state.approval.id;
    try {
      const after = await api.decide(id, verdict, reason);
      update(after);
      setResult(outcomeText(after, verdict), after.status === 'denied' ? 'bad' : 'good');
      form.reason.value = '';
    } catch (e) {
      setResult(e.message, 'error');
      // 409: someone else decided first; 403/404: this person may not (or no longer) decide.
      // Show the approval as it now stands, and keep the card in view with the message.
      if ([403, 404, 409].includes(e.status)) {
        try {
          update(await api.approval(id));
        } catch {
          form.el.hidden = true;
        }
      }
    } finally {
      form.busy(false);
      if (hadFocus && !el.contains(document.activeElement)) (form.el.hidden ? result : hadFocus).focus();
    }
  }

  function setResult(text, tone) {
    result.textContent = text;
    result.dataset.tone = tone;
  }

  update(approval);
  return card;
}

function outcomeText(a, verdict) {
  if (a.status === 'approved') return 'Approved — the call is on its way.';
  if (a.status === 'denied') return 'Denied — the call will not run.';
  if (a.status === 'pending') {
    const verb = verdict === 'approve' ? 'approval' : 'decision';
    return `Your ${verb} is recorded — ${approvalCount(a)} of ${a.required} approvals so far.`;
  }
  return `Recorded. The approval is now ${a.status}.`;
}

function decisionForm(n) {
  const reasonId = `approval-${n}-reason`;
  const hintId = `approval-${n}-hint`;
  const reason = h('textarea', { class: 'reason', id: reasonId, rows: '2', 'aria-describedby': hintId, maxlength: '2000' });
  const hint = h('p', { class: 'hint', id: hintId }, 'Optional when approving, required to deny. The requester sees it.');
  const approve = h('button', { type: 'button', class: 'approve' }, 'Approve');
  const deny = h('button', { type: 'button', class: 'deny' }, 'Deny');
  const el = h('form', { class: 'decide', novalidate: true, onsubmit: (e) => e.preventDefault() },
    h('label', { class: 'reason-label', for: reasonId }, 'Reason', reason),
    hint,
    h('div', { class: 'actions' }, approve, deny));
  reason.addEventListener('input', () => reason.value.trim() && clearError());

  function clearError() {
    reason.required = false;
    reason.removeAttribute('aria-invalid');
    hint.classList.remove('error');
    hint.textContent = 'Optional when approving, required to deny. The requester sees it.';
  }

  return {
    el, reason, approve, deny, clearError,
    requireReason() {
      reason.required = true;
      reason.setAttribute('aria-invalid', 'true');
      hint.classList.add('error');
      hint.textContent = 'A reason is required to deny: write why, then press Deny again.';
      reason.focus();
    },
    busy(on) {
      approve.disabled = on;
      deny.disabled = on;
      reason.readOnly = on;
    },
  };
}

export function approvalCount(a) {
  return (a.decisions || []).filter((d) => d.decision === 'approve').length;
}

export function targetText(a) {
  const name = a.tool ? `${a.upstream} / ${a.tool}` : a.upstream;
  return a.method && a.method !== 'tools/call' ? `${name} (${a.method})` : name;
}

function cardBody(a, { me, level = 2, full = false, headingId, state }) {
  const pending = a.status === 'pending';
  return [
    h('header', { class: 'approval-head' },
      h(`h${level}`, { id: headingId, class: 'approval-title' }, h('span', { class: 'target' }, targetText(a))),
      badge(a.status),
      pending ? deadlineEl(a.deadline) : null),
    h('p', { class: 'requested' },
      'Requested by ', h('strong', {}, person(a.requester)), ' · ', timeEl(a.createdAt)),
    argsBlock(a, full, state),
    h('dl', { class: 'facts' },
      fact('Policy', a.policy || '—'),
      a.policyReason ? fact('Why it asks', a.policyReason) : null,
      fact('Approvals', `${approvalCount(a)} of ${a.required ?? 1} approvals`),
      fact('Who may decide', groupList(a.eligibleGroups)),
      fact('Deadline', localTime(a.deadline)),
      pending ? null : fact('Decided', decidedText(a)),
      full ? fact('Approval id', h('code', {}, a.id)) : null,
      full && a.policyVersion ? fact('Policy version', h('code', {}, a.policyVersion)) : null,
      full && a.argsDigest ? fact('Arguments digest', h('code', { class: 'digest' }, a.argsDigest)) : null),
    decisionList(a.decisions),
    pending && a.canDecide !== true ? h('p', { class: 'cannot-decide' }, whyNot(a, me)) : null,
  ];
}

function deadlineEl(deadline) {
  const left = timeLeft(deadline);
  return h('p', { class: `time-left${left.expired ? ' expired' : left.soon ? ' soon' : ''}`, 'data-deadline': deadline || '' },
    left.text);
}

/** Keeps every card's countdown current; registered once per view with ctx.onTick. */
export function tickDeadlines(root, now) {
  for (const el of root.querySelectorAll('.time-left[data-deadline]')) {
    const left = timeLeft(el.dataset.deadline, now);
    if (el.textContent !== left.text) el.textContent = left.text;
    el.classList.toggle('expired', left.expired);
    el.classList.toggle('soon', left.soon);
  }
}

function argsBlock(a, full, state) {
  const text = typeof a.argsPreview === 'string' ? a.argsPreview : prettyJson(a.argsPreview ?? null);
  const lines = text.split('\n').length;
  const long = !full && (lines > LONG_LINES || text.length > LONG_CHARS);
  const preId = `${a.id}-args`.replace(/[^A-Za-z0-9_-]/g, '_');
  const pre = h('pre', { class: `json${long && !state.expanded ? ' collapsed' : ''}`, id: preId, tabindex: '0', 'aria-label': 'Arguments' }, text);
  const wrap = h('div', { class: 'args' }, h('p', { class: 'label' }, 'Arguments (masked)'), pre);
  if (long) {
    const toggle = h('button', { type: 'button', class: 'link-button', 'aria-controls': preId, 'aria-expanded': String(state.expanded) },
      state.expanded ? 'Show less' : `Show all ${lines} lines`);
    toggle.addEventListener('click', () => {
      state.expanded = !state.expanded;
      pre.classList.toggle('collapsed', !state.expanded);
      toggle.setAttribute('aria-expanded', String(state.expanded));
      toggle.textContent = state.expanded ? 'Show less' : `Show all ${lines} lines`;
    });
    wrap.append(toggle);
  }
  return wrap;
}

function fact(term, value) {
  return [h('dt', {}, term), h('dd', {}, value)];
}

function groupList(groups) {
  if (!groups || groups.length === 0) return h('span', { class: 'muted' }, 'nobody named');
  return h('span', { class: 'chips' }, groups.map((g) => h('span', { class: 'chip' }, g)));
}

export function decidedBy(a) {
  if (a.decidedBy && a.decidedBy.length) return a.decidedBy;
  const verdict = a.status === 'denied' ? 'deny' : 'approve';
  return (a.decisions || []).filter((d) => d.decision === verdict).map((d) => d.approver);
}

export function decidedAt(a) {
  if (a.decidedAt) return a.decidedAt;
  const last = (a.decisions || []).at(-1);
  return last ? last.at : null;
}

function decidedText(a) {
  const who = decidedBy(a);
  const at = decidedAt(a);
  const text = a.outcomeReason || (who.length ? `${a.status} by ${who.join(', ')}` : a.status);
  return [text, at ? [' · ', timeEl(at)] : null];
}

function decisionList(decisions) {
  if (!decisions || decisions.length === 0) return null;
  return h('ul', { class: 'decisions', 'aria-label': 'Decisions' }, decisions.map((d) =>
    h('li', { class: `decision decision-${d.decision === 'deny' ? 'deny' : 'approve'}` },
      h('strong', {}, d.approver || 'someone'), ' ',
      d.decision === 'deny' ? 'denied' : 'approved',
      d.channel ? ` via ${d.channel}` : '', ' · ', timeEl(d.at, { withLocal: false }),
      d.reason ? [': ', h('q', {}, d.reason)] : null)));
}

function whyNot(a, me) {
  if (a.cannotDecideReason) return a.cannotDecideReason;
  if (me && a.requester && me.subject === a.requester.subject) return 'You asked for this call, so somebody else decides.';
  const mine = [me?.email, me?.subject].filter(Boolean);
  if ((a.decisions || []).some((d) => mine.includes(d.approver))) return 'You have already decided on this call.';
  const groups = a.eligibleGroups || [];
  return groups.length ? `Only members of ${groups.join(' or ')} may decide.` : 'You may not decide on this call.';
}

function links(a, me, full) {
  const items = [];
  if (!full) items.push(h('a', { href: `/ui/approvals/${encodeURIComponent(a.id)}`, class: 'open' }, 'Open'));
  const t = me?.temporalUi;
  if (t && t.baseUrl && a.workflowId) {
    const base = String(t.baseUrl).replace(/\/+$/, '');
    items.push(h('a', {
      href: `${base}/namespaces/${encodeURIComponent(t.namespace || 'default')}/workflows/${encodeURIComponent(a.workflowId)}`,
      target: '_blank', rel: 'noopener', class: 'temporal',
    }, 'Workflow in Temporal UI', h('span', { class: 'sr-only' }, ' (opens in a new tab)')));
  }
  return items;
}
