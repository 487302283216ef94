"""Tags through both APIs (TagResource / UntagResource / ListTagsForResource
by the group's ARN, and TagLogGroup / UntagLogGroup /
ListTagsLogGroup by name), the 50-tag limit, and retention policies: AWS's
list of days only, shown as retentionInDays, removed by
DeleteRetentionPolicy."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call as call  # noqa: E402

t = T()
err = t.logs_error
ACCOUNT = "123456789012"
REGION = "eu-west-2"
ARN = "arn:aws:logs:%s:%s:log-group:/tags/g" % (REGION, ACCOUNT)
DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
        1827, 2192, 2557, 2922, 3288, 3653]


with Server() as srv:
    logs = srv.client("logs")
    logs.create_log_group(logGroupName="/tags/g", tags={"a": "1"})

    # ---- tags ---------------------------------------------------------------
    t.eq("tags at create", {"a": "1"},
         logs.list_tags_for_resource(resourceArn=ARN)["tags"])
    logs.tag_resource(resourceArn=ARN, tags={"b": "2", "a": "one"})
    t.eq("tag resource adds and replaces", {"a": "one", "b": "2"},
         logs.list_tags_for_resource(resourceArn=ARN)["tags"])
    # The model's pattern for resourceArn has no "*": the ":*" form is
    # refused before it reaches the handler, as on AWS.
    t.error("ARN with :*", "InvalidParameterException", logs.tag_resource,
            resourceArn=ARN + ":*", tags={"c": ""})
    logs.tag_resource(resourceArn=ARN, tags={"c": ""})
    t.eq("empty value", {"a": "one", "b": "2", "c": ""},
         logs.list_tags_log_group(logGroupName="/tags/g")["tags"])
    logs.untag_resource(resourceArn=ARN, tagKeys=["a", "absent"])
    t.eq("untag resource", {"b": "2", "c": ""},
         logs.list_tags_for_resource(resourceArn=ARN)["tags"])
    logs.tag_log_group(logGroupName="/tags/g", tags={"d": "4"})
    logs.untag_log_group(logGroupName="/tags/g", tags=["b"])
    t.eq("older API", {"c": "", "d": "4"},
         logs.list_tags_log_group(logGroupName="/tags/g")["tags"])
    logs.create_log_group(logGroupName="/tags/empty")
    t.eq("no tags is an empty map", {},
         logs.list_tags_log_group(logGroupName="/tags/empty")["tags"])

    t.error("missing group by ARN", "ResourceNotFoundException",
            logs.tag_resource, resourceArn=ARN + "x", tags={"k": "v"},
            msg="The specified log group does not exist.")
    t.error("missing group by name", "ResourceNotFoundException",
            logs.tag_log_group, logGroupName="/nope", tags={"k": "v"})
    t.error("list missing", "ResourceNotFoundException",
            logs.list_tags_for_resource, resourceArn=ARN + "x")
    t.error("another region's ARN", "ResourceNotFoundException",
            logs.list_tags_for_resource,
            resourceArn="arn:aws:logs:us-east-1:%s:log-group:/tags/g"
            % ACCOUNT)
    t.error("a destination ARN", "ResourceNotFoundException",
            logs.list_tags_for_resource,
            resourceArn="arn:aws:logs:%s:%s:destination:d" % (REGION,
                                                              ACCOUNT))
    t.error("not an ARN", "InvalidParameterException",
            logs.tag_resource, resourceArn="/tags/g", tags={"k": "v"})
    t.error("aws: prefix", "InvalidParameterException",
            logs.tag_resource, resourceArn=ARN, tags={"aws:x": "v"})

    many = {"k%02d" % i: "v" for i in range(48)}
    logs.tag_resource(resourceArn=ARN, tags=many)
    t.eq("50 tags", 50,
         len(logs.list_tags_for_resource(resourceArn=ARN)["tags"]))
    logs.tag_resource(resourceArn=ARN, tags={"k00": "replaced"})
    t.error("51st tag", "TooManyTagsException", logs.tag_resource,
            resourceArn=ARN, tags={"one-more": "v"})
    t.eq("nothing written by the refused request", 50,
         len(logs.list_tags_for_resource(resourceArn=ARN)["tags"]))
    t.eq("a replace is not an add", "replaced",
         logs.list_tags_for_resource(resourceArn=ARN)["tags"]["k00"])
    t.error("51 tags at create (the model's limit)",
            "InvalidParameterException", logs.create_log_group,
            logGroupName="/tags/many",
            tags={"t%02d" % i: "v" for i in range(51)})

    # ---- retention ------------------------------------------------------------
    for d in DAYS:
        logs.put_retention_policy(logGroupName="/tags/g", retentionInDays=d)
        g = logs.describe_log_groups(
            logGroupNamePrefix="/tags/g")["logGroups"][0]
        if g.get("retentionInDays") != d:
            t.ok("retention %d" % d, False, repr(g))
    t.ok("every allowed value", True)
    for bad in [0, 2, 4, 13, 366, 3654, -1]:
        err("retention %d refused" % bad, "InvalidParameterException", srv,
            "PutRetentionPolicy", logGroupName="/tags/g",
            retentionInDays=bad,
            msg="Member must satisfy enum value set: [1, 3, 5, 7, 14")
    g = logs.describe_log_groups(logGroupNamePrefix="/tags/g")["logGroups"][0]
    t.eq("refusals change nothing", 3653, g["retentionInDays"])
    t.eq("retention comes after creationTime",
         ["logGroupName", "creationTime", "retentionInDays"],
         list(g.keys())[:3])
    logs.delete_retention_policy(logGroupName="/tags/g")
    g = logs.describe_log_groups(logGroupNamePrefix="/tags/g")["logGroups"][0]
    t.ok("retention removed", "retentionInDays" not in g)
    logs.delete_retention_policy(logGroupName="/tags/g")
    t.error("retention on a missing group", "ResourceNotFoundException",
            logs.put_retention_policy, logGroupName="/nope",
            retentionInDays=1,
            msg="The specified log group does not exist.")
    t.error("delete retention on a missing group",
            "ResourceNotFoundException", logs.delete_retention_policy,
            logGroupName="/nope")
    logs.put_retention_policy(logGroupName="/tags/g", retentionInDays=7)

    srv.restart()
    logs = srv.client("logs")
    g = logs.describe_log_groups(logGroupNamePrefix="/tags/g")["logGroups"][0]
    t.eq("retention survives a restart", 7, g["retentionInDays"])
    t.eq("tags survive a restart", 50,
         len(logs.list_tags_for_resource(resourceArn=ARN)["tags"]))
    logs.delete_log_group(logGroupName="/tags/g")
    logs.create_log_group(logGroupName="/tags/g")
    t.eq("tags go with the group", {},
         logs.list_tags_for_resource(resourceArn=ARN)["tags"])

t.done()
