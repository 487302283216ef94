"""Without --audit-trail (the default for now: README, "Who did what")
serve keeps no audit trail (issue 13): requests that would be recorded
leave no record — LookupEvents finds nothing, not even after a restart
with the trail on — and GetKeyLastUsage, which can only answer from the
trail, is refused with UnsupportedOperationException naming the option,
instead of claiming a key was never used. With --audit-trail the same
calls are found, so the test can fail both ways."""
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call  # noqa: E402

t = T()


def names(ct):
    out = ct.lookup_events(LookupAttributes=[
        {"AttributeKey": "EventSource", "AttributeValue": "kms.amazonaws.com"}])
    return [e["EventName"] for e in out["Events"]]


# LookupEvents polled: without CloudTrail's two a second (6203 tests it).
with Server("--lookup-events-rate", "0") as srv:
    kms = srv.client("kms")
    ct = srv.client("cloudtrail")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    kms.encrypt(KeyId=key, Plaintext=b"secret")
    kms.disable_key(KeyId=key)
    t.eq("trail off: LookupEvents finds nothing", [], names(ct))
    t.error("trail off: GetKeyLastUsage refused", "UnsupportedOperationException",
            kms_call(srv, "GetKeyLastUsage"), KeyId=key, msg="--audit-trail")
    srv.stop()
    # The trail on: what was done while it was off stays unrecorded; what
    # is done now is found.
    srv.args = srv.args + ["--audit-trail"]
    srv.start()
    kms = srv.client("kms")
    ct = srv.client("cloudtrail")
    kms.enable_key(KeyId=key)
    deadline = time.time() + 30
    got = names(ct)
    while "EnableKey" not in got and time.time() < deadline:
        time.sleep(0.2)
        got = names(ct)
    t.ok("trail on: EnableKey found", "EnableKey" in got, got)
    t.ok("trail on: nothing of the time it was off",
         not ({"CreateKey", "Encrypt", "DisableKey"} & set(got)), got)
    out = kms_call(srv, "GetKeyLastUsage")(KeyId=key)
    t.ok("trail on: GetKeyLastUsage answers", out.get("KeyId") == key, out)
t.done()
