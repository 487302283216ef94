"""Helpers of the multi-node tests (tests/integration/59xx-*.py, issue 11
sections 4 and 5): several `logvault serve` nodes on one PostgreSQL
database, client threads that keep a record of what each node
acknowledged, reading a stream or a group whole, and a PostgreSQL cluster
of the test's own (5950's primary and standby).

Every test calls need_pg() first: off PostgreSQL it exits 77 (skipped).

    from lvpg import Nodes, need_pg
    need_pg()
    with Nodes(3) as nodes:
        a, b, c = nodes.servers

Nothing here sleeps to let something happen: waits poll a condition and
fail with a message when a bound passes (wait_for).
"""
import collections
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lvtest  # noqa: E402
from lvtest import Server  # noqa: E402

import boto3  # noqa: E402
import botocore.config  # noqa: E402
import botocore.exceptions  # noqa: E402

REGION = "eu-west-2"


def need_pg():
    """Exits 77 unless the suite runs on PostgreSQL (the harness's
    lvtest.need_pg, which prints why)."""
    if not hasattr(lvtest, "need_pg"):
        print("skipped: needs PostgreSQL (this lvtest.py cannot start one)")
        sys.exit(77)
    lvtest.need_pg()


def pg_bin(name):
    """The path of PostgreSQL's program `name` (LV_PG_BIN)."""
    return os.path.join(os.environ["LV_PG_BIN"], name)


def write_root_key(dirpath):
    """A new root key file in dirpath (32 random bytes, 0600)."""
    path = os.path.join(dirpath, "root.key")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    return path


def wait_for(what, cond, bound=60.0, step=0.05):
    """Polls cond() until it is true (returns its value) or `bound`
    seconds pass: then raises AssertionError naming `what`."""
    deadline = time.time() + bound
    while True:
        v = cond()
        if v:
            return v
        if time.time() > deadline:
            raise AssertionError("gave up after %.0f s waiting for %s"
                                 % (bound, what))
        time.sleep(step)


def client(srv, service, key="test", secret="test", read_timeout=60):
    """A boto3 client for srv with no retries (every failure is seen) and
    the given read timeout (a request that takes longer raises
    ReadTimeoutError: a hang)."""
    return boto3.session.Session().client(
        service, region_name=REGION, endpoint_url=srv.endpoint,
        aws_access_key_id=key, aws_secret_access_key=secret,
        config=botocore.config.Config(retries={"max_attempts": 0},
                                      connect_timeout=10,
                                      read_timeout=read_timeout))


class Nodes:
    """n `logvault serve` processes on one store: the same --store URI
    (default: a new database, lvtest.pg_new_database()) and the same root
    key file, each with its own data dir. args and env go to every node.
    The first node starts alone (it migrates the fresh database), then the
    others."""

    def __init__(self, n, uri=None, args=(), env=None):
        self.uri = uri or lvtest.pg_new_database()
        self.scratch = tempfile.mkdtemp(prefix="lv-nodes.")
        self.key_file = write_root_key(self.scratch)
        self.servers = [Server("--store", self.uri, "--root-key-file",
                               self.key_file, *args, env=env)
                        for _ in range(n)]

    def __enter__(self):
        try:
            self.servers[0].start()
            for s in self.servers[1:]:
                s.start()
        except BaseException:
            self.__exit__(*sys.exc_info())
            raise
        return self

    def kill(self, i):
        """SIGKILLs node i (a crash: nothing is flushed or closed)."""
        self.servers[i].stop(signal.SIGKILL)

    def __exit__(self, *exc):
        """Stops every node still running (SIGTERM), then fails the test
        (exit 1) on a sanitizer report in any node's log or a node that
        did not exit 0 on SIGTERM."""
        bad = []
        for i, s in enumerate(self.servers):
            running = s.proc is not None
            rc = s.stop()
            if running and exc[0] is None and rc != 0:
                bad.append("node %d exited with status %s after SIGTERM"
                           % (i, rc))
            if s.sanitizer_reports:
                bad.append("sanitizer or BUG report in node %d's log:\n%s"
                           % (i, s.sanitizer_reports[0][-6000:]))
        for s in self.servers:
            shutil.rmtree(s.scratch, ignore_errors=True)
        shutil.rmtree(self.scratch, ignore_errors=True)
        if bad:
            print("FAIL: " + "\nFAIL: ".join(bad))
            sys.exit(1)
        return False


