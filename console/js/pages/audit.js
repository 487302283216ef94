// audit.js: the audit trail (#/audit; ?key=, ?group=, ?principal=, ?error=
// prefill the filters) — CloudTrail LookupEvents over logvault's trail.
// LookupEvents takes one lookup attribute: the first filter given among
// key (ResourceName = the key's ARN), group (ResourceName = the group's
// ARN) and principal (Username) is asked of the server, the others are
// applied here to what it returns, as is the error filter (the record's
// errorCode: "any error", or a code or part of one). The time range is
// StartTime/EndTime; a ThrottlingException is retried a few times. Newest first; a row opens to the CloudTrail record,
// pretty-printed. When nothing is found and GetKeyLastUsage says
// UnsupportedOperationException (serve runs without --audit-trail), the
// page says the trail is off, with the server's message.
import { call, session } from '../api.js';
import { page } from '../router.js';
import { spinner, errorBox, json } from '../ui.js';
import { h } from './fix.js';

const RANGES = [['1h', 3600], ['1d', 86400], ['1w', 7 * 86400], ['30d', 30 * 86400], ['90d', 90 * 86400]];
const PAGE = 50;
const MAX_EVENTS = 1000;

function recordOf(ev) {
  try {
    return JSON.parse(ev.CloudTrailEvent || '{}');
  } catch (e) {
    return {};
  }
}

