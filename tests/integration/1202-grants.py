"""Grants end to end through boto3: CreateGrant (operations per key type,
constraints, Name idempotency, RetiringPrincipal, cross-account grantee,
DryRun, condition keys kms:GrantOperations), ListGrants (filters,
paging), ListRetirableGrants, RetireGrant (token, id, who may), RevokeGrant;
and grants in authorization: a user the key policy does not name can use
the key only through a grant, only within its constraints, and not after
the grant is retired or revoked."""
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
A1, A2 = "111122223333", "444455556666"
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1
CAROL = "arn:aws:iam::%s:user/carol" % A2
USERS = {"alice": ("AKIAALICE", A1, "alice"), "bob": ("AKIABOB", A1, "bob"),
         "root1": ("AKIAROOT1", A1, None), "carol": ("AKIACAROL", A2,
                                                     "carol")}


def client(srv, name):
    return srv.client("kms", key=USERS[name][0], secret=name + "-secret")


def raw(srv, name, op, **body):
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op,
                          key=USERS[name][0], secret=name + "-secret")
    return st, json.loads(data or b"{}")


def denied_msg(user_arn, action, key_arn):
    return ("User: %s is not authorized to perform: kms:%s on resource: %s "
            "because no resource-based policy allows the kms:%s action"
            % (user_arn, action, key_arn, action))


POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Sid": "alice administers and uses the key", "Effect": "Allow",
         "Principal": {"AWS": ALICE}, "Action": "kms:*", "Resource": "*"},
        {"Sid": "bob may grant Encrypt and Decrypt only", "Effect": "Allow",
         "Principal": {"AWS": BOB}, "Action": "kms:CreateGrant",
         "Resource": "*",
         "Condition": {"ForAllValues:StringEquals": {
             "kms:GrantOperations": ["Encrypt", "Decrypt"]}}},
    ],
}

