// key.js: one KMS key (#/keys/:id; id is a key id, key ARN or alias) —
// DescribeKey (state, spec, usage, dates), rotation, aliases, grants
// (ListGrants), tags (ListResourceTags) and the key policy (GetKeyPolicy)
// as formatted JSON with edit and validate: the text is checked here as
// JSON (checkJson: the first error with its line, column and offset; the
// caret is put there) and nothing is sent while it is invalid; a valid
// document is put with PutKeyPolicy, whose refusal
// (MalformedPolicyDocumentException, ...) is shown with its code and
// message.
import { call } from '../api.js';
import { page } from '../router.js';
import { h } from './fix.js';
import { spinner, errorBox, json } from '../ui.js';

// A strict JSON (RFC 8259) checker that says where the first error is:
// null when `text` is one JSON value, else {offset, line, column, message}
// (line and column from 1). Not JSON.parse: its messages and positions
// differ between browsers.
export function checkJson(text) {
  let i = 0;
  const n = text.length;
  const fail = (msg) => {
    const before = text.slice(0, i);
    const line = before.split('\n').length;
    const column = i - before.lastIndexOf('\n');
    const err = new Error(msg);
    err.where = { offset: i, line, column, message: msg };
    throw err;
  };
  const ws = () => { while (i < n && ' \t\n\r'.includes(text[i])) i++; };
  const lit = (w) => { if (text.startsWith(w, i)) i += w.length; else fail('expected a value'); };
  const str = () => {
    i++;
    while (i < n) {
      const c = text[i];
      if (c === '"') { i++; return; }
      if (c === '\\') {
        i++;
        const e = text[i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 5;
        } else if ('"\\/bfnrt'.includes(e) && e !== undefined) i++;
        else fail('bad escape in a string');
      } else if (c < ' ') fail('control character in a string (escape it)');
      else i++;
    }
    fail('unterminated string');
  };
  const num = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m || !m[0] || m[0] === '-') fail('bad number');
    i += m[0].length;
  };
  const value = (depth) => {
    if (depth > 512) fail('nested too deep');
    ws();
    if (i >= n) fail('unexpected end of the text: a value was expected');
    const c = text[i];
    if (c === '{') {
      i++; ws();
      if (text[i] === '}') { i++; return; }
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a member name in double quotes');
        str(); ws();
        if (text[i] !== ':') fail('expected ":" after the member name');
        i++;
        value(depth + 1); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === '}') { i++; return; }
        fail(i >= n ? 'unexpected end of the text: "}" was expected' : 'expected "," or "}"');
      }
    }
    if (c === '[') {
      i++; ws();
      if (text[i] === ']') { i++; return; }
      for (;;) {
        value(depth + 1); ws();
        if (text[i] === ',') { i++; continue; }
        if (text[i] === ']') { i++; return; }
        fail(i >= n ? 'unexpected end of the text: "]" was expected' : 'expected "," or "]"');
      }
    }
    if (c === '"') return str();
    if (c === 't') return lit('true');
    if (c === 'f') return lit('false');
    if (c === 'n') return lit('null');
    if (c === '-' || (c >= '0' && c <= '9')) return num();
    return fail(`unexpected character ${JSON.stringify(c)}`);
  };
  try {
    value(0);
    ws();
    if (i < n) fail('unexpected text after the JSON value');
    return null;
  } catch (e) {
    if (e.where) return e.where;
    throw e;
  }
}

function dl(rows) {
  return h('dl', { class: 'lvp-dl' }, rows.map(([k, v]) => [h('dt', {}, k), h('dd', {}, v ?? '—')]));
}

function date(s) {
  return s ? new Date(s * 1000).toISOString().slice(0, 19).replace('T', ' ') : '—';
}

async function settle(p) {
  try { return { v: await p }; } catch (e) { return { e }; }
}

function policyEditor(md, policyText) {
  const pretty = (() => {
    try { return JSON.stringify(JSON.parse(policyText), null, 2); } catch (e) { return policyText; }
  })();
  const area = h('textarea', {
    id: 'policy-text', class: 'lvp-code', rows: '22', spellcheck: 'false', 'aria-label': 'Key policy',
  });
  area.value = pretty;
  area.readOnly = true;
  const status = h('div', { id: 'policy-status', role: 'status' });
  const edit = h('button', { id: 'policy-edit' }, 'Edit');
  const validate = h('button', { id: 'policy-validate', disabled: true }, 'Validate');
  const save = h('button', { id: 'policy-save', class: 'primary', disabled: true }, 'Save policy');
  const cancel = h('button', { id: 'policy-cancel', disabled: true }, 'Cancel');
  const setEditing = (on) => {
    area.readOnly = !on;
    edit.disabled = on;
    validate.disabled = !on;
    save.disabled = !on;
    cancel.disabled = !on;
    if (on) area.focus();
  };
  const check = () => {
    const bad = checkJson(area.value);
    if (bad) {
      status.replaceChildren(h('div', { class: 'lvp-error', id: 'policy-json-error', role: 'alert' },
        `Invalid JSON at line ${bad.line}, column ${bad.column} (offset ${bad.offset}): ${bad.message}`));
      area.focus();
      area.setSelectionRange(bad.offset, Math.min(bad.offset + 1, area.value.length));
      return false;
    }
    const doc = JSON.parse(area.value);
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      status.replaceChildren(h('div', { class: 'lvp-error', id: 'policy-json-error', role: 'alert' },
        'A key policy is a JSON object.'));
      return false;
    }
    return true;
  };
  edit.addEventListener('click', () => { status.replaceChildren(); setEditing(true); });
  cancel.addEventListener('click', () => { area.value = pretty; status.replaceChildren(); setEditing(false); });
  validate.addEventListener('click', () => {
    if (check()) status.replaceChildren(h('span', { class: 'lvp-ok', id: 'policy-json-ok' }, 'Valid JSON.'));
  });
  save.addEventListener('click', async () => {
    if (!check()) return;
    save.disabled = true;
    status.replaceChildren(spinner('Putting the key policy…'));
    try {
      await call('kms', 'PutKeyPolicy', { KeyId: md.KeyId, PolicyName: 'default', Policy: area.value });
    } catch (e) {
      status.replaceChildren(errorBox(e));
      save.disabled = false;
      return;
    }
    status.replaceChildren(h('span', { class: 'lvp-ok', id: 'policy-saved' }, 'Key policy saved.'));
    setEditing(false);
  });
  area.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && (ev.ctrlKey || ev.metaKey) && !area.readOnly) {
      ev.preventDefault();
      save.click();
    }
  });
  return h('section', { class: 'lvp-policy' },
    h('h2', {}, 'Key policy'),
    h('div', { class: 'lvp-actions' }, edit, validate, save, cancel),
    status, area);
}

