// insights.js: Logs Insights (#/insights, ?group=NAME preselects a group).
// A query editor (Ctrl+Enter or Cmd+Enter runs), a group picker
// (DescribeLogGroups), a time range; StartQuery, then GetQueryResults
// polled (status and statistics shown while it runs) until the query ends;
// StopQuery while it runs. Results: a table whose columns are the fields
// in the order they first appear (@ptr hidden), and for a
// `stats … by bin(…)` query an SVG chart drawn here: time on x, one
// series per aggregation (and per value of the other `by` fields).
// A MalformedQueryException is shown with its code and message, and the
// caret is put at the position the message names.
import { call, paginate } from '../api.js';
import { page } from '../router.js';
import { spinner, errorBox } from '../ui.js';
import { h } from './fix.js';

const RANGES = [
  ['5m', 5 * 60], ['15m', 15 * 60], ['1h', 3600], ['3h', 3 * 3600], ['12h', 12 * 3600],
  ['1d', 86400], ['1w', 7 * 86400], ['30d', 30 * 86400],
];
const TERMINAL = new Set(['Complete', 'Failed', 'Cancelled', 'Timeout', 'Unknown']);
const DEFAULT_QUERY = 'fields @timestamp, @message, @logStream\n| sort @timestamp desc\n| limit 100';

// "2026-12-05 17:46:00.000" (Insights' UTC timestamps) → epoch ms, or NaN.
export function parseInsightsTime(s) {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)Z?$/.exec(String(s));
  return m ? Date.parse(`${m[1]}T${m[2]}Z`) : NaN;
}

