/*
 * anomaly_run.c: the evaluator of log anomaly detectors (anomaly_int.h).
 *
 * Every tick, on the one node holding the store lease "logs.anomaly",
 * each detector whose next window has ended (next_ms <= now) evaluates
 * its windows in order, up to LV_ANOMALY_CATCH_UP a tick:
 *   1. The window's events, [end - window, end), are read from each of
 *      its log groups through FilterLogEvents itself
 *      (lv_logs_op_filter_log_events, with the detector's filterPattern,
 *      as the detector's owner — so an encrypted group is read through
 *      its key as the Logs service principal, as every read is), at most
 *      LV_ANOMALY_MAX_EVENTS a window.
 *   2. Each event's message becomes a pattern the way Insights' pattern
 *      command starts (insights/pattern.c, steps 1 to 3): the first 1,500
 *      bytes, tokens at white space, a token holding a digit dynamic
 *      (<*>); equal token sequences are one pattern. Its id is 32 hex
 *      digits of a hash of the pattern string. (pattern.c's merging of
 *      near templates is not applied: its public interface is the query
 *      command's, which needs a whole query run.)
 *   3. Each pattern of the window, and each pattern of the baseline, is
 *      judged by anomaly_rule.h against its baseline (its counts in the
 *      previous windows, up to LV_ANOMALY_BASELINE). An anomaly is
 *      written (one per detector and pattern: its anomalyId, firstSeen
 *      and suppression kept across windows; lastSeen, priority,
 *      description, histogram — count per window start — and up to 5 log
 *      samples of the window updated). A pattern whose anomaly is in the
 *      Baseline state raises nothing more.
 *   4. The window's counts join the baseline; windows and lastWindowEnd
 *      move on. The detector's document (its status, from windows) is
 *      written once the tick's windows are done, after their anomalies,
 *      each write a commit of its own: a reader may see an anomaly before
 *      the status that follows it (3202 waits for it).
 * Events that arrive after their window was evaluated are not counted.
 * A detector whose KMS key the Logs service can no longer use evaluates
 * nothing until it can (lv_logs_anomaly_key_check); with a key, the
 * pattern strings it keeps and its anomalies' patterns and samples are
 * sealed under its data key at rest (anomaly_seal.c).
 */
#include "logs/anomaly_int.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "logs/anomaly_rule.h"
#include "logs/logs.h"
#include "store/anomaly_store.h"
#include "store/store.h"
#include "svc/req.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/ticker.h"

#define ANOMALY_LEASE "logs.anomaly"
#define LV_ANOMALY_CATCH_UP 20
#define LV_ANOMALY_MAX_EVENTS 10000
#define MAX_PATTERNS 1000
#define MAX_SAMPLES 5
#define TEXT_MAX 1500
#define TICK_MS 10000

struct lv_logs_anomaly {
    struct lv_app *app;
    struct lv_ticker *ticker;
    int lease;
};

static atomic_llong test_window_ms;

static int64_t real_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int lv_logs_anomaly_test_mode(void)
{
    return atomic_load(&test_window_ms) > 0;
}

int64_t lv_logs_anomaly_window_ms(const char *f)
{
    static const struct { const char *name; int64_t ms; } freqs[] = {
        { "ONE_MIN", 60000 }, { "FIVE_MIN", 300000 },
        { "TEN_MIN", 600000 }, { "FIFTEEN_MIN", 900000 },
        { "THIRTY_MIN", 1800000 }, { "ONE_HOUR", 3600000 },
    };

    for (size_t i = 0; f && i < sizeof(freqs) / sizeof(freqs[0]); i++) {
        if (strcmp(f, freqs[i].name) == 0) {
            return lv_logs_anomaly_test_mode() ? atomic_load(&test_window_ms)
                                               : freqs[i].ms;
        }
    }
    return -1;
}

/* One pattern of a window. */
struct pat {
    char id[33];
    char *text;
    int64_t count;
    json_t *samples;
};

struct window {
    struct pat *p;
    size_t n, cap;
    int64_t events;
};

