"""Grants that create grants, and grants in the grant operations (issue 10
section 1), as a red team tries them with two accounts and users in each.

A principal that may call CreateGrant only through a grant creates only
grants within that grant: operations a subset of its operations, an
encryption-context constraint at least as strict
(https://docs.aws.amazon.com/kms/latest/developerguide/create-grant-overview.html#grant-creategrant),
one parent grant covering the whole child. A grant listing RetireGrant lets
its grantee retire that grant only, and a key policy's Allow of
kms:RetireGrant is not effective (grant-manage.html, "Retiring and
revoking grants"); grants never allow ListGrants or RevokeGrant. The
constraint of a grant does not apply to DescribeKey (API_GrantConstraints).
"""
import json
import os
import sys

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
A1, A2 = "111122223333", "444455556666"
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1
EVE = "arn:aws:iam::%s:user/eve" % A1
CAROL = "arn:aws:iam::%s:user/carol" % A2
DAVE = "arn:aws:iam::%s:user/dave" % A2
USERS = {"alice": ("AKIAALICE", A1, "alice"), "bob": ("AKIABOB", A1, "bob"),
         "eve": ("AKIAEVE", A1, "eve"), "carol": ("AKIACAROL", A2, "carol"),
         "dave": ("AKIADAVE", A2, "dave")}


def client(srv, name):
    return srv.client("kms", key=USERS[name][0], secret=name + "-secret")


def denied_msg(user_arn, action, key_arn):
    return ("User: %s is not authorized to perform: kms:%s on resource: %s "
            "because no resource-based policy allows the kms:%s action"
            % (user_arn, action, key_arn, action))


# Only alice is named: everyone else acts on the key through grants alone.
# carol (another account) is allowed kms:RetireGrant, which a key policy
# cannot give on its own.
POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "alice owns the key", "Effect": "Allow",
         "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "carol: RetireGrant in a key policy", "Effect": "Allow",
         "Principal": {"AWS": CAROL}, "Action": "kms:RetireGrant",
         "Resource": "*"},
    ],
}


def grant_ids(kms, kid, grantee=None):
    kw = {"GranteePrincipal": grantee} if grantee else {}
    return sorted(g["GrantId"] for g in
                  kms.list_grants(KeyId=kid, **kw)["Grants"])


def new_key(alice):
    k = alice.create_key(Policy=json.dumps(POLICY))["KeyMetadata"]
    return k["KeyId"], k["Arn"]


