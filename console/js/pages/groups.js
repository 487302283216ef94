// pages/groups.js: the log groups — name, class, retention, stored bytes,
// creation time and encryption (the key by alias or ARN, its state, and
// whether its policy lets CloudWatch Logs use it for the group, as the
// explainer answers) — and creating a group, with a key if wanted.
//
// Also the encryption helpers group.js shares: groupArn, logsPrincipal,
// keyCache, explainLogsUse, encryptionSummary.

import { call, paginate, session } from '../api.js';
import { el, errorBox, errorText, formatBytes, formatTime, spinner, table, toast } from '../ui.js';
import { link, page } from '../router.js';

// AWS's retention values (PutRetentionPolicy's retentionInDays).
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
  1827, 2192, 2557, 2922, 3288, 3653];

// The group's ARN without the ":*" DescribeLogGroups' arn carries: what
// CloudWatch Logs puts in the encryption context (aws:logs:arn).
export function groupArn(g) {
  return g.logGroupArn || String(g.arn || '').replace(/:\*$/, '');
}

// The CloudWatch Logs service principal of the signed-in region.
export function logsPrincipal() {
  const s = session();
  return `logs.${s ? s.region : 'us-east-1'}.amazonaws.com`;
}

// Runs at most n of the functions given to it at once.
function limiter(n) {
  let active = 0;
  const queue = [];
  const next = () => {
    if (active >= n || !queue.length) {
      return;
    }
    active++;
    const [fn, resolve, reject] = queue.shift();
    fn().then(resolve, reject).finally(() => {
      active--;
      next();
    });
  };
  return (fn) => new Promise((resolve, reject) => {
    queue.push([fn, resolve, reject]);
    next();
  });
}

// Per-render caches of DescribeKey and the aliases, so that twenty groups
// on one key cost one call each.
export function keyCache() {
  const keys = new Map();
  let aliases = null;
  const run = limiter(4);
  return {
    run,
    describe(keyId) {
      if (!keys.has(keyId)) {
        keys.set(keyId, run(() => call('kms', 'DescribeKey', { KeyId: keyId })).then((o) => o.KeyMetadata));
      }
      return keys.get(keyId);
    },
    // The alias names of a key id ("alias/app"), [] when none or not
    // allowed to list them.
    async aliasesOf(keyId) {
      if (!aliases) {
        aliases = paginate('kms', 'ListAliases', {}, 'Aliases', 'NextMarker').catch(() => []);
      }
      return (await aliases).filter((a) => a.TargetKeyId === keyId).map((a) => a.AliasName);
    },
  };
}

// The explainer's answer to "may CloudWatch Logs (logs.REGION.amazonaws.com)
// use this key to encrypt this group's data?" (kms:GenerateDataKey with
// aws:logs:arn = the group): {Decision, Reason, Trace, Proposal?}.
export function explainLogsUse(keyId, arn) {
  return call('kms-explain', 'Explain', {
    KeyId: keyId,
    Principal: logsPrincipal(),
    Action: 'kms:GenerateDataKey',
    EncryptionContext: { 'aws:logs:arn': arn },
  });
}

function badge(text, cls, title) {
  return el('span', { class: `badge ${cls || ''}`, title }, text);
}

// Fills cell with the encryption of group g: key (alias or ARN), state,
// and whether CloudWatch Logs may use it for g. Never throws.
export async function encryptionSummary(cell, g, cache, opts = {}) {
  if (!g.kmsKeyId) {
    cell.replaceChildren(el('span', { class: 'muted' }, 'Not encrypted'));
    return;
  }
  const keyLine = el('div', { class: 'mono wrap', title: g.kmsKeyId }, g.kmsKeyId);
  const state = el('span', { class: 'key-state' }, spinner(''));
  const use = el('span', { class: 'logs-use' });
  cell.replaceChildren(keyLine, el('div', null, state, ' ', use));
  try {
    const meta = await cache.describe(g.kmsKeyId);
    const names = await cache.aliasesOf(meta.KeyId);
    if (names.length) {
      keyLine.replaceChildren(names.join(', '));
    }
    state.replaceChildren(badge(meta.KeyState, meta.KeyState === 'Enabled' ? 'ok' : 'bad', 'Key state (DescribeKey)'));
  } catch (e) {
    state.replaceChildren(badge('state unknown', 'warn', errorText(e)));
  }
  use.replaceChildren(spinner(''));
  try {
    const ans = await cache.run(() => explainLogsUse(g.kmsKeyId, groupArn(g)));
    if (ans.Decision === 'ALLOW') {
      use.replaceChildren(badge('Logs may use it', 'ok', ans.Reason || ''));
    } else {
      use.replaceChildren(badge('Logs refused', 'bad', ans.Reason || ''));
      if (opts.linkFix !== false) {
        use.append(' ', el('a', { href: link('#/groups/:name', { name: g.logGroupName }), class: 'why' }, 'why?'));
      }
    }
  } catch (e) {
    use.replaceChildren(badge('Logs: unknown', 'warn', errorText(e)));
  }
}

