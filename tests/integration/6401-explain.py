"""The key-policy explainer (LogvaultKmsExplain_20261201.Explain, and
`logvault kms explain`) on the seed's scenario: a key whose policy does not
let CloudWatch Logs (logs.<region>.amazonaws.com) use it, so
AssociateKmsKey is refused.

- Asked "would logs.eu-west-2.amazonaws.com be allowed kms:GenerateDataKey
  on the key with aws:logs:arn = the group?", the explainer says DENY with
  no allow, shows each statement (the account's statement does not match
  the service principal) and proposes the statement of the CloudWatch Logs
  encryption guide for eu-west-2 narrowed to the group's ARN, with the
  policy after the change; under that policy its own answer is ALLOW.
- Putting the proposed policy makes AssociateKmsKey succeed, and the
  explainer then says ALLOW, decided by that statement.
- A Deny statement is reported as an explicit deny, with no proposal.
- A caller refused kms:GetKeyPolicy on the key is refused the explainer
  too, with GetKeyPolicy's AccessDeniedException, and reads no trace.
- The CLI prints the trace readably and as JSON with --output json.
"""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
SERVICE = "logs.%s.amazonaws.com" % REGION
TARGET = "LogvaultKmsExplain_20261201.Explain"
GROUP = "seed-group"
GROUP_ARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)
ROOT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}
NO_POLICY_FOR_BOB = {
    "Sid": "Bob may not read the policy", "Effect": "Deny",
    "Principal": {"AWS": "arn:aws:iam::%s:user/bob" % ACCOUNT},
    "Action": "kms:GetKeyPolicy", "Resource": "*"}
USERS = {"alice": ("AKIDALICE", ACCOUNT, None),
         "bob": ("AKIDBOB", ACCOUNT, "bob")}


def explain(srv, body, key="AKIDALICE", secret="alice-secret"):
    st, _, data = srv.raw(json.dumps(body), target=TARGET, key=key,
                          secret=secret)
    return st, json.loads(data or b"{}")


def associates(logs):
    try:
        logs.associate_kms_key(logGroupName=GROUP, kmsKeyId=key_arn)
        return True
    except logs.exceptions.ClientError as e:
        return e.response["Error"]["Code"]


