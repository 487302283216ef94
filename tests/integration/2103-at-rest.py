#!/usr/bin/env python3
"""Encryption at rest: messages carrying a unique random marker are
returned by GetLogEvents, while nothing the store writes contains the
marker in clear, base64, hex or UTF-16 — neither while the server runs
(WAL included) nor after it stops. Nor does it hold the root key, a data
key KMS handed out (GenerateDataKey) or a plaintext given to Encrypt, in
any of those forms. KMS key material itself is made inside the server and
cannot be seen from here (no ImportKeyMaterial): the root key that seals
it is checked instead.

Where the store writes: on sqlite the data dir (its root.key excepted);
on PostgreSQL the data dir (only its LOCK) and the cluster's data
directory LV_PG_DATA after a CHECKPOINT — this test's database, the shared
catalogs and the WAL written since the test began (other tests' databases
are left out) — and the server log beside it. Every text and bytea column
of the test's database is set to STORAGE EXTERNAL first, so that
PostgreSQL keeps values uncompressed and a marker stored in clear cannot
hide inside a compressed TOAST value. A control proves the scan looks in
the right place: the log group's name, which the store keeps in clear,
must be found."""
import base64
import binascii
import os
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import PG_DATA, Server, T, on_pg, psql  # noqa: E402

t = T()
START = time.time() - 5


def forms(marker):
    """A text marker in clear, UTF-16, hex and base64."""
    out = bin_forms(marker.encode())
    out["clear"] = out.pop("raw")
    out["utf-16-le"] = marker.encode("utf-16-le")
    out["utf-16-be"] = marker.encode("utf-16-be")
    return out


def bin_forms(b, prefix=""):
    """Bytes in clear, hex (both cases) and base64 at each alignment."""
    out = {prefix + "raw": b, prefix + "hex": binascii.hexlify(b),
           prefix + "HEX": binascii.hexlify(b).upper()}
    # base64 at each of the three alignments, minus the edge characters
    # that depend on the neighbours.
    for shift in range(3):
        enc = base64.b64encode(b"\0" * shift + b)
        out[prefix + "base64+%d" % shift] = enc[4:-4]
    return out


def files_of(srv):
    """Every file the store under test writes to (see the docstring)."""
    out = []
    skip = set()
    if not on_pg():
        skip.add(os.path.join(srv.data_dir, "root.key"))
    for root, _, names in os.walk(srv.data_dir):
        out += [os.path.join(root, n) for n in names
                if os.path.join(root, n) not in skip]
    if not on_pg():
        return out
    oid = psql("SELECT oid FROM pg_database WHERE datname = "
               "current_database()", srv.store_uri)[0]
    base = os.path.join(PG_DATA, "base")
    for root, dirs, names in os.walk(PG_DATA):
        if root == base:
            dirs[:] = [d for d in dirs if d == oid]
        for n in names:
            p = os.path.join(root, n)
            # WAL segments are recycled under new names: only those
            # written since this test began can hold what it stored.
            if os.path.basename(root) == "pg_wal":
                try:
                    if os.stat(p).st_mtime < START:
                        continue
                except OSError:
                    continue
            out.append(p)
    log = os.path.join(os.path.dirname(PG_DATA), "log")
    if os.path.exists(log):
        out.append(log)
    return out


def scan(srv, needles):
    """[(file, needle name)] for every needle found."""
    found = []
    for path in files_of(srv):
        try:
            with open(path, "rb") as fh:
                data = fh.read()
        except OSError:
            continue
        for name, n in needles.items():
            if n in data:
                found.append((path, name))
    return found


def checkpoint():
    if on_pg():
        psql("CHECKPOINT")


def uncompressed(srv):
    """STORAGE EXTERNAL for every text and bytea column of the test's
    database (see the docstring); the number of columns."""
    cols = psql("SELECT format('%I.%I', table_schema, table_name), "
                "quote_ident(column_name) FROM information_schema.columns "
                "WHERE table_schema NOT IN ('pg_catalog', "
                "'information_schema') AND data_type IN ('text', 'bytea', "
                "'character varying', 'json', 'jsonb')", srv.store_uri)
    for line in cols:
        table, col = line.split("|")
        psql("ALTER TABLE %s ALTER COLUMN %s SET STORAGE EXTERNAL" %
             (table, col), srv.store_uri)
    return len(cols)


with Server() as srv:
    if on_pg():
        t.ok("text and bytea columns made uncompressed",
             uncompressed(srv) > 0)
    logs = srv.client("logs")
    kms = srv.client("kms")
    marker = "MARK" + secrets.token_hex(12)
    needles = forms(marker)
    group = "rest-" + secrets.token_hex(8)
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName="s")
    now = int(time.time() * 1000)
    msgs = ["%s event %d %s" % (marker, i, "padding " * (i % 7))
            for i in range(500)]
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": now - 1000 + i,
                                    "message": m}
                                   for i, m in enumerate(msgs)])
    logs.put_log_events(logGroupName=group, logStreamName="s",
                        logEvents=[{"timestamp": now, "message": marker}])
    got = logs.get_log_events(logGroupName=group, logStreamName="s",
                              startFromHead=True)
    t.eq("GetLogEvents returns the marker", msgs + [marker],
         [e["message"] for e in got["events"]])

    # KMS: a data key handed out, a plaintext encrypted, the root key.
    kid = kms.create_key()["KeyMetadata"]["KeyId"]
    dk = kms.generate_data_key(KeyId=kid, KeySpec="AES_256")["Plaintext"]
    needles.update(bin_forms(dk, "data key "))
    secret = ("SECRET" + secrets.token_hex(12)).encode()
    kms.encrypt(KeyId=kid, Plaintext=secret)
    needles.update({"encrypt " + k: v
                    for k, v in forms(secret.decode()).items()})
    rk_path = srv.root_key_file or os.path.join(srv.data_dir, "root.key")
    with open(rk_path, "rb") as f:
        needles.update(bin_forms(f.read(), "root key "))

    checkpoint()
    control = {"group name": group.encode()}
    t.eq("control: the group's name is found in the store", ["group name"],
         sorted(set(n for _, n in scan(srv, control))))
    t.eq("no marker or key on disk while serving", [], scan(srv, needles))
    srv.stop()
    checkpoint()
    t.eq("no marker or key on disk after stop", [], scan(srv, needles))
    srv.start()
    logs = srv.client("logs")
    got = logs.get_log_events(logGroupName=group, logStreamName="s",
                              limit=1)
    t.eq("still readable after restart", [marker],
         [e["message"] for e in got["events"]])

t.done()
