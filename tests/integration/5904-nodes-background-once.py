#!/usr/bin/env python3
"""Issue 11 section 4: background work runs once across the nodes, under a
lease, and is taken over when the node doing it dies.

Three nodes on one PostgreSQL database, each running its KMS sweeper
(a pass a second), all under libfaketime reading their clock offset from
one file, so that the test moves the time of all three at once without a
restart. Their log level is debug, where a node says when it comes to
hold the sweeper's lease or sees another node hold it.

- At the real time: one node holds the lease "kms.sweeper", the two others
  see it held. A key is scheduled for deletion (7 days, the shortest
  window). The clock moves 8 days on: the key goes from PendingDeletion
  to gone, through every node, and exactly one node's log says it deleted
  it: the lease holder's. No node logs a sweeper failure.
- The holder is killed (SIGKILL): another node takes the lease (its log
  says so). A second key is scheduled for deletion, the clock moves 8
  more days: the new holder deletes it, once.

Clients run under the same faked clock (SigV4 dates must match the
servers'), in child processes of this test."""
import email.utils
import glob
import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

REGION = "eu-west-2"


def child(op, endpoint, key_id, bound):
    """Runs in a child under libfaketime: `schedule` schedules key_id's
    deletion; `gone` waits (up to bound seconds) for key_id to be gone,
    noting every state it saw. Prints a JSON object."""
    import boto3
    import botocore.config
    import botocore.exceptions
    kms = boto3.session.Session().client(
        "kms", region_name=REGION, endpoint_url=endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0}))
    out = {"states": []}
    if op == "schedule":
        r = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
        out["state"] = r["KeyState"]
    else:
        deadline = time.time() + float(bound)
        while time.time() < deadline:
            try:
                s = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"]
            except botocore.exceptions.ClientError as e:
                s = e.response["Error"]["Code"]
            if not out["states"] or out["states"][-1] != s:
                out["states"].append(s)
            if s == "NotFoundException":
                break
            time.sleep(0.1)
    print(json.dumps(out))


if len(sys.argv) > 1 and sys.argv[1] == "--child":
    child(*sys.argv[2:6])
    sys.exit(0)

from lvpg import Nodes, client, need_pg, wait_for  # noqa: E402
from lvtest import T  # noqa: E402

need_pg()
LIBFAKETIME = (sorted(glob.glob(
    "/usr/lib/*/faketime/libfaketimeMT.so.1")) or [None])[-1]
if not LIBFAKETIME:
    print("skipped: libfaketime (Debian's libfaketime package) is not "
          "installed")
    sys.exit(77)

t = T()
LEASE_HELD = "store: lease held name=kms.sweeper"
LEASE_ELSEWHERE = "store: lease held by another node name=kms.sweeper"
clock_dir = tempfile.mkdtemp(prefix="lv-5904.")
clock = os.path.join(clock_dir, "faketime")


def set_clock(spec):
    """Moves every faked clock (the nodes' and the children's)."""
    with open(clock + ".new", "w") as f:
        f.write(spec + "\n")
    os.replace(clock + ".new", clock)


set_clock("+0")
# The offset is re-read at most once a second; monotonic time is faked
# with it (libfaketime's sleeps fail without that), so the nodes' tickers
# see the jump too and run at once.
FAKE_ENV = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": clock,
            "FAKETIME_CACHE_DURATION": "1",
            "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE_ENV),
                  capture_output=True).returncode != 0:
    shutil.rmtree(clock_dir)
    print("skipped: logvault does not run under libfaketime here")
    sys.exit(77)


