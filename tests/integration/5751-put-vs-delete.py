"""PutLogEvents racing DeleteLogGroup / DeleteLogStream and their
re-creation (with and without a KMS key): a batch whose group or stream
is deleted between its lookup and its commit is answered as if the
deletion had come first — ResourceNotFoundException with AWS's message —
never ServiceUnavailableException (which says the server is at fault and
makes SDKs retry). Nothing of a refused batch is stored, and the group
works at once after the race."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
ROUNDS = 150
GONE = {"The specified log group does not exist.",
        "The specified log stream does not exist."}

with Server() as srv:
    kms = srv.client("kms")
    policy = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
         "Principal": {"AWS": "arn:aws:iam::123456789012:root"}},
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*",
         "Principal": {"Service": "logs.eu-west-2.amazonaws.com"}}]}
    key = kms.create_key(Policy=json.dumps(policy))["KeyMetadata"]["Arn"]
    done = threading.Event()
    answers = {}
    lock = threading.Lock()

    def note(what):
        with lock:
            answers[what] = answers.get(what, 0) + 1

    def putter():
        while not done.is_set():
            st, out = logs_call(srv, "PutLogEvents", {
                "logGroupName": "g", "logStreamName": "s",
                "logEvents": [{"timestamp": int(time.time() * 1000),
                               "message": "racing"}]})
            if st == 200:
                note("ok")
            elif st == 400 and out.get("__type") == \
                    "ResourceNotFoundException" and \
                    out.get("message") in GONE:
                note("gone")
            else:
                note((st, out.get("__type"), out.get("message")))

    def recreator():
        for i in range(ROUNDS):
            if i % 2:
                logs_call(srv, "DeleteLogStream", {"logGroupName": "g",
                                                   "logStreamName": "s"})
            else:
                logs_call(srv, "DeleteLogGroup", {"logGroupName": "g"})
                body = {"logGroupName": "g"}
                if i % 4:
                    body["kmsKeyId"] = key
                logs_call(srv, "CreateLogGroup", body)
            logs_call(srv, "CreateLogStream", {"logGroupName": "g",
                                               "logStreamName": "s"})
        done.set()

    threads = [threading.Thread(target=putter) for _ in range(3)]
    threads.append(threading.Thread(target=recreator))
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    odd = {k: v for k, v in answers.items() if k not in ("ok", "gone")}
    t.eq("every answer is 200 or ResourceNotFoundException", {}, odd)
    t.ok("the race happened (some batches stored, some refused)",
         answers.get("ok", 0) > 0 and answers.get("gone", 0) > 0, answers)

    logs_call(srv, "DeleteLogGroup", {"logGroupName": "g"})
    logs_call(srv, "CreateLogGroup", {"logGroupName": "g",
                                      "kmsKeyId": key})
    logs_call(srv, "CreateLogStream", {"logGroupName": "g",
                                       "logStreamName": "s"})
    now = int(time.time() * 1000)
    st, _ = logs_call(srv, "PutLogEvents", {
        "logGroupName": "g", "logStreamName": "s",
        "logEvents": [{"timestamp": now, "message": "after"}]})
    t.eq("put after the race", 200, st)
    st, out = logs_call(srv, "GetLogEvents", {"logGroupName": "g",
                                              "logStreamName": "s"})
    t.eq("the new group holds only its own event", ["after"],
         [e["message"] for e in out.get("events", [])])
    log = srv.read_log()
    t.ok("no store fault logged", "FOREIGN KEY" not in log,
         [ln for ln in log.splitlines() if "FOREIGN KEY" in ln][:2])

t.done()
