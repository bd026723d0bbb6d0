// DOM building without innerHTML: API data (argument previews, payloads, reasons) is
// attacker-controlled, so every string reaches the page as a text node or an attribute value.

/**
 * h('a', {href: '/ui/', class: 'x', onclick: fn}, 'text', child, [more])
 * Attributes: null/undefined/false are skipped, true becomes an empty attribute,
 * functions under on* become listeners. Children: strings, numbers, nodes, arrays, null.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') {
      el.addEventListener(name.slice(2), value);
    } else if (name === 'value' && 'value' in el) {
      el.value = value;
    } else {
      el.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  el.replaceChildren();
  return el;
}

/** A coloured status word; the colour is never the only cue because the word is the text. */
export function badge(text, tone) {
  return h('span', { class: `badge badge-${tone || toneOf(text)}` }, text);
}

const TONES = {
  approved: 'good', allowed: 'good', allow: 'good', up: 'good', intact: 'good', started: 'neutral',
  denied: 'bad', deny: 'bad', refused: 'bad', down: 'bad', broken: 'bad', error: 'bad',
  pending: 'warn', 'approval-required': 'warn', approve: 'warn',
  expired: 'muted', cancelled: 'muted', abandoned: 'muted', unknown: 'muted',
};

export function toneOf(word) {
  return TONES[String(word).toLowerCase()] || 'neutral';
}

/** Text only screen readers hear, e.g. what a dimmed row or an icon means. */
export function srOnly(text) {
  return h('span', { class: 'sr-only' }, text);
}

export function loading(text = 'Loading…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}
