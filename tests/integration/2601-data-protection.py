#!/usr/bin/env python3
"""Issue 17 item 2, data protection: PutDataProtectionPolicy /
GetDataProtectionPolicy / DeleteDataProtectionPolicy and the account-level
policy (PutAccountPolicy / DescribeAccountPolicies / DeleteAccountPolicy of
type DATA_PROTECTION_POLICY).

AWS ("Help protect sensitive log data with masking"; API_PutDataProtection
Policy): sensitive data is masked when it is ingested; events ingested
before the policy was set are not masked; a principal allowed logs:Unmask
reads the original with GetLogEvents / FilterLogEvents unmask=true. Card
numbers (only those passing Luhn's check), email addresses, AWS secret
keys, IP addresses and a custom identifier are put and every read path is
checked, as are the validation errors, logs:Unmask (a second IAM user whose
credentials deny it), the account policy applying to every group, and that
a delete unmasks nothing already ingested."""
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
ACCT = "123456789012"
ARN = "arn:aws:dataprotection::aws:data-identifier/"


def write_creds():
    fd, path = tempfile.mkstemp(prefix="lv-2601.", suffix=".ini")
    with os.fdopen(fd, "w") as f:
        f.write("[test]\nsecret_access_key = test\naccount_id = %s\n\n"
                % ACCT)
        f.write("[AKIAVIEWER000001]\nsecret_access_key = viewer-secret\n"
                "account_id = %s\nuser = viewer\n"
                "deny_actions = logs:Unmask\n\n" % ACCT)
    return path


def policy(ids, custom=None, findings=None, **extra):
    audit = {"FindingsDestination": findings or {}}
    doc = {"Name": "data-protection-policy", "Version": "2021-06-01",
           "Statement": [
               {"Sid": "audit", "DataIdentifier": ids,
                "Operation": {"Audit": audit}},
               {"Sid": "redact", "DataIdentifier": ids,
                "Operation": {"Deidentify": {"MaskConfig": {}}}}]}
    if custom:
        doc["Configuration"] = {"CustomDataIdentifier": custom}
    doc.update(extra)
    return json.dumps(doc)


def stars(text, *secrets):
    for s in secrets:
        text = text.replace(s, "*" * len(s))
    return text


CARD = "4111 1111 1111 1111"          # passes Luhn
NOT_CARD = "4111111111111112"         # 16 digits, fails Luhn
EMAIL = "jane.doe@example.com"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
SHA1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"  # 40 hex: not a key
IP = "192.168.10.20"
NOT_IP = "300.1.2.3"
EMP = "EMP-12345"

EVENTS = [
    "card %s paid" % CARD,
    "order %s is not a card" % NOT_CARD,
    "mail to %s bounced" % EMAIL,
    "aws_secret_access_key=%s" % SECRET,
    "commit %s" % SHA1,
    "client %s and %s" % (IP, NOT_IP),
    "badge %s entered" % EMP,
    "nothing sensitive here",
]
MASKED = [
    stars(EVENTS[0], CARD), EVENTS[1], stars(EVENTS[2], EMAIL),
    stars(EVENTS[3], SECRET), EVENTS[4], stars(EVENTS[5], IP),
    stars(EVENTS[6], EMP), EVENTS[7],
]
IDS = [ARN + "CreditCardNumber", ARN + "EmailAddress", ARN + "AwsSecretKey",
       ARN + "IpAddress", "EmployeeId"]
CUSTOM = [{"Name": "EmployeeId", "Regex": "EMP-[0-9]{5}"}]

