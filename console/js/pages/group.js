// pages/group.js: one log group — its properties, its encryption panel
// (the container #encryption, filled by fix.js's renderEncryption(container,
// group) as the contract has it; a read-only summary when fix.js is not
// there) and its streams, newest activity first.

import { paginate } from '../api.js';
import { el, errorBox, formatBytes, formatTime, spinner, table } from '../ui.js';
import { link, page } from '../router.js';
import { encryptionSummary, groupArn, keyCache } from './groups.js';

// The group named exactly name: DescribeLogGroups by prefix, then the one
// whose name is name. Rejects like AWS when there is none.
export async function findGroup(name) {
  const groups = await paginate('logs', 'DescribeLogGroups', { logGroupNamePrefix: name }, 'logGroups', 'nextToken', 5);
  const g = groups.find((x) => x.logGroupName === name);
  if (!g) {
    const e = new Error('The specified log group does not exist.');
    e.code = 'ResourceNotFoundException';
    throw e;
  }
  return g;
}

async function encryptionPanel(container, g) {
  let fix = null;
  try {
    fix = await import('./fix.js');
  } catch (e) {
    fix = null;
  }
  if (fix && typeof fix.renderEncryption === 'function') {
    await fix.renderEncryption(container, g);
    return;
  }
  const cell = el('div');
  container.replaceChildren(el('h2', null, 'Encryption'), cell);
  await encryptionSummary(cell, g, keyCache(), { linkFix: false });
}

async function streams(box, name) {
  box.replaceChildren(spinner('Loading streams…'));
  let rows;
  try {
    rows = await paginate('logs', 'DescribeLogStreams',
      { logGroupName: name, orderBy: 'LastEventTime', descending: true }, 'logStreams', 'nextToken', 10);
  } catch (e) {
    box.replaceChildren(errorBox(e));
    return;
  }
  box.replaceChildren(table([
    { key: 'logStreamName', label: 'Stream', class: 'wrap', render: (s) => el('a', { href: link('#/groups/:name/events', { name }, { stream: s.logStreamName }) }, s.logStreamName) },
    { key: 'lastEventTimestamp', label: 'Last event', class: 'nowrap', render: (s) => formatTime(s.lastEventTimestamp) },
    { key: 'firstEventTimestamp', label: 'First event', class: 'nowrap', render: (s) => formatTime(s.firstEventTimestamp) },
    { key: 'storedBytes', label: 'Stored', class: 'num', render: (s) => formatBytes(s.storedBytes || 0) },
    { key: 'creationTime', label: 'Created', class: 'nowrap', render: (s) => formatTime(s.creationTime) },
  ], rows, { empty: 'No streams yet.' }));
}

async function render(root, params) {
  const name = params.name;
  root.appendChild(el('p', { class: 'muted' }, el('a', { href: '#/groups' }, 'Log groups'), ' / '));
  root.appendChild(el('h1', { class: 'wrap' }, name));
  const body = el('div', null, spinner());
  root.appendChild(body);
  const g = await findGroup(name);
  const enc = el('section', { id: 'encryption', class: 'panel' }, spinner('Checking encryption…'));
  const streamBox = el('div', { id: 'streams' });
  body.replaceChildren(
    el('div', { class: 'toolbar' },
      el('a', { href: link('#/groups/:name/events', { name }), id: 'open-events' }, 'Events'), ' · ',
      el('a', { href: link('#/insights', {}, { group: name }) }, 'Query with Insights')),
    el('dl', { class: 'props panel' },
      el('dt', null, 'ARN'), el('dd', { class: 'mono' }, groupArn(g)),
      el('dt', null, 'Class'), el('dd', null, g.logGroupClass || 'STANDARD'),
      el('dt', null, 'Retention'), el('dd', null, g.retentionInDays ? `${g.retentionInDays} days` : 'Never expire'),
      el('dt', null, 'Stored'), el('dd', null, formatBytes(g.storedBytes || 0)),
      el('dt', null, 'Created'), el('dd', null, formatTime(g.creationTime)),
      el('dt', null, 'Metric filters'), el('dd', null, String(g.metricFilterCount || 0))),
    enc,
    el('h2', null, 'Streams'),
    streamBox);
  await Promise.all([
    encryptionPanel(enc, g).catch((e) => enc.replaceChildren(errorBox(e))),
    streams(streamBox, name),
  ]);
}

page('#/groups/:name', (p) => p.name, render);
