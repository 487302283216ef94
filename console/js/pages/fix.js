// fix.js: a log group's encryption — the panel of the group page
// (renderEncryption) and the create-group-with-key flow of the groups page
// (createGroupWithKey) — and, when CloudWatch Logs is refused the key, the
// refusal → explanation → fix flow:
//
//  1. AssociateKmsKey or CreateLogGroup answers AccessDeniedException;
//  2. the explainer (LogvaultKmsExplain_20261201.Explain, src/kms/explain.h)
//     is asked "would logs.REGION.amazonaws.com be allowed
//     kms:GenerateDataKey on the key with {aws:logs:arn: GROUP ARN}?" — the
//     use CloudWatch Logs makes of the key (src/logs/kmskey.c) — and its
//     answer is shown: the decision, the reason, each statement of the key
//     policy and why it does or does not apply;
//  3. one action, "Allow CloudWatch Logs to use this key for this group",
//     shows the diff between the current key policy and the policy with the
//     CloudWatch Logs encryption guide's statement narrowed to the group's
//     ARN (the explainer's Proposal; built here from the guide when the
//     explainer proposes nothing and the key policy has no explicit Deny);
//  4. "Apply and retry" puts that policy (PutKeyPolicy) and retries the
//     association or the creation.
//
// Nothing here is privileged: every call is the signed API call of the
// signed-in user, and every string from the server is rendered as text.
import { call, session } from '../api.js';
import { el, spinner, errorBox } from '../ui.js';

const EXPLAIN_ACTION = 'kms:GenerateDataKey';

// el() with any attribute: those the contract lists for ui.js's el() go to
// it, the others (role, rows, colspan, multiple, onchange, ...) are set on
// the node it made, as attributes, properties or listeners — never HTML.
const EL_ATTRS = /^(class|id|type|value|placeholder|title|href|onclick|oninput|onsubmit|onkeydown|data-.*|aria-.*)$/;
export function h(tag, attrs, ...children) {
  const mine = {};
  const rest = [];
  // A button is never a form's submit unless it says so: these panels
  // may sit inside another page's form (the groups page's create form).
  if (tag === 'button' && !(attrs && attrs.type)) mine.type = 'button';
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined) continue;
    if (EL_ATTRS.test(k) && !(k === 'value' && tag === 'select')) mine[k] = v;
    else rest.push([k, v]);
  }
  const node = el(tag, mine, ...children);
  for (const [k, v] of rest) {
    if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else if (k === 'disabled' || k === 'checked' || k === 'readOnly' || k === 'multiple' || k === 'selected') node[k] = !!v;
    else if (k === 'value') node.value = v;
    else node.setAttribute(k, String(v));
  }
  return node;
}

function region() {
  return (session() || {}).region || 'us-east-1';
}

export function logsPrincipal(r = region()) {
  return `logs.${r}.amazonaws.com`;
}

// The statement of the CloudWatch Logs encryption guide
// (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html),
// narrowed to one group by kms:EncryptionContext:aws:logs:arn — the same
// statement the explainer proposes.
export function guideStatement(groupArn, r = region()) {
  return {
    Effect: 'Allow',
    Principal: { Service: logsPrincipal(r) },
    Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*',
      'kms:GenerateDataKey*', 'kms:Describe*'],
    Resource: '*',
    Condition: { ArnEquals: { 'kms:EncryptionContext:aws:logs:arn': groupArn } },
  };
}

// A group's ARN without DescribeLogGroups' ":*" suffix.
function bareArn(g) {
  if (g.logGroupArn) return g.logGroupArn;
  return (g.arn || '').replace(/:\*$/, '');
}

async function findGroup(name) {
  let token;
  do {
    const out = await call('logs', 'DescribeLogGroups',
      { logGroupNamePrefix: name, ...(token ? { nextToken: token } : {}) });
    const g = (out.logGroups || []).find((x) => x.logGroupName === name);
    if (g) return g;
    token = out.nextToken;
  } while (token);
  return null;
}

// Every key of the account with its aliases, for the picker.
export async function listKeysWithAliases() {
  const keys = [];
  const aliases = [];
  let marker;
  do {
    const out = await call('kms', 'ListKeys', marker ? { Marker: marker } : {});
    keys.push(...(out.Keys || []));
    marker = out.Truncated ? out.NextMarker : null;
  } while (marker);
  marker = null;
  do {
    const out = await call('kms', 'ListAliases', marker ? { Marker: marker } : {});
    aliases.push(...(out.Aliases || []));
    marker = out.Truncated ? out.NextMarker : null;
  } while (marker);
  return keys.map((k) => ({
    id: k.KeyId,
    arn: k.KeyArn,
    aliases: aliases.filter((a) => a.TargetKeyId === k.KeyId).map((a) => a.AliasName),
  }));
}

