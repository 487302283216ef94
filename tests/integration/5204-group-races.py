#!/usr/bin/env python3
"""Issue 10 §2, Logs side: every change to a log group touches only its own
field, atomically against the row as it stands. In bounded trials, one
thread per field changes a group again and again — AssociateKmsKey /
DisassociateKmsKey, PutRetentionPolicy / DeleteRetentionPolicy,
PutLogGroupDeletionProtection, TagResource / TagLogGroup / UntagResource,
PutMetricFilter — while unrelated writers (PutLogEvents, CreateLogStream)
work on the same group. After each trial, every field holds the last
change its thread saw acknowledged, and storedBytes counts every event
that was acknowledged. A transient ServiceUnavailableException is retried
(it must leave nothing behind); any other error fails the test."""
import json
import os
import random
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
TRIALS = 6
OPS = 6
RETRY = ("ServiceUnavailableException", "ThrottlingException")
ROOT = {"Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
        "Action": "kms:*", "Resource": "*"}
LOGS = {"Effect": "Allow",
        "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
        "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*",
                   "kms:GenerateDataKey*", "kms:Describe*"],
        "Resource": "*"}


def now_ms():
    return int(time.time() * 1000)


class Trial:
    def __init__(self, srv, group, keys, seed):
        self.srv = srv
        self.group = group
        self.arn = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT,
                                                        group)
        self.keys = keys
        self.rnd = random.Random(seed)
        self.errors = []
        self.want = {}
        self.bytes = 0
        self.lock = threading.Lock()
        self.go = threading.Barrier(7)

    def call(self, op, body):
        """A raw Logs call, retried while it answers 503; False (and the
        error noted) on any other failure."""
        for _ in range(50):
            status, out = logs_call(self.srv, op, body)
            if status == 200:
                return True
            if out.get("__type") not in RETRY:
                with self.lock:
                    self.errors.append((op, status, out))
                return False
            time.sleep(0.01)
        with self.lock:
            self.errors.append((op, "still unavailable"))
        return False

    def ops(self, rnd):
        return [rnd.random() for _ in range(OPS)]

    # ---- one thread per field -------------------------------------------
    def kms(self, rnd):
        last = None
        for _ in range(OPS):
            k = rnd.choice(self.keys + [None])
            if k is None:
                ok = self.call("DisassociateKmsKey",
                               {"logGroupName": self.group})
            else:
                ok = self.call("AssociateKmsKey",
                               {"logGroupName": self.group, "kmsKeyId": k})
            if ok:
                last = ("kms", k)
        self.want["kmsKeyId"] = last[1] if last else None

    def retention(self, rnd):
        last = None
        for _ in range(OPS):
            d = rnd.choice([1, 7, 30, 3653, None])
            if d is None:
                ok = self.call("DeleteRetentionPolicy",
                               {"logGroupName": self.group})
            else:
                ok = self.call("PutRetentionPolicy",
                               {"logGroupName": self.group,
                                "retentionInDays": d})
            if ok:
                last = ("retention", d)
        self.want["retentionInDays"] = last[1] if last else None

    def protection(self, rnd):
        last = None
        for _ in range(OPS):
            on = rnd.choice([True, False])
            if self.call("PutLogGroupDeletionProtection",
                         {"logGroupIdentifier": self.group,
                          "deletionProtectionEnabled": on}):
                last = on
        self.want["deletionProtectionEnabled"] = bool(last)

    def tags(self, rnd):
        want = {}
        for i in range(OPS):
            key = rnd.choice(["a", "b"])
            how = rnd.choice(["TagResource", "TagLogGroup", "UntagResource"])
            val = "v%d" % i
            if how == "TagResource":
                ok = self.call(how, {"resourceArn": self.arn,
                                     "tags": {key: val}})
            elif how == "TagLogGroup":
                ok = self.call(how, {"logGroupName": self.group,
                                     "tags": {key: val}})
            else:
                ok = self.call(how, {"resourceArn": self.arn,
                                     "tagKeys": [key]})
                val = None
            if ok:
                want[key] = val
        self.want["tags"] = {k: v for k, v in want.items() if v is not None}

    def metric(self, rnd):
        last = None
        for i in range(OPS):
            pat = "ERROR%d" % rnd.randrange(1000)
            if self.call("PutMetricFilter", {
                    "logGroupName": self.group, "filterName": "f",
                    "filterPattern": pat,
                    "metricTransformations": [{
                        "metricName": "m%d" % i, "metricNamespace": "n",
                        "metricValue": "1"}]}):
                last = pat
        self.want["filter"] = last

    def events(self, rnd):
        """Unrelated writers: new streams and events in the group."""
        for i in range(OPS):
            stream = "s%d" % i
            if not self.call("CreateLogStream", {"logGroupName": self.group,
                                                 "logStreamName": stream}):
                continue
            msg = "event %d %s" % (i, "x" * rnd.randrange(50))
            if self.call("PutLogEvents", {
                    "logGroupName": self.group, "logStreamName": stream,
                    "logEvents": [{"timestamp": now_ms(),
                                   "message": msg}]}):
                self.bytes += len(msg.encode()) + 26

    def run(self):
        workers = [self.kms, self.retention, self.protection, self.tags,
                   self.metric, self.events]
        seeds = [self.rnd.randrange(1 << 30) for _ in workers]

        def body(fn, seed):
            self.go.wait()
            fn(random.Random(seed))

        ths = [threading.Thread(target=body, args=(fn, s))
               for fn, s in zip(workers, seeds)]
        for th in ths:
            th.start()
        self.go.wait()
        for th in ths:
            th.join(timeout=120)
        return not any(th.is_alive() for th in ths)


with Server() as srv:
    kms = srv.client("kms")
    logs = srv.client("logs")
    keys = []
    for _ in range(2):
        arn = kms.create_key()["KeyMetadata"]["Arn"]
        kms.put_key_policy(KeyId=arn, PolicyName="default", Policy=json.dumps(
            {"Version": "2012-10-17", "Statement": [ROOT, LOGS]}))
        keys.append(arn)

    for trial in range(TRIALS):
        g = "race-%d" % trial
        logs.create_log_group(logGroupName=g)
        tr = Trial(srv, g, keys, trial)
        t.ok("trial %d finished" % trial, tr.run())
        t.eq("trial %d: no errors" % trial, [], tr.errors)
        _, out = logs_call(srv, "DescribeLogGroups",
                           {"logGroupNamePrefix": g})
        got = out["logGroups"][0]
        t.eq("trial %d: kmsKeyId" % trial, tr.want["kmsKeyId"],
             got.get("kmsKeyId"))
        t.eq("trial %d: retentionInDays" % trial,
             tr.want["retentionInDays"], got.get("retentionInDays"))
        t.eq("trial %d: deletionProtectionEnabled" % trial,
             tr.want["deletionProtectionEnabled"],
             got.get("deletionProtectionEnabled"))
        t.eq("trial %d: tags" % trial, tr.want["tags"],
             logs.list_tags_log_group(logGroupName=g).get("tags", {}))
        mf = logs.describe_metric_filters(logGroupName=g)["metricFilters"]
        t.eq("trial %d: metric filter" % trial, tr.want["filter"],
             mf[0]["filterPattern"] if mf else None)
        t.eq("trial %d: storedBytes" % trial, tr.bytes, got["storedBytes"])
t.done()
