#!/usr/bin/env python3
"""The driver of `make bench` (issue 7): starts logvault (and moto_server
when it is installed), runs build/bench/loadgen and build/bench/ceiling,
collects the median and min-max of every figure over RUNS runs, prints a
Markdown table with ratios to this machine's ceiling and to moto, and writes
bench/results/latest.md and bench/results/ingest.png (gnuplot).

Figures come only from here, never from tests. Nothing here passes or fails
on time; the exit status is non-zero only when a benchmark could not run.

Environment knobs (defaults are what `make bench` uses):
  BENCH_RUNS=5            runs per figure
  BENCH_INGEST_S=2        seconds per timed ingest run
  BENCH_LAT_S=5           seconds per PutLogEvents latency run (issue 15)
  BENCH_KMS_S=2           seconds per KMS run
  BENCH_READ_EVENTS=1000000
  BENCH_SEARCH_MB=1024    raw MB of text in the searched group
  BENCH_RSS_EVENTS=10000000
  BENCH_DISTINCT=1000000  distinct values of x in the Insights memory
                          figure (issue 12)
  BENCH_MOTO=auto|0       0 skips moto even when installed
  BENCH_PG=auto|0         0 skips the PostgreSQL backend (issue 11); it is
                          also skipped, with a note, when PostgreSQL is not
                          installed
  BENCH_PIN=0|1           the method (issue 15, round 9). 0 (default):
                          logvault, moto, PostgreSQL and the load generator
                          all unpinned, sharing every cpu, as a user's
                          machine runs them. 1: issue 7's method, the load
                          generator on the first cpu and the server (with
                          its PostgreSQL) on the second, with taskset
  BENCH_TRAIL_RUNS=2*RUNS rounds of the audit trail's ingest figures
                          (issue 13), which need more than RUNS: each
                          round is one run per configuration
  BENCH_TRAIL_AB_RUNS=4   loadgen kms-ab runs of the audit trail's KMS
                          Encrypt figures (half as many, at least 2, for
                          Decrypt and GenerateDataKey), each of
  BENCH_TRAIL_AB_WINDOWS=300 alternating windows of 100 ms
  BENCH_ONLY=trail        only the audit trail's figures (issue 13: KMS
                          and ingest without and with --audit-trail,
                          interleaved, and build/bench/auditrec), in
                          bench/results/trail.md; about 7 minutes at the
                          defaults, e.g. BENCH_ONLY=trail bench/run.sh
  BENCH_READ_EVENTS, BENCH_SEARCH_MB, BENCH_RSS_EVENTS, BENCH_DISTINCT and
  BENCH_RUNS are also the quick mode for checking the driver itself, e.g.
  BENCH_RUNS=1 BENCH_READ_EVENTS=50000 BENCH_SEARCH_MB=16
  BENCH_RSS_EVENTS=200000 BENCH_DISTINCT=50000 BENCH_MOTO=0 bench/run.sh

Logs Insights (issue 12) runs on the server and data of the search
figures, after them: the queries of INSIGHTS over the same group (whose
generated events are about half JSON access logs, so the JSON-field query
needs no group of its own), then a group of BENCH_DISTINCT small JSON
events, each with its own x, for the peak memory of `stats count() by x`.

The audit trail (issue 13: recording costs at most 5% of KMS Encrypt and
of ingest throughput) is measured on servers side by side, one per
configuration (without the trail, --audit-trail, and for ingest also
--audit-trail --audit-data-events, reported but not judged): two series
one after the other swing more than 5% apart on this machine. KMS by
loadgen kms-ab, which alternates one load between two servers every
100 ms (bench_kms_trail, where the comment says why); ingest by runs
interleaved round by round (bench_ingest_trail). The plain server's KMS
figures are also the table's KMS rows. Then the recorder alone, outside
HTTP: build/bench/auditrec with the trail on and --off.

The PostgreSQL figures (issue 11) run on a throwaway cluster of the
driver's own (PgCluster), each right after its SQLite counterpart, with
logvault given --store; they are printed beside the SQLite ones of the
same run.
"""
import contextlib
import glob
import math
import os
import pwd
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LV = os.path.join(ROOT, "build", "logvault")
LOADGEN = os.path.join(ROOT, "build", "bench", "loadgen")
CEILING = os.path.join(ROOT, "build", "bench", "ceiling")
AUDITREC = os.path.join(ROOT, "build", "bench", "auditrec")
RESULTS = os.path.join(ROOT, "bench", "results")


def env_int(name, default):
    return int(float(os.environ.get(name, default)))


RUNS = env_int("BENCH_RUNS", 5)
INGEST_S = float(os.environ.get("BENCH_INGEST_S", "2"))
LAT_S = float(os.environ.get("BENCH_LAT_S", "5"))
# Issue 15: PutLogEvents latency at this fraction of the peak rate measured
# in the same run, with the batches and connections of that peak.
LAT_LOAD = 0.5
LAT_BATCH, LAT_CONNS = 1000, 8
KMS_S = float(os.environ.get("BENCH_KMS_S", "2"))
READ_EVENTS = env_int("BENCH_READ_EVENTS", 1000000)
SEARCH_MB = env_int("BENCH_SEARCH_MB", 1024)
RSS_EVENTS = env_int("BENCH_RSS_EVENTS", 10000000)
DISTINCT = env_int("BENCH_DISTINCT", 1000000)
MOTO_READ_EVENTS = min(200000, READ_EVENTS)
MOTO_SEARCH_MB = min(32, SEARCH_MB)
BATCHES = (100, 1000, 10000)
CONNS = (1, 8)
PATTERNS = (
    ("rare plain term", "OutOfMemoryError"),
    ("JSON pattern", "{ $.status = 503 && $.latency_ms > 500 }"),
    ("space-delimited", "[ip, ident, user, ts, request, status = 503, "
                        "bytes, referer, agent]"),
)
# Logs Insights over the search group (issue 12): a rare term then a
# binned count, as the issue names it; and stats over JSON fields of the
# access-log events (about half of the generated mix, gen.h).
INSIGHTS = (
    ("rare term, binned count",
     "filter @message like /OutOfMemoryError/ | stats count() by bin(5m)"),
    ("JSON fields", "stats count(), avg(latency_ms) by status"),
)
DISTINCT_QUERY = "stats count() by x"

# The method (issue 15, round 9). By default nothing is pinned: the
# server (logvault or moto, and PostgreSQL) and the load generator share
# every cpu, as they would on a user's machine, and the table reports CPU
# per event of the server and of server + load generator. BENCH_PIN=1
# keeps issue 7's method: load generator on the first cpu, server on the
# second (when there are two cpus we may use and taskset exists).
CPUS = sorted(os.sched_getaffinity(0))
PIN_ASKED = os.environ.get("BENCH_PIN", "0") == "1"
PIN = PIN_ASKED and len(CPUS) >= 2 and shutil.which("taskset") is not None
GEN_CPU = str(CPUS[0]) if PIN else "-1"
SRV_PREFIX = ["taskset", "-c", str(CPUS[1])] if PIN else []

NOTES = []          # what was scaled down or skipped, and why
T_START = time.time()


def log(msg):
    print("[%6.1fs] %s" % (time.time() - T_START, msg), flush=True)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def parse(line):
    """'kind k=v k=v' -> dict of floats (strings when not numbers)."""
    out = {}
    for tok in line.split()[1:]:
        k, _, v = tok.partition("=")
        try:
            out[k] = float(v)
        except ValueError:
            out[k] = v
    return out


def loadgen_cmd(server, mode, *args):
    return [LOADGEN, mode, "--port", str(server.port), "--cpu", GEN_CPU,
            "--server-pid", str(server.pid)] + [str(a) for a in args]


def loadgen_result(mode, rc, out, err, check):
    lines = [ln for ln in out.splitlines() if ln.startswith(mode)]
    if rc != 0 or not lines:
        msg = "loadgen %s failed (%d): %s" % (
            mode, rc, (err or out).strip()[-400:])
        if check:
            raise RuntimeError(msg)
        log(msg)
        return None
    if err.strip():
        log("loadgen: " + err.strip()[-300:])
    return parse(lines[-1])


