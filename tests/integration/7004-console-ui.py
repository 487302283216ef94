"""The console's shared modules, in the page (headless Chromium), as the
pages build on them (the contract, r7-console-contract.md):

- ui.el never takes HTML: strings are text, unknown attributes (style,
  onerror, innerHTML, srcdoc) are refused, an href other than "#..." or a
  relative path ("javascript:", "//host", "data:") becomes "#";
- ui.table renders its cells as text; ui.json indents; ui.errorBox shows
  "Code: message"; ui.parseDuration and ui.rangeTimes; ui.modal resolves
  to the action chosen, or null on Escape;
- router.match takes the parameters, decoded, and the query;
- api.call rejects with ApiError {code without namespace, message,
  status}, and paginate follows the tokens to the end.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
from lvbrowser import By, browser, sign_in, wait_css  # noqa: E402

t = T()

PURE = """
const done = arguments[arguments.length - 1];
(async () => {
  const ui = await import('/console/js/ui.js');
  const r = await import('/console/js/router.js');
  const out = {};
  const refused = (attrs) => { try { ui.el('div', attrs); return false; }
                               catch (e) { return true; } };
  out.refused = ['style', 'onerror', 'innerHTML', 'srcdoc', 'onload']
    .filter((k) => refused({[k]: 'x'}));
  const e = ui.el('p', {class: 'c', 'data-x': '1', 'aria-label': 'l'},
                  '<b>x</b>', ['a', null, ['b']], 3);
  out.el = [e.outerHTML, e.childNodes.length];
  out.hrefs = ['#/groups', 'pages/x', 'javascript:alert(1)', ' JavaScript:x',
               '//evil.example/', 'data:text/html,x', 'https://e.x/',
               '\\\\\\\\evil']
    .map((h) => ui.el('a', {href: h}).getAttribute('href'));
  const tb = ui.table([{key: 'a', label: 'A'},
                       {key: 'b', label: 'B', render: (x) => ui.el('i', null, x.b)}],
                      [{a: '<img src=x>', b: '<svg>'}]);
  out.table = [tb.querySelectorAll('img, svg').length,
               Array.from(tb.querySelectorAll('td')).map((td) => td.textContent)];
  out.empty = ui.table([{key: 'a', label: 'A'}], [], {empty: 'none'})
    .querySelector('td').textContent;
  out.json = ui.json({a: [1, '<x>']}).textContent;
  out.err = ui.errorBox({code: 'AccessDeniedException', message: 'no'}).textContent;
  out.dur = ['5m', '1h', '1d', '30s', '2w', 'x', '5 m'].map(ui.parseDuration);
  out.range = [ui.rangeTimes({rel: '5m'}, 1000000), ui.rangeTimes({start: 1, end: 2})];
  out.time = ui.formatTime(0).length;
  r.page('#/t/:name/x', 'T', async () => {});
  const m = r.match('#/t/a%2Fb%20c/x?stream=s%3C1&q=2');
  out.match = m ? [m.params, m.query] : null;
  out.nomatch = r.match('#/t/a/y');
  out.link = r.link('#/t/:name/x', {name: 'a/b'}, {stream: 's 1', no: ''});
  const p = ui.modal('Sure?', 'Really', [{label: 'No', value: 'no'},
                                         {label: 'Yes', value: 'yes', primary: true}]);
  document.querySelector('.modal button.primary').click();
  out.modal = await p;
  const p2 = ui.modal('Again?', 'x');
  document.querySelector('.modal-back').dispatchEvent(
    new KeyboardEvent('keydown', {key: 'Escape', bubbles: true}));
  out.modal2 = await p2;
  out.modalGone = document.querySelectorAll('.modal-back').length;
  return out;
})().then(done, (e) => done({error: String(e && e.stack || e)}));
"""

API = """
const done = arguments[arguments.length - 1];
(async () => {
  const api = await import('/console/js/api.js');
  const out = {};
  try {
    await api.call('logs', 'DescribeLogStreams', {logGroupName: 'nope'});
  } catch (e) {
    out.err = [e instanceof api.ApiError, e.code, e.status, e.message];
  }
  for (let i = 0; i < 7; i++) {
    await api.call('logs', 'CreateLogGroup', {logGroupName: 'pg-' + i});
  }
  const all = await api.paginate('logs', 'DescribeLogGroups', {limit: 2},
                                 'logGroups');
  out.names = all.map((g) => g.logGroupName);
  const keys = await api.paginate('kms', 'ListKeys', {Limit: 1}, 'Keys',
                                  'NextMarker');
  out.keys = keys.length;
  out.session = Object.keys(api.session()).sort();
  return out;
})().then(done, (e) => done({error: String(e && e.stack || e)}));
"""

with Server() as srv, browser() as drv:
    kms = srv.client("kms")
    for _ in range(3):
        kms.create_key()
    sign_in(drv, srv)
    wait_css(drv, "#groups")
    got = drv.execute_async_script(PURE)
    t.ok("ui/router: the script ran", "error" not in got, got.get("error"))
    t.eq("el: attributes outside the list refused",
         ["style", "onerror", "innerHTML", "srcdoc", "onload"],
         got.get("refused"))
    t.eq("el: strings are text, arrays flattened, null skipped",
         ['<p class="c" data-x="1" aria-label="l">&lt;b&gt;x&lt;/b&gt;ab3'
          '</p>', 4], got.get("el"))
    t.eq("el: href only a fragment or a relative path",
         ["#/groups", "pages/x", "#", "#", "#", "#", "#", "#"],
         got.get("hrefs"))
    t.eq("table: cells as text", [0, ["<img src=x>", "<svg>"]],
         got.get("table"))
    t.eq("table: the empty text", "none", got.get("empty"))
    t.eq("json: indented", '{\n  "a": [\n    1,\n    "<x>"\n  ]\n}',
         got.get("json"))
    t.eq("errorBox: Code: message", "AccessDeniedException: no",
         got.get("err"))
    t.eq("parseDuration", [300000, 3600000, 86400000, 30000, 1209600000,
                           None, 300000], got.get("dur"))
    t.eq("rangeTimes", [{"start": 700000, "end": 1000000},
                        {"start": 1, "end": 2}], got.get("range"))
    t.eq("formatTime: YYYY-MM-DD HH:MM:SS.mmm", 23, got.get("time"))
    t.eq("match: parameters decoded, and the query",
         [{"name": "a/b c"}, {"stream": "s<1", "q": "2"}], got.get("match"))
    t.eq("match: another path is not the route", None, got.get("nomatch"))
    t.eq("link: parameters encoded, empty query values left out",
         "#/t/a%2Fb/x?stream=s+1", got.get("link"))
    t.eq("modal: the action chosen", "yes", got.get("modal"))
    t.eq("modal: Escape is null", None, got.get("modal2"))
    t.eq("modal: gone when closed", 0, got.get("modalGone"))

    got = drv.execute_async_script(API)
    t.ok("api: the script ran", "error" not in got, got.get("error"))
    t.eq("api: ApiError with the code and status",
         [True, "ResourceNotFoundException", 400],
         (got.get("err") or [None] * 4)[:3])
    t.ok("api: ApiError with AWS's message",
         "does not exist" in (got.get("err") or [""] * 4)[3], got.get("err"))
    t.eq("paginate: every group, page by page",
         ["pg-%d" % i for i in range(7)], got.get("names"))
    t.eq("paginate: KMS's NextMarker sent back as Marker", 3,
         got.get("keys"))
    t.eq("session: the credentials of the tab",
         ["accessKeyId", "region", "secretAccessKey"], got.get("session"))
    t.eq("the page is still the console", 1,
         len(drv.find_elements(By.CSS_SELECTOR, "nav.top")))
t.done()
