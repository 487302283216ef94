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
"""
import base64
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
        self.data_dir = data_dir or os.path.join(self.scratch, "data")
        self.env = env
        self.wrapper = wrapper or []
        self.proc = None
        self.port = None
        self.log_path = None
        self.starts = 0
        self.sanitizer_reports = []

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
                              "--threads", "4"] + self.args
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

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        rc = self.stop()
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
            method="POST", path="/", conn=None):
        """Sends one HTTP request; returns (status, headers dict, body).
        `body` is bytes or str; signed with SigV4 by botocore when `sign`."""
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
                                              timeout=30)
        conn.request(method, path, body=body, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        out = (resp.status, {k.lower(): v for k, v in resp.getheaders()},
               data)
        if own:
            conn.close()
        return out


def kms_call(srv, op, key="test", secret="test"):
    """A signed KMS call that botocore does not validate (Debian's botocore
    predates DryRun and RotateKeyOnDemand), as a function of the request's
    members: kms_call(srv, "Encrypt")(KeyId=..., Plaintext=b"..."). Blobs
    (bytes) are base64'd; an error is raised as botocore's ClientError, as
    a client would."""
    def call(**kw):
        body = {k: base64.b64encode(v).decode() if isinstance(v, bytes)
                else v for k, v in kw.items()}
        st, _, data = srv.raw(json.dumps(body), target="TrentService." + op,
                              key=key, secret=secret)
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