// A line diff (longest common subsequence) of two texts: [{op: ' '|'-'|'+', line}].
export function lineDiff(a, b) {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  const L = Array.from({ length: n + 1 }, () => new Int32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      L[i][j] = x[i] === y[j] ? L[i + 1][j + 1] + 1 : Math.max(L[i + 1][j], L[i][j + 1]);
    }
  }
  const out = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push({ op: ' ', line: x[i] }); i++; j++; }
    else if (L[i + 1][j] >= L[i][j + 1]) out.push({ op: '-', line: x[i++] });
    else out.push({ op: '+', line: y[j++] });
  }
  while (i < n) out.push({ op: '-', line: x[i++] });
  while (j < m) out.push({ op: '+', line: y[j++] });
  return out;
}

function pretty(policyText) {
  try {
    return JSON.stringify(JSON.parse(policyText), null, 2);
  } catch (e) {
    return policyText;
  }
}

function diffView(before, after) {
  const lines = lineDiff(pretty(before), pretty(after));
  const added = lines.filter((l) => l.op === '+').length;
  const removed = lines.filter((l) => l.op === '-').length;
  return h('div', { class: 'lvp-diff-wrap' },
    h('div', { class: 'lvp-muted' }, `Key policy: ${added} line(s) added, ${removed} removed`),
    h('pre', { class: 'lvp-diff', id: 'policy-diff', 'aria-label': 'Key policy diff' },
      lines.map((l) => h('span', {
        class: l.op === '+' ? 'lvp-add' : l.op === '-' ? 'lvp-del' : 'lvp-same',
      }, `${l.op} ${l.line}\n`))));
}

function yesNo(v) {
  return v ? 'yes' : 'no';
}

function statementsTable(kp) {
  const deciding = new Set(kp.deciding || []);
  const head = ['#', 'Sid', 'Effect', 'Principal', 'Action', 'Resource', 'Conditions', 'Applies'];
  const cell = (part) => {
    if (!part) return '—';
    const not = part.element && part.element.startsWith('Not') ? `${part.element}: ` : '';
    return h('span', { class: part.matched ? 'lvp-ok' : 'lvp-bad' },
      `${not}${(part.values || []).join(', ')} ${part.matched ? '✓' : '✗'}`);
  };
  const conds = (cs) => (cs && cs.length ? cs.map((c) => h('div', {
    class: c.matched ? 'lvp-ok' : 'lvp-bad',
  }, `${c.operator} ${c.key} ${JSON.stringify(c.values || [])}; request: `
    + `${JSON.stringify(c.requestValues || [])} ${c.matched ? '✓' : '✗'}`)) : '—');
  return h('table', { class: 'grid lvp-table', id: 'explain-statements' },
    h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
    h('tbody', {}, (kp.statements || []).map((s) => h('tr', {
      class: deciding.has(s.index) ? 'lvp-deciding' : null,
    },
    h('td', {}, String(s.index)),
    h('td', {}, s.sid || '—'),
    h('td', {}, s.effect || ''),
    h('td', {}, cell(s.principal)),
    h('td', {}, cell(s.action)),
    h('td', {}, cell(s.resource)),
    h('td', {}, conds(s.conditions)),
    h('td', {}, yesNo(s.applies))))));
}

// The explainer's answer for CloudWatch Logs' use of keyArn for groupArn:
// resolves to the Explain output, or rejects with its ApiError.
export function explainLogsUse(keyArn, groupArn) {
  return call('kms-explain', 'Explain', {
    KeyId: keyArn,
    Principal: logsPrincipal(),
    Action: EXPLAIN_ACTION,
    EncryptionContext: { 'aws:logs:arn': groupArn },
  });
}

