"""`logvault audit verify` (issue 13, tamper evidence): a store's audit
chains and signed digests verify; then rows changed, deleted and inserted
underneath (python's sqlite3 on sqlite, psql on PostgreSQL) and a digest
edited are each reported, with nothing else; --since leaves out what is
older; another chain in the same store stays clean; a wrong root key is
refused. Then the same for records kept in batches (the form the
recorder's writer keeps read-only and refused records in: one row of
compressed records per run of a chain): a record changed inside a batch's
body, a batch deleted and a batch copied past the head are each reported.

The records are appended by tests/helpers/audit_fill through the same
functions the recorder uses (lv_audit_chain_append, lv_audit_digest_make),
into the store a real `logvault serve` created."""
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from lvtest import Server, T, on_pg, psql  # noqa: E402

TOOLS = os.environ.get("LV_TEST_TOOLS", "")
FILL = os.path.join(TOOLS, "audit_fill")
if not os.access(FILL, os.X_OK):
    print("skipped: audit_fill helper not built (LV_TEST_TOOLS)")
    sys.exit(77)

A = "111111111111"
B = "222222222222"
REGION = "eu-west-2"
T0 = 1764900000000          # 2025-12-05T02:00:00Z, in ms
N = 10

t = T()
srv = Server()
srv.start()
srv.stop()      # the store exists (migrated, root key recorded); now idle

store = []
if srv.store_uri:
    store = ["--store", srv.store_uri]
if srv.root_key_file:
    store += ["--root-key-file", srv.root_key_file]
where = ["--data-dir", srv.data_dir] + store


def fill(account, n, every, batch=0):
    p = subprocess.run([FILL] + where + [
        "--account", account, "--region", REGION, "--records", str(n),
        "--first-ms", str(T0), "--digest-every", str(every),
        "--batch", str(batch)],
        capture_output=True, text=True, timeout=60)
    t.eq("audit_fill %s" % account, (0, "appended %d" % n),
         (p.returncode, p.stdout.strip()))
    if p.returncode:
        print(p.stderr)


