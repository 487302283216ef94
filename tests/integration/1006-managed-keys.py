#!/usr/bin/env python3
"""AWS managed keys (issue 17): DescribeKey on a predefined alias/aws/...
alias with no key makes the AWS managed key once (also under concurrent
calls), returns its KeyMetadata (KeyManager AWS, AWS's description,
AWS_KMS, SYMMETRIC_DEFAULT, Enabled); ListAliases then shows TargetKeyId
and dates, ListKeys includes it; GetKeyPolicy shows the policy of AWS
managed keys (use only kms:ViaService the service); a direct Encrypt and
every change of the key are refused by that policy (AccessDenied); yearly
rotation is on; alias/aws/nope is still not found; another account gets a
key of its own."""
import atexit
import json
import os
import shutil
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call  # noqa: E402

t = T()
ACCOUNT = "111122223333"
OTHER = "444455556666"
REGION = "eu-west-2"

scratch = tempfile.mkdtemp(prefix="lv-1006.")
atexit.register(shutil.rmtree, scratch, True)
creds = os.path.join(scratch, "creds")
with open(creds, "w") as f:
    f.write("[AKIAROOT]\nsecret_access_key = root-secret\n"
            "account_id = %s\n\n"
            "[AKIABOB]\nsecret_access_key = bob-secret\n"
            "account_id = %s\nuser = bob\n\n"
            "[AKIAOTHER]\nsecret_access_key = other-secret\n"
            "account_id = %s\n" % (ACCOUNT, ACCOUNT, OTHER))


def aliases(kms):
    out, marker = [], None
    while True:
        kw = {"Marker": marker} if marker else {}
        r = kms.list_aliases(**kw)
        out += r["Aliases"]
        if not r.get("Truncated"):
            return {a["AliasName"]: a for a in out}
        marker = r["NextMarker"]


def alias_pages(kms, limit):
    out, marker = [], None
    while True:
        kw = {"Marker": marker} if marker else {}
        r = kms.list_aliases(Limit=limit, **kw)
        t.ok("page of at most %d" % limit, len(r["Aliases"]) <= limit)
        out += [(a["AliasName"], a.get("TargetKeyId")) for a in r["Aliases"]]
        if not r.get("Truncated"):
            return out
        marker = r["NextMarker"]


def key_ids(kms):
    out, marker = [], None
    while True:
        kw = {"Marker": marker} if marker else {}
        r = kms.list_keys(**kw)
        out += [k["KeyId"] for k in r["Keys"]]
        if not r.get("Truncated"):
            return out
        marker = r["NextMarker"]


