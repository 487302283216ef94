// keys.js: the KMS keys of the account (#/keys) — ListKeys, then for each
// key DescribeKey (state, spec, usage, description), its aliases
// (ListAliases) and its rotation (GetKeyRotationStatus; asymmetric and HMAC
// keys have none: UnsupportedOperationException shows as "n/a") — and the
// create-key form (CreateKey, then CreateAlias when an alias is given).
import { call } from '../api.js';
import { page, go } from '../router.js';
import { spinner, errorBox } from '../ui.js';
import { h, listKeysWithAliases } from './fix.js';

const SPECS = {
  SYMMETRIC_DEFAULT: ['ENCRYPT_DECRYPT'],
  RSA_2048: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_3072: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  RSA_4096: ['ENCRYPT_DECRYPT', 'SIGN_VERIFY'],
  ECC_NIST_P256: ['SIGN_VERIFY'],
  ECC_NIST_P384: ['SIGN_VERIFY'],
  HMAC_256: ['GENERATE_VERIFY_MAC'],
};

async function rotationOf(keyId) {
  try {
    const r = await call('kms', 'GetKeyRotationStatus', { KeyId: keyId });
    return r.KeyRotationEnabled ? `on${r.RotationPeriodInDays ? ` (${r.RotationPeriodInDays} d)` : ''}` : 'off';
  } catch (e) {
    if (e.code === 'UnsupportedOperationException') return 'n/a';
    if (e.code === 'KMSInvalidStateException') return '—';
    return `${e.code}`;
  }
}

function createForm(onDone) {
  const spec = h('select', { id: 'new-key-spec', 'aria-label': 'Key spec' },
    Object.keys(SPECS).map((s) => h('option', { value: s }, s)));
  const usage = h('select', { id: 'new-key-usage', 'aria-label': 'Key usage' });
  const fillUsage = () => usage.replaceChildren(...SPECS[spec.value].map((u) => h('option', { value: u }, u)));
  spec.addEventListener('change', fillUsage);
  fillUsage();
  const desc = h('input', { id: 'new-key-description', placeholder: 'Description', 'aria-label': 'Description' });
  const alias = h('input', { id: 'new-key-alias', placeholder: 'alias/name (optional)', 'aria-label': 'Alias' });
  const status = h('div', { id: 'new-key-status' });
  const form = h('form', {
    class: 'lvp-form',
    id: 'create-key-form',
    onsubmit: async (ev) => {
      ev.preventDefault();
      const btn = form.querySelector('button[type=submit]');
      btn.disabled = true;
      status.replaceChildren(spinner('Creating the key…'));
      try {
        const md = (await call('kms', 'CreateKey', {
          KeySpec: spec.value, KeyUsage: usage.value, Description: desc.value,
        })).KeyMetadata;
        let a = alias.value.trim();
        if (a) {
          if (!a.startsWith('alias/')) a = `alias/${a}`;
          try {
            await call('kms', 'CreateAlias', { AliasName: a, TargetKeyId: md.KeyId });
          } catch (e) {
            status.replaceChildren(h('p', {}, `Key ${md.KeyId} created, but its alias was refused:`), errorBox(e));
            btn.disabled = false;
            return;
          }
        }
        onDone(md);
      } catch (e) {
        status.replaceChildren(errorBox(e));
        btn.disabled = false;
      }
    },
  },
  h('label', {}, 'Spec ', spec), h('label', {}, 'Usage ', usage), desc, alias,
  h('button', { type: 'submit', class: 'primary', id: 'create-key-submit' }, 'Create key'),
  status);
  return form;
}

page('#/keys', 'Keys', async (root) => {
  const formBox = h('div');
  const list = h('div', { id: 'keys-list' }, spinner('Listing keys…'));
  root.append(
    h('div', { class: 'lvp-head' },
      h('h1', {}, 'KMS keys'),
      h('button', {
        id: 'create-key',
        class: 'primary',
        onclick: () => {
          if (formBox.firstChild) { formBox.replaceChildren(); return; }
          formBox.append(createForm((md) => go(`#/keys/${encodeURIComponent(md.KeyId)}`)));
          formBox.querySelector('select').focus();
        },
      }, 'Create key')),
    formBox, list);
  let keys;
  try {
    keys = await listKeysWithAliases();
  } catch (e) {
    list.replaceChildren(errorBox(e));
    return;
  }
  if (!keys.length) {
    list.replaceChildren(h('p', { class: 'lvp-muted' }, 'No keys yet.'));
    return;
  }
  const rows = await Promise.all(keys.map(async (k) => {
    try {
      const md = (await call('kms', 'DescribeKey', { KeyId: k.id })).KeyMetadata;
      return { ...k, md, rotation: md.KeyManager === 'AWS' ? 'managed' : await rotationOf(k.id) };
    } catch (e) {
      return { ...k, error: e };
    }
  }));
  const head = ['Key id', 'Aliases', 'State', 'Spec', 'Usage', 'Rotation', 'Description', 'Created'];
  list.replaceChildren(h('table', { class: 'grid lvp-table', id: 'keys-table' },
    h('thead', {}, h('tr', {}, head.map((x) => h('th', {}, x)))),
    h('tbody', {}, rows.map((r) => h('tr', { 'data-key-id': r.id },
      h('td', {}, h('a', { href: `#/keys/${encodeURIComponent(r.id)}` }, r.id)),
      h('td', {}, r.aliases.join(', ') || '—'),
      r.error ? h('td', { colspan: '6' }, errorBox(r.error)) : [
        h('td', {}, h('span', { class: `lvp-state lvp-state-${r.md.KeyState}` }, r.md.KeyState)),
        h('td', {}, r.md.KeySpec || r.md.CustomerMasterKeySpec || ''),
        h('td', {}, r.md.KeyUsage || ''),
        h('td', {}, r.rotation),
        h('td', {}, r.md.Description || ''),
        h('td', {}, r.md.CreationDate ? new Date(r.md.CreationDate * 1000).toISOString().slice(0, 19).replace('T', ' ') : ''),
      ])))));
});
