// Session replay: the summary, the hash-chain check, and a timeline that steps or plays
// through the recorded events at their recorded pacing.
import { api } from './api.js';
import { h, clear, badge } from './dom.js';
import { localTime, timeEl, person, plural } from './format.js';
import { eventItem, markBroken } from './replay-event.js';
import { lastListUrl } from './sessions.js';

const MAX_GAP_MS = 1500; // long waits (an approval, an idle client) would make replay useless
const MIN_GAP_MS = 80; // so every step is seen, even events recorded in the same millisecond
const SPEEDS = [1, 4, 16];

export function mount(ctx) {
  const [id] = ctx.params;
  ctx.title('Session replay');
  const summary = h('div', { class: 'session-summary' }, h('p', { class: 'loading' }, 'Loading the session…'));
  const verify = h('p', { id: 'verify-status', class: 'verify', 'data-state': 'checking', role: 'status' }, 'Checking the hash chain…');
  const verifyExtra = h('span', { class: 'verify-extra' });
  const exportLink = h('a', { id: 'export', class: 'button', href: api.exportUrl(id), download: `session-${id}.jsonl` }, 'Export JSON Lines');
  const player = makePlayer(ctx);

  ctx.main.append(
    h('p', { class: 'back' }, h('a', { href: lastListUrl }, '← Sessions')),
    h('div', { class: 'page-head' },
      h('h1', { tabindex: '-1' }, 'Session replay'),
      h('code', { class: 'session-id' }, id)),
    summary,
    h('div', { class: 'chain' }, verify, verifyExtra, exportLink),
    player.el,
  );

  let brokenSeq = null;
  let brokenProblem = null;

  api.session(id).then((s) => {
    if (!ctx.alive()) return;
    clear(summary).append(summaryList(s));
    ctx.title(`Session of ${person({ email: s.callerEmail, subject: s.callerSubject })}`);
  }).catch((e) => {
    if (!ctx.alive()) return;
    clear(summary).append(h('div', { class: 'empty error-state' },
      h('p', {}, e.status === 404 ? 'There is no such session, or it is not shown to you.' : 'The session summary could not be loaded.')));
    if (e.status !== 404) ctx.notice(e.message);
  });

  api.verify(id).then((v) => {
    if (!ctx.alive()) return;
    if (v.intact) {
      verify.dataset.state = 'intact';
      verify.textContent = `Hash chain intact — ${plural(v.eventsChecked ?? 0, 'event')} verified`;
    } else {
      verify.dataset.state = 'broken';
      verify.textContent = `Hash chain BROKEN at event ${v.seq}: ${v.problem}${v.detail ? ` — ${v.detail}` : ''}`;
      brokenSeq = v.seq;
      brokenProblem = v.problem;
      player.markBroken(brokenSeq, brokenProblem);
      verifyExtra.append(h('button', { type: 'button', class: 'link-button', onclick: () => player.goToSeq(brokenSeq) },
        `Go to event ${v.seq}`));
    }
  }).catch((e) => {
    if (!ctx.alive()) return;
    verify.dataset.state = 'unknown';
    verify.textContent = `The hash chain could not be checked: ${e.message}`;
  });

  (async () => {
    let after = 0;
    try {
      do {
        const page = await api.events(id, after);
        if (!ctx.alive()) return;
        after = page.nextAfter ?? null;
        player.add(page.events || [], after !== null);
        if (brokenSeq !== null) player.markBroken(brokenSeq, brokenProblem);
      } while (after !== null);
    } catch (e) {
      if (!ctx.alive()) return;
      ctx.notice(e.message);
      player.failed(e);
    }
  })();

  return { destroy: player.destroy };
}

function summaryList(s) {
  const fact = (term, ...value) => [h('dt', {}, term), h('dd', {}, ...value)];
  const client = [s.clientName, s.clientVersion].filter(Boolean).join(' ');
  return h('dl', { class: 'facts summary-facts' },
    fact('Caller', person({ email: s.callerEmail, subject: s.callerSubject }),
      s.callerEmail && s.callerSubject ? h('span', { class: 'muted' }, ` (${s.callerSubject})`) : null),
    fact('Groups', (s.callerGroups || []).length
      ? h('span', { class: 'chips' }, s.callerGroups.map((g) => h('span', { class: 'chip' }, g)))
      : h('span', { class: 'muted' }, 'none')),
    fact('Upstream', s.upstream || '—'),
    fact('Client', client || 'unknown'),
    fact('Protocol', s.protocolVersion || '—'),
    fact('Started', timeEl(s.startedAt)),
    s.endedAt
      ? fact('Ended', timeEl(s.endedAt), s.endReason ? ` — ${s.endReason}` : '')
      : fact('Ended', badge('open', 'neutral'), s.lastEventAt ? [' last event ', timeEl(s.lastEventAt, { withLocal: false })] : null),
    fact('Events', String(s.eventCount ?? '—')),
    s.callerIssuer ? fact('Issuer', h('code', {}, s.callerIssuer)) : null,
  );
}

