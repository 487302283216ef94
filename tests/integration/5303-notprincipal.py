"""NotPrincipal in key policies, as the IAM reference on NotPrincipal has
it, with two accounts and a user in each:
  - it goes with "Effect": "Deny" only; with "Allow" it is not supported,
    so CreateKey and PutKeyPolicy refuse it (MalformedPolicyDocument);
  - a request is made by a user and by the user's account, so a user is
    left out of the Deny only when NotPrincipal names both; naming only
    the account (arn:aws:iam::ACCOUNT:root or the bare id) leaves out the
    account root, not its users; naming only the user leaves out no one.
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
A1, A2 = "111122223333", "444455556666"
ROOT1 = "arn:aws:iam::%s:root" % A1
ROOT2 = "arn:aws:iam::%s:root" % A2
ALICE = "arn:aws:iam::%s:user/alice" % A1
BOB = "arn:aws:iam::%s:user/bob" % A1
CAROL = "arn:aws:iam::%s:user/carol" % A2
USERS = {"root1": ("AKIAROOT1", A1, None), "alice": ("AKIAALICE", A1, "alice"),
         "bob": ("AKIABOB", A1, "bob"), "carol": ("AKIACAROL", A2, "carol")}


def doc(*statements):
    return json.dumps({"Version": "2012-10-17",
                       "Statement": list(statements)})


# Account 1 and carol may do anything; the Deny decides Encrypt.
ALLOW = [{"Effect": "Allow", "Principal": {"AWS": ROOT1}, "Action": "kms:*",
          "Resource": "*"},
         {"Effect": "Allow", "Principal": {"AWS": CAROL}, "Action": "kms:*",
          "Resource": "*"}]


def deny_all_but(*names):
    return doc(*ALLOW, {"Effect": "Deny", "NotPrincipal": {"AWS": list(names)},
                        "Action": "kms:Encrypt", "Resource": "*"})


def encrypts(client, key):
    try:
        client.encrypt(KeyId=key, Plaintext=b"x")
        return "allowed"
    except client.exceptions.ClientError as e:
        msg = e.response["Error"].get("Message", "")
        return "explicit deny" if "explicit deny" in msg else \
            e.response["Error"]["Code"]


creds = write_creds(USERS, "lv-5303-")
try:
    with Server("--credentials", creds) as srv:
        c = {n: srv.client("kms", key=k, secret=n + "-secret")
             for n, (k, _, _) in USERS.items()}
        root = c["root1"]

        def key(policy):
            return root.create_key(Policy=policy)["KeyMetadata"]["Arn"]

        cases = [
            ("only the account root ARN", [ROOT1],
             {"root1": "allowed", "alice": "explicit deny",
              "bob": "explicit deny", "carol": "explicit deny"}),
            ("only the account id", [A1],
             {"root1": "allowed", "alice": "explicit deny",
              "bob": "explicit deny"}),
            ("only alice", [ALICE],
             {"root1": "explicit deny", "alice": "explicit deny",
              "bob": "explicit deny"}),
            ("alice and her account", [ALICE, ROOT1],
             {"root1": "allowed", "alice": "allowed",
              "bob": "explicit deny", "carol": "explicit deny"}),
            ("carol and her account", [CAROL, ROOT2],
             {"carol": "allowed", "alice": "explicit deny",
              "root1": "explicit deny"}),
            ("carol's account only", [ROOT2],
             {"carol": "explicit deny"}),
        ]
        for name, names, want in cases:
            k = key(deny_all_but(*names))
            for who, result in sorted(want.items()):
                t.eq("NotPrincipal %s: %s is %s" % (name, who, result),
                     result, encrypts(c[who], k))

        allow_np = doc(ALLOW[0], {"Effect": "Allow",
                                  "NotPrincipal": {"AWS": BOB},
                                  "Action": "kms:*", "Resource": "*"})
        t.error("CreateKey refuses NotPrincipal with Allow",
                "MalformedPolicyDocumentException", root.create_key,
                Policy=allow_np, msg="NotPrincipal")
        k = key(doc(*ALLOW))
        t.error("PutKeyPolicy refuses NotPrincipal with Allow",
                "MalformedPolicyDocumentException", root.put_key_policy,
                KeyId=k, PolicyName="default", Policy=allow_np,
                msg="NotPrincipal")
        t.eq("the refused policy was not stored", json.loads(doc(*ALLOW)),
             json.loads(root.get_key_policy(KeyId=k, PolicyName="default")
                        ["Policy"]))
finally:
    os.unlink(creds)
t.done()
