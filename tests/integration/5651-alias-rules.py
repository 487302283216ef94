#!/usr/bin/env python3
"""Alias name rules as AWS applies them (issue 10 §8): CreateAlias,
UpdateAlias and DeleteAlias on the reserved prefix alias/aws/ answer
NotAuthorizedException (no message, a type the KMS model does not list);
':' — allowed by the model's pattern, not by the service — answers
"<name> contains invalid characters for an alias"; the other documented
rules (alias/ prefix, 256 characters) hold; nothing refused is created."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()


def raw_kms(srv, op, body):
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
    return st, json.loads(data) if data else {}


with Server() as srv:
    kms = srv.client("kms")
    k1 = kms.create_key()["KeyMetadata"]["KeyId"]
    k2 = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.create_alias(AliasName="alias/good", TargetKeyId=k1)

    # -- alias/aws/: NotAuthorizedException, body without a message -------
    for op, body in [
            ("CreateAlias", {"AliasName": "alias/aws/mine", "TargetKeyId": k1}),
            ("CreateAlias", {"AliasName": "alias/aws/ebs", "TargetKeyId": k1}),
            ("CreateAlias", {"AliasName": "alias/aws/x:y", "TargetKeyId": k1}),
            ("UpdateAlias", {"AliasName": "alias/aws/ebs", "TargetKeyId": k2}),
            ("DeleteAlias", {"AliasName": "alias/aws/ebs"}),
            ("DeleteAlias", {"AliasName": "alias/aws/"})]:
        st, out = raw_kms(srv, op, body)
        t.eq("%s %s: 400 NotAuthorizedException, no message"
             % (op, body["AliasName"]),
             (400, {"__type": "NotAuthorizedException"}), (st, out))
    t.error("boto3 sees NotAuthorizedException", "NotAuthorizedException",
            kms.create_alias, AliasName="alias/aws/logs", TargetKeyId=k1)
    # Not a prefix match on "alias/aws" alone.
    kms.create_alias(AliasName="alias/awsome", TargetKeyId=k1)
    kms.create_alias(AliasName="alias/aws", TargetKeyId=k1)

    # -- ':' is not an alias character ------------------------------------
    for op, body in [
            ("CreateAlias", {"AliasName": "alias/my:alias", "TargetKeyId": k1}),
            ("UpdateAlias", {"AliasName": "alias/my:alias", "TargetKeyId": k2}),
            ("DeleteAlias", {"AliasName": "alias/my:alias"})]:
        st, out = raw_kms(srv, op, body)
        t.eq("%s alias/my:alias" % op,
             (400, {"__type": "ValidationException",
                    "message": "alias/my:alias contains invalid characters "
                               "for an alias"}), (st, out))
    e = t.error("boto3: colon", "ValidationException", kms.create_alias,
                AliasName="alias/a:b:c", TargetKeyId=k1)
    if e:
        t.eq("boto3: colon message",
             "alias/a:b:c contains invalid characters for an alias",
             e.response["Error"]["Message"])

    # -- the other documented rules ---------------------------------------
    t.error("no alias/ prefix", "ValidationException", kms.create_alias,
            AliasName="app", TargetKeyId=k1,
            msg='Alias must start with the prefix "alias/".')
    t.error("nothing after alias/", "ValidationException", kms.create_alias,
            AliasName="alias/", TargetKeyId=k1)
    long_name = "alias/" + "n" * 251
    t.error("257 characters", "ValidationException", kms.create_alias,
            AliasName=long_name, TargetKeyId=k1,
            msg="Value '%s' at 'aliasName' failed to satisfy constraint: "
                "Member must have length less than or equal to 256"
                % long_name)
    ok_name = "alias/" + "n" * 250
    kms.create_alias(AliasName=ok_name, TargetKeyId=k1)
    kms.create_alias(AliasName="alias/A-z_0/9", TargetKeyId=k1)

    # The account's own: the predefined managed aliases (alias/aws/...,
    # listed without a TargetKeyId) are AWS's, and none was added.
    listed = kms.list_aliases()["Aliases"]
    names = sorted(a["AliasName"] for a in listed if "TargetKeyId" in a)
    t.eq("no alias/aws/ name was created",
         [], [a["AliasName"] for a in listed
              if a["AliasName"].startswith("alias/aws/") and
              "TargetKeyId" in a])
    t.eq("only the accepted aliases exist",
         sorted(["alias/good", "alias/awsome", "alias/aws", ok_name,
                 "alias/A-z_0/9"]), names)
    # Refused names changed nothing: alias/good still points at k1.
    t.eq("alias/good untouched", k1,
         kms.describe_key(KeyId="alias/good")["KeyMetadata"]["KeyId"])
t.done()