async function keyArn(ref) {
  if (/^arn:[^:]+:kms:[^:]*:\d{12}:key\//.test(ref)) return ref;
  return (await call('kms', 'DescribeKey', { KeyId: ref })).KeyMetadata.Arn;
}

async function groupArn(ref) {
  if (ref.startsWith('arn:')) return ref.replace(/:\*$/, '');
  const out = await call('logs', 'DescribeLogGroups', { logGroupNamePrefix: ref });
  const g = (out.logGroups || []).find((x) => x.logGroupName === ref);
  if (g) return g.logGroupArn || g.arn.replace(/:\*$/, '');
  return null; // a deleted group: matched by name in the record
}

// Does event ev pass the client-side filters f?
export function matches(ev, f) {
  const rec = recordOf(ev);
  const names = (ev.Resources || []).map((r) => r.ResourceName || '');
  if (f.keyArn && !names.includes(f.keyArn)) return false;
  if (f.group) {
    const byArn = f.groupArn && names.includes(f.groupArn);
    const byName = names.some((n) => n.endsWith(`:log-group:${f.group}`))
      || ((rec.requestParameters || {}).logGroupName === f.group);
    if (!byArn && !byName) return false;
  }
  if (f.principal && ev.Username !== f.principal
    && ((rec.userIdentity || {}).arn || '') !== f.principal) return false;
  if (f.error) {
    const code = rec.errorCode || '';
    if (f.error === '*') { if (!code) return false; } else if (!code.toLowerCase().includes(f.error.toLowerCase())) return false;
  }
  return true;
}

// LookupEvents is rate-limited (CloudTrail's quota, two calls a second):
// a ThrottlingException is waited out a few times before it is shown.
async function lookup(input) {
  for (let i = 0; ; i++) {
    try {
      return await call('cloudtrail', 'LookupEvents', input);
    } catch (e) {
      if (e.code !== 'ThrottlingException' || i >= 5) throw e;
      await new Promise((r) => { setTimeout(r, 600 * (i + 1)); });
    }
  }
}

async function trailOff() {
  try {
    await call('kms', 'GetKeyLastUsage', { KeyId: '00000000-0000-0000-0000-000000000000' });
  } catch (e) {
    if (e.code === 'UnsupportedOperationException') return e;
  }
  return null;
}

page('#/audit', 'Audit trail', async (root, _params, query) => {
  query = query || {};
  const key = h('input', { id: 'audit-key', placeholder: 'key id, ARN or alias', 'aria-label': 'Key', value: query.key || '' });
  const group = h('input', { id: 'audit-group', placeholder: 'log group name or ARN', 'aria-label': 'Log group', value: query.group || '' });
  const principal = h('input', { id: 'audit-principal', placeholder: 'user name', 'aria-label': 'Principal (user name)', value: query.principal || '' });
  const error = h('input', { id: 'audit-error', placeholder: 'error code, or * for any', 'aria-label': 'Error', value: query.error || '' });
  const range = h('select', { id: 'audit-range', 'aria-label': 'Time range' },
    RANGES.map(([l]) => h('option', { value: l }, `last ${l}`)));
  range.value = query.range && RANGES.some(([l]) => l === query.range) ? query.range : '1d';
  const status = h('div', { id: 'audit-status', role: 'status' });
  const out = h('div', { id: 'audit-results' });
  const form = h('form', {
    class: 'lvp-form lvp-filters',
    id: 'audit-form',
    onsubmit: (ev) => { ev.preventDefault(); search(); },
  },
  h('label', {}, 'Key ', key), h('label', {}, 'Group ', group), h('label', {}, 'Principal ', principal),
  h('label', {}, 'Error ', error), h('label', {}, 'Range ', range),
  h('button', { type: 'submit', class: 'primary', id: 'audit-search' }, 'Search'));
  root.append(h('h1', {}, 'Audit trail'), form, status, out);
  let seq = 0;

  async function search() {
    const my = ++seq;
    out.replaceChildren();
    status.replaceChildren(spinner('Looking up events…'));
    const f = {
      key: key.value.trim(), group: group.value.trim(), principal: principal.value.trim(), error: error.value.trim(),
    };
    try {
      if (f.key) f.keyArn = await keyArn(f.key);
      if (f.group) {
        f.groupArn = await groupArn(f.group);
        if (f.group.startsWith('arn:')) f.group = f.group.replace(/:\*$/, '').split(':log-group:')[1] || f.group;
      }
    } catch (e) {
      status.replaceChildren(errorBox(e));
      return;
    }
    const end = Math.floor(Date.now() / 1000);
    const input = { StartTime: end - RANGES.find(([l]) => l === range.value)[1], EndTime: end + 60, MaxResults: PAGE };
    if (f.keyArn) input.LookupAttributes = [{ AttributeKey: 'ResourceName', AttributeValue: f.keyArn }];
    else if (f.groupArn) input.LookupAttributes = [{ AttributeKey: 'ResourceName', AttributeValue: f.groupArn }];
    else if (f.principal) input.LookupAttributes = [{ AttributeKey: 'Username', AttributeValue: f.principal }];
    const events = [];
    let scanned = 0;
    let token;
    try {
      do {
        const r = await lookup({ ...input, ...(token ? { NextToken: token } : {}) });
        if (my !== seq) return;
        scanned += (r.Events || []).length;
        events.push(...(r.Events || []).filter((ev) => matches(ev, f)));
        token = r.NextToken;
        status.replaceChildren(spinner(`Looking up events… ${scanned} read`));
      } while (token && scanned < MAX_EVENTS);
    } catch (e) {
      status.replaceChildren(errorBox(e));
      return;
    }
    if (!scanned) {
      const off = await trailOff();
      if (my !== seq) return;
      if (off) {
        status.replaceChildren(h('div', { class: 'lvp-note', id: 'audit-trail-off', role: 'alert' },
          'The audit trail is off on this server: nothing is recorded. ',
          `(GetKeyLastUsage: ${off.code}: ${off.message})`));
        return;
      }
    }
    status.replaceChildren(h('span', { class: 'lvp-muted', id: 'audit-count' },
      `${events.length} event(s)${scanned !== events.length ? ` of ${scanned} read` : ''}`
      + `${token ? ` — stopped after ${scanned}; narrow the filters or the range` : ''}`));
    if (!events.length) {
      out.replaceChildren(h('p', { class: 'lvp-muted', id: 'audit-empty' }, 'No events match.'));
      return;
    }
    const head = ['Time (UTC)', 'Event', 'Source', 'Principal', 'Resources', 'Error'];
    const tbody = h('tbody', {});
    for (const ev of events) {
      const rec = recordOf(ev);
      const detail = h('tr', { class: 'lvp-detail', hidden: 'hidden' },
        h('td', { colspan: String(head.length) }, json(rec)));
      const row = h('tr', {
        class: `lvp-row${rec.errorCode ? ' lvp-row-error' : ''}`,
        tabindex: '0',
        'aria-expanded': 'false',
        'data-event-id': ev.EventId,
        'data-event-name': ev.EventName,
        onclick: () => toggle(),
        onkeydown: (k) => { if (k.key === 'Enter' || k.key === ' ') { k.preventDefault(); toggle(); } },
      },
      h('td', {}, typeof ev.EventTime === 'number' ? new Date(ev.EventTime * 1000).toISOString().slice(0, 19).replace('T', ' ') : String(ev.EventTime)),
      h('td', {}, ev.EventName),
      h('td', {}, ev.EventSource),
      h('td', {}, ev.Username || ''),
      h('td', {}, (ev.Resources || []).map((r) => h('div', {}, r.ResourceName))),
      h('td', { class: rec.errorCode ? 'lvp-bad' : '' }, rec.errorCode ? `${rec.errorCode}` : ''));
      const toggle = () => {
        const open = detail.hasAttribute('hidden');
        if (open) detail.removeAttribute('hidden'); else detail.setAttribute('hidden', 'hidden');
        row.setAttribute('aria-expanded', String(open));
      };
      tbody.append(row, detail);
    }
    out.replaceChildren(h('table', { class: 'grid lvp-table', id: 'audit-table' },
      h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))), tbody));
  }

  if (!session()) return;
  search();
});
