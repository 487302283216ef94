/*
 * loadgen: the load generator of `make bench` — drives a CloudWatch Logs /
 * KMS endpoint (logvault, or moto for comparison) over HTTP/1.1 keep-alive
 * connections with requests signed by SigV4 as botocore signs them
 * (content-type;host;x-amz-date;x-amz-target), and prints one line of
 * key=value figures per run for bench/run.py to collect.
 *
 *   loadgen ingest  --group G [--stream S] --conns C --batch B
 *                   (--seconds T | --events N) [--create] [--rps R]
 *   loadgen read    --group G --stream S
 *   loadgen search  --group G --pattern P --raw-bytes X
 *   loadgen insights --group G --query Q --raw-bytes X [--range-s S]
 *                   [--poll-ms M]
 *   loadgen kms     --op Encrypt|Decrypt|GenerateDataKey --conns C
 *                   --seconds T
 *   loadgen kms-ab  --op … --conns C --port2 P2 --server-pid PID
 *                   --server-pid2 PID2 [--windows N] [--window-ms M]
 *                   (two servers in alternating windows: see run_kms_ab)
 *   loadgen startup -- COMMAND…   (runs COMMAND, times the first answer)
 *   common:         --port P [--cpu N] [--server-pid PID] [--seed S]
 *
 * Connections are blocking sockets, one thread each, all pinned to --cpu
 * when it is given (issue 7's method: the server on the other core), or
 * sharing every cpu with the server when it is -1 (issue 15's default). PutLogEvents bodies are built and
 * signed before the clock starts (a pool per connection, reused in turn;
 * the sequence token is ignored by the API, so a body can be sent again),
 * so the generator spends its time on the socket, not on JSON or SHA-256.
 *
 * `insights` (issue 12): StartQuery of Q over G, its range the last S
 * seconds (default 86400) to a minute ahead, then GetQueryResults every
 * M ms (default 20) until the status is terminal; MB/s is X (the group's
 * raw text) over the time from StartQuery to the answer that said
 * Complete. Around the query it reads the server's memory: VmRSS before,
 * then resets VmHWM (writing 5 to /proc/PID/clear_refs, Linux's "reset
 * the peak resident set size"), and VmHWM after, so hwm_growth_kb is the
 * most the query added to the server's resident memory (when the reset
 * is refused, hwm_reset=0 and VmHWM is the process's lifetime peak).
 *
 * `ingest --rps R` (issue 15) is an open loop at R requests per second over
 * all the connections, for --seconds T: request j of connection k is due
 * at t0 + (j * C + k) / R, whether or not the answers before it came back
 * (its connection waits for its own previous answer first: with C
 * connections at R/C each, a late answer delays only that connection's
 * next request). Each request's latency is measured from the time it was
 * due (which is the time it was sent whenever the generator is on time,
 * and counts the wait otherwise, so that a slow answer cannot hide the
 * requests it delayed) to the last byte of its answer; every latency is
 * kept and sorted, and the line gives p50, p99 and max (lat_*_ms), the
 * same from the actual send (svc_*_ms), and how many requests went out
 * more than 1 ms after they were due (late=).
 *
 * `ingest --distinct` sends the events of lv_gen_distinct (gen.h) instead
 * of the usual mix: one distinct "x" per event.
 *
 * Without --stream each connection writes its own stream "s-<conn>". A
 * batch holds --batch events unless that passes PutLogEvents' 1,048,576
 * bytes (message bytes + 26 per event); then it holds as many as fit, and
 * the figures say so (batch_actual=).
 *
 * CPU (ingest): server_cpu_s is the --server-pid process's utime + stime
 * over the timed window, gen_cpu_s the load generator's own (its threads
 * sending and receiving; the bodies are built before the window), both
 * from /proc/PID/stat; machine_cpu_s_per_m is their sum per million events
 * (the CPU the whole load costs, whichever core ran it), and all_cpu_s the
 * busy time of every cpu from /proc/stat (other processes included: on a
 * shared machine it is larger than the sum).
 *
 * It does not: judge results, compute medians, or start logvault (run.py
 * does), except for `startup`, which must own the clock from fork.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "auth/sigv4.h"
#include "gen.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define MAX_BATCH_BYTES 1048576
#define EVENT_OVERHEAD 26
#define MAX_CONNS 64
#define LOGS_TARGET "Logs_20140328."
#define KMS_TARGET "TrentService."

struct opts {
    const char *mode;
    int port;
    int cpu;
    long server_pid;
    int port2;              /* kms-ab: server B */
    long server_pid2;
    int windows;
    long window_ms;
    uint64_t seed;
    const char *group;
    const char *stream;
    int conns;
    size_t batch;
    double seconds;
    size_t events;
    int create;
    const char *pattern;
    double raw_bytes;
    const char *op;
    size_t pool_mb;
    size_t gen_events;
    int distinct;
    const char *query;
    long range_s;
    long poll_ms;
    double rps;
    char **cmd;
};

static struct opts O = {
    .port = 0, .cpu = -1, .seed = 7, .conns = 1, .batch = 1000,
    .pool_mb = 96, .gen_events = 400000, .range_s = 86400, .poll_ms = 20,
    .windows = 300, .window_ms = 100,    /* kms-ab: bench/run.py's */
};

/* One HTTP request ready to write: head + body. */
struct req {
    char *head;
    size_t head_len;
    char *body;
    size_t body_len;
    size_t n_events;
    size_t raw;             /* message bytes */
};

struct conn {
    int fd;
    char *in;               /* response buffer */
    size_t in_cap;
    size_t in_len;
    int status;
    char *body;             /* into `in` */
    size_t body_len;
    int must_close;
    int port;               /* 0: --port */
};

static double now_s(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "loadgen: %s\n", what);
    exit(1);
}

static void pin(int cpu)
{
    cpu_set_t set;

    if (cpu < 0) {
        return;
    }
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        fprintf(stderr, "loadgen: could not pin to cpu %d\n", cpu);
    }
}

/* ---- server process figures (/proc) ------------------------------------ */

static double proc_cpu_s(long pid)
{
    char path[64];
    char line[4096];
    FILE *f;
    char *p;
    unsigned long ut = 0;
    unsigned long st = 0;

    if (pid <= 0) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    f = fopen(path, "r");
    if (!f) {
        return 0;
    }
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return 0;
    }
    fclose(f);
    /* fields after "(comm)": state is field 3; utime 14, stime 15 */
    p = strrchr(line, ')');
    if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
                     "%lu %lu", &ut, &st) != 2) {
        return 0;
    }
    return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Busy seconds of all cpus (/proc/stat's "cpu" line, everything but idle
 * and iowait), 0 when unreadable. */
static double proc_busy_s(void)
{
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long v[8] = { 0 };
    int n;

    if (!f) {
        return 0;
    }
    n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
               &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (n != 8) {
        return 0;
    }
    /* user nice system idle iowait irq softirq steal */
    return (double)(v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) /
           (double)sysconf(_SC_CLK_TCK);
}

static long proc_kb(long pid, const char *field)
{
    char path[64];
    char line[256];
    FILE *f;
    long kb = -1;
    size_t fl = strlen(field);

    if (pid <= 0) {
        return -1;
    }
    snprintf(path, sizeof(path), "/proc/%ld/status", pid);
    f = fopen(path, "r");
    if (!f) {
        return -1;
    }
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
            kb = strtol(line + fl + 1, NULL, 10);
            break;
        }
    }
    fclose(f);
    return kb;
}

/* ---- requests ------------------------------------------------------------ */

