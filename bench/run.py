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
  BENCH_KMS_S=2           seconds per KMS run
  BENCH_READ_EVENTS=1000000
  BENCH_SEARCH_MB=1024    raw MB of text in the searched group
  BENCH_RSS_EVENTS=10000000
  BENCH_MOTO=auto|0       0 skips moto even when installed
"""
import os
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
RESULTS = os.path.join(ROOT, "bench", "results")


def env_int(name, default):
    return int(float(os.environ.get(name, default)))


RUNS = env_int("BENCH_RUNS", 5)
INGEST_S = float(os.environ.get("BENCH_INGEST_S", "2"))
KMS_S = float(os.environ.get("BENCH_KMS_S", "2"))
READ_EVENTS = env_int("BENCH_READ_EVENTS", 1000000)
SEARCH_MB = env_int("BENCH_SEARCH_MB", 1024)
RSS_EVENTS = env_int("BENCH_RSS_EVENTS", 10000000)
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

# Pinning: load generator on cpu 0, server on cpu 1, when there are two
# cpus we may use and taskset exists.
CPUS = sorted(os.sched_getaffinity(0))
PIN = len(CPUS) >= 2 and shutil.which("taskset") is not None
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


def loadgen(server, mode, *args, check=True):
    cmd = [LOADGEN, mode, "--port", str(server.port), "--cpu", GEN_CPU,
           "--server-pid", str(server.pid)] + [str(a) for a in args]
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True)
    lines = [ln for ln in p.stdout.splitlines() if ln.startswith(mode)]
    if p.returncode != 0 or not lines:
        msg = "loadgen %s failed (%d): %s" % (
            mode, p.returncode, (p.stderr or p.stdout).strip()[-400:])
        if check:
            raise RuntimeError(msg)
        log(msg)
        return None
    if p.stderr.strip():
        log("loadgen: " + p.stderr.strip()[-300:])
    return parse(lines[-1])


class Server:
    """logvault serve or moto_server on a free loopback port."""

    def __init__(self, kind):
        self.kind = kind
        self.dir = tempfile.mkdtemp(prefix="lv-bench.")
        self.data = os.path.join(self.dir, "data")
        self.port = None
        self.proc = None

    def __enter__(self):
        errf = open(os.path.join(self.dir, "server.log"), "wb")
        if self.kind == "logvault":
            cmd = SRV_PREFIX + [LV, "serve", "--listen", "127.0.0.1:0",
                                "--data-dir", self.data]
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
        total = 0
        for d, _, files in os.walk(self.data):
            for f in files:
                total += os.path.getsize(os.path.join(d, f))
        return total

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


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
    p = subprocess.run([CEILING, "--events", "500000", "--runs", str(RUNS),
                        "--cpu", GEN_CPU], stdout=subprocess.PIPE, text=True,
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
                "actual": good[0]["batch_actual"] if good else None,
                "bpe": bpe,
            }
            log("%s ingest batch=%d conns=%d: %s events/s" % (
                kind, batch, conns, out[(batch, conns)]["eps"].fmt()))
    return out


def bench_read(kind, n_events):
    with Server(kind) as srv:
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


def bench_search(kind, raw_mb):
    res = {}
    with Server(kind) as srv:
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
    return res


def bench_kms(kind):
    res = {}
    with Server(kind) as srv:
        for op in ("Encrypt", "Decrypt", "GenerateDataKey"):
            rows = [loadgen(srv, "kms", "--op", op, "--conns", 8,
                            "--seconds", KMS_S, check=False)
                    for _ in range(RUNS)]
            res[op] = Stat([x["rps"] for x in rows if x])
            log("%s kms %s: %s requests/s" % (kind, op, res[op].fmt()))
    return res


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
            points.append((per * (s + 1), r["vmhwm_kb"], r["eps"]))
            log("rss: after %d events VmHWM %.0f kB (%.0f events/s)" % (
                per * (s + 1), r["vmhwm_kb"], r["eps"]))
    return points


# ---- output -----------------------------------------------------------------

def write_plot(lv_ing, moto_ing):
    dat = os.path.join(RESULTS, "ingest.dat")
    with open(dat, "w") as f:
        f.write("# config logvault_eps lv_min lv_max moto_eps moto_min "
                "moto_max\n")
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
                f.write('"%s" %s\n' % (label, " ".join(
                    "%.0f" % v for v in vals + mvals)))
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
plot '%s' using 2:3:4:xtic(1) title "logvault" lc rgb "#2b6cb0", \\
     '' using 5:6:7 title "moto" lc rgb "#c05621"
""" % (png, RUNS, dat)
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
          lv_kms, mo_kms, startup, rss, moto_note, search_note):
    L = []
    c_eps = ceil["ingest_eps"].med
    c_mbps = ceil["ingest_mbps"].med
    c_scan = ceil["scan_mbps"].med
    L.append("Machine: %d cpus (%s), load generator on cpu %s, server on "
             "cpu %s; %d runs per figure, median (min–max)." % (
                 os.cpu_count(), cpu_model(), GEN_CPU if PIN else "any",
                 CPUS[1] if PIN else "any", RUNS))
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
             "server CPU s / M events | moto events/s | logvault / moto |")
    L.append("|---|---|---|---|---|---|---|")
    for batch in BATCHES:
        for conns in CONNS:
            x = lv_ing[(batch, conns)]
            m = mo_ing.get((batch, conns)) if mo_ing else None
            label = "{:,}".format(batch)
            if x["actual"] and int(x["actual"]) != batch:
                label += " (→ %s)" % "{:,}".format(int(x["actual"]))
            L.append("| %s × %d | %s | %s | %s | %s | %s | %s |" % (
                label, conns, x["eps"].fmt(), x["mbps"].fmt(1),
                pct(x["eps"].med, c_eps), x["cpu"].fmt(2),
                m["eps"].fmt() if m else "skipped",
                ratio(x["eps"].med, m["eps"].med) if m else "n/a"))
    b1 = lv_ing[(1000, 1)]
    L.append("")
    L.append("Data dir bytes per stored event (after ingest, server "
             "stopped; SQLite file + WAL + keys): %s." % ", ".join(
                 "%s×%d: %.1f B" % ("{:,}".format(b), c,
                                    lv_ing[(b, c)]["bpe"])
                 for b in BATCHES for c in CONNS
                 if lv_ing[(b, c)]["bpe"]))
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
    else:
        L.append("| FilterLogEvents | %s | | | |" % search_note)
    for op in ("Encrypt", "Decrypt", "GenerateDataKey"):
        L.append("| KMS %s, 8 connections: requests/s | %s | | %s | %s |" % (
            op, lv_kms[op].fmt(), mo_kms[op].fmt() if mo_kms else "skipped",
            ratio(lv_kms[op].med, mo_kms[op].med) if mo_kms else "n/a"))
    L.append("| startup to first answered request, new data dir: ms | %s "
             "| | | |" % startup["fresh"].fmt(2))
    L.append("| startup, existing data dir: ms | %s | | | |" %
             startup["warm"].fmt(2))
    for n, kb, _ in rss:
        L.append("| peak RSS (VmHWM) after %s events: MB | %.1f | | | |" % (
            "{:,}".format(n), kb / 1024.0))
    L.append("")
    if moto_note:
        NOTES.insert(0, moto_note)
    if NOTES:
        L.append("Notes:")
        L.append("")
        for n in NOTES:
            L.append("- " + n)
        L.append("")
    return "\n".join(L)


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


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for ln in f:
                if ln.startswith("model name"):
                    return ln.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown cpu"


