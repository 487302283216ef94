// main.js: the sign-in gate, the navigation bar, the theme, and the pages
// (each module registers its routes when imported).

import { call, session, signIn, signOut } from './api.js';
import { el, errorBox, spinner } from './ui.js';
import { start, stop } from './router.js';

// Every page module. Imported one by one, so that a page that fails to
// load (or is not there yet) costs its own routes, not the console.
const PAGES = ['groups', 'group', 'events', 'insights', 'keys', 'key', 'audit'];

const THEME_KEY = 'logvault.theme';

function applyTheme(t) {
  if (t === 'light' || t === 'dark') {
    document.documentElement.setAttribute('data-theme', t);
  } else {
    document.documentElement.removeAttribute('data-theme');
  }
}

function currentTheme() {
  const t = document.documentElement.getAttribute('data-theme');
  if (t) {
    return t;
  }
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

function themeButton() {
  const b = el('button', {
    type: 'button',
    class: 'ghost',
    id: 'theme',
    title: 'Switch between light and dark',
    onclick: () => {
      const next = currentTheme() === 'dark' ? 'light' : 'dark';
      applyTheme(next);
      // Not a secret: the one thing the console keeps beyond the tab.
      localStorage.setItem(THEME_KEY, next);
      b.textContent = label();
    },
  });
  const label = () => (currentTheme() === 'dark' ? 'Light' : 'Dark');
  b.textContent = label();
  return b;
}

function navBar(creds) {
  const links = [['#/groups', 'Log groups'], ['#/insights', 'Insights'], ['#/keys', 'Keys'], ['#/audit', 'Audit trail']];
  return el('nav', { class: 'top', 'aria-label': 'Main' },
    el('a', { href: '#/groups', class: 'brand' }, 'logvault'),
    el('ul', null, links.map(([h, t]) => el('li', null, el('a', { href: h, 'data-route': h }, t)))),
    el('span', { class: 'who', title: 'Access key and region of this tab' }, `${creds.accessKeyId} · ${creds.region}`),
    themeButton(),
    el('button', {
      type: 'button',
      id: 'signout',
      class: 'ghost',
      onclick: () => {
        stop();
        signOut();
        boot();
      },
    }, 'Sign out'));
}

function signInForm() {
  const msg = el('div', { class: 'signin-msg' });
  const id = el('input', { id: 'akid', name: 'akid', autocomplete: 'username', spellcheck: 'false', required: true });
  const secret = el('input', { id: 'secret', name: 'secret', type: 'password', autocomplete: 'current-password', required: true });
  const region = el('input', { id: 'region', name: 'region', value: 'us-east-1', spellcheck: 'false', required: true });
  const button = el('button', { type: 'submit', class: 'primary', id: 'signin-button' }, 'Sign in');
  const form = el('form', {
    id: 'signin',
    class: 'signin',
    autocomplete: 'off',
    onsubmit: async (e) => {
      // Never submitted: the keys go to sessionStorage, not to a URL.
      e.preventDefault();
      msg.replaceChildren(spinner('Checking the keys…'));
      button.disabled = true;
      signIn({ accessKeyId: id.value, secretAccessKey: secret.value, region: region.value });
      try {
        // Any signed call proves the keys; an AccessDenied still does.
        await call('logs', 'DescribeLogGroups', { limit: 1 });
      } catch (err) {
        if (['UnrecognizedClientException', 'InvalidSignatureException', 'IncompleteSignature',
          'MissingAuthenticationToken', 'NetworkError', 'NotSignedIn'].includes(err.code) ||
          !err.code) {
          signOut();
          msg.replaceChildren(errorBox(err));
          button.disabled = false;
          return;
        }
      }
      secret.value = '';
      boot();
    },
  },
  el('h1', null, 'logvault'),
  el('p', { class: 'muted' }, 'Sign in with an access key. The secret stays in this tab (session storage) and signs each request; it is never sent.'),
  el('label', { for: 'akid' }, 'Access key ID'), id,
  el('label', { for: 'secret' }, 'Secret access key'), secret,
  el('label', { for: 'region' }, 'Region'), region,
  button, msg);
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    msg.replaceChildren(errorBox(new Error('This page is not a secure context, so Web Crypto is unavailable: '
      + 'open the console over HTTPS (logvault serve --tls-cert) or on localhost.')));
    button.disabled = true;
  }
  return form;
}

let pagesLoaded = null;

function loadPages() {
  if (!pagesLoaded) {
    pagesLoaded = Promise.allSettled(PAGES.map((p) => import(`./pages/${p}.js`)));
  }
  return pagesLoaded;
}

async function boot() {
  const creds = session();
  const header = document.getElementById('top');
  const old = document.querySelector('main');
  const main = el('main', { id: 'main' });
  if (old) {
    old.replaceWith(main);
  } else {
    document.body.appendChild(main);
  }
  if (!creds) {
    header.replaceChildren();
    document.title = 'Sign in · logvault';
    main.appendChild(signInForm());
    document.getElementById('akid').focus();
    return;
  }
  header.replaceChildren(navBar(creds));
  main.appendChild(spinner());
  await loadPages();
  await start('#/groups');
}

// "/" puts the cursor in the page's search or filter box (the first
// .grow input), as in many consoles; typed into a field, it is a slash.
document.addEventListener('keydown', (e) => {
  const t = e.target;
  if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey ||
      (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) {
    return;
  }
  const box = document.querySelector('main input.grow, main textarea');
  if (box) {
    e.preventDefault();
    box.focus();
  }
});

applyTheme(localStorage.getItem(THEME_KEY));
boot();