def verify(*extra, args=None):
    p = subprocess.run([os.environ["LOGVAULT_BIN"], "audit", "verify"] +
                       (args if args is not None else where) + list(extra),
                       capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def sql(stmt):
    """Runs stmt on the store's database underneath logvault."""
    if on_pg():
        psql(stmt, srv.store_uri)
        return
    db = sqlite3.connect(os.path.join(srv.data_dir, "logvault.db"))
    db.execute("PRAGMA foreign_keys = ON")
    db.execute(stmt)
    db.commit()
    db.close()


def blob(stmt):
    """The one bytea/blob value stmt selects."""
    if on_pg():
        return bytes.fromhex(psql(stmt.replace("SELECT body",
                                               "SELECT encode(body, 'hex')"),
                                  srv.store_uri)[0])
    db = sqlite3.connect(os.path.join(srv.data_dir, "logvault.db"))
    v = db.execute(stmt).fetchone()[0]
    db.close()
    return v


def set_blob(where_batch, value):
    """Sets the body of the batches where_batch names to value."""
    if on_pg():
        psql("UPDATE audit_batches SET body = decode('%s', 'hex') WHERE %s"
             % (value.hex(), where_batch), srv.store_uri)
        return
    db = sqlite3.connect(os.path.join(srv.data_dir, "logvault.db"))
    db.execute("UPDATE audit_batches SET body = ? WHERE %s" % where_batch,
               (value,))
    db.commit()
    db.close()


def zstd(args, data):
    """Runs the zstd command on data through files (so that a frame it
    writes carries its content size, as logvault's do)."""
    d = tempfile.mkdtemp(dir=srv.scratch)
    src, dst = os.path.join(d, "in"), os.path.join(d, "out")
    with open(src, "wb") as f:
        f.write(data)
    subprocess.run(["zstd", "-q", "-f"] + args + [src, "-o", dst],
                   check=True, timeout=60)
    with open(dst, "rb") as f:
        out = f.read()
    shutil.rmtree(d)
    return out


def findings(out):
    """The finding lines, without the summary."""
    return sorted(line for line in out.splitlines()
                  if not line.startswith("audit verify:"))


fill(A, N, 5)           # digests with heads at 5 and 10
fill(B, 4, 2)

rc, out, err = verify()
t.eq("clean: exit 0", 0, rc)
t.ok("clean: summary", re.search(
    r"2 chains, 14 records, 4 digests checked: all verified", out),
    out + err)
t.eq("clean: no findings", [], findings(out))

# Underneath: change record 3's text, delete record 6, insert a row at
# place 11 (a copy of record 2 with its own id and a recent time).
cols = ("account, region, event_id, request_id, event_source, event_name,"
        " read_only, key_use, username, access_key_id, error_code, event,"
        " trace, prev_hash, hash")
sql("UPDATE audit_records SET event = '{\"eventName\":\"Decrypt\"}'"
    " WHERE account = '%s' AND seq = 3" % A)
sql("DELETE FROM audit_records WHERE account = '%s' AND seq = 6" % A)
sql("INSERT INTO audit_records (seq, event_time_ms, %s)"
    " SELECT 11, %d, %s FROM audit_records"
    " WHERE account = '%s' AND seq = 2" % (cols, T0 + 20000, cols, A))

rc, out, err = verify()
t.eq("tampered: exit 1", 1, rc)
got = findings(out)
t.eq("tampered: one line each, nothing else", 3, len(got))
t.ok("changed record 3 reported", any(
    re.match(r"CHANGED +%s %s seq 3 \(row id \d+\)" % (A, REGION), x)
    for x in got), got)
t.ok("removed record 6 reported", any(
    re.match(r"REMOVED +%s %s seq 6:" % (A, REGION), x) for x in got), got)
t.ok("inserted row reported", any(
    re.match(r"INSERTED +%s %s seq 11 \(row id \d+\)" % (A, REGION), x)
    for x in got), got)
t.ok("other chain untouched", not any(B in x for x in got), got)
t.ok("tampered: summary counts", "3 findings" in out, out)

# A digest edited: its signature no longer verifies.
sql("UPDATE audit_digests SET end_ms = end_ms + 1 WHERE account = '%s'"
    " AND head_seq = 5" % A)
rc, out, err = verify()
got = findings(out)
t.eq("digest: exit 1", 1, rc)
t.eq("digest: four findings", 4, len(got))
t.ok("broken digest reported", any(
    re.match(r"DIGEST +%s %s digest \d+ \(head seq 5\): its signature"
             % (A, REGION), x) for x in got), got)

# --since: only what is at or after record 8's time (T0 + 7 s): the
# inserted row (T0 + 20 s), nothing older (record 3, the place of 6, the
# digest ending at record 5).
rc, out, err = verify("--since", str((T0 + 7000) // 1000))
got = findings(out)
t.eq("since: exit 1", 1, rc)
t.eq("since: only the inserted row", 1, len(got))
t.ok("since: it is the inserted row", got and got[0].startswith(
    "INSERTED"), got)
rc, out, err = verify("--since", "2025-12-05T03:00:00Z")
t.eq("since (RFC 3339) after everything: exit 0", 0, rc)
t.eq("since after everything: no findings", [], findings(out))
rc, out, err = verify("--since", "yesterday")
t.eq("since unparsable: exit 2", 2, rc)

# Batches. Chain C: 12 records kept as batches of 4 (seq 1-4, 5-8, 9-12),
# one digest at 12.
if not shutil.which("zstd"):
    t.ok("batches: the zstd command is needed to edit a batch underneath",
         False, "zstd not found")
C = "333333333333"
fill(C, 12, 12, batch=4)
rc, out, err = verify()
t.eq("batches: chain C verifies", [],
     [x for x in findings(out) if C in x])
t.ok("batches: C's records counted", re.search(
    r"3 chains, %d records" % (10 + 4 + 12), out), out)

# Underneath: a copy of batch 1-4 put past the head (places 13-16, its
# records hashed for 1-4), record 3's text changed inside batch 1-4's
# compressed body, batch 5-8 deleted.
where_c = "account = '%s' AND region = '%s'" % (C, REGION)
bcols = "attrs, ids, last_hash, body"
sql("INSERT INTO audit_batches (account, region, seq_first, seq_last,"
    " time_min, time_max, %s) SELECT account, region, 13, 16, %d, %d, %s"
    " FROM audit_batches WHERE %s AND seq_first = 1"
    % (bcols, T0 + 20000, T0 + 23000, bcols, where_c))
raw = zstd(["-d"], blob("SELECT body FROM audit_batches WHERE %s"
                        " AND seq_first = 1" % where_c))
t.eq("batches: record 3's text is in the body once", 1,
     raw.count(b'"n":3}'))
set_blob("%s AND seq_first = 1" % where_c,
         zstd(["-1"], raw.replace(b'"n":3}', b'"n":7}')))
sql("DELETE FROM audit_batches WHERE %s AND seq_first = 5" % where_c)

rc, out, err = verify()
got = [x for x in findings(out) if C in x]
t.eq("batches: exit 1", 1, rc)
t.ok("batches: changed record 3 reported", any(
    re.match(r"CHANGED +%s %s seq 3 \(row id \d+\)" % (C, REGION), x)
    for x in got), got)
t.ok("batches: removed batch 5-8 reported", any(
    re.match(r"REMOVED +%s %s seq 5-8:" % (C, REGION), x) for x in got),
    got)
t.eq("batches: each record of the copied batch reported inserted",
     ["INSERTED %s %s seq %d" % (C, REGION, i) for i in range(13, 17)],
     sorted(re.sub(r" +\(row id.*", "", re.sub(r"^INSERTED +", "INSERTED ",
                                               x))
            for x in got if x.startswith("INSERTED")))
t.eq("batches: nothing else about C", 6, len(got))

# A body that no longer decodes: its records read as removed (with the
# deleted batch before it, places 5-12).
set_blob("%s AND seq_first = 9" % where_c, b"not zstd")
rc, out, err = verify()
got = [x for x in findings(out) if C in x]
t.ok("batches: an unreadable batch's places reported removed", any(
    re.match(r"REMOVED +%s %s seq 5-12:" % (C, REGION), x) for x in got),
    got)

# Another root key than the store's is refused, not used to call every
# digest broken.
other_key = os.path.join(srv.scratch, "other.key")
with open(other_key, "wb") as f:
    f.write(os.urandom(32))
os.chmod(other_key, 0o600)
args = ["--data-dir", srv.data_dir] + (
    ["--store", srv.store_uri] if srv.store_uri else []) + [
    "--root-key-file", other_key]
rc, out, err = verify(args=args)
t.eq("wrong root key: exit 2", 2, rc)
t.eq("wrong root key: no findings printed", [], findings(out))

# No store: an error, and nothing created.
empty = os.path.join(srv.scratch, "empty")
os.mkdir(empty)
rc, out, err = verify(args=["--data-dir", empty])
t.eq("no store: exit 2", 2, rc)
t.eq("no store: nothing created", [], os.listdir(empty))

t.done()
