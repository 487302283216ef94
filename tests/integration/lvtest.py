"""Helpers for the Python integration tests: start the real `logvault serve`
on a free loopback port with a scratch data dir, make boto3 clients for it,
send raw (signed or unsigned) HTTP requests, and count checks.

A test module does:

    from lvtest import Server, T
    t = T()
    with Server() as srv:
        kms = srv.client("kms")
        t.eq("keys", kms.list_keys()["Keys"], [])
    t.done()

Exit status: 0 all checks passed, 1 a check failed, 77 skipped.

The store: the suite runs on both backends (tests/integration/run.sh,
LV_STORE_KIND=sqlite or postgresql). On PostgreSQL the harness gives every
test process LV_PG_ADMIN_URI (the throwaway cluster's superuser URI),
LV_PG_DATA (its data directory) and LV_PG_BIN (initdb, pg_ctl, psql ...),
and a Server not given a --store of its own gets a database of its own
(CREATE DATABASE, named after the test) and a root key file, both kept for
every Server of this process on the same data dir (restart() included), so
that every test runs unchanged. pg_new_database() makes a store URI for
tests that share one database between several servers; need_pg() skips a
test that only means something on PostgreSQL.
"""
import atexit
import base64
import glob
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse

try:
    import boto3
    import botocore.auth
    import botocore.awsrequest
    import botocore.config
    import botocore.credentials
    import botocore.exceptions
except ImportError:  # pragma: no cover - a missing prerequisite
    print("boto3 (Debian's python3-boto3) is not installed")
    sys.exit(77)

SANITIZER = re.compile(
    r"ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:|BUG: ")


# ---- a client under a faked clock ------------------------------------------
def faketime_run(offset, argv, **kw):
    """subprocess.run(argv, **kw) with Debian's libfaketime preloaded and
    FAKETIME=offset ("+8d"), as the servers under test get it. Not the
    `faketime` command: it keeps its clock in POSIX semaphores and shared
    memory, and a run killed on this machine left /dev/shm entries that
    made the next one fail with "sem_open: File exists"."""
    lib = (sorted(glob.glob("/usr/lib/*/faketime/libfaketimeMT.so.1")) or
           sorted(glob.glob("/usr/lib/*/faketime/libfaketime.so.1")) or
           [None])[-1]
    if lib is None:
        raise RuntimeError("libfaketime (Debian's faketime) is missing")
    env = dict(kw.pop("env", None) or os.environ)
    env["LD_PRELOAD"] = lib
    env["FAKETIME"] = offset
    return subprocess.run(argv, env=env, **kw)


# ---- the store under test ---------------------------------------------------
STORE_KIND = os.environ.get("LV_STORE_KIND", "sqlite")
PG_ADMIN_URI = os.environ.get("LV_PG_ADMIN_URI")
PG_DATA = os.environ.get("LV_PG_DATA")
PG_BIN = os.environ.get("LV_PG_BIN")


def on_pg():
    """True when this run's store is PostgreSQL (LV_STORE_KIND=postgresql
    and the harness's cluster is there)."""
    return STORE_KIND == "postgresql" and bool(PG_ADMIN_URI)


if STORE_KIND == "postgresql" and not (PG_ADMIN_URI and PG_BIN):
    print("LV_STORE_KIND=postgresql needs LV_PG_ADMIN_URI and LV_PG_BIN "
          "(tests/integration/run.sh sets them)")
    sys.exit(1)


def need_pg():
    """Exits 77 (skipped) unless the store under test is PostgreSQL."""
    if not on_pg():
        print("skipped: needs PostgreSQL (LV_PG_ADMIN_URI)")
        sys.exit(77)


def psql(sql, uri=None):
    """Runs sql with LV_PG_BIN's psql on uri (default: the admin URI),
    stopping at the first error; returns its output lines (unaligned,
    tuples only, fields separated by '|')."""
    p = subprocess.run([os.path.join(PG_BIN, "psql"), "-X", "-q", "-A",
                        "-t", "-v", "ON_ERROR_STOP=1", "-d",
                        uri or PG_ADMIN_URI, "-c", sql],
                       capture_output=True, text=True, timeout=120)
    if p.returncode != 0:
        raise RuntimeError("psql %r: %s" % (sql[:200], p.stderr.strip()))
    return p.stdout.splitlines()


_pg_databases = []      # made by this process, dropped at exit
_pg_stores = {}         # data dir -> (store URI, root key file)
_pg_scratch = None      # this process's root key files
_pg_atexit = []         # [True] once the cleanup is registered


