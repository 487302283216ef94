"""KMS tags through boto3: tags at CreateKey, TagResource (add, replace),
UntagResource, ListResourceTags (paging), the reserved aws: prefix,
duplicates, the 50-tag limit, key-state rules and a restart."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T  # noqa: E402

t = T()

with Server() as srv:
    kms = srv.client("kms")
    k = kms.create_key(Tags=[{"TagKey": "team", "TagValue": "ops"},
                             {"TagKey": "env", "TagValue": ""}])
    kid = k["KeyMetadata"]["KeyId"]
    r = kms.list_resource_tags(KeyId=kid)
    t.eq("tags from CreateKey",
         [{"TagKey": "env", "TagValue": ""},
          {"TagKey": "team", "TagValue": "ops"}], r["Tags"])
    t.eq("not truncated", False, r["Truncated"])
    t.eq("list members", ["ResponseMetadata", "Tags", "Truncated"], sorted(r))

    t.error("create with aws: tag", "TagException", kms.create_key,
            Tags=[{"TagKey": "AWS:x", "TagValue": "1"}],
            msg="Tags beginning with aws: are reserved")
    t.error("create with duplicate", "TagException", kms.create_key,
            Tags=[{"TagKey": "a", "TagValue": "1"},
                  {"TagKey": "a", "TagValue": "2"}], msg="Duplicate")
    t.error("tag key too long", "ValidationException", kms.tag_resource,
            KeyId=kid, Tags=[{"TagKey": "k" * 129, "TagValue": "1"}])
    t.error("tag value too long", "ValidationException", kms.tag_resource,
            KeyId=kid, Tags=[{"TagKey": "k", "TagValue": "v" * 257}])

    r = kms.tag_resource(KeyId=kid, Tags=[{"TagKey": "team",
                                           "TagValue": "dev"},
                                          {"TagKey": "cost",
                                           "TagValue": "42"}])
    t.eq("tag output", ["ResponseMetadata"], sorted(r))
    t.eq("tag replaced and added",
         {"cost": "42", "env": "", "team": "dev"},
         {x["TagKey"]: x["TagValue"]
          for x in kms.list_resource_tags(KeyId=kid)["Tags"]})
    t.error("tag reserved", "TagException", kms.tag_resource, KeyId=kid,
            Tags=[{"TagKey": "aws:created", "TagValue": "1"}])
    kms.untag_resource(KeyId=kid, TagKeys=["env", "nope"])
    t.eq("untagged", ["cost", "team"],
         [x["TagKey"] for x in kms.list_resource_tags(KeyId=kid)["Tags"]])
    t.error("tag by alias", "NotFoundException", kms.tag_resource,
            KeyId="alias/x", Tags=[{"TagKey": "a", "TagValue": "b"}])
    t.error("tag unknown key", "NotFoundException", kms.tag_resource,
            KeyId="11111111-2222-3333-4444-555555555555",
            Tags=[{"TagKey": "a", "TagValue": "b"}], msg="does not exist")

    # Paging and the 50-tag limit.
    many = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.tag_resource(KeyId=many, Tags=[{"TagKey": "t%02d" % i,
                                        "TagValue": str(i)}
                                       for i in range(50)])
    t.error("51st tag", "LimitExceededException", kms.tag_resource,
            KeyId=many, Tags=[{"TagKey": "one-more", "TagValue": "x"}])
    kms.tag_resource(KeyId=many, Tags=[{"TagKey": "t00", "TagValue": "y"}])
    t.ok("replacing at the limit is fine", True)
    r = kms.list_resource_tags(KeyId=many, Limit=20)
    got = [x["TagKey"] for x in r["Tags"]]
    t.eq("page 1", (20, True), (len(got), r["Truncated"]))
    while r["Truncated"]:
        r = kms.list_resource_tags(KeyId=many, Limit=20,
                                   Marker=r["NextMarker"])
        got += [x["TagKey"] for x in r["Tags"]]
    t.eq("all pages", ["t%02d" % i for i in range(50)], got)
    t.error("limit over 50", "ValidationException", kms.list_resource_tags,
            KeyId=many, Limit=51)
    t.error("bad marker", "InvalidMarkerException", kms.list_resource_tags,
            KeyId=many, Marker="zzzz")

    # A key pending deletion cannot be tagged, but its tags can be listed.
    kms.schedule_key_deletion(KeyId=many, PendingWindowInDays=7)
    t.error("tag pending", "KMSInvalidStateException", kms.tag_resource,
            KeyId=many, Tags=[{"TagKey": "a", "TagValue": "b"}],
            msg="is pending deletion.")
    t.error("untag pending", "KMSInvalidStateException",
            kms.untag_resource, KeyId=many, TagKeys=["t00"])
    t.eq("list pending", 50,
         len(kms.list_resource_tags(KeyId=many)["Tags"]))

    srv.restart()
    kms = srv.client("kms")
    t.eq("restart keeps tags", ["cost", "team"],
         [x["TagKey"] for x in kms.list_resource_tags(KeyId=kid)["Tags"]])
t.done()
