"""KMS dates to the millisecond (issue 10, section 7): AWS sends KMS dates
as epoch seconds with milliseconds (1.700000000123E9), which boto3 shows
as datetimes with microseconds. CreationDate (CreateKey, DescribeKey),
DeletionDate (ScheduleKeyDeletion, DescribeKey), NextRotationDate
(GetKeyRotationStatus), RotationDate (ListKeyRotations), the alias dates
(ListAliases) and the grant CreationDate (ListGrants) each lie within the
wall-clock interval of the call that set them, to the millisecond — a date
cut to the second falls before that interval nearly always, so each is
checked on several calls — and carry no digit below the millisecond."""
import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call  # noqa: E402

t = T()
DAY = 86400
CALLS = 5
# The server truncates its clock to the millisecond; the client's clock
# readings bracket the call.
SLACK = 0.001


def within(name, value, before, after, offset=0):
    """value - offset lies in [before, after] to the millisecond, and value
    is a whole number of milliseconds."""
    v = value - offset
    ms = round(value * 1000)
    return t.ok(name, before - SLACK <= v <= after + SLACK and
                abs(value * 1000 - ms) < 1e-3,
                "%r - %r not in [%r, %r]" % (value, offset, before, after))


def timed(fn, **kw):
    before = time.time()
    out = fn(**kw)
    return out, before, time.time()


with Server() as srv:
    call = {op: kms_call(srv, op) for op in (
        "CreateKey", "DescribeKey", "ScheduleKeyDeletion",
        "EnableKeyRotation", "GetKeyRotationStatus", "RotateKeyOnDemand",
        "ListKeyRotations", "CreateAlias", "UpdateAlias", "ListAliases",
        "CreateGrant", "ListGrants")}
    kms = srv.client("kms")

    for i in range(CALLS):
        out, b, a = timed(call["CreateKey"])
        md = out["KeyMetadata"]
        kid = md["KeyId"]
        within("CreateKey %d: CreationDate" % i, md["CreationDate"], b, a)
        got = call["DescribeKey"](KeyId=kid)["KeyMetadata"]
        t.eq("DescribeKey %d: the same CreationDate" % i, md["CreationDate"],
             got["CreationDate"])

        out, b, a = timed(call["EnableKeyRotation"], KeyId=kid)
        st = call["GetKeyRotationStatus"](KeyId=kid)
        within("EnableKeyRotation %d: NextRotationDate" % i,
               st["NextRotationDate"], b, a, offset=365 * DAY)

        out, b, a = timed(call["RotateKeyOnDemand"], KeyId=kid)
        rots = call["ListKeyRotations"](KeyId=kid)["Rotations"]
        within("RotateKeyOnDemand %d: RotationDate" % i,
               rots[-1]["RotationDate"], b, a)

        name = "alias/dates-%d" % i
        out, b, a = timed(call["CreateAlias"], AliasName=name,
                          TargetKeyId=kid)
        al = [x for x in call["ListAliases"]()["Aliases"]
              if x["AliasName"] == name][0]
        within("CreateAlias %d: CreationDate" % i, al["CreationDate"], b, a)
        within("CreateAlias %d: LastUpdatedDate" % i, al["LastUpdatedDate"],
               b, a)
        other = call["CreateKey"]()["KeyMetadata"]["KeyId"]
        out, b, a = timed(call["UpdateAlias"], AliasName=name,
                          TargetKeyId=other)
        al = [x for x in call["ListAliases"]()["Aliases"]
              if x["AliasName"] == name][0]
        within("UpdateAlias %d: LastUpdatedDate" % i, al["LastUpdatedDate"],
               b, a)

        out, b, a = timed(call["CreateGrant"], KeyId=kid,
                          GranteePrincipal="arn:aws:iam::123456789012:"
                                           "user/dates",
                          Operations=["Decrypt"])
        g = call["ListGrants"](KeyId=kid)["Grants"][0]
        within("CreateGrant %d: CreationDate" % i, g["CreationDate"], b, a)

        out, b, a = timed(call["ScheduleKeyDeletion"], KeyId=other,
                          PendingWindowInDays=7)
        within("ScheduleKeyDeletion %d: DeletionDate" % i,
               out["DeletionDate"], b, a, offset=7 * DAY)
        t.eq("DescribeKey %d: the same DeletionDate" % i,
             out["DeletionDate"],
             call["DescribeKey"](KeyId=other)["KeyMetadata"]["DeletionDate"])

    # boto3 reads them as datetimes with the milliseconds in microseconds.
    before = time.time()
    md = kms.create_key()["KeyMetadata"]
    after = time.time()
    cd = md["CreationDate"]
    t.ok("boto3: CreationDate is an aware datetime",
         isinstance(cd, datetime.datetime) and cd.tzinfo is not None, cd)
    within("boto3: CreationDate to the millisecond", cd.timestamp(), before,
           after)

t.done()