def node_time(srv):
    """The node's clock, as the Date header of its /health says."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=10)
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        r.read()
        return email.utils.parsedate_to_datetime(
            r.getheader("Date")).timestamp()
    finally:
        conn.close()


def wait_clock(servers, days):
    """Waits until every running node's clock reads `days` days on (less
    an hour), so that a client on the same faked clock is not refused for
    its date and no node sees the jump in the middle of a request."""
    for s in servers:
        if s.proc is not None:
            wait_for("node on port %d to be %d days on" % (s.port, days),
                     lambda: node_time(s) > time.time() + days * 86400 -
                     3600, bound=30, step=0.2)


def run_child(op, srv, key_id, bound=60):
    env = {k: v for k, v in os.environ.items()
           if k not in ("ASAN_OPTIONS", "FAKETIME")}
    env.update(LD_PRELOAD=LIBFAKETIME, FAKETIME_TIMESTAMP_FILE=clock,
               FAKETIME_CACHE_DURATION="1")
    p = subprocess.run([sys.executable, os.path.abspath(__file__),
                        "--child", op, srv.endpoint, key_id, str(bound)],
                       capture_output=True, text=True, env=env,
                       timeout=bound + 60)
    if p.returncode != 0:
        raise AssertionError("client %s failed: %s" % (op, p.stderr[-3000:]))
    return json.loads(p.stdout)


def holders(servers):
    """The indexes of the running nodes whose latest word on the lease is
    that they hold it, and of those that see it held elsewhere."""
    held, elsewhere = [], []
    for i, s in enumerate(servers):
        if s.proc is None:
            continue
        text = s.read_log()
        last_held = text.rfind(LEASE_HELD)
        last_else = text.rfind(LEASE_ELSEWHERE)
        if last_held > last_else:
            held.append(i)
        elif last_else >= 0:
            elsewhere.append(i)
    return held, elsewhere


def deleted_by(servers, key_id):
    return [i for i, s in enumerate(servers)
            if s.log_path and re.search(r"kms: key deleted id=%s\b" % key_id,
                                        s.read_log())]


try:
    with Nodes(3, args=("--log-level", "debug"), env=FAKE_ENV) as nodes:
        srv = nodes.servers
        kms = client(srv[0], "kms")
        k1 = kms.create_key(Description="one")["KeyMetadata"]["KeyId"]
        k2 = kms.create_key(Description="two")["KeyMetadata"]["KeyId"]
        kms.schedule_key_deletion(KeyId=k1, PendingWindowInDays=7)

        held, elsewhere = wait_for(
            "one node to hold the sweeper's lease and two to see it held",
            lambda: (lambda h, e: (h, e) if len(h) == 1 and len(e) == 2
                     else None)(*holders(srv)))
        first = held[0]
        t.eq("one node holds the lease, the others see it held",
             [[first], sorted(set(range(3)) - {first})], [held, elsewhere])
        for i, s in enumerate(srv):
            t.eq("node %d: the key is pending deletion" % i,
                 "PendingDeletion", client(s, "kms").describe_key(
                     KeyId=k1)["KeyMetadata"]["KeyState"])

        set_clock("+8d")
        wait_clock(srv, 8)
        r = run_child("gone", srv[(first + 1) % 3], k1)
        t.ok("8 days on: the key goes from PendingDeletion to gone",
             r["states"] in (["PendingDeletion", "NotFoundException"],
                             ["NotFoundException"]), r["states"])
        for i, s in enumerate(srv):
            t.eq("node %d: gone" % i, "NotFoundException",
                 run_child("gone", s, k1, bound=5)["states"][-1])
        wait_for("the deleting node's log line",
                 lambda: deleted_by(srv, k1), bound=10)
        t.eq("deleted once, by the lease holder", [first],
             deleted_by(srv, k1))

        # The holder dies; another node takes the lease over.
        nodes.kill(first)
        held, _ = wait_for(
            "another node to take the sweeper's lease",
            lambda: (lambda h, e: (h, e) if len(h) == 1 else None)(
                *holders(srv)))
        second = held[0]
        t.ok("a survivor holds the lease", second != first and
             srv[second].proc is not None)
        r = run_child("schedule", srv[second], k2)
        t.eq("second key scheduled for deletion", "PendingDeletion",
             r.get("state"))
        set_clock("+16d")
        wait_clock(srv, 16)
        other = [i for i in range(3) if i not in (first, second)][0]
        r = run_child("gone", srv[other], k2)
        t.eq("16 days on: the second key is gone", "NotFoundException",
             (r["states"] or [None])[-1])
        wait_for("the new holder's log line", lambda: deleted_by(srv, k2),
                 bound=10)
        t.eq("deleted once, by the new holder", [second],
             deleted_by(srv, k2))
        t.eq("no node logged a sweeper failure", [],
             [i for i, s in enumerate(srv)
              if s.log_path and "sweeper cannot" in s.read_log()])
finally:
    shutil.rmtree(clock_dir, ignore_errors=True)
t.done()