def _pg_cleanup_at_exit():
    if not _pg_atexit:
        atexit.register(_drop_pg_databases)
        _pg_atexit.append(True)


def _pg_uri(dbname):
    """The admin URI with its database replaced by dbname."""
    u = urllib.parse.urlsplit(PG_ADMIN_URI)
    if u.scheme in ("postgresql", "postgres"):
        # Not urlunsplit: it drops the "//" of an empty host part
        # (postgresql:///db?host=/socket/dir).
        return "%s://%s/%s%s" % (u.scheme, u.netloc, dbname,
                                 "?" + u.query if u.query else "")
    return PG_ADMIN_URI + " dbname=" + dbname      # a conninfo string


def _drop_pg_databases():
    for name in _pg_databases:
        try:
            psql('DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % name)
        except (RuntimeError, OSError, subprocess.SubprocessError) as e:
            print("note: could not drop database %s: %s" % (name, e))
    del _pg_databases[:]
    if _pg_scratch:
        shutil.rmtree(_pg_scratch, ignore_errors=True)


def pg_new_database():
    """A new, empty database on the harness's cluster; returns its store
    URI (for `--store`). Named after the test, this process and a counter;
    dropped when the test process exits."""
    need_pg()
    test = os.path.splitext(os.path.basename(sys.argv[0] or "t"))[0]
    test = re.sub(r"[^a-z0-9]+", "_", test.lower())[:32]
    name = "lv_%s_%d_%d" % (test, os.getpid(), len(_pg_databases) + 1)
    _pg_cleanup_at_exit()
    psql('CREATE DATABASE "%s"' % name)
    _pg_databases.append(name)
    return _pg_uri(name)


def pg_dbname(uri):
    """The database a store URI made by pg_new_database() names."""
    u = urllib.parse.urlsplit(uri)
    if u.scheme in ("postgresql", "postgres"):
        return u.path.lstrip("/")
    return uri.rsplit("dbname=", 1)[1]


# Every table of a database, one line each: its name, a space, its rows as
# text, sorted (query_to_xml runs the per-table query).
PG_TABLE_ROWS = r"""
SELECT format('%I.%I', table_schema, table_name) || ' ' ||
       replace(query_to_xml(format(
           'SELECT string_agg(lv_row::text, E''\n'' ORDER BY lv_row::text)'
           ' AS r FROM %I.%I lv_row', table_schema, table_name),
           false, false, '')::text, E'\n', ' ')
FROM information_schema.tables
WHERE table_type = 'BASE TABLE'
  AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY 1
"""


def pg_table_rows(uri):
    """Every row of every table of the database at uri, as [(table, its
    rows as sorted text)], in one psql call: compare two to see whether
    anything was written."""
    return [tuple(line.split(" ", 1)) for line in psql(PG_TABLE_ROWS, uri)
            if line]


def pg_root_key_file():
    """A new root key file (32 random bytes, mode 0600, as src/crypto/
    rootkey.c requires) in this process's scratch dir, removed at exit."""
    global _pg_scratch
    if _pg_scratch is None:
        _pg_scratch = tempfile.mkdtemp(prefix="lv-test-keys.")
        _pg_cleanup_at_exit()
    fd, path = tempfile.mkstemp(prefix="root.", suffix=".key",
                                dir=_pg_scratch)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(path, 0o600)
    return path


def _has_opt(args, name):
    return any(a == name or a.startswith(name + "=") for a in args)


# Checks failed so far in this process (every T's): a Server that stops
# after one prints its log's errors and warnings (Server.__exit__).
_failed = [0]


class T:
    """Counts checks; every check prints ok or FAIL with what it saw."""

    def __init__(self):
        self.fails = 0
        self.checks = 0

    def ok(self, name, cond, detail=""):
        self.checks += 1
        if cond:
            print("ok: " + name)
        else:
            self.fails += 1
            _failed[0] += 1
            print("FAIL: %s %s" % (name, detail))
        return cond

    def eq(self, name, want, got):
        return self.ok(name, want == got, "expected %r, got %r" % (want, got))

    def error(self, name, code, fn, *args, msg=None, **kw):
        """fn(*args, **kw) must raise a botocore ClientError `code`."""
        try:
            fn(*args, **kw)
        except botocore.exceptions.ClientError as e:
            got = e.response["Error"]["Code"]
            text = e.response["Error"].get("Message", "")
            good = got == code and (msg is None or msg in text)
            return self.ok(name, good, "expected %s %r, got %s %r" % (
                code, msg, got, text)) and e
        return self.ok(name, False, "expected %s, but it succeeded" % code)

    def logs_error(self, name, code, srv, op, msg=None, **body):
        """The raw Logs request op(**body) must fail with HTTP 400 and
        __type `code` (and a message containing msg)."""
        status, out = logs_call(srv, op, body)
        good = status == 400 and out.get("__type") == code and (
            msg is None or msg in out.get("message", ""))
        return self.ok(name, good, "expected %s %r, got %d %r" % (
            code, msg, status, out))

    def done(self):
        if self.checks == 0:
            print("FAIL: the test made no checks")
            sys.exit(1)
        if self.fails:
            print("%d of %d checks failed" % (self.fails, self.checks))
            sys.exit(1)
        print("%d checks passed" % self.checks)
        sys.exit(0)


class Server:
    """The real logvault serve on 127.0.0.1:<free port>."""

    def __init__(self, *args, data_dir=None, env=None, wrapper=None):
        self.args = list(args)
        self.scratch = tempfile.mkdtemp(prefix="lv-test.")
        # A test that starts and stops its server itself (not `with`) leaves
        # its scratch to this: removed when the test's process ends.
        atexit.register(shutil.rmtree, self.scratch, True)
        self.data_dir = data_dir or os.path.join(self.scratch, "data")
        self.env = env
        self.wrapper = wrapper or []
        self.proc = None
        self.port = None
        self.log_path = None
        self.starts = 0
        self.sanitizer_reports = []
        # On PostgreSQL: the store and root key this Server adds (None when
        # the test gave its own, or on sqlite); see store_args().
        self.store_uri = None
        self.root_key_file = None

    def store_args(self):
        """The options this Server adds to serve for the store under test:
        [] on sqlite, or when the test gave its own --store (or
        LOGVAULT_STORE in env); on PostgreSQL --store URI of a database of
        this data dir's own (made on first use) and, unless the test gave
        one, --root-key-file of a key of this data dir's own."""
        if not on_pg():
            return []
        if _has_opt(self.args, "--store") or (
                self.env and "LOGVAULT_STORE" in self.env):
            return []
        key = os.path.abspath(self.data_dir)
        if key not in _pg_stores:
            _pg_stores[key] = (pg_new_database(), pg_root_key_file())
        self.store_uri, keyfile = _pg_stores[key]
        out = ["--store", self.store_uri]
        if not _has_opt(self.args, "--root-key-file"):
            self.root_key_file = keyfile
            out += ["--root-key-file", keyfile]
        return out

    # -- lifecycle -------------------------------------------------------
    def start(self):
        self.starts += 1
        self.log_path = os.path.join(self.scratch, "server.%d.log" %
                                     self.starts)
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        if self.env:
            env.update(self.env)
        self.log = open(self.log_path, "wb")
        cmd = self.wrapper + [os.environ["LOGVAULT_BIN"], "serve",
                              "--listen", "127.0.0.1:0",
                              "--data-dir", self.data_dir,
                              "--threads", "4"] + self.args + \
            self.store_args()
        self.proc = subprocess.Popen(cmd, stderr=self.log, env=env)
        # A generous bound: a sanitizer build starting while other tests
        # run in parallel on a loaded machine can take many seconds; the
        # wait ends as soon as the server listens.
        deadline = time.time() + 90
        while time.time() < deadline:
            with open(self.log_path, "rb") as f:
                m = re.search(rb"serve: listening on .* port=(\d+)", f.read())
            if m:
                self.port = int(m.group(1))
                return self
            if self.proc.poll() is not None:
                raise RuntimeError("logvault serve exited (%d): %s" % (
                    self.proc.returncode, self.read_log()))
            time.sleep(0.02)
        raise RuntimeError("logvault serve did not listen: " +
                           self.read_log())

    def stop(self, sig=signal.SIGTERM):
        """Stops the server; returns its exit status."""
        if not self.proc:
            return None
        self.proc.send_signal(sig)
        try:
            rc = self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.proc = None
        self.log.close()
        text = self.read_log()
        if SANITIZER.search(text):
            self.sanitizer_reports.append(text)
        return rc

    def restart(self):
        rc = self.stop()
        self.start()
        return rc

    def read_log(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, text, seconds=5.0):
        """The log once it holds text, or as it is after `seconds`: a
        line the server writes just after a state a client can already
        read (a query's end is recorded, then logged)."""
        deadline = time.monotonic() + seconds
        while True:
            log = self.read_log()
            if text in log or time.monotonic() >= deadline:
                return log
            time.sleep(0.05)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        rc = self.stop()
        if (_failed[0] or exc[0] is not None) and self.log_path:
            # What the server said of the failure, before its log goes
            # with the scratch dir.
            lines = [ln for ln in self.read_log().splitlines()
                     if " error " in ln or " warn " in ln]
            if lines:
                print("server log, its last errors and warnings:")
                for ln in lines[-20:]:
                    print("    " + ln[:300])
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.sanitizer_reports:
            print("FAIL: sanitizer or BUG report in the server log:")
            print(self.sanitizer_reports[0][-6000:])
            sys.exit(1)
        if exc[0] is None and rc not in (0, None):
            print("FAIL: logvault serve exited with status %d after SIGTERM"
                  % rc)
            sys.exit(1)
        return False

    # -- clients -----------------------------------------------------------
    @property
    def endpoint(self):
        return "http://127.0.0.1:%d" % self.port

    def client(self, service, region="eu-west-2", key="test", secret="test"):
        return boto3.session.Session().client(
            service, region_name=region, endpoint_url=self.endpoint,
            aws_access_key_id=key, aws_secret_access_key=secret,
            config=botocore.config.Config(retries={"max_attempts": 0}))

    def raw(self, body, target=None, headers=None, sign=True,
            service="kms", region="eu-west-2", key="test", secret="test",
            method="POST", path="/", conn=None, timeout=30):
        """Sends one HTTP request; returns (status, headers dict, body).
        `body` is bytes or str; signed with SigV4 by botocore when `sign`;
        `timeout`: seconds the answer may take (a new connection's)."""
        if isinstance(body, str):
            body = body.encode()
        hdrs = {"Content-Type": "application/x-amz-json-1.1"}
        if target:
            hdrs["X-Amz-Target"] = target
        if headers:
            hdrs.update(headers)
        if sign:
            req = botocore.awsrequest.AWSRequest(
                method=method, url=self.endpoint + path, data=body,
                headers=hdrs)
            creds = botocore.credentials.Credentials(key, secret)
            botocore.auth.SigV4Auth(creds, service, region).add_auth(req)
            hdrs = dict(req.headers.items())
        own = conn is None
        if own:
            conn = http.client.HTTPConnection("127.0.0.1", self.port,
                                              timeout=timeout)
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        out = (resp.status, {k.lower(): v for k, v in resp.getheaders()},
               data)
        if own:
            conn.close()
        return out


def kms_call(srv, op, key="test", secret="test", timeout=30):
    """A signed KMS call that botocore does not validate (Debian's botocore
    predates DryRun and RotateKeyOnDemand), as a function of the request's
    members: kms_call(srv, "Encrypt")(KeyId=..., Plaintext=b"..."). Blobs
    (bytes) are base64'd; an error is raised as botocore's ClientError, as
    a client would."""
    def call(**kw):
        body = {k: base64.b64encode(v).decode() if isinstance(v, bytes)
                else v for k, v in kw.items()}
        st, _, data = srv.raw(json.dumps(body), target="TrentService." + op,
                              key=key, secret=secret, timeout=timeout)
        out = json.loads(data or b"{}")
        if st != 200:
            raise botocore.exceptions.ClientError({"Error": {
                "Code": out.get("__type", "").split("#")[-1],
                "Message": out.get("message", out.get("Message", ""))}}, op)
        return out
    return call


def logs_call(srv, op, body, region="eu-west-2"):
    """A signed raw Logs request (no botocore validation, so members newer
    than Debian's botocore work): (status, decoded body)."""
    status, _, data = srv.raw(json.dumps(body), target="Logs_20140328." + op,
                              service="logs", region=region)
    return status, (json.loads(data) if data else {})


def write_creds(users, prefix):
    """A credentials file for `logvault serve --credentials`: users maps a
    name to (access key, account, IAM user name or None for the account's
    root); each secret is "<name>-secret". Returns its path (the caller
    removes it)."""
    fd, path = tempfile.mkstemp(prefix=prefix, suffix=".ini")
    with os.fdopen(fd, "w") as f:
        for name, (key, acct, user) in users.items():
            f.write("[%s]\nsecret_access_key = %s-secret\naccount_id = %s\n"
                    % (key, name, acct))
            if user:
                f.write("user = %s\n" % user)
            f.write("\n")
    return path


def aws_type(body):
    """The __type of an error body."""
    try:
        return json.loads(body).get("__type")
    except ValueError:
        return None
