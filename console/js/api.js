// api.js: the AWS JSON 1.1 calls of the console, signed with the user's
// keys (sigv4.js), to the origin that served it. The console has no
// privileges of its own: every call is an ordinary signed request.
//
// The credentials live in sessionStorage under "logvault.creds" (this tab
// only, gone when it closes) and nowhere else: never in a URL, a log line
// or localStorage.

import { sign } from './sigv4.js';

const KEY = 'logvault.creds';

const TARGETS = {
  logs: 'Logs_20140328',
  kms: 'TrentService',
  cloudtrail: 'com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101',
  'kms-explain': 'LogvaultKmsExplain_20261201',
};

// A refused or failed call: code is the __type without its namespace
// ("AccessDeniedException"), status the HTTP status (0: no answer).
export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
    this.status = status;
  }
}

// The signed-in credentials {accessKeyId, secretAccessKey, sessionToken?,
// region}, or null.
export function session() {
  try {
    const c = JSON.parse(sessionStorage.getItem(KEY) || 'null');
    return c && c.accessKeyId && c.secretAccessKey && c.region ? c : null;
  } catch (e) {
    return null;
  }
}

export function signIn(creds) {
  const c = {
    accessKeyId: String(creds.accessKeyId || '').trim(),
    secretAccessKey: String(creds.secretAccessKey || ''),
    region: String(creds.region || 'us-east-1').trim(),
  };
  if (creds.sessionToken) {
    c.sessionToken = String(creds.sessionToken);
  }
  sessionStorage.setItem(KEY, JSON.stringify(c));
  window.dispatchEvent(new Event('logvault:session'));
}

export function signOut() {
  sessionStorage.removeItem(KEY);
  window.dispatchEvent(new Event('logvault:session'));
}

// Calls service ("logs", "kms", "cloudtrail", "kms-explain") operation op
// with input; resolves to the parsed output, rejects with an ApiError.
export async function call(service, op, input = {}) {
  const creds = session();
  if (!creds) {
    throw new ApiError('NotSignedIn', 'Sign in first.', 0);
  }
  if (!TARGETS[service]) {
    throw new ApiError('UnknownService', `No such service: ${service}`, 0);
  }
  const url = location.origin + '/';
  const body = JSON.stringify(input);
  const headers = {
    'Content-Type': 'application/x-amz-json-1.1',
    'X-Amz-Target': `${TARGETS[service]}.${op}`,
  };
  let resp;
  let text;
  try {
    const signed = await sign({ method: 'POST', url, headers, body }, creds);
    resp = await fetch(url, {
      method: 'POST',
      headers: Object.assign({}, headers, signed),
      body,
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
    text = await resp.text();
  } catch (e) {
    throw new ApiError('NetworkError', e && e.message ? e.message : 'The request failed.', 0);
  }
  let out = {};
  if (text) {
    try {
      out = JSON.parse(text);
    } catch (e) {
      throw new ApiError('InvalidResponse', `HTTP ${resp.status}: the answer is not JSON.`, resp.status);
    }
  }
  if (!resp.ok) {
    const type = String(out.__type || out.code || `HTTP${resp.status}`);
    throw new ApiError(type.slice(type.lastIndexOf('#') + 1),
      String(out.message || out.Message || ''), resp.status);
  }
  return out;
}

// Every item of a paginated list: calls op again with the returned token
// until there is none (or maxPages, default 100). tokenKey names the
// output's token and the input's (KMS answers NextMarker to a Marker, so
// 'NextMarker' is sent back as Marker); an array [inKey, outKey] names
// them apart.
export async function paginate(service, op, input, listKey, tokenKey = 'nextToken', maxPages = 100) {
  const [inKey, outKey] = Array.isArray(tokenKey)
    ? tokenKey
    : [tokenKey === 'NextMarker' ? 'Marker' : tokenKey, tokenKey];
  const items = [];
  let req = Object.assign({}, input);
  for (let page = 0; page < maxPages; page++) {
    const out = await call(service, op, req);
    items.push(...(out[listKey] || []));
    const token = out[outKey];
    if (!token || token === req[inKey]) {
      break;
    }
    req = Object.assign({}, input, { [inKey]: token });
  }
  return items;
}
