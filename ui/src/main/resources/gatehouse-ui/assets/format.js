// Formatting shared by the views. Times are shown in the reader's local time zone;
// the ISO instant stays in <time datetime> for copying and for assistive technology.
import { h } from './dom.js';

export function prettyJson(value) {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value, null, 2);
  } catch {
    return String(value);
  }
}

export function localTime(iso) {
  const d = toDate(iso);
  return d ? d.toLocaleString() : '—';
}

export function toDate(iso) {
  if (!iso) return null;
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "3 min ago", "in 12 min", "just now". */
export function relativeTime(iso, now = Date.now()) {
  const d = toDate(iso);
  if (!d) return '';
  const seconds = Math.round((d.getTime() - now) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 10) return 'just now';
  const span = spanText(abs);
  return seconds < 0 ? `${span} ago` : `in ${span}`;
}

function spanText(abs) {
  if (abs < 60) return `${abs} s`;
  if (abs < 3600) return `${Math.floor(abs / 60)} min`;
  if (abs < 86400) return `${Math.floor(abs / 3600)} h`;
  const days = Math.floor(abs / 86400);
  return days === 1 ? '1 day' : `${days} days`;
}

/** Time left until an instant, fine-grained when it gets close: "1 h 5 min", "4 min 12 s", "expired". */
export function timeLeft(iso, now = Date.now()) {
  const d = toDate(iso);
  if (!d) return { text: 'no deadline', expired: false, soon: false };
  const left = Math.floor((d.getTime() - now) / 1000);
  if (left <= 0) return { text: 'expired', expired: true, soon: false };
  return { text: `${secondsText(left, left < 600)} left`, expired: false, soon: left < 300 };
}

/** 5400 → "1 h 30 min"; with seconds when asked for. */
export function secondsText(total, withSeconds = false) {
  const days = Math.floor(total / 86400);
  const hours = Math.floor((total % 86400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = Math.floor(total % 60);
  const parts = [];
  if (days) parts.push(days === 1 ? '1 day' : `${days} days`);
  if (hours) parts.push(`${hours} h`);
  if (minutes) parts.push(`${minutes} min`);
  if ((withSeconds || parts.length === 0) && seconds) parts.push(`${seconds} s`);
  return parts.slice(0, 2).join(' ') || '0 s';
}

/** ISO-8601 duration ("PT30M", "P1DT2H", "PT1.5S") → seconds, or null when unreadable. */
export function durationSeconds(iso) {
  const m = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i
    .exec(String(iso || ''));
  if (!m || iso === 'P' || /T$/i.test(iso)) return null;
  const [, d, hr, min, s] = m.map(Number);
  return (d || 0) * 86400 + (hr || 0) * 3600 + (min || 0) * 60 + (s || 0);
}

/** "PT30M" → "30 min"; anything unreadable is shown as given. */
export function duration(iso) {
  const s = durationSeconds(iso);
  return s === null ? String(iso) : secondsText(s, true);
}

export function bytes(n) {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '';
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** "+0.123 s" from the first event; minutes once it gets long. */
export function offset(ms) {
  const s = ms / 1000;
  if (s < 60) return `+${s.toFixed(3)} s`;
  const minutes = Math.floor(s / 60);
  return `+${minutes} min ${(s - minutes * 60).toFixed(1)} s`;
}

/** Somebody as a person reads them: e-mail, else subject. */
export function person(who) {
  if (!who) return 'unknown';
  if (typeof who === 'string') return who;
  return who.email || who.subject || 'unknown';
}

/**
 * <time> showing local time and, ticking, how long ago. The app's one-second ticker
 * refreshes every [data-relative] element, so views need no timers of their own.
 */
export function timeEl(iso, { relative = true, withLocal = true } = {}) {
  const d = toDate(iso);
  if (!d) return h('span', { class: 'muted' }, '—');
  const el = h('time', { datetime: iso, title: d.toLocaleString() });
  if (withLocal) el.append(d.toLocaleString());
  if (relative) {
    const rel = h('span', { class: 'relative', 'data-relative': iso }, relativeTime(iso));
    el.append(withLocal ? ' (' : '', rel, withLocal ? ')' : '');
  }
  return el;
}

export function plural(n, one, many = `${one}s`) {
  return `${n} ${n === 1 ? one : many}`;
}
