"""The pages' own JavaScript, run in headless Chromium (the modules the
console serves, imported as they are):

- key.js's checkJson (the key policy's validation) accepts exactly what
  the browser's JSON.parse accepts, on hand-picked cases and on a few
  hundred mutations of a key policy, and names the offset, line and
  column of the first error where a parser meets it;
- fix.js's lineDiff is a diff: its kept and removed lines are the old
  text, its kept and added lines the new, and it keeps a longest common
  subsequence (its length checked against one computed here);
- insights.js charts the results the server returns: for queries with
  `stats … by bin(…)` (with an alias, with another `by` field, with
  spaces) it finds the time column among the server's columns and one
  point per row and aggregation; for other queries, no chart;
- audit.js's client-side filters keep what they should;
- fix.js's createGroupWithKey (the contract's create-with-key flow, in a
  dialog of its own): refused, the dialog explains and fixes, and it
  resolves true with the group created with the key.
"""
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402
from lvbrowser import (By, browser, sign_in, wait,  # noqa: E402
                       wait_css, wait_text)

t = T()
REGION = "eu-west-2"


def js(drv, body, *args):
    """Runs async body (with the page modules as key, fix, insights,
    audit) in the page; returns its result (JSON)."""
    script = """
const done = arguments[arguments.length - 1];
const args = Array.from(arguments).slice(0, -1);
(async () => {
  const key = await import('./js/pages/key.js');
  const fix = await import('./js/pages/fix.js');
  const insights = await import('./js/pages/insights.js');
  const audit = await import('./js/pages/audit.js');
  %s
})().then((r) => done(JSON.stringify({ok: r})),
          (e) => done(JSON.stringify({error: String(e && e.stack || e)})));
""" % body
    out = json.loads(drv.execute_async_script(script, *args))
    if "error" in out:
        raise AssertionError(out["error"])
    return out["ok"]


def lcs(a, b):
    n, m = len(a), len(b)
    L = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            L[i][j] = L[i + 1][j + 1] + 1 if a[i] == b[j] else max(
                L[i + 1][j], L[i][j + 1])
    return L[0][0]


POLICY = json.dumps({"Version": "2012-10-17", "Id": "key-default-1",
                     "Statement": [{"Sid": "Root", "Effect": "Allow",
                                    "Principal": {"AWS": "arn:aws:iam::1:root"},
                                    "Action": ["kms:*", "kms:Decrypt"],
                                    "Resource": "*", "N": -1.5e3,
                                    "B": [True, False, None]}]}, indent=2)
CASES = ["", " ", "1", "-", "-0", "01", "1.", "1.5", "1e5", "1E+5", "-1e-5",
         '"\\u12"', '"\\u12ab"', '"a\tb"', '"\\x"', '"\\/"', "[1,]", "[,1]",
         '{"a":1,}', '{"a" 1}', '{a:1}', "[", "[1, 2", "nul", "null",
         "true false", "{}", "[[]]", '  {"a":[1,2,{"b":null}]}  ', "1 2",
         "'a'", '{"a":1}}', "[1]x", "\ufeff{}", "[1e]", "[.5]", "[+1]",
         '{"\\"":"\\\\"}', "[\n1,\n]", "{\n  \"a\": 1,\n}"]
rnd = random.Random(7103)
MUTANTS = []
for _ in range(300):
    s = POLICY
    for _ in range(rnd.choice([1, 1, 2])):
        i = rnd.randrange(len(s))
        op = rnd.choice(["del", "ins", "dup"])
        if op == "del":
            s = s[:i] + s[i + 1:]
        elif op == "ins":
            s = s[:i] + rnd.choice('{}[]",:ea1 -\\') + s[i:]
        else:
            s = s[:i] + s[i] + s[i:]
    MUTANTS.append(s)

QUERIES = [
    ("stats count() by bin(1m)", True),
    ("stats count(*) as c, avg(n) as a by bin(5m) as t", True),
    ("fields @message | stats count() as n by bin(1m), @logStream", True),
    ("stats count() by bin( 1m )", True),
    ("stats count() by @logStream", False),
    ("fields @timestamp, @message | limit 5", False),
]

