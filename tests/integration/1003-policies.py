"""KMS key policies through boto3: the default key policy text,
GetKeyPolicy / PutKeyPolicy / ListKeyPolicies with and without PolicyName,
MalformedPolicyDocumentException, the policy lockout safety check (and its
bypass) at CreateKey and PutKeyPolicy, policies that are really enforced on
the management operations (a denied user, another account), and that a
restart keeps policies."""
import atexit
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ACCOUNT = "111122223333"
OTHER = "444455556666"
DEFAULT = """{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::%s:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}""" % ACCOUNT

LOCKOUT = "The new key policy will not allow you to update the key policy " \
          "in the future."


def policy(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


ROOT_ALL = {"Sid": "root", "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
            "Action": "kms:*", "Resource": "*"}
DENY_BOB = {"Sid": "deny-bob", "Effect": "Deny",
            "Principal": {"AWS": "arn:aws:iam::%s:user/bob" % ACCOUNT},
            "Action": ["kms:DescribeKey", "kms:PutKeyPolicy",
                       "kms:TagResource"], "Resource": "*"}

scratch = tempfile.mkdtemp(prefix="lv-1003.")
atexit.register(shutil.rmtree, scratch, True)
creds = os.path.join(scratch, "creds")
with open(creds, "w") as f:
    f.write("[AKIAROOT]\nsecret_access_key = root-secret\n"
            "account_id = %s\n\n"
            "[AKIABOB]\nsecret_access_key = bob-secret\n"
            "account_id = %s\nuser = bob\n\n"
            "[AKIAOTHER]\nsecret_access_key = other-secret\n"
            "account_id = %s\n" % (ACCOUNT, ACCOUNT, OTHER))

with Server("--credentials", creds) as srv:
    kms = srv.client("kms", key="AKIAROOT", secret="root-secret")
    bob = srv.client("kms", key="AKIABOB", secret="bob-secret")
    other = srv.client("kms", key="AKIAOTHER", secret="other-secret")

    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    r = kms.get_key_policy(KeyId=kid, PolicyName="default")
    t.eq("default policy text is AWS's", DEFAULT, r["Policy"])
    # This boto3's model still requires PolicyName and knows no PolicyName
    # in the output; newer models made it optional: send raw requests.
    st, _, body = srv.raw(json.dumps({"KeyId": kid}),
                          target="TrentService.GetKeyPolicy",
                          key="AKIAROOT", secret="root-secret")
    t.eq("PolicyName optional", (200, {"Policy": DEFAULT,
                                       "PolicyName": "default"}),
         (st, json.loads(body)))
    st, _, body = srv.raw(json.dumps({"KeyId": kid, "Policy": DEFAULT}),
                          target="TrentService.PutKeyPolicy",
                          key="AKIAROOT", secret="root-secret")
    t.eq("PutKeyPolicy without PolicyName", 200, st)
    t.error("other policy name", "NotFoundException", kms.get_key_policy,
            KeyId=kid, PolicyName="custom")
    r = kms.list_key_policies(KeyId=kid)
    t.eq("list policies", (["default"], False),
         (r["PolicyNames"], r["Truncated"]))
    t.error("get policy of unknown key", "NotFoundException",
            kms.get_key_policy, KeyId="11111111-2222-3333-4444-555555555555",
            PolicyName="default")
    t.error("get policy by alias", "NotFoundException", kms.get_key_policy,
            KeyId="alias/x", PolicyName="default", msg="Invalid keyId")

    # PutKeyPolicy.
    p2 = policy(ROOT_ALL, DENY_BOB)
    r = kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=p2)
    t.eq("put output", ["ResponseMetadata"], sorted(r))
    t.eq("policy stored verbatim", p2, kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=p2)
    t.ok("put with PolicyName default", True)
    t.error("put other name", "NotFoundException", kms.put_key_policy,
            KeyId=kid, PolicyName="other", Policy=p2)
    t.error("malformed: not JSON", "MalformedPolicyDocumentException",
            kms.put_key_policy, KeyId=kid, PolicyName="default", Policy="{not json")
    t.error("malformed: no Statement", "MalformedPolicyDocumentException",
            kms.put_key_policy, KeyId=kid, PolicyName="default",
            Policy='{"Version": "2012-10-17"}')
    t.error("malformed: bad Effect", "MalformedPolicyDocumentException",
            kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=policy(dict(
                ROOT_ALL, Effect="Perhaps")))
    t.eq("failed puts change nothing", p2,
         kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])

    # Lockout safety check.
    only_bob = policy({"Effect": "Allow", "Principal": {
        "AWS": "arn:aws:iam::%s:user/bob" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"})
    t.error("lockout at put", "MalformedPolicyDocumentException",
            kms.put_key_policy, KeyId=kid, PolicyName="default", Policy=only_bob, msg=LOCKOUT)
    t.error("lockout at create", "MalformedPolicyDocumentException",
            kms.create_key, Policy=only_bob, msg=LOCKOUT)
    locked = kms.create_key(Policy=only_bob,
                            BypassPolicyLockoutSafetyCheck=True)
    lk = locked["KeyMetadata"]["KeyId"]
    t.ok("bypass at create", bool(lk))
    t.error("root locked out of the bypassed key", "AccessDeniedException",
            kms.describe_key, KeyId=lk,
            msg="User: arn:aws:iam::%s:root is not authorized to perform: "
                "kms:DescribeKey on resource: arn:aws:kms:eu-west-2:%s:key/"
                "%s because no resource-based policy allows the "
                "kms:DescribeKey action" % (ACCOUNT, ACCOUNT, lk))
    t.eq("bob may use the bypassed key", lk,
         bob.describe_key(KeyId=lk)["KeyMetadata"]["KeyId"])
    t.error("malformed at create", "MalformedPolicyDocumentException",
            kms.create_key, Policy="[]")
    created = kms.create_key(Policy=p2)["KeyMetadata"]["KeyId"]
    t.eq("create with policy stores it", p2,
         kms.get_key_policy(KeyId=created, PolicyName="default")["Policy"])

    # Enforcement on management operations.
    t.error("bob denied DescribeKey", "AccessDeniedException",
            bob.describe_key, KeyId=kid,
            msg="User: arn:aws:iam::%s:user/bob is not authorized to "
                "perform: kms:DescribeKey on resource: arn:aws:kms:"
                "eu-west-2:%s:key/%s with an explicit deny" % (
                    ACCOUNT, ACCOUNT, kid))
    t.error("bob denied PutKeyPolicy", "AccessDeniedException",
            bob.put_key_policy, KeyId=kid, PolicyName="default", Policy=DEFAULT)
    t.error("bob denied TagResource", "AccessDeniedException",
            bob.tag_resource, KeyId=kid,
            Tags=[{"TagKey": "a", "TagValue": "b"}])
    t.eq("bob allowed GetKeyPolicy (not denied)", p2,
         bob.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])
    t.eq("bob lists the account's keys", True,
         kid in [k["KeyId"] for k in bob.list_keys()["Keys"]])

    # Another account: DescribeKey by ARN needs the policy to name it.
    arn = "arn:aws:kms:eu-west-2:%s:key/%s" % (ACCOUNT, kid)
    t.error("other account describe", "AccessDeniedException",
            other.describe_key, KeyId=arn,
            msg="User: arn:aws:iam::%s:root is not authorized" % OTHER)
    t.error("other account cannot reach by id", "NotFoundException",
            other.describe_key, KeyId=kid)
    kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=policy(ROOT_ALL, {
        "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % OTHER},
        "Action": "kms:DescribeKey", "Resource": "*"}))
    t.error("account-wide grant to another account still needs its IAM "
            "policy; none here allows a key of another account",
            "AccessDeniedException", other.describe_key, KeyId=arn)
    t.error("other account GetKeyPolicy is not cross-account",
            "InvalidArnException", other.get_key_policy, KeyId=arn,
            PolicyName="default")

    # The default policy's text back, through the older model that
    # requires PolicyName (the system boto3, like CLI v2.9).
    r = kms.put_key_policy(KeyId=kid, PolicyName="default", Policy=DEFAULT)
    t.eq("put-key-policy with PolicyName", 200,
         r["ResponseMetadata"]["HTTPStatusCode"])
    t.eq("get-key-policy gives it back", DEFAULT,
         kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])

    srv.restart()
    kms = srv.client("kms", key="AKIAROOT", secret="root-secret")
    t.eq("restart keeps policy", DEFAULT,
         kms.get_key_policy(KeyId=kid, PolicyName="default")["Policy"])
    t.eq("restart keeps created policy", p2,
         kms.get_key_policy(KeyId=created, PolicyName="default")["Policy"])
t.done()
