// What the broker fronts, how busy it has been, and the policy it applies, in rule order.
import { api } from './api.js';
import { h, clear, badge } from './dom.js';
import { timeEl, duration } from './format.js';

export function mount(ctx) {
  ctx.title('Overview');
  const body = h('div', { class: 'overview' }, h('p', { class: 'loading' }, 'Loading the overview…'));
  ctx.main.append(h('div', { class: 'page-head' }, h('h1', { tabindex: '-1' }, 'Overview')), body);

  const load = () => api.overview().then((o) => {
    if (!ctx.alive()) return;
    clear(body).append(
      upstreamsSection(o.upstreams || []),
      countsSection(o.counts || {}),
      policySection(o.policy || {}));
  }).catch((e) => {
    if (!ctx.alive()) return;
    ctx.notice(e.message);
    clear(body).append(h('div', { class: 'empty error-state' },
      h('p', {}, 'The overview could not be loaded.'),
      h('button', { type: 'button', class: 'button', onclick: load }, 'Try again')));
  });
  load();
}

function countsSection(c) {
  const stat = (label, value, tone) =>
    h('div', { class: `stat${tone ? ` stat-${tone}` : ''}` }, h('dt', {}, label), h('dd', {}, (value ?? 0).toLocaleString()));
  return h('section', { 'aria-labelledby': 'counts-title' },
    h('h2', { id: 'counts-title' }, 'Calls'),
    c.since ? h('p', { class: 'muted' }, 'Since ', timeEl(c.since)) : null,
    h('dl', { class: 'stats' },
      stat('Calls', c.calls),
      stat('Allowed', c.allowed, 'good'),
      stat('Denied', c.denied, 'bad'),
      stat('Approval required', c.approvalRequired, 'warn'),
      stat('Pending approvals', c.pendingApprovals, c.pendingApprovals ? 'warn' : null)));
}

function upstreamsSection(upstreams) {
  const content = upstreams.length === 0
    ? h('p', { class: 'empty' }, 'No upstreams are configured.')
    : h('div', { class: 'table-wrap' }, h('table', { class: 'data upstreams' },
      h('caption', { class: 'sr-only' }, 'Upstream MCP servers and their health'),
      h('thead', {}, h('tr', {}, ['Name', 'Transport', 'Health', 'Detail', 'Checked'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, upstreams.map((u) => h('tr', {},
        h('th', { scope: 'row', 'data-label': 'Name' }, u.name),
        h('td', { 'data-label': 'Transport' }, u.transport || '—'),
        h('td', { 'data-label': 'Health' }, badge(u.health || 'unknown')),
        h('td', { 'data-label': 'Detail' }, u.detail || h('span', { class: 'muted' }, '—')),
        h('td', { 'data-label': 'Checked' }, u.checkedAt ? timeEl(u.checkedAt, { withLocal: false }) : '—'))))));
  return h('section', { 'aria-labelledby': 'upstreams-title' }, h('h2', { id: 'upstreams-title' }, 'Upstreams'), content);
}

function policySection(policy) {
  const rules = policy.rules || [];
  return h('section', { 'aria-labelledby': 'policy-title' },
    h('h2', { id: 'policy-title' }, 'Policy'),
    h('p', { class: 'muted' }, 'Rules in the order they are tried; the first that matches decides.',
      policy.version ? [' Version ', h('code', {}, policy.version), '.'] : null),
    rules.length === 0
      ? h('p', { class: 'empty' }, 'No rules: every call is denied.')
      : h('ol', { class: 'rules' }, rules.map(ruleItem)));
}

function ruleItem(rule) {
  const match = [];
  const part = (label, value) => match.push(h('span', { class: 'match-part' }, h('span', { class: 'muted' }, `${label} `), value));
  const list = (xs) => xs.map((x, i) => [i ? ', ' : '', h('code', {}, x)]);
  part('upstream', rule.upstream ? h('code', {}, rule.upstream) : 'any');
  if (rule.tools?.length) part('tools', list(rule.tools));
  if (rule.resources?.length) part('resources', list(rule.resources));
  if (rule.prompts?.length) part('prompts', list(rule.prompts));
  part('groups', rule.groups?.length ? list(rule.groups) : 'any');
  if (rule.when) part('when', h('code', { class: 'cel' }, rule.when));
  return h('li', { class: `rule action-${rule.action}` },
    h('div', { class: 'rule-head' },
      h('h3', { class: 'rule-name' }, rule.name || 'unnamed rule'),
      badge(rule.action || 'unknown', { allow: 'good', deny: 'bad', approve: 'warn' }[rule.action])),
    h('p', { class: 'rule-match' }, match),
    rule.reason ? h('p', { class: 'rule-reason' }, rule.reason) : null,
    rule.approval ? h('p', { class: 'rule-approval' }, h('span', { class: 'muted' }, 'approval '), approvalText(rule.approval)) : null,
    rule.mask ? h('p', { class: 'rule-mask muted' }, `masking profile ${rule.mask}`) : null);
}

/** "1 of [dba], 30 min, reminders every 10 min, escalate after 15 min to eng-leads" */
export function approvalText(a) {
  const parts = [`${a.required ?? 1} of [${(a.approvers || []).join(', ')}]`];
  if (a.timeout) parts.push(duration(a.timeout));
  if (a.remindEvery) parts.push(`reminders every ${duration(a.remindEvery)}`);
  for (const step of a.escalate || []) {
    parts.push(`escalate after ${duration(step.after)} to ${(step.to || []).join(', ')}`);
  }
  return parts.join(', ');
}
