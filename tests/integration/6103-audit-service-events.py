#!/usr/bin/env python3
"""Issue 13 §1, what KMS does on its own: the sweeper's automatic rotation
of a key and its deletion of a key whose waiting period ended are recorded
as AWS records them (the KMS developer guide's ct-rotatekey and
ct-delete-key examples: eventType AwsServiceEvent, userIdentity accountId
and invokedBy "AWS Internal", no requestID, the key as the resource,
RotateKey's serviceEventDetails naming the material before and after, as
ListKeyRotations names them), found by LookupEvents with EventName
RotateKey / DeleteKey through boto3. An on-demand rotation has its
RotateKey record too (rotationType ON_DEMAND).

Time moves as in 1201-rotation.py and 1005-deletion.py: the server is
restarted under libfaketime 91 days on, and the client runs under the same
faked clock (SigV4 dates). The first audit append of that run is failed by
the fault wrapper (LOGVAULT_STORE_FAULT=audit.append#1): the change it
belonged to is rolled back with it and made again, with its record, at the
sweeper's next pass — so each key is rotated or deleted once and recorded
once. Records survive a restart and `logvault audit verify` finds the
chain whole. With the trail off, a key rotated by the sweeper leaves no
record."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, faketime_run  # noqa: E402

ACCOUNT = "123456789012"
REGION = "eu-west-2"
DAYS = 91
HERE = os.path.dirname(os.path.abspath(__file__))


def client_phase(port, rotated, deleted):
    """Run under faketime: waits (up to ~40 s) for the sweeper to rotate
    `rotated` and delete `deleted` (either may be "-": not waited for),
    then prints what the checks read as one JSON object."""
    import time
    sys.path.insert(0, HERE)
    from lvtest import Server as S
    srv = S()
    srv.port = int(port)

    def kms(op, **body):
        st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
        return st, json.loads(data or b"{}")

    def lookup(name):
        ct = srv.client("cloudtrail")
        out = []
        for page in ct.get_paginator("lookup_events").paginate(
                LookupAttributes=[{"AttributeKey": "EventName",
                                   "AttributeValue": name}]):
            for e in page["Events"]:
                e = dict(e)
                e["EventTime"] = e["EventTime"].timestamp()
                out.append(e)
        return out

    out = {"rotated": rotated == "-", "deleted": deleted == "-"}
    deadline = time.time() + 40
    while time.time() < deadline and not (out["rotated"] and
                                          out["deleted"]):
        if not out["rotated"]:
            st, r = kms("ListKeyRotations", KeyId=rotated)
            out["rotated"] = st == 200 and bool(r.get("Rotations"))
        if not out["deleted"]:
            st, r = kms("DescribeKey", KeyId=deleted)
            out["deleted"] = r.get("__type", "").endswith(
                "NotFoundException")
        time.sleep(0.3)
    # The record is committed with the change: no wait past it.
    if rotated != "-":
        out["rotations"] = kms("ListKeyRotations", KeyId=rotated,
                               IncludeKeyMaterial="ALL_KEY_MATERIAL")[1]
    out["RotateKey"] = lookup("RotateKey")
    out["DeleteKey"] = lookup("DeleteKey")
    out["now"] = time.time()
    shutil.rmtree(srv.scratch, ignore_errors=True)
    print(json.dumps(out))


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    client_phase(*sys.argv[2:5])
    sys.exit(0)

if not os.path.exists("/usr/bin/faketime"):
    print("skipped: faketime (Debian's faketime package) is not installed")
    sys.exit(77)
LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
if not os.path.exists(LIBFAKETIME):
    print("skipped: libfaketime (Debian's libfaketime) is not installed")
    sys.exit(77)
FAKE = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME": "+%dd" % DAYS,
        "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE),
                  capture_output=True).returncode != 0:
    print("skipped: logvault does not run under libfaketime here")
    sys.exit(77)

t = T()


def faked_client(srv, rotated, deleted):
    env = dict(os.environ)
    env.pop("ASAN_OPTIONS", None)
    env.pop("LD_PRELOAD", None)
    p = faketime_run("+%dd" % DAYS, [
                        sys.executable, os.path.abspath(__file__),
                        "--client", str(srv.port), rotated, deleted],
                       capture_output=True, text=True, env=env, timeout=120)
    if not t.eq("client under faketime ran", 0, p.returncode):
        print(p.stderr[-3000:])
        return {}
    return json.loads(p.stdout.strip().splitlines()[-1])


def kms_raw(srv, op, **body):
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
    out = json.loads(data or b"{}")
    t.eq("%s answers 200" % op, 200, st)
    return out


def arn(kid):
    return "arn:aws:kms:%s:%s:key/%s" % (REGION, ACCOUNT, kid)


def common(name, e, kid):
    """What both service events share: the Event's members and the record
    as CloudTrail writes it (ct-rotatekey, ct-delete-key)."""
    rec = json.loads(e["CloudTrailEvent"])
    t.eq(name + ": EventName", e["EventName"], rec.get("eventName"))
    t.eq(name + ": EventSource", "kms.amazonaws.com", e.get("EventSource"))
    t.eq(name + ": ReadOnly", "false", e.get("ReadOnly"))
    t.ok(name + ": no AccessKeyId, no Username",
         "AccessKeyId" not in e and "Username" not in e, e)
    t.eq(name + ": Resources", [{"ResourceType": "AWS::KMS::Key",
                                 "ResourceName": arn(kid)}],
         e.get("Resources"))
    t.eq(name + ": userIdentity", {"accountId": ACCOUNT,
                                   "invokedBy": "AWS Internal"},
         rec.get("userIdentity"))
    t.eq(name + ": eventType", "AwsServiceEvent", rec.get("eventType"))
    t.eq(name + ": source, agent",
         ["AWS Internal", "AWS Internal"],
         [rec.get("sourceIPAddress"), rec.get("userAgent")])
    t.eq(name + ": region, recipient, category",
         [REGION, ACCOUNT, "Management", True, False],
         [rec.get("awsRegion"), rec.get("recipientAccountId"),
          rec.get("eventCategory"), rec.get("managementEvent"),
          rec.get("readOnly")])
    t.ok(name + ": requestParameters null, no requestID",
         "requestParameters" in rec and rec["requestParameters"] is None
         and "requestID" not in rec, rec)
    t.eq(name + ": eventID", e.get("EventId"), rec.get("eventID"))
    t.eq(name + ": resources", [{"accountId": ACCOUNT,
                                 "type": "AWS::KMS::Key", "ARN": arn(kid)}],
         rec.get("resources"))
    return rec


# ---- the trail on ----------------------------------------------------------
data_dir = tempfile.mkdtemp(prefix="lv-6103.")
with Server("--audit-trail", "--lookup-events-rate", "0",
            data_dir=data_dir) as srv:
    kms = srv.client("kms")
    rot = kms.create_key(Description="rotated")["KeyMetadata"]["KeyId"]
    kms_raw(srv, "EnableKeyRotation", KeyId=rot, RotationPeriodInDays=90)
    gone = kms.create_key(Description="deleted")["KeyMetadata"]["KeyId"]
    kms.schedule_key_deletion(KeyId=gone, PendingWindowInDays=7)
    ct = srv.client("cloudtrail")
    for name in ("RotateKey", "DeleteKey"):
        t.eq("no %s record before the date" % name, [], ct.lookup_events(
            LookupAttributes=[{"AttributeKey": "EventName",
                               "AttributeValue": name}])["Events"])

    # An on-demand rotation: its RotateKey record too (ct-rotatekey's
    # second example), beside the RotateKeyOnDemand call's own.
    od = kms.create_key(Description="rotated on demand")["KeyMetadata"][
        "KeyId"]
    kms_raw(srv, "RotateKeyOnDemand", KeyId=od)
    mats = {r.get("KeyMaterialState"): r.get("KeyMaterialId")
            for r in kms_raw(srv, "ListKeyRotations", KeyId=od,
                             IncludeKeyMaterial="ALL_KEY_MATERIAL")[
                                 "Rotations"]}
    evs = ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventName", "AttributeValue": "RotateKey"}])[
            "Events"]
    if t.eq("on demand: one RotateKey record", 1, len(evs)):
        e = dict(evs[0])
        rec = common("on demand RotateKey", e, od)
        t.eq("on demand: serviceEventDetails",
             {"rotationType": "ON_DEMAND", "keyOrigin": "AWS_KMS",
              "previousKeyMaterialId": mats.get("NON_CURRENT"),
              "currentKeyMaterialId": mats.get("CURRENT"), "keyId": od},
             rec.get("serviceEventDetails"))
    t.eq("on demand: the RotateKeyOnDemand call recorded too", 1,
         len(ct.lookup_events(LookupAttributes=[
             {"AttributeKey": "EventName",
              "AttributeValue": "RotateKeyOnDemand"}])["Events"]))
    srv.stop()

    # 91 days on; the first audit append fails, with its change.
    srv.env = dict(FAKE, LOGVAULT_STORE_FAULT="audit.append#1")
    srv.start()
    fault = "fault injection on" in srv.read_log()
    res = faked_client(srv, rot, gone)
    srv.stop()
    log = srv.read_log()

    t.ok("the sweeper rotated the key", res.get("rotated"), res)
    t.ok("the sweeper deleted the key", res.get("deleted"), res)
    if fault:
        t.ok("the first append failed and its change was rolled back",
             "sweeper cannot rotate key %s" % rot in log or
             "sweeper cannot delete key %s" % gone in log, log[-3000:])
    else:
        print("note: not the sanitizer build, the fault was not injected")
    rots = [r for r in res.get("rotations", {}).get("Rotations", [])]
    auto = [r for r in rots if r.get("RotationType") == "AUTOMATIC"]
    t.eq("one automatic rotation", 1, len(auto))

    # (the on-demand rotation's record is older than 90 days by then:
    # expired, or not, as the retention task went)
    recs = [e for e in res.get("RotateKey", [])
            if {"ResourceType": "AWS::KMS::Key",
                "ResourceName": arn(rot)} in e.get("Resources", [])]
    if t.eq("one RotateKey record of the automatic rotation", 1, len(recs)):
        rec = common("RotateKey", recs[0], rot)
        t.eq("RotateKey: responseElements null", None,
             rec.get("responseElements", "absent"))
        mats = {r.get("KeyMaterialState"): r.get("KeyMaterialId")
                for r in rots}
        t.eq("RotateKey: serviceEventDetails",
             {"rotationType": "AUTOMATIC", "keyOrigin": "AWS_KMS",
              "previousKeyMaterialId": mats.get("NON_CURRENT"),
              "currentKeyMaterialId": mats.get("CURRENT"), "keyId": rot},
             rec.get("serviceEventDetails"))
        t.ok("RotateKey: ListKeyRotations' two materials",
             len(rots) == 2 and None not in mats.values(), rots)
        t.ok("RotateKey: at the faked time", abs(
            recs[0]["EventTime"] - auto[0]["RotationDate"]) < 5
            if auto else False, (recs[0]["EventTime"], auto))
        t.eq("RotateKey: field order", [
            "eventVersion", "userIdentity", "eventTime", "eventSource",
            "eventName", "awsRegion", "sourceIPAddress", "userAgent",
            "requestParameters", "responseElements", "eventID", "readOnly",
            "resources", "eventType", "managementEvent",
            "recipientAccountId", "serviceEventDetails", "eventCategory"],
            list(rec))
    recs = res.get("DeleteKey", [])
    if t.eq("one DeleteKey record", 1, len(recs)):
        rec = common("DeleteKey", recs[0], gone)
        t.eq("DeleteKey: responseElements.keyId the ARN",
             {"keyId": arn(gone)}, rec.get("responseElements"))
        t.ok("DeleteKey: no serviceEventDetails",
             "serviceEventDetails" not in rec, rec)
        t.ok("DeleteKey: 91 days on", recs[0]["EventTime"] >
             res["now"] - 3600, (recs[0]["EventTime"], res["now"]))

    # Back to the real clock: the records are kept (found with an EndTime
    # past them), and the chain verifies.
    srv.env = None
    srv.start()
    ct = srv.client("cloudtrail")
    import datetime
    later = datetime.datetime.now(datetime.timezone.utc) + \
        datetime.timedelta(days=DAYS + 1)
    for name, kid in (("RotateKey", rot), ("DeleteKey", gone)):
        t.eq("%s kept over a restart" % name, 1, len([
            e for e in ct.lookup_events(
                LookupAttributes=[{"AttributeKey": "EventName",
                                   "AttributeValue": name}],
                EndTime=later)["Events"]
            if e["Resources"][0]["ResourceName"] == arn(kid)]))
    srv.stop()
    where = ["--data-dir", srv.data_dir]
    if srv.store_uri:
        where += ["--store", srv.store_uri]
    if srv.root_key_file:
        where += ["--root-key-file", srv.root_key_file]
    p = subprocess.run([os.environ["LOGVAULT_BIN"], "audit", "verify"] +
                       where, capture_output=True, text=True, timeout=60)
    t.ok("audit verify: the chain with the service events is whole",
         p.returncode == 0 and "all verified" in p.stdout,
         p.stdout + p.stderr)
shutil.rmtree(data_dir, ignore_errors=True)

# ---- the trail off ---------------------------------------------------------
data_dir = tempfile.mkdtemp(prefix="lv-6103-off.")
with Server(data_dir=data_dir) as srv:
    kms = srv.client("kms")
    quiet = kms.create_key()["KeyMetadata"]["KeyId"]
    kms_raw(srv, "EnableKeyRotation", KeyId=quiet, RotationPeriodInDays=90)
    srv.stop()
    srv.env = FAKE
    srv.start()
    res = faked_client(srv, quiet, "-")
    t.ok("trail off: the sweeper rotated the key", res.get("rotated"), res)
    srv.stop()
    # The trail turned on afterwards: nothing was recorded meanwhile.
    srv.args = ["--audit-trail"]
    srv.start()
    res = faked_client(srv, "-", "-")
    t.eq("trail off: no RotateKey record", [], res.get("RotateKey"))
shutil.rmtree(data_dir, ignore_errors=True)
t.done()
