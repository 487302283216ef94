#!/usr/bin/env python3
"""Integrations through boto3 (logs/integrations.c, log_object.c): the
OpenSearch Service integration needs a role and a service logvault does
not host, so PutIntegration fails (ValidationException naming the role),
Get/DeleteIntegration find nothing, ListIntegrations is empty; the S3
table integration operations name an integration that does not exist
(ResourceNotFoundException); GetLogObject finds no log object (logvault
never makes one); GetLogFields finds no data source (no AWS service vends
logs here); PutBearerTokenAuthentication refuses to enable what logvault
cannot do (no HTTP ingestion endpoints, SigV4 only) and accepts disabling
it, on a group that exists; the model's constraints come first."""
import os
import sys

import botocore.exceptions

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, logs_call  # noqa: E402

class RawLogs:
    """The Logs calls of this test as boto3 methods, sent raw (signed by
    lvtest.logs_call): the botocore the suite runs may predate these
    operations. An error is raised as botocore's ClientError, as a client
    would."""

    def __init__(self, srv):
        self.srv = srv

    def __getattr__(self, name):
        op = "".join(w.capitalize() for w in name.split("_"))

        def call(**body):
            st, out = logs_call(self.srv, op, body)
            if st != 200:
                raise botocore.exceptions.ClientError({"Error": {
                    "Code": out.get("__type", "").split("#")[-1],
                    "Message": out.get("message", "")}}, op)
            return out
        return call


t = T()
ROLE = "arn:aws:iam::123456789012:role/opensearch-logs"
S3T = ("arn:aws:logs:eu-west-2:123456789012:integration:"
       "s3-table-integration/abc")

with Server() as srv:
    logs = RawLogs(srv)
    cfg = {"openSearchResourceConfig": {
        "dataSourceRoleArn": ROLE,
        "dashboardViewerPrincipals": ["arn:aws:iam::123456789012:root"],
        "retentionDays": 30}}
    e = t.error("put integration: the role does not exist",
                "ValidationException", logs.put_integration,
                integrationName="os1", resourceConfig=cfg,
                integrationType="OPENSEARCH")
    t.ok("put integration: the message names the role",
         e and ROLE in e.response["Error"]["Message"], repr(e and e.response))
    t.error("put integration: a name outside the pattern",
            "InvalidParameterException", logs.put_integration,
            integrationName="a b", resourceConfig=cfg,
            integrationType="OPENSEARCH")
    t.error("put integration: an unknown type", "InvalidParameterException",
            logs.put_integration, integrationName="os1",
            resourceConfig=cfg, integrationType="SPLUNK")
    t.eq("list integrations: none was made", [],
         logs.list_integrations()["integrationSummaries"])
    t.eq("list integrations: none with a prefix", [],
         logs.list_integrations(
             integrationNamePrefix="os")["integrationSummaries"])
    e = t.error("get integration", "ResourceNotFoundException",
                logs.get_integration, integrationName="os1")
    t.ok("get integration: the message names it",
         e and "os1" in e.response["Error"]["Message"],
         repr(e and e.response))
    t.error("delete integration", "ResourceNotFoundException",
            logs.delete_integration, integrationName="os1", force=True)

    # S3 table integrations.
    t.error("associate: no such integration", "ResourceNotFoundException",
            logs.associate_source_to_s3_table_integration,
            integrationArn=S3T,
            dataSource={"name": "amazon_vpc", "type": "flow"})
    t.error("list sources: no such integration", "ResourceNotFoundException",
            logs.list_sources_for_s3_table_integration, integrationArn=S3T)
    t.error("disassociate: no such association",
            "ResourceNotFoundException",
            logs.disassociate_source_from_s3_table_integration,
            identifier="src-1")
    t.error("associate: dataSource without its name",
            "ValidationException",
            logs.associate_source_to_s3_table_integration,
            integrationArn=S3T, dataSource={"type": "flow"})

    # GetLogObject: logvault makes no log objects.
    e = t.error("get log object", "ResourceNotFoundException",
                logs.get_log_object, logObjectPointer="ptr-1")
    t.ok("get log object: the message names the pointer",
         e and "ptr-1" in e.response["Error"]["Message"],
         repr(e and e.response))
    t.error("get log object: a pointer of 513 characters",
            "InvalidParameterException", logs.get_log_object,
            logObjectPointer="p" * 513)

    # GetLogFields: no data source exists here.
    e = t.error("get log fields", "ResourceNotFoundException",
                logs.get_log_fields, dataSourceName="amazon_vpc",
                dataSourceType="flow")
    t.ok("get log fields: the message names the source",
         e and "amazon_vpc" in e.response["Error"]["Message"],
         repr(e and e.response))

    # ListAggregateLogGroupSummaries: no group here has a data source, so
    # no aggregate holds one (never a made-up data source); the request
    # is checked all the same.
    logs.create_log_group(logGroupName="agg-1")
    r = logs.list_aggregate_log_group_summaries(
        groupBy="DATA_SOURCE_NAME_AND_TYPE")
    t.eq("aggregate summaries: none", [], r.get("aggregateLogGroupSummaries"))
    t.error("aggregate summaries: groupBy is required",
            "InvalidParameterException",
            logs.list_aggregate_log_group_summaries)
    t.error("aggregate summaries: a groupBy outside the enum",
            "InvalidParameterException",
            logs.list_aggregate_log_group_summaries, groupBy="NAME")
    t.error("aggregate summaries: a pattern that is no regex",
            "InvalidParameterException",
            logs.list_aggregate_log_group_summaries,
            groupBy="DATA_SOURCE_NAME_AND_TYPE", logGroupNamePattern="(a")
    t.error("aggregate summaries: a token never issued",
            "InvalidParameterException",
            logs.list_aggregate_log_group_summaries,
            groupBy="DATA_SOURCE_NAME_AND_TYPE", nextToken="x")

    # PutBearerTokenAuthentication.
    srv.client("logs").create_log_group(logGroupName="bt")
    e = t.error("bearer: enabling is refused", "InvalidOperationException",
                logs.put_bearer_token_authentication,
                logGroupIdentifier="bt",
                bearerTokenAuthenticationEnabled=True)
    t.ok("bearer: the message says why",
         e and "SigV4" in e.response["Error"]["Message"],
         repr(e and e.response))
    t.eq("bearer: disabling is a no-op that succeeds", {},
         logs.put_bearer_token_authentication(
             logGroupIdentifier="arn:aws:logs:eu-west-2:123456789012:"
                                "log-group:bt",
             bearerTokenAuthenticationEnabled=False))
    t.error("bearer: no such group", "ResourceNotFoundException",
            logs.put_bearer_token_authentication,
            msg="The specified log group does not exist.",
            logGroupIdentifier="nope",
            bearerTokenAuthenticationEnabled=False)
    t.error("bearer: the flag is required", "InvalidParameterException",
            logs.put_bearer_token_authentication, logGroupIdentifier="bt")

t.done()
