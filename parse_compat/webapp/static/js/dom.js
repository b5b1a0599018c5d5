// Building the page from data without ever parsing it as HTML: every value becomes text.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') el.addEventListener(key.slice(2), value);
    else if (key === 'value' && 'value' in el) el.value = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.firstChild.remove();
  return el;
}

// A field: <label for=id>text</label> + control, with an optional hint.
let counter = 0;
export function field(label, control, hint) {
  counter += 1;
  const id = control.id || `f${counter}`;
  control.id = id;
  const parts = [h('label', { for: id }, label), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    parts.push(h('span', { class: 'hint', id: hintId }, hint));
  }
  return h('div', { class: 'field' }, parts);
}

// The place a form shows its error, read out when it changes.
export function alertBox() {
  return h('p', { class: 'error', role: 'alert' });
}

export function announce(text) {
  const live = document.getElementById('announce');
  live.textContent = '';
  setTimeout(() => { live.textContent = text; }, 50);
}

const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric' });
const DATE_TIME = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric',
  hour: '2-digit', minute: '2-digit' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });

export const formatDate = (d) => (d ? DATE.format(d) : '');
export const formatDateTime = (d) => (d ? DATE_TIME.format(d) : '');
export const formatTime = (d) => (d ? TIME.format(d) : '');
