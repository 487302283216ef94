"""Every condition key the server fills for a KMS request, through the
real server and boto3, with two accounts and a user in each: for each key
and an operation where AWS sets it, a key policy whose condition names the
value the request carries
  - in a Deny statement denies (and with another value does not), and
  - in the only Allow statement for the caller allows (and with another
    value does not).
A key the server leaves out of the request context fails the first and
third checks (a Deny on it fails open). Sources: the IAM "AWS global
condition context keys" page and the KMS guide's "AWS KMS condition keys".
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call, write_creds  # noqa: E402

import botocore.exceptions  # noqa: E402

t = T()
A1, A2 = "111122223333", "444455556666"
ROOT1 = "arn:aws:iam::%s:root" % A1
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1
CAROL = "arn:aws:iam::%s:user/carol" % A2
USERS = {"root1": ("AKIAROOT1", A1, None), "alice": ("AKIAALICE", A1, "alice"),
         "bob": ("AKIABOB", A1, "bob"), "carol": ("AKIACAROL", A2, "carol")}
ARN_OF = {"root1": ROOT1, "alice": ALICE, "bob": BOB, "carol": CAROL}
LONG = "k" * 137    # the old context-key buffer kept 137 characters of it

seq = [0]
SRV = [None]


class Case:
    """key: the condition key; op, value: the condition operator and the
    value the request carries; other: a value it does not carry; actions:
    the policy's actions; call(clients, key) makes the request as
    `caller`; setup(root, key) prepares the key; spec/usage: the key's."""

    def __init__(self, name, key, op, value, other, actions, call,
                 caller="alice", setup=None, spec=None, usage=None):
        self.name, self.key, self.op = name, key, op
        self.value, self.other = value, other
        self.actions = actions
        self.call, self.caller, self.setup = call, caller, setup
        self.spec, self.usage = spec, usage


def enc(c, k, **kw):
    return c.encrypt(KeyId=k["KeyId"], Plaintext=b"x", **kw)