page('#/keys/:id', 'Key', async (root, params) => {
  const id = params.id;
  root.append(h('p', {}, h('a', { href: '#/keys' }, '← Keys')), spinner('Reading the key…'));
  let md;
  try {
    md = (await call('kms', 'DescribeKey', { KeyId: id })).KeyMetadata;
  } catch (e) {
    root.replaceChildren(h('p', {}, h('a', { href: '#/keys' }, '← Keys')), errorBox(e));
    return;
  }
  const [rot, al, gr, tg, pol] = await Promise.all([
    settle(call('kms', 'GetKeyRotationStatus', { KeyId: md.KeyId })),
    settle(call('kms', 'ListAliases', { KeyId: md.KeyId })),
    settle(call('kms', 'ListGrants', { KeyId: md.KeyId })),
    settle(call('kms', 'ListResourceTags', { KeyId: md.KeyId })),
    settle(call('kms', 'GetKeyPolicy', { KeyId: md.KeyId, PolicyName: 'default' })),
  ]);
  let rotation;
  if (rot.e) rotation = rot.e.code === 'UnsupportedOperationException' ? 'n/a for this key spec' : `${rot.e.code}: ${rot.e.message}`;
  else rotation = rot.v.KeyRotationEnabled ? `on${rot.v.RotationPeriodInDays ? `, every ${rot.v.RotationPeriodInDays} days` : ''}`
    + `${rot.v.NextRotationDate ? `, next ${date(rot.v.NextRotationDate)}` : ''}` : 'off';
  const grants = gr.e ? errorBox(gr.e) : (gr.v.Grants || []).length
    ? h('table', { class: 'grid lvp-table', id: 'key-grants' },
      h('thead', {}, h('tr', {}, ['Grant id', 'Name', 'Grantee', 'Retiring', 'Operations', 'Constraints'].map((x) => h('th', {}, x)))),
      h('tbody', {}, gr.v.Grants.map((g) => h('tr', {},
        h('td', {}, g.GrantId), h('td', {}, g.Name || ''), h('td', {}, g.GranteePrincipal || ''),
        h('td', {}, g.RetiringPrincipal || ''), h('td', {}, (g.Operations || []).join(', ')),
        h('td', {}, g.Constraints ? JSON.stringify(g.Constraints) : '')))))
    : h('p', { class: 'lvp-muted' }, 'No grants.');
  const tags = tg.e ? errorBox(tg.e) : (tg.v.Tags || []).length
    ? h('table', { class: 'grid lvp-table', id: 'key-tags' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Key'), h('th', {}, 'Value'))),
      h('tbody', {}, tg.v.Tags.map((t) => h('tr', {}, h('td', {}, t.TagKey), h('td', {}, t.TagValue)))))
    : h('p', { class: 'lvp-muted' }, 'No tags.');
  root.replaceChildren(
    h('p', {}, h('a', { href: '#/keys' }, '← Keys')),
    h('h1', {}, (al.v && al.v.Aliases && al.v.Aliases[0] && al.v.Aliases[0].AliasName) || md.KeyId),
    dl([
      ['Key id', md.KeyId],
      ['ARN', h('span', { id: 'key-arn' }, md.Arn)],
      ['State', h('span', { id: 'key-state', class: `lvp-state lvp-state-${md.KeyState}` }, md.KeyState)],
      ['Spec', md.KeySpec || md.CustomerMasterKeySpec],
      ['Usage', md.KeyUsage],
      ['Origin', md.Origin],
      ['Manager', md.KeyManager],
      ['Description', md.Description || '—'],
      ['Created', date(md.CreationDate)],
      md.DeletionDate ? ['Deletion date', date(md.DeletionDate)] : null,
      ['Rotation', h('span', { id: 'key-rotation' }, rotation)],
      ['Aliases', al.e ? errorBox(al.e) : h('span', { id: 'key-aliases' }, (al.v.Aliases || []).map((a) => a.AliasName).join(', ') || '—')],
    ].filter(Boolean)),
    h('section', {}, h('h2', {}, 'Grants'), grants),
    h('section', {}, h('h2', {}, 'Tags'), tags),
    pol.e ? h('section', {}, h('h2', {}, 'Key policy'), errorBox(pol.e)) : policyEditor(md, pol.v.Policy),
    h('details', {}, h('summary', {}, 'DescribeKey output'), json(md)));
});
