#!/usr/bin/env python3
"""Every documented filter pattern example, through boto3, on a
KMS-encrypted log group: FilterLogEvents returns exactly the sample events
the documentation says match, and TestMetricFilter agrees (with the
extracted values the page shows); the documented invalid patterns are
refused with InvalidParameterException and the whole message.

The cases are those of tests/data/filter-doc-cases.json (AWS's page
"Filter pattern syntax for metric filters, subscription filters, filter
log events, and Live Tail" and its earlier edition), which the unit test
tests/unit/test_filter.c reads too. Each pattern gets its own stream
holding the sample events of its cases."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
CASES = os.path.join(ROOT, "tests/data/filter-doc-cases.json")
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "doc-examples"

# ---- the documented cases ---------------------------------------------------


def text(v):
    """A text of the file: a string, or a list of strings read joined."""
    return "".join(v) if isinstance(v, list) else v


def cases(doc, key):
    """The cases of doc[key], each as a dict with "name", "pattern", and
    (when it has one) its "event" text resolved from its "sample"."""
    out = []
    for section in doc[key]:
        for c in section["cases"]:
            c = dict(c, pattern=text(c["pattern"]))
            if "sample" in c:
                c["event"] = text(doc["samples"][c["sample"]])
            elif "event" in c:
                c["event"] = text(c["event"])
            if "message" in c:
                c["message"] = text(c["message"])
            out.append(c)
    return out


with open(CASES) as f:
    DOC = json.load(f)
mcases = cases(DOC, "match")
ecases = cases(DOC, "errors")
xcases = cases(DOC, "extract")

# ---- the server ------------------------------------------------------------

t = T()
t.ok("read the documented cases",
     len(mcases) >= 217 and len(ecases) >= 2 and len(xcases) >= 2,
     "only %d/%d/%d cases" % (len(mcases), len(ecases), len(xcases)))


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


def call(name, fn, **kw):
    """fn(**kw), or None after a failed check that shows the error."""
    try:
        return fn(**kw)
    except Exception as e:  # noqa: BLE001 - any failure is the check's
        t.ok(name + " runs", False, repr(e))
        return None


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    key = kms.create_key(Description="doc examples")["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy())
    logs.create_log_group(logGroupName=GROUP, kmsKeyId=key)

    # One stream per pattern, holding each distinct sample event once.
    patterns = {}
    for c in mcases:
        events = patterns.setdefault(c["pattern"], {})
        events.setdefault(c["event"], []).append((c["name"], c["match"]))
    base = int(time.time() * 1000) - 3600 * 1000
    streams = {}
    for i, (pattern, events) in enumerate(patterns.items()):
        stream = "p%03d" % i
        streams[pattern] = stream
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        logs.put_log_events(logGroupName=GROUP, logStreamName=stream,
                            logEvents=[{"timestamp": base + j, "message": e}
                                       for j, e in enumerate(events)])

    pages = logs.get_paginator("filter_log_events")
    for pattern, events in patterns.items():
        msgs = list(events)
        want = sorted(e for e, cs in events.items() if cs[0][1])
        names = "; ".join(c[0] for cs in events.values() for c in cs)
        got = call("filter-log-events %r" % pattern, lambda: sorted(
            e["message"] for page in pages.paginate(
                logGroupName=GROUP, logStreamNames=[streams[pattern]],
                filterPattern=pattern) for e in page["events"]))
        if got is not None:
            t.eq("filter-log-events: " + names, want, got)
        out = call("test-metric-filter %r" % pattern, logs.test_metric_filter,
                   filterPattern=pattern, logEventMessages=msgs)
        if out is not None:
            got = sorted(m["eventMessage"] for m in out["matches"])
            t.eq("test-metric-filter: " + names, want, got)

    for c in xcases:
        out = call(c["name"], logs.test_metric_filter,
                   filterPattern=c["pattern"], logEventMessages=[c["event"]])
        if out is not None:
            matches = out["matches"]
            got = matches[0]["extractedValues"] if matches else None
            t.eq(c["name"] + ": extracted values", c["extracted"], got)

    for c in ecases:
        err = t.error("%s: filter-log-events refused" % c["name"],
                      "InvalidParameterException", logs.filter_log_events,
                      logGroupName=GROUP, filterPattern=c["pattern"])
        if err:
            t.eq("%s: filter-log-events message" % c["name"], c["message"],
                 err.response["Error"]["Message"])
        err = t.error("%s: test-metric-filter refused" % c["name"],
                      "InvalidParameterException", logs.test_metric_filter,
                      filterPattern=c["pattern"], logEventMessages=["x"])
        if err:
            t.eq("%s: test-metric-filter message" % c["name"], c["message"],
                 err.response["Error"]["Message"])

    # The group really is encrypted under the key: disabled, no search.
    kms.disable_key(KeyId=key)
    t.error("key disabled: AccessDeniedException", "AccessDeniedException",
            logs.filter_log_events, logGroupName=GROUP,
            filterPattern="ERROR", msg=key)
t.done()