static void hash_hex(const char *s, char out[33])
{
    uint64_t a = 1469598103934665603ULL, b = 1099511628211ULL ^ 0x9e37ULL;

    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        a = (a ^ *c) * 1099511628211ULL;
        b = (b ^ *c) * 0x100000001b3ULL + 0x9e3779b97f4a7c15ULL;
    }
    snprintf(out, 33, "%016llx%016llx", (unsigned long long)a,
             (unsigned long long)b);
}

/* The pattern string of a message (pattern.c's steps 1 to 3). */
static char *pattern_of(const char *msg)
{
    struct lv_buf out = LV_BUF_INIT(TEXT_MAX * 2);
    size_t n = strlen(msg), i = 0;

    if (n > TEXT_MAX) {
        n = TEXT_MAX;
    }
    while (i < n) {
        size_t j;
        int digit = 0;

        while (i < n && (msg[i] == ' ' || msg[i] == '\t' || msg[i] == '\n' ||
                         msg[i] == '\r')) {
            i++;
        }
        j = i;
        while (j < n && msg[j] != ' ' && msg[j] != '\t' && msg[j] != '\n' &&
               msg[j] != '\r') {
            digit |= msg[j] >= '0' && msg[j] <= '9';
            j++;
        }
        if (j > i) {
            if (out.len) {
                lv_buf_addc(&out, ' ');
            }
            if (digit) {
                lv_buf_adds(&out, "<*>");
            } else {
                lv_buf_add(&out, msg + i, j - i);
            }
        }
        i = j;
    }
    lv_buf_addc(&out, '\0');
    return out.data;
}

static void add_event(struct window *w, const char *msg, int64_t ts)
{
    char *text = pattern_of(msg);
    char id[33];
    struct pat *p = NULL;

    w->events++;
    hash_hex(text, id);
    for (size_t i = 0; i < w->n; i++) {
        if (strcmp(w->p[i].id, id) == 0) {
            p = &w->p[i];
            break;
        }
    }
    if (!p) {
        if (w->n >= MAX_PATTERNS) {
            free(text);
            return;
        }
        if (w->n == w->cap) {
            w->cap = w->cap ? w->cap * 2 : 16;
            w->p = lv_xrealloc(w->p, w->cap * sizeof(*w->p));
        }
        p = &w->p[w->n++];
        memset(p, 0, sizeof(*p));
        memcpy(p->id, id, 33);
        p->text = text;
        p->samples = json_array();
        text = NULL;
    }
    free(text);
    p->count++;
    if (json_array_size(p->samples) < MAX_SAMPLES) {
        json_array_append_new(p->samples, json_pack("{s:I, s:s}",
                                                    "timestamp",
                                                    (json_int_t)ts,
                                                    "message", msg));
    }
}

static void window_release(struct window *w)
{
    for (size_t i = 0; i < w->n; i++) {
        free(w->p[i].text);
        json_decref(w->p[i].samples);
    }
    free(w->p);
    memset(w, 0, sizeof(*w));
}

static void owner_req(struct lv_logs_anomaly *a,
                      const struct lv_anomaly_det *d, const json_t *doc,
                      struct lv_req *rq)
{
    const json_t *o = lv_json_obj(doc, "owner");
    const char *v;

    memset(rq, 0, sizeof(*rq));
    rq->app = a->app;
    rq->store = a->app->store;
    lv_uuid4(rq->id);
    rq->now_ms = real_ms();
    rq->now = (time_t)(rq->now_ms / 1000);
    snprintf(rq->region, sizeof(rq->region), "%s", d->region);
    snprintf(rq->who.account, sizeof(rq->who.account), "%s", d->account);
#define OWN(key, field)                                                      \
    if ((v = lv_json_str(o, key)) != NULL) {                                 \
        snprintf(rq->who.field, sizeof(rq->who.field), "%s", v);             \
    }
    OWN("accessKey", access_key)
    OWN("user", user)
    OWN("arn", arn)
    OWN("service", service)
#undef OWN
}