def error_code(e):
    """What a client saw instead of a 200: the AWS error code of a
    ClientError, else the exception's class name (a connection refused or
    reset, a read timeout)."""
    if isinstance(e, botocore.exceptions.ClientError):
        return e.response["Error"]["Code"]
    return type(e).__name__


class Putter(threading.Thread):
    """A client thread that sends PutLogEvents batches to one node until
    stop is set (or `batches` were sent), and keeps what came back: acked
    holds the messages of every batch answered 200, failed maps each
    batch that was not (its messages) to what the client saw instead.

    Batch b holds `size` events "TAG bB eI", all with timestamp
    ts0 + b (so that batches of several putters share timestamps)."""

    def __init__(self, srv, group, stream, tag, ts0, size=20, batches=None,
                 stop=None, read_timeout=60, stop_on_error=False,
                 pause_on_error=0.0):
        super().__init__(daemon=True)
        self.logs = client(srv, "logs", read_timeout=read_timeout)
        self.group, self.stream, self.tag = group, stream, tag
        self.ts0, self.size, self.batches = ts0, size, batches
        self.stop_event = stop or threading.Event()
        self.stop_on_error = stop_on_error
        self.pause_on_error = pause_on_error    # pacing, not a check
        self.acked = []
        self.failed = []            # (messages, error code, seconds)
        self.sent = 0               # batches sent (or being sent)
        self.lock = threading.Lock()

    def batch(self, b):
        return ["%s b%d e%d" % (self.tag, b, i) for i in range(self.size)]

    def run(self):
        b = 0
        while not self.stop_event.is_set() and (
                self.batches is None or b < self.batches):
            msgs = self.batch(b)
            events = [{"timestamp": self.ts0 + b, "message": m}
                      for m in msgs]
            start = time.time()
            with self.lock:
                self.sent += 1
            try:
                self.logs.put_log_events(logGroupName=self.group,
                                         logStreamName=self.stream,
                                         logEvents=events)
                with self.lock:
                    self.acked.extend(msgs)
            except Exception as e:  # noqa: BLE001 - every failure is data
                with self.lock:
                    self.failed.append((msgs, error_code(e),
                                        time.time() - start))
                if self.stop_on_error:
                    break
                self.stop_event.wait(self.pause_on_error)
            b += 1

    def n_acked(self):
        with self.lock:
            return len(self.acked) // self.size

    def n_failed(self):
        with self.lock:
            return len(self.failed)


def sent_batches(putters):
    """(every message the putters sent, message -> its batch's
    messages), for check_exactly_once()."""
    sent = set()
    batch_of = {}
    for p in putters:
        for bn in range(p.sent):
            msgs = p.batch(bn)
            sent.update(msgs)
            for m in msgs:
                batch_of[m] = msgs
    return sent, batch_of


def health(srv):
    """(status, the "store" member) of srv's /health."""
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.request("GET", "/health")
        r = conn.getresponse()
        return r.status, json.loads(r.read()).get("store")
    finally:
        conn.close()


def read_stream(srv, group, stream, limit=None, retries=0):
    """Every event of the stream through srv, oldest first, as
    (timestamp, message): GetLogEvents from the head, following
    nextForwardToken until it comes back unchanged. Up to `retries`
    ServiceUnavailableException answers in all are retried (as an SDK
    would) instead of raised."""
    logs = client(srv, "logs")
    out = []
    token = None
    for _ in range(10000):
        kw = {"logGroupName": group, "logStreamName": stream,
              "startFromHead": True}
        if limit:
            kw["limit"] = limit
        if token:
            kw["nextToken"] = token
        try:
            r = logs.get_log_events(**kw)
        except botocore.exceptions.ClientError as e:
            if retries <= 0 or error_code(e) != \
                    "ServiceUnavailableException":
                raise
            retries -= 1
            continue
        out.extend((e["timestamp"], e["message"]) for e in r["events"])
        if r["nextForwardToken"] == token:
            return out
        token = r["nextForwardToken"]
    raise AssertionError("GetLogEvents did not reach the end of %s/%s"
                         % (group, stream))


