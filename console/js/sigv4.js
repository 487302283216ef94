// sigv4.js: AWS Signature Version 4 with Web Crypto (crypto.subtle), the
// four tasks of AWS's "Create a signed AWS API request"
// (https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html):
// 1. the canonical request, 2. the string to sign, 3. the signature from
// the derived signing key, 4. the Authorization header.
//
// crypto.subtle exists only in a secure context: the console must be
// opened over HTTPS (`logvault serve --tls-cert`) or on localhost /
// 127.0.0.1. Nothing here keeps, logs or sends the secret.

const enc = new TextEncoder();

// The SigV4 service of each X-Amz-Target prefix the console calls.
const SERVICE_OF_TARGET = {
  Logs_20140328: 'logs',
  TrentService: 'kms',
  LogvaultKmsExplain_20261201: 'kms',
  'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101': 'cloudtrail',
};

function hex(buf) {
  return Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');
}

function subtle() {
  if (!globalThis.crypto || !globalThis.crypto.subtle) {
    throw new Error('Web Crypto is unavailable: open the console over HTTPS or on localhost');
  }
  return globalThis.crypto.subtle;
}

export async function sha256Hex(text) {
  return hex(await subtle().digest('SHA-256', enc.encode(text)));
}

async function hmac(key, text) {
  const k = await subtle().importKey('raw', typeof key === 'string' ? enc.encode(key) : key,
    { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  return subtle().sign('HMAC', k, enc.encode(text));
}

// RFC 3986 percent-encoding of the UTF-8 bytes of s, keeping only the
// unreserved characters (and '/' when keepSlash), upper-case hex: AWS's
// UriEncode().
export function uriEncode(s, keepSlash = false) {
  let out = '';
  for (const b of enc.encode(s)) {
    const c = String.fromCharCode(b);
    if (/[A-Za-z0-9\-._~]/.test(c) || (keepSlash && c === '/')) {
      out += c;
    } else {
      out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
    }
  }
  return out;
}

// Splits an absolute URL without the URL class, which would re-encode the
// path and query: SigV4 signs them as written. → {host, path, query}.
export function splitUrl(url) {
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?/.exec(url);
  if (!m) {
    throw new Error('not an absolute URL');
  }
  return { host: m[1], path: m[2] || '/', query: m[3] || '' };
}

// The canonical URI: the path without empty, "." and ".." segments (every
// service but S3 normalizes), each segment URI-encoded once as written.
export function canonicalPath(path) {
  const out = [];
  const segs = path.split('/');
  for (const s of segs) {
    if (s === '' || s === '.') {
      continue;
    }
    if (s === '..') {
      out.pop();
    } else {
      out.push(uriEncode(s));
    }
  }
  let p = '/' + out.join('/');
  if (out.length && /\/(\.\.?)?$/.test(path)) {
    p += '/';
  }
  return p;
}

function decode(s) {
  try {
    return decodeURIComponent(s);
  } catch (e) {
    return s;
  }
}

// The canonical query string: each name and value decoded then encoded
// (so "%E1%88%B4" and its raw character sign alike), sorted by name then
// value, a missing value as empty.
export function canonicalQuery(query) {
  if (!query) {
    return '';
  }
  const pairs = query.split('&').filter((p) => p !== '').map((p) => {
    const i = p.indexOf('=');
    const k = i < 0 ? p : p.slice(0, i);
    const v = i < 0 ? '' : p.slice(i + 1);
    return [uriEncode(decode(k)), uriEncode(decode(v))];
  });
  pairs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
  return pairs.map((p) => p[0] + '=' + p[1]).join('&');
}

// Headers as [name, value] pairs, from an array of pairs (repeats kept, as
// the test vectors need), a Headers object or a plain object.
function headerPairs(h) {
  if (!h) {
    return [];
  }
  if (Array.isArray(h)) {
    return h.map(([k, v]) => [String(k), String(v)]);
  }
  if (typeof h.entries === 'function' && !(h.constructor === Object)) {
    return Array.from(h.entries());
  }
  return Object.entries(h).map(([k, v]) => [k, String(v)]);
}

function findHeader(pairs, lname) {
  const p = pairs.find(([k]) => k.toLowerCase() === lname);
  return p ? p[1] : undefined;
}

// Canonical headers and the signed-headers list: names in lower case,
// sorted; values trimmed with runs of white space as one space (folded
// lines included); a repeated name's values joined by ',' in order.
export function canonicalHeaders(pairs) {
  const byName = new Map();
  for (const [k, v] of pairs) {
    const name = k.toLowerCase().trim();
    const value = v.replace(/\s+/g, ' ').trim();
    if (byName.has(name)) {
      byName.get(name).push(value);
    } else {
      byName.set(name, [value]);
    }
  }
  const names = Array.from(byName.keys()).sort();
  return {
    text: names.map((n) => n + ':' + byName.get(n).join(',') + '\n').join(''),
    signed: names.join(';'),
  };
}

function amzDateOf(d) {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
}

function serviceOf(pairs) {
  const target = findHeader(pairs, 'x-amz-target');
  if (!target) {
    return undefined;
  }
  return SERVICE_OF_TARGET[target.slice(0, target.lastIndexOf('.'))];
}

// Everything of a signature, for the signer and the vector tests:
// req = {method, url, headers, body}, creds = {accessKeyId,
// secretAccessKey, sessionToken?, region}, opts = {service?, now? (a
// Date)}. The service defaults to the one of the X-Amz-Target header, the
// time to the request's X-Amz-Date header, else now; the Host is the
// request's Host header, else the URL's.
// → {canonicalRequest, stringToSign, authorization, headers}.
export async function signDetailed(req, creds, opts = {}) {
  const { host, path, query } = splitUrl(req.url);
  const pairs = headerPairs(req.headers);
  const service = opts.service || creds.service || serviceOf(pairs);
  if (!service) {
    throw new Error('no SigV4 service: give opts.service or an X-Amz-Target header');
  }
  const add = {};
  if (findHeader(pairs, 'host') === undefined) {
    pairs.push(['host', host]);
  }
  let amzDate = findHeader(pairs, 'x-amz-date');
  if (amzDate === undefined) {
    amzDate = amzDateOf(opts.now || new Date());
    pairs.push(['x-amz-date', amzDate]);
    add['X-Amz-Date'] = amzDate;
  }
  if (creds.sessionToken && findHeader(pairs, 'x-amz-security-token') === undefined) {
    pairs.push(['x-amz-security-token', creds.sessionToken]);
    add['X-Amz-Security-Token'] = creds.sessionToken;
  }
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${creds.region}/${service}/aws4_request`;

  // Task 1: the canonical request.
  const ch = canonicalHeaders(pairs);
  const canonicalRequest = [
    req.method.toUpperCase(),
    canonicalPath(path),
    canonicalQuery(query),
    ch.text,
    ch.signed,
    await sha256Hex(req.body || ''),
  ].join('\n');

  // Task 2: the string to sign.
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, await sha256Hex(canonicalRequest)].join('\n');

  // Task 3: the signing key and the signature.
  const kDate = await hmac('AWS4' + creds.secretAccessKey, date);
  const kRegion = await hmac(kDate, creds.region);
  const kService = await hmac(kRegion, service);
  const kSigning = await hmac(kService, 'aws4_request');
  const signature = hex(await hmac(kSigning, stringToSign));

  // Task 4: the Authorization header.
  const authorization = `AWS4-HMAC-SHA256 Credential=${creds.accessKeyId}/${scope}, ` +
    `SignedHeaders=${ch.signed}, Signature=${signature}`;
  if (!add['X-Amz-Date']) {
    add['X-Amz-Date'] = amzDate;
  }
  return {
    canonicalRequest,
    stringToSign,
    authorization,
    headers: Object.assign({ Authorization: authorization }, add),
  };
}

// The headers to add to req to send it signed: Authorization, X-Amz-Date
// and, with a session token, X-Amz-Security-Token.
export async function sign(req, creds, opts = {}) {
  return (await signDetailed(req, creds, opts)).headers;
}
