"""The KMS background task obeys the no-lost-updates rule too (issue 10,
section 2): automatic rotations made by the sweeper while clients change
the same keys undo none of their changes, and take each material version
once.

KEYS keys get automatic rotation (90 days). The server is restarted under
libfaketime with the clock set so that the rotations fall due a few
seconds after it starts; meanwhile one writer per key (boto3, in a client
process under the same faked clock, as SigV4 needs) sets the key's
description to 1, 2, 3 … in order. Once every key has rotated, each writer
makes two more writes and stops. Then every key has the last description
its writer was told was written, exactly one AUTOMATIC rotation, a
NextRotationDate one period after it, and rotates on demand (no version
taken twice). The wait for the sweeper is bounded by the sweeper's own
schedule (a pass a second) with a generous ceiling; nothing sleeps to
make a race happen.
"""
import json
import os
import shutil
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, kms_call, faketime_run  # noqa: E402

DAY = 86400
KEYS = 8
PERIOD = 90
DUE_AFTER = 4               # seconds after the faked server starts
CEILING = 90                # seconds: the sweeper runs every second
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"


def client_phase(port, key_ids):
    """Runs under faketime: the writers, then the checks' readings, printed
    as one JSON line."""
    srv = Server()
    srv.port = port
    shutil.rmtree(srv.scratch, ignore_errors=True)
    rotations = kms_call(srv, "ListKeyRotations")
    status = kms_call(srv, "GetKeyRotationStatus")
    on_demand = kms_call(srv, "RotateKeyOnDemand")
    clients = [srv.client("kms") for _ in key_ids]
    acked = [0] * len(key_ids)
    errors = []
    stop = threading.Event()
    rotated = threading.Event()

    def writer(n):
        kid = key_ids[n]
        extra = None
        i = 0
        while not stop.is_set():
            i += 1
            try:
                clients[n].update_key_description(KeyId=kid,
                                                  Description="d%d" % i)
                acked[n] = i
            except Exception as e:  # noqa: BLE001 - reported below
                errors.append("%s: %s" % (kid, e))
                return
            if rotated.is_set():
                extra = 1 if extra is None else extra + 1
                if extra >= 2:
                    return

    threads = [threading.Thread(target=writer, args=(n,))
               for n in range(len(key_ids))]
    for th in threads:
        th.start()
    deadline = time.time() + CEILING
    while time.time() < deadline and not errors:
        if all(rotations(KeyId=k)["Rotations"] for k in key_ids):
            break
        time.sleep(0.2)
    rotated.set()
    for th in threads:
        th.join(timeout=CEILING)
    stop.set()
    out = {"errors": errors, "acked": acked, "keys": []}
    for n, kid in enumerate(key_ids):
        md = clients[n].describe_key(KeyId=kid)["KeyMetadata"]
        rots = rotations(KeyId=kid)["Rotations"]
        st = status(KeyId=kid)
        try:
            on_demand(KeyId=kid)
            again = "ok"
        except Exception as e:  # noqa: BLE001 - reported below
            again = str(e)
        out["keys"].append({
            "description": md["Description"],
            "types": [r["RotationType"] for r in rots],
            "rotation_date": rots[0]["RotationDate"] if rots else 0,
            "next": st.get("NextRotationDate", 0),
            "on_demand": again})
    print(json.dumps(out))


if len(sys.argv) > 1 and sys.argv[1] == "--client":
    client_phase(int(sys.argv[2]), sys.argv[3:])
    sys.exit(0)

t = T()
if not os.path.exists(FAKETIME_LIB) or not shutil.which("faketime"):
    print("libfaketime (Debian's faketime) is not installed")
    sys.exit(77)

data_dir = tempfile.mkdtemp(prefix="lv-5103.")
with Server(data_dir=data_dir) as srv:
    kms = srv.client("kms")
    enable = kms_call(srv, "EnableKeyRotation")
    key_ids = []
    for _ in range(KEYS):
        kid = kms.create_key()["KeyMetadata"]["KeyId"]
        enable(KeyId=kid, RotationPeriodInDays=PERIOD)
        key_ids.append(kid)
    status = kms_call(srv, "GetKeyRotationStatus")
    due = max(status(KeyId=k)["NextRotationDate"] for k in key_ids)
    srv.stop()

# The faked clock reaches the latest due date DUE_AFTER seconds from now.
offset = int(due - time.time()) - DUE_AFTER
fake = "+%d" % offset
with Server(data_dir=data_dir,
            env={"LD_PRELOAD": FAKETIME_LIB, "FAKETIME": fake,
                 "ASAN_OPTIONS":
                 "detect_leaks=1:verify_asan_link_order=0"}) as srv:
    p = faketime_run(fake, [sys.executable,
                        os.path.abspath(__file__), "--client",
                        str(srv.port)] + key_ids,
                       capture_output=True, text=True, timeout=CEILING * 3)
    t.eq("client under faketime ran", 0, p.returncode)
    if p.returncode != 0:
        print(p.stderr[-3000:])
    else:
        res = json.loads(p.stdout.strip().splitlines()[-1])
        t.eq("no writer failed", [], res["errors"])
        for n, k in enumerate(res["keys"]):
            name = "key %d" % n
            t.eq(name + ": the last acknowledged description holds",
                 "d%d" % res["acked"][n], k["description"])
            t.eq(name + ": one automatic rotation", ["AUTOMATIC"],
                 k["types"])
            t.ok(name + ": next rotation one period after it",
                 abs(k["next"] - (k["rotation_date"] + PERIOD * DAY)) < 1,
                 k)
            t.eq(name + ": a rotation on demand still works", "ok",
                 k["on_demand"])
    log = srv.read_log()
    t.ok("no UNIQUE constraint failure in the server log",
         "UNIQUE constraint failed" not in log)
shutil.rmtree(data_dir, ignore_errors=True)
t.done()
