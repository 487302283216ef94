"""Log group classes (src/logs/classes.c): what each of STANDARD,
INFREQUENT_ACCESS and DELIVERY allows among the operations logvault
implements — metric filters, field index policies, reads, retention, and
Insights with the commands an Infrequent Access group refuses (pattern,
diff, filterIndex, unmask) — each refusal an InvalidParameterException
naming the class, and the same operation accepted on a Standard group."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

t = T()
MF = [{"metricName": "m", "metricNamespace": "ns", "metricValue": "1"}]


def wait_done(logs, qid):
    r = None
    for _ in range(600):
        r = logs.get_query_results(queryId=qid)
        if r["status"] not in ("Scheduled", "Running"):
            return r
        time.sleep(0.05)
    return r


def query(logs, group, q):
    now = int(time.time())
    return logs.start_query(logGroupName=group, startTime=now - 3600,
                            endTime=now + 60, queryString=q)


with Server() as srv:
    logs = srv.client("logs")
    now_ms = int(time.time() * 1000)
    groups = {"STANDARD": "/cls/std", "INFREQUENT_ACCESS": "/cls/ia",
              "DELIVERY": "/cls/dl"}
    for cls, name in groups.items():
        # Raw: Debian's botocore predates logGroupClass.
        st, out = logs_call(srv, "CreateLogGroup", {
            "logGroupName": name, "logGroupClass": cls})
        t.eq("create " + cls, (200, {}), (st, out))
        logs.create_log_stream(logGroupName=name, logStreamName="s")
        logs.put_log_events(logGroupName=name, logStreamName="s",
                            logEvents=[{"timestamp": now_ms,
                                        "message": '{"a": "x"}'}])
    st, out = logs_call(srv, "DescribeLogGroups",
                        {"logGroupNamePrefix": "/cls/"})
    got = {g["logGroupName"]: g.get("logGroupClass")
           for g in out.get("logGroups", [])}
    t.eq("classes shown", {v: k for k, v in groups.items()}, got)

    std, ia, dl = groups["STANDARD"], groups["INFREQUENT_ACCESS"], \
        groups["DELIVERY"]

    # ---- metric filters: Standard only -------------------------------------
    logs.put_metric_filter(logGroupName=std, filterName="f",
                           filterPattern="x", metricTransformations=MF)
    for name, title in ((ia, "Infrequent Access"), (dl, "Delivery")):
        t.error("metric filter on " + name, "InvalidParameterException",
                logs.put_metric_filter, logGroupName=name, filterName="f",
                filterPattern="x", metricTransformations=MF,
                msg="log groups in the %s log class" % title)
    t.eq("no metric filter stored on the refused groups", [],
         [f["logGroupName"] for f in logs.describe_metric_filters()[
             "metricFilters"] if f["logGroupName"] != std])

    # ---- reads: not on Delivery --------------------------------------------
    for name in (std, ia):
        t.eq("get events " + name, 1, len(logs.get_log_events(
            logGroupName=name, logStreamName="s",
            startFromHead=True)["events"]))
        t.eq("filter events " + name, 1, len(logs.filter_log_events(
            logGroupName=name)["events"]))
    t.error("get events on delivery", "InvalidParameterException",
            logs.get_log_events, logGroupName=dl, logStreamName="s",
            msg="Delivery log class")
    t.error("filter events on delivery", "InvalidParameterException",
            logs.filter_log_events, logGroupName=dl,
            msg="Delivery log class")

    # ---- retention: fixed on Delivery --------------------------------------
    t.eq("delivery keeps one day", 1, [g for g in logs.describe_log_groups(
        logGroupNamePrefix=dl)["logGroups"]][0].get("retentionInDays"))
    for name in (std, ia):
        logs.put_retention_policy(logGroupName=name, retentionInDays=7)
        logs.delete_retention_policy(logGroupName=name)
    t.error("put retention on delivery", "InvalidParameterException",
            logs.put_retention_policy, logGroupName=dl, retentionInDays=7,
            msg="Delivery log class")
    t.error("delete retention on delivery", "InvalidParameterException",
            logs.delete_retention_policy, logGroupName=dl,
            msg="Delivery log class")
    t.eq("delivery retention unchanged", 1, logs.describe_log_groups(
        logGroupNamePrefix=dl)["logGroups"][0].get("retentionInDays"))

    # ---- Insights -----------------------------------------------------------
    t.error("no Insights on delivery", "InvalidParameterException",
            query, logs, dl, "fields @message",
            msg="Delivery log class")
    t.error("no field list on delivery", "InvalidParameterException",
            logs.get_log_group_fields, logGroupName=dl)
    r = wait_done(logs, query(logs, ia, "fields @message")["queryId"])
    t.eq("plain query on IA", ("Complete", 1), (r["status"],
                                                len(r["results"])))
    # diff needs a pattern before it; the first refused command is named.
    for cmd, q in (("pattern", "pattern @message"),
                   ("pattern", "pattern @message | diff"),
                   ("filterIndex", "filterIndex a = 'x'")):
        t.error(cmd + " refused on IA", "InvalidParameterException",
                query, logs, ia, q,
                msg="The %s command is not supported for log groups in "
                    "the Infrequent Access log class." % cmd)
        r = wait_done(logs, query(logs, std, q)["queryId"])
        t.eq(cmd + " runs on Standard", "Complete", r["status"])
    # Several groups: one Infrequent Access group refuses the whole query.
    now = int(time.time())
    t.error("mixed groups", "InvalidParameterException", logs.start_query,
            logGroupNames=[std, ia], startTime=now - 3600, endTime=now + 60,
            queryString="pattern @message", msg="Infrequent Access")
t.done()