def filter_group(srv, group, limit=None):
    """Every event of the group through srv in FilterLogEvents's order, as
    (timestamp, message), following nextToken to the end."""
    logs = client(srv, "logs")
    out = []
    token = None
    for _ in range(10000):
        kw = {"logGroupName": group}
        if limit:
            kw["limit"] = limit
        if token:
            kw["nextToken"] = token
        r = logs.filter_log_events(**kw)
        out.extend((e["timestamp"], e["message"]) for e in r["events"])
        token = r.get("nextToken")
        if not token:
            return out
    raise AssertionError("FilterLogEvents did not reach the end of %s"
                         % group)


def check_exactly_once(t, name, events, acked, sent=None, batch_of=None):
    """The checks every load test makes on what a node reads back
    (`events`, (timestamp, message) pairs): no message twice, every
    acknowledged one present. With `sent` (every message any client sent)
    nothing else is there; with batch_of (message -> its batch's
    messages) a batch is there whole or not at all."""
    counts = collections.Counter(m for _, m in events)
    twice = sorted(m for m, n in counts.items() if n > 1)
    t.eq(name + ": no event stored twice", [], twice[:10])
    missing = sorted(set(acked) - set(counts))
    t.eq(name + ": every acknowledged event is there (%d)" % len(acked),
         [], missing[:10])
    if sent is not None:
        extra = sorted(set(counts) - set(sent))
        t.eq(name + ": nothing that was not sent", [], extra[:10])
    if batch_of is not None:
        torn = sorted({batch_of[m][0] for m in counts if m in batch_of and
                       not all(x in counts for x in batch_of[m])})
        t.eq(name + ": every batch whole or absent", [], torn[:10])


def free_port():
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A PostgreSQL cluster of the test's own, in a scratch directory owned
    by the postgres user (PostgreSQL refuses to run as root), listening on
    127.0.0.1:port and a socket in that directory."""

    def __init__(self, parent, name, port=None):
        self.dir = os.path.join(parent, name)
        self.data = os.path.join(self.dir, "data")
        self.port = port or free_port()
        self.log = os.path.join(self.dir, "log")
        os.makedirs(self.dir)
        as_postgres_own(self.dir)

    def run(self, *cmd, check=True):
        p = subprocess.run(as_postgres(list(cmd)), capture_output=True,
                           text=True, timeout=120)
        if check and p.returncode != 0:
            raise RuntimeError("%s failed (%d): %s %s" % (
                os.path.basename(cmd[0]), p.returncode, p.stdout[-2000:],
                p.stderr[-2000:]))
        return p

    def initdb(self):
        self.run(pg_bin("initdb"), "-D", self.data, "-U", "postgres",
                 "-A", "trust", "--no-sync")

    def start(self, *settings):
        """Starts it (waiting until it accepts connections); settings are
        extra "name=value" given on the command line, so that a
        pg_basebackup of this cluster does not copy them."""
        opts = "-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on" % (
            self.port, self.dir)
        for s in settings:
            opts += " -c " + s
        self.run(pg_bin("pg_ctl"), "-D", self.data, "-o", opts, "-l",
                 self.log, "-w", "-t", "60", "start")

    def stop(self, mode="fast"):
        self.run(pg_bin("pg_ctl"), "-D", self.data, "-m", mode, "-w",
                 "-t", "60", "stop", check=False)

    def psql(self, sql, db="postgres"):
        p = self.run(pg_bin("psql"), "-X", "-q", "-A", "-t", "-v",
                     "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                     str(self.port), "-U", "postgres", "-d", db, "-c", sql)
        return p.stdout.strip()

    def log_text(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def as_postgres(cmd):
    """cmd run as the postgres user when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--"] + cmd
    return cmd


def as_postgres_own(path):
    """Gives path to the postgres user when we are root; mode 0700."""
    if os.geteuid() == 0:
        shutil.chown(path, "postgres", "postgres")
    os.chmod(path, 0o700)
