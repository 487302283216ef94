"""Log groups with boto3 (Debian's botocore 1.29, so members and operations
newer than it go through signed raw requests): CreateLogGroup (names, duplicates, class, tags,
deletion protection), DescribeLogGroups (fields in AWS's order, prefix,
pattern, class, identifiers, limit and nextToken paging, bad tokens,
mutual exclusions), ListLogGroups, PutLogGroupDeletionProtection,
DeleteLogGroup, and that everything survives a restart."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
err = t.logs_error
ACCOUNT = "123456789012"
REGION = "eu-west-2"


def arn(name, star=True):
    return "arn:aws:logs:%s:%s:log-group:%s%s" % (REGION, ACCOUNT, name,
                                                  ":*" if star else "")


def ok(srv, op, **body):
    status, out = call(srv, op, body)
    if status != 200:
        raise RuntimeError("%s: %d %r" % (op, status, out))
    return out


def describe_all(logs, **kw):
    """Every group through nextToken paging; returns (groups, pages)."""
    groups, pages, token = [], 0, None
    while True:
        args = dict(kw)
        if token:
            args["nextToken"] = token
        r = logs.describe_log_groups(**args)
        pages += 1
        groups += r["logGroups"]
        token = r.get("nextToken")
        if not token:
            return groups, pages


with Server() as srv:
    logs = srv.client("logs")

    # ---- CreateLogGroup --------------------------------------------------
    logs.create_log_group(logGroupName="/app/web")
    g = ok(srv, "DescribeLogGroups", logGroupNamePrefix="/app/web")["logGroups"]
    t.eq("one group", 1, len(g))
    g = g[0]
    t.eq("group member order",
         ["logGroupName", "creationTime", "metricFilterCount", "arn",
          "storedBytes", "logGroupClass", "logGroupArn",
          "deletionProtectionEnabled"], list(g.keys()))
    t.eq("arn has :*", arn("/app/web"), g["arn"])
    t.eq("logGroupArn has no :*", arn("/app/web", False), g["logGroupArn"])
    t.eq("class defaults to STANDARD", "STANDARD", g["logGroupClass"])
    t.eq("stored bytes", 0, g["storedBytes"])
    t.eq("metric filters", 0, g["metricFilterCount"])
    t.eq("no protection", False, g["deletionProtectionEnabled"])
    t.ok("creation time is ms", g["creationTime"] > 1_600_000_000_000)
    t.ok("no retention, no key", "retentionInDays" not in g and
         "kmsKeyId" not in g)

    t.error("duplicate", "ResourceAlreadyExistsException",
            logs.create_log_group, logGroupName="/app/web",
            msg="The specified log group already exists")
    t.error("aws/ reserved", "InvalidParameterException",
            logs.create_log_group, logGroupName="aws/mine",
            msg="Log groups starting with AWS/ are reserved for AWS.")
    t.error("AWS/ reserved too", "InvalidParameterException",
            logs.create_log_group, logGroupName="AWS/mine")
    logs.create_log_group(logGroupName="/aws/lambda/allowed")
    t.error("bad character", "InvalidParameterException",
            logs.create_log_group, logGroupName="bad name")
    t.error("too long", "InvalidParameterException",
            logs.create_log_group, logGroupName="x" * 513)
    logs.create_log_group(logGroupName="x" * 512)
    err("empty", "InvalidParameterException", srv, "CreateLogGroup",
        logGroupName="")
    err("bad class", "InvalidParameterException", srv, "CreateLogGroup",
        logGroupName="c", logGroupClass="COLD")

    ok(srv, "CreateLogGroup", logGroupName="ia",
       logGroupClass="INFREQUENT_ACCESS", deletionProtectionEnabled=True,
       tags={"team": "core", "env": "test"})
    g = ok(srv, "DescribeLogGroups", logGroupNamePrefix="ia")["logGroups"][0]
    t.eq("class kept", "INFREQUENT_ACCESS", g["logGroupClass"])
    t.eq("protection at create", True, g["deletionProtectionEnabled"])
    t.eq("tags at create", {"team": "core", "env": "test"},
         logs.list_tags_for_resource(resourceArn=arn("ia", False))["tags"])

    # ---- deletion protection -------------------------------------------------
    t.error("protected group", "ValidationException",
            logs.delete_log_group, logGroupName="ia",
            msg="Cannot delete log group with deletion protection enabled. "
                "Disable deletion protection first.")
    ok(srv, "PutLogGroupDeletionProtection", logGroupIdentifier=arn("ia", False),
       deletionProtectionEnabled=False)
    g = ok(srv, "DescribeLogGroups", logGroupNamePrefix="ia")["logGroups"][0]
    t.eq("protection off by ARN", False, g["deletionProtectionEnabled"])
    ok(srv, "PutLogGroupDeletionProtection", logGroupIdentifier="ia",
       deletionProtectionEnabled=True)
    t.error("protected again", "ValidationException",
            logs.delete_log_group, logGroupName="ia")
    ok(srv, "PutLogGroupDeletionProtection", logGroupIdentifier="ia",
       deletionProtectionEnabled=False)
    err("protection on a missing group", "ResourceNotFoundException", srv,
        "PutLogGroupDeletionProtection", logGroupIdentifier="nope",
        deletionProtectionEnabled=True,
        msg="The specified log group does not exist.")
    logs.delete_log_group(logGroupName="ia")
    t.error("deleted", "ResourceNotFoundException", logs.delete_log_group,
            logGroupName="ia", msg="The specified log group does not exist.")
    logs.create_log_group(logGroupName="ia")
    t.eq("recreated has no tags", {},
         logs.list_tags_log_group(logGroupName="ia")["tags"])

    # ---- DescribeLogGroups filters --------------------------------------------
    names = ["/svc/a", "/svc/B", "/svc/c/DataLogs", "/other/datalogs", "#x"]
    for n in names:
        logs.create_log_group(logGroupName=n)
    ok(srv, "CreateLogGroup", logGroupName="/svc/delivery",
       logGroupClass="DELIVERY")
    every = [g["logGroupName"] for g in describe_all(logs)[0]]
    t.eq("ascii order", sorted(every), every)
    t.eq("prefix", ["/svc/B", "/svc/a", "/svc/c/DataLogs", "/svc/delivery"],
         [g["logGroupName"] for g in
          logs.describe_log_groups(logGroupNamePrefix="/svc/")["logGroups"]])
    # AWS: "a case-sensitive substring search" — DataLogs matches
    # aws/DataLogs but not datalogs.
    r = logs.describe_log_groups(logGroupNamePattern="DataLogs")["logGroups"]
    t.eq("pattern is a case-sensitive substring", ["/svc/c/DataLogs"],
         [g["logGroupName"] for g in r])
    t.eq("pattern does not fold case", ["/other/datalogs"],
         [g["logGroupName"] for g in logs.describe_log_groups(
             logGroupNamePattern="datalogs")["logGroups"]])
    t.eq("pattern answers name, creationTime, arn",
         ["logGroupName", "creationTime", "arn"], list(r[0].keys()))
    t.eq("class filter", ["/svc/delivery"],
         [g["logGroupName"] for g in ok(srv, "DescribeLogGroups",
                                        logGroupClass="DELIVERY")["logGroups"]])
    d = logs.describe_log_groups(logGroupNamePrefix="/svc/delivery")
    t.eq("delivery keeps one day", 1, d["logGroups"][0]["retentionInDays"])
    t.error("prefix and pattern", "InvalidParameterException",
            logs.describe_log_groups, logGroupNamePrefix="/svc",
            logGroupNamePattern="svc",
            msg="LogGroup name prefix and LogGroup name pattern are "
                "mutually exclusive parameters.")
    r = ok(srv, "DescribeLogGroups",
           logGroupIdentifiers=["/svc/a", arn("#x", False), "/missing", "/svc/a"])
    t.eq("identifiers", ["#x", "/svc/a"],
         [g["logGroupName"] for g in r["logGroups"]])
    err("identifiers and prefix", "InvalidParameterException", srv,
        "DescribeLogGroups", logGroupIdentifiers=["/svc/a"],
        logGroupNamePrefix="/svc")
    r = logs.describe_log_groups(includeLinkedAccounts=True,
                                 accountIdentifiers=[ACCOUNT])
    t.ok("linked accounts ignored", len(r["logGroups"]) > 0)
    err("limit 0", "InvalidParameterException", srv, "DescribeLogGroups",
        limit=0)
    err("limit 51", "InvalidParameterException", srv, "DescribeLogGroups",
        limit=51)

    # ---- paging ---------------------------------------------------------------
    for i in range(60):
        logs.create_log_group(logGroupName="/page/g%02d" % i)
    full, pages = describe_all(logs, logGroupNamePrefix="/page/", limit=1)
    t.eq("limit 1 pages through all", ["/page/g%02d" % i for i in range(60)],
         [g["logGroupName"] for g in full])
    t.eq("one page per group", 60, pages)
    r = logs.describe_log_groups(logGroupNamePrefix="/page/")
    t.eq("default limit 50", 50, len(r["logGroups"]))
    t.ok("more to come", "nextToken" in r)
    r2 = logs.describe_log_groups(logGroupNamePrefix="/page/",
                                  nextToken=r["nextToken"])
    t.eq("rest", 10, len(r2["logGroups"]))
    t.ok("last page has no token", "nextToken" not in r2)
    r = logs.describe_log_groups(logGroupNamePrefix="/page/g0", limit=10)
    t.ok("exact fit has no token", "nextToken" not in r)
    full, _ = describe_all(logs, logGroupNamePattern="page/g1", limit=3)
    t.eq("pattern pages", ["/page/g%02d" % i for i in range(10, 20)],
         [g["logGroupName"] for g in full])
    tok = logs.describe_log_groups(limit=1)["nextToken"]
    for bad in ["garbage", tok[:-4] + "AAAA", "/page/g10", tok + "x",
                "eyJhZnRlciI6ICIvcGFnZSJ9"]:
        t.error("bad token %r" % bad[:20], "InvalidParameterException",
                logs.describe_log_groups, nextToken=bad,
                msg="The specified nextToken is invalid.")
    lt = ok(srv, "ListLogGroups", limit=1)["nextToken"]
    t.error("a ListLogGroups token is not a DescribeLogGroups one",
            "InvalidParameterException", logs.describe_log_groups,
            nextToken=lt, msg="The specified nextToken is invalid.")
    other = srv.client("logs", region="us-east-1")
    t.error("a token of another region", "InvalidParameterException",
            other.describe_log_groups, nextToken=tok)

    # ---- ListLogGroups ----------------------------------------------------------
    r = ok(srv, "ListLogGroups", logGroupNamePattern="^/svc")
    t.eq("list prefix pattern",
         ["/svc/B", "/svc/a", "/svc/c/DataLogs", "/svc/delivery"],
         [g["logGroupName"] for g in r["logGroups"]])
    t.eq("list members", {"logGroupName": "/svc/B",
                          "logGroupArn": arn("/svc/B", False),
                          "logGroupClass": "STANDARD"}, r["logGroups"][0])
    r = ok(srv, "ListLogGroups", logGroupNamePattern="DataLogs|^/svc/B")
    t.eq("list alternatives, case-sensitive", ["/svc/B", "/svc/c/DataLogs"],
         [g["logGroupName"] for g in r["logGroups"]])
    r = ok(srv, "ListLogGroups", logGroupNamePattern="g.5")
    t.eq("list wildcard", ["/page/g05", "/page/g15", "/page/g25",
                           "/page/g35", "/page/g45", "/page/g55"],
         [g["logGroupName"] for g in r["logGroups"]])
    r = ok(srv, "ListLogGroups", logGroupClass="DELIVERY")
    t.eq("list class", ["/svc/delivery"],
         [g["logGroupName"] for g in r["logGroups"]])
    logs.tag_resource(resourceArn=arn("/svc/a", False),
                      tags={"team": "x", "tier": "1"})
    logs.tag_resource(resourceArn=arn("/svc/B", False), tags={"team": "y"})
    r = ok(srv, "ListLogGroups", logGroupTags=[{"key": "team"}])
    t.eq("list tag key", ["/svc/B", "/svc/a"],
         [g["logGroupName"] for g in r["logGroups"]])
    r = ok(srv, "ListLogGroups", logGroupTags=[{"key": "team", "values": ["x"]},
                                           {"key": "tier"}])
    t.eq("list tag values", ["/svc/a"],
         [g["logGroupName"] for g in r["logGroups"]])
    seen, token = [], None
    while True:
        kw = {"logGroupNamePattern": "^/page/", "limit": 7}
        if token:
            kw["nextToken"] = token
        r = ok(srv, "ListLogGroups", **kw)
        seen += [g["logGroupName"] for g in r["logGroups"]]
        token = r.get("nextToken")
        if not token:
            break
    t.eq("list paging", ["/page/g%02d" % i for i in range(60)], seen)
    t.eq("list default 50", 50, len(ok(srv, "ListLogGroups", )["logGroups"]))
    err("list bad token", "InvalidParameterException", srv, "ListLogGroups",
        nextToken="nope", msg="The specified nextToken is invalid.")

    # ---- scope ---------------------------------------------------------------------
    t.eq("another region sees none", [],
         other.describe_log_groups()["logGroups"])
    other.create_log_group(logGroupName="/app/web")
    err("another region's ARN", "ResourceNotFoundException", srv,
        "PutLogGroupDeletionProtection",
        logGroupIdentifier="arn:aws:logs:us-east-1:%s:log-group:/app/web"
        % ACCOUNT, deletionProtectionEnabled=True)

    # ---- restart -----------------------------------------------------------------
    before = ok(srv, "DescribeLogGroups", limit=50)
    srv.restart()
    logs = srv.client("logs")
    t.eq("groups survive a restart", before,
         ok(srv, "DescribeLogGroups", limit=50))

t.done()