static void amz_date(char out[17])
{
    time_t t = time(NULL);
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* Builds a signed POST of `body` (taken over) to the JSON 1.1 target. */
static void make_req(struct req *r, const char *service, const char *target,
                     char *body, size_t body_len)
{
    char host[32];
    char date[17];
    struct lv_sigv4_header h[4];
    struct lv_sigv4_request sr;
    struct lv_buf authz = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf head = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err;

    snprintf(host, sizeof(host), "127.0.0.1:%d", O.port);
    amz_date(date);
    h[0].name = "Content-Type";
    h[0].value = "application/x-amz-json-1.1";
    h[1].name = "Host";
    h[1].value = host;
    h[2].name = "X-Amz-Date";
    h[2].value = date;
    h[3].name = "X-Amz-Target";
    h[3].value = target;
    memset(&sr, 0, sizeof(sr));
    sr.method = "POST";
    sr.path = "/";
    sr.query = "";
    sr.headers = h;
    sr.n_headers = 4;
    sr.body = body;
    sr.body_len = body_len;
    if (lv_sigv4_sign(&sr, "test", "test", "us-east-1", service, date,
                      &authz, NULL, NULL, &err) != 0) {
        die("signing failed");
    }
    lv_buf_addf(&head, "POST / HTTP/1.1\r\nHost: %s\r\n"
                "Content-Type: application/x-amz-json-1.1\r\n"
                "X-Amz-Date: %s\r\nX-Amz-Target: %s\r\n"
                "Authorization: %s\r\nContent-Length: %zu\r\n\r\n",
                host, date, target, authz.data, body_len);
    r->head = lv_buf_detach(&head, &r->head_len);
    r->body = body;
    r->body_len = body_len;
    lv_buf_release(&authz);
}

static void free_req(struct req *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

static void add_json_str(struct lv_buf *b, const char *s, size_t len)
{
    size_t i;
    size_t from = 0;

    lv_buf_addc(b, '"');
    for (i = 0; i < len; i++) {
        if (s[i] == '"' || s[i] == '\\') {
            lv_buf_add(b, s + from, i - from);
            lv_buf_addc(b, '\\');
            from = i;
        }
    }
    lv_buf_add(b, s + from, len - from);
    lv_buf_addc(b, '"');
}

/* A PutLogEvents body of at most `want` events from g starting at `first`
 * (fewer if the batch would pass 1,048,576 bytes). */
static void put_body(struct req *r, const struct lv_gen *g, size_t first,
                     size_t want, const char *stream, int64_t base_ms)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t total = 0;
    size_t i;
    size_t len;
    char *body;

    lv_buf_grow(&b, want * 260 + 256);
    lv_buf_adds(&b, "{\"logGroupName\":");
    add_json_str(&b, O.group, strlen(O.group));
    lv_buf_adds(&b, ",\"logStreamName\":");
    add_json_str(&b, stream, strlen(stream));
    lv_buf_adds(&b, ",\"logEvents\":[");
    r->n_events = 0;
    r->raw = 0;
    for (i = first; i < first + want && i < g->n; i++) {
        if (total + g->len[i] + EVENT_OVERHEAD > MAX_BATCH_BYTES) {
            break;
        }
        total += g->len[i] + EVENT_OVERHEAD;
        lv_buf_addf(&b, "%s{\"timestamp\":%" PRId64 ",\"message\":",
                    i == first ? "" : ",", base_ms + (int64_t)i);
        add_json_str(&b, g->data + g->off[i], g->len[i]);
        lv_buf_addc(&b, '}');
        r->n_events++;
        r->raw += g->len[i];
    }
    lv_buf_adds(&b, "]}");
    body = lv_buf_detach(&b, &len);
    make_req(r, "logs", LOGS_TARGET "PutLogEvents", body, len);
}

/* ---- HTTP/1.1 client ------------------------------------------------------ */

static int conn_open(struct conn *c)
{
    struct sockaddr_in sa;
    int one = 1;

    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)(c->port ? c->port : O.port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->must_close = 0;
    return 0;
}

static void conn_close(struct conn *c)
{
    if (c->fd >= 0) {
        close(c->fd);
    }
    c->fd = -1;
}

static int fill(struct conn *c)
{
    ssize_t n;

    if (c->in_cap - c->in_len < 65536) {
        c->in_cap = c->in_cap ? c->in_cap * 2 : 1 << 20;
        c->in = lv_xrealloc(c->in, c->in_cap + 1);
    }
    do {
        n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
        return n == 0 ? 0 : -1;
    }
    c->in_len += (size_t)n;
    c->in[c->in_len] = '\0';
    return 1;
}

static const char *find_header(const char *head, size_t head_len,
                               const char *name)
{
    size_t nl = strlen(name);
    const char *p = head;
    const char *end = head + head_len;

    while (p < end) {
        const char *eol = memchr(p, '\n', (size_t)(end - p));

        if (!eol) {
            break;
        }
        if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 &&
            p[nl] == ':') {
            p += nl + 1;
            while (*p == ' ') {
                p++;
            }
            return p;
        }
        p = eol + 1;
    }
    return NULL;
}

/* Decodes a chunked body in place at `b` (with `avail` bytes read so far);
 * returns the body length, or -1 if more input is needed. */
static long dechunk(char *b, size_t avail, size_t *consumed)
{
    size_t in = 0;
    size_t out = 0;

    for (;;) {
        char *eol = memmem(b + in, avail - in, "\r\n", 2);
        unsigned long sz;

        if (!eol) {
            return -1;
        }
        sz = strtoul(b + in, NULL, 16);
        in = (size_t)(eol - b) + 2;
        if (sz == 0) {
            if (avail - in < 2) {
                return -1;
            }
            *consumed = in + 2;
            return (long)out;
        }
        if (avail - in < sz + 2) {
            return -1;
        }
        memmove(b + out, b + in, sz);
        out += sz;
        in += sz + 2;
    }
}

/* Sends r and reads the whole answer into c (status, body). 0 or -1. */
static int roundtrip(struct conn *c, const struct req *r)
{
    struct iovec iov[2];
    size_t off = 0;
    size_t total = r->head_len + r->body_len;
    char *hend = NULL;
    size_t head_len;
    const char *v;

    if (c->fd < 0 && conn_open(c) != 0) {
        return -1;
    }
    while (off < total) {
        ssize_t n;
        int k = 0;

        if (off < r->head_len) {
            iov[k].iov_base = r->head + off;
            iov[k++].iov_len = r->head_len - off;
            iov[k].iov_base = r->body;
            iov[k++].iov_len = r->body_len;
        } else {
            iov[k].iov_base = r->body + (off - r->head_len);
            iov[k++].iov_len = total - off;
        }
        n = writev(c->fd, iov, k);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            conn_close(c);
            return -1;
        }
        off += (size_t)n;
    }
    c->in_len = 0;
    for (;;) {
        int got;

        if (c->in_len) {
            hend = memmem(c->in, c->in_len, "\r\n\r\n", 4);
            if (hend) {
                break;
            }
        }
        got = fill(c);
        if (got <= 0) {
            conn_close(c);
            return -1;
        }
    }
    head_len = (size_t)(hend - c->in) + 4;
    c->status = (int)strtol(c->in + 9, NULL, 10);
    c->must_close = strncmp(c->in, "HTTP/1.0", 8) == 0;
    v = find_header(c->in, head_len, "Connection");
    if (v && strncasecmp(v, "close", 5) == 0) {
        c->must_close = 1;
    } else if (v && strncasecmp(v, "keep-alive", 10) == 0) {
        c->must_close = 0;
    }
    v = find_header(c->in, head_len, "Content-Length");
    if (v) {
        size_t want = head_len + strtoull(v, NULL, 10);

        while (c->in_len < want) {
            if (fill(c) <= 0) {
                conn_close(c);
                return -1;
            }
        }
        c->body = c->in + head_len;
        c->body_len = want - head_len;
    } else if ((v = find_header(c->in, head_len, "Transfer-Encoding")) &&
               strncasecmp(v, "chunked", 7) == 0) {
        long blen;
        size_t used;

        for (;;) {
            /* decode a copy so a partial decode never corrupts input */
            char *tmp = lv_xmalloc(c->in_len - head_len + 1);

            memcpy(tmp, c->in + head_len, c->in_len - head_len);
            blen = dechunk(tmp, c->in_len - head_len, &used);
            if (blen >= 0) {
                memcpy(c->in + head_len, tmp, (size_t)blen);
                c->in[head_len + (size_t)blen] = '\0';
                free(tmp);
                break;
            }
            free(tmp);
            if (fill(c) <= 0) {
                conn_close(c);
                return -1;
            }
        }
        c->body = c->in + head_len;
        c->body_len = (size_t)blen;
    } else {
        while (fill(c) > 0) {
        }
        c->body = c->in + head_len;
        c->body_len = c->in_len - head_len;
        c->must_close = 1;
    }
    if (c->must_close) {
        conn_close(c);
    }
    return 0;
}

