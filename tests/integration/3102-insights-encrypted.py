#!/usr/bin/env python3
"""Logs Insights over a KMS-encrypted log group (issue 12, Encryption): a
query reads the events through the group's key and completes; its results
(event text) never reach the store in clear; GetLogRecord reads through the
key too. With the key disabled, or with a key policy that no longer allows
logs.eu-west-2.amazonaws.com, a query ends Failed (the server's log says
why: the AccessDeniedException of GetLogEvents, naming the key and the
group) and GetLogRecord answers that AccessDeniedException; once the key is
usable again, queries complete again."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, on_pg, psql  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"
GROUP = "/insights/encrypted"
GROUP_ARN = "arn:aws:logs:%s:%s:log-group:%s" % (REGION, ACCOUNT, GROUP)
MARKER = "Zq7-insights-plaintext-marker"


def policy(with_logs):
    st = [{"Sid": "Enable IAM User Permissions", "Effect": "Allow",
           "Principal": {"AWS": "arn:aws:iam::%s:root" % ACCOUNT},
           "Action": "kms:*", "Resource": "*"}]
    if with_logs:
        st.append({"Effect": "Allow",
                   "Principal": {"Service": "logs.%s.amazonaws.com" % REGION},
                   "Action": ["kms:Encrypt*", "kms:Decrypt*",
                              "kms:ReEncrypt*", "kms:GenerateDataKey*",
                              "kms:Describe*"],
                   "Resource": "*"})
    return json.dumps({"Version": "2012-10-17", "Statement": st})


def run(logs, start_s, end_s):
    qid = logs.start_query(logGroupName=GROUP, startTime=start_s,
                           endTime=end_s,
                           queryString="fields @timestamp, @message "
                                       "| sort @timestamp asc")["queryId"]
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return qid, r
        time.sleep(0.05)
    return qid, r


def stored_text(srv):
    """Everything the store holds, as bytes (sqlite: its files; PostgreSQL:
    every row of every table as text)."""
    if on_pg():
        return "\n".join(psql(
            "SELECT string_agg(t::text, ' ') FROM insights_queries t",
            srv.store_uri)).encode()
    data = b""
    for root, _, names in os.walk(srv.data_dir):
        for n in names:
            if n == "root.key":
                continue
            with open(os.path.join(root, n), "rb") as f:
                data += f.read()
    return data


with Server() as srv:
    logs = srv.client("logs")
    kms = srv.client("kms")
    key = kms.create_key()["KeyMetadata"]["Arn"]
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(True))
    logs.create_log_group(logGroupName=GROUP, kmsKeyId=key)
    logs.create_log_stream(logGroupName=GROUP, logStreamName="s")
    base_s = int(time.time()) - 600
    logs.put_log_events(logGroupName=GROUP, logStreamName="s", logEvents=[
        {"timestamp": base_s * 1000 + i * 1000,
         "message": "%s event %d" % (MARKER, i)} for i in range(5)])
    end_s = base_s + 10

    qid, r = run(logs, base_s, end_s)
    t.eq("a query over the encrypted group completes", "Complete",
         r["status"])
    msgs = [{f["field"]: f["value"] for f in row}["@message"]
            for row in r["results"]]
    t.eq("its events, decrypted", ["%s event %d" % (MARKER, i)
                                   for i in range(5)], msgs)
    ptr = {f["field"]: f["value"] for f in r["results"][0]}["@ptr"]
    t.eq("GetLogRecord through the key", "%s event 0" % MARKER,
         logs.get_log_record(logRecordPointer=ptr)["logRecord"]["@message"])

    kms.disable_key(KeyId=key)
    qid, r = run(logs, base_s, end_s)
    t.eq("key disabled: the query fails", "Failed", r["status"])
    t.eq("… with no results", [], r["results"])
    t.ok("the log says why (the key and the group)",
         "query Failed query=%s why=The specified KMS key does not exist or "
         "is not allowed to be used with Arn '%s'" % (qid, GROUP_ARN)
         in srv.wait_log("query Failed query=%s why=" % qid))
    t.error("key disabled: GetLogRecord", "AccessDeniedException",
            logs.get_log_record, logRecordPointer=ptr, msg=GROUP_ARN)
    t.eq("DescribeQueries shows it Failed", "Failed", [
        q["status"] for q in logs.describe_queries()["queries"]
        if q["queryId"] == qid][0])
    kms.enable_key(KeyId=key)
    qid, r = run(logs, base_s, end_s)
    t.eq("re-enabled: complete again", ("Complete", 5),
         (r["status"], len(r["results"])))

    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(False))
    qid, r = run(logs, base_s, end_s)
    t.eq("a policy without the Logs principal: the query fails", "Failed",
         r["status"])
    t.error("… and GetLogRecord", "AccessDeniedException",
            logs.get_log_record, logRecordPointer=ptr)
    kms.put_key_policy(KeyId=key, PolicyName="default", Policy=policy(True))
    qid, r = run(logs, base_s, end_s)
    t.eq("the policy back: complete again", ("Complete", 5),
         (r["status"], len(r["results"])))

    t.eq("the server stops cleanly", 0, srv.stop())
    t.ok("results are never stored in clear",
         MARKER.encode() not in stored_text(srv))
t.done()