// The refusal flow in `box`: explanation, then the one action. retry() is
// called once the fixed policy is in place; it resolves when the retried
// call succeeded (and rejects with its error otherwise).
async function refusalFlow(box, err, keyArn, groupArn, retry) {
  box.replaceChildren(
    h('div', { class: 'panel lvp-refusal', id: 'refusal' },
      h('h3', {}, 'CloudWatch Logs was refused this key'),
      errorBox(err),
      h('div', { id: 'explain-box' }, spinner('Asking the explainer why…'))));
  const ebox = box.querySelector('#explain-box');
  let ex = null;
  let exErr = null;
  try {
    ex = await explainLogsUse(keyArn, groupArn);
  } catch (e) {
    exErr = e;
  }
  ebox.replaceChildren();
  if (exErr) {
    ebox.append(h('p', {}, 'The explainer could not answer:'), errorBox(exErr));
  } else {
    const kp = (ex.Trace || {}).keyPolicy || {};
    const rq = (ex.Trace || {}).request || {};
    ebox.append(
      h('p', { id: 'explain-decision' },
        h('strong', {}, `Explainer: ${ex.Decision}`), ` — ${ex.Reason || ''}`),
      h('p', { class: 'lvp-muted' },
        `Asked: would ${rq.principal || logsPrincipal()} be allowed ${rq.action || EXPLAIN_ACTION}`
        + ` on ${rq.keyArn || keyArn} with encryption context aws:logs:arn = ${groupArn}?`
        + ` Key policy: ${kp.decision || '?'}${kp.reason ? ` (${kp.reason})` : ''}.`),
      statementsTable(kp));
    if (ex.Note) ebox.append(h('p', { class: 'lvp-note', id: 'explain-note' }, ex.Note));
    if (ex.Decision === 'ALLOW') {
      ebox.append(h('p', {}, 'The explainer now allows this use; retry the call.'));
    }
  }
  const explicitDeny = ex && ((ex.Trace || {}).keyPolicy || {}).decision === 'EXPLICIT_DENY';
  if (explicitDeny) {
    if (!ex.Note) {
      ebox.append(h('p', { class: 'lvp-note' },
        'An explicit Deny in the key policy refuses this use: adding an Allow would not help; '
        + 'edit the key policy on the key page.'));
    }
    ebox.append(h('a', { href: `#/keys/${encodeURIComponent(keyArn.split('/').pop())}` }, 'Open the key'));
    return;
  }
  if (exErr && exErr.code === 'AccessDeniedException') {
    // Whoever may not read the key policy may not change it either.
    return;
  }
  const actions = h('div', { class: 'lvp-actions' });
  const fixBox = h('div', { id: 'fix-box' });
  actions.append(h('button', {
    id: 'allow-logs',
    class: 'primary',
    onclick: () => proposeFix(fixBox, ex, keyArn, groupArn, retry),
  }, 'Allow CloudWatch Logs to use this key for this group'));
  ebox.append(actions, fixBox);
}

async function proposeFix(fixBox, ex, keyArn, groupArn, retry) {
  fixBox.replaceChildren(spinner('Reading the key policy…'));
  let current;
  try {
    current = (await call('kms', 'GetKeyPolicy', { KeyId: keyArn, PolicyName: 'default' })).Policy;
  } catch (e) {
    fixBox.replaceChildren(errorBox(e));
    return;
  }
  let proposed = ex && ex.Proposal && ex.Proposal.Policy;
  let source = 'the explainer\'s proposal';
  if (!proposed) {
    // No proposal from the explainer: the guide's statement, added to the
    // current policy here.
    try {
      const doc = JSON.parse(current);
      if (!Array.isArray(doc.Statement)) doc.Statement = doc.Statement ? [doc.Statement] : [];
      doc.Statement.push(guideStatement(groupArn));
      proposed = JSON.stringify(doc, null, 2);
      source = 'the CloudWatch Logs encryption guide\'s statement';
    } catch (e) {
      fixBox.replaceChildren(errorBox({ code: 'InvalidPolicy', message: `the current key policy is not JSON: ${e.message}` }));
      return;
    }
  }
  const status = h('div', { id: 'fix-status' });
  fixBox.replaceChildren(
    h('h4', {}, 'The change to the key policy'),
    h('p', { class: 'lvp-muted' },
      `Adds ${source}: ${logsPrincipal()} may use the key only with the encryption context `
      + `aws:logs:arn = ${groupArn}.`),
    diffView(current, proposed),
    h('div', { class: 'lvp-actions' },
      h('button', {
        id: 'apply-fix',
        class: 'primary',
        onclick: async (ev) => {
          ev.target.disabled = true;
          status.replaceChildren(spinner('Putting the key policy…'));
          try {
            await call('kms', 'PutKeyPolicy', { KeyId: keyArn, PolicyName: 'default', Policy: proposed });
          } catch (e) {
            status.replaceChildren(errorBox(e));
            ev.target.disabled = false;
            return;
          }
          status.replaceChildren(spinner('Key policy updated; retrying…'));
          try {
            await retry();
            status.replaceChildren(h('p', { class: 'lvp-ok', id: 'fix-done' }, 'Key policy updated and the call retried: done.'));
          } catch (e) {
            status.replaceChildren(h('p', {}, 'Key policy updated, but the retried call failed:'), errorBox(e));
          }
        },
      }, 'Apply the policy and retry'),
      h('button', { onclick: () => fixBox.replaceChildren() }, 'Cancel')),
    status);
  fixBox.scrollIntoView({ block: 'start', behavior: 'instant' });
}

