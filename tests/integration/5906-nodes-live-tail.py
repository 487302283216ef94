#!/usr/bin/env python3
"""Live Tail across nodes on one PostgreSQL store: a session started on
node A sees the events put through node B (sessions poll the store, so
every node's commits reach every session), filtered by its pattern; and
a group deleted through B ends A's session with
SessionStreamingException."""
import atexit
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import REGION, Nodes, client, need_pg  # noqa: E402
from lvtest import T  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402
import botocore.session  # noqa: E402

need_pg()
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
# Updates come about once a second: a bound on how many are read while
# waiting, not a check of timing.
MAX_UPDATES = 30
t = T()


def tail_client(srv):
    """A client with the Logs model this server implements (Debian's
    botocore predates StartLiveTail) and no host prefix (2501's)."""
    d = tempfile.mkdtemp(prefix="lv-5906-model.")
    atexit.register(shutil.rmtree, d, True)
    os.makedirs(os.path.join(d, "logs", "2014-03-28"))
    shutil.copy(os.path.join(ROOT, "data", "aws-models", "logs",
                             "service-2.json"),
                os.path.join(d, "logs", "2014-03-28", "service-2.json"))
    bs = botocore.session.get_session()
    bs.get_component("data_loader").search_paths.insert(0, d)
    return boto3.session.Session(botocore_session=bs).client(
        "logs", region_name=REGION, endpoint_url=srv.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      inject_host_prefix=False,
                                      read_timeout=30))


with Nodes(2) as nodes:
    a, b = nodes.servers
    la, lb = client(a, "logs"), client(b, "logs")
    la.create_log_group(logGroupName="multi")
    la.create_log_stream(logGroupName="multi", logStreamName="s")
    r = tail_client(a).start_live_tail(logGroupIdentifiers=["multi"],
                                       logEventFilterPattern="ERROR")
    stream = r["responseStream"]
    it = iter(stream)
    t.ok("sessionStart on A", "sessionStart" in next(it))
    now = int(time.time() * 1000)
    lb.put_log_events(logGroupName="multi", logStreamName="s", logEvents=[
        {"timestamp": now, "message": "ERROR via B"},
        {"timestamp": now, "message": "INFO via B"}])
    got = []
    for _ in range(MAX_UPDATES):
        upd = next(it).get("sessionUpdate", {})
        got += [e["message"] for e in upd.get("sessionResults", [])]
        if got:
            break
    t.eq("A's session sees what B ingested, filtered", ["ERROR via B"], got)
    lb.delete_log_group(logGroupName="multi")
    err = None
    try:
        for _ in range(MAX_UPDATES):
            next(it)
    except botocore.exceptions.EventStreamError as e:
        err = e
    except StopIteration:
        pass
    t.eq("the group deleted through B ends it",
         "SessionStreamingException",
         err.response["Error"]["Code"] if err else None)
    stream.close()
t.done()
