// ui.js: DOM helpers that never take HTML. Every string becomes a text
// node or an attribute value set one by one; nothing here uses innerHTML,
// insertAdjacentHTML or document.write, so a log message holding
// "<script>" is shown as those characters and runs nothing.

const ATTRS = new Set(['class', 'id', 'type', 'value', 'placeholder', 'title', 'href', 'name',
  'for', 'role', 'autocomplete', 'spellcheck', 'min', 'max', 'step', 'rows', 'tabindex',
  'required', 'disabled', 'checked', 'selected', 'readonly', 'open']);
const EVENTS = new Set(['onclick', 'oninput', 'onsubmit', 'onkeydown', 'onchange']);
const BOOLEAN = new Set(['required', 'disabled', 'checked', 'selected', 'readonly', 'open']);

// Only a fragment ("#/groups") or a relative path without a scheme.
function safeHref(v) {
  const s = String(v);
  const relative = !/^[\s\x00-\x1f]*[a-z][a-z0-9+.-]*:/i.test(s) && !/^[\s\\/]*[\\/][\\/]/.test(s);
  return s.startsWith('#') || relative ? s : '#';
}

function append(node, child) {
  if (child === null || child === undefined || child === false) {
    return;
  }
  if (Array.isArray(child)) {
    child.forEach((c) => append(node, c));
  } else if (child instanceof Node) {
    node.appendChild(child);
  } else {
    node.appendChild(document.createTextNode(String(child)));
  }
}

// el('a', {href: '#/groups', class: 'x'}, 'text', [more], null)
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) {
      continue;
    }
    if (EVENTS.has(k)) {
      if (typeof v === 'function') {
        node.addEventListener(k.slice(2), v);
      }
    } else if (k === 'value') {
      node.value = String(v);
    } else if (k === 'checked') {
      node.checked = !!v;
    } else if (k === 'href') {
      node.setAttribute('href', safeHref(v));
    } else if (BOOLEAN.has(k)) {
      node.setAttribute(k, '');
    } else if (ATTRS.has(k) || k.startsWith('data-') || k.startsWith('aria-')) {
      node.setAttribute(k, String(v));
    } else {
      throw new Error(`el: attribute ${k} is not allowed`);
    }
  }
  append(node, children);
  return node;
}

// A table: columns [{key, label, render?(row) → node|string, class?}],
// rows, opts {empty: text when no rows, rowClass?(row)}.
export function table(columns, rows, opts = {}) {
  const head = el('tr', null, columns.map((c) => el('th', { class: c.class }, c.label)));
  const body = el('tbody');
  if (!rows.length) {
    const td = el('td', { class: 'empty' }, opts.empty || 'Nothing to show.');
    td.colSpan = columns.length;
    body.appendChild(el('tr', null, td));
  }
  for (const r of rows) {
    body.appendChild(el('tr', { class: opts.rowClass ? opts.rowClass(r) : null },
      columns.map((c) => {
        const v = c.render ? c.render(r) : r[c.key];
        return el('td', { class: c.class }, v === undefined || v === null ? '' : v);
      })));
  }
  return el('div', { class: 'table-wrap' }, el('table', { class: 'grid' }, el('thead', null, head), body));
}

export function spinner(text = 'Loading…') {
  return el('div', { class: 'spinner', role: 'status' }, el('span', { class: 'spin', 'aria-hidden': 'true' }), text);
}

// "Code: message", as AWS's clients print an error.
export function errorText(err) {
  if (err && err.code) {
    return err.message ? `${err.code}: ${err.message}` : err.code;
  }
  return String(err && err.message ? err.message : err);
}

export function errorBox(err) {
  return el('div', { class: 'error', role: 'alert' }, errorText(err));
}

// obj as indented JSON text in a <pre>.
export function json(obj) {
  return el('pre', { class: 'json' }, JSON.stringify(obj, null, 2));
}

function pad(n, w = 2) {
  return String(n).padStart(w, '0');
}

