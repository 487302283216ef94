// pages/events.js: a group's events, newest first — FilterLogEvents over a
// time range (last 5 minutes, hour, day, week or custom), with the filter
// pattern box passed as CloudWatch's filterPattern, optionally one stream
// (?stream=), JSON messages pretty-printed, and follow mode, which polls
// for what came since the newest event shown.
//
// Every message is shown as text (ui.js builds nodes, never HTML).

import { call } from '../api.js';
import { el, errorBox, formatTime, json, rangeTimes, spinner, timeRangePicker } from '../ui.js';
import { link, page } from '../router.js';

const MAX_PAGES = 50;            // pages of 1,000 scanned per search
const SHOWN = 2000;             // the newest kept and shown
const FOLLOW_MS = 2000;

// The message as a node: indented JSON when it parses as an object or
// array (and pretty is on), else the text as it is.
function messageNode(message, pretty) {
  const m = String(message);
  const t = m.trim();
  if (pretty && (t.startsWith('{') || t.startsWith('['))) {
    try {
      return json(JSON.parse(t));
    } catch (e) {
      // not JSON after all
    }
  }
  return el('pre', { class: 'text' }, m);
}

function row(e, pretty) {
  return el('tr', { 'data-event-id': e.eventId },
    el('td', { class: 'time' }, formatTime(e.timestamp)),
    el('td', { class: 'stream', title: e.logStreamName }, e.logStreamName),
    el('td', { class: 'message' }, messageNode(e.message, pretty)));
}

function newestFirst(a, b) {
  return b.timestamp - a.timestamp || (b.eventId < a.eventId ? -1 : b.eventId > a.eventId ? 1 : 0);
}

// The newest SHOWN events of input's range. FilterLogEvents answers oldest
// first, so the pages are read to the end (MAX_PAGES at most) keeping the
// last SHOWN: {events, total (read), truncated (pages left unread)}.
async function fetchEvents(input, isStale) {
  let events = [];
  let total = 0;
  let token;
  for (let i = 0; i < MAX_PAGES && !isStale(); i++) {
    const out = await call('logs', 'FilterLogEvents', token ? Object.assign({}, input, { nextToken: token }) : input);
    const got = out.events || [];
    total += got.length;
    events = events.concat(got);
    if (events.length > SHOWN) {
      events = events.slice(events.length - SHOWN);
    }
    token = out.nextToken;
    if (!token) {
      break;
    }
  }
  return { events, total, truncated: !!token };
}

