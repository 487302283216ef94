#!/usr/bin/env python3
"""CloudTrail LookupEvents' rate: "limited to two per second, per account,
per Region. If this limit is exceeded, a throttling error occurs." (the
LookupEvents API reference). Through boto3: two calls pass, the third at
the same moment is answered ThrottlingException (HTTP 400, "Rate
exceeded"), another account and another region count apart, and a second
later two calls pass again; serve --lookup-events-rate 0 lifts the limit.

No timing decides a check: the server runs under libfaketime with its
wall clock stopped at a time read from a file (an absolute date, re-read
on every clock call), which the test moves on by one second; the client
signs with the real clock, a few seconds from the server's."""
import datetime
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, write_creds  # noqa: E402

import botocore.exceptions  # noqa: E402

LIBFAKETIME = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
if not os.path.exists(LIBFAKETIME):
    print("skipped: libfaketime (Debian's libfaketime) is not installed")
    sys.exit(77)

t = T()
A, B = "111122223333", "444455556666"
creds = write_creds({"alice": ("AKIAALICE0000001", A, "alice"),
                     "bob": ("AKIABOB000000001", B, None)}, "lv-6203.")
clock = tempfile.NamedTemporaryFile("w", prefix="lv-6203.", suffix=".rc",
                                    delete=False)
clock.close()
start = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def set_clock(at):
    """Stops the server's wall clock at `at` (UTC)."""
    with open(clock.name + ".new", "w") as f:
        f.write(at.strftime("%Y-%m-%d %H:%M:%S") + "\n")
    os.replace(clock.name + ".new", clock.name)


FAKE = {"LD_PRELOAD": LIBFAKETIME, "FAKETIME_TIMESTAMP_FILE": clock.name,
        "FAKETIME_NO_CACHE": "1", "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        "TZ": "UTC",
        "ASAN_OPTIONS": "detect_leaks=1:verify_asan_link_order=0"}
if subprocess.run([os.environ["LOGVAULT_BIN"], "version"],
                  env=dict(os.environ, **FAKE),
                  capture_output=True).returncode != 0:
    print("skipped: logvault does not run under libfaketime here")
    sys.exit(77)


def lookup(srv, who="alice", region="eu-west-2"):
    """One LookupEvents: "ok", or the error's (code, message, status)."""
    key = {"alice": "AKIAALICE0000001", "bob": "AKIABOB000000001"}[who]
    ct = srv.client("cloudtrail", region=region, key=key,
                    secret=who + "-secret")
    try:
        ct.lookup_events(MaxResults=1)
        return "ok"
    except botocore.exceptions.ClientError as e:
        return (e.response["Error"]["Code"], e.response["Error"]["Message"],
                e.response["ResponseMetadata"]["HTTPStatusCode"])


THROTTLED = ("ThrottlingException", "Rate exceeded", 400)

set_clock(start)
with Server("--credentials", creds, env=FAKE) as srv:
    t.eq("1st call passes", "ok", lookup(srv))
    t.eq("2nd call, same second, passes", "ok", lookup(srv))
    t.eq("3rd call, same second: throttled", THROTTLED, lookup(srv))
    t.eq("4th call, same second: throttled", THROTTLED, lookup(srv))
    t.eq("another account: its own 1st", "ok", lookup(srv, "bob"))
    t.eq("another account: its own 2nd", "ok", lookup(srv, "bob"))
    t.eq("another account: 3rd throttled", THROTTLED, lookup(srv, "bob"))
    t.eq("another region: its own", "ok", lookup(srv, region="us-east-1"))

    # The raw answer: AWS JSON 1.1's error, of the CloudTrail model's
    # ThrottlingException shape.
    st, _, body = srv.raw("{}", target="com.amazonaws.cloudtrail.v20131101."
                          "CloudTrail_20131101.LookupEvents",
                          service="cloudtrail", key="AKIAALICE0000001",
                          secret="alice-secret")
    doc = json.loads(body or b"{}")
    t.eq("raw: 400 ThrottlingException",
         (400, "ThrottlingException", "Rate exceeded"),
         (st, doc.get("__type", "").split("#")[-1],
          doc.get("message", doc.get("Message"))))

    set_clock(start + datetime.timedelta(seconds=1))
    t.eq("a second later: 1st passes", "ok", lookup(srv))
    t.eq("a second later: 2nd passes", "ok", lookup(srv))
    t.eq("a second later: 3rd throttled", THROTTLED, lookup(srv))

    set_clock(start + datetime.timedelta(seconds=60))
    t.eq("a minute later: a burst of two, not more",
         ["ok", "ok", THROTTLED], [lookup(srv) for _ in range(3)])

# --lookup-events-rate 0: no limit, the clock stopped as before.
set_clock(start + datetime.timedelta(seconds=120))
with Server("--credentials", creds, "--lookup-events-rate", "0",
            env=FAKE) as srv:
    t.eq("rate 0: ten calls in one second pass", ["ok"] * 10,
         [lookup(srv) for _ in range(10)])
os.unlink(clock.name)
os.unlink(creds)
t.done()