def sym_cases():
    """Cases on a symmetric encryption key."""
    E = ["kms:Encrypt"]
    return [
        Case("CurrentTime", "aws:CurrentTime", "DateGreaterThan",
             "2000-01-01T00:00:00Z", "2999-01-01T00:00:00Z", E, enc),
        Case("EpochTime", "aws:EpochTime", "NumericGreaterThan", "946684800",
             "32503680000", E, enc),
        Case("SourceIp", "aws:SourceIp", "IpAddress", "127.0.0.1/32",
             "10.0.0.0/8", E, enc),
        Case("SecureTransport", "aws:SecureTransport", "Bool", "false",
             "true", E, enc),
        Case("RequestedRegion", "aws:RequestedRegion", "StringEquals",
             "eu-west-2", "us-east-1", E, enc),
        Case("UserAgent", "aws:UserAgent", "StringLike", "*otocore*",
             "curl/*", E, enc),
        Case("PrincipalArn", "aws:PrincipalArn", "ArnEquals", ALICE, BOB, E,
             enc),
        Case("PrincipalAccount", "aws:PrincipalAccount", "StringEquals", A1,
             A2, E, enc),
        Case("PrincipalType User", "aws:PrincipalType", "StringEquals",
             "User", "Account", E, enc),
        Case("PrincipalType Account", "aws:PrincipalType", "StringEquals",
             "Account", "User", E, enc, caller="root1"),
        Case("username", "aws:username", "StringEquals", "alice", "bob", E,
             enc),
        Case("userid of a user", "aws:userid", "StringLike",
             "AIDA*", "AROA*", E, enc),
        Case("userid of the root", "aws:userid", "StringEquals", A1, A2, E,
             enc, caller="root1"),
        Case("PrincipalIsAWSService", "aws:PrincipalIsAWSService", "Bool",
             "false", "true", E, enc),
        Case("ViaAWSService", "aws:ViaAWSService", "Bool", "false", "true",
             E, enc),
        Case("ResourceAccount", "aws:ResourceAccount", "StringEquals", A1,
             A2, E, enc),
        Case("CallerAccount", "kms:CallerAccount", "StringEquals", A1, A2, E,
             enc),
        Case("CallerAccount of another account", "kms:CallerAccount",
             "StringEquals", A2, A1, E,
             lambda c, k: c.encrypt(KeyId=k["Arn"], Plaintext=b"x"),
             caller="carol"),
        Case("ResourceTag", "aws:ResourceTag/Env", "StringEquals", "prod",
             "dev", E, enc,
             setup=lambda r, k: r.tag_resource(KeyId=k["KeyId"], Tags=[
                 {"TagKey": "Env", "TagValue": "prod"}])),
        Case("RequestTag", "aws:RequestTag/Team", "StringEquals", "red",
             "blue", ["kms:TagResource"],
             lambda c, k: c.tag_resource(KeyId=k["KeyId"], Tags=[
                 {"TagKey": "Team", "TagValue": "red"}])),
        Case("TagKeys of TagResource", "aws:TagKeys",
             "ForAnyValue:StringEquals", "Team", "Other",
             ["kms:TagResource"],
             lambda c, k: c.tag_resource(KeyId=k["KeyId"], Tags=[
                 {"TagKey": "Team", "TagValue": "red"}])),
        Case("TagKeys of UntagResource", "aws:TagKeys",
             "ForAnyValue:StringEquals", "Team", "Other",
             ["kms:UntagResource"],
             lambda c, k: c.untag_resource(KeyId=k["KeyId"],
                                           TagKeys=["Team"])),
        Case("KeySpec", "kms:KeySpec", "StringEquals", "SYMMETRIC_DEFAULT",
             "RSA_2048", E, enc),
        Case("CustomerMasterKeySpec", "kms:CustomerMasterKeySpec",
             "StringEquals", "SYMMETRIC_DEFAULT", "RSA_2048", E, enc),
        Case("KeyUsage", "kms:KeyUsage", "StringEquals", "ENCRYPT_DECRYPT",
             "SIGN_VERIFY", ["kms:DescribeKey"],
             lambda c, k: c.describe_key(KeyId=k["KeyId"])),
        Case("CustomerMasterKeyUsage", "kms:CustomerMasterKeyUsage",
             "StringEquals", "ENCRYPT_DECRYPT", "SIGN_VERIFY", E, enc),
        Case("KeyOrigin", "kms:KeyOrigin", "StringEquals", "AWS_KMS",
             "EXTERNAL", ["kms:GenerateDataKey"],
             lambda c, k: c.generate_data_key(KeyId=k["KeyId"],
                                              KeySpec="AES_256")),
        Case("MultiRegion", "kms:MultiRegion", "Bool", "false", "true", E,
             enc),
        Case("ResourceAliases", "kms:ResourceAliases",
             "ForAnyValue:StringEquals", "@alias", "alias/not-this-one", E,
             enc, setup=lambda r, k: r.create_alias(
                 AliasName=k["Alias"], TargetKeyId=k["KeyId"])),
        Case("RequestAlias", "kms:RequestAlias", "StringEquals", "@alias",
             "alias/not-this-one", E,
             lambda c, k: c.encrypt(KeyId=k["Alias"], Plaintext=b"x"),
             setup=lambda r, k: r.create_alias(
                 AliasName=k["Alias"], TargetKeyId=k["KeyId"])),
        Case("EncryptionContext", "kms:EncryptionContext:dept",
             "StringEquals", "it", "hr", E,
             lambda c, k: enc(c, k, EncryptionContext={"dept": "it"})),
        Case("EncryptionContextKeys", "kms:EncryptionContextKeys",
             "ForAnyValue:StringEquals", "dept", "zzz", E,
             lambda c, k: enc(c, k, EncryptionContext={"dept": "it"})),
        Case("EncryptionAlgorithm", "kms:EncryptionAlgorithm",
             "StringEquals", "SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256", E,
             enc),
        Case("EncryptionAlgorithm of a data key", "kms:EncryptionAlgorithm",
             "StringEquals", "SYMMETRIC_DEFAULT", "RSAES_OAEP_SHA_256",
             ["kms:GenerateDataKeyWithoutPlaintext"],
             lambda c, k: c.generate_data_key_without_plaintext(
                 KeyId=k["KeyId"], NumberOfBytes=16)),
        Case("DataKeyPairSpec", "kms:DataKeyPairSpec", "StringEquals",
             "ECC_NIST_P256", "RSA_2048",
             ["kms:GenerateDataKeyPairWithoutPlaintext"],
             lambda c, k: c.generate_data_key_pair_without_plaintext(
                 KeyId=k["KeyId"], KeyPairSpec="ECC_NIST_P256")),
        Case("ScheduleKeyDeletionPendingWindowInDays",
             "kms:ScheduleKeyDeletionPendingWindowInDays", "NumericEquals",
             "7", "30", ["kms:ScheduleKeyDeletion"],
             lambda c, k: c.schedule_key_deletion(KeyId=k["KeyId"],
                                                  PendingWindowInDays=7)),
        Case("RotationPeriodInDays", "kms:RotationPeriodInDays",
             "NumericEquals", "90", "365", ["kms:EnableKeyRotation"],
             lambda c, k: k["raw"]("EnableKeyRotation")(
                 KeyId=k["KeyId"], RotationPeriodInDays=90)),
        Case("BypassPolicyLockoutSafetyCheck",
             "kms:BypassPolicyLockoutSafetyCheck", "Bool", "true", "false",
             ["kms:PutKeyPolicy"],
             lambda c, k: c.put_key_policy(
                 KeyId=k["KeyId"], PolicyName="default", Policy=k["Policy"],
                 BypassPolicyLockoutSafetyCheck=True)),
        Case("ReEncryptOnSameKey", "kms:ReEncryptOnSameKey", "Bool", "true",
             "false", ["kms:ReEncrypt*"],
             lambda c, k: c.re_encrypt(CiphertextBlob=k["Blob"],
                                       DestinationKeyId=k["KeyId"]),
             setup=lambda r, k: k.update(Blob=r.encrypt(
                 KeyId=k["KeyId"], Plaintext=b"x")["CiphertextBlob"])),
        Case("GrantOperations", "kms:GrantOperations",
             "ForAllValues:StringEquals", "Decrypt", "Encrypt",
             ["kms:CreateGrant"], lambda c, k: c.create_grant(
                 KeyId=k["KeyId"], GranteePrincipal=BOB,
                 Operations=["Decrypt"])),
        Case("GranteePrincipal", "kms:GranteePrincipal", "StringEquals",
             BOB, CAROL, ["kms:CreateGrant"], lambda c, k: c.create_grant(
                 KeyId=k["KeyId"], GranteePrincipal=BOB,
                 Operations=["Decrypt"])),
        Case("RetiringPrincipal", "kms:RetiringPrincipal", "StringEquals",
             ROOT1, CAROL, ["kms:CreateGrant"], lambda c, k: c.create_grant(
                 KeyId=k["KeyId"], GranteePrincipal=BOB,
                 RetiringPrincipal=ROOT1, Operations=["Decrypt"])),
        Case("GrantConstraintType", "kms:GrantConstraintType",
             "StringEquals", "EncryptionContextSubset",
             "EncryptionContextEquals", ["kms:CreateGrant"],
             lambda c, k: c.create_grant(
                 KeyId=k["KeyId"], GranteePrincipal=BOB,
                 Operations=["Decrypt"], Constraints={
                     "EncryptionContextSubset": {"a": "b"}})),
        Case("GrantIsForAWSResource on ListGrants",
             "kms:GrantIsForAWSResource", "Bool", "false", "true",
             ["kms:ListGrants"],
             lambda c, k: c.list_grants(KeyId=k["KeyId"])),
        Case("GrantIsForAWSResource on CreateGrant",
             "kms:GrantIsForAWSResource", "Bool", "false", "true",
             ["kms:CreateGrant"], lambda c, k: c.create_grant(
                 KeyId=k["KeyId"], GranteePrincipal=BOB,
                 Operations=["Decrypt"])),
    ]