// Resolves what the user typed (key id, ARN, alias name or alias ARN) to
// the key's ARN, which CreateLogGroup and AssociateKmsKey require.
export async function keyArnOf(keyId) {
  if (/^arn:[^:]+:kms:[^:]*:\d+:key\//.test(keyId)) {
    return keyId;
  }
  return (await call('kms', 'DescribeKey', { KeyId: keyId })).KeyMetadata.Arn;
}

// The group's ARN named by a refusal ("... used with Arn 'arn:...'"), else
// one made of the key's account and region.
function refusedGroupArn(err, keyArn, name) {
  const m = /Arn '([^']+)'/.exec(err.message || '');
  if (m) {
    return m[1];
  }
  const p = keyArn.split(':');
  return `arn:aws:logs:${p[3]}:${p[4]}:log-group:${name}`;
}

// The refusal of CreateLogGroup with a key: fix.js's flow (the
// explanation and the one action) when the pages have it, else the
// explainer's reason.
async function showRefusal(box, err, keyArn, name, retry) {
  const arn = refusedGroupArn(err, keyArn, name);
  let fix = null;
  try {
    fix = await import('./fix.js');
  } catch (e) {
    fix = null;
  }
  if (fix && typeof fix.renderRefusal === 'function') {
    await fix.renderRefusal(box, { keyId: keyArn, groupName: name, groupArn: arn, error: err, retry });
    return;
  }
  box.replaceChildren(errorBox(err));
  try {
    const ans = await explainLogsUse(keyArn, arn);
    box.appendChild(el('p', null, `Explainer: ${ans.Decision}. ${ans.Reason || ''}`));
  } catch (e) {
    box.appendChild(errorBox(e));
  }
}

function createForm(onCreated) {
  const msg = el('div', { class: 'create-msg' });
  const name = el('input', { id: 'new-group-name', required: true, placeholder: '/app/web', spellcheck: 'false' });
  const keys = el('datalist', { id: 'key-choices' });
  const key = el('input', { id: 'new-group-key', placeholder: 'optional: key ARN, id or alias/NAME', spellcheck: 'false' });
  key.setAttribute('list', 'key-choices');
  const cls = el('select', { id: 'new-group-class' },
    el('option', { value: 'STANDARD' }, 'Standard'), el('option', { value: 'INFREQUENT_ACCESS' }, 'Infrequent access'));
  const ret = el('select', { id: 'new-group-retention' }, el('option', { value: '' }, 'Never expire'),
    RETENTION_DAYS.map((d) => el('option', { value: String(d) }, `${d} days`)));
  const submit = el('button', { type: 'submit', class: 'primary', id: 'create-group' }, 'Create');
  // Offer the aliases; nothing breaks if listing them is not allowed.
  paginate('kms', 'ListAliases', {}, 'Aliases', 'NextMarker').then((as) => {
    keys.replaceChildren(...as.filter((a) => a.TargetKeyId).map((a) => el('option', { value: a.AliasName })));
  }).catch(() => {});

  const create = async () => {
    const groupName = name.value.trim();
    const input = { logGroupName: groupName, logGroupClass: cls.value };
    let keyArn = null;
    submit.disabled = true;
    msg.replaceChildren(spinner('Creating…'));
    try {
      if (key.value.trim()) {
        keyArn = await keyArnOf(key.value.trim());
        input.kmsKeyId = keyArn;
      }
      await call('logs', 'CreateLogGroup', input);
      if (ret.value) {
        await call('logs', 'PutRetentionPolicy', { logGroupName: groupName, retentionInDays: Number(ret.value) });
      }
      msg.replaceChildren();
      toast(`Created ${groupName}`);
      name.value = '';
      key.value = '';
      onCreated(groupName);
    } catch (e) {
      if (keyArn && e.code === 'AccessDeniedException') {
        await showRefusal(msg, e, keyArn, groupName, create);
      } else {
        msg.replaceChildren(errorBox(e));
      }
    } finally {
      submit.disabled = false;
    }
  };
  return el('form', {
    class: 'panel create',
    id: 'create-form',
    onsubmit: (e) => {
      e.preventDefault();
      create();
    },
  },
  el('h2', null, 'Create log group'),
  el('div', { class: 'form-grid' },
    el('label', { for: 'new-group-name' }, 'Name'), name,
    el('label', { for: 'new-group-key' }, 'KMS key'), el('span', null, key, keys),
    el('label', { for: 'new-group-class' }, 'Class'), cls,
    el('label', { for: 'new-group-retention' }, 'Retention'), ret),
  el('div', { class: 'toolbar' }, submit), msg);
}

