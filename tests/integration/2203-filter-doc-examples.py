#!/usr/bin/env python3
"""Every documented filter pattern example, through the real AWS CLI, on a
KMS-encrypted log group: `aws logs filter-log-events` returns exactly the
sample events the documentation says match, and `aws logs
test-metric-filter` agrees (with the extracted values the page shows); the
documented invalid patterns are refused with InvalidParameterException.

The cases are the "doc:" rows of tests/unit/test_filter.c (AWS's page
"Filter pattern syntax for metric filters, subscription filters, filter
log events, and Live Tail"), read from that file so the two never drift.
Each pattern gets its own stream holding the sample events of its cases."""
import json
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

if not os.path.exists("/usr/bin/aws"):
    print("the AWS CLI (/usr/bin/aws) is not installed")
    sys.exit(77)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SRC = open(os.path.join(ROOT, "tests/unit/test_filter.c")).read()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "doc-examples"

# ---- reading the C tables ------------------------------------------------

TOKEN = re.compile(r'\s*(?:("(?:[^"\\]|\\.)*")|([A-Za-z_][A-Za-z0-9_]*)|'
                   r'(-?\d+)|(NULL)|(.))', re.S)


def c_string(lit):
    body = lit[1:-1]
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(
        m.group(1), m.group(1)), body)


defines = {}
_lines = SRC.split("\n")
for _i, _line in enumerate(_lines):
    _m = re.match(r'#define\s+(\w+)\s+(".*)', _line)
    if not _m:
        continue
    _text = _m.group(2)
    while _text.rstrip().endswith("\\"):
        _i += 1
        _text = _text.rstrip()[:-1] + " " + _lines[_i]
    defines[_m.group(1)] = "".join(
        c_string(x) for x in re.findall(r'"(?:[^"\\]|\\.)*"', _text))


def table(name):
    start = SRC.index(name + "[] = {")
    end = SRC.index("\n};", start)
    body = SRC[start + len(name) + 6:end]
    body = re.sub(r'/\*.*?\*/', "", body, flags=re.S)
    rows, row, cur, depth = [], None, None, 0
    for m in TOKEN.finditer(body):
        s, ident, num, null, ch = m.groups()
        if ch == "{":
            row, cur = [], None
        elif ch == "}":
            if cur is not None:
                row.append(cur)
            rows.append(row)
            row, cur = None, None
        elif ch == ",":
            if row is not None:
                row.append(cur)
                cur = None
        elif row is None:
            continue
        elif s:
            cur = (cur or "") + c_string(s)
        elif null or ident == "NULL":
            cur = None
        elif ident:
            cur = (cur or "") + defines[ident]
        elif num:
            cur = int(num)
    return rows


mcases = [r for r in table("mcases") if r[0].startswith("doc:")]
ecases = [r for r in table("ecases") if r[0].startswith("doc:")]
xcases = [r for r in table("xcases") if r[0].startswith("doc:")]

# ---- the server ------------------------------------------------------------

t = T()
t.ok("read the documented cases", len(mcases) >= 60,
     "only %d doc cases" % len(mcases))


def policy():
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                    "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}]})


with Server() as srv:
    env = dict(os.environ, AWS_ACCESS_KEY_ID="test",
               AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION=REGION,
               AWS_MAX_ATTEMPTS="1", AWS_PAGER="",
               AWS_CONFIG_FILE="/dev/null",
               AWS_SHARED_CREDENTIALS_FILE="/dev/null")

    def cli(*args):
        p = subprocess.run(["/usr/bin/aws", "--endpoint-url", srv.endpoint,
                            "--output", "json"] + list(args),
                           capture_output=True, text=True, env=env)
        return p.returncode, p.stdout, p.stderr

    logs = srv.client("logs")
    kms = srv.client("kms")
    key = kms.create_key(Description="doc examples")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy())
    logs.create_log_group(logGroupName=GROUP, kmsKeyId=key)

    # One stream per pattern, holding each distinct sample event once.
    patterns = {}
    for name, pattern, event, want in mcases:
        events = patterns.setdefault(pattern, {})
        events.setdefault(event, []).append((name, want))
    base = int(time.time() * 1000) - 3600 * 1000
    streams = {}
    for i, (pattern, events) in enumerate(patterns.items()):
        stream = "p%03d" % i
        streams[pattern] = stream
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                            logEvents=[{"timestamp": base + j, "message": e}
                                       for j, e in enumerate(events)])

    for pattern, events in patterns.items():
        msgs = list(events)
        want = sorted(e for e, cases in events.items() if cases[0][1])
        rc, out, errtext = cli("logs", "filter-log-events",
                               "--log-group-name", GROUP,
                               "--log-stream-names", streams[pattern],
                               "--filter-pattern", pattern)
        if not t.ok("filter-log-events %r runs" % pattern, rc == 0, errtext):
            continue
        got = sorted(e["message"] for e in json.loads(out)["events"])
        names = "; ".join(c[0] for cs in events.values() for c in cs)
        t.eq("filter-log-events: " + names, want, got)
        rc, out, errtext = cli("logs", "test-metric-filter",
                               "--filter-pattern", pattern,
                               "--log-event-messages", *msgs)
        if not t.ok("test-metric-filter %r runs" % pattern, rc == 0,
                    errtext):
            continue
        got = sorted(m["eventMessage"] for m in json.loads(out)["matches"])
        t.eq("test-metric-filter: " + names, want, got)

    for name, pattern, event, want in xcases:
        rc, out, errtext = cli("logs", "test-metric-filter",
                               "--filter-pattern", pattern,
                               "--log-event-messages", event)
        if t.ok(name + ": runs", rc == 0, errtext):
            matches = json.loads(out)["matches"]
            got = matches[0]["extractedValues"] if matches else None
            t.eq(name + ": extracted values",
                 json.loads(want) if want else None, got)

    for name, pattern, msg in ecases:
        for op in (["filter-log-events", "--log-group-name", GROUP],
                   ["test-metric-filter", "--log-event-messages", "x"]):
            rc, out, errtext = cli("logs", *op, "--filter-pattern", pattern)
            t.ok("%s: %s refused" % (name, op[0]),
                 rc != 0 and "InvalidParameterException" in errtext and
                 msg in errtext, errtext)

    # The group really is encrypted under the key: disabled, no search.
    kms.disable_key(KeyId=key)
    rc, out, errtext = cli("logs", "filter-log-events", "--log-group-name",
                           GROUP, "--filter-pattern", "ERROR")
    t.ok("key disabled: AccessDeniedException",
         rc != 0 and "AccessDeniedException" in errtext and key in errtext,
         errtext)
t.done()