function makePlayer(ctx) {
  // Short labels on phones; the accessible name stays the same.
  const label = (long, short) => [h('span', { class: 'wide-only' }, long), h('span', { class: 'narrow-only' }, short)];
  const stepBack = h('button', { id: 'step-back', type: 'button', class: 'button', 'aria-label': 'Step back', 'aria-keyshortcuts': 'ArrowLeft K' },
    label('Step back', 'Back'));
  const play = h('button', { id: 'play', type: 'button', class: 'button primary', 'aria-keyshortcuts': 'Space' }, 'Play');
  const stepForward = h('button', { id: 'step-forward', type: 'button', class: 'button', 'aria-label': 'Step forward', 'aria-keyshortcuts': 'ArrowRight J' },
    label('Step forward', 'Next'));
  const speed = h('select', { id: 'speed' }, SPEEDS.map((s) => h('option', { value: String(s) }, `${s}×`)));
  const position = h('p', { id: 'position', 'aria-live': 'polite', 'aria-atomic': 'true' }, 'Loading events…');
  const timeline = h('ol', { id: 'timeline', class: 'timeline', tabindex: '0', 'aria-label': 'Recorded events', 'aria-describedby': 'timeline-keys' },
    h('li', { class: 'loading' }, 'Loading events…'));
  const el = h('section', { class: 'player', 'aria-labelledby': 'timeline-title' },
    h('div', { class: 'controls' },
      h('h2', { id: 'timeline-title', class: 'sr-only' }, 'Timeline'),
      h('div', { class: 'control-buttons', role: 'group', 'aria-label': 'Replay controls' }, stepBack, play, stepForward),
      h('div', { class: 'field inline' }, h('label', { for: 'speed' }, 'Speed'), speed),
      position),
    h('p', { id: 'timeline-keys', class: 'hint' },
      'Keys on the timeline: ← → or k j step, Space plays or pauses, Home and End jump. Click an event to make it current.'),
    timeline);

  const events = [];
  const items = [];
  const times = [];
  let current = -1;
  let more = true;
  let timer = null;
  let autoOpened = null;
  let t0 = NaN;

  function add(batch, hasMore) {
    more = hasMore;
    if (events.length === 0) clear(timeline);
    for (const e of batch) {
      if (!Number.isFinite(t0)) t0 = Date.parse(e.at);
      const li = eventItem(e, t0);
      li.classList.add('future');
      events.push(e);
      items.push(li);
      times.push(Date.parse(e.at));
      timeline.append(li);
    }
    if (events.length === 0 && !more) {
      timeline.append(h('li', { class: 'empty' }, 'This session has no recorded events.'));
      position.textContent = 'No events';
    }
    if (current < 0 && events.length) setCurrent(0, { scroll: false });
    else showPosition();
    setEnabled();
  }

  function failed(e) {
    more = false;
    if (events.length === 0) clear(timeline).append(h('li', { class: 'empty error-state' }, `The events could not be loaded: ${e.message}`));
    else timeline.append(h('li', { class: 'empty error-state' }, `Later events could not be loaded: ${e.message}`));
    showPosition();
  }

  function showPosition() {
    if (!events.length) return;
    position.textContent = `Event ${current + 1} of ${events.length}${more ? '+' : ''}`;
  }

  function setEnabled() {
    stepBack.disabled = current <= 0;
    stepForward.disabled = current >= events.length - 1;
    play.disabled = events.length < 2;
  }

  function setCurrent(index, { scroll = true, open = true } = {}) {
    if (index < 0 || index >= items.length) return;
    const previous = current;
    current = index;
    if (previous >= 0) {
      const old = items[previous];
      old.removeAttribute('aria-current');
      old.classList.remove('current');
      const details = old.querySelector('details.payload');
      if (details && details === autoOpened) details.open = false;
    }
    // Only the entries between the old and the new step change state.
    const [lo, hi] = previous < 0 ? [0, items.length - 1] : [Math.min(previous, index), Math.max(previous, index)];
    for (let i = lo; i <= hi; i++) {
      items[i].classList.toggle('future', i > index);
      items[i].classList.toggle('played', i < index);
    }
    const li = items[index];
    li.classList.add('current');
    li.setAttribute('aria-current', 'step');
    const details = li.querySelector('details.payload');
    autoOpened = null;
    if (details && open && !details.open) {
      details.open = true;
      autoOpened = details;
    }
    if (scroll) li.scrollIntoView({ block: 'nearest', behavior: reducedMotion() ? 'auto' : 'smooth' });
    showPosition();
    setEnabled();
  }

  function step(delta) {
    pause();
    setCurrent(Math.max(0, Math.min(items.length - 1, current + delta)));
  }

  function start() {
    if (events.length < 2) return;
    if (current >= events.length - 1) setCurrent(0);
    play.textContent = 'Pause';
    play.classList.add('playing');
    position.setAttribute('aria-live', 'off'); // announcing every step while playing would drown everything else
    scheduleNext();
  }

  function scheduleNext() {
    clearTimeout(timer);
    timer = null;
    if (current >= events.length - 1) {
      if (more) timer = setTimeout(scheduleNext, 250); // the next page is on its way
      else pause();
      return;
    }
    const gap = times[current + 1] - times[current];
    const real = Number.isFinite(gap) ? Math.max(0, gap) : 0;
    const delay = Math.max(MIN_GAP_MS, Math.min(real, MAX_GAP_MS) / Number(speed.value));
    timer = setTimeout(() => {
      setCurrent(current + 1);
      scheduleNext();
    }, delay);
  }

  function pause() {
    const wasPlaying = timer !== null || play.textContent === 'Pause';
    clearTimeout(timer);
    timer = null;
    play.textContent = 'Play';
    play.classList.remove('playing');
    position.setAttribute('aria-live', 'polite');
    if (wasPlaying) showPosition();
  }

  const playing = () => play.textContent === 'Pause';
  const toggle = () => (playing() ? pause() : start());

  play.addEventListener('click', toggle);
  stepBack.addEventListener('click', () => step(-1));
  stepForward.addEventListener('click', () => step(1));
  speed.addEventListener('change', () => playing() && scheduleNext());

  timeline.addEventListener('click', (event) => {
    const li = event.target.closest('li.event');
    if (!li || event.target.closest('a')) return;
    const index = items.indexOf(li);
    if (index < 0) return;
    pause();
    // A click on a payload's summary toggles it natively: do not open it here as well.
    if (index !== current) setCurrent(index, { scroll: false, open: !event.target.closest('summary') });
  });

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !items.length) return;
    const t = event.target;
    const inPlayer = el.contains(t) || t === document.body;
    if (!inPlayer || t.matches('input, textarea, select, [contenteditable]')) return;
    const onTimeline = t === timeline || (timeline.contains(t) && !t.closest('summary, a, button'));
    switch (event.key) {
      case 'ArrowLeft': case 'k': step(-1); break;
      case 'ArrowRight': case 'j': step(1); break;
      case 'Home': if (!onTimeline) return; pause(); setCurrent(0); break;
      case 'End': if (!onTimeline) return; pause(); setCurrent(items.length - 1); break;
      case ' ': if (!onTimeline) return; toggle(); break;
      default: return;
    }
    event.preventDefault();
  }
  document.addEventListener('keydown', onKey);

  return {
    el,
    add,
    failed,
    markBroken(seq, problem) {
      const li = items.find((item) => Number(item.dataset.seq) === Number(seq));
      if (li && !li.classList.contains('broken')) markBroken(li, problem);
    },
    goToSeq(seq) {
      const index = items.findIndex((item) => Number(item.dataset.seq) === Number(seq));
      if (index >= 0) {
        pause();
        setCurrent(index);
        timeline.focus({ preventScroll: true });
      }
    },
    destroy() {
      clearTimeout(timer);
      document.removeEventListener('keydown', onKey);
    },
  };
}

function reducedMotion() {
  return window.matchMedia('(prefers-reduced-motion: reduce)').matches;
}
