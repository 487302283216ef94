#!/usr/bin/env python3
"""Issue 10 §6: a data dir that has a root key but an empty (0-byte) or
missing database, or a database but no root key, makes `logvault serve`
exit non-zero with a clear message on stderr, and the data dir is byte for
byte as it was (no new root key, no new database, no LOCK written). A
fresh data dir (absent, or an empty directory) still initialises; so does
one with --root-key-file, which then writes no root.key of its own.

On PostgreSQL (issue 11 §4) the data dir holds only its LOCK and the root
key must be the operator's file: the cases about SQLite's database file
(missing, 0 bytes, WAL files) and the data dir's own root.key have no
meaning there and are not run; instead, a PostgreSQL store without
--root-key-file, and a database started with another root key, are
refused with the data dir unchanged, and a fresh data dir (absent or
empty) starts, writes no root.key and keeps its data across a restart."""
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import (Server, T, on_pg, pg_new_database,  # noqa: E402
                    pg_root_key_file, pg_table_rows)

t = T()
scratch = tempfile.mkdtemp(prefix="lv-5203.")


def snapshot(d):
    """{relative path: (mode, bytes or None for a directory)} of d."""
    out = {}
    for root, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(root, n)
            st = os.lstat(p)
            data = None
            if os.path.isfile(p) and not os.path.islink(p):
                with open(p, "rb") as f:
                    data = f.read()
            out[os.path.relpath(p, d)] = (st.st_mode, data)
    return out


