"""No lost updates on KMS keys (issue 10, section 2): each security change
(DisableKey, EnableKey, PutKeyPolicy, ScheduleKeyDeletion,
CancelKeyDeletion, EnableKeyRotation, DisableKeyRotation,
RotateKeyOnDemand, TagResource, UntagResource, UpdateAlias, RevokeGrant)
races unrelated writers of the same key — UpdateKeyDescription,
TagResource, PutKeyPolicy with the policy the key has — in other threads,
each with its own boto3 client against the real server. After each trial,
the change that was acknowledged holds.

A trial: the writers start and loop; the change is made once; then every
writer finishes at least two more requests that it started after the
change was acknowledged (so any write that was in flight around the change
has landed); the writers stop and the key is read back. Bounded by the
number of trials, never by time: nothing here sleeps or waits on a clock.
"""
import json
import os
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
WRITERS = 3
TRIALS = 10
ACCOUNT = "123456789012"
# Errors a writer may meet by design: the key is pending deletion, or the
# writer's own request is refused for the state the change left.
EXPECTED_WRITER_ERRORS = {"KMSInvalidStateException", "DisabledException"}


def policy(*users):
    """A key policy: the account root may do anything, and each named user
    of the account may Encrypt."""
    stmts = [{"Sid": "root", "Effect": "Allow",
              "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
              "Action": "kms:*", "Resource": "*"}]
    for u in users:
        stmts.append({"Sid": "user-" + u, "Effect": "Allow",
                      "Principal": {"AWS": "arn:aws:iam::%s:user/%s" %
                                    (ACCOUNT, u)},
                      "Action": "kms:Encrypt", "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": stmts})


class Writers:
    """WRITERS threads, each calling `fn(client, i)` in a loop on its own
    client until stopped. Counts the requests each one finished."""

    def __init__(self, clients, fn):
        self.clients = clients
        self.fn = fn
        self.stop_flag = False
        self.lock = threading.Lock()
        self.done = [0] * len(clients)
        self.unexpected = []
        self.threads = [threading.Thread(target=self.run, args=(n,))
                        for n in range(len(clients))]

    def run(self, n):
        i = 0
        while not self.stop_flag:
            try:
                self.fn(self.clients[n], i)
            except botocore.exceptions.ClientError as e:
                code = e.response["Error"]["Code"]
                if code not in EXPECTED_WRITER_ERRORS:
                    with self.lock:
                        self.unexpected.append(
                            "%s: %s" % (code, e.response["Error"].get(
                                "Message", "")))
            i += 1
            with self.lock:
                self.done[n] += 1

    def start(self):
        for th in self.threads:
            th.start()
        # Every writer is running before the change is made.
        self.wait_for(self.snapshot(), 1)

    def snapshot(self):
        with self.lock:
            return list(self.done)

    def wait_for(self, base, more):
        """Until every writer finished `more` requests after `base`. A
        writer only counts requests it finished, so this ends when each has
        started and finished that many after base (no clock involved)."""
        while True:
            now = self.snapshot()
            if all(now[n] - base[n] >= more for n in range(len(now))):
                return
            if not any(th.is_alive() for th in self.threads):
                return
            threading.Event().wait(0.001)

    def finish(self, base):
        self.wait_for(base, 2)
        self.stop_flag = True
        for th in self.threads:
            th.join()
        return self.unexpected


def race(name, setup, change, writer, check, trials=TRIALS):
    """`trials` trials: ctx = setup(); writers run writer(client, i, ctx)
    while change(ctx) is made once; then check(ctx) must be true (a
    (bool, detail) pair)."""
    lost = []
    errors = []
    for trial in range(trials):
        ctx = setup()
        w = Writers(writer_clients, lambda c, i: writer(c, i, ctx))
        w.start()
        try:
            change(ctx)
        except botocore.exceptions.ClientError as e:
            w.finish(w.snapshot())
            errors.append("trial %d: the change failed: %s" % (trial, e))
            continue
        unexpected = w.finish(w.snapshot())
        if unexpected:
            errors.append("trial %d: writer errors %s" % (trial,
                                                           unexpected[:3]))
        good, detail = check(ctx)
        if not good:
            lost.append("trial %d: %s" % (trial, detail))
    t.ok("%s: the change holds in %d trials" % (name, trials), not lost,
         "%d lost: %s" % (len(lost), lost[:3]))
    t.ok("%s: no writer or change failed unexpectedly" % name, not errors,
         errors[:3])


def describe(kid):
    return kms.describe_key(KeyId=kid)["KeyMetadata"]


def new_key(**kw):
    return kms.create_key(**kw)["KeyMetadata"]["KeyId"]


def set_description(c, i, ctx):
    c.update_key_description(KeyId=ctx["kid"], Description="writer %d" % i)


def tag_other(c, i, ctx):
    c.tag_resource(KeyId=ctx["kid"], Tags=[{"TagKey": "noise%d" % (i % 3),
                                             "TagValue": str(i)}])


