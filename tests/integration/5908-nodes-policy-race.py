#!/usr/bin/env python3
"""PutAccountPolicy's checks against the policies in force hold when the
puts come at once through two nodes on one PostgreSQL database (the check
and the write are serialized per account, region and type: lv_store_lock):

- 12 FIELD_INDEX_POLICY puts at once, each under its own name, with
  prefixes that pairwise overlap ("/race/", "/race/a", "/race/aa" …):
  exactly one is accepted, every other answers InvalidParameterException,
  and exactly one policy is in force;
- 12 puts at once, each under its own name, selecting every group: exactly
  one is accepted, the others LimitExceededException ("only one … that
  applies to all log groups")."""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import Nodes, need_pg  # noqa: E402
from lvtest import T, logs_call  # noqa: E402

need_pg()
t = T()
FI = "FIELD_INDEX_POLICY"
N = 12
DOC = json.dumps({"Fields": ["requestId"]})


def race(servers, bodies):
    """Sends every body at once (released together), alternating nodes:
    the (status, answer) of each."""
    out = [None] * len(bodies)
    go = threading.Barrier(len(bodies))

    def one(i):
        go.wait()
        out[i] = logs_call(servers[i % len(servers)], "PutAccountPolicy",
                           bodies[i])

    th = [threading.Thread(target=one, args=(i,)) for i in range(len(bodies))]
    for x in th:
        x.start()
    for x in th:
        x.join()
    return out


def in_force(srv, typ):
    st, out = logs_call(srv, "DescribeAccountPolicies", {"policyType": typ})
    t.eq("DescribeAccountPolicies answers 200", 200, st)
    return [p["policyName"] for p in out.get("accountPolicies", [])]


with Nodes(2) as nodes:
    servers = nodes.servers
    got = race(servers, [
        {"policyName": "pre-%d" % i, "policyType": FI, "policyDocument": DOC,
         "selectionCriteria": "LogGroupNamePrefix IN %s" % json.dumps(
             ["/race/" + "a" * i])}
        for i in range(N)])
    codes = sorted(st for st, _ in got)
    t.eq("overlapping prefixes: one put accepted", 1, codes.count(200))
    t.eq("overlapping prefixes: the others refused with 400",
         N - 1, codes.count(400))
    t.ok("overlapping prefixes: refused as InvalidParameterException",
         all(a.get("__type", "").endswith("InvalidParameterException")
             for st, a in got if st != 200), got)
    names = in_force(servers[1], FI)
    t.eq("overlapping prefixes: one policy in force", 1, len(names))
    ok_name = [b for (st, _), b in zip(got, ["pre-%d" % i for i in range(N)])
               if st == 200]
    t.eq("overlapping prefixes: it is the accepted one", ok_name, names)
    for n in names:
        st, _ = logs_call(servers[0], "DeleteAccountPolicy",
                          {"policyName": n, "policyType": FI})
        t.eq("DeleteAccountPolicy answers 200", 200, st)

    got = race(servers, [
        {"policyName": "all-%d" % i, "policyType": FI, "policyDocument": DOC}
        for i in range(N)])
    codes = sorted(st for st, _ in got)
    t.eq("every group: one put accepted", 1, codes.count(200))
    t.ok("every group: the others LimitExceededException",
         all(a.get("__type", "").endswith("LimitExceededException")
             for st, a in got if st != 200), got)
    t.eq("every group: one policy in force", 1,
         len(in_force(servers[0], FI)))
t.done()
