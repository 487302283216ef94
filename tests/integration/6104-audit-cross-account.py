#!/usr/bin/env python3
"""Issue 13 §1, requests across accounts: "Cross-account operations on KMS
keys are logged in both the caller account and the KMS key owner account.
However, cross-account AWS KMS requests that are rejected because access
is denied are logged only in the caller's account." (KMS developer guide,
"Logging AWS KMS API calls with AWS CloudTrail"); the two records share a
sharedEventID and have their own eventID and recipientAccountId
(CloudTrail record contents, "sharedEventID").

Alice (an IAM user of account A) uses a key of account B whose key policy
names her: Encrypt, Decrypt (read-only, through the writer) and
CreateGrant (a change, in its transaction) are found by LookupEvents in
A's trail as Alice's and in B's as another account's (userIdentity
AWSAccount); a refused Encrypt on another key of B is in A's trail only.
A log group of A encrypted under B's key: the Logs service's
GenerateDataKey for it is in both trails too, and GetKeyLastUsage names
B's record of it. Each account reads only its
own trail; the chains verify."""
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call, write_creds  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
A, B = "111122223333", "444455556666"
REGION = "eu-west-2"
USERS = {"alice": ("AKIAALICE0000001", A, "alice"),
         "bob": ("AKIABOB000000001", B, None)}
creds = write_creds(USERS, "lv-6104.")


def client(srv, who, svc):
    return srv.client(svc, key=USERS[who][0], secret=who + "-secret")


def rid(resp):
    return resp["ResponseMetadata"]["RequestId"]


def trail(srv, who, name):
    """The records of event `name` in who's trail, parsed, with the
    LookupEvents Event beside each."""
    ct = client(srv, who, "cloudtrail")
    out = []
    for page in ct.get_paginator("lookup_events").paginate(
            LookupAttributes=[{"AttributeKey": "EventName",
                               "AttributeValue": name}]):
        for e in page["Events"]:
            rec = json.loads(e["CloudTrailEvent"])
            rec["_event"] = e
            out.append(rec)
    return out


def of_request(srv, who, name, request_id, want):
    """who's records of request_id's `name`, waiting (up to 30 s) until
    `want` of them are there: read-only records reach the store through
    the writer, in batches."""
    deadline = time.time() + 30
    while True:
        got = [r for r in trail(srv, who, name)
               if r.get("requestID") == request_id]
        if len(got) >= want or time.time() > deadline:
            return got
        time.sleep(0.2)


def pair(name, srv, request_id):
    """Checks the two records of a cross-account request; returns them."""
    mine = of_request(srv, "alice", name, request_id, 1)
    theirs = of_request(srv, "bob", name, request_id, 1)
    if not (t.eq(name + ": one record in the caller's trail", 1, len(mine))
            and t.eq(name + ": one in the key owner's", 1, len(theirs))):
        return None, None
    m, o = mine[0], theirs[0]
    t.eq(name + ": recipients", [A, B],
         [m.get("recipientAccountId"), o.get("recipientAccountId")])
    t.ok(name + ": one sharedEventID, two eventIDs",
         m.get("sharedEventID") and
         m.get("sharedEventID") == o.get("sharedEventID") and
         m["eventID"] != o["eventID"] and
         m["sharedEventID"] not in (m["eventID"], o["eventID"]),
         (m.get("sharedEventID"), o.get("sharedEventID"), m["eventID"],
          o["eventID"]))
    t.eq(name + ": the caller's own identity", ["IAMUser", "alice", A],
         [m["userIdentity"].get("type"), m["userIdentity"].get("userName"),
          m["userIdentity"].get("accountId")])
    t.eq(name + ": the owner sees another account's principal",
         {"type": "AWSAccount",
          "principalId": m["userIdentity"].get("principalId"),
          "accountId": A}, o.get("userIdentity"))
    t.ok(name + ": the owner's Event has no access key or user name",
         "AccessKeyId" not in o["_event"] and "Username" not in o["_event"],
         o["_event"])
    t.eq(name + ": the same request",
         [m.get("requestParameters"), m.get("eventTime"), m.get("resources")],
         [o.get("requestParameters"), o.get("eventTime"), o.get("resources")])
    return m, o


