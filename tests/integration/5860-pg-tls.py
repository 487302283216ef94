#!/usr/bin/env python3
"""Issue 11 section 6: the PostgreSQL store over TLS, as libpq's sslmode
says (PostgreSQL only).

The test starts its own cluster (LV_PG_BIN) with ssl = on and a server
certificate for `localhost` only, signed by a CA made here (a second,
unrelated CA is made too). pg_hba.conf takes TCP connections from
127.0.0.1 only over SSL with a password (scram-sha-256) and rejects the
rest; the superuser uses the Unix socket. Through `logvault serve
--store 'postgresql://lvuser@localhost:PORT/lv?sslmode=verify-full&
sslrootcert=CA'`:

- with the password in PGPASSWORD, and then in a PGPASSFILE, the server
  starts, KMS and Logs calls work, and pg_stat_ssl (as the superuser)
  shows every one of the node's connections (told apart by an
  application_name in the URI) with ssl true and TLS 1.2 or 1.3; with no
  password at all serve is refused (the password is really needed);
- PostgreSQL is restarted (pg_ctl stop -m fast, start) under a running
  node: requests work again, at most 4 of them answered 503 first (each of
  the node's 4 worker threads fails one statement on its broken
  connection, then reconnects), and the new connections are TLS too;
- sslrootcert = the unrelated CA, verify-full to 127.0.0.1 (a name the
  certificate does not hold; verify-ca to it works, so the name is what
  is refused) and sslmode=disable (pg_hba.conf) each make serve exit
  non-zero by itself, saying that it cannot connect to the database and
  libpq's reason, the password in neither its stdout nor its stderr (its
  log)."""
import datetime
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvpg import (Cluster, as_postgres_own, client, need_pg,  # noqa: E402
                  pg_bin, write_root_key)
from lvtest import Server, T  # noqa: E402

import botocore.exceptions  # noqa: E402

need_pg()
try:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
except ImportError:
    print("skipped: python3-cryptography is not installed")
    sys.exit(77)

t = T()
# Only what this test gives: no password, pgpass or SSL setting of the
# caller's may reach serve.
for var in ("PGPASSWORD", "PGPASSFILE", "PGSSLMODE", "PGSSLROOTCERT",
            "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGSERVICE",
            "LOGVAULT_STORE", "LOGVAULT_ROOT_KEY_FILE"):
    os.environ.pop(var, None)
PASSWORD = secrets.token_hex(16)
START_FAILED = "cannot connect to the PostgreSQL database"


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def write(path, data, mode):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.chmod(path, mode)
    return path


def make_ca(cn):
    now = datetime.datetime.utcnow()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name(cn))
            .issuer_name(name(cn)).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0),
                           critical=True)
            .add_extension(x509.KeyUsage(False, False, False, False, False,
                                         True, True, False, False),
                           critical=True)
            .sign(key, hashes.SHA256()))
    return cert, key