/* One signed JSON call on a fresh or kept connection; dies unless 200. */
static void call(struct conn *c, const char *service, const char *target,
                 const char *body)
{
    struct req r;

    make_req(&r, service, target, lv_xstrdup(body), strlen(body));
    if (roundtrip(c, &r) != 0) {
        die("request failed (connection)");
    }
    if (c->status != 200) {
        fprintf(stderr, "loadgen: %s: HTTP %d: %.*s\n", target, c->status,
                (int)(c->body_len > 400 ? 400 : c->body_len), c->body);
        exit(1);
    }
    free_req(&r);
}

/* The string value of "key" in a flat JSON answer, copied; or NULL. */
static char *json_str(const char *body, const char *key)
{
    char pat[64];
    const char *p;
    const char *e;

    snprintf(pat, sizeof(pat), "\"%s\"", key);
    p = strstr(body, pat);
    if (!p) {
        return NULL;
    }
    p += strlen(pat);
    while (*p == ' ' || *p == ':') {
        p++;
    }
    if (*p != '"') {
        return NULL;
    }
    p++;
    e = strchr(p, '"');
    return e ? lv_xstrndup(p, (size_t)(e - p)) : NULL;
}

static size_t count(const char *s, size_t len, const char *needle)
{
    size_t n = 0;
    size_t nl = strlen(needle);
    const char *p = s;
    const char *end = s + len;

    while ((p = memmem(p, (size_t)(end - p), needle, nl)) != NULL) {
        n++;
        p += nl;
    }
    return n;
}

/* ---- ingest ----------------------------------------------------------------- */

struct worker {
    pthread_t th;
    int id;
    struct req *pool;
    size_t n_pool;
    size_t quota;           /* events to send, 0 = until told to stop */
    size_t sent_events;
    size_t sent_raw;
    size_t sent_reqs;
    size_t errors;
    size_t rejected;
    const char *target;
    char err_sample[256];
    /* --rps: one latency per answered request, in seconds */
    double *lat;            /* from the time it was due */
    double *svc;            /* from the time it was sent */
    size_t n_lat, cap_lat;
    size_t late;            /* sent more than 1 ms after it was due */
};

static pthread_barrier_t start_line;
static int stop_flag;       /* set by main when --seconds have passed */
static double rate_t0;      /* --rps: when request 0 is due (now_s), set
                               by main between start_line and rate_line */
static pthread_barrier_t rate_line;

static int stopped(void)
{
    return __atomic_load_n(&stop_flag, __ATOMIC_RELAXED);
}

/* After the start line: sleeps `seconds`, then tells the workers to stop. */
static void stop_after(double seconds)
{
    struct timespec ts;

    if (seconds <= 0) {
        return;
    }
    ts.tv_sec = (time_t)seconds;
    ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
    __atomic_store_n(&stop_flag, 1, __ATOMIC_RELAXED);
}

/* Sleeps until now_s() reaches t. */
static void sleep_until(double t)
{
    struct timespec ts;

    ts.tv_sec = (time_t)t;
    ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) ==
           EINTR) {
    }
}