def loadgen(server, mode, *args, check=True):
    p = subprocess.run(loadgen_cmd(server, mode, *args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    return loadgen_result(mode, p.returncode, p.stdout, p.stderr, check)


class Server:
    """logvault serve or moto_server on a free loopback port; with `store`
    (a PgDatabase) logvault keeps its data in that PostgreSQL database and
    its data dir holds only its lock file."""

    def __init__(self, kind, store=None, args=()):
        self.kind = kind
        self.store = store
        self.args = list(args)
        self.dir = tempfile.mkdtemp(prefix="lv-bench.")
        self.data = os.path.join(self.dir, "data")
        self.port = None
        self.proc = None

    def __enter__(self):
        errf = open(os.path.join(self.dir, "server.log"), "wb")
        if self.kind == "logvault":
            cmd = SRV_PREFIX + [LV, "serve", "--listen", "127.0.0.1:0",
                                "--data-dir", self.data]
            if self.store:
                cmd += ["--store", self.store.uri, "--root-key-file",
                        self.store.cluster.root_key]
            cmd += self.args
        else:
            self.port = free_port()
            cmd = SRV_PREFIX + ["moto_server", "-H", "127.0.0.1", "-p",
                                str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL,
                                     stderr=errf)
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited: %s" % (self.kind, self.tail()))
            if self.kind == "logvault":
                with open(errf.name, "rb") as f:
                    m = re.search(rb"serve: listening on .* port=(\d+)",
                                  f.read())
                if m:
                    self.port = int(m.group(1))
                    return self
            else:
                try:
                    socket.create_connection(("127.0.0.1", self.port),
                                             0.2).close()
                    return self
                except OSError:
                    pass
            time.sleep(0.02)
        raise RuntimeError("%s did not start: %s" % (self.kind, self.tail()))

    @property
    def pid(self):
        return self.proc.pid

    def tail(self):
        try:
            with open(os.path.join(self.dir, "server.log"), "rb") as f:
                return f.read()[-600:].decode(errors="replace")
        except OSError:
            return ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def data_bytes(self):
        if self.store:
            return self.store.size_bytes()
        total = 0
        for d, _, files in os.walk(self.data):
            for f in files:
                total += os.path.getsize(os.path.join(d, f))
        return total

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---- a throwaway PostgreSQL (issue 11) --------------------------------------

# Settings of the bench's cluster. Durable as logvault's SQLite store is
# (an acknowledged PutLogEvents is on disk): fsync, synchronous_commit and
# full_page_writes on — PostgreSQL's defaults, written out so that nobody
# "tunes" them away. Otherwise default-ish, sized for this machine:
# - shared_buffers 256MB (default 128MB): holds a 2 s run's chunks (~100 MB
#   of compressed, encrypted bytea at 600 k events/s) and the indexes of
#   the 1 GB search group, on a machine whose 24 GB are shared by others;
#   the usual "a quarter of RAM" would be several GB nobody here uses.
# - max_wal_size 8GB, checkpoint_timeout 30min (defaults 1GB, 5min): the
#   longest phase (the 1 GB search group: ~0.3 GB of chunks, ~0.6 GB of
#   WAL with full-page images) stays under it, so no checkpoint is forced
#   inside a timed 2 s run; with 1 GB one would start every few runs and
#   its full-page writes and fsyncs would land in whichever run it hit.
#   The driver runs CHECKPOINT between configurations instead (outside the
#   clock), so every configuration starts from the same clean state. A
#   long-running server checkpoints too: that cost is not in these figures.
# - wal_compression off (the default): chunks are zstd-compressed and
#   encrypted before they reach the database, so compressing their WAL
#   records would spend the one server core on bytes that do not shrink.
# - Unix socket in the scratch dir (logvault connects through it, the
#   cheapest local transport, as SQLite is in-process); TCP on a free
#   loopback port is open too, for hand checks.
PG_SETTINGS = {
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "wal_compression": "off",
    "shared_buffers": "256MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "listen_addresses": "'127.0.0.1'",
    "max_connections": "100",
}


def pg_bindir():
    """The bin dir of the newest PostgreSQL of Debian's packages, or None."""
    best = None
    for d in glob.glob("/usr/lib/postgresql/*/bin"):
        ver = os.path.basename(os.path.dirname(d))
        if not (ver.replace(".", "").isdigit() and
                os.access(os.path.join(d, "postgres"), os.X_OK)):
            continue
        key = tuple(int(x) for x in ver.split("."))
        if best is None or key > best[0]:
            best = (key, d)
    return best[1] if best else None


def proc_stat(pid):
    """(ppid, cpu seconds of the process and its reaped children) from
    /proc/PID/stat, or None when it is gone."""
    try:
        with open("/proc/%s/stat" % pid) as f:
            line = f.read()
    except OSError:
        return None
    f = line[line.rindex(")") + 2:].split()
    # after "(comm)": state ppid … utime(14) stime cutime cstime (fields
    # 3.. of proc(5), so index = field - 3)
    ticks = sum(int(x) for x in f[11:15])
    return int(f[1]), ticks / os.sysconf("SC_CLK_TCK")


class PgCluster:
    """initdb + pg_ctl start in a scratch dir, pinned to the server's cpu
    under BENCH_PIN=1 (SRV_PREFIX), unpinned otherwise.
    As root (PostgreSQL refuses root) every PostgreSQL program runs as the
    `postgres` user through runuser, the scratch dir owned by that user."""

    def __init__(self, bindir):
        self.bin = bindir
        self.dir = None
        self.keydir = None
        self.port = None
        self.n_db = 0
        self.as_user = []
        self.started = False

    def prog(self, name):
        return os.path.join(self.bin, name)

    def __enter__(self):
        self.dir = tempfile.mkdtemp(prefix="lv-bench-pg.")
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            self.as_user = ["runuser", "-u", "postgres", "--"]
        os.chmod(self.dir, 0o700)
        self.data = os.path.join(self.dir, "data")
        # The root key every node is given (--root-key-file): 32 bytes in
        # a 0600 file that only the bench's user can read.
        self.keydir = tempfile.mkdtemp(prefix="lv-bench-key.")
        self.root_key = os.path.join(self.keydir, "root.key")
        fd = os.open(self.root_key, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                     0o600)
        os.write(fd, os.urandom(32))
        os.close(fd)
        try:
            # --no-sync: only initdb's own files skip fsync (a throwaway
            # cluster); the server itself runs with fsync on.
            subprocess.run(self.as_user + [
                self.prog("initdb"), "-D", self.data, "-U", "postgres",
                "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                text=True, check=True)
            self.port = free_port()
            conf = dict(PG_SETTINGS, port=str(self.port),
                        unix_socket_directories="'%s'" % self.dir)
            with open(os.path.join(self.data, "postgresql.auto.conf"),
                      "a") as f:
                for k, v in conf.items():
                    f.write("%s = %s\n" % (k, v))
            # taskset before runuser: the affinity passes to pg_ctl, the
            # postmaster and every backend it forks.
            subprocess.run(SRV_PREFIX + self.as_user + [
                self.prog("pg_ctl"), "-D", self.data, "-l",
                os.path.join(self.dir, "log"), "-w", "-t", "60", "start"],
                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                text=True, check=True)
            self.started = True
            with open(os.path.join(self.data, "postmaster.pid")) as f:
                self.pid = int(f.readline())
            self.version = self.psql("SHOW server_version").strip()
        except BaseException:
            self.__exit__()
            raise
        return self

    def psql(self, sql, db="postgres"):
        p = subprocess.run([self.prog("psql"), "-X", "-q", "-A", "-t",
                            "-v", "ON_ERROR_STOP=1", "-h", self.dir, "-p",
                            str(self.port), "-U", "postgres", "-d", db,
                            "-c", sql], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            raise RuntimeError("psql %r: %s" % (sql, p.stderr.strip()))
        return p.stdout

    def cpu_s(self):
        """CPU seconds of the postmaster and all its processes: its own,
        those of its exited children (reaped into its cutime/cstime) and
        those of the children alive now (backends, walwriter, checkpointer,
        autovacuum …)."""
        me = proc_stat(self.pid)
        if me is None:
            raise RuntimeError("postmaster %d is gone" % self.pid)
        total = me[1]
        for d in os.listdir("/proc"):
            if d.isdigit() and int(d) != self.pid:
                st = proc_stat(d)
                if st and st[0] == self.pid:
                    total += st[1]
        return total

    def database(self):
        """A fresh database for one logvault store (a PgDatabase, dropped
        on exit). A CHECKPOINT first, outside any timed run, so that each
        configuration starts with no dirty buffers of the last one."""
        self.n_db += 1
        name = "bench%d" % self.n_db
        self.psql("CHECKPOINT")
        self.psql("CREATE DATABASE %s" % name)
        return PgDatabase(self, name)

    def __exit__(self, *exc):
        if self.started:
            subprocess.run(self.as_user + [
                self.prog("pg_ctl"), "-D", self.data, "-m", "fast", "-w",
                "stop"], stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
            self.started = False
        for d in (self.dir, self.keydir):
            if d:
                shutil.rmtree(d, ignore_errors=True)


class PgDatabase:
    def __init__(self, cluster, name):
        self.cluster = cluster
        self.name = name
        self.uri = "postgresql:///%s?host=%s&port=%d&user=postgres" % (
            name, cluster.dir, cluster.port)
        self.empty = self.pg_size()

    def pg_size(self):
        return int(self.cluster.psql(
            "SELECT pg_database_size('%s')" % self.name))

    def size_bytes(self):
        """What logvault added to the database: pg_database_size (tables,
        TOAST and indexes; not the WAL, which the cluster shares) less that
        of the database just created (PostgreSQL's own catalogs, ~7.5 MB,
        which would dominate a short run)."""
        return self.pg_size() - self.empty

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cluster.psql("DROP DATABASE IF EXISTS %s" % self.name)


@contextlib.contextmanager
def pg_server(pg):
    """logvault serve on a fresh database of cluster pg."""
    with pg.database() as db, Server("logvault", store=db) as srv:
        yield srv


# ---- statistics and formatting -------------------------------------------

class Stat:
    def __init__(self, values):
        self.values = [v for v in values if v is not None]

    @property
    def ok(self):
        return bool(self.values)

    @property
    def med(self):
        return statistics.median(self.values) if self.values else None

    def fmt(self, digits=0, scale=1.0):
        if not self.values:
            return "n/a"
        f = "{:,.%df}" % digits
        lo, hi = min(self.values) / scale, max(self.values) / scale
        return "%s (%s–%s)" % (f.format(self.med / scale), f.format(lo),
                               f.format(hi))


def ratio(a, b, digits=2):
    if a is None or b is None or b == 0:
        return "n/a"
    return ("%." + str(digits) + "f×") % (a / b)


def pct(a, b):
    if a is None or b is None or b == 0:
        return "n/a"
    return "%.0f%%" % (100.0 * a / b)


# ---- the benchmarks --------------------------------------------------------

def bench_ceiling():
    log("ceiling: zstd-1 + AES-256-GCM, and GCM open + unzstd + memmem, "
        "one core")
    # One core by definition (one thread): pinned to the first cpu under
    # either method, so that the figure does not depend on it.
    p = subprocess.run([CEILING, "--events", "500000", "--runs", str(RUNS),
                        "--cpu", str(CPUS[0])], stdout=subprocess.PIPE,
                       text=True,
                       check=True)
    rows = [parse(ln) for ln in p.stdout.splitlines()
            if ln.startswith("ceiling")]
    return {k: Stat([r[k] for r in rows]) for k in
            ("ingest_eps", "ingest_mbps", "scan_mbps", "zratio",
             "stored_bpe", "avg_event")}


def bench_ingest(kind):
    """{(batch, conns): {eps, mbps, cpu, bpe, actual}}"""
    out = {}
    for batch in BATCHES:
        for conns in CONNS:
            with Server(kind) as srv:
                rows = []
                for r in range(RUNS):
                    rows.append(loadgen(srv, "ingest", "--group",
                                        "ing-%d" % r, "--conns", conns,
                                        "--batch", batch, "--seconds",
                                        INGEST_S, "--create", check=False))
                stored = sum(x["events"] for x in rows if x)
                srv.stop()
                bpe = (srv.data_bytes() / stored
                       if kind == "logvault" and stored else None)
            good = [x for x in rows if x]
            out[(batch, conns)] = {
                "eps": Stat([x["eps"] for x in good]),
                "mbps": Stat([x["mbps"] for x in good]),
                "cpu": Stat([x["cpu_s_per_m"] for x in good]),
                "mcpu": Stat([x["machine_cpu_s_per_m"] for x in good
                              if "machine_cpu_s_per_m" in x]),
                "actual": good[0]["batch_actual"] if good else None,
                "bpe": bpe,
            }
            log("%s ingest batch=%d conns=%d: %s events/s" % (
                kind, batch, conns, out[(batch, conns)]["eps"].fmt()))
    return out


def bench_latency(lv_ing):
    """Issue 15: PutLogEvents latency, open loop (loadgen --rps) at LAT_LOAD
    of the median events/s of LAT_BATCH x LAT_CONNS measured just before,
    on a fresh server; RUNS runs of LAT_S seconds, each into its own
    group. The latency of a request runs from the time it was due to the
    last byte of its answer (loadgen.c)."""
    peak = lv_ing[(LAT_BATCH, LAT_CONNS)]
    if not peak["eps"].ok or not peak["actual"]:
        log("latency: skipped (no peak rate)")
        return None
    eps = LAT_LOAD * peak["eps"].med
    rps = eps / peak["actual"]
    rows = []
    with Server("logvault") as srv:
        for r in range(RUNS):
            res = {}
            p = subprocess.run(
                loadgen_cmd(srv, "ingest", "--group", "lat-%d" % r,
                            "--conns", LAT_CONNS, "--batch", LAT_BATCH,
                            "--seconds", LAT_S, "--rps", "%.3f" % rps,
                            "--create"),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for mode in ("ingest", "latency"):
                res[mode] = loadgen_result(mode, p.returncode, p.stdout,
                                           p.stderr, False)
            if res["ingest"] and res["latency"]:
                x = dict(res["latency"])
                x["eps"] = res["ingest"]["eps"]
                rows.append(x)
    out = {"target_eps": eps, "rps": rps,
           "eps": Stat([x["eps"] for x in rows]),
           "p50": Stat([x["lat_p50_ms"] for x in rows]),
           "p99": Stat([x["lat_p99_ms"] for x in rows]),
           "max": Stat([x["lat_max_ms"] for x in rows]),
           "late": Stat([x["late"] for x in rows]),
           "answered": Stat([x["answered"] for x in rows])}
    log("latency at %.0f events/s (%.1f requests/s): p50 %s ms, p99 %s ms" %
        (eps, rps, out["p50"].fmt(2), out["p99"].fmt(2)))
    return out


def latency_rows(L, lat):
    if not lat:
        L.append("PutLogEvents latency: skipped (no peak rate measured).")
        return
    L.append("PutLogEvents latency at %.0f%% of the peak rate (issue 15): "
             "open loop at %s events/s = %.1f requests/s of %s events over "
             "%d connections, %g s per run; each request timed from when "
             "it was due to the last byte of its answer." % (
                 100 * LAT_LOAD, "{:,.0f}".format(lat["target_eps"]),
                 lat["rps"], "{:,}".format(LAT_BATCH), LAT_CONNS, LAT_S))
    L.append("")
    L.append("| events/s achieved | requests per run | p50 ms | p99 ms | "
             "max ms | sent > 1 ms late |")
    L.append("|---|---|---|---|---|---|")
    L.append("| %s | %s | %s | %s | %s | %s |" % (
        lat["eps"].fmt(), lat["answered"].fmt(), lat["p50"].fmt(2),
        lat["p99"].fmt(2), lat["max"].fmt(2), lat["late"].fmt()))


def bench_read(kind, n_events, pg=None):
    with pg_server(pg) if pg else Server(kind) as srv:
        if pg:
            kind = "logvault on PostgreSQL"
        log("%s read: ingesting %d events into one stream" % (kind,
                                                              n_events))
        loadgen(srv, "ingest", "--group", "read", "--stream", "big",
                "--conns", 4, "--batch", 10000, "--events", n_events,
                "--create")
        rows = [loadgen(srv, "read", "--group", "read", "--stream", "big",
                        check=False) for _ in range(RUNS)]
        good = [x for x in rows if x]
        res = {"pages": Stat([x["pages_per_s"] for x in good]),
               "eps": Stat([x["eps"] for x in good]),
               "per_page": good[0]["events_per_page"] if good else None,
               "events": good[0]["events"] if good else None}
        log("%s read: %s events/s" % (kind, res["eps"].fmt()))
        return res


def search_supported(srv):
    """FilterLogEvents answers (a missing group is an answer; an unknown
    operation is not)."""
    p = subprocess.run([LOADGEN, "search", "--port", str(srv.port),
                        "--group", "nosuch", "--pattern", "x",
                        "--raw-bytes", "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode == 0 or "ResourceNotFoundException" in p.stderr


def bench_search(kind, raw_mb, pg=None):
    res = {}
    with pg_server(pg) if pg else Server(kind) as srv:
        if pg:
            kind = "logvault on PostgreSQL"
        events = int(raw_mb * 1e6 / 217)
        log("%s search: ingesting %d MB (%d events) into 10 streams" % (
            kind, raw_mb, events))
        # Every event distinct (no reused bodies): generate them all.
        ing = loadgen(srv, "ingest", "--group", "search", "--conns", 10,
                      "--batch", 10000, "--events", events, "--create",
                      "--gen-events", events + 10000,
                      "--pool-mb", int(raw_mb * 1.3) + 16)
        raw = ing["raw_bytes"]
        for name, pat in PATTERNS:
            rows = [loadgen(srv, "search", "--group", "search", "--pattern",
                            pat, "--raw-bytes", raw, check=False)
                    for _ in range(RUNS)]
            good = [x for x in rows if x]
            res[name] = {"mbps": Stat([x["mbps"] for x in good]),
                         "matches": good[0]["matches"] if good else None,
                         "pattern": pat}
            if good and good[0]["matches"] >= ing["events"]:
                # Every event "matched": the server ignored the pattern.
                res[name]["ignored"] = True
            log("%s search %s: %s MB/s, %s matches" % (
                kind, name, res[name]["mbps"].fmt(1), res[name]["matches"]))
        res["raw_mb"] = raw / 1e6
        res["events"] = ing["events"]
        if kind == "logvault" and not pg:
            res["insights"] = bench_insights(srv, raw)
    return res


def loadgen_line(server, mode, *args):
    """loadgen's figures line even when it exits non-zero (a query that
    ended Failed still reports its time and memory), or None."""
    p = subprocess.run(loadgen_cmd(server, mode, *args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    if p.stderr.strip():
        log("loadgen: " + p.stderr.strip()[-300:])
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith(mode)]
    return parse(lines[-1]) if lines else None


def engine_peak_mb(srv, qid):
    """The engine's own peak for query qid (lv_iq_run_peak_bytes: what
    the run's max_bytes bounds), from the server's INFO line "logs: query
    complete query=ID … peak_bytes=N", in MB; None when the server did not
    log it. The line follows the state change GetQueryResults reads, so
    it may lag the answer a little: looked for up to 5 s."""
    pat = re.compile(rb"query=%s .*peak_bytes=(\d+)" % re.escape(
        str(qid).encode()))
    deadline = time.time() + 5
    while True:
        try:
            with open(os.path.join(srv.dir, "server.log"), "rb") as f:
                m = pat.search(f.read())
        except OSError:
            m = None
        if m or time.time() > deadline:
            return int(m.group(1)) / 1048576.0 if m else None
        time.sleep(0.05)


def insights_supported(srv):
    """StartQuery answers (a missing group is an answer; NotImplemented
    is not)."""
    p = subprocess.run([LOADGEN, "insights", "--port", str(srv.port),
                        "--group", "nosuch", "--query", "fields @message",
                        "--raw-bytes", "1"], stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    return p.returncode == 0 or "ResourceNotFoundException" in p.stderr


def bench_insights(srv, raw):
    """Issue 12: the INSIGHTS queries over the search group (MB/s of its
    raw text, StartQuery to Complete), then the peak memory of
    DISTINCT_QUERY over DISTINCT distinct values."""
    if not insights_supported(srv):
        NOTES.append("Logs Insights: skipped (StartQuery not implemented)")
        log("insights: skipped (StartQuery not implemented)")
        return None
    res = {}
    for name, q in INSIGHTS:
        rows = [loadgen_line(srv, "insights", "--group", "search", "--query",
                             q, "--raw-bytes", raw) for _ in range(RUNS)]
        good = [x for x in rows if x and x["status"] == "Complete"]
        res[name] = {"mbps": Stat([x["mbps"] for x in good]),
                     "query": q,
                     "failed": [x["status"] if x else "no answer"
                                for x in rows
                                if not x or x["status"] != "Complete"],
                     "matched": good[0]["records_matched"] if good else None,
                     "rows": good[0]["rows"] if good else None,
                     "scanned": good[0]["bytes_scanned"] if good else None}
        log("insights %s: %s MB/s, %s records matched, %s rows" % (
            name, res[name]["mbps"].fmt(1), fmt_n(res[name]["matched"]),
            fmt_n(res[name]["rows"])))
    if DISTINCT < 1000000:
        NOTES.append("Logs Insights memory: over %s distinct x instead of "
                     "1,000,000 (BENCH_DISTINCT)" % fmt_n(DISTINCT))
    log("insights: ingesting %d events with distinct x" % DISTINCT)
    # One connection, gen-events one batch more than sent and a pool that
    # holds every batch (loadgen sizes it at 260 B an event): batch j is
    # events [j * 10000, (j + 1) * 10000), none sent twice, every x
    # distinct.
    ing = loadgen(srv, "ingest", "--group", "distinct", "--conns", 1,
                  "--batch", 10000, "--events", DISTINCT, "--create",
                  "--distinct", "--gen-events", DISTINCT + 10000,
                  "--pool-mb", int(DISTINCT * 270 / 1e6) + 16)
    rows = [loadgen_line(srv, "insights", "--group", "distinct", "--query",
                         DISTINCT_QUERY, "--raw-bytes", ing["raw_bytes"])
            for _ in range(RUNS)]
    got = [x for x in rows if x]
    for x in got:
        x["engine_mb"] = engine_peak_mb(srv, x["query_id"])
    res["distinct"] = {
        "events": ing["events"],
        "growth_mb": Stat([x["hwm_growth_kb"] / 1024.0 for x in got
                           if x["hwm_growth_kb"] >= 0]),
        "rss_mb": Stat([x["rss_before_kb"] / 1024.0 for x in got]),
        "engine_mb": Stat([x["engine_mb"] for x in got]),
        "seconds": Stat([x["seconds"] for x in got]),
        "status": sorted(set(str(x["status"]) for x in got)),
        "rows": got[0]["rows"] if got else None,
        "reset": all(x["hwm_reset"] for x in got) if got else False,
    }
    d = res["distinct"]
    log("insights %s over %s distinct x: peak RSS +%s MB, engine peak %s "
        "MB, status %s, %s rows" % (
            DISTINCT_QUERY, fmt_n(d["events"]), d["growth_mb"].fmt(1),
            d["engine_mb"].fmt(1), "/".join(d["status"]), fmt_n(d["rows"])))
    return res


def insights_rows(L, ins, c_scan):
    """The Logs Insights rows of the read/search table (issue 12)."""
    if not ins:
        L.append("| Logs Insights | skipped (StartQuery not implemented) "
                 "| | | |")
        return
    for name, _ in INSIGHTS:
        x = ins[name]
        L.append("| Logs Insights %s `%s`: MB/s of raw text (%s records "
                 "matched, %s rows) | %s | %s | n/a | n/a |" % (
                     name, x["query"].replace("|", "\\|"),
                     fmt_n(x["matched"]), fmt_n(x["rows"]),
                     x["mbps"].fmt(1), pct(x["mbps"].med, c_scan)))
        if x["failed"]:
            NOTES.append("Logs Insights %s: %d of %d runs did not complete "
                         "(%s); not counted" % (
                             name, len(x["failed"]), RUNS,
                             ", ".join(x["failed"])))
    d = ins["distinct"]
    L.append("| Logs Insights `%s` over %s distinct x: server peak RSS "
             "growth during the query, MB (status %s, %s rows, %s s) | %s "
             "| | | |" % (DISTINCT_QUERY, fmt_n(d["events"]),
                          "/".join(d["status"]), fmt_n(d["rows"]),
                          d["seconds"].fmt(1), d["growth_mb"].fmt(1)))
    L.append("| same query: the engine's peak (lv_iq_run_peak_bytes, what "
             "its max_bytes bounds), MB | %s | | | |" % d["engine_mb"].fmt(1))
    first = ins[INSIGHTS[0][0]]["mbps"].med
    NOTES.append(
        "Logs Insights (issue 12): MB/s is the group's raw message text over "
        "the time from StartQuery to the GetQueryResults answer that said "
        "Complete (polled every 20 ms); target: the first query at >= 50%% "
        "of the scan ceiling: %s (%s)" % (
            met(first is not None and c_scan and first / c_scan >= 0.5),
            pct(first, c_scan)))
    NOTES.append(
        "Logs Insights memory: VmRSS of the server before the query, then "
        "its VmHWM reset (/proc/PID/clear_refs 5) and read when the query "
        "ended; the growth is the most the query added to resident memory "
        "(%s); server RSS before the query %s MB. Memory the allocator "
        "kept resident from earlier work (the ingest) is reused without "
        "growing RSS, so the growth is a lower bound, noisier than the "
        "engine's own peak, which the server logs per query (peak_bytes) "
        "and which its max_bytes (LV_QUERY_MAX_BYTES, src/logs/) bounds: "
        "past it the query fails instead of growing" % (
            "peak reset before each run" if d["reset"] else
            "the reset was refused, so this is the lifetime peak less RSS",
            d["rss_mb"].fmt(1)))


# ---- the PostgreSQL backend (issue 11) ----------------------------------------

PG_BATCHES = (100, 1000)
PG_CONNS = 8


def ingest_summary(rows, bpe=None):
    good = [x for x in rows if x]
    return {
        "eps": Stat([x["eps"] for x in good]),
        "mbps": Stat([x["mbps"] for x in good]),
        "cpu": Stat([x["server_cpu_s"] / x["events"] * 1e6 for x in good
                     if x["events"]]),
        "pgcpu": Stat([x["pg_cpu_s"] / x["events"] * 1e6 for x in good
                       if x["events"]]),
        "errors": sum(x["errors"] for x in good),
        "rejected": sum(x["rejected"] for x in good),
        "failed_runs": len(rows) - len(good),
        "bpe": bpe,
    }


def bench_pg_ingest_one(pg, batch):
    """One node, PG_CONNS connections, as bench_ingest on SQLite; with the
    CPU of PostgreSQL's processes over each run."""
    with pg_server(pg) as srv:
        rows = []
        for r in range(RUNS):
            c0 = pg.cpu_s()
            x = loadgen(srv, "ingest", "--group", "ing-%d" % r, "--conns",
                        PG_CONNS, "--batch", batch, "--seconds", INGEST_S,
                        "--create", check=False)
            if x:
                x["pg_cpu_s"] = pg.cpu_s() - c0
            rows.append(x)
        stored = sum(x["events"] for x in rows if x)
        srv.stop()
        bpe = srv.data_bytes() / stored if stored else None
    res = ingest_summary(rows, bpe)
    log("logvault on PostgreSQL ingest batch=%d conns=%d: %s events/s" % (
        batch, PG_CONNS, res["eps"].fmt()))
    return res


def bench_pg_ingest_two(pg, batch):
    """Two nodes on one database: node A creates the group and the streams
    s-0..s-3, then two load generators of PG_CONNS / 2 connections each,
    one per node, write those same four streams at once (connection k of
    each writes s-k: every stream takes batches from both nodes, as behind
    a load balancer). Rates are summed; each is over its own run, and the
    two runs start together."""
    half = PG_CONNS // 2
    with pg.database() as db, Server("logvault", store=db) as a, \
            Server("logvault", store=db) as b:
        rows = []
        for r in range(RUNS):
            group = "two-%d" % r
            loadgen(a, "ingest", "--group", group, "--conns", half,
                    "--batch", 1, "--events", half, "--create",
                    "--gen-events", 1000)
            c0 = pg.cpu_s()
            procs = [subprocess.Popen(
                loadgen_cmd(srv, "ingest", "--group", group, "--conns",
                            half, "--batch", batch, "--seconds", INGEST_S),
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                for srv in (a, b)]
            outs = [(p.returncode, o, e) for p in procs
                    for o, e in [p.communicate()]]
            pg_cpu = pg.cpu_s() - c0
            got = [loadgen_result("ingest", rc, o, e, False)
                   for rc, o, e in outs]
            if not all(got):
                rows.append(None)
                continue
            x = {k: sum(g[k] for g in got) for k in
                 ("eps", "mbps", "events", "server_cpu_s", "errors",
                  "rejected")}
            x["pg_cpu_s"] = pg_cpu
            x["nodes_eps"] = [g["eps"] for g in got]
            rows.append(x)
    res = ingest_summary(rows)
    log("logvault on PostgreSQL, two nodes, ingest batch=%d conns=2x%d: "
        "%s events/s" % (batch, half, res["eps"].fmt()))
    return res


def bench_pg_ingest(pgc, pg):
    """The ingest figures on PostgreSQL into pg (one node, two nodes)."""
    pg["one"] = {b: bench_pg_ingest_one(pgc, b) for b in PG_BATCHES}
    pg["two"] = {b: bench_pg_ingest_two(pgc, b) for b in PG_BATCHES}


def pg_available():
    """The bin dir of PostgreSQL to bench on, or None with a note saying
    why not."""
    pg_bin = pg_bindir()
    note = None
    if os.environ.get("BENCH_PG", "auto") == "0":
        note = "PostgreSQL: skipped (BENCH_PG=0)"
    elif not pg_bin:
        note = ("PostgreSQL: skipped (not installed: scripts/install-deps "
                "--bench)")
    elif os.geteuid() == 0 and not have_user("postgres"):
        note = ("PostgreSQL: skipped (running as root and there is no "
                "postgres user to run it as)")
    if note:
        NOTES.append(note)
        log(note)
        return None
    return pg_bin


def bench_kms(kind, args=()):
    """KMS requests/s over RUNS runs on one server (moto's figures; for
    logvault, bench_kms_trail measures with and without the trail)."""
    res = {}
    with Server(kind, args=args) as srv:
        for op in KMS_OPS:
            rows = [loadgen(srv, "kms", "--op", op, "--conns", 8,
                            "--seconds", KMS_S, check=False)
                    for _ in range(RUNS)]
            res[op] = Stat([x["rps"] for x in rows if x])
            log("%s kms %s: %s requests/s" % (kind, op, res[op].fmt()))
    return res


# ---- the audit trail's cost (issue 13) --------------------------------
#
# "Recording costs at most 5% of KMS Encrypt throughput and of ingest
# throughput." Two series measured one after the other cannot show a 5%
# difference on this machine: run to run, the KMS figures swing ±25% with
# how the scheduler places the server's two worker threads and the load
# generator's connections. So the servers of every configuration run side
# by side (an idle server costs next to nothing) and the runs interleave:
# round r runs once against each, the first of the round rotating from
# round to round, so that a drift of the machine's load falls on every
# configuration alike. Each figure is the median over TRAIL_RUNS rounds;
# the ratio of the rounds' own pairs (same round, run back to back) is
# shown beside the ratio of the medians. That is how ingest is measured;
# KMS, whose runs swing most, by loadgen kms-ab (below, bench_kms_trail).

KMS_OPS = ("Encrypt", "Decrypt", "GenerateDataKey")
TRAIL_RUNS = env_int("BENCH_TRAIL_RUNS", 2 * RUNS)
TRAIL_TARGET = 0.05                     # issue 13: at most 5%
TRAIL_BATCH, TRAIL_CONNS = 1000, 8      # issue 7's headline ingest load
TRAIL_RECORDS = 100000                  # auditrec --records
# key, serve options
TRAIL_OFF = ("off", [])
TRAIL_ON = ("on", ["--audit-trail"])
TRAIL_DATA = ("data", ["--audit-trail", "--audit-data-events"])


def interleaved(servers, run):
    """TRAIL_RUNS rounds of run(server, round) against each of servers
    ({key: Server}), the first of each round rotating (with two servers:
    alternating). -> {key: [run's result or None, one per round]}, so
    that index r of every list is the same round."""
    keys = list(servers)
    out = {k: [] for k in keys}
    for r in range(TRAIL_RUNS):
        for i in range(len(keys)):
            k = keys[(r + i) % len(keys)]
            out[k].append(run(servers[k], r))
    return out


def settled_run(srv, *args):
    """loadgen(srv, *args) as a run of the trail's rounds, then wait (up
    to 5 s) until the server's CPU time stops moving (no tick in 100 ms):
    work it still does after the timed window (a writer catching up on a
    queue) would otherwise be missed in this run's server_cpu_s and land
    in the next run, of another configuration. That tail is added to
    server_cpu_s (and cpu_s_per_m) and kept as tail_cpu_s."""
    x = loadgen(srv, *args, check=False)
    st = proc_stat(srv.pid)
    if not x or not st:
        return x
    c0 = last = st[1]
    deadline = time.time() + 5
    while time.time() < deadline:
        time.sleep(0.1)
        st = proc_stat(srv.pid)
        if not st or st[1] == last:
            break
        last = st[1]
    x["tail_cpu_s"] = last - c0
    x["server_cpu_s"] += x["tail_cpu_s"]
    if x.get("events"):
        x["cpu_s_per_m"] = x["server_cpu_s"] / x["events"] * 1e6
    return x


def trail_summary(rows, rate, cpu):
    """{key: {rate: Stat, cpu: Stat, failed: n}} from interleaved rows;
    rate(x) and cpu(x) read one run's figures. Under "paired": for every
    key but "off", the per-round ratios key / off of both (rounds where
    either run failed are left out)."""
    def figs(x, f):
        return f(x) if x else None

    out = {"paired": {}}
    for k, xs in rows.items():
        out[k] = {"rate": Stat([figs(x, rate) for x in xs]),
                  "cpu": Stat([figs(x, cpu) for x in xs]),
                  "tail": Stat([x.get("tail_cpu_s") for x in xs if x]),
                  "failed": sum(1 for x in xs if not x)}
    for k, xs in rows.items():
        if k == "off":
            continue
        pr, pc = [], []
        for x, o in zip(xs, rows["off"]):
            if x and o and rate(o) and cpu(o):
                pr.append(rate(x) / rate(o))
                pc.append(cpu(x) / cpu(o))
        out["paired"][k] = {"rate": Stat(pr), "cpu": Stat(pc)}
    return out


# KMS is measured differently (bench_kms_trail, loadgen kms-ab). A
# server's CPU per request differs by up to ±15% with how its two HTTP
# threads happen to share out the load generator's 8 connections, a draw
# made when they connect: the same two processes, reconnected four times
# one after the other, gave 0.84, 0.99, 0.87 and 1.00 of one's CPU per
# request against the other's, both without the trail. Series of 2 s runs,
# interleaved, could not resolve 5% through that. kms-ab sends the same 8
# connections' load to the two servers in alternating 100 ms windows and
# reconnects every window, so a run of 300 windows averages over the draw
# and over the machine's drift alike; a run's figure is the ratio of the
# two servers' totals. Runs alternate which server comes first in each
# pair of windows' ordering (A), since A against A leans about 1% (0.984
# to 1.001 over 8 runs), and each run starts two fresh servers.
TRAIL_AB_RUNS = env_int("BENCH_TRAIL_AB_RUNS", 4)    # Encrypt; 2 others
TRAIL_AB_WINDOWS = env_int("BENCH_TRAIL_AB_WINDOWS", 300)
TRAIL_AB_MS = 100


def kms_ab_run(op, on_first):
    """One loadgen kms-ab run of op between a fresh server without the
    trail and one with it (on_first: the trail's server is A): {off_rps,
    on_rps, off_cpu, on_cpu (CPU-µs per request), cpu (on / off), rate
    (on / off), lo, hi (the run's 95% interval of cpu)}, or None."""
    with Server("logvault", args=TRAIL_OFF[1]) as off, \
            Server("logvault", args=TRAIL_ON[1]) as on:
        a, b = (on, off) if on_first else (off, on)
        p = subprocess.run(
            [LOADGEN, "kms-ab", "--port", str(a.port), "--port2",
             str(b.port), "--server-pid", str(a.pid), "--server-pid2",
             str(b.pid), "--cpu", GEN_CPU, "--op", op, "--conns", "8",
             "--windows", str(TRAIL_AB_WINDOWS), "--window-ms",
             str(TRAIL_AB_MS)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        x = loadgen_result("kms-ab", p.returncode, p.stdout, p.stderr,
                           False)
    if not x:
        return None
    if on_first:
        return {"off_rps": x["b_rps"], "on_rps": x["a_rps"],
                "off_cpu": x["b_cpu_us"], "on_cpu": x["a_cpu_us"],
                "cpu": 1 / x["cpu_ratio"], "rate": 1 / x["rps_ratio"],
                "lo": 1 / x["pair_cpu_hi"], "hi": 1 / x["pair_cpu_lo"]}
    return {"off_rps": x["a_rps"], "on_rps": x["b_rps"],
            "off_cpu": x["a_cpu_us"], "on_cpu": x["b_cpu_us"],
            "cpu": x["cpu_ratio"], "rate": x["rps_ratio"],
            "lo": x["pair_cpu_lo"], "hi": x["pair_cpu_hi"]}


def geomean(xs):
    return math.exp(sum(math.log(x) for x in xs) / len(xs)) if xs else None


def bench_kms_trail():
    """KMS requests/s and server CPU-µs per request without and with
    --audit-trail, by kms-ab runs (above): {op: {off, on: {rate, cpu:
    Stat over runs}, runs: [kms_ab_run], cost_cpu, cost_rate (geometric
    means of the runs' ratios), failed}}."""
    res = {}
    for op in KMS_OPS:
        n = TRAIL_AB_RUNS if op == "Encrypt" else max(2, TRAIL_AB_RUNS // 2)
        runs = [kms_ab_run(op, r % 2 == 1) for r in range(n)]
        ok = [x for x in runs if x]
        res[op] = t = {
            "off": {"rate": Stat([x["off_rps"] for x in ok]),
                    "cpu": Stat([x["off_cpu"] for x in ok])},
            "on": {"rate": Stat([x["on_rps"] for x in ok]),
                   "cpu": Stat([x["on_cpu"] for x in ok])},
            "runs": ok, "failed": len(runs) - len(ok),
            "cost_cpu": geomean([x["cpu"] for x in ok]),
            "cost_rate": geomean([x["rate"] for x in ok])}
        log("logvault kms %s, kms-ab: without the trail %s requests/s, %s "
            "CPU-µs/request; with it %s, %s; CPU with / without %s" % (
                op, t["off"]["rate"].fmt(), t["off"]["cpu"].fmt(1),
                t["on"]["rate"].fmt(), t["on"]["cpu"].fmt(1),
                " ".join("%.3f" % x["cpu"] for x in ok)))
    return res


def bench_ingest_trail():
    """PutLogEvents TRAIL_BATCH x TRAIL_CONNS, events/s and server CPU s per
    million events, on three servers side by side: without the trail,
    --audit-trail (management events only, the default: a PutLogEvents
    records nothing) and --audit-trail --audit-data-events (every
    PutLogEvents recorded; reported, not judged). Each run into a group of
    its own, --create, as bench_ingest."""
    with contextlib.ExitStack() as st:
        servers = {k: st.enter_context(Server("logvault", args=a))
                   for k, a in (TRAIL_OFF, TRAIL_ON, TRAIL_DATA)}
        rows = interleaved(
            servers,
            lambda srv, r: settled_run(srv, "ingest", "--group",
                                       "trail-%d" % r, "--conns",
                                       TRAIL_CONNS, "--batch", TRAIL_BATCH,
                                       "--seconds", INGEST_S, "--create"))
    res = trail_summary(rows, lambda x: x["eps"],
                        lambda x: x["cpu_s_per_m"])
    log("logvault ingest %d x %d: without the trail %s events/s, with it "
        "%s, with data events %s" % (
            TRAIL_BATCH, TRAIL_CONNS, res["off"]["rate"].fmt(),
            res["on"]["rate"].fmt(), res["data"]["rate"].fmt()))
    return res


def bench_auditrec():
    """build/bench/auditrec (the recorder alone, outside HTTP), RUNS times
    with the trail on and RUNS times --off, interleaved (alternating which
    goes first): {on|off: {request_us, writer_us, total_us: Stat},
    "diff": Stat of the rounds' on - off total_us, "failed": n}."""
    figs = ("request_us", "writer_us", "total_us", "dir_bytes_per_record")
    rows = {"on": [], "off": []}
    for r in range(RUNS):
        for k in (("on", "off") if r % 2 == 0 else ("off", "on")):
            cmd = SRV_PREFIX + [AUDITREC, "--records", str(TRAIL_RECORDS)] + \
                (["--off"] if k == "off" else [])
            p = subprocess.run(cmd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
            lines = [ln for ln in p.stdout.splitlines()
                     if ln.startswith("auditrec")]
            if p.returncode != 0 or not lines:
                log("auditrec %s failed (%d): %s" % (
                    k, p.returncode, (p.stderr or p.stdout).strip()[-300:]))
                rows[k].append(None)
                continue
            rows[k].append(parse(lines[-1]))
    res = {k: {f: Stat([x[f] for x in xs if x and f in x]) for f in figs}
           for k, xs in rows.items()}
    res["diff"] = Stat([x["total_us"] - o["total_us"]
                        for x, o in zip(rows["on"], rows["off"]) if x and o])
    res["failed"] = sum(1 for xs in rows.values() for x in xs if not x)
    log("auditrec: total µs/record on %s, off %s" % (
        res["on"]["total_us"].fmt(3), res["off"]["total_us"].fmt(3)))
    return res


def bench_trail():
    """Issue 13's three figures, in this order (the recorder's cost is put
    against the plain server's Encrypt CPU-µs of the same run)."""
    load = os.getloadavg()
    kms = bench_kms_trail()
    ing = bench_ingest_trail()
    rec = bench_auditrec()
    return {"kms": kms, "ingest": ing, "rec": rec, "load_start": load}


def kms_plain(trail):
    """The KMS requests/s without the trail (the rows and moto comparison
    of the read/search/KMS table), from the plain server of the trail's
    rounds."""
    return {op: trail["kms"][op]["off"]["rate"] for op in KMS_OPS}


def bench_startup():
    res = {}
    base = tempfile.mkdtemp(prefix="lv-bench-start.")
    fresh, warm = [], []
    try:
        for r in range(RUNS):
            d = os.path.join(base, "d%d" % r)
            for dest in (fresh, warm):
                port = free_port()
                p = subprocess.run(
                    [LOADGEN, "startup", "--port", str(port), "--cpu",
                     GEN_CPU, "--"] + SRV_PREFIX +
                    [LV, "serve", "--listen", "127.0.0.1:%d" % port,
                     "--data-dir", d], stdout=subprocess.PIPE,
                    stderr=subprocess.DEVNULL, text=True)
                line = [ln for ln in p.stdout.splitlines()
                        if ln.startswith("startup")]
                dest.append(parse(line[0])["ms"] if line else None)
    finally:
        shutil.rmtree(base, ignore_errors=True)
    res["fresh"] = Stat(fresh)
    res["warm"] = Stat(warm)
    log("startup: fresh %s ms, existing data dir %s ms" % (
        res["fresh"].fmt(2), res["warm"].fmt(2)))
    return res


def bench_rss(n_events):
    steps = 4
    points = []
    with Server("logvault") as srv:
        per = n_events // steps
        for s in range(steps):
            r = loadgen(srv, "ingest", "--group", "rss", "--conns", 8,
                        "--batch", 10000, "--events", per,
                        *(["--create"] if s == 0 else []))
            points.append((per * (s + 1), r["vmhwm_kb"], r["eps"],
                           r.get("rssanon_kb", -1), r.get("rssfile_kb", -1)))
            log("rss: after %d events VmHWM %.0f kB (%.0f events/s)" % (
                per * (s + 1), r["vmhwm_kb"], r["eps"]))
    return points


# ---- output -----------------------------------------------------------------

def write_plot(lv_ing, moto_ing, pg):
    dat = os.path.join(RESULTS, "ingest.dat")
    with open(dat, "w") as f:
        f.write("# config logvault_eps lv_min lv_max moto_eps moto_min "
                "moto_max pg_eps pg_min pg_max (logvault on PostgreSQL, "
                "one node; 0: not measured)\n")
        for batch in BATCHES:
            for conns in CONNS:
                lv = lv_ing[(batch, conns)]["eps"]
                mo = moto_ing.get((batch, conns), {}).get("eps") \
                    if moto_ing else None
                label = "%s×%d" % ("{:,}".format(batch), conns)
                act = lv_ing[(batch, conns)]["actual"]
                if act and int(act) != batch:
                    label = "%s→%s×%d" % ("{:,}".format(batch),
                                          "{:,}".format(int(act)), conns)
                vals = [lv.med, min(lv.values), max(lv.values)] \
                    if lv.ok else [0, 0, 0]
                mvals = [mo.med, min(mo.values), max(mo.values)] \
                    if mo and mo.ok else [0, 0, 0]
                pe = pg["one"][batch]["eps"] \
                    if pg and conns == PG_CONNS and batch in pg["one"] \
                    else None
                pvals = [pe.med, min(pe.values), max(pe.values)] \
                    if pe and pe.ok else [0, 0, 0]
                f.write('"%s" %s\n' % (label, " ".join(
                    "%.0f" % v for v in vals + mvals + pvals)))
    png = os.path.join(RESULTS, "ingest.png")
    if not shutil.which("gnuplot"):
        NOTES.append("plot: skipped (gnuplot not installed: "
                     "scripts/install-deps --bench)")
        return None
    script = """
set terminal pngcairo size 900,520 font ",10" noenhanced
set output '%s'
set title "PutLogEvents ingest, durable acks — events/s (median, min–max of %d runs)"
set xlabel "batch size (events requested) × connections"
set ylabel "events per second"
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set format y "%%.0s%%c"
set key top left
plot '%s' using 2:3:4:xtic(1) title "logvault (SQLite)" lc rgb "#2b6cb0", \\
%s     '' using 5:6:7 title "moto" lc rgb "#c05621"
""" % (png, RUNS, dat,
       """     '' using 8:9:10 title "logvault on PostgreSQL, one node" """
       """lc rgb "#2f855a", \\\n""" if pg else "")
    p = subprocess.run(["gnuplot"], input=script, text=True,
                       stderr=subprocess.PIPE)
    if p.returncode != 0 and "pngcairo" in p.stderr:
        script = script.replace("pngcairo size 900,520 font \",10\"",
                                "png size 900,520")
        p = subprocess.run(["gnuplot"], input=script, text=True,
                           stderr=subprocess.PIPE)
    if p.returncode != 0:
        NOTES.append("plot: gnuplot failed: " + p.stderr.strip()[-200:])
        return None
    return png


def table(ceil, lv_ing, mo_ing, lv_read, mo_read, lv_search, mo_search,
          lv_kms, mo_kms, startup, rss, moto_note, search_note, pg,
          trail=None, lat=None):
    L = []
    c_eps = ceil["ingest_eps"].med
    c_mbps = ceil["ingest_mbps"].med
    c_scan = ceil["scan_mbps"].med
    L.append("Machine: %d cpus (%s); %s; %d runs per figure, median "
             "(min–max)." % (os.cpu_count(), cpu_model(), method(), RUNS))
    L.append("")
    L.append("### Ceiling of this machine (one core, same events, same "
             "libraries)")
    L.append("")
    L.append("| figure | value |")
    L.append("|---|---|")
    L.append("| zstd-1 + AES-256-GCM, 256 KB chunks: events/s | %s |" %
             ceil["ingest_eps"].fmt())
    L.append("| same, MB/s of raw message text | %s |" %
             ceil["ingest_mbps"].fmt(1))
    L.append("| GCM open + zstd decompress + memmem: MB/s | %s |" %
             ceil["scan_mbps"].fmt(1))
    L.append("| zstd ratio / stored bytes per event (payload only) | "
             "%.2f:1 / %.1f B |" % (ceil["zratio"].med,
                                    ceil["stored_bpe"].med))
    L.append("| mean event size | %.1f B |" % ceil["avg_event"].med)
    L.append("")
    L.append("### Ingest (PutLogEvents, durable acknowledgements)")
    L.append("")
    L.append("| batch × conns | logvault events/s | MB/s | of ceiling | "
             "server CPU s / M events | server + load generator CPU s / M "
             "events | moto events/s | logvault / moto |")
    L.append("|---|---|---|---|---|---|---|---|")
    for batch in BATCHES:
        for conns in CONNS:
            x = lv_ing[(batch, conns)]
            m = mo_ing.get((batch, conns)) if mo_ing else None
            label = "{:,}".format(batch)
            if x["actual"] and int(x["actual"]) != batch:
                label += " (→ %s)" % "{:,}".format(int(x["actual"]))
            L.append("| %s × %d | %s | %s | %s | %s | %s | %s | %s |" % (
                label, conns, x["eps"].fmt(), x["mbps"].fmt(1),
                pct(x["eps"].med, c_eps), x["cpu"].fmt(2),
                x["mcpu"].fmt(2), m["eps"].fmt() if m else "skipped",
                ratio(x["eps"].med, m["eps"].med) if m else "n/a"))
    L.append("")
    L.append("CPU per event from /proc/PID/stat over each timed run: the "
             "server's process, and the server's plus the load "
             "generator's own (the whole load's cost, whichever core ran "
             "it; the generator builds and signs its bodies before the "
             "clock starts).")
    L.append("")
    L.append("Data dir bytes per stored event (after ingest, server "
             "stopped; SQLite file + WAL + keys): %s." % ", ".join(
                 "%s×%d: %.1f B" % ("{:,}".format(b), c,
                                    lv_ing[(b, c)]["bpe"])
                 for b in BATCHES for c in CONNS
                 if lv_ing[(b, c)]["bpe"]))
    L.append("")
    latency_rows(L, lat)
    L.append("")
    L.append("### Read, search, KMS, footprint")
    L.append("")
    L.append("| figure | logvault | of ceiling | moto | logvault / moto |")
    L.append("|---|---|---|---|---|")
    L.append("| GetLogEvents, limit 10,000, %s-event stream: pages/s "
             "(%.0f events/page) | %s | | %s | %s |" % (
                 "{:,}".format(int(lv_read["events"] or 0)),
                 lv_read["per_page"] or 0, lv_read["pages"].fmt(1),
                 mo_read["pages"].fmt(1) if mo_read else "skipped",
                 ratio(lv_read["pages"].med, mo_read["pages"].med)
                 if mo_read else "n/a"))
    L.append("| GetLogEvents: events/s | %s | %s of scan ceiling | %s | "
             "%s |" % (lv_read["eps"].fmt(),
                       pct(lv_read["eps"].med,
                           c_scan * 1e6 / ceil["avg_event"].med),
                       mo_read["eps"].fmt() if mo_read else "skipped",
                       ratio(lv_read["eps"].med, mo_read["eps"].med)
                       if mo_read else "n/a"))
    if lv_search:
        for name, _ in PATTERNS:
            x = lv_search[name]
            m = mo_search.get(name) if mo_search else None
            L.append("| FilterLogEvents %s `%s`: MB/s of raw text (%s "
                     "matches) | %s | %s | %s | %s |" % (
                         name, x["pattern"], fmt_n(x["matches"]),
                         x["mbps"].fmt(1), pct(x["mbps"].med, c_scan),
                         moto_search_cell(m, mo_search),
                         ratio(x["mbps"].med, m["mbps"].med)
                         if m and m["mbps"].ok and not m.get("ignored")
                         else "n/a"))
        insights_rows(L, lv_search.get("insights"), c_scan)
    else:
        L.append("| FilterLogEvents | %s | | | |" % search_note)
    for op in KMS_OPS:
        L.append("| KMS %s, 8 connections: requests/s | %s | | %s | %s |" % (
            op, lv_kms[op].fmt(), mo_kms[op].fmt() if mo_kms else "skipped",
            ratio(lv_kms[op].med, mo_kms[op].med) if mo_kms else "n/a"))
    if trail:
        # Issue 13's bench: the same requests with the audit trail on
        # (serve --audit-trail), interleaved with those above; the CPU
        # and the cost are in the audit trail's section.
        for op in KMS_OPS:
            on = trail["kms"][op]["on"]["rate"]
            L.append("| KMS %s, 8 connections, with the audit trail "
                     "(`--audit-trail`): requests/s | %s | | | "
                     "%s of the rate without it |" % (
                         op, on.fmt(), pct(on.med, lv_kms[op].med)))
    L.append("| startup to first answered request, new data dir: ms | %s "
             "| | | |" % startup["fresh"].fmt(2))
    L.append("| startup, existing data dir: ms | %s | | | |" %
             startup["warm"].fmt(2))
    for n, kb, _, _, _ in rss:
        L.append("| peak RSS (VmHWM) after %s events: MB | %.1f | | | |" % (
            "{:,}".format(n), kb / 1024.0))
    if rss and rss[-1][3] >= 0:
        # The SQLite store reads its file through a memory map (issue 15):
        # the pages it touched count in RSS as RssFile, clean page cache
        # that the kernel holds for pread as well and may drop at will;
        # RssAnon is the memory of the server's own.
        n, _, _, anon, filekb = rss[-1]
        L.append("| RSS after %s events, anonymous (RssAnon) / file-backed "
                 "(RssFile, mapped database pages): MB | %.1f / %.1f | | | "
                 "|" % ("{:,}".format(n), anon / 1024.0, filekb / 1024.0))
    L.append("")
    if trail:
        trail_table(L, trail)
    if pg:
        pg_table(L, pg, lv_ing, lv_read, lv_search)
    if moto_note:
        NOTES.insert(0, moto_note)
    if NOTES:
        L.append("Notes:")
        L.append("")
        for n in NOTES:
            L.append("- " + n)
        L.append("")
    return "\n".join(L)


def met(ok):
    return "met" if ok else "**not met**"


def signed_pct(r):
    """A ratio as a signed change: 1.041 -> '+4.1%'."""
    return "n/a" if r is None else "%+.1f%%" % (100.0 * (r - 1.0))


def ratio_fmt(st, signed):
    """A Stat of ratios as 'median (min–max)', in % or signed %."""
    if not st.ok:
        return "n/a"
    f = signed_pct if signed else (lambda r: "%.1f%%" % (100.0 * r))
    return "%s (%s – %s)" % (f(st.med), f(min(st.values)),
                             f(max(st.values)))


def trail_cost_rows(L, what, unit, t, key, judged):
    """The rows of one load of the trail's table: rate and CPU without and
    with (key), their ratios, the cost and, when judged, issue 13's
    target."""
    off, on, pr = t["off"], t[key], t["paired"][key]
    rr = on["rate"].med / off["rate"].med \
        if on["rate"].ok and off["rate"].ok and off["rate"].med else None
    cr = on["cpu"].med / off["cpu"].med \
        if on["cpu"].ok and off["cpu"].ok and off["cpu"].med else None
    rate_unit, cpu_unit, cpu_digits, per = unit
    L.append("| %s: %s | %s | %s | %s | |" % (
        what, rate_unit, off["rate"].fmt(), on["rate"].fmt(),
        "n/a" if rr is None else "%.1f%%" % (100 * rr)))
    L.append("| %s: server %s | %s | %s | %s | |" % (
        what, cpu_unit, off["cpu"].fmt(cpu_digits),
        on["cpu"].fmt(cpu_digits), signed_pct(cr)))
    if judged:
        # Judged on the round-by-round ratios: each pair of runs was made
        # back to back, so their ratio cancels the drift of the machine
        # that the two series' medians keep (ingest with data events off
        # records nothing, yet its series' medians differed by 5%).
        prr = pr["rate"].med if pr["rate"].ok else None
        prc = pr["cpu"].med if pr["cpu"].ok else None
        verdict = ("round by round, throughput ≥ %.0f%%: %s; CPU ≤ +%.0f%%: "
                   "%s" % (100 * (1 - TRAIL_TARGET),
                           "n/a" if prr is None
                           else met(prr >= 1 - TRAIL_TARGET),
                           100 * TRAIL_TARGET,
                           "n/a" if prc is None
                           else met(prc <= 1 + TRAIL_TARGET)))
    else:
        verdict = "not judged"
    L.append("| %s: audit trail's cost | %s CPU per %s, %s of the %s "
             "without it | round by round: CPU %s, %s %s | | %s |" % (
                 what, signed_pct(cr), per,
                 "n/a" if rr is None else "%.1f%%" % (100 * rr),
                 rate_unit, ratio_fmt(pr["cpu"], True), rate_unit,
                 ratio_fmt(pr["rate"], False), verdict))
    tail = t[key]["tail"]
    if tail.ok and tail.med > 0.02:
        NOTES.append("audit trail, %s: the server with the trail kept "
                     "working after the timed window, %s ms of CPU per "
                     "run (counted in its CPU)" % (what,
                                                   tail.fmt(0, 1e-3)))
    for k in ("off", key):
        if t[k]["failed"]:
            NOTES.append("audit trail, %s, %s: %d of %d runs failed (not "
                         "counted)" % (what, "without the trail"
                                       if k == "off" else "with it",
                                       t[k]["failed"], TRAIL_RUNS))


def trail_kms_rows(L, op, t, judged):
    """The rows of one KMS operation in the trail's table, from
    bench_kms_trail's kms-ab runs."""
    what = "KMS %s, 8 connections" % op
    cc, cr = t["cost_cpu"], t["cost_rate"]
    L.append("| %s: requests/s | %s | %s | %s | |" % (
        what, t["off"]["rate"].fmt(), t["on"]["rate"].fmt(),
        "n/a" if cr is None else "%.1f%%" % (100 * cr)))
    L.append("| %s: server CPU-µs per request | %s | %s | %s | |" % (
        what, t["off"]["cpu"].fmt(1), t["on"]["cpu"].fmt(1),
        signed_pct(cc)))
    if judged:
        verdict = ("throughput ≥ %.0f%%: %s; CPU ≤ +%.0f%%: %s" % (
            100 * (1 - TRAIL_TARGET),
            "n/a" if cr is None else met(cr >= 1 - TRAIL_TARGET),
            100 * TRAIL_TARGET,
            "n/a" if cc is None else met(cc <= 1 + TRAIL_TARGET)))
    else:
        verdict = "not judged"
    L.append("| %s: audit trail's cost | CPU per request %s, %s of the "
             "requests/s without it | per run: CPU %s | | %s |" % (
                 what, signed_pct(cc),
                 "n/a" if cr is None else "%.1f%%" % (100 * cr),
                 ", ".join("%s (%s to %s)" % (
                     signed_pct(x["cpu"]), signed_pct(x["lo"]),
                     signed_pct(x["hi"])) for x in t["runs"]) or "n/a",
                 verdict))
    if t["failed"]:
        NOTES.append("audit trail, %s: %d kms-ab runs failed (not "
                     "counted)" % (what, t["failed"]))


def trail_table(L, trail):
    """Issue 13's section: KMS and ingest without and with the audit
    trail (interleaved, bench_kms_trail, bench_ingest_trail), and the
    recorder alone (bench_auditrec)."""
    kms, ing, rec = trail["kms"], trail["ingest"], trail["rec"]
    L.append("### The audit trail's cost (issue 13: at most %.0f%% of KMS "
             "Encrypt and of ingest throughput)" % (100 * TRAIL_TARGET))
    L.append("")
    L.append("KMS: `loadgen kms-ab`, the same 8 connections' load sent "
             "to a server without the trail and one with it in "
             "alternating %d ms windows, reconnecting every window, %d "
             "windows a run; a run's figures are the two servers' totals "
             "over its windows, median (min–max) over the runs; the cost "
             "is the geometric mean of the runs' ratios, whose server "
             "comes first alternating from run to run; beside each run's "
             "ratio, its 95%% interval from its pairs of windows." % (
                 TRAIL_AB_MS, TRAIL_AB_WINDOWS))
    L.append("")
    L.append("Ingest: servers side by side, one per configuration, idle "
             "when not measured; %d rounds, each one run against every "
             "server, the first of the round rotating; median (min–max) "
             "over the rounds. \"Round by round\": the ratio of each "
             "round's two runs, median (min–max)." % TRAIL_RUNS)
    L.append("")
    L.append("| figure | without the trail | with the trail | with / "
             "without | issue 13 |")
    L.append("|---|---|---|---|---|")
    for op in KMS_OPS:
        trail_kms_rows(L, op, kms[op], op == "Encrypt")
    what = "PutLogEvents %s × %d" % ("{:,}".format(TRAIL_BATCH), TRAIL_CONNS)
    trail_cost_rows(L, what, ("events/s", "CPU s / M events", 2, "event"),
                    ing, "on", True)
    trail_cost_rows(L, what + " with `--audit-data-events` (every "
                    "PutLogEvents recorded)",
                    ("events/s", "CPU s / M events", 2, "event"),
                    ing, "data", False)
    L.append("")
    L.append("The recorder alone (build/bench/auditrec --records %s: KMS "
             "Encrypt records through the front's hooks, no HTTP; %d runs "
             "each, interleaved), CPU-µs per record:" % (
                 "{:,}".format(TRAIL_RECORDS), RUNS))
    L.append("")
    L.append("| figure | trail off (`--off`) | trail on | on − off |")
    L.append("|---|---|---|---|")
    for f, label in (("request_us", "request thread (the hooks)"),
                     ("writer_us", "writer (process less request thread)"),
                     ("total_us", "total")):
        a, b = rec["off"][f], rec["on"][f]
        L.append("| %s | %s | %s | %s |" % (
            label, a.fmt(3), b.fmt(3),
            "%.3f" % (b.med - a.med) if a.ok and b.ok else "n/a"))
    cost = rec["on"]["total_us"].med - rec["off"]["total_us"].med \
        if rec["on"]["total_us"].ok and rec["off"]["total_us"].ok else None
    enc = kms["Encrypt"]["off"]["cpu"].med
    L.append("")
    L.append("The recorder's cost: %s CPU-µs per record (rounds: %s), %s "
             "of the plain server's Encrypt CPU-µs per request (%s, "
             "above)." % (
                 "n/a" if cost is None else "%.2f" % cost,
                 rec["diff"].fmt(2),
                 "n/a" if cost is None or not enc else
                 "%.1f%%" % (100.0 * cost / enc),
                 "n/a" if not enc else "%.1f" % enc))
    a = rec["off"]["dir_bytes_per_record"]
    b = rec["on"]["dir_bytes_per_record"]
    if a.ok and b.ok:
        L.append("What the writer stored: %.1f bytes of data dir per record "
                 "(its files after the store is closed, pages included; "
                 "%.1f with the trail off)." % (b.med, a.med))
        L.append("")
    if rec["failed"]:
        NOTES.append("auditrec: %d of %d runs failed (not counted)" % (
            rec["failed"], 2 * RUNS))
    NOTES.append(
        "audit trail (issue 13): KMS by %d kms-ab runs for Encrypt and "
        "%d for Decrypt and GenerateDataKey (BENCH_TRAIL_AB_RUNS) of %d "
        "windows (BENCH_TRAIL_AB_WINDOWS) of %d ms; the KMS rows without "
        "the trail (and their moto ratio) are the plain server's figures "
        "of these runs. Ingest by %d interleaved rounds (BENCH_TRAIL_RUNS, "
        "default 2 × BENCH_RUNS) of %g s runs. CPU: the server process's, "
        "writer thread included: for KMS the sum of its threads' "
        "/proc/PID/task/TID/schedstat from the start of each of its "
        "windows to the start of its next (what it does after its window "
        "is its own), for ingest /proc/PID/stat over each timed run and "
        "after it until the server's CPU stops moving; the judged "
        "configurations are `--audit-trail` alone (data events off, as on "
        "AWS: a PutLogEvents records nothing); load average when they "
        "started: %.2f %.2f %.2f" % (
            (TRAIL_AB_RUNS, max(2, TRAIL_AB_RUNS // 2), TRAIL_AB_WINDOWS,
             TRAIL_AB_MS, TRAIL_RUNS, INGEST_S) + trail["load_start"]))


def pg_table(L, pg, lv_ing, lv_read, lv_search):
    """The PostgreSQL section: its figures beside SQLite's of this run, and
    the targets of issue 11."""
    one, two = pg["one"], pg["two"]
    L.append("### PostgreSQL backend (issue 11): the same loads, logvault "
             "with `--store postgresql://…`")
    L.append("")
    L.append("PostgreSQL %s, a throwaway cluster %s; SQLite figures are "
             "those of the tables above (same run). CPU per event: "
             "logvault's process, and separately the postmaster with all "
             "its processes." % (pg["version"],
                                 "pinned with logvault to the server's cpu"
                                 if PIN else "unpinned, as logvault and "
                                 "the load generator"))
    L.append("")
    L.append("| load (batch × connections) | PostgreSQL events/s | MB/s | "
             "logvault CPU µs/event | PostgreSQL CPU µs/event | SQLite "
             "events/s | SQLite CPU µs/event | PostgreSQL / SQLite |")
    L.append("|---|---|---|---|---|---|---|---|")
    for label, tab, n in (("one node", one, "%d" % PG_CONNS),
                          ("two nodes, one database, summed", two,
                           "2×%d" % (PG_CONNS // 2))):
        for batch in PG_BATCHES:
            x = tab[batch]
            sq = lv_ing[(batch, PG_CONNS)]
            L.append("| %s × %s, %s | %s | %s | %s | %s | %s | %s | %s |" % (
                "{:,}".format(batch), n, label, x["eps"].fmt(),
                x["mbps"].fmt(1), x["cpu"].fmt(2), x["pgcpu"].fmt(2),
                sq["eps"].fmt(), sq["cpu"].fmt(2),
                ratio(x["eps"].med, sq["eps"].med)))
    L.append("")
    L.append("Database bytes per stored event (pg_database_size after "
             "ingest, server stopped, less that of the new database's "
             "catalogs: logvault's tables, TOAST and indexes; the WAL is "
             "not counted): %s." % ", ".join(
                 "%s×%d: %.1f B" % ("{:,}".format(b), PG_CONNS,
                                    one[b]["bpe"])
                 for b in PG_BATCHES if one[b]["bpe"]))
    L.append("")
    pr, ps = pg["read"], pg["search"]
    L.append("| figure | PostgreSQL | SQLite | PostgreSQL / SQLite |")
    L.append("|---|---|---|---|")
    L.append("| GetLogEvents, limit 10,000, %s-event stream: pages/s "
             "(%.0f events/page) | %s | %s | %s |" % (
                 "{:,}".format(int(pr["events"] or 0)), pr["per_page"] or 0,
                 pr["pages"].fmt(1), lv_read["pages"].fmt(1),
                 ratio(pr["pages"].med, lv_read["pages"].med)))
    L.append("| GetLogEvents: events/s | %s | %s | %s |" % (
        pr["eps"].fmt(), lv_read["eps"].fmt(),
        ratio(pr["eps"].med, lv_read["eps"].med)))
    if ps and lv_search:
        for name, _ in PATTERNS:
            x, sq = ps[name], lv_search[name]
            L.append("| FilterLogEvents %s: MB/s of raw text (%s / %s "
                     "matches) | %s | %s | %s |" % (
                         name, fmt_n(x["matches"]), fmt_n(sq["matches"]),
                         x["mbps"].fmt(1), sq["mbps"].fmt(1),
                         ratio(x["mbps"].med, sq["mbps"].med)))
    L.append("")
    L.append("Targets of issue 11 (medians of this run):")
    L.append("")
    L.append("| target | PostgreSQL / SQLite | |")
    L.append("|---|---|---|")

    def target(what, a, b, need):
        if a is None or b is None or not b:
            L.append("| %s | n/a | not measured |" % what)
            return
        L.append("| %s | %s | %s |" % (what, pct(a, b), met(a / b >= need)))

    target("single-node ingest, 1,000 × %d: ≥ 50%% of SQLite" % PG_CONNS,
           one[1000]["eps"].med, lv_ing[(1000, PG_CONNS)]["eps"].med, 0.5)
    target("GetLogEvents events/s: within 20% of SQLite (≥ 80%)",
           pr["eps"].med, lv_read["eps"].med, 0.8)
    if ps and lv_search:
        for name, _ in PATTERNS:
            target("FilterLogEvents %s, MB/s: within 20%% of SQLite "
                   "(≥ 80%%)" % name, ps[name]["mbps"].med,
                   lv_search[name]["mbps"].med, 0.8)
        for name, _ in PATTERNS:
            if ps[name]["matches"] != lv_search[name]["matches"]:
                NOTES.append("PostgreSQL search %s: %s matches, SQLite %s "
                             "(same generated events: they should agree)" %
                             (name, fmt_n(ps[name]["matches"]),
                              fmt_n(lv_search[name]["matches"])))
    else:
        L.append("| FilterLogEvents: within 20% of SQLite | n/a | not "
                 "measured (search skipped) |")
    L.append("")
    for label, tab in (("one node", one), ("two nodes", two)):
        for batch in PG_BATCHES:
            x = tab[batch]
            if x["errors"] or x["rejected"] or x["failed_runs"]:
                NOTES.append("PostgreSQL ingest %s, batch %s: %d failed "
                             "requests, %d with rejected events, %d runs "
                             "that did not complete (not counted)" % (
                                 label, "{:,}".format(batch), x["errors"],
                                 x["rejected"], x["failed_runs"]))


def pg_notes(pg):
    NOTES.append(
        "PostgreSQL: a cluster of its own (initdb in a scratch dir, run as "
        "the postgres user), durable as the SQLite store is (fsync, "
        "synchronous_commit and full_page_writes on: a 200 means committed "
        "to disk), shared_buffers 256MB, max_wal_size 8GB with a "
        "CHECKPOINT between configurations (none inside a timed run), "
        "wal_compression off (the chunks are compressed and encrypted "
        "already); logvault connects through the Unix socket; each "
        "configuration on a fresh database")
    if PIN:
        NOTES.append(
            "PostgreSQL pinning (BENCH_PIN=1): the postmaster and every "
            "backend are pinned with taskset to the server's cpu, with "
            "logvault, as SQLite runs inside logvault's process: on both "
            "backends one core holds the server and its database, so the "
            "comparison is fair; the load generator keeps the other cpu")
    else:
        NOTES.append(
            "PostgreSQL, like logvault and the load generator, is not "
            "pinned: on both backends the server, its database and the "
            "load generator share every cpu, so the comparison is fair")
    NOTES.append(
        "PostgreSQL two nodes: two logvault processes (%s) on one database "
        "with the same root key; two load generators of %d connections "
        "each, one per node, started together, writing the same %d "
        "streams (every stream gets batches from both nodes); events/s "
        "and CPU are summed over both — the figure measures what "
        "coordinating two nodes through the database costs, not scaling "
        "(%s)" % ("both on the server's cpu" if PIN else "unpinned",
                  PG_CONNS // 2, PG_CONNS // 2,
                  "there is one server core" if PIN else
                  "the nodes share the machine's cpus"))
    NOTES.append("load average when the PostgreSQL cluster started (before "
                 "the first ingest figure): %.2f %.2f %.2f" %
                 pg["load_start"])


def moto_search_cell(m, mo_search):
    if not mo_search:
        return "skipped"
    if not m or not m["mbps"].ok:
        return "n/a"
    if m.get("ignored"):
        return ("%s, but every event matched (%s of %s): pattern not "
                "supported by moto" % (m["mbps"].fmt(1), fmt_n(m["matches"]),
                                       fmt_n(mo_search["events"])))
    return m["mbps"].fmt(1)


def fmt_n(v):
    return "n/a" if v is None else "{:,}".format(int(v))


def have_user(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown cpu"


def method():
    """The method of this run, as the table states it."""
    if PIN:
        return ("pinned (BENCH_PIN=1, issue 7's method): load generator on "
                "cpu %s, server (and PostgreSQL) on cpu %s" % (GEN_CPU,
                                                                CPUS[1]))
    return ("unpinned (the default since issue 15, round 9; BENCH_PIN=1 "
            "pins as issue 7 did): server, PostgreSQL and load generator "
            "share all %d cpus" % len(CPUS))


def main_trail():
    """BENCH_ONLY=trail: issue 13's figures alone (bench_trail), the
    same section as in the full table, in bench/results/trail.md."""
    trail = bench_trail()
    load = os.getloadavg()
    NOTES.append("BENCH_ONLY=trail: the audit trail's figures only")
    NOTES.append("load average at the end: %.2f %.2f %.2f on %d cpus" % (
        load + (os.cpu_count(),)))
    L = ["Machine: %d cpus (%s); %s." % (os.cpu_count(), cpu_model(),
                                         method()), ""]
    trail_table(L, trail)
    L.append("Notes:")
    L.append("")
    L.extend("- " + n for n in NOTES)
    L.append("")
    took = time.time() - T_START
    out = ("## logvault benchmarks — the audit trail (BENCH_ONLY=trail), "
           "%s, %.1f minutes\n\n" % (time.strftime("%Y-%m-%d",
                                                   time.gmtime()),
                                     took / 60)) + "\n".join(L)
    with open(os.path.join(RESULTS, "trail.md"), "w") as f:
        f.write(out)
    print()
    print(out)
    log("wrote bench/results/trail.md")
    return 0


def main():
    only = os.environ.get("BENCH_ONLY", "")
    if only not in ("", "trail"):
        print("bench: BENCH_ONLY=%s: only `trail` is known" % only)
        return 2
    for b in (LV, LOADGEN, AUDITREC) + (() if only else (CEILING,)):
        if not os.access(b, os.X_OK):
            print("bench: %s is missing; run `make bench`" % b)
            return 2
    os.makedirs(RESULTS, exist_ok=True)
    if PIN_ASKED and not PIN:
        NOTES.append("BENCH_PIN=1 asked, but not pinned: fewer than 2 "
                     "usable cpus or no taskset")
    if only == "trail":
        return main_trail()
    if BATCHES[-1] * 243 > 1048576:
        NOTES.append("batches of 10,000 ~217-byte events pass PutLogEvents' "
                     "1,048,576-byte limit (message bytes + 26 per event, "
                     "enforced by logvault as by AWS), so the 10,000 "
                     "column sends as many events as fit (→ shown)")
    moto = os.environ.get("BENCH_MOTO", "auto") != "0" and \
        shutil.which("moto_server") is not None
    moto_note = None if moto else (
        "moto: skipped (moto_server not installed)"
        if os.environ.get("BENCH_MOTO", "auto") != "0"
        else "moto: skipped (BENCH_MOTO=0)")
    if moto_note:
        log(moto_note)

    pg_bin = pg_available()

    ceil = bench_ceiling()
    log("ceiling: %s events/s, scan %s MB/s" % (
        ceil["ingest_eps"].fmt(), ceil["scan_mbps"].fmt(1)))
    startup = bench_startup()
    # The PostgreSQL figures run right after their SQLite counterparts
    # (ingest, read, search), so that a change in the machine's load
    # between the two is as unlikely as it can be; the cluster is up from
    # the first of them to the last (idle in between: its background
    # processes wake a few times a second and use next to nothing).
    pg = pgc = None
    stack = contextlib.ExitStack()
    with stack:
        if pg_bin:
            pgc = stack.enter_context(PgCluster(pg_bin))
            pg = {"version": pgc.version, "load_start": os.getloadavg()}
            log("PostgreSQL %s on port %d, socket in %s, postmaster pid "
                "%d" % (pgc.version, pgc.port, pgc.dir, pgc.pid))
        lv_ing = bench_ingest("logvault")
        lat = bench_latency(lv_ing)
        if pg:
            bench_pg_ingest(pgc, pg)
        mo_ing = bench_ingest("moto") if moto else None
        lv_read = bench_read("logvault", READ_EVENTS)
        if pg:
            pg["read"] = bench_read("logvault", READ_EVENTS, pg=pgc)
        mo_read = None
        if moto:
            mo_read = bench_read("moto", MOTO_READ_EVENTS)
            NOTES.append("moto read: a %s-event stream (moto keeps events "
                         "in Python lists; ingesting 1,000,000 into it "
                         "alone takes most of a minute); pages/s and "
                         "events/s compare as rates" %
                         "{:,}".format(MOTO_READ_EVENTS))
        lv_search = mo_search = None
        search_note = None
        with Server("logvault") as srv:
            has_search = search_supported(srv)
        if pg:
            pg["search"] = None
        if has_search:
            if SEARCH_MB < 1024:
                NOTES.append("search: over %d MB of raw text instead of 1 "
                             "GB (BENCH_SEARCH_MB)" % SEARCH_MB)
            lv_search = bench_search("logvault", SEARCH_MB)
            if pg:
                pg["search"] = bench_search("logvault", SEARCH_MB, pg=pgc)
            if moto:
                NOTES.append("moto search: over %d MB (moto's filter is "
                             "Python over in-memory lists)" % MOTO_SEARCH_MB)
                mo_search = bench_search("moto", MOTO_SEARCH_MB)
        else:
            search_note = "search: skipped (FilterLogEvents not implemented)"
            log(search_note)
    if pg:
        pg_notes(pg)
    trail = bench_trail()
    lv_kms = kms_plain(trail)
    mo_kms = bench_kms("moto") if moto else None
    rss = bench_rss(RSS_EVENTS)
    if RSS_EVENTS < 10000000:
        NOTES.append("RSS: after %s events instead of 10,000,000 "
                     "(BENCH_RSS_EVENTS)" % "{:,}".format(RSS_EVENTS))
    png = write_plot(lv_ing, mo_ing, pg)

    load = os.getloadavg()
    NOTES.append("load average at the end: %.2f %.2f %.2f on %d cpus — "
                 "anything above ~1 means other processes shared the "
                 "cores and widened the min–max" % (load + (os.cpu_count(),)))
    md = table(ceil, lv_ing, mo_ing, lv_read, mo_read, lv_search, mo_search,
               lv_kms, mo_kms, startup, rss, moto_note, search_note, pg,
               trail, lat)
    took = time.time() - T_START
    head = ("## logvault benchmarks — `make bench`, %s, %.1f minutes\n\n" % (
        time.strftime("%Y-%m-%d", time.gmtime()), took / 60))
    out = head + md + ("\nPlot: bench/results/ingest.png\n" if png else "")
    with open(os.path.join(RESULTS, "latest.md"), "w") as f:
        f.write(out)
    print()
    print(out)
    log("wrote bench/results/latest.md%s" % (
        " and bench/results/ingest.png" if png else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
