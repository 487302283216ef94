"""Account-level policies other than data protection (signed raw requests:
Debian's botocore predates them): PutAccountPolicy /
DescribeAccountPolicies / DeleteAccountPolicy for FIELD_INDEX_POLICY (a
new group selected by prefix gets chunk indexes that Insights skips by,
DescribeIndexPolicies shows source ACCOUNT, a group-level policy
overrides it) and TRANSFORMER_POLICY (PutLogEvents into a group the
prefix selects is transformed, other groups are not, a group's own
transformer wins), the selection criteria and limits with their errors,
and the types refused: SUBSCRIPTION_FILTER_POLICY as PutSubscriptionFilter
answers its destination, METRIC_EXTRACTION_POLICY."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
err = t.logs_error
ACCT = "123456789012"
FI = "FIELD_INDEX_POLICY"
TR = "TRANSFORMER_POLICY"
BATCHES = 6
PER = 4


def ok(srv, op, **body):
    st, out = call(srv, op, body)
    t.ok(op + " answers 200", st == 200, "%d %r" % (st, out))
    return out


def put_pol(srv, name, typ, doc, sel=None):
    body = {"policyName": name, "policyType": typ,
            "policyDocument": doc}
    if sel is not None:
        body["selectionCriteria"] = sel
    return call(srv, "PutAccountPolicy", body)


def prefixes(*p):
    return "LogGroupNamePrefix IN %s" % json.dumps(list(p))


def wait_done(logs, qid):
    r = None
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return r
        time.sleep(0.05)
    return r


def query(srv, logs, group, q):
    now = int(time.time())
    qid = logs.start_query(logGroupName=group, startTime=now - 3600,
                           endTime=now + 60, queryString=q)["queryId"]
    r = wait_done(logs, qid)
    rows = sorted(tuple((f["field"], f["value"]) for f in row
                        if f["field"] in ("@timestamp", "@message"))
                  for row in r["results"])
    st, raw = call(srv, "GetQueryResults", {"queryId": qid})
    return r["status"], rows, raw.get("statistics", {})


def messages(logs, group, stream="s"):
    return [e["message"] for e in logs.get_log_events(
        logGroupName=group, logStreamName=stream,
        startFromHead=True)["events"]]


with Server() as srv:
    logs = srv.client("logs")
    base = int(time.time() * 1000) - 600000

    # ---- FIELD_INDEX_POLICY ----------------------------------------------
    fdoc = json.dumps({"Fields": ["requestId"]})
    st, r = put_pol(srv, "fi-pfx", FI, fdoc, prefixes("/ap/idx"))
    ap = r.get("accountPolicy", {})
    t.eq("field index policy put",
         (200, "fi-pfx", fdoc, FI, "ALL", prefixes("/ap/idx"), ACCT),
         (st, ap.get("policyName"), ap.get("policyDocument"),
          ap.get("policyType"), ap.get("scope"),
          ap.get("selectionCriteria"), ap.get("accountId")))
    # Created after the policy: the account policy reaches new groups.
    for g in ("/ap/idx-a", "/ap/idx-own", "/ap/other"):
        logs.create_log_group(logGroupName=g)
        logs.create_log_stream(logGroupName=g, logStreamName="s")
    own = json.dumps({"Fields": ["somethingElse"]})
    ok(srv, "PutIndexPolicy", logGroupIdentifier="/ap/idx-own",
       policyDocument=own)

    got = ok(srv, "DescribeIndexPolicies",
             logGroupIdentifiers=["/ap/idx-a"]).get("indexPolicies", [])
    t.eq("describe: the account policy applies, source ACCOUNT",
         [("fi-pfx", fdoc, "ACCOUNT")],
         [(p.get("policyName"), p.get("policyDocument"), p.get("source"))
          for p in got])
    got = ok(srv, "DescribeIndexPolicies",
             logGroupIdentifiers=["/ap/idx-own"]).get("indexPolicies", [])
    t.eq("describe: the group's own policy overrides it",
         [(None, own, "LOG_GROUP")],
         [(p.get("policyName"), p.get("policyDocument"), p.get("source"))
          for p in got])
    t.eq("describe: a group the prefix does not select", [], ok(
        srv, "DescribeIndexPolicies",
        logGroupIdentifiers=["/ap/other"]).get("indexPolicies"))

    for b in range(BATCHES):
        events = [{"timestamp": base + b * 1000 + i,
                   "message": json.dumps({"requestId": "req-%d-%d" % (b, i),
                                          "n": b})}
                  for i in range(PER)]
        for g in ("/ap/idx-a", "/ap/idx-own", "/ap/other"):
            logs.put_log_events(logGroupName=g, logStreamName="s",
                                logEvents=events)
    q = "filterIndex requestId = 'req-2-1' | fields @timestamp, @message"
    sa, rows_a, stats_a = query(srv, logs, "/ap/idx-a", q)
    so, rows_o, stats_o = query(srv, logs, "/ap/idx-own", q)
    sp, rows_p, stats_p = query(srv, logs, "/ap/other", q)
    t.eq("queries complete", ("Complete",) * 3, (sa, so, sp))
    t.eq("one row, the same in every group", (1, rows_p, rows_p),
         (len(rows_p), rows_a, rows_o))
    t.ok("account-indexed group: chunks skipped",
         stats_a.get("estimatedBytesSkipped", 0) > 0 and
         stats_a.get("estimatedRecordsSkipped", 0) >= PER, repr(stats_a))
    t.eq("group policy without the field: nothing skipped", 0.0,
         stats_o.get("estimatedBytesSkipped"))
    t.eq("unselected group: nothing skipped", 0.0,
         stats_p.get("estimatedBytesSkipped"))
    fi = ok(srv, "DescribeFieldIndexes",
            logGroupIdentifiers=["/ap/idx-a"]).get("fieldIndexes", [])
    t.eq("DescribeFieldIndexes under the account policy", ["requestId"],
         [x.get("fieldIndexName") for x in fi])

    # The rules of a put.
    err("overlapping prefix", "InvalidParameterException", srv,
        "PutAccountPolicy", msg="overlaps", policyName="fi-2", policyType=FI,
        policyDocument=fdoc, selectionCriteria=prefixes("/x", "/ap/idx-a/b"))
    err("prefix contained in another", "InvalidParameterException", srv,
        "PutAccountPolicy", msg="overlaps", policyName="fi-2", policyType=FI,
        policyDocument=fdoc, selectionCriteria=prefixes("/ap/"))
    st, r = put_pol(srv, "fi-pfx", FI, fdoc, prefixes("/ap/idx", "/z"))
    t.eq("a put of the same name replaces it (no overlap with itself)",
         200, st)
    for what, sel in [("LogGroupName NOT IN", 'LogGroupName NOT IN ["/a"]'),
                      ("no list", "LogGroupNamePrefix IN"),
                      ("empty list", "LogGroupNamePrefix IN []"),
                      ("bad name", prefixes("/a b")),
                      ("not a filter", "everything")]:
        err("selection refused: " + what, "InvalidParameterException", srv,
            "PutAccountPolicy", msg="selectionCriteria", policyName="fi-3",
            policyType=FI, policyDocument=fdoc, selectionCriteria=sel)
    err("bad index document", "InvalidParameterException", srv,
        "PutAccountPolicy", msg="index policy", policyName="fi-3",
        policyType=FI, policyDocument=json.dumps({"Fields": []}))
    err("policyName aws/", "InvalidParameterException", srv,
        "PutAccountPolicy", msg="aws/", policyName="aws/x", policyType=FI,
        policyDocument=fdoc, selectionCriteria=prefixes("/q"))
    st, _ = put_pol(srv, "fi-all", FI, fdoc)
    t.eq("one policy for every group", 200, st)
    err("a second policy for every group", "LimitExceededException", srv,
        "PutAccountPolicy", policyName="fi-all2", policyType=FI,
        policyDocument=fdoc)
    for i in range(19):
        st, r = put_pol(srv, "lim-%02d" % i, FI, fdoc,
                        prefixes("/lim/%02d/" % i))
        if st != 200:
            break
    t.eq("20 prefix policies", 200, st)
    err("a 21st prefix policy", "LimitExceededException", srv,
        "PutAccountPolicy", policyName="lim-x", policyType=FI,
        policyDocument=fdoc, selectionCriteria=prefixes("/lim/x/"))
    names = [p["policyName"] for p in ok(
        srv, "DescribeAccountPolicies", policyType=FI)["accountPolicies"]]
    t.eq("described", sorted(["fi-pfx", "fi-all"] +
                             ["lim-%02d" % i for i in range(19)]),
         sorted(names))
    t.eq("described by name", ["fi-all"], [p["policyName"] for p in ok(
        srv, "DescribeAccountPolicies", policyType=FI,
        policyName="fi-all")["accountPolicies"]])
    t.eq("another account's: none", [], ok(
        srv, "DescribeAccountPolicies", policyType=FI,
        accountIdentifiers=["210987654321"])["accountPolicies"])
    for n in names:
        if n != "fi-all":
            ok(srv, "DeleteAccountPolicy", policyName=n, policyType=FI)
    got = ok(srv, "DescribeIndexPolicies",
             logGroupIdentifiers=["/ap/other"]).get("indexPolicies", [])
    t.eq("the policy for every group now applies to /ap/other",
         [("fi-all", "ACCOUNT")],
         [(p.get("policyName"), p.get("source")) for p in got])
    ok(srv, "DeleteAccountPolicy", policyName="fi-all", policyType=FI)
    t.eq("after the deletes: none", [], ok(
        srv, "DescribeIndexPolicies",
        logGroupIdentifiers=["/ap/idx-a"]).get("indexPolicies"))
    err("delete twice", "ResourceNotFoundException", srv,
        "DeleteAccountPolicy", policyName="fi-all", policyType=FI)

    # ---- TRANSFORMER_POLICY ----------------------------------------------
    def adder(value):
        return [{"parseJSON": {}},
                {"addKeys": {"entries": [{"key": "by", "value": value}]}}]

    tdoc = json.dumps({"transformerConfig": adder("account")})
    st, r = put_pol(srv, "tr", TR, tdoc, prefixes("/ap/tr"))
    t.eq("transformer policy put", (200, tdoc),
         (st, r.get("accountPolicy", {}).get("policyDocument")))
    for g in ("/ap/tr-x", "/ap/tr-own", "/ap/plain"):
        logs.create_log_group(logGroupName=g)
        logs.create_log_stream(logGroupName=g, logStreamName="s")
    ok(srv, "PutTransformer", logGroupIdentifier="/ap/tr-own",
       transformerConfig=adder("group"))
    ev = [{"timestamp": base, "message": '{"a": 1}'}]
    for g in ("/ap/tr-x", "/ap/tr-own", "/ap/plain"):
        logs.put_log_events(logGroupName=g, logStreamName="s", logEvents=ev)
    t.eq("selected group transformed by the account policy",
         [{"a": 1, "by": "account"}],
         [json.loads(m) for m in messages(logs, "/ap/tr-x")])
    t.eq("the group's own transformer wins",
         [{"a": 1, "by": "group"}],
         [json.loads(m) for m in messages(logs, "/ap/tr-own")])
    t.eq("unselected group untouched", ['{"a": 1}'],
         messages(logs, "/ap/plain"))
    err("GetTransformer: the group has none of its own",
        "ResourceNotFoundException", srv, "GetTransformer",
        logGroupIdentifier="/ap/tr-x")
    for what, d in [("no transformerConfig", json.dumps({"x": []})),
                    ("not JSON", "{"),
                    ("unknown processor",
                     json.dumps({"transformerConfig": [{"nope": {}}]}))]:
        err("transformer document refused: " + what,
            "InvalidParameterException", srv, "PutAccountPolicy",
            policyName="tr-2", policyType=TR, policyDocument=d,
            selectionCriteria=prefixes("/other/"))
    err("transformer prefix overlap", "InvalidParameterException", srv,
        "PutAccountPolicy", msg="overlaps", policyName="tr-2",
        policyType=TR, policyDocument=tdoc,
        selectionCriteria=prefixes("/ap/tr-x/"))
    ok(srv, "DeleteAccountPolicy", policyName="tr", policyType=TR)
    logs.put_log_events(logGroupName="/ap/tr-x", logStreamName="s",
                        logEvents=[{"timestamp": base + 1,
                                    "message": '{"b": 2}'}])
    t.eq("after the delete: stored as sent", '{"b": 2}',
         messages(logs, "/ap/tr-x")[-1])

    # ---- the types refused -------------------------------------------------
    SF = "SUBSCRIPTION_FILTER_POLICY"
    lam = "arn:aws:lambda:eu-west-2:%s:function:f" % ACCT
    kin = "arn:aws:kinesis:eu-west-2:%s:stream/s" % ACCT
    role = "arn:aws:iam::%s:role/r" % ACCT
    dest = "arn:aws:logs:eu-west-2:%s:destination:d" % ACCT
    for what, d, code, msg in [
            ("Lambda", {"DestinationArn": lam}, "InvalidParameterException",
             "Could not execute the lambda function"),
            ("Kinesis without a role", {"DestinationArn": kin},
             "InvalidParameterException", "without roleArn"),
            ("Kinesis", {"DestinationArn": kin, "RoleArn": role},
             "InvalidParameterException", "Could not deliver test message"),
            ("a destination", {"DestinationArn": dest},
             "ResourceNotFoundException", "destination does not exist"),
            ("no destination", {}, "InvalidParameterException",
             "DestinationArn"),
            ("bad pattern", {"DestinationArn": lam, "FilterPattern": "{"},
             "InvalidParameterException", None)]:
        err("subscription filter policy: " + what, code, srv,
            "PutAccountPolicy", msg=msg, policyName="sf", policyType=SF,
            policyDocument=json.dumps(d),
            selectionCriteria='LogGroupName NOT IN ["/ap/plain"]')
    err("subscription filter policy: selection form",
        "InvalidParameterException", srv, "PutAccountPolicy",
        msg="LogGroupName NOT IN", policyName="sf", policyType=SF,
        policyDocument=json.dumps({"DestinationArn": lam}),
        selectionCriteria=prefixes("/ap"))
    t.eq("no subscription filter policy stored", [], ok(
        srv, "DescribeAccountPolicies", policyType=SF)["accountPolicies"])
    err("metric extraction policy refused", "InvalidParameterException",
        srv, "PutAccountPolicy", msg="METRIC_EXTRACTION_POLICY",
        policyName="m", policyType="METRIC_EXTRACTION_POLICY",
        policyDocument="{}")
t.done()