static void add_lat(struct worker *w, double due, double sent, double done)
{
    if (w->n_lat == w->cap_lat) {
        w->cap_lat = w->cap_lat ? 2 * w->cap_lat : 1024;
        w->lat = lv_xrealloc(w->lat, w->cap_lat * sizeof(*w->lat));
        w->svc = lv_xrealloc(w->svc, w->cap_lat * sizeof(*w->svc));
    }
    w->lat[w->n_lat] = done - due;
    w->svc[w->n_lat++] = done - sent;
    if (sent - due > 0.001) {
        w->late++;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile q (0..1] of the n sorted values at v. */
static double pct(const double *v, size_t n, double q)
{
    size_t r;

    if (n == 0) {
        return 0;
    }
    r = (size_t)(q * (double)n + 0.999999);
    if (r < 1) {
        r = 1;
    }
    return v[(r > n ? n : r) - 1];
}

static void *ingest_worker(void *arg)
{
    struct worker *w = arg;
    struct conn c = { .fd = -1 };
    size_t i = 0;
    size_t j = 0;           /* --rps: this connection's requests due so far */

    pin(O.cpu);
    if (conn_open(&c) != 0) {
        die("cannot connect");
    }
    pthread_barrier_wait(&start_line);
    if (O.rps > 0) {
        pthread_barrier_wait(&rate_line);
    }
    for (;;) {
        const struct req *r = &w->pool[i % w->n_pool];

        double due = 0;
        double sent = 0;

        if (w->quota ? w->sent_events >= w->quota : stopped()) {
            break;
        }
        if (O.rps > 0) {
            due = rate_t0 + (double)(j * (size_t)O.conns + (size_t)w->id) /
                            O.rps;
            j++;
            sleep_until(due);
            if (stopped()) {
                break;
            }
            sent = now_s();
        }
        if (roundtrip(&c, r) != 0) {
            w->errors++;
            if (w->errors > 100) {
                break;
            }
            continue;
        }
        i++;
        w->sent_reqs++;
        if (c.status == 200) {
            if (O.rps > 0) {
                add_lat(w, due, sent, now_s());
            }
            w->sent_events += r->n_events;
            w->sent_raw += r->raw;
            if (memmem(c.body, c.body_len, "rejectedLogEventsInfo", 21)) {
                w->rejected++;
            }
        } else {
            w->errors++;
            if (!w->err_sample[0]) {
                snprintf(w->err_sample, sizeof(w->err_sample), "%d %.*s",
                         c.status, (int)(c.body_len > 200 ? 200
                                                           : c.body_len),
                         c.body);
            }
        }
    }
    conn_close(&c);
    free(c.in);
    return NULL;
}

static void stream_name(int conn, char *out, size_t n)
{
    if (O.stream) {
        snprintf(out, n, "%s", O.stream);
    } else {
        snprintf(out, n, "s-%d", conn);
    }
}

static int run_ingest(void)
{
    struct lv_gen g;
    struct worker *w;
    struct conn c = { .fd = -1 };
    size_t per_conn_batches = 0;
    size_t pool_cap;
    int64_t base_ms;
    double t0;
    double t1;
    double cpu0;
    double cpu1;
    double gen0;
    double gen1;
    double all0;
    double all1;
    size_t ev = 0;
    size_t raw = 0;
    size_t errors = 0;
    size_t rejected = 0;
    size_t reqs = 0;
    size_t batch_actual = 0;
    size_t n_batches = 0;
    double *lat = NULL;
    double *svc = NULL;
    size_t n_lat = 0;
    size_t late = 0;
    int k;

    if (!O.group || O.conns < 1 || O.conns > MAX_CONNS || O.batch < 1) {
        die("ingest needs --group, --conns 1..64, --batch >= 1");
    }
    pin(O.cpu);
    if (O.distinct) {
        lv_gen_distinct(&g, O.seed, O.gen_events);
    } else {
        lv_gen_events(&g, O.seed, O.gen_events);
    }
    if (O.create) {
        char body[512];

        snprintf(body, sizeof(body), "{\"logGroupName\":\"%s\"}", O.group);
        call(&c, "logs", LOGS_TARGET "CreateLogGroup", body);
        for (k = 0; k < (O.stream ? 1 : O.conns); k++) {
            char s[128];

            stream_name(k, s, sizeof(s));
            snprintf(body, sizeof(body), "{\"logGroupName\":\"%s\","
                     "\"logStreamName\":\"%s\"}", O.group, s);
            call(&c, "logs", LOGS_TARGET "CreateLogStream", body);
        }
        conn_close(&c);
    }
    /* Timestamps: event i of the generated set is at base + i ms, an hour
     * ago, well inside what PutLogEvents accepts. */
    base_ms = (int64_t)time(NULL) * 1000 - 3600 * 1000;
    if (O.events) {
        per_conn_batches = (O.events + O.batch * (size_t)O.conns - 1) /
                           (O.batch * (size_t)O.conns);
    }
    pool_cap = O.pool_mb * 1000000 / (size_t)O.conns /
               (O.batch * 260 + 512) + 1;
    w = lv_xcalloc((size_t)O.conns, sizeof(*w));
    pthread_barrier_init(&start_line, NULL, (unsigned)O.conns + 1);
    for (k = 0; k < O.conns; k++) {
        size_t np = per_conn_batches ? per_conn_batches : pool_cap;
        size_t span = g.n > O.batch ? g.n - O.batch : 1;
        char s[128];
        size_t j;

        if (np > pool_cap) {
            np = pool_cap;
        }
        stream_name(k, s, sizeof(s));
        w[k].id = k;
        w[k].pool = lv_xcalloc(np, sizeof(*w[k].pool));
        w[k].n_pool = np;
        w[k].quota = O.events ? (O.events + (size_t)O.conns - 1) /
                                (size_t)O.conns : 0;
        for (j = 0; j < np; j++) {
            size_t first = (((size_t)k * np + j) * O.batch) % span;

            put_body(&w[k].pool[j], &g, first, O.batch, s, base_ms);
            batch_actual += w[k].pool[j].n_events;
            n_batches++;
        }
    }
    batch_actual /= n_batches;
    cpu0 = proc_cpu_s(O.server_pid);
    gen0 = proc_cpu_s((long)getpid());
    all0 = proc_busy_s();
    pthread_barrier_init(&rate_line, NULL, (unsigned)O.conns + 1);
    for (k = 0; k < O.conns; k++) {
        pthread_create(&w[k].th, NULL, ingest_worker, &w[k]);
    }
    pthread_barrier_wait(&start_line);
    t0 = now_s();
    if (O.rps > 0) {
        /* Every connection is open: request 0 is due in 10 ms. */
        rate_t0 = t0 + 0.01;
        pthread_barrier_wait(&rate_line);
    }
    if (!O.events) {
        stop_after(O.seconds);
    }
    for (k = 0; k < O.conns; k++) {
        pthread_join(w[k].th, NULL);
        ev += w[k].sent_events;
        raw += w[k].sent_raw;
        errors += w[k].errors;
        rejected += w[k].rejected;
        reqs += w[k].sent_reqs;
        if (w[k].err_sample[0]) {
            fprintf(stderr, "loadgen: error sample: %s\n", w[k].err_sample);
        }
        lat = lv_xrealloc(lat, (n_lat + w[k].n_lat + 1) * sizeof(*lat));
        svc = lv_xrealloc(svc, (n_lat + w[k].n_lat + 1) * sizeof(*svc));
        if (w[k].n_lat) {
            memcpy(lat + n_lat, w[k].lat, w[k].n_lat * sizeof(*lat));
            memcpy(svc + n_lat, w[k].svc, w[k].n_lat * sizeof(*svc));
        }
        n_lat += w[k].n_lat;
        late += w[k].late;
        free(w[k].lat);
        free(w[k].svc);
    }
    t1 = now_s();
    cpu1 = proc_cpu_s(O.server_pid);
    gen1 = proc_cpu_s((long)getpid());
    all1 = proc_busy_s();
    printf("ingest conns=%d batch=%zu batch_actual=%zu events=%zu "
           "raw_bytes=%zu requests=%zu errors=%zu rejected=%zu seconds=%.3f "
           "eps=%.0f mbps=%.2f server_cpu_s=%.3f cpu_s_per_m=%.3f "
           "gen_cpu_s=%.3f machine_cpu_s_per_m=%.3f all_cpu_s=%.3f "
           "vmhwm_kb=%ld vmrss_kb=%ld rssanon_kb=%ld rssfile_kb=%ld\n",
           O.conns, O.batch, batch_actual, ev,
           raw, reqs, errors, rejected, t1 - t0, (double)ev / (t1 - t0),
           (double)raw / 1e6 / (t1 - t0), cpu1 - cpu0,
           ev ? (cpu1 - cpu0) / ((double)ev / 1e6) : 0.0, gen1 - gen0,
           ev ? (cpu1 - cpu0 + gen1 - gen0) / ((double)ev / 1e6) : 0.0,
           all1 - all0,
           proc_kb(O.server_pid, "VmHWM"), proc_kb(O.server_pid, "VmRSS"),
           proc_kb(O.server_pid, "RssAnon"), proc_kb(O.server_pid, "RssFile"));
    if (O.rps > 0) {
        qsort(lat, n_lat, sizeof(*lat), cmp_double);
        qsort(svc, n_lat, sizeof(*svc), cmp_double);
        /* A second line, so that the first keeps its fields. */
        printf("latency rps_target=%.2f rps=%.2f answered=%zu late=%zu "
               "lat_p50_ms=%.3f lat_p99_ms=%.3f lat_max_ms=%.3f "
               "svc_p50_ms=%.3f svc_p99_ms=%.3f svc_max_ms=%.3f\n", O.rps,
               (double)n_lat / (t1 - t0), n_lat, late,
               1e3 * pct(lat, n_lat, 0.50), 1e3 * pct(lat, n_lat, 0.99),
               1e3 * pct(lat, n_lat, 1.0), 1e3 * pct(svc, n_lat, 0.50),
               1e3 * pct(svc, n_lat, 0.99), 1e3 * pct(svc, n_lat, 1.0));
    }
    free(lat);
    free(svc);
    for (k = 0; k < O.conns; k++) {
        size_t j;

        for (j = 0; j < w[k].n_pool; j++) {
            free_req(&w[k].pool[j]);
        }
        free(w[k].pool);
    }
    free(w);
    free(c.in);
    lv_gen_release(&g);
    return errors ? 1 : 0;
}

/* ---- read and search ----------------------------------------------------------- */

static int run_read(void)
{
    struct conn c = { .fd = -1 };
    char *token = NULL;
    size_t pages = 0;
    size_t events = 0;
    size_t bytes = 0;
    double t0;
    double t1;

    if (!O.group || !O.stream) {
        die("read needs --group and --stream");
    }
    pin(O.cpu);
    t0 = now_s();
    for (;;) {
        struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
        char *next;
        size_t n;

        lv_buf_addf(&b, "{\"logGroupName\":\"%s\",\"logStreamName\":\"%s\","
                    "\"startFromHead\":true,\"limit\":10000", O.group,
                    O.stream);
        if (token) {
            lv_buf_addf(&b, ",\"nextToken\":\"%s\"", token);
        }
        lv_buf_addc(&b, '}');
        call(&c, "logs", LOGS_TARGET "GetLogEvents", b.data);
        lv_buf_release(&b);
        n = count(c.body, c.body_len, "\"ingestionTime\"");
        next = json_str(c.body, "nextForwardToken");
        bytes += c.body_len;
        if (n) {
            pages++;
            events += n;
        }
        /* The end: the token passed in comes back (AWS's rule). A page
         * may be empty before the end, so an empty page alone is not. */
        if (!next || (token && strcmp(next, token) == 0)) {
            free(next);
            break;
        }
        free(token);
        token = next;
    }
    t1 = now_s();
    printf("read pages=%zu events=%zu resp_mb=%.1f seconds=%.3f "
           "pages_per_s=%.1f eps=%.0f events_per_page=%.0f\n", pages, events,
           (double)bytes / 1e6, t1 - t0, (double)pages / (t1 - t0),
           (double)events / (t1 - t0),
           pages ? (double)events / (double)pages : 0.0);
    free(token);
    conn_close(&c);
    free(c.in);
    return 0;
}

static int run_search(void)
{
    struct conn c = { .fd = -1 };
    char *token = NULL;
    size_t pages = 0;
    size_t matches = 0;
    double t0;
    double t1;
    double cpu0;
    double cpu1;

    if (!O.group || !O.pattern) {
        die("search needs --group and --pattern");
    }
    pin(O.cpu);
    cpu0 = proc_cpu_s(O.server_pid);
    t0 = now_s();
    for (;;) {
        struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
        char *next;

        lv_buf_addf(&b, "{\"logGroupName\":\"%s\",\"filterPattern\":",
                    O.group);
        add_json_str(&b, O.pattern, strlen(O.pattern));
        if (token) {
            lv_buf_addf(&b, ",\"nextToken\":\"%s\"", token);
        }
        lv_buf_addc(&b, '}');
        call(&c, "logs", LOGS_TARGET "FilterLogEvents", b.data);
        lv_buf_release(&b);
        matches += count(c.body, c.body_len, "\"eventId\"");
        pages++;
        next = json_str(c.body, "nextToken");
        free(token);
        token = next;
        if (!next) {
            break;
        }
    }
    t1 = now_s();
    cpu1 = proc_cpu_s(O.server_pid);
    printf("search pages=%zu matches=%zu seconds=%.3f mbps=%.1f "
           "server_cpu_s=%.3f\n", pages, matches, t1 - t0,
           O.raw_bytes / 1e6 / (t1 - t0), cpu1 - cpu0);
    conn_close(&c);
    free(c.in);
    return 0;
}

/* ---- Logs Insights (issue 12) ---------------------------------------------- */

/* Where the value of member "key" starts in a JSON answer: the first
 * "key" followed by a colon — not a string "key" among the values, such
 * as a result field named "status" — or NULL. */
static const char *member_value(const char *body, const char *key)
{
    char pat[64];
    const char *p = body;
    size_t pl;

    snprintf(pat, sizeof(pat), "\"%s\"", key);
    pl = strlen(pat);
    while ((p = strstr(p, pat)) != NULL) {
        const char *v = p + pl;

        while (*v == ' ') {
            v++;
        }
        if (*v == ':' && (p == body || p[-1] != '\\')) {
            v++;
            while (*v == ' ') {
                v++;
            }
            return v;
        }
        p += pl;
    }
    return NULL;
}

/* The string value of member "key", copied; or NULL. */
static char *member_str(const char *body, const char *key)
{
    const char *v = member_value(body, key);
    const char *e;

    if (!v || *v != '"') {
        return NULL;
    }
    e = strchr(v + 1, '"');
    return e ? lv_xstrndup(v + 1, (size_t)(e - v - 1)) : NULL;
}

/* The number value of member "key", or -1. */
static double json_num(const char *body, const char *key)
{
    const char *v = member_value(body, key);

    return v ? strtod(v, NULL) : -1;
}

/* The rows of GetQueryResults' "results" ([[{…},…],…]): the arrays one
 * level inside it, strings skipped. */
static size_t count_rows(const char *body)
{
    const char *p = strstr(body, "\"results\"");
    size_t rows = 0;
    int depth = 0;
    int in_str = 0;

    p = p ? strchr(p, '[') : NULL;
    for (; p && *p; p++) {
        if (in_str) {
            if (*p == '\\' && p[1]) {
                p++;
            } else if (*p == '"') {
                in_str = 0;
            }
        } else if (*p == '"') {
            in_str = 1;
        } else if (*p == '[') {
            rows += depth == 1;
            depth++;
        } else if (*p == ']' && --depth == 0) {
            break;
        }
    }
    return rows;
}

/* Linux's "reset the peak RSS" (proc(5), /proc/PID/clear_refs): 1 if done. */
static int reset_hwm(long pid)
{
    char path[64];
    FILE *f;
    int ok;

    if (pid <= 0) {
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/%ld/clear_refs", pid);
    f = fopen(path, "w");
    if (!f) {
        return 0;
    }
    ok = fputs("5", f) >= 0;
    ok = fclose(f) == 0 && ok;
    return ok;
}

static int run_insights(void)
{
    struct conn c = { .fd = -1 };
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    struct timespec pause = { O.poll_ms / 1000, (O.poll_ms % 1000) * 1000000L };
    char *id;
    char *status = NULL;
    long rss0;
    long hwm1;
    int hwm_reset;
    size_t polls = 0;
    size_t rows;
    double t0;
    double t1;
    double cpu0;
    double cpu1;
    time_t now = time(NULL);
    int done = 0;

    if (!O.group || !O.query) {
        die("insights needs --group and --query");
    }
    pin(O.cpu);
    lv_buf_addf(&b, "{\"logGroupName\":\"%s\",\"queryString\":", O.group);
    add_json_str(&b, O.query, strlen(O.query));
    lv_buf_addf(&b, ",\"startTime\":%lld,\"endTime\":%lld}",
                (long long)now - O.range_s, (long long)now + 60);
    rss0 = proc_kb(O.server_pid, "VmRSS");
    hwm_reset = reset_hwm(O.server_pid);
    cpu0 = proc_cpu_s(O.server_pid);
    t0 = now_s();
    call(&c, "logs", LOGS_TARGET "StartQuery", b.data);
    id = member_str(c.body, "queryId");
    if (!id) {
        die("StartQuery answered no queryId");
    }
    lv_buf_reset(&b);
    lv_buf_addf(&b, "{\"queryId\":\"%s\"}", id);
    while (!done) {
        call(&c, "logs", LOGS_TARGET "GetQueryResults", b.data);
        polls++;
        free(status);
        status = member_str(c.body, "status");
        if (!status) {
            die("GetQueryResults answered no status");
        }
        done = strcmp(status, "Scheduled") != 0 &&
               strcmp(status, "Running") != 0;
        if (!done) {
            nanosleep(&pause, NULL);
        }
    }
    t1 = now_s();
    cpu1 = proc_cpu_s(O.server_pid);
    hwm1 = proc_kb(O.server_pid, "VmHWM");
    rows = count_rows(c.body);
    printf("insights query_id=%s status=%s seconds=%.3f mbps=%.1f "
           "polls=%zu rows=%zu "
           "records_matched=%.0f records_scanned=%.0f bytes_scanned=%.0f "
           "server_cpu_s=%.3f rss_before_kb=%ld hwm_after_kb=%ld "
           "hwm_reset=%d hwm_growth_kb=%ld\n", id, status, t1 - t0,
           O.raw_bytes / 1e6 / (t1 - t0), polls, rows,
           json_num(c.body, "recordsMatched"),
           json_num(c.body, "recordsScanned"),
           json_num(c.body, "bytesScanned"), cpu1 - cpu0, rss0, hwm1,
           hwm_reset, hwm1 >= 0 && rss0 >= 0 ? hwm1 - rss0 : -1);
    if (strcmp(status, "Complete") != 0) {
        fprintf(stderr, "loadgen: query %s ended %s: %.*s\n", id, status,
                (int)(c.body_len > 300 ? 300 : c.body_len), c.body);
    }
    done = strcmp(status, "Complete") == 0 ? 0 : 1;
    free(id);
    free(status);
    lv_buf_release(&b);
    conn_close(&c);
    free(c.in);
    return done;
}

/* ---- KMS -------------------------------------------------------------------- */

static void *kms_worker(void *arg)
{
    struct worker *w = arg;
    struct conn c = { .fd = -1 };

    pin(O.cpu);
    if (conn_open(&c) != 0) {
        die("cannot connect");
    }
    pthread_barrier_wait(&start_line);
    while (!stopped()) {
        if (roundtrip(&c, &w->pool[0]) != 0 || c.status != 200) {
            w->errors++;
            if (!w->err_sample[0] && c.body) {
                snprintf(w->err_sample, sizeof(w->err_sample), "%d %.*s",
                         c.status, (int)(c.body_len > 200 ? 200
                                                           : c.body_len),
                         c.body);
            }
            if (w->errors > 1000) {
                break;
            }
            continue;
        }
        w->sent_reqs++;
    }
    conn_close(&c);
    free(c.in);
    return NULL;
}

/* The request body of --op for the server on O.port: CreateKey there
 * (and Encrypt for Decrypt's blob); the key id and blob are kept in
 * *key_id and *blob for the caller to free. */
static void kms_body(char *body, size_t n, char **key_id, char **blob)
{
    struct conn c = { .fd = -1 };
    const char *pt = "cGxhaW50ZXh0IG9mIDMyIGJ5dGVzLCBmb3IgYmVuY2g=";

    call(&c, "kms", KMS_TARGET "CreateKey", "{}");
    *key_id = json_str(c.body, "KeyId");
    if (!*key_id) {
        die("CreateKey answered no KeyId");
    }
    snprintf(body, n, "{\"KeyId\":\"%s\",\"Plaintext\":\"%s\"}", *key_id,
             pt);
    if (strcmp(O.op, "Decrypt") == 0) {
        call(&c, "kms", KMS_TARGET "Encrypt", body);
        *blob = json_str(c.body, "CiphertextBlob");
        if (!*blob) {
            die("Encrypt answered no CiphertextBlob");
        }
        snprintf(body, n, "{\"CiphertextBlob\":\"%s\"}", *blob);
    } else if (strcmp(O.op, "GenerateDataKey") == 0) {
        snprintf(body, n, "{\"KeyId\":\"%s\",\"KeySpec\":\"AES_256\"}",
                 *key_id);
    } else if (strcmp(O.op, "Encrypt") != 0) {
        die("--op is Encrypt, Decrypt or GenerateDataKey");
    }
    conn_close(&c);
    free(c.in);
}

static int run_kms(void)
{
    struct worker *w;
    char *key_id = NULL;
    char *blob = NULL;
    char body[4096];
    size_t reqs = 0;
    size_t errors = 0;
    double t0;
    double t1;
    double cpu0;
    double cpu1;
    int k;

    if (!O.op || O.conns < 1 || O.conns > MAX_CONNS) {
        die("kms needs --op and --conns 1..64");
    }
    pin(O.cpu);
    kms_body(body, sizeof(body), &key_id, &blob);
    w = lv_xcalloc((size_t)O.conns, sizeof(*w));
    pthread_barrier_init(&start_line, NULL, (unsigned)O.conns + 1);
    for (k = 0; k < O.conns; k++) {
        char target[64];

        snprintf(target, sizeof(target), KMS_TARGET "%s", O.op);
        w[k].pool = lv_xcalloc(1, sizeof(*w[k].pool));
        w[k].n_pool = 1;
        make_req(&w[k].pool[0], "kms", target, lv_xstrdup(body),
                 strlen(body));
        pthread_create(&w[k].th, NULL, kms_worker, &w[k]);
    }
    pthread_barrier_wait(&start_line);
    cpu0 = proc_cpu_s(O.server_pid);
    t0 = now_s();
    stop_after(O.seconds);
    for (k = 0; k < O.conns; k++) {
        pthread_join(w[k].th, NULL);
        reqs += w[k].sent_reqs;
        errors += w[k].errors;
        if (w[k].err_sample[0]) {
            fprintf(stderr, "loadgen: error sample: %s\n", w[k].err_sample);
        }
        free_req(&w[k].pool[0]);
        free(w[k].pool);
    }
    t1 = now_s();
    cpu1 = proc_cpu_s(O.server_pid);
    printf("kms op=%s conns=%d requests=%zu errors=%zu seconds=%.3f "
           "rps=%.0f server_cpu_s=%.3f\n", O.op, O.conns, reqs, errors,
           t1 - t0, (double)reqs / (t1 - t0), cpu1 - cpu0);
    free(w);
    free(key_id);
    free(blob);
    return errors ? 1 : 0;
}

/* ---- KMS, two servers in alternating windows (kms-ab) ------------------- */

/* A process's CPU time in seconds, to the nanosecond: the sum over its
 * threads of /proc/PID/task/TID/schedstat's first field (time on a cpu).
 * Threads that ended are not counted: the servers measured keep theirs. */
static double proc_cpu_ns_s(long pid)
{
    char path[64];
    DIR *d;
    struct dirent *e;
    unsigned long long sum = 0;

    snprintf(path, sizeof(path), "/proc/%ld/task", pid);
    d = opendir(path);
    if (!d) {
        return 0;
    }
    while ((e = readdir(d)) != NULL) {
        char p2[320];
        FILE *f;
        unsigned long long ns;

        if (e->d_name[0] == '.') {
            continue;
        }
        snprintf(p2, sizeof(p2), "/proc/%ld/task/%s/schedstat", pid,
                 e->d_name);
        f = fopen(p2, "r");
        if (!f) {
            continue;
        }
        if (fscanf(f, "%llu", &ns) == 1) {
            sum += ns;
        }
        fclose(f);
    }
    closedir(d);
    return (double)sum / 1e9;
}

#define AB_WARM 4           /* windows run before the counted ones */

static int ab_phase;        /* the window now running; -1: stop */
static const unsigned char *ab_side;    /* window -> 0 (A) or 1 (B) */
static int ab_port[2];                  /* A's and B's */

struct ab_worker {
    pthread_t th;
    struct req req[2];
    size_t *done;           /* answered requests, by the window sent in */
    size_t errors;
    char err_sample[256];
};

static void *kms_ab_worker(void *arg)
{
    struct ab_worker *w = arg;
    struct conn c[2] = { { .fd = -1, .port = ab_port[0] },
                         { .fd = -1, .port = ab_port[1] } };

    pin(O.cpu);
    if (conn_open(&c[0]) != 0 || conn_open(&c[1]) != 0) {
        die("cannot connect");
    }
    pthread_barrier_wait(&start_line);
    for (int last = 0;;) {
        int ph = __atomic_load_n(&ab_phase, __ATOMIC_ACQUIRE);
        int s;

        if (ph < 0) {
            break;
        }
        if (ph != last) {
            /* A new window, new connections: which of a server's threads
             * takes a connection decides its cost per request by up to
             * ±15% (one split of the 8 connections against another); a
             * fresh draw every window averages that over the run. */
            conn_close(&c[0]);
            conn_close(&c[1]);
            last = ph;
        }
        s = ab_side[ph];
        if (roundtrip(&c[s], &w->req[s]) != 0 || c[s].status != 200) {
            w->errors++;
            if (!w->err_sample[0] && c[s].body) {
                snprintf(w->err_sample, sizeof(w->err_sample), "%d %.*s",
                         c[s].status, (int)(c[s].body_len > 200
                                            ? 200 : c[s].body_len),
                         c[s].body);
            }
            if (w->errors > 1000) {
                break;
            }
            continue;
        }
        w->done[ph]++;
    }
    for (int s = 0; s < 2; s++) {
        conn_close(&c[s]);
        free(c[s].in);
    }
    return NULL;
}

/*
 * kms-ab: the same load against two servers (A on --port, --server-pid;
 * B on --port2, --server-pid2), in alternating windows of --window-ms,
 * --windows of them after AB_WARM uncounted ones: pair k is windows 2k
 * and 2k+1, A then B for even k, B then A for odd k (so that neither side
 * always follows the other). Every connection thread holds a connection
 * to each server and sends each request to the side of the window it is
 * sent in; the window counts it when its answer comes.
 *
 * A server's CPU in one of its windows is what its process used from
 * that window's start to the start of its next window (or the end): what
 * it still does after its window (a writer catching up) is its own, and
 * the other server's window between costs it nothing else. Sampling
 * both servers in the same short windows, over and over, cancels what
 * drifts on a shared machine (another guest's load, the clock), which
 * two long runs one after the other cannot.
 *
 * Printed: each side's requests, seconds and CPU (totals over the counted
 * windows), B/A of CPU per request and of requests/s from those totals,
 * and from the pairs the geometric mean of B/A with its 95% interval
 * (mean of the logs ± 1.96 standard errors) and the median.
 */
static int run_kms_ab(void)
{
    struct ab_worker *w;
    char *key_id[2] = { NULL, NULL };
    char *blob[2] = { NULL, NULL };
    char body[2][4096];
    int n = AB_WARM + O.windows;
    double *t;              /* window i started at t[i]; t[n]: the end */
    double *cpu[2];         /* each side's CPU at t[i] */
    double *ratio_cpu;
    double *ratio_rps;
    unsigned char *side;
    size_t errors = 0;
    double tot_req[2] = { 0, 0 };
    double tot_cpu[2] = { 0, 0 };
    double tot_s[2] = { 0, 0 };
    double sum_l = 0;
    double sum_l2 = 0;
    double sum_r = 0;
    int pairs = O.windows / 2;
    int k;
    int i;

    if (!O.op || O.conns < 1 || O.conns > MAX_CONNS || O.port2 <= 0 ||
        O.server_pid <= 0 || O.server_pid2 <= 0 || pairs < 2 ||
        O.window_ms < 10) {
        die("kms-ab needs --op, --conns 1..64, --port2, --server-pid, "
            "--server-pid2, --windows ≥ 4 and --window-ms ≥ 10");
    }
    pin(O.cpu);
    ab_port[0] = O.port;
    ab_port[1] = O.port2;
    w = lv_xcalloc((size_t)O.conns, sizeof(*w));
    for (int s = 0; s < 2; s++) {
        char target[64];

        /* call() and make_req() connect to, and sign the Host of,
         * O.port: each side's key and requests are made for its own. */
        O.port = ab_port[s];
        kms_body(body[s], sizeof(body[s]), &key_id[s], &blob[s]);
        snprintf(target, sizeof(target), KMS_TARGET "%s", O.op);
        for (k = 0; k < O.conns; k++) {
            make_req(&w[k].req[s], "kms", target, lv_xstrdup(body[s]),
                     strlen(body[s]));
        }
    }
    O.port = ab_port[0];
    side = lv_xcalloc((size_t)n, 1);
    for (i = 0; i < n; i++) {
        side[i] = (unsigned char)((i & 1) ^ ((i >> 1) & 1));
    }
    ab_side = side;
    t = lv_xcalloc((size_t)n + 1, sizeof(*t));
    cpu[0] = lv_xcalloc((size_t)n + 1, sizeof(*cpu[0]));
    cpu[1] = lv_xcalloc((size_t)n + 1, sizeof(*cpu[1]));
    pthread_barrier_init(&start_line, NULL, (unsigned)O.conns + 1);
    for (k = 0; k < O.conns; k++) {
        w[k].done = lv_xcalloc((size_t)n, sizeof(*w[k].done));
        pthread_create(&w[k].th, NULL, kms_ab_worker, &w[k]);
    }
    __atomic_store_n(&ab_phase, 0, __ATOMIC_RELEASE);
    pthread_barrier_wait(&start_line);
    t[0] = now_s();
    cpu[0][0] = proc_cpu_ns_s(O.server_pid);
    cpu[1][0] = proc_cpu_ns_s(O.server_pid2);
    for (i = 1; i <= n; i++) {
        sleep_until(t[0] + (double)i * (double)O.window_ms / 1000.0);
        __atomic_store_n(&ab_phase, i < n ? i : -1, __ATOMIC_RELEASE);
        t[i] = now_s();
        cpu[0][i] = proc_cpu_ns_s(O.server_pid);
        cpu[1][i] = proc_cpu_ns_s(O.server_pid2);
    }
    for (k = 0; k < O.conns; k++) {
        pthread_join(w[k].th, NULL);
        errors += w[k].errors;
        if (w[k].err_sample[0]) {
            fprintf(stderr, "loadgen: error sample: %s\n", w[k].err_sample);
        }
    }
    /* Let the last windows' stragglers (a writer's queue) finish: wait
     * until neither server's CPU moves for 100 ms, at most 5 s. */
    for (double end = now_s() + 5; now_s() < end;) {
        double a = proc_cpu_ns_s(O.server_pid);
        double b = proc_cpu_ns_s(O.server_pid2);

        sleep_until(now_s() + 0.1);
        if (proc_cpu_ns_s(O.server_pid) - a < 0.001 &&
            proc_cpu_ns_s(O.server_pid2) - b < 0.001) {
            break;
        }
    }
    cpu[0][n] = proc_cpu_ns_s(O.server_pid);
    cpu[1][n] = proc_cpu_ns_s(O.server_pid2);
    ratio_cpu = lv_xcalloc((size_t)pairs, sizeof(*ratio_cpu));
    ratio_rps = lv_xcalloc((size_t)pairs, sizeof(*ratio_rps));
    for (k = 0; k < pairs; k++) {
        double req[2] = { 0, 0 };
        double c[2];
        double s[2];

        for (int j = 0; j < 2; j++) {
            int wi = AB_WARM + 2 * k + j;
            int sd = side[wi];
            int next = wi + 1;

            while (next < n && side[next] != sd) {
                next++;
            }
            for (int m = 0; m < O.conns; m++) {
                req[sd] += (double)w[m].done[wi];
            }
            c[sd] = cpu[sd][next] - cpu[sd][wi];
            s[sd] = t[wi + 1] - t[wi];
            tot_req[sd] += req[sd];
            tot_cpu[sd] += c[sd];
            tot_s[sd] += s[sd];
        }
        if (req[0] < 1 || req[1] < 1 || c[0] <= 0 || c[1] <= 0) {
            die("a window answered no request (or its server used no CPU)");
        }
        ratio_cpu[k] = (c[1] / req[1]) / (c[0] / req[0]);
        ratio_rps[k] = (req[1] / s[1]) / (req[0] / s[0]);
        sum_l += log(ratio_cpu[k]);
        sum_l2 += log(ratio_cpu[k]) * log(ratio_cpu[k]);
        sum_r += log(ratio_rps[k]);
    }
    {
        double mean = sum_l / pairs;
        double var = (sum_l2 - (double)pairs * mean * mean) /
                     (double)(pairs - 1);
        double sd = sqrt(var > 0 ? var : 0);    /* rounding: never < 0 */
        double half = 1.96 * sd / sqrt((double)pairs);
        double rps_gm = exp(sum_r / pairs);

        qsort(ratio_cpu, (size_t)pairs, sizeof(double), cmp_double);
        qsort(ratio_rps, (size_t)pairs, sizeof(double), cmp_double);
        printf("kms-ab op=%s conns=%d windows=%d window_ms=%ld errors=%zu "
               "a_requests=%.0f a_seconds=%.3f a_cpu_s=%.4f "
               "b_requests=%.0f b_seconds=%.3f b_cpu_s=%.4f "
               "a_cpu_us=%.3f b_cpu_us=%.3f a_rps=%.0f b_rps=%.0f "
               "cpu_ratio=%.4f rps_ratio=%.4f "
               "pair_cpu_gm=%.4f pair_cpu_lo=%.4f pair_cpu_hi=%.4f "
               "pair_cpu_med=%.4f pair_rps_gm=%.4f pair_rps_med=%.4f\n",
               O.op, O.conns, O.windows, O.window_ms, errors,
               tot_req[0], tot_s[0], tot_cpu[0], tot_req[1], tot_s[1],
               tot_cpu[1], tot_cpu[0] / tot_req[0] * 1e6,
               tot_cpu[1] / tot_req[1] * 1e6, tot_req[0] / tot_s[0],
               tot_req[1] / tot_s[1],
               (tot_cpu[1] / tot_req[1]) / (tot_cpu[0] / tot_req[0]),
               (tot_req[1] / tot_s[1]) / (tot_req[0] / tot_s[0]),
               exp(mean), exp(mean - half), exp(mean + half),
               pct(ratio_cpu, (size_t)pairs, 0.5), rps_gm,
               pct(ratio_rps, (size_t)pairs, 0.5));
    }
    for (k = 0; k < O.conns; k++) {
        free_req(&w[k].req[0]);
        free_req(&w[k].req[1]);
        free(w[k].done);
    }
    free(w);
    free(t);
    free(cpu[0]);
    free(cpu[1]);
    free(ratio_cpu);
    free(ratio_rps);
    free(side);
    for (k = 0; k < 2; k++) {
        free(key_id[k]);
        free(blob[k]);
    }
    return errors ? 1 : 0;
}

/* ---- startup ------------------------------------------------------------------ */

static int run_startup(void)
{
    struct conn c = { .fd = -1 };
    struct req r;
    double t0;
    double t_listen = 0;
    double t1 = 0;
    pid_t pid;
    int st;

    if (!O.cmd || !O.cmd[0]) {
        die("startup needs -- COMMAND");
    }
    make_req(&r, "kms", KMS_TARGET "ListKeys", lv_xstrdup("{}"), 2);
    t0 = now_s();
    pid = fork();
    if (pid < 0) {
        die("fork failed");
    }
    if (pid == 0) {
        execvp(O.cmd[0], O.cmd);
        _exit(127);
    }
    while (now_s() - t0 < 10) {
        if (conn_open(&c) != 0) {
            struct timespec ts = { 0, 100000 };

            if (waitpid(pid, &st, WNOHANG) == pid) {
                die("the server exited before answering");
            }
            nanosleep(&ts, NULL);
            continue;
        }
        if (!t_listen) {
            t_listen = now_s();
        }
        if (roundtrip(&c, &r) == 0 && c.status == 200) {
            t1 = now_s();
            break;
        }
    }
    kill(pid, SIGTERM);
    waitpid(pid, &st, 0);
    if (!t1) {
        die("no answer within 10 s");
    }
    printf("startup ms=%.2f listen_ms=%.2f\n", (t1 - t0) * 1e3,
           (t_listen - t0) * 1e3);
    conn_close(&c);
    free(c.in);
    free_req(&r);
    return 0;
}

/* ---- main ------------------------------------------------------------------------ */

int main(int argc, char **argv)
{
    int i;

    if (argc < 2) {
        fprintf(stderr, "usage: loadgen ingest|read|search|insights|kms|startup "
                "--port P [options] (see bench/loadgen.c)\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    O.mode = argv[1];
    for (i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;

        if (strcmp(a, "--") == 0) {
            O.cmd = argv + i + 1;
            break;
        }
        if (strcmp(a, "--create") == 0) {
            O.create = 1;
            continue;
        }
        if (strcmp(a, "--distinct") == 0) {
            O.distinct = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "loadgen: %s needs a value\n", a);
            return 2;
        }
        i++;
        if (strcmp(a, "--port") == 0) {
            O.port = (int)strtol(v, NULL, 10);
        } else if (strcmp(a, "--cpu") == 0) {
            O.cpu = (int)strtol(v, NULL, 10);
        } else if (strcmp(a, "--server-pid") == 0) {
            O.server_pid = strtol(v, NULL, 10);
        } else if (strcmp(a, "--port2") == 0) {
            O.port2 = (int)strtol(v, NULL, 10);
        } else if (strcmp(a, "--server-pid2") == 0) {
            O.server_pid2 = strtol(v, NULL, 10);
        } else if (strcmp(a, "--windows") == 0) {
            O.windows = (int)strtol(v, NULL, 10);
        } else if (strcmp(a, "--window-ms") == 0) {
            O.window_ms = strtol(v, NULL, 10);
        } else if (strcmp(a, "--seed") == 0) {
            O.seed = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--group") == 0) {
            O.group = v;
        } else if (strcmp(a, "--stream") == 0) {
            O.stream = v;
        } else if (strcmp(a, "--conns") == 0) {
            O.conns = (int)strtol(v, NULL, 10);
        } else if (strcmp(a, "--batch") == 0) {
            O.batch = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--seconds") == 0) {
            O.seconds = strtod(v, NULL);
        } else if (strcmp(a, "--events") == 0) {
            O.events = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--pattern") == 0) {
            O.pattern = v;
        } else if (strcmp(a, "--raw-bytes") == 0) {
            O.raw_bytes = strtod(v, NULL);
        } else if (strcmp(a, "--op") == 0) {
            O.op = v;
        } else if (strcmp(a, "--pool-mb") == 0) {
            O.pool_mb = strtoull(v, NULL, 10);
        } else if (strcmp(a, "--query") == 0) {
            O.query = v;
        } else if (strcmp(a, "--range-s") == 0) {
            O.range_s = strtol(v, NULL, 10);
        } else if (strcmp(a, "--poll-ms") == 0) {
            O.poll_ms = strtol(v, NULL, 10);
        } else if (strcmp(a, "--rps") == 0) {
            O.rps = strtod(v, NULL);
        } else if (strcmp(a, "--gen-events") == 0) {
            O.gen_events = strtoull(v, NULL, 10);
        } else {
            fprintf(stderr, "loadgen: unknown option %s\n", a);
            return 2;
        }
    }
    if (O.port <= 0) {
        die("--port is required");
    }
    if (strcmp(O.mode, "ingest") == 0) {
        if (!O.events && O.seconds <= 0) {
            die("ingest needs --events or --seconds");
        }
        if (O.rps > 0 && (O.events || O.seconds <= 0)) {
            die("ingest --rps needs --seconds, not --events");
        }
        return run_ingest();
    }
    if (strcmp(O.mode, "read") == 0) {
        return run_read();
    }
    if (strcmp(O.mode, "search") == 0) {
        return run_search();
    }
    if (strcmp(O.mode, "insights") == 0) {
        return run_insights();
    }
    if (strcmp(O.mode, "kms") == 0) {
        if (O.seconds <= 0) {
            O.seconds = 2;
        }
        return run_kms();
    }
    if (strcmp(O.mode, "kms-ab") == 0) {
        return run_kms_ab();
    }
    if (strcmp(O.mode, "startup") == 0) {
        return run_startup();
    }
    die("unknown mode");
    return 2;
}
