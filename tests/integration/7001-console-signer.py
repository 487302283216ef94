"""The console's SigV4 signer (console/js/sigv4.js, Web Crypto) over every
case of the official test suite in tests/data/sigv4 — the vectors the C
signer's unit test walks — run inside the page as served by logvault, in
headless Chromium: for each case the canonical request, the string to sign
and the Authorization header must be the .creq, .sts and .authz files
byte for byte.

Each .req is read as tests/unit/test_sigv4.c reads it (folded header lines
joined with a newline, repeated headers kept in order), and, like it, a
header that the .creq signs but the .req lacks is taken from the .sreq
(get-vanilla-with-session-token's token).

Then sign() itself: a signed call from the page to the server is accepted
(the same signer, with the current time and the X-Amz-Target's service).
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
from lvbrowser import (browser, console_url, screenshot,  # noqa: E402
                       wait_css)

SUITE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..",
                     "data", "sigv4")
t = T()


def cases():
    out = []
    for d, _, files in os.walk(SUITE):
        name = os.path.basename(d)
        if name + ".req" in files:
            out.append((os.path.relpath(d, SUITE), os.path.join(d, name)))
    return sorted(out)


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


def parse(text):
    """(method, target, [[name, value]...], body) of a .req or .sreq."""
    lines = text.split("\n")
    first = lines.pop(0)
    method = first[:first.index(" ")]
    target = first[first.index(" ") + 1:first.rindex(" ")]
    headers, body = [], ""
    for i, line in enumerate(lines):
        line = line.rstrip("\r")
        if line == "":
            body = "\n".join(lines[i + 1:])
            break
        if line[:1] in (" ", "\t") and headers:
            headers[-1][1] += "\n" + line
        else:
            k, v = line.split(":", 1)
            headers.append([k, v])
    return method, target, headers, body


vectors = []
for name, base in cases():
    method, target, headers, body = parse(read(base + ".req"))
    creq = read(base + ".creq")
    signed = creq.split("\n")[-2].split(";")
    have = {k.lower() for k, _ in headers}
    for k, v in parse(read(base + ".sreq"))[2]:
        if k.lower() not in have and k.lower() in signed:
            headers.append([k, v])
    host = [v for k, v in headers if k.lower() == "host"][0]
    vectors.append({"name": name, "method": method,
                    "url": "http://" + host + target, "headers": headers,
                    "body": body, "creq": creq, "sts": read(base + ".sts"),
                    "authz": read(base + ".authz")})
t.ok("the suite: every case found", len(vectors) >= 29, len(vectors))

RUN_VECTORS = """
const [vectors, done] = [arguments[0], arguments[arguments.length - 1]];
import('/console/js/sigv4.js').then(async (m) => {
  const creds = {accessKeyId: 'AKIDEXAMPLE',
                 secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
                 region: 'us-east-1'};
  const out = [];
  for (const v of vectors) {
    try {
      const r = await m.signDetailed({method: v.method, url: v.url,
        headers: v.headers, body: v.body}, creds, {service: 'service'});
      out.push({name: v.name, creq: r.canonicalRequest,
                sts: r.stringToSign, authz: r.authorization,
                headers: r.headers});
    } catch (e) {
      out.push({name: v.name, error: String(e)});
    }
  }
  done(out);
}).catch((e) => done({error: String(e)}));
"""

SIGNED_CALL = """
const done = arguments[arguments.length - 1];
(async () => {
  const {sign} = await import('/console/js/sigv4.js');
  const url = location.origin + '/';
  const body = '{}';
  const headers = {'Content-Type': 'application/x-amz-json-1.1',
                   'X-Amz-Target': 'TrentService.ListKeys'};
  const creds = {accessKeyId: 'test', secretAccessKey: arguments[0],
                 region: 'eu-west-2'};
  const s = await sign({method: 'POST', url, headers, body}, creds);
  const r = await fetch(url, {method: 'POST', body,
                              headers: Object.assign({}, headers, s)});
  return {status: r.status, body: await r.text(), sent: Object.keys(s)};
})().then(done, (e) => done({error: String(e)}));
"""

with Server() as srv, browser() as drv:
    drv.get(console_url(srv))
    wait_css(drv, "form#signin")
    screenshot(drv, "7001-sign-in")
    got = drv.execute_async_script(RUN_VECTORS, vectors)
    if isinstance(got, dict):
        t.ok("the signer module loads in the page", False, got)
        got = []
    by_name = {g["name"]: g for g in got}
    for v in vectors:
        g = by_name.get(v["name"], {"error": "no answer"})
        if "error" in g:
            t.ok("%s: signs" % v["name"], False, g["error"])
            continue
        t.eq("%s: canonical request" % v["name"], v["creq"], g["creq"])
        t.eq("%s: string to sign" % v["name"], v["sts"], g["sts"])
        t.eq("%s: authorization" % v["name"], v["authz"], g["authz"])
        t.eq("%s: the headers to send" % v["name"],
             {"Authorization": v["authz"], "X-Amz-Date": "20150830T123600Z"},
             g["headers"])

    ok = drv.execute_async_script(SIGNED_CALL, "test")
    t.eq("sign(): a call signed in the page is accepted", 200,
         ok.get("status"))
    t.ok("sign(): it sent Authorization and X-Amz-Date",
         sorted(ok.get("sent", [])) == ["Authorization", "X-Amz-Date"], ok)
    bad = drv.execute_async_script(SIGNED_CALL, "not-the-secret")
    t.ok("sign(): with the wrong secret, refused",
         bad.get("status") == 400 and "InvalidSignatureException" in
         bad.get("body", ""), bad)
t.done()