def asym_cases():
    """Cases on signing, MAC and RSA encryption keys."""
    sign = lambda c, k: c.sign(KeyId=k["KeyId"], Message=b"m",  # noqa
                               SigningAlgorithm="ECDSA_SHA_256")
    return [
        Case("SigningAlgorithm", "kms:SigningAlgorithm", "StringEquals",
             "ECDSA_SHA_256", "ECDSA_SHA_384", ["kms:Sign"], sign,
             spec="ECC_NIST_P256", usage="SIGN_VERIFY"),
        Case("MessageType", "kms:MessageType", "StringEquals", "RAW",
             "DIGEST", ["kms:Sign"], sign, spec="ECC_NIST_P256",
             usage="SIGN_VERIFY"),
        Case("KeySpec of a signing key", "kms:KeySpec", "StringEquals",
             "ECC_NIST_P256", "SYMMETRIC_DEFAULT", ["kms:Sign"], sign,
             spec="ECC_NIST_P256", usage="SIGN_VERIFY"),
        Case("MacAlgorithm", "kms:MacAlgorithm", "StringEquals",
             "HMAC_SHA_256", "HMAC_SHA_512", ["kms:GenerateMac"],
             lambda c, k: c.generate_mac(KeyId=k["KeyId"], Message=b"m",
                                         MacAlgorithm="HMAC_SHA_256"),
             spec="HMAC_256", usage="GENERATE_VERIFY_MAC"),
        Case("EncryptionAlgorithm of RSA", "kms:EncryptionAlgorithm",
             "StringEquals", "RSAES_OAEP_SHA_256", "SYMMETRIC_DEFAULT",
             ["kms:Encrypt"],
             lambda c, k: c.encrypt(KeyId=k["KeyId"], Plaintext=b"x",
                                    EncryptionAlgorithm="RSAES_OAEP_SHA_256"),
             spec="RSA_2048", usage="ENCRYPT_DECRYPT"),
    ]


