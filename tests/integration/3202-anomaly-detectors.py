#!/usr/bin/env python3
"""Log anomaly detectors through boto3 (sent raw where Debian's botocore
lacks the operation): CreateLogAnomalyDetector, Get, Update, List, Delete,
ListAnomalies and UpdateAnomaly, their errors, and the evaluator: with the
test windows (LOGVAULT_TEST_ANOMALY_WINDOW_MS=1000, a new detector
evaluating the 10 windows before its creation) a steady pattern written
into nine past windows raises nothing, a burst of a new pattern in the
last of them is reported (HIGH, with its pattern string, samples,
histogram and tokens), and suppression, unsuppression and baseline change
its state. The events are written before the detector exists and carry
their own timestamps, so no check depends on timing; waits poll until a
deadline and fail when the state does not come."""
import os
import sys
import time

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "/ad/app"
GARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)
DEADLINE = 60
STEADY = "user login ok id <*>"
BURST = "disk failure on volume <*> sector <*>"


class RawLogs:
    RAW = ("create_log_anomaly_detector", "get_log_anomaly_detector",
           "update_log_anomaly_detector", "delete_log_anomaly_detector",
           "list_log_anomaly_detectors", "list_anomalies", "update_anomaly")

    def __init__(self, srv, client):
        self.srv = srv
        self.client = client

    def __getattr__(self, name):
        if name not in self.RAW:
            return getattr(self.client, name)
        op = "".join(w.capitalize() for w in name.split("_"))

        def call(**body):
            st, out = logs_call(self.srv, op, body, region=REGION)
            if st != 200:
                raise botocore.exceptions.ClientError({"Error": {
                    "Code": out.get("__type", "").split("#")[-1],
                    "Message": out.get("message", "")}}, op)
            return out
        return call


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
    logs = RawLogs(srv, srv.client("logs", region=REGION))
    logs.create_log_group(logGroupName=GROUP)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    base = int(time.time() * 1000) // 1000 * 1000
    events = []
    for k in range(9, 0, -1):           # windows [base-k s, base-(k-1) s)
        w0 = base - k * 1000
        events += [{"timestamp": w0 + 100 + i, "message":
                    "user login ok id %d" % (i + k)} for i in range(5)]
        if k == 1:
            events += [{"timestamp": w0 + 500 + i, "message":
                        "disk failure on volume vol%d sector %d" % (i, i)}
                       for i in range(20)]
    events.sort(key=lambda e: e["timestamp"])
    logs.put_log_events(logGroupName=GROUP, logStreamName="s",
                        logEvents=events)

    # ---- a detector over the group ------------------------------------------
    arn = logs.create_log_anomaly_detector(
        logGroupArnList=[GARN], detectorName="app",
        evaluationFrequency="ONE_MIN")["anomalyDetectorArn"]
    t.ok("create: an ARN of the scope",
         arn.startswith("arn:aws:logs:%s:%s:anomaly-detector:" %
                        (REGION, ACCOUNT)), arn)
    got = logs.get_log_anomaly_detector(anomalyDetectorArn=arn)
    t.eq("get: the name", "app", got["detectorName"])
    t.eq("get: the groups", [GARN], got["logGroupArnList"])
    t.eq("get: visibility 21 days by default", 21,
         got["anomalyVisibilityTime"])

    def the_burst():
        out = logs.list_anomalies(anomalyDetectorArn=arn)["anomalies"]
        return [a for a in out if a["patternString"] == BURST]

    found = wait_for(the_burst, "the new pattern is reported")
    if found:
        a = found[0]
        t.eq("anomaly: HIGH priority (20 events of a new pattern)", "HIGH",
             a["priority"])
        t.eq("anomaly: its detector", arn, a["anomalyDetectorArn"])
        t.eq("anomaly: Active", ("Active", False), (a["state"],
                                                    a["suppressed"]))
        t.eq("anomaly: histogram of its window", {str(base - 1000): 20},
             a["histogram"])
        t.eq("anomaly: 5 samples from the burst", 5, len(a["logSamples"]))
        t.ok("anomaly: the samples are the events",
             all(s["message"].startswith("disk failure on volume vol")
                 for s in a["logSamples"]))
        t.eq("anomaly: tokens", [False, False, False, False, True, False,
                                 True],
             [tok["isDynamic"] for tok in a["patternTokens"]])
        t.eq("anomaly: ids of AWS's lengths", (36, 32),
             (len(a["anomalyId"]), len(a["patternId"])))
        everything = logs.list_anomalies(anomalyDetectorArn=arn)["anomalies"]
        t.eq("no anomaly for the steady pattern", [],
             [x for x in everything if x["patternString"] == STEADY])
        # The evaluator writes a window's anomalies, then the detector's
        # state once its windows are done (anomaly_run.c evaluate): the
        # state may trail the anomalies by that much.
        def analyzing():
            return logs.get_log_anomaly_detector(anomalyDetectorArn=arn)[
                "anomalyDetectorStatus"] == "ANALYZING"
        t.ok("get: ANALYZING after its windows",
             wait_for(analyzing, "the detector reaches ANALYZING"))

        # Suppression, unsuppression, baseline.
        t.error("update anomaly: both ids", "InvalidParameterException",
                logs.update_anomaly, anomalyDetectorArn=arn,
                anomalyId=a["anomalyId"], patternId=a["patternId"])
        t.error("update anomaly: LIMITED needs a period",
                "InvalidParameterException", logs.update_anomaly,
                anomalyDetectorArn=arn, anomalyId=a["anomalyId"],
                suppressionType="LIMITED")
        logs.update_anomaly(anomalyDetectorArn=arn, anomalyId=a["anomalyId"],
                            suppressionType="INFINITE")
        sup = logs.list_anomalies(anomalyDetectorArn=arn,
                                  suppressionState="SUPPRESSED")["anomalies"]
        t.eq("suppressed: listed as SUPPRESSED", [a["anomalyId"]],
             [x["anomalyId"] for x in sup])
        t.eq("suppressed: state", ("Suppressed", True),
             (sup[0]["state"], sup[0]["suppressed"]) if sup else None)
        t.eq("suppressed: not UNSUPPRESSED", [],
             [x for x in logs.list_anomalies(
                 anomalyDetectorArn=arn,
                 suppressionState="UNSUPPRESSED")["anomalies"]
              if x["anomalyId"] == a["anomalyId"]])
        logs.update_anomaly(anomalyDetectorArn=arn, anomalyId=a["anomalyId"])
        t.eq("unsuppressed", [("Active", False)],
             [(x["state"], x["suppressed"]) for x in the_burst()])
        logs.update_anomaly(anomalyDetectorArn=arn,
                            patternId=a["patternId"],
                            suppressionType="LIMITED",
                            suppressionPeriod={"value": 2,
                                               "suppressionUnit": "HOURS"})
        lim = the_burst()
        t.ok("pattern-level LIMITED suppression",
             lim and lim[0]["isPatternLevelSuppression"] and
             lim[0]["suppressed"] and lim[0]["suppressedUntil"] -
             lim[0]["suppressedDate"] == 7200000, lim)
        logs.update_anomaly(anomalyDetectorArn=arn,
                            patternId=a["patternId"], baseline=True)
        t.eq("baseline: state", ["Baseline"],
             [x["state"] for x in the_burst()])

    # ---- errors -------------------------------------------------------------
    # A key the Logs service cannot use (here: none such); 3203 has the
    # rest of kmsKeyId.
    t.error("create: a missing kmsKeyId", "AccessDeniedException",
            logs.create_log_anomaly_detector, logGroupArnList=[GARN],
            kmsKeyId="arn:aws:kms:%s:%s:key/abc" % (REGION, ACCOUNT),
            msg="The specified KMS key does not exist or is not allowed to "
                "be used with Arn 'arn:aws:logs:%s:%s:anomaly-detector:"
                % (REGION, ACCOUNT))
    t.error("create: a group that does not exist",
            "ResourceNotFoundException", logs.create_log_anomaly_detector,
            logGroupArnList=[GARN + "-missing"])
    t.error("create: a bad filter pattern", "InvalidParameterException",
            logs.create_log_anomaly_detector, logGroupArnList=[GARN],
            filterPattern="{ $.x = ")
    t.error("get: unknown", "ResourceNotFoundException",
            logs.get_log_anomaly_detector,
            anomalyDetectorArn="arn:aws:logs:%s:%s:anomaly-detector:"
            "00000000-0000-0000-0000-000000000000" % (REGION, ACCOUNT))

    # ---- list, update, delete -----------------------------------------------
    other = logs.create_log_anomaly_detector(
        logGroupArnList=[GARN], detectorName="other")["anomalyDetectorArn"]
    listed = logs.list_log_anomaly_detectors(
        filterLogGroupArn=GARN)["anomalyDetectors"]
    t.eq("list: both", sorted([arn, other]),
         sorted(d["anomalyDetectorArn"] for d in listed))
    page = logs.list_log_anomaly_detectors(limit=1)
    page2 = logs.list_log_anomaly_detectors(limit=1,
                                            nextToken=page["nextToken"])
    t.eq("list: paged", sorted([arn, other]), sorted(
        d["anomalyDetectorArn"] for d in page["anomalyDetectors"] +
        page2["anomalyDetectors"]))
    logs.update_log_anomaly_detector(anomalyDetectorArn=other,
                                     enabled=False)
    t.eq("update: PAUSED", "PAUSED", logs.get_log_anomaly_detector(
        anomalyDetectorArn=other)["anomalyDetectorStatus"])
    logs.delete_log_anomaly_detector(anomalyDetectorArn=arn)
    t.error("delete: gone", "ResourceNotFoundException",
            logs.get_log_anomaly_detector, anomalyDetectorArn=arn)
    t.error("delete: its anomalies with it", "ResourceNotFoundException",
            logs.list_anomalies, anomalyDetectorArn=arn)

t.done()
