#!/usr/bin/env python3
"""Account policies and transformers cached per node (logs/acctpol_int.h,
the policy generation of store/policies_store.h) hold across nodes: two
nodes on one PostgreSQL database; node B has just ingested into the group
(its caches of the account's policies and of the compiled transformer are
warm); each change is made through A and B's very next PutLogEvents must
follow it:

- PutAccountPolicy TRANSFORMER_POLICY selecting the group: transformed;
- PutTransformer on the group (its own overrides): the group's, and a
  second PutTransformer: the new one (the compiled cache is keyed by the
  transformer's version, not its text);
- DeleteTransformer: the account's again; DeleteAccountPolicy: as sent;
- PutAccountPolicy FIELD_INDEX_POLICY: B's next chunk is indexed
  (DescribeFieldIndexes lists the field);
- PutAccountPolicy DATA_PROTECTION_POLICY with an audit destination: B's
  next event holding an email address gets its findings report (B
  skips the audit while no policy is in force)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import Nodes, client, need_pg  # noqa: E402
from lvtest import T, logs_call  # noqa: E402

need_pg()
t = T()
G, S = "/np/app", "s"


def ok(srv, op, **body):
    st, out = logs_call(srv, op, body)
    if st != 200:
        raise RuntimeError("%s: %d %r" % (op, st, out))
    return out


def adder(value):
    return [{"parseJSON": {}},
            {"addKeys": {"entries": [{"key": "by", "value": value}]}}]


with Nodes(2) as nodes:
    a, b = nodes.servers
    lb = client(b, "logs")
    lb.create_log_group(logGroupName=G)
    lb.create_log_stream(logGroupName=G, logStreamName=S)
    n = [0]

    def put_b():
        """One event through B; what B stored, decoded when JSON."""
        n[0] += 1
        lb.put_log_events(logGroupName=G, logStreamName=S, logEvents=[
            {"timestamp": int(time.time() * 1000),
             "message": json.dumps({"n": n[0], "requestId": "r%d" % n[0]})}])
        msg = lb.get_log_events(logGroupName=G, logStreamName=S,
                                startFromHead=False,
                                limit=1)["events"][-1]["message"]
        return json.loads(msg).get("by")

    t.eq("warm: as sent", None, put_b())
    ok(a, "PutAccountPolicy", policyName="tr", policyType="TRANSFORMER_POLICY",
       policyDocument=json.dumps({"transformerConfig": adder("account")}),
       selectionCriteria='LogGroupNamePrefix IN ["/np/"]')
    t.eq("account policy put through A: B transforms", "account", put_b())
    ok(a, "PutTransformer", logGroupIdentifier=G,
       transformerConfig=adder("group-1"))
    t.eq("group transformer put through A: B uses it", "group-1", put_b())
    ok(a, "PutTransformer", logGroupIdentifier=G,
       transformerConfig=adder("group-2"))
    t.eq("replaced through A: B uses the new one", "group-2", put_b())
    ok(a, "DeleteTransformer", logGroupIdentifier=G)
    t.eq("group transformer deleted: the account's again", "account",
         put_b())
    ok(a, "DeleteAccountPolicy", policyName="tr",
       policyType="TRANSFORMER_POLICY")
    t.eq("account policy deleted through A: as sent", None, put_b())

    fi = ok(b, "DescribeFieldIndexes", logGroupIdentifiers=[G])
    t.eq("no field index yet", [], fi.get("fieldIndexes"))
    ok(a, "PutAccountPolicy", policyName="fi", policyType="FIELD_INDEX_POLICY",
       policyDocument=json.dumps({"Fields": ["requestId"]}))
    put_b()
    fi = ok(b, "DescribeFieldIndexes", logGroupIdentifiers=[G])
    t.eq("field index policy put through A: B's next chunk indexed",
         ["requestId"],
         [x.get("fieldIndexName") for x in fi.get("fieldIndexes", [])])

    lb.create_log_group(logGroupName="/findings")
    email_event = [{"timestamp": int(time.time() * 1000),
                    "message": "mail jane.doe@example.com"}]
    lb.put_log_events(logGroupName=G, logStreamName=S,
                      logEvents=email_event)
    t.eq("no data protection policy: no findings", [], lb.describe_log_streams(
        logGroupName="/findings")["logStreams"])
    ids = ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"]
    ok(a, "PutAccountPolicy", policyName="dp",
       policyType="DATA_PROTECTION_POLICY",
       policyDocument=json.dumps({
           "Name": "p", "Version": "2021-06-01", "Statement": [
               {"Sid": "audit", "DataIdentifier": ids, "Operation": {
                   "Audit": {"FindingsDestination": {
                       "CloudWatchLogs": {"LogGroup": "/findings"}}}}},
               {"Sid": "redact", "DataIdentifier": ids, "Operation": {
                   "Deidentify": {"MaskConfig": {}}}}]}))
    lb.put_log_events(logGroupName=G, logStreamName=S,
                      logEvents=email_event)
    reports = [e["message"] for e in lb.get_log_events(
        logGroupName="/findings", logStreamName=G,
        startFromHead=True)["events"]]
    t.eq("account data protection policy put through A: B audits",
         [["EmailAddress"]],
         [[d["name"] for d in json.loads(m)["dataIdentifiers"]]
          for m in reports])
t.done()