function retentionText(g) {
  return g.retentionInDays ? `${g.retentionInDays} days` : 'Never expire';
}

async function render(root) {
  const list = el('div', { id: 'groups' });
  const prefix = el('input', { class: 'grow', id: 'group-filter', placeholder: 'Filter by name prefix', 'aria-label': 'Filter by name prefix', spellcheck: 'false' });
  const formBox = el('div');
  let form = null;
  const load = async () => {
    list.replaceChildren(spinner('Loading log groups…'));
    const input = prefix.value.trim() ? { logGroupNamePrefix: prefix.value.trim() } : {};
    let groups;
    try {
      groups = await paginate('logs', 'DescribeLogGroups', input, 'logGroups');
    } catch (e) {
      list.replaceChildren(errorBox(e));
      return;
    }
    const cache = keyCache();
    const cells = [];
    list.replaceChildren(el('p', { class: 'muted' }, `${groups.length} log group${groups.length === 1 ? '' : 's'}`),
      table([
        { key: 'logGroupName', label: 'Name', class: 'wrap', render: (g) => el('a', { href: link('#/groups/:name', { name: g.logGroupName }), class: 'group-link' }, g.logGroupName) },
        { key: 'logGroupClass', label: 'Class', class: 'nowrap', render: (g) => g.logGroupClass || 'STANDARD' },
        { key: 'retentionInDays', label: 'Retention', class: 'nowrap', render: retentionText },
        { key: 'storedBytes', label: 'Stored', class: 'num', render: (g) => formatBytes(g.storedBytes || 0) },
        { key: 'creationTime', label: 'Created', class: 'nowrap', render: (g) => formatTime(g.creationTime) },
        {
          key: 'kmsKeyId',
          label: 'Encryption',
          render: (g) => {
            const c = el('div', { class: 'encryption-cell' });
            cells.push([c, g]);
            return c;
          },
        },
        { key: 'events', label: '', class: 'nowrap', render: (g) => el('a', { href: link('#/groups/:name/events', { name: g.logGroupName }) }, 'Events') },
      ], groups, { empty: 'No log groups. Create one above.' }));
    cells.forEach(([c, g]) => encryptionSummary(c, g, cache));
  };
  const toggle = el('button', {
    type: 'button',
    id: 'show-create',
    onclick: () => {
      if (form) {
        form.remove();
        form = null;
        return;
      }
      form = createForm(() => load());
      formBox.appendChild(form);
      form.querySelector('input').focus();
    },
  }, 'Create log group');
  root.appendChild(el('h1', null, 'Log groups'));
  root.appendChild(el('div', { class: 'toolbar' }, prefix,
    el('button', { type: 'button', onclick: load, id: 'refresh' }, 'Refresh'), toggle));
  prefix.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      load();
    }
  });
  root.appendChild(formBox);
  root.appendChild(list);
  await load();
}

page('#/groups', 'Log groups', render);