def make_pki(pki_dir, data_dir):
    """Two CAs (paths of their certificates), and in data_dir the
    server.crt / server.key PostgreSQL reads by default: a certificate
    for DNS name localhost only, signed by the first CA."""
    pem = serialization.Encoding.PEM
    ca, ca_key = make_ca("logvault 5860 test CA")
    other, _ = make_ca("logvault 5860 unrelated CA")
    now = datetime.datetime.utcnow()
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("localhost"))
            .issuer_name(ca.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.ExtendedKeyUsage(
                [x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    crt = write(os.path.join(data_dir, "server.crt"), cert.public_bytes(pem),
                0o644)
    kpath = write(os.path.join(data_dir, "server.key"),
                  key.private_bytes(pem, serialization.PrivateFormat.PKCS8,
                                    serialization.NoEncryption()), 0o600)
    if os.geteuid() == 0:
        for p in (crt, kpath):
            shutil.chown(p, "postgres", "postgres")
    return (write(os.path.join(pki_dir, "ca.pem"), ca.public_bytes(pem),
                  0o644),
            write(os.path.join(pki_dir, "other-ca.pem"),
                  other.public_bytes(pem), 0o644))


def su_sql(cluster, sql, db="postgres"):
    """sql as the superuser over the Unix socket (TCP needs a password)."""
    p = cluster.run(pg_bin("psql"), "-X", "-q", "-A", "-t", "-v",
                    "ON_ERROR_STOP=1", "-h", cluster.dir, "-p",
                    str(cluster.port), "-U", "postgres", "-d", db, "-c", sql)
    return p.stdout.strip()


def store_uri(host, root_ca, mode="verify-full", app="lv5860"):
    """lvuser's URI; app, the application_name its connections show."""
    return ("postgresql://lvuser@%s:%d/lv?sslmode=%s&sslrootcert=%s"
            "&connect_timeout=10&application_name=%s"
            % (host, pg.port, mode, root_ca, app))


def ssl_rows(app):
    """(ssl, version) of every backend of lvuser's connections named app
    (a node's: store_uri's application_name)."""
    out = su_sql(pg, "SELECT s.ssl, coalesce(s.version, '') "
                 "FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) "
                 "WHERE a.usename = 'lvuser' "
                 "AND a.application_name = '%s'" % app)
    return [tuple(line.split("|")) for line in out.splitlines() if line]


def check_ssl(what, app):
    rows = ssl_rows(app)
    t.ok("%s: pg_stat_ssl lists the node's connections" % what,
         len(rows) >= 1, rows)
    t.ok("%s: every one with ssl true and TLS 1.2+" % what,
         rows and all(r[0] == "t" and r[1] in ("TLSv1.2", "TLSv1.3")
                      for r in rows), rows)


class Budget503:
    """Makes calls, retrying those answered ServiceUnavailableException,
    `budget` times in all (then the 503 is raised: the test fails). fails
    lists the 503s seen."""

    def __init__(self, budget):
        self.budget = budget
        self.fails = []

    def __call__(self, fn, **kw):
        while True:
            try:
                return fn(**kw)
            except botocore.exceptions.ClientError as e:
                code = e.response["Error"]["Code"]
                if code != "ServiceUnavailableException" or \
                        len(self.fails) >= self.budget:
                    raise
                self.fails.append(code)


def use(srv, what, tag, call=Budget503(0)):
    """KMS and Logs calls through srv (made by `call`)."""
    kms = client(srv, "kms")
    key_id = call(kms.create_key)["KeyMetadata"]["KeyId"]
    blob = call(kms.encrypt, KeyId=key_id, Plaintext=b"pg over tls")
    t.eq("%s: KMS encrypt/decrypt" % what, b"pg over tls",
         call(kms.decrypt, CiphertextBlob=blob["CiphertextBlob"])
         ["Plaintext"])
    logs = client(srv, "logs")
    call(logs.create_log_group, logGroupName=tag)
    call(logs.create_log_stream, logGroupName=tag, logStreamName="s")
    call(logs.put_log_events, logGroupName=tag, logStreamName="s",
         logEvents=[{"timestamp": int(time.time() * 1000),
                     "message": "hello " + tag}])
    ev = call(logs.get_log_events, logGroupName=tag, logStreamName="s",
              startFromHead=True)["events"]
    t.eq("%s: Logs put/get" % what, ["hello " + tag],
         [e["message"] for e in ev])


def no_password(what, srv):
    t.ok("%s: the password is not in serve's log" % what,
         PASSWORD not in srv.read_log())


def refused(what, uri, want, env):
    """serve on uri must exit non-zero by itself, saying it cannot connect
    (and `want`, libpq's reason), the password in neither stdout nor
    stderr (serve's log)."""
    d = tempfile.mkdtemp(prefix="lv-5860-serve.")
    lines = []
    try:
        with open(os.path.join(d, "stdout"), "w+") as out:
            p = subprocess.Popen(
                [os.environ["LOGVAULT_BIN"], "serve", "--listen",
                 "127.0.0.1:0", "--data-dir", os.path.join(d, "data"),
                 "--store", uri, "--root-key-file", key_file],
                env=dict(os.environ, **env), stdout=out,
                stderr=subprocess.PIPE, text=True)
            # Read its log until it ends (serve exited) or says it
            # listens (it started: stopped here, the check fails).
            for line in p.stderr:
                lines.append(line)
                if "listening on" in line:
                    p.terminate()
            p.stderr.close()
            rc = p.wait(timeout=60)
            out.seek(0)
            stdout = out.read()
    finally:
        shutil.rmtree(d, ignore_errors=True)
    err = "".join(lines)
    t.ok("%s: serve refuses to start" % what,
         rc != 0 and "listening on" not in err,
         "rc=%d stderr=%r" % (rc, err[-600:]))
    t.ok("%s: it says it cannot reach the store, and why" % what,
         START_FAILED in err and want in err, err[-600:])
    t.ok("%s: the password is in neither its output nor its log" % what,
         PASSWORD not in stdout and PASSWORD not in err)


parent = tempfile.mkdtemp(prefix="lv-5860.")
as_postgres_own(parent)
pki = os.path.join(parent, "pki")
os.makedirs(pki)
pg = Cluster(parent, "pg")
try:
    pg.initdb()
    ca, other_ca = make_pki(pki, pg.data)
    with open(os.path.join(pg.data, "pg_hba.conf"), "w") as f:
        f.write("local all all trust\n"
                "hostssl all all 127.0.0.1/32 scram-sha-256\n"
                "host all all 127.0.0.1/32 reject\n")
    with open(os.path.join(pg.data, "postgresql.conf"), "a") as f:
        f.write("\nssl = on\npassword_encryption = 'scram-sha-256'\n")
    pg.start()
    su_sql(pg, "CREATE ROLE lvuser LOGIN PASSWORD '%s'" % PASSWORD)
    su_sql(pg, "CREATE DATABASE lv OWNER lvuser")
    key_file = write_root_key(parent)
    good = store_uri("localhost", ca)
    good_env = store_uri("localhost", ca, app="lv5860-env")
    good_file = store_uri("localhost", ca, app="lv5860-file")
    with_pw = {"PGPASSWORD": PASSWORD}

    # 1. verify-full, the password from PGPASSWORD; PostgreSQL restarted
    # under the running node.
    with Server("--store", good_env, "--root-key-file", key_file,
                env=with_pw) as srv:
        use(srv, "PGPASSWORD", "pw-env")
        check_ssl("PGPASSWORD", "lv5860-env")
        pg.stop("fast")
        pg.start()
        # Each of the node's 4 worker threads (lvtest's --threads 4) may
        # fail one request (503) on its connection to the server that went
        # away, before it reconnects: 4 retries in all, no more.
        call = Budget503(4)
        t.eq("after PostgreSQL's restart: a request works", 1,
             len(call(client(srv, "kms").list_keys)["Keys"]))
        use(srv, "after PostgreSQL's restart", "pw-restart", call)
        print("note: 503s after the restart: %d" % len(call.fails))
        check_ssl("after PostgreSQL's restart", "lv5860-env")
        no_password("PGPASSWORD", srv)

    # 2. The password from a pgpass file (PGPASSWORD unset).
    pgpass = write(os.path.join(parent, "pgpass"),
                   ("localhost:%d:lv:lvuser:%s\n" % (pg.port, PASSWORD))
                   .encode(), 0o600)
    with Server("--store", good_file, "--root-key-file", key_file,
                env={"PGPASSFILE": pgpass}) as srv:
        use(srv, "PGPASSFILE", "pw-file")
        check_ssl("PGPASSFILE", "lv5860-file")
        no_password("PGPASSFILE", srv)

    # 3. Refusals. No password at all: the ones above were needed.
    empty = write(os.path.join(parent, "empty-pgpass"), b"", 0o600)
    refused("no password", good, "no password supplied",
            {"PGPASSFILE": empty})
    refused("sslrootcert = an unrelated CA", store_uri("localhost", other_ca),
            "certificate verify failed", with_pw)
    refused("verify-full to 127.0.0.1 (not in the certificate)",
            store_uri("127.0.0.1", ca), "does not match host name", with_pw)
    refused("sslmode=disable", store_uri("localhost", ca, "disable"),
            "pg_hba.conf rejects connection", with_pw)

    # The name, not the CA, is what verify-full refused at 127.0.0.1:
    # verify-ca there works.
    with Server("--store",
                store_uri("127.0.0.1", ca, "verify-ca", "lv5860-ca"),
                "--root-key-file", key_file, env=with_pw) as srv:
        t.eq("verify-ca to 127.0.0.1 works", 3,
             len(client(srv, "kms").list_keys()["Keys"]))
        check_ssl("verify-ca", "lv5860-ca")
finally:
    pg.stop("immediate")
    shutil.rmtree(parent, ignore_errors=True)
t.done()