creds = write_creds()
try:
    with Server("--credentials", creds) as srv:
        logs = srv.client("logs")
        viewer = srv.client("logs", key="AKIAVIEWER000001",
                            secret="viewer-secret")
        now = int(time.time() * 1000)

        def put(group, stream, msgs):
            logs.put_log_events(logGroupName=group, logStreamName=stream,
                                logEvents=[{"timestamp": now + i,
                                            "message": m}
                                           for i, m in enumerate(msgs)])

        def get(group, stream, client=None, **kw):
            r = (client or logs).get_log_events(
                logGroupName=group, logStreamName=stream,
                startFromHead=True, **kw)
            return [e["message"] for e in r["events"]]

        def insights(group, query):
            qid = logs.start_query(logGroupName=group,
                                   startTime=now // 1000 - 60,
                                   endTime=now // 1000 + 60,
                                   queryString=query)["queryId"]
            for _ in range(600):
                r = logs.get_query_results(queryId=qid)
                if r["status"] not in ("Scheduled", "Running"):
                    break
                time.sleep(0.05)
            t.eq("query %r completes" % query, "Complete", r["status"])
            return [{f["field"]: f["value"] for f in row}
                    for row in r["results"]]

        def filt(group, client=None, **kw):
            r = (client or logs).filter_log_events(logGroupName=group, **kw)
            return [e["message"] for e in r["events"]]

        logs.create_log_group(logGroupName="dp")
        logs.create_log_stream(logGroupName="dp", logStreamName="s")
        logs.create_log_group(logGroupName="dp-findings")
        put("dp", "s", ["before: %s %s" % (CARD, EMAIL)])

        # ---- validation ----
        bad = [
            ("not json", "{"),
            ("no Deidentify statement", json.dumps(
                {"Name": "p", "Version": "2021-06-01", "Statement": [
                    {"DataIdentifier": [ARN + "EmailAddress"],
                     "Operation": {"Audit": {"FindingsDestination": {}}}}]})),
            ("two Audit statements", json.dumps(
                {"Name": "p", "Version": "2021-06-01", "Statement": [
                    {"DataIdentifier": [ARN + "EmailAddress"],
                     "Operation": {"Audit": {"FindingsDestination": {}}}},
                    {"DataIdentifier": [ARN + "EmailAddress"],
                     "Operation": {"Audit": {"FindingsDestination": {}}}}]})),
            ("different identifier lists", json.dumps(
                {"Name": "p", "Version": "2021-06-01", "Statement": [
                    {"DataIdentifier": [ARN + "EmailAddress"],
                     "Operation": {"Audit": {"FindingsDestination": {}}}},
                    {"DataIdentifier": [ARN + "IpAddress"],
                     "Operation": {"Deidentify": {"MaskConfig": {}}}}]})),
            ("unknown identifier", policy([ARN + "NoSuchThing"])),
            ("Name is not decidable", policy([ARN + "Name"])),
            ("wrong version", policy([ARN + "EmailAddress"],
                                     Version="2012-10-17")),
            ("unknown element", policy([ARN + "EmailAddress"], Extra=1)),
            ("custom name undeclared", policy(["EmployeeId"])),
            ("custom regex too long", policy(
                ["X"], custom=[{"Name": "X", "Regex": "a" * 201}])),
            ("custom regex invalid", policy(
                ["X"], custom=[{"Name": "X", "Regex": "(unclosed"}])),
            ("eleven custom identifiers", policy(
                ["c%d" % i for i in range(11)],
                custom=[{"Name": "c%d" % i, "Regex": "x%d" % i}
                        for i in range(11)])),
            ("S3 findings destination", policy(
                [ARN + "EmailAddress"], findings={"S3": {"Bucket": "b"}})),
            ("findings group missing", policy(
                [ARN + "EmailAddress"],
                findings={"CloudWatchLogs": {"LogGroup": "nope"}})),
            ("too long", policy([ARN + "EmailAddress"],
                                Description="x" * 31000)),
        ]
        for name, doc in bad:
            t.error("invalid policy: " + name, "InvalidParameterException",
                    logs.put_data_protection_policy,
                    logGroupIdentifier="dp", policyDocument=doc)
        t.error("policy of a missing group", "ResourceNotFoundException",
                logs.put_data_protection_policy,
                logGroupIdentifier="nope", policyDocument=policy(IDS))
        r = logs.get_data_protection_policy(logGroupIdentifier="dp")
        t.ok("no policy yet", "policyDocument" not in r, r)

        # ---- a group policy ----
        doc = policy(IDS, custom=CUSTOM, findings={
            "CloudWatchLogs": {"LogGroup": "dp-findings"}})
        r = logs.put_data_protection_policy(logGroupIdentifier="dp",
                                            policyDocument=doc)
        t.eq("put answers the document", doc, r["policyDocument"])
        r = logs.get_data_protection_policy(logGroupIdentifier="dp")
        t.eq("get answers the document", doc, r.get("policyDocument"))
        t.ok("get has lastUpdatedTime", r.get("lastUpdatedTime", 0) > 0, r)
        put("dp", "s", EVENTS)
        before = "before: %s %s" % (CARD, EMAIL)

        t.eq("GetLogEvents masks", [before] + MASKED, get("dp", "s"))
        t.eq("FilterLogEvents masks", [before] + MASKED, filt("dp"))
        t.eq("FilterLogEvents answers masked", [MASKED[2]],
             filt("dp", filterPattern='"bounced"'))
        t.eq("FilterLogEvents searches the masked text", [before],
             filt("dp", filterPattern='"jane.doe"'))
        t.eq("FilterLogEvents finds what was masked", [MASKED[2], MASKED[3]],
             filt("dp", filterPattern='"********************"'))
        t.eq("FilterLogEvents unmask searches the original",
             [before, EVENTS[2]],
             filt("dp", filterPattern='"jane.doe"', unmask=True))
        # ---- the Audit statement's findings reports ----
        r = logs.get_log_events(logGroupName="dp-findings",
                                logStreamName="dp", startFromHead=True)
        reports = [json.loads(e["message"]) for e in r["events"]]
        t.eq("one report per event with sensitive data", 5, len(reports))
        garn = "arn:aws:logs:eu-west-2:%s:log-group:dp:*" % ACCT
        t.ok("reports name the group and a time",
             all(x.get("resourceArn") == garn and
                 len(x.get("auditTimestamp", "")) == 20 for x in reports),
             reports)
        byname = {}
        for x in reports:
            for d in x["dataIdentifiers"]:
                byname.setdefault(d["name"], []).append(d)
        start = EVENTS[2].index(EMAIL)
        t.eq("email report", [{"name": "EmailAddress", "count": 1,
                               "detections": [{"start": start,
                                               "end": start + len(EMAIL)}]}],
             byname.get("EmailAddress"))
        t.eq("identifiers reported", ["AwsSecretKey", "CreditCardNumber",
                                      "EmailAddress", "EmployeeId",
                                      "IpAddress"], sorted(byname))

        rows = insights("dp", "fields @message, @ptr "
                              "| sort @timestamp asc, @ingestionTime asc")
        t.eq("Insights masks @message", [before] + MASKED,
             [r.get("@message") for r in rows])
        rows = insights("dp", "fields @message | sort @timestamp asc, "
                              "@ingestionTime asc | unmask(@message)")
        t.eq("Insights unmask", [before] + EVENTS,
             [r.get("@message") for r in rows])
        t.error("viewer may not unmask (Insights)", "AccessDeniedException",
                viewer.start_query, logGroupName="dp",
                startTime=now // 1000 - 60, endTime=now // 1000 + 60,
                queryString="fields @message | unmask(@message)")
        rows = insights("dp", "filter @message like /\\*{20}/ "
                              "| fields @message")
        t.eq("Insights filters the masked text",
             sorted([MASKED[2], MASKED[3]]),
             sorted(r.get("@message") for r in rows))
        rows = insights("dp", "filter @message like 'bounced' "
                              "| fields @message, @ptr")
        ptr = rows[0]["@ptr"] if rows else ""
        rec = logs.get_log_record(logRecordPointer=ptr)["logRecord"]
        t.eq("GetLogRecord masks @message", MASKED[2], rec.get("@message"))
        rec = logs.get_log_record(logRecordPointer=ptr,
                                  unmask=True)["logRecord"]
        t.eq("GetLogRecord unmask", EVENTS[2], rec.get("@message"))
        t.error("viewer may not unmask (GetLogRecord)",
                "AccessDeniedException", viewer.get_log_record,
                logRecordPointer=ptr, unmask=True)
        t.eq("GetLogEvents unmask", [before] + EVENTS,
             get("dp", "s", unmask=True))
        t.eq("FilterLogEvents unmask", [before] + EVENTS,
             filt("dp", unmask=True))
        t.eq("viewer reads masked", [before] + MASKED,
             get("dp", "s", client=viewer))
        e = t.error("viewer may not unmask (GetLogEvents)",
                    "AccessDeniedException", viewer.get_log_events,
                    logGroupName="dp", logStreamName="s", unmask=True)
        if e:
            msg = e.response["Error"]["Message"]
            t.ok("AWS's wording", "not authorized to perform: logs:Unmask"
                 in msg and "user/viewer" in msg, msg)
        t.error("viewer may not unmask (FilterLogEvents)",
                "AccessDeniedException", viewer.filter_log_events,
                logGroupName="dp", unmask=True)

        # ---- delete: nothing ingested is unmasked ----
        logs.delete_data_protection_policy(logGroupIdentifier="dp")
        r = logs.get_data_protection_policy(logGroupIdentifier="dp")
        t.ok("deleted", "policyDocument" not in r, r)
        t.error("delete twice", "ResourceNotFoundException",
                logs.delete_data_protection_policy, logGroupIdentifier="dp")
        after = "after: %s" % EMAIL
        logs.put_log_events(logGroupName="dp", logStreamName="s",
                            logEvents=[{"timestamp": now + 100,
                                        "message": after}])
        t.eq("events ingested under the policy stay masked",
             [before] + MASKED + [after], get("dp", "s"))

        # ---- the account policy (raw calls: Debian's botocore predates
        # PutAccountPolicy) ----
        adoc = policy([ARN + "EmailAddress"])
        # (the other types: 2604)
        t.logs_error("policy type METRIC_EXTRACTION_POLICY refused",
                     "InvalidParameterException", srv, "PutAccountPolicy",
                     msg="METRIC_EXTRACTION_POLICY", policyName="acct",
                     policyDocument="{}",
                     policyType="METRIC_EXTRACTION_POLICY")
        t.logs_error("invalid account policy", "InvalidParameterException",
                     srv, "PutAccountPolicy", policyName="acct",
                     policyDocument=policy([ARN + "Address"]),
                     policyType="DATA_PROTECTION_POLICY")
        t.logs_error("selectionCriteria refused", "InvalidParameterException",
                     srv, "PutAccountPolicy", policyName="acct",
                     policyDocument=adoc, selectionCriteria="x",
                     policyType="DATA_PROTECTION_POLICY")
        st, r = logs_call(srv, "DescribeAccountPolicies",
                          {"policyType": "SUBSCRIPTION_FILTER_POLICY"})
        t.eq("no policy of another type", (200, []),
             (st, r.get("accountPolicies")))
        t.logs_error("delete of another type", "ResourceNotFoundException",
                     srv, "DeleteAccountPolicy", policyName="acct",
                     policyType="SUBSCRIPTION_FILTER_POLICY")
        st, r = logs_call(srv, "PutAccountPolicy", {
            "policyName": "acct", "policyDocument": adoc,
            "policyType": "DATA_PROTECTION_POLICY", "scope": "ALL"})
        ap = r.get("accountPolicy", {})
        t.eq("account policy answered",
             (200, "acct", adoc, "DATA_PROTECTION_POLICY", "ALL", ACCT),
             (st, ap.get("policyName"), ap.get("policyDocument"),
              ap.get("policyType"), ap.get("scope"), ap.get("accountId")))
        st, r = logs_call(srv, "DescribeAccountPolicies",
                          {"policyType": "DATA_PROTECTION_POLICY"})
        t.eq("described", (200, ["acct"]),
             (st, [p["policyName"] for p in r.get("accountPolicies", [])]))
        logs.create_log_group(logGroupName="dp2")
        logs.create_log_stream(logGroupName="dp2", logStreamName="s")
        put("dp2", "s", ["to %s from %s" % (EMAIL, IP)])
        want = ["to %s from %s" % ("*" * len(EMAIL), IP)]
        t.eq("account policy masks a new group", want, get("dp2", "s"))
        t.eq("account policy masks (filter)", want, filt("dp2"))
        t.eq("account policy masks (Insights)", want,
             [r.get("@message") for r in insights("dp2", "fields @message")])
        st, r = logs_call(srv, "DeleteAccountPolicy", {
            "policyName": "acct", "policyType": "DATA_PROTECTION_POLICY"})
        t.eq("account policy deleted", 200, st)
        t.logs_error("delete account policy twice",
                     "ResourceNotFoundException", srv, "DeleteAccountPolicy",
                     policyName="acct", policyType="DATA_PROTECTION_POLICY")
        st, r = logs_call(srv, "DescribeAccountPolicies",
                          {"policyType": "DATA_PROTECTION_POLICY"})
        t.eq("none described", (200, []), (st, r.get("accountPolicies")))
        t.eq("still masked after the delete", want, get("dp2", "s"))
finally:
    os.unlink(creds)
t.done()
