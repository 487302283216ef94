"""Red team on KMS principals (issue 10 sections 1 and 4): where a
principal's account is read from its text, it is read from the account
field, never found by searching the text.

1. A key policy principal arn:aws-cn:iam::ACCOUNT:root (another
   partition) is another account than arn:aws:iam::ACCOUNT:root: the
   server serves the aws partition only, so that statement names no one
   here — it must not let the aws account of the same number (its root or
   its users) act on the key, nor exempt it from a Deny by NotPrincipal.
2. ListRetirableGrants shows a caller the grants on another account's keys
   only when the RetiringPrincipal it asks about is of its own account
   (grants.c); a principal that merely contains "::<caller account>:"
   somewhere in its text is not.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
A1, A2 = "111122223333", "444455556666"
USERS = {"alice": ("AKIAALICE", A1, "alice"), "bob": ("AKIABOB", A1, "bob"),
         "root1": ("AKIAROOT1", A1, None),
         "carol": ("AKIACAROL", A2, "carol")}
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1


def client(srv, name):
    return srv.client("kms", key=USERS[name][0], secret=name + "-secret")


def policy(*stmts):
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Sid": "alice", "Effect": "Allow", "Principal": {"AWS": ALICE},
         "Action": "kms:*", "Resource": "*"}] + list(stmts)})


creds = write_creds(USERS, "lv-5701-")
try:
    with Server("--credentials", creds) as srv:
        alice, bob, root1, carol = (client(srv, n) for n in
                                    ("alice", "bob", "root1", "carol"))

        # -- 1. another partition's account root --------------------------
        for part in ("aws-cn", "aws-us-gov"):
            kid = alice.create_key(Policy=policy(
                {"Sid": "other partition", "Effect": "Allow",
                 "Principal": {"AWS": "arn:%s:iam::%s:root" % (part, A1)},
                 "Action": "kms:*", "Resource": "*"}))["KeyMetadata"]["KeyId"]
            t.error("%s root does not let bob (aws, same number) encrypt"
                    % part, "AccessDeniedException", bob.encrypt, KeyId=kid,
                    Plaintext=b"p")
            t.error("nor the aws account's root", "AccessDeniedException",
                    root1.encrypt, KeyId=kid, Plaintext=b"p")
            t.ok("alice, named, still encrypts",
                 alice.encrypt(KeyId=kid, Plaintext=b"p")["CiphertextBlob"])
        # NotPrincipal naming bob and an aws-cn root of his account number
        # does not name bob's account: bob is not left out of the Deny.
        kid = alice.create_key(Policy=policy(
            {"Sid": "bob", "Effect": "Allow", "Principal": {"AWS": BOB},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "deny all but", "Effect": "Deny",
             "NotPrincipal": {"AWS": [ALICE, "arn:aws:iam::%s:root" % A1,
                                      BOB, "arn:aws-cn:iam::%s:root" % A1]},
             "Action": "kms:Encrypt", "Resource": "*"}))["KeyMetadata"][
                 "KeyId"]
        t.ok("NotPrincipal with the aws root leaves bob out",
             bob.encrypt(KeyId=kid, Plaintext=b"p")["CiphertextBlob"])
        kid = alice.create_key(Policy=policy(
            {"Sid": "bob", "Effect": "Allow", "Principal": {"AWS": BOB},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "deny bob unless his aws-cn twin", "Effect": "Deny",
             "NotPrincipal": {"AWS": [BOB, "arn:aws-cn:iam::%s:root" % A1]},
             "Action": "kms:Encrypt", "Resource": "*"}))["KeyMetadata"][
                 "KeyId"]
        t.error("NotPrincipal [bob, aws-cn root] does not leave bob out",
                "AccessDeniedException", bob.encrypt, KeyId=kid,
                Plaintext=b"p")

        # -- 2. ListRetirableGrants: the principal's own account field ----
        kid = alice.create_key(Policy=policy())["KeyMetadata"]["KeyId"]
        odd = "arn:aws:iam::%s:user/x::%s:" % (A1, A2)
        alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                           Operations=["Encrypt"], RetiringPrincipal=odd)
        t.eq("carol (%s) does not see a grant of account %s whose retiring "
             "principal only contains '::%s:'" % (A2, A1, A2), [],
             carol.list_retirable_grants(RetiringPrincipal=odd)["Grants"])
        t.eq("alice's account sees it", 1, len(
            alice.list_retirable_grants(RetiringPrincipal=odd)["Grants"]))
        mine = "arn:aws:iam::%s:user/carol" % A2
        alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                           Operations=["Encrypt"], RetiringPrincipal=mine)
        t.eq("carol sees the grant she may retire", 1, len(
            carol.list_retirable_grants(RetiringPrincipal=mine)["Grants"]))
        alice.create_grant(KeyId=kid, GranteePrincipal=BOB,
                           Operations=["Encrypt"], RetiringPrincipal=A2)
        t.eq("and one retiring by her account id", 1, len(
            carol.list_retirable_grants(RetiringPrincipal=A2)["Grants"]))
finally:
    os.unlink(creds)
t.done()