creds = write_creds(USERS, "lv-5401-")
try:
    with Server("--credentials", creds) as srv:
        alice, bob, eve, carol, dave = (client(srv, n) for n in
                                        ("alice", "bob", "eve", "carol",
                                         "dave"))

        # -- 1. operations: a subset of the parent grant's ----------------
        kid, arn = new_key(alice)
        alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                           Operations=["CreateGrant", "Decrypt"])
        before = grant_ids(alice, kid)
        for ops in (["Encrypt"], ["GenerateDataKey"],
                    ["Encrypt", "GenerateDataKey"], ["Decrypt", "Encrypt"],
                    ["Decrypt", "DescribeKey"], ["Decrypt", "RetireGrant"],
                    ["Decrypt", "ReEncryptFrom"]):
            t.error("grant [CreateGrant, Decrypt] cannot create %s" % ops,
                    "AccessDeniedException", bob.create_grant, KeyId=kid,
                    GranteePrincipal=BOB, Operations=ops,
                    msg=denied_msg(BOB, "CreateGrant", arn))
        t.eq("no grant was created by the refused requests", before,
             grant_ids(alice, kid))
        t.error("bob still cannot Encrypt", "AccessDeniedException",
                bob.encrypt, KeyId=arn, Plaintext=b"p",
                msg=denied_msg(BOB, "Encrypt", arn))
        t.error("bob still cannot GenerateDataKey", "AccessDeniedException",
                bob.generate_data_key, KeyId=arn, KeySpec="AES_256")

        ct = alice.encrypt(KeyId=kid, Plaintext=b"one")["CiphertextBlob"]
        sub = bob.create_grant(KeyId=kid, GranteePrincipal=EVE,
                               Operations=["Decrypt"])
        t.ok("a subset of the operations is allowed", sub["GrantId"])
        t.eq("and the child grant works", b"one",
             eve.decrypt(CiphertextBlob=ct)["Plaintext"])
        t.error("the child grant gives eve nothing more",
                "AccessDeniedException", eve.encrypt, KeyId=arn,
                Plaintext=b"p")
        same = bob.create_grant(KeyId=kid, GranteePrincipal=EVE,
                                Operations=["Decrypt", "CreateGrant"])
        t.ok("all the parent's operations are allowed", same["GrantId"])
        t.error("a grandchild is bound by its own parent",
                "AccessDeniedException", eve.create_grant, KeyId=kid,
                GranteePrincipal=EVE, Operations=["Encrypt"],
                msg=denied_msg(EVE, "CreateGrant", arn))

        # Two grants that each allow CreateGrant are not combined: one of
        # them must cover the whole child.
        alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                           Operations=["CreateGrant", "Encrypt"])
        t.error("[CreateGrant, Decrypt] + [CreateGrant, Encrypt] do not "
                "make [Decrypt, Encrypt]", "AccessDeniedException",
                bob.create_grant, KeyId=kid, GranteePrincipal=BOB,
                Operations=["Decrypt", "Encrypt"],
                msg=denied_msg(BOB, "CreateGrant", arn))
        t.ok("each grant still covers its own operations",
             bob.create_grant(KeyId=kid, GranteePrincipal=EVE,
                              Operations=["Encrypt"])["GrantId"])

        # -- 2. EncryptionContextEquals parent ----------------------------
        kid, arn = new_key(alice)
        alice.create_grant(
            KeyId=kid, GranteePrincipal=BOB,
            Operations=["CreateGrant", "Decrypt"],
            Constraints={"EncryptionContextEquals": {"a": "b"}})
        wide = {"a": "b", "x": "y"}
        ct_wide = alice.encrypt(KeyId=kid, Plaintext=b"wide",
                                EncryptionContext=wide)["CiphertextBlob"]
        ct_ab = alice.encrypt(KeyId=kid, Plaintext=b"ab",
                              EncryptionContext={"a": "b"})["CiphertextBlob"]
        t.error("bob cannot decrypt outside his Equals constraint",
                "AccessDeniedException", bob.decrypt, CiphertextBlob=ct_wide,
                EncryptionContext=wide)
        before = grant_ids(alice, kid)
        for name, cons in (
                ("Subset of the same pairs",
                 {"EncryptionContextSubset": {"a": "b"}}),
                ("Subset of more pairs",
                 {"EncryptionContextSubset": {"a": "b", "x": "y"}}),
                ("Equals of more pairs",
                 {"EncryptionContextEquals": {"a": "b", "x": "y"}}),
                ("Equals of another value",
                 {"EncryptionContextEquals": {"a": "c"}}),
                ("Equals of another key",
                 {"EncryptionContextEquals": {"A": "b"}}),
                ("no constraint", None)):
            kw = {"Constraints": cons} if cons else {}
            t.error("Equals {a: b} parent refuses %s" % name,
                    "AccessDeniedException", bob.create_grant, KeyId=kid,
                    GranteePrincipal=BOB, Operations=["Decrypt"],
                    msg=denied_msg(BOB, "CreateGrant", arn), **kw)
        t.eq("no grant was created by the refused requests", before,
             grant_ids(alice, kid))
        t.error("bob still cannot decrypt the wider context",
                "AccessDeniedException", bob.decrypt, CiphertextBlob=ct_wide,
                EncryptionContext=wide)
        eq = bob.create_grant(
            KeyId=kid, GranteePrincipal=EVE, Operations=["Decrypt"],
            Constraints={"EncryptionContextEquals": {"a": "b"}})
        t.ok("the same Equals constraint is allowed", eq["GrantId"])
        t.eq("and eve decrypts within it", b"ab",
             eve.decrypt(CiphertextBlob=ct_ab,
                         EncryptionContext={"a": "b"})["Plaintext"])
        t.error("but not outside it", "AccessDeniedException", eve.decrypt,
                CiphertextBlob=ct_wide, EncryptionContext=wide)

        # -- 3. EncryptionContextSubset parent ----------------------------
        kid, arn = new_key(alice)
        alice.create_grant(
            KeyId=kid, GranteePrincipal=BOB,
            Operations=["CreateGrant", "Decrypt", "Encrypt"],
            Constraints={"EncryptionContextSubset": {"dept": "it"}})
        for name, cons in (
                ("a Subset without the pair",
                 {"EncryptionContextSubset": {"team": "a"}}),
                ("a Subset with another value",
                 {"EncryptionContextSubset": {"dept": "hr"}}),
                ("an Equals without the pair",
                 {"EncryptionContextEquals": {"team": "a"}}),
                ("no constraint", None)):
            kw = {"Constraints": cons} if cons else {}
            t.error("Subset {dept: it} parent refuses %s" % name,
                    "AccessDeniedException", bob.create_grant, KeyId=kid,
                    GranteePrincipal=EVE, Operations=["Encrypt"],
                    msg=denied_msg(BOB, "CreateGrant", arn), **kw)
        more = {"dept": "it", "team": "a"}
        g_more = bob.create_grant(
            KeyId=kid, GranteePrincipal=EVE, Operations=["Encrypt", "Decrypt"],
            Constraints={"EncryptionContextSubset": more})
        t.ok("a Subset with more pairs is allowed", g_more["GrantId"])
        ct = eve.encrypt(KeyId=arn, Plaintext=b"it",
                         EncryptionContext=dict(more, z="1"))[
                             "CiphertextBlob"]
        t.eq("eve uses it within its constraint", b"it",
             eve.decrypt(CiphertextBlob=ct, EncryptionContext=dict(
                 more, z="1"))["Plaintext"])
        t.error("but not with the parent's looser context",
                "AccessDeniedException", eve.encrypt, KeyId=arn,
                Plaintext=b"p", EncryptionContext={"dept": "it"})
        t.ok("Subset -> Equals of the same pair is allowed",
             bob.create_grant(KeyId=kid, GranteePrincipal=EVE,
                              Operations=["Decrypt"],
                              Constraints={"EncryptionContextEquals":
                                           {"dept": "it"}})["GrantId"])

        # -- 4. a grantee of another account ------------------------------
        kid, arn = new_key(alice)
        alice.create_grant(KeyId=kid, GranteePrincipal=CAROL,
                           Operations=["CreateGrant", "Encrypt"])
        for grantee in (CAROL, DAVE, BOB):
            t.error("carol (other account) cannot grant Decrypt to %s"
                    % grantee, "AccessDeniedException", carol.create_grant,
                    KeyId=arn, GranteePrincipal=grantee,
                    Operations=["Decrypt"],
                    msg=denied_msg(CAROL, "CreateGrant", arn))
        t.error("nor [Encrypt, GenerateDataKey]", "AccessDeniedException",
                carol.create_grant, KeyId=arn, GranteePrincipal=DAVE,
                Operations=["Encrypt", "GenerateDataKey"])
        cg = carol.create_grant(KeyId=arn, GranteePrincipal=DAVE,
                                Operations=["Encrypt"])
        t.ok("carol grants Encrypt to dave of her account", cg["GrantId"])
        t.ok("dave encrypts through it",
             dave.encrypt(KeyId=arn, Plaintext=b"p")["CiphertextBlob"])
        t.error("dave cannot decrypt", "AccessDeniedException", dave.decrypt,
                CiphertextBlob=alice.encrypt(KeyId=kid, Plaintext=b"x")[
                    "CiphertextBlob"])

        # -- 5. RetireGrant: a grant retires only itself ------------------
        # dave and carol are of another account than the one that issued
        # the grants, so only a grant or the key policy could let them.
        kid, arn = new_key(alice)
        mine = alice.create_grant(KeyId=kid, GranteePrincipal=DAVE,
                                  Operations=["Decrypt", "RetireGrant"])
        eves = [alice.create_grant(KeyId=kid, GranteePrincipal=EVE,
                                   Operations=["Decrypt"])
                for _ in range(4)]
        t.error("dave's RetireGrant grant does not retire eve's grant",
                "AccessDeniedException", dave.retire_grant, KeyId=arn,
                GrantId=eves[0]["GrantId"],
                msg=denied_msg(DAVE, "RetireGrant", arn))
        t.error("nor by eve's token", "AccessDeniedException",
                dave.retire_grant, GrantToken=eves[1]["GrantToken"],
                msg=denied_msg(DAVE, "RetireGrant", arn))
        t.error("a key policy's Allow of kms:RetireGrant is not effective",
                "AccessDeniedException", carol.retire_grant, KeyId=arn,
                GrantId=eves[2]["GrantId"],
                msg=denied_msg(CAROL, "RetireGrant", arn))
        left = grant_ids(alice, kid)
        t.ok("eve's grants are still there",
             all(g["GrantId"] in left for g in eves), left)
        dave.retire_grant(KeyId=arn, GrantId=mine["GrantId"])
        t.ok("dave retires his own grant (it lists RetireGrant)",
             mine["GrantId"] not in grant_ids(alice, kid))
        rc = alice.create_grant(KeyId=kid, GranteePrincipal=EVE,
                                RetiringPrincipal=CAROL,
                                Operations=["Encrypt"])
        carol.retire_grant(KeyId=arn, GrantId=rc["GrantId"])
        t.ok("carol retires a grant naming her retiring principal",
             rc["GrantId"] not in grant_ids(alice, kid))
        alice.retire_grant(KeyId=kid, GrantId=eves[3]["GrantId"])
        t.ok("the issuing account retires its grant",
             eves[3]["GrantId"] not in grant_ids(alice, kid))

        # -- 6. grants never allow ListGrants or RevokeGrant --------------
        for ops in (["ListGrants", "Decrypt"], ["RevokeGrant", "Decrypt"]):
            t.error("no grant can list %s" % ops[0], "ValidationException",
                    alice.create_grant, KeyId=kid, GranteePrincipal=BOB,
                    Operations=ops)
        held = alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                                  Operations=["CreateGrant", "Decrypt",
                                              "RetireGrant", "DescribeKey"])
        t.error("a grantee cannot ListGrants", "AccessDeniedException",
                bob.list_grants, KeyId=arn,
                msg=denied_msg(BOB, "ListGrants", arn))
        t.error("a grantee cannot RevokeGrant, even its own grant",
                "AccessDeniedException", bob.revoke_grant, KeyId=arn,
                GrantId=held["GrantId"],
                msg=denied_msg(BOB, "RevokeGrant", arn))

        # -- 7. the constraint does not apply to DescribeKey --------------
        kid, arn = new_key(alice)
        alice.create_grant(KeyId=kid, GranteePrincipal=EVE,
                           Operations=["DescribeKey", "Decrypt"],
                           Constraints={"EncryptionContextSubset":
                                        {"a": "b"}})
        try:
            got = eve.describe_key(KeyId=arn)["KeyMetadata"]["KeyId"]
        except botocore.exceptions.ClientError as e:
            got = e.response["Error"]["Code"]
        t.eq("a constrained grant allows DescribeKey", kid, got)
        t.error("and Decrypt only within its constraint",
                "AccessDeniedException", eve.decrypt,
                CiphertextBlob=alice.encrypt(KeyId=kid, Plaintext=b"x")[
                    "CiphertextBlob"])
finally:
    os.unlink(creds)
t.done()