def doc(*statements):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": list(statements)})


def policy(case, effect, value, alias):
    """Deny: everyone is denied the actions under the condition; the
    account root and the caller are allowed everything. Allow: the caller
    is allowed the actions only under the condition; the account root
    (and through it the account's users) everything else."""
    cond = {case.op: {case.key: alias if value == "@alias" else value}}
    caller = {"AWS": ARN_OF[case.caller]}
    if effect == "Deny":
        return doc({"Effect": "Allow", "Principal": {"AWS": ROOT1},
                    "Action": "kms:*", "Resource": "*"},
                   {"Effect": "Allow", "Principal": caller,
                    "Action": "kms:*", "Resource": "*"},
                   {"Effect": "Deny", "Principal": "*",
                    "Action": case.actions, "Resource": "*",
                    "Condition": cond})
    return doc({"Effect": "Allow", "Principal": {"AWS": ROOT1},
                "NotAction": case.actions, "Resource": "*"},
               {"Effect": "Allow", "Principal": caller,
                "Action": case.actions, "Resource": "*", "Condition": cond})


def run(clients, case, effect, value, want_ok):
    """A fresh key with the case's policy; the caller's request must
    succeed (want_ok) or be denied by that policy."""
    root = clients["root1"]
    seq[0] += 1
    alias = "alias/lv5301-%d" % seq[0]
    text = policy(case, effect, value, alias)
    kw = {"Policy": text, "BypassPolicyLockoutSafetyCheck": True}
    if case.spec:
        kw.update(KeySpec=case.spec, KeyUsage=case.usage)
    k = dict(root.create_key(**kw)["KeyMetadata"])
    k["Policy"] = text
    k["Alias"] = alias
    # Members newer than Debian's botocore go raw, as the caller.
    k["raw"] = lambda op: kms_call(SRV[0], op, key=USERS[case.caller][0],
                                   secret=case.caller + "-secret")
    if case.setup:
        case.setup(root, k)
    label = "%s: %s on %s the request %s: %s" % (
        case.name, effect, case.key,
        "carries" if value == case.value else "does not carry",
        "allowed" if want_ok else "denied")
    try:
        case.call(clients[case.caller], k)
        t.ok(label, want_ok, "the call succeeded")
    except botocore.exceptions.ClientError as e:
        code = e.response["Error"]["Code"]
        msg = e.response["Error"].get("Message", "")
        want_msg = ("explicit deny" if effect == "Deny"
                    else "no resource-based policy allows")
        t.ok(label, not want_ok and code == "AccessDeniedException" and
             want_msg in msg, "got %s %r" % (code, msg))


def check_case(clients, case):
    run(clients, case, "Deny", case.value, False)
    run(clients, case, "Deny", case.other, True)
    run(clients, case, "Allow", case.value, True)
    run(clients, case, "Allow", case.other, False)


creds = write_creds(USERS, "lv-5301-")
try:
    with Server("--credentials", creds) as srv:
        SRV[0] = srv
        clients = {n: srv.client("kms", key=k, secret=n + "-secret")
                   for n, (k, _, _) in USERS.items()}
        for case in sym_cases() + asym_cases():
            check_case(clients, case)

        # A context key longer than any fixed buffer compares in full: a
        # policy written for LONG does not match LONG + "EVIL".
        long_case = Case("long context key", "kms:EncryptionContext:" + LONG,
                         "StringEquals", "v", "w", ["kms:Encrypt"],
                         lambda c, k: enc(c, k, EncryptionContext={
                             LONG: "v"}))
        check_case(clients, long_case)
        evil = Case("long context key with a suffix",
                    "kms:EncryptionContext:" + LONG, "StringEquals", "v",
                    "w", ["kms:Encrypt"],
                    lambda c, k: enc(c, k, EncryptionContext={
                        LONG + "EVIL": "v"}))
        run(clients, evil, "Allow", "v", False)
        run(clients, evil, "Deny", "v", True)
finally:
    os.unlink(creds)
t.done()