def refused(name, data_dir, want, *args, store=None):
    """serve on data_dir must exit non-zero, say `want` on stderr, and
    leave data_dir as it was. With store (a PostgreSQL URI whose database
    the server reaches before it can refuse), every row of the database
    must be as it was; the data dir's LOCK is then taken before the check,
    so its content (the pid of its holder) is not compared, only that it
    is still there alone."""
    before = snapshot(data_dir)
    if store:
        rows = pg_table_rows(store)
        before = sorted(before)
    env = dict(os.environ)
    env.setdefault("ASAN_OPTIONS", "detect_leaks=1")
    p = subprocess.Popen([os.environ["LOGVAULT_BIN"], "serve", "--listen",
                          "127.0.0.1:0", "--data-dir", data_dir] +
                         list(args), stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    try:
        _, err = p.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        # It started (and serves this data dir): that is the failure.
        p.terminate()
        _, err = p.communicate()
        t.ok(name + ": refuses to start", False, "it started: %r" %
             err.decode("utf-8", "replace")[-300:])
        return
    text = err.decode("utf-8", "replace")
    t.ok(name + ": exits non-zero", p.returncode not in (0, None),
         "exit %r" % p.returncode)
    t.ok(name + ": says why", want in text and (
        on_pg() or "refusing to start" in text), "stderr %r" % text[-600:])
    t.ok(name + ": no sanitizer report", "Sanitizer" not in text and
         "runtime error" not in text, text[-2000:])
    if store:
        t.eq(name + ": database unchanged", rows, pg_table_rows(store))
        t.eq(name + ": data dir still holds only its LOCK", before,
             sorted(snapshot(data_dir)))
    else:
        t.eq(name + ": data dir unchanged", before, snapshot(data_dir))


def made(name, *args):
    """A data dir after one real start and stop (with a log group in it),
    copied to scratch/name."""
    d = os.path.join(scratch, name)
    with Server(*args, data_dir=d) as srv:
        srv.client("logs").create_log_group(logGroupName="kept")
    return d


def starts(name, data_dir, *args):
    """serve starts on data_dir and serves; the group names it sees."""
    with Server(*args, data_dir=data_dir) as srv:
        got = [g["logGroupName"] for g in srv.client("logs")
               .describe_log_groups()["logGroups"]]
    t.ok(name + ": starts", True)
    return got


def pg_cases():
    uri = pg_new_database()
    key = pg_root_key_file()
    other = pg_root_key_file()
    store = ("--store", uri)

    d = os.path.join(scratch, "pg-no-key")
    os.mkdir(d, 0o700)
    refused("postgresql store without --root-key-file", d,
            "--root-key-file", *store)

    d = os.path.join(scratch, "pg-absent")
    t.eq("pg: absent data dir", [], starts("pg absent data dir", d,
                                           "--root-key-file", key, *store))
    t.eq("pg: the data dir holds only its LOCK", ["LOCK"],
         sorted(os.listdir(d)))
    with Server("--root-key-file", key, *store, data_dir=d) as srv:
        srv.client("logs").create_log_group(logGroupName="kept")
    t.eq("pg: restart keeps the data", ["kept"],
         starts("pg restart", d, "--root-key-file", key, *store))
    refused("pg: another root key for the database", d,
            "root key does not match", "--root-key-file", other, *store,
            store=uri)
    t.eq("pg: the right key still starts", ["kept"],
         starts("pg after refusal", d, "--root-key-file", key, *store))

    d = os.path.join(scratch, "pg-empty")
    os.mkdir(d, 0o700)
    t.eq("pg: empty data dir, same database", ["kept"],
         starts("pg empty data dir", d, "--root-key-file", key, *store))
    t.ok("pg: no root.key written",
         not os.path.exists(os.path.join(d, "root.key")))


def sqlite_cases():
    # ---- the default root key in the data dir ------------------------------
    d = made("no-db")
    os.unlink(os.path.join(d, "logvault.db"))
    refused("root key, no database", d, "has a root key")

    d = made("empty-db")
    open(os.path.join(d, "logvault.db"), "wb").close()
    refused("root key, 0-byte database", d, "is empty")

    d = made("no-key")
    os.unlink(os.path.join(d, "root.key"))
    refused("database, no root key", d, "no root key")
    t.ok("no root key written", not os.path.exists(os.path.join(d,
                                                                "root.key")))

    # A whole data dir still starts, and keeps its data.
    d = made("whole")
    t.eq("whole data dir", ["kept"], starts("whole", d))

    # ---- fresh data dirs initialise -----------------------------------------
    d = os.path.join(scratch, "fresh-absent")
    t.eq("absent data dir", [], starts("absent data dir", d))
    t.ok("absent: root key made", os.path.exists(os.path.join(d,
                                                              "root.key")))
    d = os.path.join(scratch, "fresh-empty")
    os.mkdir(d, 0o700)
    t.eq("empty data dir", [], starts("empty data dir", d))

    # ---- --root-key-file ---------------------------------------------------------
    key = os.path.join(scratch, "operator.key")
    with open(key, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(key, 0o600)

    d = made("explicit", "--root-key-file", key)
    t.ok("explicit key: no root.key in the data dir",
         not os.path.exists(os.path.join(d, "root.key")))
    t.eq("explicit key: restart keeps the data", ["kept"],
         starts("explicit restart", d, "--root-key-file", key))
    refused("explicit key's database without the key", d, "no root key")

    d = made("explicit-empty", "--root-key-file", key)
    for n in ("logvault.db-wal", "logvault.db-shm"):
        p = os.path.join(d, n)
        if os.path.exists(p):
            os.unlink(p)
    open(os.path.join(d, "logvault.db"), "wb").close()
    refused("explicit key, 0-byte database", d, "is empty",
            "--root-key-file", key)

    d = made("explicit-stray-key")
    os.unlink(os.path.join(d, "logvault.db"))
    refused("explicit key, data dir root key, no database", d,
            "has a root key", "--root-key-file", key)

try:
    if on_pg():
        print("note: the cases about SQLite's database file and the data "
              "dir's root.key are not run on PostgreSQL")
        pg_cases()
    else:
        sqlite_cases()
finally:
    shutil.rmtree(scratch, ignore_errors=True)
t.done()
