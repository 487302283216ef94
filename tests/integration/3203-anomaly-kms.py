#!/usr/bin/env python3
"""An anomaly detector's kmsKeyId (issue 17): CreateLogAnomalyDetector
takes a key under a log group's key rule with the detector's ARN as the
encryption context (AWS's policy for detectors: logs.<region>.amazonaws.com
with kms:EncryptionContext:aws:logs:arn like ...:anomaly-detector:*) — a key
whose policy does not allow that, a key allowed only for log groups, an
asymmetric key and a missing key are refused, nothing is created; Get and
ListLogAnomalyDetectors show the key's ARN; the detector finds anomalies
as without a key; disabling the key makes ListAnomalies (of the detector
and of all detectors) and UpdateAnomaly fail with the key's error while
GetLogAnomalyDetector still answers, and enabling it restores them. At
rest (read from the store's own tables, on either backend), the encrypted
detector's pattern strings, tokens and log samples are sealed — none in
clear in its records — while a detector without a key keeps them as they
are (the control that the check can see them). The test windows are those
of 3202 (events written before the detector, with their own timestamps;
waits poll until a deadline)."""
import json
import os
import sqlite3
import sys
import time

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call, on_pg, psql  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "/ad/kms"
GARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)
DEADLINE = 60
BURST = "disk failure on volume <*> sector <*>"
REFUSED = ("The specified KMS key does not exist or is not allowed to be "
           "used with Arn 'arn:aws:logs:%s:%s:anomaly-detector:"
           % (REGION, ACCOUNT))


def policy(context_arn):
    """The account root, and the Logs service under context_arn."""
    return json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
         "Action": "kms:*", "Resource": "*"},
        {"Effect": "Allow",
         "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
         "Action": ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey*",
                    "kms:DescribeKey"], "Resource": "*",
         "Condition": {"ArnLike": {
             "kms:EncryptionContext:aws:logs:arn": context_arn}}}]})


def call(srv, op, **body):
    st, out = logs_call(srv, op, body, region=REGION)
    if st != 200:
        raise botocore.exceptions.ClientError({"Error": {
            "Code": out.get("__type", "").split("#")[-1],
            "Message": out.get("message", "")}}, op)
    return out


def stored_docs(srv, table, column, value):
    """The doc column of the store's rows of `table` whose `column` is
    value (read from the store itself: SQLite file or PostgreSQL)."""
    sql = "SELECT doc FROM %s WHERE %s = '%s'" % (table, column, value)
    if on_pg():
        return psql(sql, srv.store_uri)
    db = sqlite3.connect(os.path.join(srv.data_dir, "logvault.db"))
    try:
        return [r[0] for r in db.execute(sql)]
    finally:
        db.close()


def wait_for(fn, what):
    end = time.time() + DEADLINE
    while time.time() < end:
        got = fn()
        if got:
            return got
        time.sleep(0.25)
    t.ok(what, False, "not seen within %ds" % DEADLINE)
    return None