creds = write_creds(USERS, "lv-1202-")
try:
    with Server("--credentials", creds) as srv:
        alice, bob, carol = (client(srv, "alice"), client(srv, "bob"),
                             client(srv, "carol"))
        key = alice.create_key(Policy=json.dumps(POLICY))["KeyMetadata"]
        kid, arn = key["KeyId"], key["Arn"]
        ctx = {"purpose": "test", "extra": "x"}

        t.error("bob without a grant cannot Encrypt", "AccessDeniedException",
                bob.encrypt, KeyId=arn, Plaintext=b"p",
                msg=denied_msg(BOB, "Encrypt", arn))

        g1 = alice.create_grant(
            KeyId=kid, GranteePrincipal=BOB, RetiringPrincipal=BOB,
            Operations=["Encrypt", "Decrypt"],
            Constraints={"EncryptionContextSubset": {"purpose": "test"}})
        t.ok("GrantId is 64 hex digits",
             re.fullmatch("[0-9a-f]{64}", g1["GrantId"]) is not None, g1)
        t.ok("GrantToken given", len(g1.get("GrantToken", "")) > 20, g1)

        ct = bob.encrypt(KeyId=arn, Plaintext=b"granted",
                         EncryptionContext=ctx)["CiphertextBlob"]
        t.ok("bob encrypts through the grant within its constraint", ct)
        t.eq("bob decrypts through the grant", b"granted",
             bob.decrypt(CiphertextBlob=ct, EncryptionContext=ctx)[
                 "Plaintext"])
        t.error("outside the constraint: other value",
                "AccessDeniedException", bob.encrypt, KeyId=arn,
                Plaintext=b"p", EncryptionContext={"purpose": "other"},
                msg=denied_msg(BOB, "Encrypt", arn))
        t.error("outside the constraint: no context", "AccessDeniedException",
                bob.encrypt, KeyId=arn, Plaintext=b"p")
        t.error("an operation the grant does not list",
                "AccessDeniedException", bob.generate_data_key, KeyId=arn,
                KeySpec="AES_256", EncryptionContext=ctx)
        t.error("bob cannot DescribeKey (not in the grant)",
                "AccessDeniedException", bob.describe_key, KeyId=arn)

        # ListGrants output
        lg = alice.list_grants(KeyId=kid)
        t.eq("ListGrants: one grant", 1, len(lg["Grants"]))
        g = lg["Grants"][0]
        t.eq("entry KeyId is the key ARN", arn, g["KeyId"])
        t.eq("entry GrantId", g1["GrantId"], g["GrantId"])
        t.eq("entry GranteePrincipal", BOB, g["GranteePrincipal"])
        t.eq("entry RetiringPrincipal", BOB, g["RetiringPrincipal"])
        t.eq("entry IssuingAccount", "arn:aws:iam::%s:root" % A1,
             g["IssuingAccount"])
        t.eq("entry Operations", ["Encrypt", "Decrypt"], g["Operations"])
        t.eq("entry Constraints",
             {"EncryptionContextSubset": {"purpose": "test"}},
             g["Constraints"])
        t.ok("entry CreationDate", "CreationDate" in g, g)
        t.ok("no Name when none given", "Name" not in g, g)
        t.eq("ListGrants: Truncated false", False, lg["Truncated"])
        st, body = raw(srv, "alice", "ListGrants", KeyId=kid)
        t.ok("raw ListGrants: CreationDate is epoch seconds",
             isinstance(body["Grants"][0]["CreationDate"], (int, float)),
             body)

        # Name makes CreateGrant idempotent.
        n1 = alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                                Operations=["GenerateDataKey"],
                                Constraints={"EncryptionContextEquals":
                                             {"app": "a1"}}, Name="gdk-bob")
        n2 = alice.create_grant(KeyId=arn, GranteePrincipal=BOB,
                                Operations=["GenerateDataKey"],
                                Constraints={"EncryptionContextEquals":
                                             {"app": "a1"}}, Name="gdk-bob")
        t.eq("same Name and parameters: same GrantId", n1["GrantId"],
             n2["GrantId"])
        t.ok("same Name: a fresh token", n1["GrantToken"] != n2["GrantToken"])
        n3 = alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                                Operations=["GenerateDataKey", "Decrypt"],
                                Name="gdk-bob")
        t.ok("same Name, other parameters: a new grant",
             n3["GrantId"] != n1["GrantId"])
        alice.revoke_grant(KeyId=kid, GrantId=n3["GrantId"])
        t.eq("named grant listed with its Name", "gdk-bob",
             alice.list_grants(KeyId=kid, GrantId=n1["GrantId"])[
                 "Grants"][0].get("Name"))

        # EncryptionContextEquals: exactly that context.
        t.ok("Equals: the exact context works",
             bob.generate_data_key(KeyId=arn, KeySpec="AES_256",
                                   EncryptionContext={"app": "a1"}))
        t.error("Equals: a superset is refused", "AccessDeniedException",
                bob.generate_data_key, KeyId=arn, KeySpec="AES_256",
                EncryptionContext={"app": "a1", "more": "1"})

        # Operations must suit the key type.
        t.error("Sign on a symmetric key", "ValidationException",
                alice.create_grant, KeyId=kid, GranteePrincipal=BOB,
                Operations=["Sign"])
        t.error("only CreateGrant", "ValidationException",
                alice.create_grant, KeyId=kid, GranteePrincipal=BOB,
                Operations=["CreateGrant"],
                msg="Grants must not contain only the CreateGrant "
                    "operation.")
        sk = alice.create_key(KeySpec="ECC_NIST_P256", KeyUsage="SIGN_VERIFY",
                              Policy=json.dumps(POLICY))["KeyMetadata"]
        t.error("GenerateDataKey on a signing key", "ValidationException",
                alice.create_grant, KeyId=sk["KeyId"], GranteePrincipal=BOB,
                Operations=["GenerateDataKey"])
        gs = alice.create_grant(KeyId=sk["KeyId"], GranteePrincipal=BOB,
                                Operations=["Sign", "Verify"])
        sig = bob.sign(KeyId=sk["Arn"], Message=b"m",
                       SigningAlgorithm="ECDSA_SHA_256")["Signature"]
        t.ok("bob signs through a grant on a signing key", sig)
        t.error("constraints refused on an asymmetric key",
                "ValidationException", alice.create_grant, KeyId=sk["KeyId"],
                GranteePrincipal=BOB, Operations=["Sign"],
                Constraints={"EncryptionContextSubset": {"a": "b"}})
        alice.revoke_grant(KeyId=sk["KeyId"], GrantId=gs["GrantId"])

        # DryRun (raw: Debian's botocore predates the member).
        st, body = raw(srv, "alice", "CreateGrant", KeyId=kid,
                       GranteePrincipal=BOB, Operations=["Decrypt"],
                       DryRun=True)
        t.eq("DryRun CreateGrant", "DryRunOperationException",
             body.get("__type"))
        t.eq("DryRun message", "The request would have succeeded, but the "
             "DryRun option is set.", body.get("message"))
        t.eq("DryRun created nothing", 2,
             len(alice.list_grants(KeyId=kid)["Grants"]))

        # kms:GrantOperations in the key policy.
        gb = bob.create_grant(KeyId=arn, GranteePrincipal=BOB,
                              Operations=["Decrypt"])
        t.ok("bob may grant Decrypt (ForAllValues kms:GrantOperations)",
             gb["GrantId"])
        t.error("bob may not grant GenerateDataKey", "AccessDeniedException",
                bob.create_grant, KeyId=arn, GranteePrincipal=BOB,
                Operations=["GenerateDataKey"],
                msg=denied_msg(BOB, "CreateGrant", arn))
        gbs = alice.list_grants(KeyId=kid, GrantId=gb["GrantId"])["Grants"]
        t.eq("a grant bob made: IssuingAccount is his account",
             "arn:aws:iam::%s:root" % A1, gbs[0]["IssuingAccount"])

        # Filters and paging.
        t.eq("filter by GranteePrincipal (none for alice)", [],
             alice.list_grants(KeyId=kid, GranteePrincipal=ALICE)["Grants"])
        for i in range(5):
            alice.create_grant(KeyId=kid, GranteePrincipal=ALICE,
                               Operations=["Encrypt"])
        t.eq("filter by GranteePrincipal", 5,
             len(alice.list_grants(KeyId=kid,
                                   GranteePrincipal=ALICE)["Grants"]))
        everything = alice.list_grants(KeyId=kid)["Grants"]
        pages, marker = [], None
        while True:
            kw = {"Marker": marker} if marker else {}
            p = alice.list_grants(KeyId=kid, Limit=2, **kw)
            pages += p["Grants"]
            t.ok("page size <= 2", len(p["Grants"]) <= 2, p)
            marker = p.get("NextMarker")
            t.eq("Truncated matches NextMarker", bool(marker), p["Truncated"])
            if not marker:
                break
        t.eq("paging yields every grant once", everything, pages)
        t.error("bad marker", "InvalidMarkerException", alice.list_grants,
                KeyId=kid, Marker="nope")
        t.error("ListGrants with a malformed GrantId",
                "InvalidGrantIdException", alice.list_grants, KeyId=kid,
                GrantId="xyz")

        # ListRetirableGrants
        lr = bob.list_retirable_grants(RetiringPrincipal=BOB)
        t.eq("ListRetirableGrants finds bob's retirable grant",
             [g1["GrantId"]], [x["GrantId"] for x in lr["Grants"]])
        t.eq("retirable entry KeyId is the key ARN", arn,
             lr["Grants"][0]["KeyId"])
        t.eq("nothing retirable by alice", [],
             alice.list_retirable_grants(RetiringPrincipal=ALICE)["Grants"])

        # Cross-account grantee.
        gc = alice.create_grant(KeyId=kid, GranteePrincipal=CAROL,
                                Operations=["Encrypt", "DescribeKey"])
        t.error("carol without key ARN: her own account has no such key",
                "NotFoundException", carol.encrypt, KeyId=kid,
                Plaintext=b"p")
        t.ok("carol of another account encrypts through the grant",
             carol.encrypt(KeyId=arn, Plaintext=b"p")["CiphertextBlob"])
        t.eq("carol describes through the grant", kid,
             carol.describe_key(KeyId=arn)["KeyMetadata"]["KeyId"])
        t.error("carol cannot retire a grant she is grantee of without "
                "RetireGrant", "AccessDeniedException", carol.retire_grant,
                KeyId=arn, GrantId=gc["GrantId"])
        t.error("carol cannot revoke", "AccessDeniedException",
                carol.revoke_grant, KeyId=arn, GrantId=gc["GrantId"])
        alice.revoke_grant(KeyId=arn, GrantId=gc["GrantId"])
        t.error("carol after revoke", "AccessDeniedException", carol.encrypt,
                KeyId=arn, Plaintext=b"p")

        # RetireGrant by token, by the retiring principal.
        t.error("garbage grant token", "InvalidGrantTokenException",
                bob.retire_grant, GrantToken="not-a-token")
        tok = g1["GrantToken"]
        forged = tok[:-6] + ("AAAAAA" if tok[-6:] != "AAAAAA" else "BBBBBB")
        t.error("altered grant token", "InvalidGrantTokenException",
                bob.retire_grant, GrantToken=forged)
        bob.retire_grant(GrantToken=tok)
        t.error("bob after his grant is retired", "AccessDeniedException",
                bob.encrypt, KeyId=arn, Plaintext=b"p", EncryptionContext=ctx)
        t.error("retire again", "NotFoundException", bob.retire_grant,
                GrantToken=tok)
        t.error("RetireGrant with neither token nor ids",
                "ValidationException", bob.retire_grant)

        # RetireGrant by id, and RevokeGrant rules.
        t.error("bob may not revoke (key policy)", "AccessDeniedException",
                bob.revoke_grant, KeyId=kid, GrantId=n1["GrantId"],
                msg=denied_msg(BOB, "RevokeGrant", arn))
        alice.revoke_grant(KeyId=kid, GrantId=n1["GrantId"])
        t.error("bob after revoke", "AccessDeniedException",
                bob.generate_data_key, KeyId=arn, KeySpec="AES_256",
                EncryptionContext={"app": "a1"})
        t.error("revoke an unknown grant", "NotFoundException",
                alice.revoke_grant, KeyId=kid, GrantId="0" * 64)
        t.error("revoke a malformed grant id", "InvalidGrantIdException",
                alice.revoke_grant, KeyId=kid, GrantId="abc")
        # The issuing account may retire its grants by id.
        bob.retire_grant(KeyId=arn, GrantId=gb["GrantId"])
        t.eq("retired by id", [],
             alice.list_grants(KeyId=kid, GrantId=gb["GrantId"])["Grants"])

        # Grants stay with the key: another key's id does not find them.
        other = alice.create_key(Policy=json.dumps(POLICY))["KeyMetadata"]
        some = alice.list_grants(KeyId=kid)["Grants"][0]["GrantId"]
        t.error("revoke via another key", "NotFoundException",
                alice.revoke_grant, KeyId=other["KeyId"], GrantId=some)

        # Key states: a key pending deletion takes no new grants.
        alice.schedule_key_deletion(KeyId=other["KeyId"],
                                    PendingWindowInDays=7)
        t.error("CreateGrant on a key pending deletion",
                "KMSInvalidStateException", alice.create_grant,
                KeyId=other["KeyId"], GranteePrincipal=BOB,
                Operations=["Encrypt"], msg="is pending deletion.")
        dk = alice.create_key(Policy=json.dumps(POLICY))["KeyMetadata"]
        alice.disable_key(KeyId=dk["KeyId"])
        t.ok("CreateGrant on a disabled key is allowed",
             alice.create_grant(KeyId=dk["KeyId"], GranteePrincipal=BOB,
                                Operations=["Encrypt"])["GrantId"])
finally:
    os.unlink(creds)
t.done()