/* The events of one group in [start, end) into w: 0, or -1 (logged). */
static int read_group(struct lv_req *rq, const char *group, const char *pat,
                      int64_t start, int64_t end, struct window *w)
{
    char *token = NULL;
    int ret = 0;

    for (int page = 0; page < 100 && w->events < LV_ANOMALY_MAX_EVENTS;
         page++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_buf out = LV_BUF_INIT(64u << 20);
        struct lv_jw jw;
        json_t *in = json_pack("{s:s, s:I, s:I}", "logGroupIdentifier",
                               group, "startTime", (json_int_t)start,
                               "endTime", (json_int_t)(end - 1));
        json_t *res = NULL;
        size_t i;
        const json_t *ev;
        int rc;

        if (pat && pat[0]) {
            json_object_set_new(in, "filterPattern", json_string(pat));
        }
        if (token) {
            json_object_set_new(in, "nextToken", json_string(token));
        }
        lv_jw_init(&jw, &out);
        lv_jw_obj_open(&jw);
        rc = lv_logs_op_filter_log_events(rq, in, &jw, &err);
        lv_jw_obj_close(&jw);
        json_decref(in);
        free(token);
        token = NULL;
        if (rc < 0 || lv_jw_finish(&jw) < 0 ||
            !(res = json_loadb(out.data, out.len, 0, NULL))) {
            lv_log(LV_LOG_WARN, "logs: anomaly detector cannot read a "
                   "group: %s", err.msg);
            lv_buf_release(&out);
            free(rq->trace);
            rq->trace = NULL;
            ret = -1;
            break;
        }
        json_array_foreach(json_object_get(res, "events"), i, ev) {
            int64_t ts = 0;
            const char *m = lv_json_str(ev, "message");

            lv_json_int64(ev, "timestamp", &ts);
            if (m && ts >= start && ts < end &&
                w->events < LV_ANOMALY_MAX_EVENTS) {
                add_event(w, m, ts);
            }
        }
        if (lv_json_str(res, "nextToken")) {
            token = lv_xstrdup(lv_json_str(res, "nextToken"));
        }
        json_decref(res);
        lv_buf_release(&out);
        if (!token) {
            break;
        }
    }
    free(token);
    return ret;
}

static const char *describe(enum lv_anomaly_kind k)
{
    switch (k) {
    case LV_ANOMALY_NEW_PATTERN:
        return "A new log pattern appeared.";
    case LV_ANOMALY_SPIKE:
        return "The pattern's frequency rose far above its baseline.";
    default:
        return "The pattern's frequency fell far below its baseline.";
    }
}

struct found {
    const char *pattern_id;
    char *doc;
};

static int found_each(void *arg, const struct lv_anomaly_row *r)
{
    struct found *f = arg;

    if (strcmp(r->pattern_id, f->pattern_id) == 0) {
        f->doc = lv_xstrdup(r->doc ? r->doc : "{}");
        return 1;
    }
    return 0;
}

/* The pattern tokens of a pattern string, in the PatternToken shape. */
static json_t *tokens_of(const char *text)
{
    json_t *arr = json_array();
    char *copy = lv_xstrdup(text);
    char *save = NULL;
    int dyn = 0;

    for (char *t = strtok_r(copy, " ", &save); t;
         t = strtok_r(NULL, " ", &save)) {
        int is_dyn = strcmp(t, "<*>") == 0;

        json_array_append_new(arr, json_pack(
            "{s:i, s:b, s:s}", "dynamicTokenPosition", is_dyn ? ++dyn : 0,
            "isDynamic", is_dyn, "tokenString", t));
    }
    free(copy);
    return arr;
}

/* Writes (or refreshes) the anomaly of pattern p; 1 when the pattern is
 * in the Baseline state (nothing raised). */