with Server("--credentials", creds, "--audit-trail",
            "--lookup-events-rate", "0") as srv:
    alice = client(srv, "alice", "kms")
    bob = client(srv, "bob", "kms")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Sid": "owner", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % B},
         "Action": "kms:*", "Resource": "*"},
        # logvault has no identity policies: a key of another account is
        # used by the principals its policy names (kms/authz.c).
        {"Sid": "alice of account A uses it", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:user/alice" % A},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:CreateGrant",
                    "kms:DescribeKey"], "Resource": "*"},
        {"Sid": "logs", "Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                    "kms:GenerateDataKey*", "kms:Describe*"],
         "Resource": "*"}]}
    key = bob.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    closed = bob.create_key()["KeyMetadata"]["Arn"]

    r = alice.encrypt(KeyId=key, Plaintext=b"across accounts")
    enc = rid(r)
    dec = rid(alice.decrypt(CiphertextBlob=r["CiphertextBlob"]))
    grant = rid(alice.create_grant(
        KeyId=key, GranteePrincipal="arn:aws:iam::%s:user/alice" % A,
        Operations=["Decrypt"]))
    try:
        alice.encrypt(KeyId=closed, Plaintext=b"x")
        refused = None
        t.ok("Encrypt under a key B does not share is refused", False)
    except botocore.exceptions.ClientError as e:
        refused = e.response["ResponseMetadata"]["RequestId"]
        t.eq("Encrypt under a key B does not share is refused",
             "AccessDeniedException", e.response["Error"]["Code"])
    # B's own use of its key: one record, no sharedEventID.
    own = rid(bob.encrypt(KeyId=key, Plaintext=b"own"))

    pair("Encrypt", srv, enc)
    pair("Decrypt", srv, dec)
    m, o = pair("CreateGrant", srv, grant)
    if o:
        t.ok("CreateGrant: the owner's record has the grant's response",
             bool((o.get("responseElements") or {}).get("grantId")), o)

    if refused:
        mine = of_request(srv, "alice", "Encrypt", refused, 1)
        t.eq("refused: in the caller's trail, AccessDeniedException",
             ["AccessDeniedException"], [x.get("errorCode") for x in mine])
        t.ok("refused: no sharedEventID", mine and
             "sharedEventID" not in mine[0], mine)
        # The refused record is there; had an owner's copy been made it
        # would have been written with it, in the same batch or before.
        t.eq("refused: not in the key owner's trail", [],
             [x for x in trail(srv, "bob", "Encrypt")
              if x.get("requestID") == refused])
    ownrec = of_request(srv, "bob", "Encrypt", own, 1)
    t.ok("B's own Encrypt: one record, no sharedEventID",
         len(ownrec) == 1 and "sharedEventID" not in ownrec[0] and
         ownrec[0]["userIdentity"].get("type") == "Root", ownrec)
    t.eq("B's own Encrypt: not in A's trail", [],
         [x for x in trail(srv, "alice", "Encrypt")
          if x.get("requestID") == own])

    # ---- the Logs service's calls for A's group, on B's key
    logs = client(srv, "alice", "logs")
    logs.create_log_group(logGroupName="across", kmsKeyId=key)
    logs.create_log_stream(logGroupName="across", logStreamName="s")
    put = rid(logs.put_log_events(
        logGroupName="across", logStreamName="s",
        logEvents=[{"timestamp": int(time.time() * 1000),
                    "message": "event text"}]))
    mine = of_request(srv, "alice", "GenerateDataKey", put, 1)
    theirs = of_request(srv, "bob", "GenerateDataKey", put, 1)
    if t.eq("service GenerateDataKey: in both trails", [1, 1],
            [len(mine), len(theirs)]):
        m, o = mine[0], theirs[0]
        t.eq("service GenerateDataKey: both the service's",
             [{"type": "AWSService", "invokedBy": "logs.amazonaws.com"}] * 2,
             [m.get("userIdentity"), o.get("userIdentity")])
        t.eq("service GenerateDataKey: recipients", [A, B],
             [m.get("recipientAccountId"), o.get("recipientAccountId")])
        t.ok("service GenerateDataKey: one sharedEventID",
             m.get("sharedEventID") and
             m.get("sharedEventID") == o.get("sharedEventID"), (m, o))
        t.eq("service GenerateDataKey: the group's encryption context",
             {"aws:logs:arn": "arn:aws:logs:%s:%s:log-group:across" %
              (REGION, A)},
             (o.get("requestParameters") or {}).get("encryptionContext"))
    # GetKeyLastUsage, asked by the key's owner, names the owner's record
    # of the last use: the service's GenerateDataKey for A's group.
    if len(theirs) == 1:
        last = kms_call(srv, "GetKeyLastUsage", key=USERS["bob"][0],
                        secret="bob-secret")(KeyId=key).get("KeyLastUsage",
                                                             {})
        t.eq("GetKeyLastUsage: the owner's record of the last use",
             ["GenerateDataKey", put, theirs[0]["eventID"]],
             [last.get("Operation"), last.get("KmsRequestId"),
              last.get("CloudTrailEventId")])
    srv.stop()
    where = ["--data-dir", srv.data_dir]
    if srv.store_uri:
        where += ["--store", srv.store_uri]
    if srv.root_key_file:
        where += ["--root-key-file", srv.root_key_file]
    p = subprocess.run([os.environ["LOGVAULT_BIN"], "audit", "verify"] +
                       where, capture_output=True, text=True, timeout=60)
    t.ok("audit verify: both accounts' chains are whole",
         p.returncode == 0 and "all verified" in p.stdout,
         p.stdout + p.stderr)
os.unlink(creds)
t.done()
