"""Key policies enforced through the real server, for users of two
accounts: the default policy delegates to the account; a policy naming only
alice lets alice in and keeps bob out; an explicit Deny for bob beats the
root Allow; conditions on kms:EncryptionContext:<k>,
kms:EncryptionContextKeys (ForAllValues) and kms:CallerAccount; another
account is denied unless named; the lockout safety check; malformed
documents; the Logs service principal's tutorial statement is accepted."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
A1, A2 = "111122223333", "444455556666"
ROOT1 = "arn:aws:iam::%s:root" % A1
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1
CAROL = "arn:aws:iam::%s:user/carol" % A2
USERS = {"root1": ("AKIAROOT1", A1, None), "alice": ("AKIAALICE", A1, "alice"),
         "bob": ("AKIABOB", A1, "bob"), "carol": ("AKIACAROL", A2, "carol")}


def no_policy_msg(who, action, key_arn):
    return ("User: %s is not authorized to perform: kms:%s on resource: %s "
            "because no resource-based policy allows the kms:%s action"
            % (who, action, key_arn, action))


def deny_msg(who, action, key_arn):
    return ("User: %s is not authorized to perform: kms:%s on resource: %s "
            "with an explicit deny in a resource-based policy"
            % (who, action, key_arn))


def stmt(sid, effect, principal, action, condition=None):
    s = {"Sid": sid, "Effect": effect, "Principal": {"AWS": principal},
         "Action": action, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    return s


def doc(*statements):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": list(statements)})


ROOT_ALL = stmt("Enable IAM User Permissions", "Allow", ROOT1, "kms:*")

creds = write_creds(USERS, "lv-1203-")
try:
    with Server("--credentials", creds) as srv:
        c = {n: srv.client("kms", key=k, secret=n + "-secret")
             for n, (k, _, _) in USERS.items()}
        root, alice, bob, carol = c["root1"], c["alice"], c["bob"], c["carol"]

        # Default policy: every identity of the account, through the root.
        k0 = root.create_key()["KeyMetadata"]
        for who in ("root1", "alice", "bob"):
            t.ok("default policy: %s encrypts" % who,
                 c[who].encrypt(KeyId=k0["KeyId"], Plaintext=b"x"))
        t.error("default policy: another account is denied",
                "AccessDeniedException", carol.encrypt, KeyId=k0["Arn"],
                Plaintext=b"x", msg=no_policy_msg(CAROL, "Encrypt",
                                                   k0["Arn"]))

        # A policy naming only alice.
        ka = alice.create_key(Policy=doc(stmt("alice", "Allow", ALICE,
                                              "kms:*")))["KeyMetadata"]
        t.ok("alice-only: alice encrypts",
             alice.encrypt(KeyId=ka["KeyId"], Plaintext=b"x"))
        t.error("alice-only: bob denied", "AccessDeniedException",
                bob.encrypt, KeyId=ka["KeyId"], Plaintext=b"x",
                msg=no_policy_msg(BOB, "Encrypt", ka["Arn"]))
        t.error("alice-only: the account root denied too",
                "AccessDeniedException", root.describe_key,
                KeyId=ka["KeyId"])

        # An explicit Deny for bob beats the root Allow.
        kd = root.create_key(Policy=doc(
            ROOT_ALL, stmt("deny bob", "Deny", BOB, "kms:Encrypt")))[
            "KeyMetadata"]
        t.error("explicit deny for bob", "AccessDeniedException",
                bob.encrypt, KeyId=kd["KeyId"], Plaintext=b"x",
                msg=deny_msg(BOB, "Encrypt", kd["Arn"]))
        t.ok("bob may still do what is not denied",
             bob.describe_key(KeyId=kd["KeyId"]))
        t.ok("alice unaffected", alice.encrypt(KeyId=kd["KeyId"],
                                               Plaintext=b"x"))

        # Conditions.
        kc = root.create_key(Policy=doc(
            stmt("root admin", "Allow", ROOT1, [
                "kms:Describe*", "kms:Get*", "kms:Put*", "kms:List*",
                "kms:ScheduleKeyDeletion"]),
            stmt("bob with dept=eng", "Allow", BOB, "kms:Encrypt",
                 {"StringEquals": {"kms:EncryptionContext:dept": "eng"}}),
            stmt("alice with known keys", "Allow", ALICE, "kms:Encrypt",
                 {"ForAllValues:StringEquals": {
                     "kms:EncryptionContextKeys": ["dept", "app"]}}),
            stmt("carol from her account", "Allow", CAROL, "kms:Encrypt",
                 {"StringEquals": {"kms:CallerAccount": A2}}),
        ))["KeyMetadata"]
        kid = kc["KeyId"]
        t.ok("StringEquals context: match",
             bob.encrypt(KeyId=kid, Plaintext=b"x",
                         EncryptionContext={"dept": "eng"}))
        t.error("StringEquals context: other value", "AccessDeniedException",
                bob.encrypt, KeyId=kid, Plaintext=b"x",
                EncryptionContext={"dept": "ops"})
        t.error("StringEquals context: absent", "AccessDeniedException",
                bob.encrypt, KeyId=kid, Plaintext=b"x")
        t.ok("ForAllValues keys: subset",
             alice.encrypt(KeyId=kid, Plaintext=b"x",
                           EncryptionContext={"app": "1"}))
        t.ok("ForAllValues keys: no context at all (vacuously true)",
             alice.encrypt(KeyId=kid, Plaintext=b"x"))
        t.error("ForAllValues keys: an unknown key", "AccessDeniedException",
                alice.encrypt, KeyId=kid, Plaintext=b"x",
                EncryptionContext={"app": "1", "other": "2"})
        t.ok("cross-account named with kms:CallerAccount",
             carol.encrypt(KeyId=kc["Arn"], Plaintext=b"x"))
        t.error("cross-account: only what is named", "AccessDeniedException",
                carol.describe_key, KeyId=kc["Arn"])
        t.error("cross-account by key id is another account's namespace",
                "NotFoundException", carol.encrypt, KeyId=kid,
                Plaintext=b"x")

        # PutKeyPolicy: lockout check, bypass, malformed documents.
        t.error("lockout: a policy that drops the caller",
                "MalformedPolicyDocumentException", root.put_key_policy,
                KeyId=k0["KeyId"], PolicyName="default",
                Policy=doc(stmt("bob only", "Allow", BOB, "kms:*")),
                msg="The new key policy will not allow you to update the key "
                    "policy in the future.")
        root.put_key_policy(KeyId=k0["KeyId"], PolicyName="default",
                            Policy=doc(stmt("bob only", "Allow", BOB,
                                            "kms:*")),
                            BypassPolicyLockoutSafetyCheck=True)
        t.error("after the bypass the root is locked out",
                "AccessDeniedException", root.describe_key,
                KeyId=k0["KeyId"])
        t.ok("and bob is in", bob.describe_key(KeyId=k0["KeyId"]))
        for name, text in (
                ("not JSON", "{not json"),
                ("no Statement", json.dumps({"Version": "2012-10-17"})),
                ("bad Effect", doc({"Effect": "Maybe",
                                    "Principal": {"AWS": ROOT1},
                                    "Action": "kms:*", "Resource": "*"})),
                ("bad principal", doc(stmt("x", "Allow", "not-a-principal",
                                           "kms:*"))),
                ("unknown operator", doc(stmt("x", "Allow", ROOT1, "kms:*",
                                              {"StringSortOf": {"a": "b"}})))):
            t.error("malformed: " + name, "MalformedPolicyDocumentException",
                    bob.put_key_policy, KeyId=k0["KeyId"],
                    PolicyName="default", Policy=text)

        # The CloudWatch Logs tutorial statement is accepted.
        logs_stmt = {
            "Effect": "Allow",
            "Principal": {"Service": "logs.eu-west-2.amazonaws.com"},
            "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                       "kms:GenerateDataKey*", "kms:Describe*"],
            "Resource": "*",
            "Condition": {"ArnEquals": {
                "kms:EncryptionContext:aws:logs:arn":
                    "arn:aws:logs:eu-west-2:123456789012:log-group:my-group"
            }}}
        kl = root.create_key()["KeyMetadata"]
        text = doc(ROOT_ALL, logs_stmt)
        root.put_key_policy(KeyId=kl["KeyId"], PolicyName="default",
                            Policy=text)
        got = json.loads(root.get_key_policy(KeyId=kl["KeyId"],
                                             PolicyName="default")["Policy"])
        t.eq("logs statement stored", logs_stmt, got["Statement"][1])
        t.ok("root still uses the key",
             root.encrypt(KeyId=kl["KeyId"], Plaintext=b"x"))
finally:
    os.unlink(creds)
t.done()
