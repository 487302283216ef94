"""The console's files over HTTP (no browser): every file of console/ is
served at /console/PATH, unsigned, with its bytes, its content type, the
contract's Content-Security-Policy (exact), nosniff, no-referrer and an
ETag that revalidates (304); HEAD has GET's headers and no body; /console
redirects to /console/; unknown files and every spelling of a way out of
console/ are 404; other methods 405; the API still answers POST / as
before. index.html has no inline script or style, and no console source
builds HTML from strings (innerHTML and its kin), the CSP's second line of
defence being the first one's backup, not its replacement.
"""
import http.client
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                    "console")
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
       "form-action 'none'; frame-ancestors 'none'")
TYPES = {".html": "text/html; charset=utf-8",
         ".css": "text/css; charset=utf-8",
         ".js": "text/javascript; charset=utf-8"}


def get(srv, path, method="GET", headers=None):
    """(status, headers with lower-case names, body); the path is sent as
    written (http.client does not normalise it)."""
    c = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    out = (r.status, {k.lower(): v for k, v in r.getheaders()}, body)
    c.close()
    return out


def files():
    for d, _, names in os.walk(ROOT):
        for n in names:
            if not n.startswith("."):
                p = os.path.join(d, n)
                yield os.path.relpath(p, ROOT).replace(os.sep, "/"), p


def common(name, h):
    t.eq("%s: CSP" % name, CSP, h.get("content-security-policy"))
    t.eq("%s: nosniff" % name, "nosniff", h.get("x-content-type-options"))
    t.eq("%s: no referrer" % name, "no-referrer", h.get("referrer-policy"))


with Server() as srv:
    seen = 0
    for rel, path in sorted(files()):
        with open(path, "rb") as f:
            want = f.read()
        st, h, body = get(srv, "/console/" + rel)
        seen += 1
        t.eq("%s: 200" % rel, 200, st)
        t.ok("%s: its bytes" % rel, body == want, "%d vs %d bytes" % (
            len(body), len(want)))
        ext = os.path.splitext(rel)[1]
        if ext in TYPES:
            t.eq("%s: type" % rel, TYPES[ext], h.get("content-type"))
        common(rel, h)
        etag = h.get("etag", "")
        t.ok("%s: a quoted ETag" % rel, re.fullmatch(r'"[0-9a-f]{16}"',
                                                      etag), etag)
        st, h304, body = get(srv, "/console/" + rel,
                             headers={"If-None-Match": etag})
        t.ok("%s: revalidated (304, no body)" % rel,
             st == 304 and body == b"" and h304.get("etag") == etag,
             (st, body[:40]))
    t.ok("every file of console/ was served", seen >= 7, seen)

    st, h, body = get(srv, "/console/")
    st2, h2, body2 = get(srv, "/console/", method="HEAD")
    t.eq("/console/: index.html", 200, st)
    t.ok("/console/: HEAD, same headers, no body",
         st2 == 200 and body2 == b"" and h2.get("etag") == h.get("etag") and
         h2.get("content-length") == str(len(body)) and
         h2.get("content-type") == h.get("content-type"), (st2, h2))
    common("HEAD /console/", h2)
    html = body.decode()
    t.ok("index.html: the style sheet and the module by relative URL",
         'href="app.css"' in html and
         '<script type="module" src="js/main.js"></script>' in html, html)
    t.eq("index.html: no inline script", [], [
        m for m in re.findall(r"<script\b[^>]*>", html) if "src=" not in m])
    t.ok("index.html: no inline style or handler",
         not re.search(r"<style|\sstyle=|\son[a-z]+=", html), html)

    st, h, body = get(srv, "/console")
    t.eq("/console: redirect", (301, "/console/"), (st, h.get("location")))
    common("/console", h)

    for p in ("/console/nope.js", "/console/js", "/console/js/",
              "/console/../Makefile", "/console/%2e%2e/Makefile",
              "/console/%2E%2E/src/main.c", "/console/js/../index.html",
              "/console/js/%2e%2e/index.html", "/console/./index.html",
              "/console//index.html", "/console/..%2fMakefile",
              "/console/js/..%2f..%2fMakefile", "/console/%00index.html",
              "/console/index.html%00", "/console/index.html%00.txt",
              "/console/js\\..\\index.html",
              "/console/..\\..\\Makefile"):
        st, h, body = get(srv, p)
        t.ok("%s: 404, nothing of the tree" % p,
             st == 404 and body == b"Not Found\n", (st, body[:80]))
        common(p, h)
    for m in ("POST", "PUT", "DELETE"):
        st, h, body = get(srv, "/console/index.html", method=m)
        t.eq("%s /console/index.html: 405" % m, (405, "GET, HEAD"),
             (st, h.get("allow")))
    st, h, body = get(srv, "/consoles")
    t.ok("/consoles is not the console's", st != 200 and
         "content-security-policy" not in h, (st, h))

    # The API is as it was.
    st, _, data = srv.raw("{}", target="TrentService.ListKeys")
    t.eq("POST /: the API answers", 200, st)

# No console source writes HTML from strings.
HTML_SINKS = re.compile(r"\.innerHTML|\.outerHTML|insertAdjacentHTML|"
                        r"document\.write|\beval\(|new Function\(|"
                        r"createContextualFragment|srcdoc")
for rel, path in sorted(files()):
    if rel.endswith(".js"):
        with open(path, encoding="utf-8") as f:
            hits = [i + 1 for i, line in enumerate(f)
                    if HTML_SINKS.search(line) and
                    not line.lstrip().startswith("//")]
        t.eq("%s: no HTML sink" % rel, [], hits)
t.done()