with Server("--credentials", creds) as srv:
    kms = srv.client("kms", key="AKIAROOT", secret="root-secret")
    bob = srv.client("kms", key="AKIABOB", secret="bob-secret")
    other = srv.client("kms", key="AKIAOTHER", secret="other-secret")

    before = aliases(kms)
    t.ok("alias/aws/s3 listed without TargetKeyId before",
         "alias/aws/s3" in before and
         "TargetKeyId" not in before["alias/aws/s3"], before.get("alias/aws/s3"))
    t.eq("no keys before", [], key_ids(kms))

    # -- DescribeKey makes the key --------------------------------------
    md = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    kid = md["KeyId"]
    t.eq("KeyManager", "AWS", md["KeyManager"])
    t.eq("Description", "Default key that protects my S3 objects when no "
         "other key is defined", md["Description"])
    t.eq("shape", ("AWS_KMS", "SYMMETRIC_DEFAULT", "ENCRYPT_DECRYPT",
                   "Enabled", True, ACCOUNT),
         (md["Origin"], md["KeySpec"], md["KeyUsage"], md["KeyState"],
          md["Enabled"], md["AWSAccountId"]))
    t.eq("Arn", "arn:aws:kms:%s:%s:key/%s" % (REGION, ACCOUNT, kid),
         md["Arn"])
    t.eq("again by name: same key", kid,
         kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"])
    arn = "arn:aws:kms:%s:%s:alias/aws/s3" % (REGION, ACCOUNT)
    t.eq("by alias ARN: same key", kid,
         kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyId"])
    t.eq("a user of the account sees the same key", kid,
         bob.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]["KeyId"])
    t.eq("by key id: KeyManager AWS", "AWS",
         kms.describe_key(KeyId=kid)["KeyMetadata"]["KeyManager"])

    # First made by an alias ARN.
    md_ssm = kms.describe_key(
        KeyId="arn:aws:kms:%s:%s:alias/aws/ssm" % (REGION, ACCOUNT))
    t.eq("alias ARN makes the key too",
         ("AWS", "Default key that protects my SSM parameters when no other "
          "key is defined"),
         (md_ssm["KeyMetadata"]["KeyManager"],
          md_ssm["KeyMetadata"]["Description"]))

    # Concurrent first calls: exactly one key.
    got, errs = [], []

    def describe():
        try:
            c = srv.client("kms", key="AKIAROOT", secret="root-secret")
            got.append(c.describe_key(KeyId="alias/aws/ebs")
                       ["KeyMetadata"]["KeyId"])
        except Exception as e:  # noqa: BLE001 - recorded, asserted below
            errs.append(repr(e))
    threads = [threading.Thread(target=describe) for _ in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    t.eq("concurrent: no errors", [], errs)
    t.eq("concurrent: one key for all", 1, len(set(got)))
    ebs = got[0] if got else None

    # -- ListAliases, ListKeys ------------------------------------------
    after = aliases(kms)
    a = after.get("alias/aws/s3", {})
    t.eq("ListAliases: TargetKeyId", kid, a.get("TargetKeyId"))
    t.ok("ListAliases: dates", "CreationDate" in a and
         "LastUpdatedDate" in a, a)
    t.eq("ListAliases: ebs", ebs, after.get("alias/aws/ebs", {})
         .get("TargetKeyId"))
    t.ok("ListAliases: rds still without key",
         "TargetKeyId" not in after.get("alias/aws/rds", {"TargetKeyId": 1}))
    t.eq("alias listed once", 1,
         sum(1 for n in after if n == "alias/aws/s3"))
    whole = alias_pages(kms, 1000)
    t.eq("ListAliases: sorted, each name once",
         sorted(set(n for n, _ in whole)), [n for n, _ in whole])
    for limit in (1, 2, 3):
        t.eq("ListAliases in pages of %d: the same list" % limit, whole,
             alias_pages(kms, limit))
    t.eq("ListAliases by key", ["alias/aws/s3"],
         [x["AliasName"] for x in kms.list_aliases(KeyId=kid)["Aliases"]])
    t.eq("ListKeys: the three managed keys",
         sorted([kid, md_ssm["KeyMetadata"]["KeyId"], ebs]),
         sorted(key_ids(kms)))

    # -- the key policy -------------------------------------------------
    pol = json.loads(kms.get_key_policy(KeyId=kid,
                                        PolicyName="default")["Policy"])
    st = pol["Statement"]
    t.eq("policy: two statements", 2, len(st))
    t.eq("policy: via the service only",
         {"StringEquals": {"kms:ViaService": "s3.%s.amazonaws.com" % REGION,
                           "kms:CallerAccount": ACCOUNT}},
         st[0].get("Condition"))
    t.eq("policy: any principal of the account", {"AWS": "*"},
         st[0]["Principal"])
    t.ok("policy: use actions", "kms:Encrypt" in st[0]["Action"] and
         "kms:Decrypt" in st[0]["Action"], st[0]["Action"])
    t.eq("policy: direct read access of the account",
         ({"AWS": "arn:aws:iam::%s:root" % ACCOUNT}, True, True, True),
         (st[1]["Principal"], "kms:Describe*" in st[1]["Action"],
          "kms:Get*" in st[1]["Action"], "kms:List*" in st[1]["Action"]))
    t.ok("policy: no Condition on the read access", "Condition" not in st[1])
    t.ok("policy: ebs via ec2", "ec2.%s.amazonaws.com" % REGION in
         kms.get_key_policy(KeyId=ebs, PolicyName="default")["Policy"])
    t.eq("rotation on (yearly)", True,
         kms.get_key_rotation_status(KeyId=kid)["KeyRotationEnabled"])

    # -- direct use and changes: refused by the policy ------------------
    e = t.error("Encrypt: AWS's message", "AccessDeniedException",
                kms.encrypt, KeyId=kid, Plaintext=b"x")
    if e:
        t.eq("Encrypt: AWS's message",
             "User: arn:aws:iam::%s:root is not authorized to perform: "
             "kms:Encrypt on resource: %s because no resource-based policy "
             "allows the kms:Encrypt action" % (ACCOUNT, md["Arn"]),
             e.response["Error"]["Message"])
    for who, c in (("root", kms), ("bob", bob)):
        t.error("%s: Encrypt by alias" % who, "AccessDeniedException",
                c.encrypt, KeyId="alias/aws/s3", Plaintext=b"x")
        t.error("%s: Encrypt by key id" % who, "AccessDeniedException",
                c.encrypt, KeyId=kid, Plaintext=b"x")
    t.error("GenerateDataKey", "AccessDeniedException", kms.generate_data_key,
            KeyId=kid, KeySpec="AES_256")
    mine = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/mine", TargetKeyId=mine)
    own_policy = kms.get_key_policy(KeyId=mine,
                                    PolicyName="default")["Policy"]
    refused = [
        ("PutKeyPolicy", kms.put_key_policy,
         dict(KeyId=kid, PolicyName="default", Policy=own_policy)),
        ("ScheduleKeyDeletion", kms.schedule_key_deletion,
         dict(KeyId=kid, PendingWindowInDays=7)),
        ("DisableKey", kms.disable_key, dict(KeyId=kid)),
        ("EnableKeyRotation", kms.enable_key_rotation, dict(KeyId=kid)),
        ("DisableKeyRotation", kms.disable_key_rotation, dict(KeyId=kid)),
        ("TagResource", kms.tag_resource,
         dict(KeyId=kid, Tags=[{"TagKey": "a", "TagValue": "b"}])),
        ("UntagResource", kms.untag_resource, dict(KeyId=kid, TagKeys=["a"])),
        ("CreateAlias", kms.create_alias,
         dict(AliasName="alias/to-managed", TargetKeyId=kid)),
        ("UpdateAlias", kms.update_alias,
         dict(AliasName="alias/mine", TargetKeyId=kid)),
        ("CreateGrant", kms.create_grant,
         dict(KeyId=kid, GranteePrincipal="arn:aws:iam::%s:user/bob"
              % ACCOUNT, Operations=["Decrypt"])),
        ("UpdateKeyDescription", kms.update_key_description,
         dict(KeyId=kid, Description="mine now")),
    ]
    for name, fn, kw in refused:
        t.error("%s refused" % name, "AccessDeniedException", fn, **kw)
    t.error("RotateKeyOnDemand refused", "AccessDeniedException",
            kms_call(srv, "RotateKeyOnDemand", key="AKIAROOT",
                     secret="root-secret"), KeyId=kid)
    md2 = kms.describe_key(KeyId=kid)["KeyMetadata"]
    t.eq("nothing changed",
         ("Enabled", md["Description"]), (md2["KeyState"],
                                           md2["Description"]))
    t.eq("no tags", [], kms.list_resource_tags(KeyId=kid)["Tags"])
    t.eq("alias/mine still at its key", mine,
         kms.describe_key(KeyId="alias/mine")["KeyMetadata"]["KeyId"])
    t.ok("no alias/to-managed", "alias/to-managed" not in aliases(kms))
    t.eq("no grants", [], kms.list_grants(KeyId=kid)["Grants"])
    # Still reserved.
    t.error("alias/aws/s3 cannot be moved", "NotAuthorizedException",
            kms.update_alias, AliasName="alias/aws/s3", TargetKeyId=mine)
    t.error("alias/aws/s3 cannot be deleted", "NotAuthorizedException",
            kms.delete_alias, AliasName="alias/aws/s3")

    # -- not a predefined alias -----------------------------------------
    e = t.error("alias/aws/nope", "NotFoundException", kms.describe_key,
                KeyId="alias/aws/nope")
    if e:
        t.eq("alias/aws/nope message",
             "Alias arn:aws:kms:%s:%s:alias/aws/nope is not found."
             % (REGION, ACCOUNT), e.response["Error"]["Message"])
    t.ok("alias/aws/nope not listed", "alias/aws/nope" not in aliases(kms))
    t.error("another account's alias ARN makes nothing",
            "NotFoundException", kms.describe_key,
            KeyId="arn:aws:kms:%s:%s:alias/aws/glue" % (REGION, OTHER))
    t.ok("other account still has no glue key", "TargetKeyId" not in
         aliases(other).get("alias/aws/glue", {"TargetKeyId": 1}))

    # -- another account: its own key -----------------------------------
    omd = other.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    t.ok("other account: another key", omd["KeyId"] != kid, omd["KeyId"])
    t.eq("other account: its own", (OTHER, "AWS"),
         (omd["AWSAccountId"], omd["KeyManager"]))
    t.ok("other account: its policy names it", '"%s"' % OTHER in
         other.get_key_policy(KeyId=omd["KeyId"],
                              PolicyName="default")["Policy"])
    t.eq("first account's alias unchanged", kid,
         aliases(kms)["alias/aws/s3"].get("TargetKeyId"))

    # -- a restart keeps it ---------------------------------------------
    srv.restart()
    kms = srv.client("kms", key="AKIAROOT", secret="root-secret")
    md3 = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
    t.eq("after restart: same key, still AWS", (kid, "AWS"),
         (md3["KeyId"], md3["KeyManager"]))
t.done()
