"""The KMS key rule of CloudWatch Logs, beyond the tutorial: the key policy
must allow logs.<region>.amazonaws.com (another region's principal does
not count), an ArnEquals condition on kms:EncryptionContext:aws:logs:arn
admits only that group, an explicit Deny wins; disabled, pending-deletion
and asymmetric keys are refused with InvalidParameterException; a bare key
id or alias name is not a key ARN, an alias ARN is; associations override
and disassociate (by name or by resourceIdentifier)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
err = t.logs_error
ACCOUNT = "123456789012"
REGION = "eu-west-2"
ROOT = {"Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}
ACTIONS = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
           "kms:GenerateDataKey*", "kms:Describe*"]


def garn(name):
    return "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, name)


def denied(name):
    return ("The specified KMS key does not exist or is not allowed to be "
            "used with Arn '%s'" % garn(name))


def logs_statement(region=REGION, condition=None, effect="Allow"):
    s = {"Effect": effect,
         "Principal": {"Service": "logs.%s.amazonaws.com" % region},
         "Action": ACTIONS, "Resource": "*"}
    if condition:
        s["Condition"] = condition
    return s


def key_of(logs, name):
    g = logs.describe_log_groups(logGroupNamePrefix=name)["logGroups"]
    return g[0].get("kmsKeyId") if g else "no group"


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")

    def new_key(*statements, **kw):
        arn = kms.create_key(**kw)["KeyMetadata"]["Arn"]
        if statements:
            kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=json.dumps(
                {"Version": "2012-10-17",
                 "Statement": [ROOT] + list(statements)}))
        return arn

    for g in ["A", "B", "C"]:
        logs.create_log_group(logGroupName=g)

    # ---- the principal is the request's region's -----------------------------
    k = new_key(logs_statement(region="us-east-1"))
    t.error("another region's principal", "AccessDeniedException",
            logs.associate_kms_key, logGroupName="A", kmsKeyId=k,
            msg=denied("A"))
    t.error("create with it", "AccessDeniedException",
            logs.create_log_group, logGroupName="D", kmsKeyId=k,
            msg=denied("D"))
    t.eq("a refused create makes no group", [],
         logs.describe_log_groups(logGroupNamePrefix="D")["logGroups"])
    east = srv.client("logs", region="us-east-1")
    east.create_log_group(logGroupName="A")
    t.error("a key of another region", "AccessDeniedException",
            east.associate_kms_key, logGroupName="A", kmsKeyId=k)

    # ---- ArnEquals on the encryption context ---------------------------------
    k = new_key(logs_statement(condition={"ArnEquals": {
        "kms:EncryptionContext:aws:logs:arn": garn("A")}}))
    logs.associate_kms_key(logGroupName="A", kmsKeyId=k)
    t.eq("ArnEquals admits its group", k, key_of(logs, "A"))
    t.error("ArnEquals refuses another group", "AccessDeniedException",
            logs.associate_kms_key, logGroupName="B", kmsKeyId=k,
            msg=denied("B"))
    t.eq("B has no key", None, key_of(logs, "B"))
    kl = new_key(logs_statement(condition={"ArnLike": {
        "kms:EncryptionContext:aws:logs:arn": garn("B*")}}))
    logs.associate_kms_key(logGroupName="B", kmsKeyId=kl)
    t.error("ArnLike refuses C", "AccessDeniedException",
            logs.associate_kms_key, logGroupName="C", kmsKeyId=kl)

    # ---- an explicit deny wins -------------------------------------------------
    kd = new_key(logs_statement(),
                 logs_statement(effect="Deny", condition={"StringEquals": {
                     "kms:EncryptionContext:aws:logs:arn": garn("C")}}))
    t.error("explicit deny", "AccessDeniedException",
            logs.associate_kms_key, logGroupName="C", kmsKeyId=kd,
            msg=denied("C"))

    # ---- override and disassociate -------------------------------------------------
    good = new_key(logs_statement())
    good2 = new_key(logs_statement())
    logs.associate_kms_key(logGroupName="C", kmsKeyId=good)
    logs.associate_kms_key(logGroupName="C", kmsKeyId=good2)
    t.eq("a second association overrides", good2, key_of(logs, "C"))
    logs.disassociate_kms_key(logGroupName="C")
    t.eq("disassociated", None, key_of(logs, "C"))
    logs.disassociate_kms_key(logGroupName="C")
    t.ok("disassociating twice is fine", True)
    status, _ = call(srv, "AssociateKmsKey",
                     {"resourceIdentifier": garn("C"), "kmsKeyId": good})
    t.eq("associate by resourceIdentifier", (200, good),
         (status, key_of(logs, "C")))
    status, _ = call(srv, "DisassociateKmsKey",
                     {"resourceIdentifier": garn("C")})
    t.eq("disassociate by resourceIdentifier", (200, None),
         (status, key_of(logs, "C")))
    err("name and resourceIdentifier", "InvalidParameterException", srv,
        "AssociateKmsKey", logGroupName="C", resourceIdentifier=garn("C"),
        kmsKeyId=good)
    err("neither", "InvalidParameterException", srv, "DisassociateKmsKey")
    err("query results", "InvalidParameterException", srv,
        "AssociateKmsKey", kmsKeyId=good,
        resourceIdentifier="arn:aws:logs:%s:%s:query-result:*" % (REGION,
                                                                  ACCOUNT))
    err("missing group by resourceIdentifier", "ResourceNotFoundException",
        srv, "DisassociateKmsKey", resourceIdentifier=garn("nope"))
    t.error("missing group", "ResourceNotFoundException",
            logs.associate_kms_key, logGroupName="nope", kmsKeyId=good,
            msg="The specified log group does not exist.")

    # ---- what a kmsKeyId may be ----------------------------------------------------
    key_id = good.split("/")[-1]
    for name, value in [("bare key id", key_id),
                        ("alias name", "alias/logs"),
                        ("not an ARN", "hello"),
                        ("an S3 ARN", "arn:aws:s3:::bucket")]:
        t.error(name, "InvalidParameterException", logs.associate_kms_key,
                logGroupName="C", kmsKeyId=value,
                msg="The specified KMS Key Id could not be found. 'C'")
    kms.create_alias(AliasName="alias/logs", TargetKeyId=good)
    logs.associate_kms_key(
        logGroupName="C",
        kmsKeyId="arn:aws:kms:%s:%s:alias/logs" % (REGION, ACCOUNT))
    t.eq("an alias ARN resolves to its key", good, key_of(logs, "C"))
    t.error("a key that does not exist", "AccessDeniedException",
            logs.associate_kms_key, logGroupName="C",
            kmsKeyId="arn:aws:kms:%s:%s:key/"
            "11111111-2222-3333-4444-555555555555" % (REGION, ACCOUNT),
            msg=denied("C"))

    # ---- key states and kinds ------------------------------------------------------
    off = new_key(logs_statement())
    kms.disable_key(KeyId=off)
    t.error("disabled key", "InvalidParameterException",
            logs.associate_kms_key, logGroupName="B", kmsKeyId=off,
            msg="is disabled")
    t.error("disabled key at create", "InvalidParameterException",
            logs.create_log_group, logGroupName="E", kmsKeyId=off,
            msg=off)
    kms.enable_key(KeyId=off)
    logs.associate_kms_key(logGroupName="B", kmsKeyId=off)
    t.eq("enabled again, accepted", off, key_of(logs, "B"))
    doomed = new_key(logs_statement())
    kms.schedule_key_deletion(KeyId=doomed, PendingWindowInDays=7)
    t.error("pending deletion", "InvalidParameterException",
            logs.associate_kms_key, logGroupName="B", kmsKeyId=doomed,
            msg="pending deletion")
    rsa = new_key(logs_statement(), KeySpec="RSA_2048",
                  KeyUsage="ENCRYPT_DECRYPT")
    t.error("asymmetric key", "InvalidParameterException",
            logs.associate_kms_key, logGroupName="B", kmsKeyId=rsa,
            msg="symmetric")
    hmac = new_key(logs_statement(), KeySpec="HMAC_256",
                   KeyUsage="GENERATE_VERIFY_MAC")
    t.error("HMAC key", "InvalidParameterException",
            logs.associate_kms_key, logGroupName="B", kmsKeyId=hmac)
    t.eq("refusals leave the old key", off, key_of(logs, "B"))

    srv.restart()
    logs = srv.client("logs")
    t.eq("associations survive a restart", (k, off),
         (key_of(logs, "A"), key_of(logs, "B")))

t.done()
