// router.js: hash routes ("#/groups/:name"). Each page module calls page()
// when imported; start() renders the route of location.hash and every
// later one. A render gets a fresh, empty <main>: one that resolves after
// the user moved on fills a detached element, never the page shown.

import { el, errorBox } from './ui.js';

const routes = [];
let cleanup = null;
let current = 0;
let fallback = '#/groups';

// pattern: "#/groups" or "#/groups/:name/events"; title: text or
// (params) → text; render(root, params, query) async, may return a
// cleanup function (run when the user leaves the page).
export function page(pattern, title, render) {
  const parts = pattern.replace(/^#\/?/, '').split('/').filter((p) => p !== '');
  routes.push({ pattern, parts, title, render });
}

// The hash of a route with its parameters encoded: link('#/groups/:name',
// {name}) → "#/groups/a%2Fb".
export function link(pattern, params = {}, query = null) {
  let h = pattern.replace(/:([A-Za-z_]\w*)/g, (m, k) => encodeURIComponent(params[k] ?? ''));
  if (query) {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') {
        q.set(k, v);
      }
    }
    const qs = q.toString();
    if (qs) {
      h += '?' + qs;
    }
  }
  return h;
}

export function go(hash) {
  if (location.hash === hash) {
    render();
  } else {
    location.hash = hash;
  }
}

// The route for a hash: {route, params, query} or null.
export function match(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const qi = raw.indexOf('?');
  const path = qi < 0 ? raw : raw.slice(0, qi);
  const query = Object.fromEntries(new URLSearchParams(qi < 0 ? '' : raw.slice(qi + 1)));
  const segs = path.split('/').filter((p) => p !== '');
  for (const r of routes) {
    if (r.parts.length !== segs.length) {
      continue;
    }
    const params = {};
    let ok = true;
    for (let i = 0; i < segs.length && ok; i++) {
      if (r.parts[i].startsWith(':')) {
        try {
          params[r.parts[i].slice(1)] = decodeURIComponent(segs[i]);
        } catch (e) {
          ok = false;
        }
      } else {
        ok = r.parts[i] === segs[i];
      }
    }
    if (ok) {
      return { route: r, params, query };
    }
  }
  return null;
}

async function render() {
  const gen = ++current;
  if (cleanup) {
    try {
      cleanup();
    } catch (e) {
      // a page's cleanup failing must not stop the next page
    }
    cleanup = null;
  }
  const hash = location.hash || '';
  if (hash === '' || hash === '#' || hash === '#/') {
    location.replace(fallback);
    return;
  }
  const old = document.querySelector('main');
  const root = el('main', { id: 'main', tabindex: '-1' });
  if (old) {
    old.replaceWith(root);
  } else {
    document.body.appendChild(root);
  }
  const m = match(hash);
  document.querySelectorAll('nav a[data-route]').forEach((a) => {
    if (hash.startsWith(a.getAttribute('data-route'))) {
      a.setAttribute('aria-current', 'page');
    } else {
      a.removeAttribute('aria-current');
    }
  });
  if (!m) {
    document.title = 'Not found · logvault';
    root.appendChild(el('h1', null, 'Not found'));
    root.appendChild(el('p', null, 'No page at this address. ', el('a', { href: fallback }, 'Log groups')));
    return;
  }
  const t = typeof m.route.title === 'function' ? m.route.title(m.params) : m.route.title;
  document.title = `${t} · logvault`;
  try {
    const c = await m.route.render(root, m.params, m.query);
    if (typeof c === 'function') {
      if (gen === current) {
        cleanup = c;
      } else {
        c();
      }
    }
  } catch (e) {
    if (gen === current) {
      root.appendChild(errorBox(e));
    }
  }
}

// Starts routing; default: the hash shown when there is none.
export function start(defaultHash = '#/groups') {
  fallback = defaultHash;
  window.addEventListener('hashchange', render);
  return render();
}

// Stops the current page (its cleanup) and routing, for sign-out.
export function stop() {
  window.removeEventListener('hashchange', render);
  current++;
  if (cleanup) {
    cleanup();
    cleanup = null;
  }
}
