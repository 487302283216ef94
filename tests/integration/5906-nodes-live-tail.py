#!/usr/bin/env python3
"""Live Tail across nodes on one PostgreSQL store: a session started on
node A sees the events put through node B (sessions poll the store, so
every node's commits reach every session), filtered by its pattern; and
a group deleted through B ends A's session with
SessionStreamingException.

The limit of 15 sessions per account and Region counts both nodes'
sessions (the store's session book): with 15 spread over A and B, a 16th
is refused on either; a session closed on B frees its slot for A; and
when B is killed (SIGKILL: nothing removes its rows), its slots come
back to A once their rows expire (livetail.h LV_LIVETAIL_EXPIRY_MS, 15
s; waited for with a generous bound), up to 15 again and not one
more.

A third node whose store fails the first admit and the first renewal
(LOGVAULT_STORE_FAULT, sanitizer build): the start answers
ServiceUnavailableException and books nothing; a session whose renewal
fails ends with SessionStreamingException and leaves no row."""
import atexit
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import REGION, Nodes, client, need_pg, wait_for  # noqa: E402
from lvtest import Server, T, psql  # noqa: E402

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
LIMIT = 15
OTHER_REGION = "us-east-1"
# Far above the rows' expiry (15 s after B's last renewal): a bound on
# the wait, not a check of timing.
EXPIRY_BOUND = 120
t = T()


def tail_client(srv, region=REGION):
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
        "logs", region_name=region, endpoint_url=srv.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      inject_host_prefix=False,
                                      max_pool_connections=2 * LIMIT,
                                      read_timeout=30))


SESSION_IDS = {}        # stream -> its sessionId


def open_session(lt, group):
    """A session on lt's node; returns its stream once sessionStart came
    (so the server holds it)."""
    r = lt.start_live_tail(logGroupIdentifiers=[group])
    stream = r["responseStream"]
    first = next(iter(stream))
    if "sessionStart" not in first:
        raise AssertionError("no sessionStart: %r" % (first,))
    SESSION_IDS[stream] = first["sessionStart"]["sessionId"]
    return stream


def book_has(uri, sid):
    """Whether the store's session book has a row for session sid."""
    return psql("SELECT count(*) FROM livetail_sessions WHERE id = '%s'"
                % sid, uri) == ["1"]


def end_of(stream, bound):
    """The (code, message) of the exception that ends stream, read within
    bound seconds (a ceiling, not a timing check); None if none came."""
    deadline = time.time() + bound
    try:
        for _ in iter(stream):
            if time.time() > deadline:
                return None
    except botocore.exceptions.EventStreamError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None


def refused(lt, group):
    """The error code of a start refused, None when it was admitted (the
    session is closed again)."""
    try:
        open_session(lt, group).close()
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["Error"]["Message"]
    return None


def _try_open(lt, group):
    """A session's stream, or None while the limit refuses it (for
    wait_for)."""
    try:
        return open_session(lt, group)
    except botocore.exceptions.ClientError as e:
        if e.response["Error"]["Code"] != "LimitExceededException":
            raise
        time.sleep(0.5)
        return None


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

    # -- the limit over both nodes ----------------------------------------
    la.create_log_group(logGroupName="lim")
    ta, tb = tail_client(a), tail_client(b)
    # Sessions closed above may still be in the book until their server
    # writes to them again: wait for the first start.
    on_a = [wait_for("a first session on A",
                     lambda: _try_open(ta, "lim"), bound=EXPIRY_BOUND)]
    on_a += [open_session(ta, "lim") for _ in range(LIMIT // 2)]
    on_b = [open_session(tb, "lim") for _ in range(LIMIT - len(on_a))]
    t.eq("15 sessions spread over both nodes", (8, 7),
         (len(on_a), len(on_b)))
    full = ("LimitExceededException",
            "The maximum number of concurrent Live Tail sessions (15) for "
            "this account has been reached.")
    t.eq("a 16th session refused on A", full, refused(ta, "lim"))
    t.eq("a 16th session refused on B", full, refused(tb, "lim"))

    # A session closed on B frees its slot for A (B lets it go when it
    # next writes to it).
    on_b.pop().close()
    on_a.append(wait_for("the slot closed on B taken on A",
                         lambda: _try_open(ta, "lim"), bound=EXPIRY_BOUND))
    t.eq("then full again", full, refused(ta, "lim"))

    # B dies with its 6 sessions: their rows stay until they expire, then
    # A takes the slots, up to 15 and not one more.
    nodes.kill(1)
    for st in on_b:
        st.close()
    while len(on_a) < LIMIT:
        on_a.append(wait_for("a slot of dead B's (%d on A)" % len(on_a),
                             lambda: _try_open(ta, "lim"),
                             bound=EXPIRY_BOUND))
    t.eq("A holds 15 once B's rows expired", LIMIT, len(on_a))
    t.eq("and a 16th is refused", full, refused(ta, "lim"))

    # A session whose row was lost (as when it stalled past its expiry)
    # books itself again at its next renewal when there is room...
    sid = SESSION_IDS[on_a[1]]
    psql("DELETE FROM livetail_sessions WHERE id = '%s'" % sid, nodes.uri)
    t.ok("a lost row is booked again",
         wait_for("session %s booked again" % sid,
                  lambda: book_has(nodes.uri, sid), bound=EXPIRY_BOUND))
    # ... and ends with the limit's message when its slot was taken
    # meanwhile (here by a row put in its place in one transaction).
    sid = SESSION_IDS[on_a[0]]
    psql("INSERT INTO livetail_sessions SELECT 'taker', account, region,"
         " 'test', started_ms, expires_ms + 3600000 FROM livetail_sessions"
         " WHERE id = '%s'; DELETE FROM livetail_sessions WHERE id = '%s'"
         % (sid, sid), nodes.uri)
    t.eq("a lost slot taken meanwhile ends the session",
         ("SessionStreamingException", full[1]),
         end_of(on_a.pop(0), EXPIRY_BOUND))
    t.ok("which leaves no row of its own", not book_has(nodes.uri, sid))
    for st in on_a:
        st.close()

    # -- store faults, on a third node and a scope of its own -------------
    c = Server("--store", nodes.uri, "--root-key-file", nodes.key_file,
               env={"LOGVAULT_STORE_FAULT":
                    "livetail.admit#1,livetail.renew#1"})
    nodes.servers.append(c)     # stopped and checked with the others
    c.start()
    tc = tail_client(c, OTHER_REGION)
    lc = boto3.session.Session().client(
        "logs", region_name=OTHER_REGION, endpoint_url=c.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test")
    lc.create_log_group(logGroupName="lim")
    scope = ("SELECT count(*) FROM livetail_sessions WHERE region = '%s'"
             % OTHER_REGION)
    got = refused(tc, "lim")
    t.eq("a fault at admit answers 503", "ServiceUnavailableException",
         got and got[0])
    t.eq("and books nothing", ["0"], psql(scope, nodes.uri))
    st = open_session(tc, "lim")
    t.eq("the next start is booked", ["1"], psql(scope, nodes.uri))
    t.eq("a fault at renewal ends the session",
         ("SessionStreamingException", "An internal error occurred."),
         end_of(st, EXPIRY_BOUND))
    # Only admit reaps expired rows, and none comes in this scope: a row
    # not deleted by its session would stay.
    t.ok("and its row goes with it",
         wait_for("the failed session's row removed",
                  lambda: psql(scope, nodes.uri) == ["0"],
                  bound=EXPIRY_BOUND))
t.done()
