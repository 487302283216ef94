"""KMS aliases through boto3: CreateAlias, UpdateAlias, DeleteAlias,
ListAliases (all, by key, paging), their errors with AWS's messages, and
that a restart keeps them. ListAliases also shows AWS's predefined managed
aliases (alias/aws/..., no TargetKeyId and no dates) in every account and
Region, sorted with the account's own by name, across pages; used as a
KeyId they are not found (no AWS service here creates their key)."""
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()
ACCOUNT = "123456789012"
REGION = "eu-west-2"


# The snapshot src/kms/aliases.c serves (managed_aliases[]).
MANAGED = ["alias/aws/dynamodb", "alias/aws/ebs",
           "alias/aws/elasticfilesystem", "alias/aws/es", "alias/aws/glue",
           "alias/aws/kinesisvideo", "alias/aws/rds", "alias/aws/redshift",
           "alias/aws/s3", "alias/aws/ssm", "alias/aws/xray"]


def alias_arn(name, region=REGION):
    return "arn:aws:kms:%s:%s:%s" % (region, ACCOUNT, name)


def own(aliases):
    """The account's own aliases of a ListAliases answer."""
    return [a["AliasName"] for a in aliases
            if not a["AliasName"].startswith("alias/aws/")]


def pages(kms, limit, **kw):
    """Every page of ListAliases at `limit`: (names in order, page sizes,
    truncation flags)."""
    names, sizes, flags = [], [], []
    r = kms.list_aliases(Limit=limit, **kw)
    while True:
        names += [a["AliasName"] for a in r["Aliases"]]
        sizes.append(len(r["Aliases"]))
        flags.append(r["Truncated"])
        if not r["Truncated"]:
            return names, sizes, flags
        r = kms.list_aliases(Limit=limit, Marker=r["NextMarker"], **kw)