static int raise_anomaly(struct lv_store *store,
                         const struct lv_anomaly_key *k,
                         const struct lv_anomaly_det *d,
                         const json_t *ddoc, const char *pid,
                         const char *text, const json_t *samples,
                         int64_t count, int64_t wstart, int64_t wend,
                         const struct lv_anomaly_verdict *v)
{
    static const char *const from_events[] = {
        "patternString", "patternTokens", "logSamples", NULL,
    };
    struct lv_err err = LV_ERR_INIT;
    struct found f = { pid, NULL };
    struct lv_anomaly_row row;
    json_t *doc;
    json_t *hist;
    char arn[LV_ANOMALY_ARN_MAX];
    char what[64];
    char key[24];
    const char *state;
    int baseline = 0;

    if (lv_store_anomaly_list(store, d->account, d->region, d->id, 100000,
                              found_each, &f, &err) < 0) {
        return 0;
    }
    doc = f.doc ? json_loads(f.doc, 0, NULL) : NULL;
    free(f.doc);
    snprintf(what, sizeof(what), "anomaly/%s", pid);
    if (json_is_object(doc) &&
        lv_logs_anomaly_unseal(k, d->id, what, doc, &err) < 0) {
        /* Logged; the anomaly is left as it is rather than replaced. */
        json_decref(doc);
        return 0;
    }
    if (!json_is_object(doc)) {
        char uuid[37];

        json_decref(doc);
        doc = json_object();
        lv_uuid4(uuid);
        lv_logs_anomaly_arn(d->region, d->account, d->id, arn);
        json_object_set_new(doc, "anomalyId", json_string(uuid));
        json_object_set_new(doc, "patternId", json_string(pid));
        json_object_set_new(doc, "anomalyDetectorArn", json_string(arn));
        json_object_set_new(doc, "patternString", json_string(text));
        json_object_set_new(doc, "firstSeen", json_integer(wstart));
        json_object_set_new(doc, "histogram", json_object());
        json_object_set_new(doc, "patternTokens", tokens_of(text));
        json_object_set(doc, "logGroupArnList",
                        json_object_get(ddoc, "logGroupArnList"));
        json_object_set_new(doc, "state", json_string("Active"));
        json_object_set_new(doc, "suppressed", json_false());
    }
    state = lv_json_str(doc, "state");
    baseline = state && strcmp(state, "Baseline") == 0;
    if (baseline) {
        json_decref(doc);
        return baseline;
    }
    json_object_set_new(doc, "lastSeen", json_integer(wend));
    json_object_set_new(doc, "priority", json_string(v->priority));
    json_object_set_new(doc, "description", json_string(describe(v->kind)));
    hist = json_object_get(doc, "histogram");
    snprintf(key, sizeof(key), "%lld", (long long)wstart);
    json_object_set_new(hist, key, json_integer(count));
    json_object_set(doc, "logSamples", samples ? (json_t *)samples
                                               : json_array());
    lv_logs_anomaly_seal(k, d->id, what, doc, from_events);
    memset(&row, 0, sizeof(row));
    snprintf(row.account, sizeof(row.account), "%s", d->account);
    snprintf(row.region, sizeof(row.region), "%s", d->region);
    snprintf(row.detector, sizeof(row.detector), "%s", d->id);
    snprintf(row.pattern_id, sizeof(row.pattern_id), "%s", pid);
    row.doc = json_dumps(doc, JSON_COMPACT);
    if (lv_store_anomaly_put(store, &row, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: anomaly not recorded: %s", err.msg);
    }
    free(row.doc);
    json_decref(doc);
    return 0;
}

/* The counts of a baseline entry into base[]; its length. */
static size_t base_of(const json_t *arr, int64_t *base)
{
    size_t i, n = 0;
    const json_t *v;

    json_array_foreach(arr, i, v) {
        if (n < LV_ANOMALY_BASELINE) {
            base[n++] = json_integer_value(v);
        }
    }
    return n;
}

static void push_count(json_t *baseline, const char *pid, int64_t count,
                       int64_t windows)
{
    json_t *arr = json_object_get(baseline, pid);

    if (!arr) {
        arr = json_array();
        /* A pattern new to the baseline was 0 in every window before. */
        for (int64_t i = 0; i < windows && i < LV_ANOMALY_BASELINE - 1;
             i++) {
            json_array_append_new(arr, json_integer(0));
        }
        json_object_set_new(baseline, pid, arr);
    }
    json_array_append_new(arr, json_integer(count));
    while (json_array_size(arr) > LV_ANOMALY_BASELINE) {
        json_array_remove(arr, 0);
    }
}

static void evaluate_window(struct lv_logs_anomaly *a,
                            const struct lv_anomaly_key *k,
                            const struct lv_anomaly_det *d, json_t *doc,
                            int64_t win)
{
    struct lv_req rq;
    struct window w = { 0 };
    json_t *baseline = json_object_get(doc, "baseline");
    json_t *texts = json_object_get(doc, "patterns");
    const char *pat = lv_json_str(doc, "filterPattern");
    int64_t end = d->next_ms, start = end - win;
    int64_t windows = 0;
    int64_t base[LV_ANOMALY_BASELINE];
    struct lv_anomaly_verdict v;
    size_t i;
    const json_t *g;
    const char *pid;
    json_t *arr;

    if (!json_is_object(baseline)) {
        baseline = json_object();
        json_object_set_new(doc, "baseline", baseline);
    }
    if (!json_is_object(texts)) {
        texts = json_object();
        json_object_set_new(doc, "patterns", texts);
    }
    lv_json_int64(doc, "windows", &windows);
    owner_req(a, d, doc, &rq);
    json_array_foreach(json_object_get(doc, "logGroupArnList"), i, g) {
        if (json_is_string(g)) {
            read_group(&rq, json_string_value(g), pat, start, end, &w);
        }
    }
    free(rq.trace);
    /* The window's patterns. */
    for (i = 0; i < w.n; i++) {
        size_t n = base_of(json_object_get(baseline, w.p[i].id), base);

        /* A pattern not in the baseline: zeros for the windows seen. */
        if (!json_object_get(baseline, w.p[i].id)) {
            n = (size_t)(windows < LV_ANOMALY_BASELINE ? windows
                                                       : LV_ANOMALY_BASELINE);
            memset(base, 0, n * sizeof(*base));
        }
        if (lv_anomaly_judge(base, n, w.p[i].count, &v)) {
            raise_anomaly(a->app->store, k, d, doc, w.p[i].id, w.p[i].text,
                          w.p[i].samples, w.p[i].count, start, end, &v);
        }
    }
    /* The baseline's patterns absent from the window: drops. */
    json_object_foreach(baseline, pid, arr) {
        int here = 0;

        for (i = 0; i < w.n && !here; i++) {
            here = strcmp(w.p[i].id, pid) == 0;
        }
        if (!here && lv_json_str(texts, pid) &&
            lv_anomaly_judge(base, base_of(arr, base), 0, &v)) {
            raise_anomaly(a->app->store, k, d, doc, pid,
                          lv_json_str(texts, pid), NULL, 0, start, end,
                          &v);
        }
    }
    /* The window joins the baseline. */
    {
        void *tmp;

        json_object_foreach_safe(baseline, tmp, pid, arr) {
            int here = 0;

            for (i = 0; i < w.n && !here; i++) {
                here = strcmp(w.p[i].id, pid) == 0;
            }
            if (!here) {
                push_count(baseline, pid, 0, windows);
            }
        }
    }
    for (i = 0; i < w.n; i++) {
        push_count(baseline, w.p[i].id, w.p[i].count, windows);
        json_object_set_new(texts, w.p[i].id, json_string(w.p[i].text));
    }
    json_object_set_new(doc, "windows", json_integer(windows + 1));
    json_object_set_new(doc, "lastWindowEnd", json_integer(end));
    window_release(&w);
}

struct due {
    struct lv_anomaly_det *d;
    size_t n, cap;
};

static int due_each(void *arg, const struct lv_anomaly_det *d)
{
    struct due *u = arg;

    if (u->n == u->cap) {
        u->cap = u->cap ? u->cap * 2 : 16;
        u->d = lv_xrealloc(u->d, u->cap * sizeof(*u->d));
    }
    u->d[u->n] = *d;
    u->d[u->n].doc = lv_xstrdup(d->doc ? d->doc : "");
    u->n++;
    return 0;
}

static void evaluate(struct lv_logs_anomaly *a, struct lv_anomaly_det *d,
                     int64_t now)
{
    static const char *const detector_texts[] = { "patterns", NULL };
    struct lv_anomaly_key k;
    struct lv_err err = LV_ERR_INIT;
    json_t *doc = json_loads(d->doc, 0, NULL);
    int64_t win = lv_logs_anomaly_window_ms(
        lv_json_str(doc, "evaluationFrequency"));

    if (!json_is_object(doc) || win <= 0) {
        json_decref(doc);
        return;
    }
    /* A detector with a KMS key writes findings only while the Logs
     * service may still use the key: while it may not, no window is
     * evaluated (nothing written in clear instead), and the windows due
     * are caught up once it may again. */
    {
        struct lv_req krq;
        int refused;

        owner_req(a, d, doc, &krq);
        refused = lv_logs_anomaly_key_check(&krq, d->id, doc,
                                            "GenerateDataKey", &err) < 0 ||
                  lv_logs_anomaly_key_open(&krq, d->id, doc, &k, &err) < 0;
        free(krq.trace);
        if (refused) {
            lv_log(LV_LOG_WARN, "logs: anomaly detector paused, its kms key "
                   "cannot be used: %s", err.msg);
            json_decref(doc);
            return;
        }
    }
    /* The patterns seen so far, sealed at rest under the data key. */
    if (lv_logs_anomaly_unseal(&k, d->id, "patterns", doc, &err) < 0) {
        lv_logs_anomaly_key_wipe(&k);
        json_decref(doc);
        return;
    }
    for (int i = 0; i < LV_ANOMALY_CATCH_UP && d->next_ms <= now; i++) {
        evaluate_window(a, &k, d, doc, win);
        d->next_ms += win;
    }
    lv_logs_anomaly_seal(&k, d->id, "patterns", doc, detector_texts);
    lv_logs_anomaly_key_wipe(&k);
    free(d->doc);
    d->doc = json_dumps(doc, JSON_COMPACT);
    if (lv_store_anomaly_det_update(a->app->store, d, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: anomaly detector not updated: %s",
               err.msg);
    }
    json_decref(doc);
}

static void tick(void *arg)
{
    struct lv_logs_anomaly *a = arg;
    struct lv_err err = LV_ERR_INIT;
    struct due u = { 0 };
    int64_t now;

    if (!lv_store_lease_pass(a->app->store, ANOMALY_LEASE, &a->lease)) {
        return;
    }
    now = real_ms();
    if (lv_store_anomaly_det_due(a->app->store, now, 100, due_each, &u,
                                 &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: anomaly detectors unreadable: %s",
               err.msg);
    }
    for (size_t i = 0; i < u.n; i++) {
        evaluate(a, &u.d[i], now);
        lv_anomaly_det_release(&u.d[i]);
    }
    free(u.d);
}

struct lv_logs_anomaly *lv_logs_anomaly_start(struct lv_app *app)
{
    struct lv_logs_anomaly *a = lv_xcalloc(1, sizeof(*a));
    const char *env = getenv("LOGVAULT_TEST_ANOMALY_WINDOW_MS");
    int tick_ms = TICK_MS;

    a->app = app;
    a->lease = LV_STORE_LEASE_UNKNOWN;
    if (env) {
        long ms = strtol(env, NULL, 10);

        if (ms >= 100 && ms <= 60000) {
            atomic_store(&test_window_ms, ms);
            tick_ms = (int)(ms / 2);
            lv_log(LV_LOG_WARN, "logs: anomaly windows of %ld ms "
                   "(LOGVAULT_TEST_ANOMALY_WINDOW_MS: tests only)", ms);
        }
    }
    a->ticker = lv_ticker_start("logs anomaly evaluator", tick_ms, tick, a);
    if (!a->ticker) {
        free(a);
        return NULL;
    }
    return a;
}

void lv_logs_anomaly_stop(struct lv_logs_anomaly *a)
{
    if (!a) {
        return;
    }
    lv_ticker_stop(a->ticker);
    free(a);
}