async function render(root, params, query) {
  const name = params.name;
  let stream = query.stream || '';
  let range = query.start && query.end ? { start: Number(query.start), end: Number(query.end) } : { rel: query.range || '1h' };
  let gen = 0;             // bumps on each search: stale answers are dropped
  let timer = null;
  let following = false;
  let newest = 0;          // the newest timestamp shown
  const seen = new Set();

  const pattern = el('input', {
    id: 'filter-pattern',
    class: 'grow mono',
    placeholder: 'Filter pattern: ERROR, "exact phrase", [ip, user, ...], { $.level = "error" }',
    'aria-label': 'Filter pattern',
    spellcheck: 'false',
    value: query.filter || '',
  });
  const picker = timeRangePicker(range, (r) => {
    range = r;
    search();
  });
  const pretty = el('input', { type: 'checkbox', id: 'pretty', checked: true });
  const followBtn = el('button', { type: 'button', id: 'follow', 'aria-pressed': 'false' }, 'Follow');
  const status = el('div', { class: 'status muted', id: 'events-status', role: 'status' });
  const tbody = el('tbody', { id: 'event-rows' });
  const grid = el('div', { class: 'table-wrap' }, el('table', { class: 'grid events' },
    el('thead', null, el('tr', null, el('th', null, 'Time'), el('th', null, 'Stream'), el('th', null, 'Message'))), tbody));
  const streamChip = el('span', { class: 'stream-chip' });

  const showStream = () => {
    streamChip.replaceChildren();
    if (stream) {
      streamChip.append(el('span', { class: 'badge' }, `stream: ${stream}`), ' ',
        el('button', {
          type: 'button',
          class: 'ghost',
          title: 'All streams',
          onclick: () => {
            stream = '';
            showStream();
            search();
          },
        }, '×'));
    }
  };

  const baseInput = () => {
    const input = { logGroupName: name, limit: 1000 };
    if (pattern.value.trim()) {
      input.filterPattern = pattern.value.trim();
    }
    if (stream) {
      input.logStreamNames = [stream];
    }
    return input;
  };

  const showCount = (extra) => {
    const n = tbody.querySelectorAll('tr[data-event-id]').length;
    status.replaceChildren(`${n} event${n === 1 ? '' : 's'}`, extra ? ` · ${extra}` : '',
      following ? el('span', { class: 'follow-on' }, ' · following') : '');
  };

  const search = async () => {
    const my = ++gen;
    seen.clear();
    newest = 0;
    tbody.replaceChildren();
    status.replaceChildren(spinner('Searching…'));
    const t = rangeTimes(range);
    const input = Object.assign(baseInput(), { startTime: t.start, endTime: t.end });
    let res;
    try {
      res = await fetchEvents(input, () => my !== gen);
    } catch (e) {
      if (my === gen) {
        status.replaceChildren(errorBox(e));
      }
      return;
    }
    if (my !== gen) {
      return;
    }
    const events = res.events.sort(newestFirst);
    const rows = [];
    for (const e of events) {
      seen.add(e.eventId);
      newest = Math.max(newest, e.timestamp);
      rows.push(row(e, pretty.checked));
    }
    tbody.replaceChildren(...rows);
    if (!rows.length) {
      const td = el('td', { class: 'empty' }, 'No events in this range.');
      td.colSpan = 3;
      tbody.appendChild(el('tr', { class: 'none' }, td));
    }
    const span = `${formatTime(t.start)} – ${formatTime(t.end)}`;
    if (res.truncated) {
      showCount(`the range holds more than ${res.total} events: these are the newest of the first ${res.total}; narrow the range`);
    } else if (res.total > rows.length) {
      showCount(`the newest ${rows.length} of ${res.total} · ${span}`);
    } else {
      showCount(span);
    }
  };

  // One poll: the events since the newest shown (its millisecond again,
  // less those seen), put on top.
  const poll = async () => {
    const my = gen;
    const since = newest || rangeTimes(range).start;
    try {
      const res = await fetchEvents(Object.assign(baseInput(), { startTime: since, endTime: Date.now() + 60000 }), () => my !== gen || !following);
      if (my !== gen || !following) {
        return;
      }
      const fresh = res.events.filter((e) => !seen.has(e.eventId)).sort(newestFirst);
      if (fresh.length) {
        const none = tbody.querySelector('tr.none');
        if (none) {
          none.remove();
        }
        fresh.forEach((e) => {
          seen.add(e.eventId);
          newest = Math.max(newest, e.timestamp);
        });
        tbody.prepend(...fresh.map((e) => row(e, pretty.checked)));
        while (tbody.children.length > SHOWN) {
          tbody.lastChild.remove();
        }
      }
      showCount();
    } catch (e) {
      status.replaceChildren(errorBox(e));
    }
    if (following && my === gen) {
      timer = setTimeout(poll, FOLLOW_MS);
    }
  };

  const setFollow = (on) => {
    following = on;
    followBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
    followBtn.textContent = on ? 'Stop following' : 'Follow';
    clearTimeout(timer);
    timer = null;
    if (on) {
      timer = setTimeout(poll, 0);
    }
    showCount();
  };
  followBtn.addEventListener('click', () => setFollow(!following));
  pretty.addEventListener('change', search);
  pattern.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      search();
    }
  });

  root.appendChild(el('p', { class: 'muted' }, el('a', { href: '#/groups' }, 'Log groups'), ' / ',
    el('a', { href: link('#/groups/:name', { name }) }, name), ' /'));
  root.appendChild(el('h1', null, 'Events'));
  root.appendChild(el('div', { class: 'toolbar' }, pattern,
    el('button', { type: 'button', class: 'primary', id: 'search', onclick: search }, 'Search')));
  root.appendChild(el('div', { class: 'toolbar' }, picker, streamChip,
    el('span', { class: 'inline' }, pretty, el('label', { for: 'pretty' }, ' Pretty JSON')), followBtn));
  root.appendChild(status);
  root.appendChild(grid);
  showStream();
  await search();
  return () => {
    following = false;
    gen++;
    clearTimeout(timer);
  };
}

page('#/groups/:name/events', (p) => `Events · ${p.name}`, render);