def main():
    for b in (LV, LOADGEN, CEILING):
        if not os.access(b, os.X_OK):
            print("bench: %s is missing; run `make bench`" % b)
            return 2
    os.makedirs(RESULTS, exist_ok=True)
    if not PIN:
        NOTES.append("not pinned: fewer than 2 usable cpus or no taskset")
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

    ceil = bench_ceiling()
    log("ceiling: %s events/s, scan %s MB/s" % (
        ceil["ingest_eps"].fmt(), ceil["scan_mbps"].fmt(1)))
    startup = bench_startup()
    lv_ing = bench_ingest("logvault")
    mo_ing = bench_ingest("moto") if moto else None
    lv_read = bench_read("logvault", READ_EVENTS)
    mo_read = None
    if moto:
        mo_read = bench_read("moto", MOTO_READ_EVENTS)
        NOTES.append("moto read: a %s-event stream (moto keeps events in "
                     "Python lists; ingesting 1,000,000 into it alone takes "
                     "most of a minute); pages/s and events/s compare as "
                     "rates" % "{:,}".format(MOTO_READ_EVENTS))
    lv_search = mo_search = None
    search_note = None
    with Server("logvault") as srv:
        has_search = search_supported(srv)
    if has_search:
        if SEARCH_MB < 1024:
            NOTES.append("search: over %d MB of raw text instead of 1 GB "
                         "(BENCH_SEARCH_MB)" % SEARCH_MB)
        lv_search = bench_search("logvault", SEARCH_MB)
        if moto:
            NOTES.append("moto search: over %d MB (moto's filter is "
                         "Python over in-memory lists)" % MOTO_SEARCH_MB)
            mo_search = bench_search("moto", MOTO_SEARCH_MB)
    else:
        search_note = "search: skipped (FilterLogEvents not implemented)"
        log(search_note)
    lv_kms = bench_kms("logvault")
    mo_kms = bench_kms("moto") if moto else None
    rss = bench_rss(RSS_EVENTS)
    if RSS_EVENTS < 10000000:
        NOTES.append("RSS: after %s events instead of 10,000,000 "
                     "(BENCH_RSS_EVENTS)" % "{:,}".format(RSS_EVENTS))
    png = write_plot(lv_ing, mo_ing)

    load = os.getloadavg()
    NOTES.append("load average at the end: %.2f %.2f %.2f on %d cpus — "
                 "anything above ~1 means other processes shared the "
                 "cores and widened the min–max" % (load + (os.cpu_count(),)))
    md = table(ceil, lv_ing, mo_ing, lv_read, mo_read, lv_search, mo_search,
               lv_kms, mo_kms, startup, rss, moto_note, search_note)
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
