#!/usr/bin/env python3
"""Issue 17 item 3: CloudWatch Logs resource policies — PutResourcePolicy,
DescribeResourcePolicies, DeleteResourcePolicy as the API reference
describes them: account-scoped policies (at most 10 per account and
Region, "Resource limit exceeded." past it, a put of an existing name
replaces it), log-group-scoped ones (resourceArn: one per group, every
change names the revision it replaces, else OperationAbortedException),
documents checked by the policy engine and limited to 5,120 characters,
DescribeResourcePolicies' scope filters and paging.

Where they are evaluated: PutResourcePolicy's reference says they apply
only to AWS service principals, not to IAM users or other accounts ("will
not be enforced"). So account B stays refused on account A's group even
after A's policy names B (the service-principal path, Deny winning, is
unit-tested in test_logs_ops.c: no client can sign as a service)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
A, B = "111122223333", "444455556666"
REGION = "eu-west-2"
USERS = {"alice": ("AKIAALICE0000001", A, None),
         "bob": ("AKIABOB000000001", B, None)}
creds = write_creds(USERS, "lv-2603.")


def doc(principal=None, action="logs:PutLogEvents", effect="Allow",
        resource="*", sid="S"):
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": sid, "Effect": effect,
            "Principal": principal or {"Service": "route53.amazonaws.com"},
            "Action": action, "Resource": resource}]})


def caller(srv, who):
    """A raw signed Logs call as `who` (the members resourceArn,
    expectedRevisionId and policyScope are newer than some botocores):
    call(op, **body) returns the decoded answer or raises botocore's
    ClientError, as a client would."""
    def call(op, **body):
        status, _, data = srv.raw(json.dumps(body),
                                  target="Logs_20140328." + op,
                                  service="logs", region=REGION,
                                  key=USERS[who][0], secret=who + "-secret")
        out = json.loads(data) if data else {}
        if status != 200:
            raise botocore.exceptions.ClientError(
                {"Error": {"Code": out.get("__type"),
                           "Message": out.get("message", "")}}, op)
        return out
    return call


with Server("--credentials", creds) as srv:
    ra = caller(srv, "alice")
    rb = caller(srv, "bob")
    la = srv.client("logs", key=USERS["alice"][0], secret="alice-secret")
    lb = srv.client("logs", key=USERS["bob"][0], secret="bob-secret")
    group_arn = "arn:aws:logs:%s:%s:log-group:g1" % (REGION, A)
    la.create_log_group(logGroupName="g1")

    # ---- account-scoped policies ---------------------------------------
    d1 = doc(resource="arn:aws:logs:%s:%s:log-group:/aws/route53/*"
             % (REGION, A))
    out = ra("PutResourcePolicy", policyName="route53", policyDocument=d1)
    rp = out.get("resourcePolicy", {})
    t.eq("put: the policy as stored",
         ["route53", d1, "ACCOUNT"],
         [rp.get("policyName"), rp.get("policyDocument"),
          rp.get("policyScope")])
    t.ok("put: a lastUpdatedTime in ms", rp.get("lastUpdatedTime", 0) >
         1500000000000, rp)
    t.ok("put: no revisionId for an account-scoped policy",
         "revisionId" not in out and "revisionId" not in rp, out)
    got = ra("DescribeResourcePolicies")["resourcePolicies"]
    t.eq("describe: the one policy", [("route53", d1)],
         [(p["policyName"], p["policyDocument"]) for p in got])
    d2 = doc(sid="Other")
    ra("PutResourcePolicy", policyName="route53", policyDocument=d2)
    got = ra("DescribeResourcePolicies")["resourcePolicies"]
    t.eq("put of the same name replaces it", [("route53", d2)],
         [(p["policyName"], p["policyDocument"]) for p in got])
    t.eq("bob's account has none of alice's policies", [],
         rb("DescribeResourcePolicies")["resourcePolicies"])

    # ---- malformed documents and parameters ----------------------------
    for name, bad in [
            ("not JSON", "{not json"),
            ("not an object", "[]"),
            ("no Statement", json.dumps({"Version": "2012-10-17"})),
            ("a bad Effect", doc(effect="Maybe")),
            ("a service named as an AWS principal",
             doc(principal={"AWS": "delivery.logs.amazonaws.com"})),
            ("an unknown element", json.dumps({
                "Statement": [{"Effect": "Allow", "Principal": "*",
                               "Action": "logs:*", "Resource": "*",
                               "Bogus": 1}]}))]:
        t.error("malformed document refused: " + name,
                "InvalidParameterException", ra, "PutResourcePolicy",
                policyName="bad", policyDocument=bad)
    long_doc = doc(sid="x" * 5200)
    t.error("a document over 5,120 characters", "InvalidParameterException",
            ra, "PutResourcePolicy", policyName="long",
            policyDocument=long_doc, msg="5120")
    t.error("policyName missing", "InvalidParameterException", ra,
            "PutResourcePolicy", policyDocument=d1)
    t.eq("nothing stored by the refused puts", ["route53"],
         [p["policyName"] for p in
          ra("DescribeResourcePolicies")["resourcePolicies"]])

    # ---- the limit of 10, paging ---------------------------------------
    for i in range(9):
        ra("PutResourcePolicy", policyName="p%02d" % i, policyDocument=d1)
    t.error("an 11th policy", "LimitExceededException",
            ra, "PutResourcePolicy", policyName="eleventh",
            policyDocument=d1, msg="Resource limit exceeded.")
    ra("PutResourcePolicy", policyName="p03", policyDocument=d2)
    t.ok("replacing one at the limit is allowed", True)
    names = []
    pages = 0
    token = None
    while pages < 20:
        page = ra("DescribeResourcePolicies", limit=3,
                  **({"nextToken": token} if token else {}))
        pages += 1
        names += [p["policyName"] for p in page["resourcePolicies"]]
        token = page.get("nextToken")
        if not token:
            break
    t.eq("paging by 3: every policy once, in order",
         sorted(["route53"] + ["p%02d" % i for i in range(9)]), names)
    t.eq("paging by 3: four pages", 4, pages)
    t.error("a nextToken it never issued", "InvalidParameterException",
            ra, "DescribeResourcePolicies", nextToken="garbage")

    # ---- delete --------------------------------------------------------
    ra("DeleteResourcePolicy", policyName="p00")
    t.error("delete again: not found", "ResourceNotFoundException",
            ra, "DeleteResourcePolicy", policyName="p00")
    t.error("delete by bob: not found (his account has none)",
            "ResourceNotFoundException", rb, "DeleteResourcePolicy",
            policyName="p01")
    t.error("delete without a name", "InvalidParameterException", ra,
            "DeleteResourcePolicy")
    ra("PutResourcePolicy", policyName="tenth", policyDocument=d1)
    t.ok("room again after a delete", True)

    # ---- log-group-scoped policies -------------------------------------
    out = ra("PutResourcePolicy", policyName="grp", policyDocument=d1,
                                 resourceArn=group_arn + ":*")
    rp = out.get("resourcePolicy", {})
    rev1 = out.get("revisionId")
    t.ok("scoped put: a revisionId", bool(rev1), out)
    t.eq("scoped put: scope, ARN (without :*), revision",
         ["RESOURCE", group_arn, rev1],
         [rp.get("policyScope"), rp.get("resourceArn"),
          rp.get("revisionId")])
    t.error("scoped put again without expectedRevisionId",
            "OperationAbortedException", ra, "PutResourcePolicy",
            policyName="grp", policyDocument=d2, resourceArn=group_arn)
    t.error("scoped put with a wrong expectedRevisionId",
            "OperationAbortedException", ra, "PutResourcePolicy",
            policyName="grp", policyDocument=d2, resourceArn=group_arn,
            expectedRevisionId="not-the-revision")
    out = ra("PutResourcePolicy", policyName="grp", policyDocument=d2,
                                 resourceArn=group_arn,
                                 expectedRevisionId=rev1)
    rev2 = out.get("revisionId")
    t.ok("scoped put with the revision: a new revision",
         rev2 and rev2 != rev1, out)
    t.error("the scoped policies do not count against the account's 10",
            "LimitExceededException", ra, "PutResourcePolicy",
            policyName="eleventh", policyDocument=d1)
    got = ra("DescribeResourcePolicies",
        resourceArn=group_arn)["resourcePolicies"]
    t.eq("describe by resourceArn", [("grp", d2, rev2)],
         [(p["policyName"], p["policyDocument"], p.get("revisionId"))
          for p in got])
    got = ra("DescribeResourcePolicies",
        policyScope="RESOURCE")["resourcePolicies"]
    t.eq("describe policyScope RESOURCE", ["grp"],
         [p["policyName"] for p in got])
    got = ra("DescribeResourcePolicies")["resourcePolicies"]
    t.ok("describe (ACCOUNT by default) leaves scoped ones out",
         "grp" not in [p["policyName"] for p in got] and len(got) == 10,
         got)
    t.error("a scoped put on a group that does not exist",
            "ResourceNotFoundException", ra, "PutResourcePolicy",
            policyName="x", policyDocument=d1,
            resourceArn="arn:aws:logs:%s:%s:log-group:nope" % (REGION, A))
    t.error("a scoped put by bob on alice's group",
            "ResourceNotFoundException", rb, "PutResourcePolicy",
            policyName="x", policyDocument=d1, resourceArn=group_arn)
    t.error("scoped delete without expectedRevisionId",
            "InvalidParameterException", ra, "DeleteResourcePolicy",
            policyName="grp", resourceArn=group_arn)
    t.error("scoped delete with an old revision",
            "OperationAbortedException", ra, "DeleteResourcePolicy",
            policyName="grp", resourceArn=group_arn, expectedRevisionId=rev1)
    ra("DeleteResourcePolicy", policyName="grp", resourceArn=group_arn,
                              expectedRevisionId=rev2)
    t.eq("scoped delete: gone", [], ra("DescribeResourcePolicies",
        resourceArn=group_arn)["resourcePolicies"])

    # ---- other accounts are not let in by resource policies ------------
    la.create_log_stream(logGroupName="g1", logStreamName="s")
    allow_b = doc(principal={"AWS": "arn:aws:iam::%s:root" % B},
                  action="logs:*", resource=group_arn + ":*")
    ra("PutResourcePolicy", policyName="grp", policyDocument=allow_b,
                           resourceArn=group_arn)
    ra("PutResourcePolicy", policyName="tenth", policyDocument=allow_b)
    t.error("bob reads alice's group by ARN: still refused",
            "ResourceNotFoundException", rb, "GetLogEvents",
            logGroupIdentifier=group_arn, logStreamName="s")
    t.error("bob's PutLogEvents names his own account's group",
            "ResourceNotFoundException", lb.put_log_events,
            logGroupName="g1", logStreamName="s",
            logEvents=[{"timestamp": 1700000000000, "message": "x"}])
    t.eq("alice's own calls are unchanged",
         [], ra("GetLogEvents", logGroupIdentifier=group_arn,
                logStreamName="s")["events"])

    # ---- a group's policy goes with the group --------------------------
    # (undocumented by AWS: the strictest choice, respol.h) A group created
    # again under the same name must not inherit its predecessor's grant.
    la.delete_log_group(logGroupName="g1")
    la.create_log_group(logGroupName="g1")
    t.eq("after DeleteLogGroup and a new g1: no policy scoped to it",
         [], ra("DescribeResourcePolicies",
                resourceArn=group_arn)["resourcePolicies"])
    t.eq("the account-scoped policy is untouched",
         ["tenth"], [p["policyName"] for p in ra(
             "DescribeResourcePolicies")["resourcePolicies"]
             if p["policyName"] == "tenth"])
os.unlink(creds)
t.done()