// The name of the bin() column of a `stats … by bin(…)` query (its alias
// when it has one, else "bin(…)" as written), or null.
export function binColumn(query) {
  const stats = /(?:^|\|)\s*stats\b([\s\S]*?)(?=\|\s*[a-zA-Z]+\b|$)/i.exec(query);
  if (!stats) return null;
  const by = /\bby\b([\s\S]*)$/i.exec(stats[1]);
  if (!by) return null;
  const m = /\b(bin\s*\([^)]*\))(?:\s+as\s+([A-Za-z_@][\w.@]*|`[^`]+`))?/i.exec(by[1]);
  if (!m) return null;
  return m[2] ? m[2].replace(/^`|`$/g, '') : m[1].replace(/\s+/g, '');
}

// Rows of [{field, value}] → {columns (first appearance, @ptr hidden), rows (objects)}.
export function tabulate(results) {
  const cols = [];
  const seen = new Set();
  const rows = (results || []).map((r) => {
    const o = {};
    for (const { field, value } of r) {
      if (field === '@ptr') continue;
      if (!seen.has(field)) { seen.add(field); cols.push(field); }
      o[field] = value;
    }
    return o;
  });
  return { columns: cols, rows };
}

// Series for the chart: {x: column, series: [{name, points: [[ms, y]]}]} or null.
export function chartSeries(query, columns, rows) {
  let x = binColumn(query);
  if (!x) return null;
  if (!columns.includes(x)) {
    // bin(1m) may come back spelled differently: the column starting "bin(".
    x = columns.find((c) => /^bin\s*\(/i.test(c)) || null;
    if (!x) return null;
  }
  const others = columns.filter((c) => c !== x);
  const numeric = others.filter((c) => rows.some((r) => r[c] !== undefined)
    && rows.every((r) => r[c] === undefined || r[c] === '' || Number.isFinite(Number(r[c]))));
  const groups = others.filter((c) => !numeric.includes(c));
  if (!numeric.length) return null;
  const byName = new Map();
  for (const r of rows) {
    const t = parseInsightsTime(r[x]);
    if (!Number.isFinite(t)) continue;
    const g = groups.map((c) => r[c] ?? '').join(', ');
    for (const c of numeric) {
      if (r[c] === undefined || r[c] === '') continue;
      const name = g ? `${c} [${g}]` : c;
      if (!byName.has(name)) byName.set(name, []);
      byName.get(name).push([t, Number(r[c])]);
    }
  }
  const series = [...byName].map(([name, points]) => ({ name, points: points.sort((a, b) => a[0] - b[0]) }));
  return series.length ? { x, series } : null;
}

const SVGNS = 'http://www.w3.org/2000/svg';
function s(tag, attrs, text) {
  const n = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, String(v));
  if (text !== undefined) n.textContent = text;
  return n;
}

function niceMax(v) {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function fmtTick(ms, span) {
  const iso = new Date(ms).toISOString();
  return span > 2 * 86400000 ? iso.slice(5, 16).replace('T', ' ') : iso.slice(11, span > 3600000 * 6 ? 16 : 19);
}

// The chart: an SVG element, line or bar.
export function drawChart(data, kind = 'line') {
  const W = 900;
  const H = 260;
  const L = 56;
  const R = 16;
  const T = 12;
  const B = 40;
  const all = data.series.flatMap((se) => se.points);
  let x0 = Math.min(...all.map((p) => p[0]));
  let x1 = Math.max(...all.map((p) => p[0]));
  const times = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  const step = times.length > 1 ? Math.min(...times.slice(1).map((t, i) => t - times[i])) : 60000;
  if (kind === 'bar' || x0 === x1) { x0 -= step / 2; x1 += step / 2; }
  const ymax = niceMax(Math.max(0, ...all.map((p) => p[1])));
  const ymin = Math.min(0, ...all.map((p) => p[1]));
  const X = (t) => L + ((t - x0) / (x1 - x0 || 1)) * (W - L - R);
  const Y = (v) => T + (1 - (v - ymin) / (ymax - ymin || 1)) * (H - T - B);
  const svg = s('svg', {
    viewBox: `0 0 ${W} ${H}`, class: 'lvp-chart', id: 'insights-chart', role: 'img',
    'aria-label': `Chart of ${data.series.map((se) => se.name).join(', ')} by ${data.x}`,
    'data-series': data.series.length, 'data-points': all.length,
  });
  svg.append(s('title', {}, `${data.series.map((se) => se.name).join(', ')} by ${data.x}`));
  // Axes and grid.
  for (let k = 0; k <= 4; k++) {
    const v = ymin + ((ymax - ymin) * k) / 4;
    svg.append(s('line', { x1: L, x2: W - R, y1: Y(v), y2: Y(v), class: 'lvp-grid' }),
      s('text', { x: L - 6, y: Y(v) + 4, 'text-anchor': 'end', class: 'lvp-tick' },
        Number.isInteger(v) ? String(v) : v.toFixed(2)));
  }
  // Ticks on bins (at most 6, evenly among them), so that each names a bin.
  const nt = Math.min(6, times.length);
  const ticks = new Set();
  for (let k = 0; k < nt; k++) ticks.add(times[nt === 1 ? 0 : Math.round((k * (times.length - 1)) / (nt - 1))]);
  for (const t of ticks) {
    svg.append(s('text', { x: X(t), y: H - B + 16, 'text-anchor': 'middle', class: 'lvp-tick' }, fmtTick(t, x1 - x0)));
  }
  svg.append(s('line', { x1: L, x2: W - R, y1: Y(ymin), y2: Y(ymin), class: 'lvp-axis' }),
    s('line', { x1: L, x2: L, y1: T, y2: H - B, class: 'lvp-axis' }),
    s('text', { x: (L + W - R) / 2, y: H - 6, 'text-anchor': 'middle', class: 'lvp-tick' }, `${data.x} (UTC)`));
  const n = data.series.length;
  data.series.forEach((se, i) => {
    const cls = `lvp-series lvp-series-${i % 8}`;
    const g = s('g', { class: cls, 'data-name': se.name });
    if (kind === 'bar') {
      const bw = Math.max(1, ((X(x0 + step) - X(x0)) * 0.8) / n);
      for (const [t, v] of se.points) {
        const xx = X(t) - (bw * n) / 2 + i * bw;
        g.append(s('rect', { x: xx, y: Math.min(Y(v), Y(0)), width: bw, height: Math.abs(Y(0) - Y(v)), class: 'lvp-bar' },
          undefined));
        g.lastChild.append(s('title', {}, `${new Date(t).toISOString()}: ${v}`));
      }
    } else {
      g.append(s('polyline', { points: se.points.map(([t, v]) => `${X(t)},${Y(v)}`).join(' '), class: 'lvp-line' }));
      for (const [t, v] of se.points) {
        const c = s('circle', { cx: X(t), cy: Y(v), r: 3, class: 'lvp-dot' });
        c.append(s('title', {}, `${new Date(t).toISOString()}: ${v}`));
        g.append(c);
      }
    }
    svg.append(g);
  });
  return svg;
}

function legend(data) {
  return h('ul', { class: 'lvp-legend' }, data.series.map((se, i) => h('li', {},
    h('span', { class: `lvp-swatch lvp-series-${i % 8}` }, ' '), se.name)));
}

// "…at line 1 and position 13" in the engine's message → {line, col}.
function errorPosition(err) {
  const m = /line (\d+)\D+?position (\d+)/i.exec(err.message || '');
  return m ? { line: Number(m[1]), col: Number(m[2]) } : null;
}

function offsetOf(text, line, col) {
  const lines = text.split('\n');
  let off = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) off += lines[i].length + 1;
  return Math.min(text.length, off + Math.max(0, col));
}

function statsLine(status, st) {
  const f = (v) => Number(v || 0).toLocaleString('en-US');
  return `${status} — records matched ${f(st.recordsMatched)}, scanned ${f(st.recordsScanned)}, `
    + `bytes scanned ${f(st.bytesScanned)}${st.logGroupsScanned ? `, groups ${f(st.logGroupsScanned)}` : ''}`;
}

page('#/insights', 'Insights', async (root, _params, query) => {
  let timer = null;
  let current = null; // the running query id
  let alive = true;
  const qtext = h('textarea', {
    id: 'insights-query', class: 'lvp-code', rows: '6', spellcheck: 'false',
    'aria-label': 'Query (Ctrl+Enter runs)',
  });
  qtext.value = (query && query.q) || sessionStorage.getItem('logvault.insights.query') || DEFAULT_QUERY;
  const groups = h('select', { id: 'insights-groups', multiple: true, size: '6', 'aria-label': 'Log groups' });
  const range = h('select', { id: 'insights-range', 'aria-label': 'Time range' },
    RANGES.map(([label]) => h('option', { value: label }, `last ${label}`)),
    h('option', { value: 'custom' }, 'custom'));
  range.value = '1h';
  const from = h('input', { id: 'insights-from', type: 'datetime-local', 'aria-label': 'From (UTC)', step: '1' });
  const to = h('input', { id: 'insights-to', type: 'datetime-local', 'aria-label': 'To (UTC)', step: '1' });
  const custom = h('span', { class: 'lvp-custom', hidden: 'hidden' }, 'from ', from, ' to ', to, ' UTC');
  range.addEventListener('change', () => {
    if (range.value === 'custom') custom.removeAttribute('hidden'); else custom.setAttribute('hidden', 'hidden');
  });
  const run = h('button', { id: 'insights-run', class: 'primary', title: 'Ctrl+Enter' }, 'Run query');
  const stop = h('button', { id: 'insights-stop', disabled: true }, 'Stop');
  const status = h('div', { id: 'insights-status', role: 'status', class: 'lvp-status' });
  const chartBox = h('div', { id: 'insights-chart-box' });
  const results = h('div', { id: 'insights-results' });
  root.append(
    h('h1', {}, 'Logs Insights'),
    h('div', { class: 'lvp-insights-top' },
      h('div', { class: 'lvp-insights-editor' }, qtext),
      h('div', { class: 'lvp-insights-side' }, h('label', {}, 'Log groups'), groups)),
    h('div', { class: 'lvp-actions' }, run, stop, range, custom,
      h('span', { class: 'lvp-muted' }, 'Ctrl+Enter runs the query')),
    status, chartBox, results);

  try {
    const all = await paginate('logs', 'DescribeLogGroups', {}, 'logGroups');
    const want = new Set([].concat((query && query.group) || []).flatMap((g) => g.split(',')));
    groups.replaceChildren(...all.map((g) => h('option', {
      value: g.logGroupName, selected: want.has(g.logGroupName),
    }, g.logGroupName)));
    if (!all.length) status.replaceChildren(h('span', { class: 'lvp-muted' }, 'No log groups yet.'));
  } catch (e) {
    status.replaceChildren(errorBox(e));
  }

  const setRunning = (on) => {
    run.disabled = on;
    stop.disabled = !on;
  };

  const show = (out, q) => {
    const { columns, rows } = tabulate(out.results);
    chartBox.replaceChildren();
    const data = chartSeries(q, columns, rows);
    if (data) {
      let kind = 'line';
      const holder = h('div', { class: 'lvp-chart-holder' }, drawChart(data, kind));
      const toggle = h('button', {
        id: 'insights-chart-kind',
        onclick: () => {
          kind = kind === 'line' ? 'bar' : 'line';
          holder.replaceChildren(drawChart(data, kind));
          toggle.textContent = kind === 'line' ? 'Bars' : 'Lines';
        },
      }, 'Bars');
      chartBox.append(h('div', { class: 'lvp-chart-head' }, h('strong', {}, 'Chart'), toggle, legend(data)), holder);
    }
    if (!rows.length) {
      results.replaceChildren(h('p', { class: 'lvp-muted', id: 'insights-empty' }, 'No results.'));
      return;
    }
    results.replaceChildren(
      h('div', { class: 'lvp-muted' }, `${rows.length} row(s)`),
      h('div', { class: 'lvp-scroll' }, h('table', { class: 'grid lvp-table', id: 'insights-table' },
        h('thead', {}, h('tr', {}, columns.map((c) => h('th', {}, c)))),
        h('tbody', {}, rows.map((r) => h('tr', {}, columns.map((c) => h('td', {}, r[c] ?? ''))))))));
  };

  const poll = async (id, q, delay) => {
    if (!alive || id !== current) return;
    let out;
    try {
      out = await call('logs', 'GetQueryResults', { queryId: id });
    } catch (e) {
      if (id !== current) return;
      status.replaceChildren(errorBox(e));
      setRunning(false);
      current = null;
      return;
    }
    if (!alive || id !== current) return;
    const st = out.statistics || {};
    if (TERMINAL.has(out.status)) {
      current = null;
      setRunning(false);
      status.replaceChildren(h('span', {
        id: 'insights-done', 'data-status': out.status,
        class: out.status === 'Complete' ? 'lvp-ok' : 'lvp-bad',
      }, statsLine(out.status, st)));
      if (out.status === 'Complete') show(out, q);
      return;
    }
    status.replaceChildren(spinner(statsLine(out.status, st)));
    timer = setTimeout(() => poll(id, q, Math.min(2000, delay * 1.5)), delay);
  };

  const start = async () => {
    if (current) return;
    const q = qtext.value;
    const names = [...groups.selectedOptions].map((o) => o.value);
    let startTime;
    let endTime;
    if (range.value === 'custom') {
      startTime = Math.floor(Date.parse(`${from.value}Z`) / 1000);
      endTime = Math.floor(Date.parse(`${to.value}Z`) / 1000);
      if (!Number.isFinite(startTime) || !Number.isFinite(endTime)) {
        status.replaceChildren(h('div', { class: 'lvp-error', role: 'alert' }, 'Give both ends of the custom range.'));
        return;
      }
    } else {
      endTime = Math.floor(Date.now() / 1000);
      startTime = endTime - RANGES.find(([l]) => l === range.value)[1];
    }
    sessionStorage.setItem('logvault.insights.query', q);
    chartBox.replaceChildren();
    results.replaceChildren();
    setRunning(true);
    status.replaceChildren(spinner('Starting the query…'));
    const input = { queryString: q, startTime, endTime };
    // A query with its own SOURCE command names its groups itself.
    if (names.length || !/^\s*SOURCE\b/i.test(q)) input.logGroupNames = names;
    let id;
    try {
      id = (await call('logs', 'StartQuery', input)).queryId;
    } catch (e) {
      setRunning(false);
      const pos = errorPosition(e);
      status.replaceChildren(errorBox(e));
      if (pos) {
        const off = offsetOf(q, pos.line, pos.col);
        const line = q.split('\n')[pos.line - 1] || '';
        status.append(h('pre', { class: 'lvp-caret', id: 'insights-error-position' },
          `line ${pos.line}, position ${pos.col}:\n${line}\n${' '.repeat(Math.max(0, pos.col))}^`));
        qtext.focus();
        qtext.setSelectionRange(off, Math.min(q.length, off + 1));
      }
      return;
    }
    current = id;
    poll(id, q, 300);
  };

  run.addEventListener('click', start);
  stop.addEventListener('click', async () => {
    const id = current;
    if (!id) return;
    stop.disabled = true;
    try {
      await call('logs', 'StopQuery', { queryId: id });
    } catch (e) {
      // It may have ended meanwhile: the next poll tells.
      status.append(errorBox(e));
    }
  });
  qtext.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey)) {
      ev.preventDefault();
      start();
    }
  });
  qtext.focus();
  return () => {
    alive = false;
    if (timer) clearTimeout(timer);
  };
});