async function keyArnOf(keyId) {
  if (/^arn:[^:]+:kms:[^:]*:\d{12}:key\//.test(keyId)) return keyId;
  const md = (await call('kms', 'DescribeKey', { KeyId: keyId })).KeyMetadata;
  return md.Arn;
}

async function keySummary(keyRef) {
  const out = { arn: keyRef, state: '?', aliases: [], error: null };
  try {
    const md = (await call('kms', 'DescribeKey', { KeyId: keyRef })).KeyMetadata;
    out.arn = md.Arn;
    out.state = md.KeyState;
    const al = await call('kms', 'ListAliases', { KeyId: md.KeyId });
    out.aliases = (al.Aliases || []).map((a) => a.AliasName);
    out.id = md.KeyId;
  } catch (e) {
    out.error = e;
  }
  return out;
}

function keyPicker(keys) {
  const sel = h('select', { id: 'key-picker', 'aria-label': 'Key' },
    h('option', { value: '' }, '— choose a key —'),
    keys.map((k) => h('option', { value: k.arn },
      k.aliases.length ? `${k.aliases.join(', ')} (${k.id})` : k.id)));
  return sel;
}

// The encryption panel of a group page. group: the group's name, or its
// DescribeLogGroups entry. Re-renders itself after a change.
export async function renderEncryption(container, group) {
  const name = typeof group === 'string' ? group : group.logGroupName;
  // The container is the group page's (section#encryption): filled here,
  // never given an id of this module's.
  const sec = container;
  sec.classList.add('lvp-encryption');
  sec.replaceChildren(h('h2', {}, 'Encryption'), spinner());
  let g;
  try {
    g = await findGroup(name);
  } catch (e) {
    sec.replaceChildren(h('h2', {}, 'Encryption'), errorBox(e));
    return;
  }
  if (!g) {
    sec.replaceChildren(h('h2', {}, 'Encryption'),
      errorBox({ code: 'ResourceNotFoundException', message: `no log group ${name}` }));
    return;
  }
  const groupArn = bareArn(g);
  const flow = h('div', { class: 'lvp-flow' });
  const status = h('div', { id: 'encryption-status' });
  const rows = [];
  if (g.kmsKeyId) {
    const k = await keySummary(g.kmsKeyId);
    let verdict = spinner('checking the key policy…');
    const vbox = h('span', { id: 'logs-may-use' }, verdict);
    rows.push(
      ['Status', h('strong', { id: 'encryption-state' }, 'Encrypted with a customer managed key')],
      ['Key', h('a', { href: `#/keys/${encodeURIComponent(k.id || k.arn)}`, id: 'encryption-key' }, k.arn)],
      ['Aliases', k.aliases.join(', ') || '—'],
      ['Key state', k.error ? errorBox(k.error) : k.state],
      ['CloudWatch Logs may use it for this group', vbox]);
    explainLogsUse(k.arn, groupArn).then((ex) => {
      vbox.replaceChildren(ex.Decision === 'ALLOW' ? h('span', { class: 'lvp-ok' }, 'yes (key policy allows)')
        : h('span', { class: 'lvp-bad' }, `no: ${ex.Reason || ex.Decision}`));
    }, (e) => vbox.replaceChildren(`unknown (${e.code}: ${e.message})`));
  } else {
    rows.push(['Status', h('strong', { id: 'encryption-state' }, 'Not encrypted with a customer managed key (service default)')]);
  }
  const picker = h('span', { class: 'lvp-picker' });
  const assoc = h('button', {
    id: 'associate-key',
    onclick: async () => {
      picker.replaceChildren(spinner('Listing keys…'));
      let keys;
      try {
        keys = await listKeysWithAliases();
      } catch (e) {
        picker.replaceChildren(errorBox(e));
        return;
      }
      const sel = keyPicker(keys);
      const other = h('input', { id: 'key-arn', placeholder: 'or a key/alias ARN', 'aria-label': 'Key ARN' });
      picker.replaceChildren(sel, other, h('button', {
        id: 'associate-go',
        class: 'primary',
        onclick: async () => {
          const ref = other.value.trim() || sel.value;
          if (!ref) return;
          await associate(ref);
        },
      }, 'Associate'));
      sel.focus();
    },
  }, g.kmsKeyId ? 'Associate another key' : 'Associate key');
  async function associate(ref) {
    flow.replaceChildren();
    status.replaceChildren(spinner('Associating…'));
    let keyArn;
    try {
      keyArn = await keyArnOf(ref);
    } catch (e) {
      status.replaceChildren(errorBox(e));
      return;
    }
    const doIt = () => call('logs', 'AssociateKmsKey', { logGroupName: name, kmsKeyId: keyArn });
    try {
      await doIt();
    } catch (e) {
      status.replaceChildren();
      if (e.code === 'AccessDeniedException') {
        await refusalFlow(flow, e, keyArn, groupArn, async () => {
          await doIt();
          setTimeout(() => renderEncryption(container, name), 1200);
        });
      } else {
        status.replaceChildren(errorBox(e));
      }
      return;
    }
    await renderEncryption(container, name);
  }
  const disassoc = g.kmsKeyId ? h('button', {
    id: 'disassociate-key',
    onclick: async (ev) => {
      ev.target.disabled = true;
      status.replaceChildren(spinner('Disassociating…'));
      try {
        await call('logs', 'DisassociateKmsKey', { logGroupName: name });
      } catch (e) {
        status.replaceChildren(errorBox(e));
        ev.target.disabled = false;
        return;
      }
      await renderEncryption(container, name);
    },
  }, 'Disassociate') : null;
  sec.replaceChildren(
    h('h2', {}, 'Encryption'),
    h('dl', { class: 'lvp-dl' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v)])),
    h('div', { class: 'lvp-actions' }, assoc, disassoc, picker),
    status, flow);
}