def cli(srv, *args):
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDALICE",
               AWS_SECRET_ACCESS_KEY="alice-secret",
               AWS_DEFAULT_REGION=REGION, AWS_CONFIG_FILE="/nonexistent",
               AWS_SHARED_CREDENTIALS_FILE="/nonexistent")
    p = subprocess.run([os.environ["LOGVAULT_BIN"], "kms", "explain",
                        "--endpoint-url", srv.endpoint] + list(args),
                       env=env, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


creds = write_creds(USERS, "lv-6401-")
try:
    with Server("--credentials", creds) as srv:
        kms = srv.client("kms", key="AKIDALICE", secret="alice-secret")
        logs = srv.client("logs", key="AKIDALICE", secret="alice-secret")
        key_arn = kms.create_key(Policy=json.dumps({
            "Version": "2012-10-17",
            "Statement": [ROOT, NO_POLICY_FOR_BOB]}))["KeyMetadata"]["Arn"]
        logs.create_log_group(logGroupName=GROUP)
        t.eq("seed: AssociateKmsKey refused under a policy without Logs",
             "AccessDeniedException", associates(logs))

        q = {"KeyId": key_arn, "Principal": SERVICE,
             "Action": "kms:GenerateDataKey",
             "EncryptionContext": {"aws:logs:arn": GROUP_ARN}}
        st, out = explain(srv, q)
        t.eq("would-be: answered", 200, st)
        t.eq("would-be: DENY", "DENY", out.get("Decision"))
        tr = out.get("Trace", {})
        kp = tr.get("keyPolicy", {})
        t.eq("would-be: key policy decides no allow", "DEFAULT_DENY",
             kp.get("decision"))
        t.ok("would-be: reason says no allow",
             "no allow" in out.get("Reason", ""), out.get("Reason"))
        sts = kp.get("statements", [])
        t.eq("would-be: both statements traced", 2, len(sts))
        if sts:
            p = sts[0]["principal"]
            t.ok("would-be: the account's statement does not match the "
                 "service", not p["matched"] and p["request"] == SERVICE
                 and p["values"] == ["arn:aws:iam::%s:root" % ACCOUNT], p)
            t.ok("would-be: its action matches", sts[0]["action"]["matched"])
        t.eq("would-be: the request's context is traced",
             {"aws:logs:arn": GROUP_ARN},
             tr.get("request", {}).get("encryptionContext"))
        prop = out.get("Proposal") or {}
        want_st = {"Effect": "Allow", "Principal": {"Service": SERVICE},
                   "Action": ["kms:Encrypt*", "kms:Decrypt*",
                              "kms:ReEncrypt*", "kms:GenerateDataKey*",
                              "kms:Describe*"],
                   "Resource": "*",
                   "Condition": {"ArnEquals": {
                       "kms:EncryptionContext:aws:logs:arn": GROUP_ARN}}}
        t.eq("proposal: the guide's statement, narrowed to the group",
             want_st, prop.get("Statement"))
        t.ok("proposal: it would allow", prop.get("Allows") is True, prop)
        new_policy = json.loads(prop.get("Policy", "{}"))
        t.eq("proposal: the policy after is the policy plus the statement",
             [ROOT, NO_POLICY_FOR_BOB, want_st], new_policy.get("Statement"))

        # Another group's context is not covered by that proposal, but by
        # its own.
        q2 = dict(q, EncryptionContext={"aws:logs:arn": GROUP_ARN + "-2"})
        st, out2 = explain(srv, q2)
        t.eq("proposal: follows the group named", GROUP_ARN + "-2",
             (out2.get("Proposal") or {}).get("Statement", {})
             .get("Condition", {}).get("ArnEquals", {})
             .get("kms:EncryptionContext:aws:logs:arn"))

        # A caller refused GetKeyPolicy is refused the explainer.
        st, bob = explain(srv, q, key="AKIDBOB", secret="bob-secret")
        t.eq("bob: refused", 400, st)
        t.eq("bob: AccessDeniedException", "AccessDeniedException",
             bob.get("__type", "").split("#")[-1])
        t.ok("bob: GetKeyPolicy's refusal, no trace",
             "kms:GetKeyPolicy" in bob.get("message", "") and
             "Trace" not in bob, bob)

        # Validation.
        st, bad = explain(srv, {"KeyId": key_arn, "Principal": SERVICE})
        t.eq("validation: Action missing", "ValidationException",
             bad.get("__type", "").split("#")[-1])
        st, bad = explain(srv, dict(q, Principal="not a principal"))
        t.eq("validation: bad principal", "ValidationException",
             bad.get("__type", "").split("#")[-1])

        # The CLI, readable and JSON.
        rc, text, err = cli(srv, "--key-id", key_arn, "--principal", SERVICE,
                            "--action", "kms:GenerateDataKey",
                            "--encryption-context",
                            "aws:logs:arn=" + GROUP_ARN)
        t.eq("cli: exit 0", 0, rc)
        t.ok("cli: readable text names the decision and the statement",
             "DENY" in text and "Enable IAM User Permissions" in text and
             "kms:EncryptionContext:aws:logs:arn" in text, text + err)
        rc, js, err = cli(srv, "--key-id", key_arn, "--principal", SERVICE,
                          "--action", "GenerateDataKey",
                          "--encryption-context",
                          json.dumps({"aws:logs:arn": GROUP_ARN}),
                          "--output", "json")
        try:
            cj = json.loads(js)
        except ValueError:
            cj = {}
        t.eq("cli: --output json is the answer", "DENY", cj.get("Decision"))
        t.eq("cli: --output json carries the proposal", want_st,
             (cj.get("Proposal") or {}).get("Statement"))

        # Applying the proposal makes AssociateKmsKey succeed.
        kms.put_key_policy(KeyId=key_arn, PolicyName="default",
                           Policy=prop.get("Policy", "{}"))
        t.eq("fixed: AssociateKmsKey succeeds", True, associates(logs))
        st, out = explain(srv, q)
        t.eq("fixed: ALLOW", "ALLOW", out.get("Decision"))
        t.eq("fixed: decided by the added statement", [2],
             out.get("Trace", {}).get("keyPolicy", {}).get("deciding"))

        # Grants: each one considered, with its constraint.
        eve = "arn:aws:iam::444455556666:user/eve"
        grant_id = kms.create_grant(
            KeyId=key_arn, GranteePrincipal=eve,
            Operations=["Encrypt", "Decrypt"],
            Constraints={"EncryptionContextSubset": {"app": "a"}})["GrantId"]
        ge = {"KeyId": key_arn, "Principal": eve, "Action": "Encrypt"}
        st, out = explain(srv, dict(ge, EncryptionContext={"app": "b"}))
        gs = out.get("Trace", {}).get("grants", [])
        g = gs[0] if gs else {}
        t.eq("grant: refused outside its constraint", "DENY",
             out.get("Decision"))
        t.eq("grant: the grant considered", grant_id, g.get("grantId"))
        t.eq("grant: its constraint shown",
             {"EncryptionContextSubset": {"app": "a"}}, g.get("constraints"))
        t.ok("grant: grantee and operation match, constraint does not",
             g.get("granteeMatches") is True and
             g.get("operationListed") is True and
             g.get("constraintHolds") is False and g.get("allows") is False,
             g)
        st, out = explain(srv, dict(ge, EncryptionContext={"app": "a"}))
        t.eq("grant: allowed within its constraint", "ALLOW",
             out.get("Decision"))
        t.eq("grant: decided by the grant", "grant",
             out.get("Trace", {}).get("decidedBy"))

        # An explicit Deny: said so, nothing proposed.
        deny_arn = kms.create_key(Policy=json.dumps({
            "Version": "2012-10-17", "Statement": [ROOT, want_st, {
                "Sid": "No logs", "Effect": "Deny",
                "Principal": {"Service": SERVICE}, "Action": "kms:*",
                "Resource": "*"}]}))["KeyMetadata"]["Arn"]
        st, out = explain(srv, dict(q, KeyId=deny_arn))
        t.eq("deny: DENY", "DENY", out.get("Decision"))
        t.eq("deny: explicit deny", "EXPLICIT_DENY",
             out.get("Trace", {}).get("keyPolicy", {}).get("decision"))
        t.eq("deny: decided by the Deny statement", [2],
             out.get("Trace", {}).get("keyPolicy", {}).get("deciding"))
        t.ok("deny: no proposal, a note", "Proposal" not in out and
             "Deny" in out.get("Note", ""), out.get("Note"))
finally:
    os.unlink(creds)
t.done()