with Server() as srv:
    kms = srv.client("kms")
    k1 = kms.create_key()["KeyMetadata"]
    k2 = kms.create_key()["KeyMetadata"]
    rsa = kms.create_key(KeySpec="RSA_2048",
                         KeyUsage="SIGN_VERIFY")["KeyMetadata"]

    r = kms.create_alias(AliasName="alias/app", TargetKeyId=k1["KeyId"])
    t.eq("create output is empty", ["ResponseMetadata"], sorted(r))
    kms.create_alias(AliasName="alias/by-arn", TargetKeyId=k1["Arn"])
    kms.create_alias(AliasName="alias/team/sub_1-x",
                     TargetKeyId=k2["KeyId"])
    t.eq("alias resolves", k1["KeyId"],
         kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"])

    t.error("duplicate", "AlreadyExistsException", kms.create_alias,
            AliasName="alias/app", TargetKeyId=k2["KeyId"],
            msg="An alias with the name %s already exists" %
                alias_arn("alias/app"))
    t.error("no prefix", "ValidationException", kms.create_alias,
            AliasName="app2", TargetKeyId=k1["KeyId"],
            msg='Alias must start with the prefix "alias/".')
    t.error("reserved prefix", "NotAuthorizedException", kms.create_alias,
            AliasName="alias/aws/mine", TargetKeyId=k1["KeyId"])
    t.error("colon in name", "ValidationException", kms.create_alias,
            AliasName="alias/a:b", TargetKeyId=k1["KeyId"],
            msg="alias/a:b contains invalid characters for an alias")
    t.error("target is an alias", "ValidationException", kms.create_alias,
            AliasName="alias/x", TargetKeyId="alias/app",
            msg="Aliases must refer to keys. Not aliases")
    t.error("target missing", "NotFoundException", kms.create_alias,
            AliasName="alias/x",
            TargetKeyId="11111111-2222-3333-4444-555555555555",
            msg="does not exist")
    t.error("bad pattern", "ValidationException", kms.create_alias,
            AliasName="alias/a b", TargetKeyId=k1["KeyId"])

    # ListAliases.
    r = kms.list_aliases()
    names = [a["AliasName"] for a in r["Aliases"]]
    own_names = ["alias/app", "alias/by-arn", "alias/team/sub_1-x"]
    t.eq("list all: own and managed, sorted by name",
         sorted(own_names + MANAGED), names)
    t.eq("list all: managed at their place", ["alias/app"] + MANAGED +
         ["alias/by-arn", "alias/team/sub_1-x"], names)
    t.eq("list truncated", False, r["Truncated"])
    a = r["Aliases"][0]
    t.eq("entry members", ["AliasArn", "AliasName", "CreationDate",
                           "LastUpdatedDate", "TargetKeyId"], sorted(a))
    t.eq("entry arn", alias_arn("alias/app"), a["AliasArn"])
    t.eq("entry target", k1["KeyId"], a["TargetKeyId"])
    t.ok("entry dates", isinstance(a["CreationDate"], datetime.datetime) and
         isinstance(a["LastUpdatedDate"], datetime.datetime))
    m = r["Aliases"][1:1 + len(MANAGED)]
    t.eq("managed entries: name and arn only",
         [{"AliasName": n, "AliasArn": alias_arn(n)} for n in MANAGED], m)
    r = kms.list_aliases(KeyId=k1["KeyId"])
    t.eq("list by key", ["alias/app", "alias/by-arn"],
         [a["AliasName"] for a in r["Aliases"]])
    r = kms.list_aliases(KeyId=k2["Arn"])
    t.eq("list by key arn", ["alias/team/sub_1-x"],
         [a["AliasName"] for a in r["Aliases"]])
    t.error("list by unknown key", "NotFoundException", kms.list_aliases,
            KeyId="11111111-2222-3333-4444-555555555555")
    r = kms.list_aliases(Limit=2)
    t.eq("page 1", (["alias/app", "alias/aws/dynamodb"], True),
         ([a["AliasName"] for a in r["Aliases"]], r["Truncated"]))
    r2 = kms.list_aliases(Limit=2, Marker=r["NextMarker"])
    t.eq("page 2", ["alias/aws/ebs", "alias/aws/elasticfilesystem"],
         [a["AliasName"] for a in r2["Aliases"]])
    for limit in (1, 2, 3, 5, 11, 12, 13, 14, 100):
        got, sizes, flags = pages(kms, limit)
        total = len(own_names) + len(MANAGED)
        t.eq("paging by %d: every alias once, in order" % limit,
             sorted(own_names + MANAGED), got)
        t.eq("paging by %d: full pages, then the rest" % limit,
             [limit] * (total // limit) + ([total % limit]
                                            if total % limit else []),
             sizes)
        t.eq("paging by %d: truncated until the last" % limit,
             [True] * (len(flags) - 1) + [False], flags)
    t.eq("paging by key", (["alias/app", "alias/by-arn"], [1, 1],
                           [True, False]),
         pages(kms, 1, KeyId=k1["KeyId"]))
    t.error("bad marker", "InvalidMarkerException", kms.list_aliases,
            Marker="bm9wZQ==")

    # A predefined alias has no key: as a KeyId it is not found (AWS's
    # answer for an alias without a key). DescribeKey is left out: it
    # makes the AWS managed key (API_DescribeKey; test 1006).
    for op, kw in [(kms.encrypt, {"Plaintext": b"x"}),
                   (kms.generate_data_key, {"KeySpec": "AES_256"})]:
        t.error("%s with alias/aws/ebs" % op.__name__, "NotFoundException",
                op, KeyId="alias/aws/ebs",
                msg="Alias %s is not found." % alias_arn("alias/aws/ebs"),
                **kw)

    # UpdateAlias.
    kms.update_alias(AliasName="alias/app", TargetKeyId=k2["KeyId"])
    t.eq("updated target", k2["KeyId"],
         kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"])
    t.error("update to other type", "ValidationException", kms.update_alias,
            AliasName="alias/app", TargetKeyId=rsa["KeyId"],
            msg="same type")
    t.error("update missing alias", "NotFoundException", kms.update_alias,
            AliasName="alias/none", TargetKeyId=k1["KeyId"],
            msg="Alias %s is not found." % alias_arn("alias/none"))
    t.error("update to alias", "ValidationException", kms.update_alias,
            AliasName="alias/app", TargetKeyId="alias/by-arn",
            msg="Aliases must refer to keys. Not aliases")

    # Key state: a key pending deletion takes no new alias.
    k3 = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=k3["KeyId"], PendingWindowInDays=7)
    t.error("alias to pending key", "KMSInvalidStateException",
            kms.create_alias, AliasName="alias/late",
            TargetKeyId=k3["KeyId"],
            msg="%s is pending deletion." % k3["Arn"])
    t.error("update to pending key", "KMSInvalidStateException",
            kms.update_alias, AliasName="alias/app",
            TargetKeyId=k3["KeyId"])

    # DeleteAlias.
    r = kms.delete_alias(AliasName="alias/by-arn")
    t.eq("delete output", ["ResponseMetadata"], sorted(r))
    t.error("delete again", "NotFoundException", kms.delete_alias,
            AliasName="alias/by-arn",
            msg="Alias %s is not found." % alias_arn("alias/by-arn"))
    t.error("deleted alias no longer resolves", "NotFoundException",
            kms.describe_key, KeyId="alias/by-arn")

    # Aliases are per region.
    other = srv.client("kms", region="us-east-1")
    r = other.list_aliases()["Aliases"]
    t.eq("other region: only the managed ones, in its own arn",
         [{"AliasName": n, "AliasArn": alias_arn(n, "us-east-1")}
          for n in MANAGED], r)

    srv.restart()
    kms = srv.client("kms")
    r = kms.list_aliases()["Aliases"]
    t.eq("restart keeps aliases", ["alias/app", "alias/team/sub_1-x"],
         own(r))
    t.eq("restart: managed ones still listed", MANAGED,
         [a["AliasName"] for a in r if "TargetKeyId" not in a])
    t.eq("restart keeps targets", k2["KeyId"],
         kms.describe_key(KeyId="alias/app")["KeyMetadata"]["KeyId"])
t.done()