// The group's ARN in a refusal's message ("… not allowed to be used with
// Arn 'arn:aws:logs:…:log-group:NAME'"), else built from the key's account.
function refusedGroupArn(err, name, keyArn) {
  const m = /Arn '(arn:[^']+:log-group:[^']+)'/.exec(err.message || '');
  if (m) return m[1];
  const acct = keyArn.split(':')[4];
  return `arn:aws:logs:${region()}:${acct}:log-group:${name}`;
}

// Creates log group `name` encrypted with `keyId` (key id, ARN, alias name
// or alias ARN). On the refusal, runs the explanation and fix flow in
// `container` when given, else in a dialog of its own. Resolves true once
// the group exists with the key, false when the user closed the flow
// without creating it; rejects with the ApiError of any other failure.
export async function createGroupWithKey(name, keyId, container = null) {
  const keyArn = await keyArnOf(keyId);
  const create = () => call('logs', 'CreateLogGroup', { logGroupName: name, kmsKeyId: keyArn });
  try {
    await create();
    return true;
  } catch (e) {
    if (e.code !== 'AccessDeniedException') throw e;
    const groupArn = refusedGroupArn(e, name, keyArn);
    return new Promise((resolve) => {
      let done = false;
      const box = h('div');
      let dlg = null;
      const finish = (v) => {
        if (dlg) dlg.close();
        resolve(v);
      };
      const retry = async () => {
        await create();
        done = true;
        if (dlg) setTimeout(() => finish(true), 1200);
        else resolve(true);
      };
      if (container) {
        container.replaceChildren(box);
      } else {
        dlg = h('dialog', { class: 'lvp-dialog', id: 'fix-dialog', 'aria-label': 'Key refused' },
          h('div', { class: 'lvp-dialog-head' },
            h('strong', {}, `Create ${name}`),
            h('button', { id: 'fix-dialog-close', onclick: () => finish(done) }, 'Close')),
          box);
        dlg.addEventListener('cancel', () => resolve(done));
        document.body.append(dlg);
        dlg.showModal();
        dlg.addEventListener('close', () => dlg.remove());
      }
      refusalFlow(box, e, keyArn, groupArn, retry);
    });
  }
}

// The refusal flow for a caller that made the refused call itself (the
// groups page's create form): box gets the explanation and the one action;
// retry() repeats the call once the policy is fixed.
export async function renderRefusal(box, { keyId, groupName, groupArn, error, retry }) {
  const keyArn = await keyArnOf(keyId);
  const arn = groupArn || refusedGroupArn(error, groupName, keyArn);
  await refusalFlow(box, error, keyArn, arn, async () => { await retry(); });
}
