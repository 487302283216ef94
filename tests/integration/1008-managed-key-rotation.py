#!/usr/bin/env python3
"""AWS managed keys rotate every year (issue 17; "AWS managed keys are
automatically rotated every year", rotate-keys.html): the key DescribeKey
made says so in GetKeyRotationStatus (enabled, 365 days, next rotation a
year after its creation), and the sweeper rotates it when that year has
passed (the server run 366 days ahead under libfaketime): ListKeyRotations
shows one AUTOMATIC rotation and the next date a year further on."""
import glob
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, faketime_run  # noqa: E402

t = T()
DAY = 86400
data_dir = tempfile.mkdtemp(prefix="lv-1008.")
FAKETIME_LIB = (sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1"))
                or [None])[-1]
if FAKETIME_LIB is None:
    print("libfaketime (Debian's faketime) is not installed")
    sys.exit(77)

with Server(data_dir=data_dir) as srv:
    kms = srv.client("kms")
    md = kms.describe_key(KeyId="alias/aws/glue")["KeyMetadata"]
    kid = md["KeyId"]
    created = md["CreationDate"].timestamp()
    st, _, body = srv.raw(json.dumps({"KeyId": kid}),
                          target="TrentService.GetKeyRotationStatus")
    rs = json.loads(body)
    t.eq("rotation status", (200, True, 365),
         (st, rs.get("KeyRotationEnabled"), rs.get("RotationPeriodInDays")))
    t.ok("next rotation a year after creation",
         abs(rs.get("NextRotationDate", 0) - (created + 365 * DAY)) < 5, rs)
    t.eq("no rotation yet", [],
         kms.list_key_rotations(KeyId=kid)["Rotations"]
         if hasattr(kms, "list_key_rotations") else [])
    srv.stop()

with Server(data_dir=data_dir,
            env={"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": "+366d",
                 "ASAN_OPTIONS":
                 "detect_leaks=1:verify_asan_link_order=0"}) as srv:
    # The client's clock must agree with the server's for SigV4.
    probe = r"""
import json, sys, time
sys.path.insert(0, sys.argv[3])
from lvtest import Server
srv = Server()
srv.port = int(sys.argv[1])
def call(op, **body):
    st, _, data = srv.raw(json.dumps(body), target="TrentService." + op)
    return json.loads(data)
deadline = time.time() + 30
rots = []
while time.time() < deadline:
    rots = call("ListKeyRotations", KeyId=sys.argv[2])["Rotations"]
    if rots:
        break
    time.sleep(0.5)
st = call("GetKeyRotationStatus", KeyId=sys.argv[2])
print(json.dumps({"types": [r["RotationType"] for r in rots],
                  "next": st.get("NextRotationDate", 0),
                  "now": time.time()}))
shutil = __import__("shutil")
shutil.rmtree(srv.scratch, ignore_errors=True)
"""
    p = faketime_run("+366d", [sys.executable, "-c", probe, str(srv.port),
                               kid, os.path.dirname(os.path.abspath(
                                   __file__))],
                     capture_output=True, text=True, timeout=90)
    t.eq("probe under faketime ran", 0, p.returncode)
    if p.returncode == 0:
        res = json.loads(p.stdout.strip().splitlines()[-1])
        t.eq("the sweeper rotated it", ["AUTOMATIC"], res["types"])
        t.ok("next rotation a year on",
             abs(res["next"] - (res["now"] + 365 * DAY)) < 300, res)
    else:
        print(p.stderr[-2000:])
    srv.stop()
shutil.rmtree(data_dir, ignore_errors=True)
t.done()
