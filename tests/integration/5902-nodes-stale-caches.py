#!/usr/bin/env python3
"""Issue 11 section 4: a KMS change made through one node holds on every
node from that node's next request. Three nodes on one PostgreSQL
database; before each change, nodes B and C have just used the key (their
caches of key records, unsealed material, parsed policies and the Logs
data keys are warm); the change is made through A and, at once, B and C
must refuse what it refuses:

- DisableKey: Encrypt is DisabledException; PutLogEvents to a group under
  the key and GetLogEvents of events already read through B and C are
  AccessDeniedException; EnableKey brings them back;
- PutKeyPolicy with a policy that denies Encrypt and no longer allows the
  Logs service: Encrypt, PutLogEvents and GetLogEvents refused;
- RevokeGrant: the grantee's Encrypt under the grant is refused;
- ScheduleKeyDeletion: Encrypt is KMSInvalidStateException, the group's
  events refused; CancelKeyDeletion and EnableKey bring them back;
- AssociateKmsKey: events PutLogEvents wrote through B and C right after
  it are under the new key (unreadable through any node once that key is
  disabled); DisassociateKmsKey: events written through B and C right
  after it are not (they read with the key disabled)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import REGION, Nodes, client, need_pg  # noqa: E402
from lvtest import T, write_creds  # noqa: E402

need_pg()
t = T()
ACCT = "111122223333"
ALICE = "arn:aws:iam::%s:user/alice" % ACCT
BOB = "arn:aws:iam::%s:user/bob" % ACCT
USERS = {"alice": ("AKIAALICE", ACCT, "alice"),
         "bob": ("AKIABOB", ACCT, "bob")}
GROUP, GROUP2, STREAM = "enc", "later", "s"


def logs_policy(with_logs=True, deny_encrypt=False):
    st = [{"Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCT},
           "Action": "kms:*", "Resource": "*"}]
    if with_logs:
        st.append({"Effect": "Allow",
                   "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
                   "Action": ["kms:Encrypt*", "kms:Decrypt*",
                              "kms:ReEncrypt*", "kms:GenerateDataKey*",
                              "kms:Describe*"],
                   "Resource": "*"})
    if deny_encrypt:
        st.append({"Effect": "Deny", "Principal": {"AWS": "*"},
                   "Action": "kms:Encrypt", "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


GRANT_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Principal": {"AWS": ALICE}, "Action": "kms:*",
     "Resource": "*"}]})

creds = write_creds(USERS, "lv-5902-")
try:
    with Nodes(3, args=("--credentials", creds)) as nodes:
        def kms(srv, who="alice"):
            return client(srv, "kms", key=USERS[who][0],
                          secret=who + "-secret")

        def logs(srv):
            return client(srv, "logs", key="AKIAALICE",
                          secret="alice-secret")

        a, b, c = nodes.servers
        ka = kms(a)
        la = logs(a)
        others = [("B", kms(b), kms(b, "bob"), logs(b)),
                  ("C", kms(c), kms(c, "bob"), logs(c))]
        key = ka.create_key(Policy=logs_policy())["KeyMetadata"]["Arn"]
        gkey = ka.create_key(Policy=GRANT_POLICY)["KeyMetadata"]["Arn"]
        grant = ka.create_grant(KeyId=gkey, GranteePrincipal=BOB,
                                Operations=["Encrypt"])["GrantId"]
        la.create_log_group(logGroupName=GROUP, kmsKeyId=key)
        la.create_log_stream(logGroupName=GROUP, logStreamName=STREAM)
        ts = [int(time.time() * 1000) - 3600 * 1000]

        def put(lg, group=GROUP, at=None):
            ts[0] += 1
            lg.put_log_events(logGroupName=group, logStreamName=STREAM,
                              logEvents=[{"timestamp": at or ts[0],
                                          "message": "m %d" % ts[0]}])

        def get(lg, group=GROUP, start=None, end=None):
            kw = {"logGroupName": group, "logStreamName": STREAM,
                  "startFromHead": True}
            if start is not None:
                kw.update(startTime=start, endTime=end)
            return [e["message"] for e in lg.get_log_events(**kw)["events"]]

        def warm(step):
            """B and C use everything the next change touches, twice, so
            that every cache on them holds it."""
            for name, k, bob, lg in others:
                for _ in range(2):
                    k.encrypt(KeyId=key, Plaintext=b"warm")
                    bob.encrypt(KeyId=gkey, Plaintext=b"warm")
                    put(lg)
                    t.ok("%s: %s reads the group" % (step, name),
                         len(get(lg)) > 0)

        def refused(step, what, code, fn, **kw):
            for name, k, bob, lg in others:
                target = {"kms": k, "bob": bob, "logs": lg}[what]
                t.error("%s: refused through %s at once" % (step, name),
                        code, getattr(target, fn), **kw)

        # DisableKey.
        warm("before DisableKey")
        ka.disable_key(KeyId=key)
        refused("DisableKey: Encrypt", "kms", "DisabledException",
                "encrypt", KeyId=key, Plaintext=b"x")
        refused("DisableKey: PutLogEvents", "logs", "AccessDeniedException",
                "put_log_events", logGroupName=GROUP, logStreamName=STREAM,
                logEvents=[{"timestamp": ts[0], "message": "no"}])
        refused("DisableKey: GetLogEvents", "logs", "AccessDeniedException",
                "get_log_events", logGroupName=GROUP, logStreamName=STREAM,
                startFromHead=True)
        ka.enable_key(KeyId=key)
        warm("after EnableKey")

        # PutKeyPolicy that refuses.
        ka.put_key_policy(KeyId=key, PolicyName="default",
                          Policy=logs_policy(with_logs=False,
                                             deny_encrypt=True))
        refused("PutKeyPolicy: Encrypt", "kms", "AccessDeniedException",
                "encrypt", KeyId=key, Plaintext=b"x")
        refused("PutKeyPolicy: PutLogEvents", "logs",
                "AccessDeniedException", "put_log_events",
                logGroupName=GROUP, logStreamName=STREAM,
                logEvents=[{"timestamp": ts[0], "message": "no"}])
        refused("PutKeyPolicy: GetLogEvents", "logs",
                "AccessDeniedException", "get_log_events",
                logGroupName=GROUP, logStreamName=STREAM,
                startFromHead=True)
        ka.put_key_policy(KeyId=key, PolicyName="default",
                          Policy=logs_policy())
        warm("after the policy is back")

        # RevokeGrant.
        ka.revoke_grant(KeyId=gkey, GrantId=grant)
        refused("RevokeGrant: the grantee's Encrypt", "bob",
                "AccessDeniedException", "encrypt", KeyId=gkey,
                Plaintext=b"x")
        for name, k, _, _ in others:
            t.ok("RevokeGrant: %s lists no grant" % name,
                 k.list_grants(KeyId=gkey)["Grants"] == [])
        grant = ka.create_grant(KeyId=gkey, GranteePrincipal=BOB,
                                Operations=["Encrypt"])["GrantId"]
        warm("with a new grant")

        # ScheduleKeyDeletion.
        ka.schedule_key_deletion(KeyId=key, PendingWindowInDays=7)
        refused("ScheduleKeyDeletion: Encrypt", "kms",
                "KMSInvalidStateException", "encrypt", KeyId=key,
                Plaintext=b"x")
        refused("ScheduleKeyDeletion: PutLogEvents", "logs",
                "AccessDeniedException", "put_log_events",
                logGroupName=GROUP, logStreamName=STREAM,
                logEvents=[{"timestamp": ts[0], "message": "no"}])
        refused("ScheduleKeyDeletion: GetLogEvents", "logs",
                "AccessDeniedException", "get_log_events",
                logGroupName=GROUP, logStreamName=STREAM,
                startFromHead=True)
        for name, k, _, _ in others:
            t.eq("ScheduleKeyDeletion: %s describes it" % name,
                 "PendingDeletion",
                 k.describe_key(KeyId=key)["KeyMetadata"]["KeyState"])
        ka.cancel_key_deletion(KeyId=key)
        ka.enable_key(KeyId=key)
        warm("after CancelKeyDeletion")

        # A group's key: AssociateKmsKey, then DisassociateKmsKey.
        key2 = ka.create_key(Policy=logs_policy())["KeyMetadata"]["Arn"]
        la.create_log_group(logGroupName=GROUP2)
        la.create_log_stream(logGroupName=GROUP2, logStreamName=STREAM)
        base = ts[0] + 1000
        for name, _, _, lg in others:
            # Warm: B and C write (a service data key each) and read.
            put(lg, GROUP2, at=base)
            put(lg, GROUP2, at=base)
            get(lg, GROUP2)
        la.associate_kms_key(logGroupName=GROUP2, kmsKeyId=key2)
        for name, _, _, lg in others:
            put(lg, GROUP2, at=base + 10)
        la.disassociate_kms_key(logGroupName=GROUP2)
        for name, _, _, lg in others:
            put(lg, GROUP2, at=base + 20)
        ka.disable_key(KeyId=key2)
        for name, srv in (("A", a), ("B", b), ("C", c)):
            lg = logs(srv)
            t.error("AssociateKmsKey: what B and C wrote next is under the "
                    "key (read via %s)" % name, "AccessDeniedException",
                    lg.get_log_events, logGroupName=GROUP2,
                    logStreamName=STREAM, startTime=base + 10,
                    endTime=base + 11, startFromHead=True)
            t.eq("before AssociateKmsKey: not under the key (via %s)"
                 % name, 4, len(get(lg, GROUP2, base, base + 1)))
            t.eq("DisassociateKmsKey: what B and C wrote next is not under "
                 "the key (via %s)" % name, 2,
                 len(get(lg, GROUP2, base + 20, base + 21)))
finally:
    os.unlink(creds)
t.done()