with Server() as srv, browser() as drv:
    sign_in(drv, srv, region=REGION)
    wait_css(drv, "nav.top")

    # checkJson against JSON.parse.
    res = js(drv, """
return args[0].map((s) => {
  let parses = true;
  try { JSON.parse(s); } catch (e) { parses = false; }
  return [parses, key.checkJson(s)];
});""", CASES + MUTANTS)
    wrong = [(s, p, c) for s, (p, c) in zip(CASES + MUTANTS, res)
             if p != (c is None)]
    t.eq("checkJson: valid exactly when JSON.parse accepts (%d texts)" %
         len(res), [], wrong[:5])
    t.ok("checkJson: the mutations include both kinds",
         0 < sum(1 for p, _ in res[len(CASES):] if p) < len(MUTANTS))
    where = dict(zip(CASES, [c for _, c in res[:len(CASES)]]))
    t.eq("checkJson: a trailing comma, at the bracket", 3,
         where["[1,]"]["offset"])
    t.eq("checkJson: a missing colon, at what stands there", 5,
         where['{"a" 1}']["offset"])
    t.eq("checkJson: the end of the text", 5, where["[1, 2"]["offset"])
    t.eq("checkJson: line and column on the third line",
         {"offset": 12, "line": 3, "column": 1},
         {k: where["{\n  \"a\": 1,\n}"][k] for k in
          ("offset", "line", "column")})

    # lineDiff.
    pairs = []
    for _ in range(40):
        a = [rnd.choice("abcde") for _ in range(rnd.randrange(0, 12))]
        b = [rnd.choice("abcde") for _ in range(rnd.randrange(0, 12))]
        pairs.append(("\n".join(a), "\n".join(b)))
    pairs.append((POLICY, json.dumps(dict(json.loads(POLICY), Extra=1),
                                     indent=2)))
    diffs = js(drv, "return args[0].map(([a, b]) => fix.lineDiff(a, b));",
               pairs)
    bad = []
    for (a, b), d in zip(pairs, diffs):
        old = [x["line"] for x in d if x["op"] in " -"]
        new = [x["line"] for x in d if x["op"] in " +"]
        kept = sum(1 for x in d if x["op"] == " ")
        if old != a.split("\n") or new != b.split("\n") or \
                kept != lcs(a.split("\n"), b.split("\n")):
            bad.append((a, b, d))
    t.eq("lineDiff: a minimal diff (%d pairs)" % len(pairs), [], bad[:3])

    # The chart of the server's own results.
    logs = srv.client("logs", region=REGION)
    logs.create_log_group(logGroupName="g")
    for st in ("a", "b"):
        logs.create_log_stream(logGroupName="g", logStreamName=st)
    now = int(time.time()) * 1000
    base = now - now % 60000 - 4 * 60000
    for i, st in enumerate(("a", "b")):
        logs.put_log_events(logGroupName="g", logStreamName=st, logEvents=[
            {"timestamp": base + k * 20000 + i, "message": '{"n": %d}' % k}
            for k in range(10)])
    for q, charted in QUERIES:
        qid = logs.start_query(logGroupName="g", startTime=base // 1000 - 60,
                               endTime=now // 1000 + 60,
                               queryString=q)["queryId"]
        for _ in range(600):
            r = logs.get_query_results(queryId=qid)
            if r["status"] not in ("Scheduled", "Running"):
                break
            time.sleep(0.05)
        out = js(drv, """
const tab = insights.tabulate(args[1]);
const c = insights.chartSeries(args[0], tab.columns, tab.rows);
return {columns: tab.columns, rows: tab.rows.length, chart: c && {
  x: c.x, points: c.series.reduce((n, s) => n + s.points.length, 0),
  series: c.series.length}};""", q, r["results"])
        cols = [f["field"] for f in r["results"][0]] if r["results"] else []
        if not charted:
            t.eq("chart: none for %r" % q, None, out["chart"])
            continue
        ch = out["chart"] or {}
        nums = [c for c in cols if c != ch.get("x") and c != "@logStream"]
        want_x = "t" if " as t" in q else next(
            (c for c in cols if c.startswith("bin(")), None)
        t.ok("chart: %r: its time column is the server's" % q,
             want_x in cols and ch.get("x") == want_x, (ch, cols))
        t.eq("chart: %r: a point per row and aggregation" % q,
             out["rows"] * len(nums), ch.get("points"))
        if "@logStream" in q:
            t.eq("chart: %r: a series per stream" % q, 2, ch.get("series"))

    # The audit page's client-side filter.
    ev = {"EventName": "AssociateKmsKey", "Username": "bob",
          "Resources": [{"ResourceName":
                         "arn:aws:logs:eu-west-2:1:log-group:app"}],
          "CloudTrailEvent": json.dumps({
              "errorCode": "AccessDeniedException",
              "requestParameters": {"logGroupName": "app"}})}
    got = js(drv, "return args[1].map((f) => audit.matches(args[0], f));", ev,
             [{"principal": "bob"}, {"principal": "alice"},
              {"group": "app"}, {"group": "other"}, {"error": "*"},
              {"error": "accessdenied"}, {"error": "NotFound"},
              {"keyArn": "arn:aws:kms:eu-west-2:1:key/x"},
              {"group": "app", "principal": "bob", "error": "Denied"}])
    t.eq("audit: the client-side filters",
         [True, False, True, False, True, True, False, False, True], got)

    # createGroupWithKey, driven through its dialog.
    kms = srv.client("kms", region=REGION)
    key_arn = kms.create_key()["KeyMetadata"]["Arn"]
    drv.execute_script("""
window.__cg = 'pending';
import('./js/pages/fix.js').then((fix) => fix.createGroupWithKey(
  arguments[0], arguments[1])).then((v) => { window.__cg = v; },
  (e) => { window.__cg = 'error ' + e.code; });""", "dlg", key_arn)
    wait_text(drv, "#fix-dialog #explain-decision", "DENY")
    t.eq("createGroupWithKey: refused, nothing created", [], [
        g["logGroupName"] for g in logs.describe_log_groups(
            logGroupNamePrefix="dlg")["logGroups"]])
    drv.find_element(By.CSS_SELECTOR, "#fix-dialog #allow-logs").click()
    wait_css(drv, "#fix-dialog #policy-diff")
    drv.find_element(By.CSS_SELECTOR, "#fix-dialog #apply-fix").click()
    res = wait(drv, "createGroupWithKey to resolve", lambda d: d.execute_script(
        "return window.__cg === 'pending' ? null : [window.__cg]"))
    t.eq("createGroupWithKey: resolves true", [True], res)
    t.eq("createGroupWithKey: the group has the key", [key_arn], [
        g.get("kmsKeyId") for g in logs.describe_log_groups(
            logGroupNamePrefix="dlg")["logGroups"]])
    wait(drv, "the dialog to close", lambda d: not d.find_elements(
        By.ID, "fix-dialog"))
t.done()