with Server(env={"LOGVAULT_TEST_ANOMALY_WINDOW_MS": "1000"}) as srv:
    logs = srv.client("logs", region=REGION)
    kms = srv.client("kms", region=REGION)
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    base = int(time.time() * 1000) // 1000 * 1000
    events = []
    for k in range(9, 0, -1):
        w0 = base - k * 1000
        events += [{"timestamp": w0 + 100 + i, "message":
                    "user login ok id %d" % (i + k)} for i in range(5)]
        if k == 1:
            events += [{"timestamp": w0 + 500 + i, "message":
                        "disk failure on volume vol%d sector %d" % (i, i)}
                       for i in range(20)]
    logs.put_log_events(logGroupName=GROUP, logStreamName="s",
                        logEvents=events)

    det_key = kms.create_key(Policy=policy(
        "arn:aws:logs:%s:%s:anomaly-detector:*" % (REGION, ACCOUNT)))[
        "KeyMetadata"]
    group_key = kms.create_key(Policy=policy(
        "arn:aws:logs:%s:%s:log-group:*" % (REGION, ACCOUNT)))["KeyMetadata"]
    plain_key = kms.create_key()["KeyMetadata"]
    rsa = kms.create_key(KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT",
                         Policy=policy("*"))["KeyMetadata"]

    # ---- keys the Logs service may not use for a detector -------------------
    for name, key, code, msg in [
            ("no Logs statement", plain_key["Arn"], "AccessDeniedException",
             REFUSED),
            ("allowed for log groups only", group_key["Arn"],
             "AccessDeniedException", REFUSED),
            ("missing key", "arn:aws:kms:%s:%s:key/"
             "11111111-2222-3333-4444-555555555555" % (REGION, ACCOUNT),
             "AccessDeniedException", REFUSED),
            ("asymmetric key", rsa["Arn"], "InvalidParameterException",
             "is not a symmetric encryption key")]:
        t.error("create refused: %s" % name, code, call, srv,
                "CreateLogAnomalyDetector", logGroupArnList=[GARN],
                kmsKeyId=key, msg=msg)
    t.eq("nothing created by the refusals", [],
         call(srv, "ListLogAnomalyDetectors")["anomalyDetectors"])

    # ---- a detector under its key -------------------------------------------
    arn = call(srv, "CreateLogAnomalyDetector", logGroupArnList=[GARN],
               detectorName="enc", evaluationFrequency="ONE_MIN",
               kmsKeyId=det_key["Arn"])["anomalyDetectorArn"]
    got = call(srv, "GetLogAnomalyDetector", anomalyDetectorArn=arn)
    t.eq("get: kmsKeyId is the key's ARN", det_key["Arn"],
         got.get("kmsKeyId"))
    t.eq("list: kmsKeyId", [det_key["Arn"]],
         [d.get("kmsKeyId") for d in call(
             srv, "ListLogAnomalyDetectors")["anomalyDetectors"]])
    plain = call(srv, "CreateLogAnomalyDetector", logGroupArnList=[GARN],
                 detectorName="plain")["anomalyDetectorArn"]
    t.ok("get: no kmsKeyId without a key", "kmsKeyId" not in call(
        srv, "GetLogAnomalyDetector", anomalyDetectorArn=plain))

    def burst_of(det):
        out = call(srv, "ListAnomalies", anomalyDetectorArn=det)["anomalies"]
        return [a for a in out if a["patternString"] == BURST]

    def the_burst():
        return burst_of(arn)

    found = wait_for(the_burst, "the encrypted detector reports the burst")
    wait_for(lambda: burst_of(plain), "the plain detector reports it too")

    # ---- at rest ------------------------------------------------------------
    enc_id, plain_id = arn.rsplit(":", 1)[1], plain.rsplit(":", 1)[1]
    clear = ["disk failure on volume", "user login ok"]
    docs = stored_docs(srv, "anomalies", "detector", plain_id)
    t.ok("control: a plain detector's anomalies hold the text in clear",
         docs and any(c in d for d in docs for c in clear), docs)
    docs = stored_docs(srv, "anomalies", "detector", enc_id)
    t.ok("encrypted: its anomalies are stored", len(docs) > 0, docs)
    t.eq("encrypted: no pattern, token or sample text in clear", [],
         [d for d in docs if any(c in d for c in clear)])
    t.ok("encrypted: each anomaly sealed, its other members kept",
         all("sealed" in json.loads(d) and "patternString" not in
             json.loads(d) and "logSamples" not in json.loads(d) and
             "priority" in json.loads(d) for d in docs), docs)
    ddoc = stored_docs(srv, "anomaly_detectors", "id", enc_id)
    t.ok("encrypted: the detector's patterns sealed, its data key wrapped",
         len(ddoc) == 1 and not any(c in ddoc[0] for c in clear) and
         "patterns" not in json.loads(ddoc[0]) and
         "sealed" in json.loads(ddoc[0]) and
         "dataKey" in json.loads(ddoc[0]), ddoc)
    pdoc = stored_docs(srv, "anomaly_detectors", "id", plain_id)
    t.ok("control: the plain detector's patterns in clear",
         len(pdoc) == 1 and "patterns" in json.loads(pdoc[0]), pdoc)

    if found:
        a = found[0]
        t.eq("anomaly: HIGH", "HIGH", a["priority"])
        t.ok("anomaly: its samples", all(
            s["message"].startswith("disk failure on volume vol")
            for s in a["logSamples"]) and len(a["logSamples"]) == 5,
             a["logSamples"])

        # ---- the key disabled: findings unreadable ----------------------
        kms.disable_key(KeyId=det_key["KeyId"])
        disabled = "The specified KMS key '%s' is disabled." % det_key["Arn"]
        t.error("disabled: ListAnomalies of the detector",
                "InvalidParameterException", call, srv, "ListAnomalies",
                anomalyDetectorArn=arn, msg=disabled)
        t.error("disabled: ListAnomalies of every detector",
                "InvalidParameterException", call, srv, "ListAnomalies",
                msg=disabled)
        t.error("disabled: UpdateAnomaly", "InvalidParameterException",
                call, srv, "UpdateAnomaly", anomalyDetectorArn=arn,
                anomalyId=a["anomalyId"], suppressionType="INFINITE",
                msg=disabled)
        t.eq("disabled: GetLogAnomalyDetector still answers",
             det_key["Arn"], call(srv, "GetLogAnomalyDetector",
                                  anomalyDetectorArn=arn).get("kmsKeyId"))
        t.ok("disabled: the plain detector's anomalies still list",
             isinstance(call(srv, "ListAnomalies",
                             anomalyDetectorArn=plain)["anomalies"], list))
        kms.enable_key(KeyId=det_key["KeyId"])
        t.eq("enabled again: readable, unchanged", [a["anomalyId"]],
             [x["anomalyId"] for x in the_burst()])
        call(srv, "UpdateAnomaly", anomalyDetectorArn=arn,
             anomalyId=a["anomalyId"], suppressionType="INFINITE")
        t.eq("enabled again: UpdateAnomaly works", [True],
             [x["suppressed"] for x in the_burst()])

        # ---- the Logs principal dropped from the policy ------------------
        kms.put_key_policy(KeyId=det_key["KeyId"], PolicyName="default",
                           Policy=policy("arn:aws:logs:%s:%s:log-group:*"
                                         % (REGION, ACCOUNT)))
        t.error("policy without the detector: ListAnomalies refused",
                "AccessDeniedException", call, srv, "ListAnomalies",
                anomalyDetectorArn=arn, msg=REFUSED)
t.done()