def mixed(c, i, ctx):
    """Description and unrelated tags, alternately."""
    if i % 2:
        set_description(c, i, ctx)
    else:
        tag_other(c, i, ctx)


with Server() as srv:
    kms = srv.client("kms")
    writer_clients = [srv.client("kms") for _ in range(WRITERS)]
    raw = kms_call(srv, "RotateKeyOnDemand")
    list_rotations = kms_call(srv, "ListKeyRotations")
    rotation_status = kms_call(srv, "GetKeyRotationStatus")

    # ---- key state -------------------------------------------------------
    race("DisableKey vs UpdateKeyDescription",
         lambda: {"kid": new_key()},
         lambda ctx: kms.disable_key(KeyId=ctx["kid"]),
         set_description,
         lambda ctx: (describe(ctx["kid"])["KeyState"] == "Disabled",
                      describe(ctx["kid"])["KeyState"]),
         trials=20)

    def disabled_key():
        kid = new_key()
        kms.disable_key(KeyId=kid)
        return {"kid": kid}

    race("EnableKey vs UpdateKeyDescription and tags", disabled_key,
         lambda ctx: kms.enable_key(KeyId=ctx["kid"]), mixed,
         lambda ctx: (describe(ctx["kid"])["KeyState"] == "Enabled",
                      describe(ctx["kid"])["KeyState"]))

    def check_deletion(ctx):
        md = describe(ctx["kid"])
        return (md["KeyState"] == "PendingDeletion" and
                md.get("PendingDeletionWindowInDays") == 7 and
                "DeletionDate" in md, md["KeyState"])

    race("ScheduleKeyDeletion vs UpdateKeyDescription and tags",
         lambda: {"kid": new_key()},
         lambda ctx: kms.schedule_key_deletion(KeyId=ctx["kid"],
                                               PendingWindowInDays=7),
         mixed, check_deletion)

    # ---- key policy ------------------------------------------------------
    def policy_key():
        kid = new_key(Policy=policy("alice", "mallory"))
        return {"kid": kid}

    def check_policy(ctx):
        got = kms.get_key_policy(KeyId=ctx["kid"],
                                 PolicyName="default")["Policy"]
        return got == policy("alice"), "mallory" in got and "still allowed"

    race("PutKeyPolicy removing a principal vs UpdateKeyDescription",
         policy_key,
         lambda ctx: kms.put_key_policy(KeyId=ctx["kid"],
                                        PolicyName="default",
                                        Policy=policy("alice")),
         set_description, check_policy)

    def pending_key():
        kid = new_key()
        kms.schedule_key_deletion(KeyId=kid, PendingWindowInDays=7)
        return {"kid": kid}

    def put_same_policy(c, i, ctx):
        """PutKeyPolicy is allowed in every state, pending deletion too."""
        if i % 2:
            c.put_key_policy(KeyId=ctx["kid"], PolicyName="default",
                             Policy=policy())
        else:
            set_description(c, i, ctx)

    def check_cancelled(ctx):
        md = describe(ctx["kid"])
        return (md["KeyState"] == "Disabled" and "DeletionDate" not in md,
                md["KeyState"])

    race("CancelKeyDeletion vs PutKeyPolicy and UpdateKeyDescription",
         pending_key, lambda ctx: kms.cancel_key_deletion(KeyId=ctx["kid"]),
         put_same_policy, check_cancelled)

    # ---- rotation settings and on-demand rotation ------------------------
    race("EnableKeyRotation vs UpdateKeyDescription and tags",
         lambda: {"kid": new_key()},
         lambda ctx: kms.enable_key_rotation(KeyId=ctx["kid"]), mixed,
         lambda ctx: (rotation_status(KeyId=ctx["kid"])[
             "KeyRotationEnabled"] is True, "rotation off"))

    def rotating_key():
        kid = new_key()
        kms.enable_key_rotation(KeyId=kid)
        return {"kid": kid}

    race("DisableKeyRotation vs UpdateKeyDescription and tags",
         rotating_key,
         lambda ctx: kms.disable_key_rotation(KeyId=ctx["kid"]), mixed,
         lambda ctx: (rotation_status(KeyId=ctx["kid"])[
             "KeyRotationEnabled"] is False, "rotation on"))

    def rotate_twice(ctx):
        raw(KeyId=ctx["kid"])
        raw(KeyId=ctx["kid"])

    def check_rotations(ctx):
        rots = list_rotations(KeyId=ctx["kid"])["Rotations"]
        if len(rots) != 2:
            return False, "%d rotations listed" % len(rots)
        # A third rotation still works, and so does the current material.
        try:
            raw(KeyId=ctx["kid"])
            blob = kms.encrypt(KeyId=ctx["kid"], Plaintext=b"x")[
                "CiphertextBlob"]
            kms.decrypt(CiphertextBlob=blob)
        except botocore.exceptions.ClientError as e:
            return False, "after the rotations: %s" % e
        return len(list_rotations(KeyId=ctx["kid"])["Rotations"]) == 3, \
            "the third rotation is not listed"

    race("RotateKeyOnDemand vs UpdateKeyDescription and tags",
         lambda: {"kid": new_key()}, rotate_twice, mixed, check_rotations)

    def rotate_concurrently(c, i, ctx):
        """Writers that rotate too, at most twice each (the limit is 10)."""
        if i < 2:
            kms_call_for[id(c)](KeyId=ctx["kid"])
        else:
            set_description(c, i, ctx)

    kms_call_for = {id(c): kms_call(srv, "RotateKeyOnDemand")
                    for c in writer_clients}

    def check_all_rotations(ctx):
        # 2 by the change and 2 by each writer; none failed (the race
        # helper reports a writer's error), so every one is listed.
        n = len(list_rotations(KeyId=ctx["kid"])["Rotations"])
        return n == 2 + 2 * WRITERS, "%d rotations listed" % n

    race("RotateKeyOnDemand vs RotateKeyOnDemand", lambda: {"kid": new_key()},
         rotate_twice, rotate_concurrently, check_all_rotations, trials=6)

    # ---- tags --------------------------------------------------------------
    def tag_change(ctx):
        kms.tag_resource(KeyId=ctx["kid"], Tags=[
            {"TagKey": "owner", "TagValue": "security"}])
        kms.untag_resource(KeyId=ctx["kid"], TagKeys=["doomed"])

    def tagged_key():
        return {"kid": new_key(Tags=[{"TagKey": "doomed",
                                      "TagValue": "x"}])}

    def check_tags(ctx):
        tags = {x["TagKey"]: x["TagValue"] for x in
                kms.list_resource_tags(KeyId=ctx["kid"])["Tags"]}
        return (tags.get("owner") == "security" and "doomed" not in tags,
                tags)

    race("TagResource/UntagResource vs UpdateKeyDescription and tags",
         tagged_key, tag_change, mixed, check_tags)

    # ---- alias -------------------------------------------------------------
    counter = [0]

    def alias_setup():
        counter[0] += 1
        a, b = new_key(), new_key()
        name = "alias/race-%d" % counter[0]
        kms.create_alias(AliasName=name, TargetKeyId=a)
        return {"kid": a, "other": b, "alias": name}

    def alias_writer(c, i, ctx):
        c.update_key_description(KeyId=ctx["kid" if i % 2 else "other"],
                                 Description="writer %d" % i)

    def check_alias(ctx):
        got = [x["TargetKeyId"] for x in
               kms.list_aliases(KeyId=ctx["other"])["Aliases"]
               if x["AliasName"] == ctx["alias"]]
        return got == [ctx["other"]], got

    race("UpdateAlias vs UpdateKeyDescription of both keys", alias_setup,
         lambda ctx: kms.update_alias(AliasName=ctx["alias"],
                                      TargetKeyId=ctx["other"]),
         alias_writer, check_alias)

    # ---- grants ------------------------------------------------------------
    grantee = "arn:aws:iam::%s:user/grantee" % ACCOUNT

    def grant_setup():
        kid = new_key()
        gid = kms.create_grant(KeyId=kid, GranteePrincipal=grantee,
                               Operations=["Decrypt"])["GrantId"]
        return {"kid": kid, "gid": gid}

    def grant_writer(c, i, ctx):
        if i % 2:
            c.create_grant(KeyId=ctx["kid"], GranteePrincipal=grantee,
                           Operations=["Encrypt"], Name="w%d" % i)
        else:
            set_description(c, i, ctx)

    def check_grant(ctx):
        ids = [g["GrantId"] for g in
               kms.list_grants(KeyId=ctx["kid"])["Grants"]]
        return ctx["gid"] not in ids, "the revoked grant is listed"

    race("RevokeGrant vs CreateGrant and UpdateKeyDescription", grant_setup,
         lambda ctx: kms.revoke_grant(KeyId=ctx["kid"],
                                      GrantId=ctx["gid"]),
         grant_writer, check_grant)

    # ---- a sequence: the last acknowledged state holds -------------------
    def flip_flop(ctx):
        for _ in range(3):
            kms.disable_key(KeyId=ctx["kid"])
            kms.enable_key(KeyId=ctx["kid"])
        kms.disable_key(KeyId=ctx["kid"])

    race("Disable/Enable sequence vs UpdateKeyDescription and tags",
         lambda: {"kid": new_key()}, flip_flop, mixed,
         lambda ctx: (describe(ctx["kid"])["KeyState"] == "Disabled",
                      describe(ctx["kid"])["KeyState"]), trials=6)

    # The writers' descriptions were not lost either: the last one holds.
    kid = new_key()
    kms.update_key_description(KeyId=kid, Description="first")
    kms.disable_key(KeyId=kid)
    kms.update_key_description(KeyId=kid, Description="second")
    md = describe(kid)
    t.eq("description after DisableKey", "second", md["Description"])
    t.eq("state after UpdateKeyDescription", "Disabled", md["KeyState"])

    log = srv.read_log()
    t.ok("no UNIQUE constraint failure in the server log",
         "UNIQUE constraint failed" not in log,
         [ln for ln in log.splitlines() if "UNIQUE" in ln][:3])

t.done()