// Milliseconds since the epoch as local "YYYY-MM-DD HH:MM:SS.mmm".
export function formatTime(ms) {
  if (ms === undefined || ms === null || ms === '') {
    return '';
  }
  const d = new Date(Number(ms));
  if (isNaN(d.getTime())) {
    return '';
  }
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

export function formatBytes(n) {
  if (n === undefined || n === null) {
    return '';
  }
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = Number(n);
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i ? `${v.toFixed(1)} ${units[i]}` : `${v} B`;
}

export function toast(text) {
  let box = document.getElementById('toasts');
  if (!box) {
    box = el('div', { id: 'toasts', 'aria-live': 'polite' });
    document.body.appendChild(box);
  }
  const t = el('div', { class: 'toast' }, text);
  box.appendChild(t);
  setTimeout(() => t.remove(), 5000);
}

// A modal dialog: body (a node or text), actions [{label, value, primary?,
// danger?}]. Resolves to the chosen action's value, or null on Escape or
// Cancel. Focus moves into the dialog and back when it closes.
export function modal(title, body, actions = [{ label: 'OK', value: true, primary: true }]) {
  return new Promise((resolve) => {
    const before = document.activeElement;
    const close = (v) => {
      back.remove();
      if (before && before.focus) {
        before.focus();
      }
      resolve(v);
    };
    const buttons = actions.map((a) => el('button', {
      type: 'button',
      class: a.primary ? 'primary' : a.danger ? 'danger' : null,
      onclick: () => close(a.value),
    }, a.label));
    const box = el('div', { class: 'modal', role: 'dialog', 'aria-modal': 'true', 'aria-label': title },
      el('h2', null, title), el('div', { class: 'modal-body' }, body), el('div', { class: 'actions' }, buttons));
    const back = el('div', {
      class: 'modal-back',
      onkeydown: (e) => {
        if (e.key === 'Escape') {
          close(null);
        }
      },
    }, box);
    document.body.appendChild(back);
    (buttons.find((b) => b.classList.contains('primary')) || buttons[0] || box).focus();
  });
}

// ---- time ranges ---------------------------------------------------------

const UNIT_MS = { s: 1000, m: 60000, h: 3600000, d: 86400000, w: 604800000 };

// "5m", "1h", "1d", "2w", "30s" → milliseconds; null if not one.
export function parseDuration(s) {
  const m = /^\s*(\d+)\s*([smhdw])\s*$/.exec(String(s));
  return m ? Number(m[1]) * UNIT_MS[m[2]] : null;
}

// A range as the pickers give it: {rel: "1h"} or {start, end} (ms), → the
// times {start, end} in ms at now.
export function rangeTimes(range, now = Date.now()) {
  if (range && range.rel) {
    const d = parseDuration(range.rel);
    return { start: now - (d || 3600000), end: now };
  }
  return { start: range.start, end: range.end };
}

function toLocalInput(ms) {
  const d = new Date(ms);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

// "YYYY-MM-DDTHH:MM" of a datetime-local input → ms (local time), or null.
export function parseLocalInput(v) {
  const t = new Date(v).getTime();
  return isNaN(t) ? null : t;
}

// A time range picker: last 5m / 1h / 1d / custom (start and end). value
// {rel} or {start, end}; onchange(range) when the user changes it. The
// element's .range property is the current range.
export function timeRangePicker(value, onchange) {
  let range = value || { rel: '1h' };
  const start = el('input', { type: 'datetime-local', 'aria-label': 'Start time' });
  const end = el('input', { type: 'datetime-local', 'aria-label': 'End time' });
  const custom = el('span', { class: 'custom-range' }, start, ' – ', end);
  const opts = [['5m', 'Last 5 minutes'], ['1h', 'Last hour'], ['1d', 'Last day'], ['1w', 'Last week'], ['custom', 'Custom']];
  const sel = el('select', { 'aria-label': 'Time range', class: 'range' },
    opts.map(([v, label]) => el('option', { value: v }, label)));
  const sync = () => {
    sel.value = range.rel || 'custom';
    custom.hidden = !!range.rel;
    if (!range.rel) {
      start.value = toLocalInput(range.start);
      end.value = toLocalInput(range.end);
    }
  };
  const fire = () => {
    box.range = range;
    onchange && onchange(range);
  };
  sel.addEventListener('change', () => {
    if (sel.value === 'custom') {
      const t = rangeTimes(range);
      range = { start: t.start, end: t.end };
    } else {
      range = { rel: sel.value };
    }
    sync();
    fire();
  });
  const onTime = () => {
    const s = parseLocalInput(start.value);
    const e = parseLocalInput(end.value);
    if (s !== null && e !== null && s <= e) {
      range = { start: s, end: e + 59999 };
      fire();
    }
  };
  start.addEventListener('change', onTime);
  end.addEventListener('change', onTime);
  const box = el('span', { class: 'time-range' }, sel, custom);
  box.range = range;
  sync();
  return box;
}
