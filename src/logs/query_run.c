/*
 * query_run.c: the Logs Insights runner pool and its sweeper
 * (query_int.h).
 *
 * A runner thread takes the next query of its node's queue and runs it:
 *
 *   - Scheduled → Running in the store (not moved: cancelled, or failed
 *     by a sweeper meanwhile — nothing to do);
 *   - the query parsed again from the record (StartQuery parsed it once:
 *     any node may run what any node recorded);
 *   - for each group of the record (a group deleted since is skipped):
 *     its chunks overlapping the range, listed first (metadata only, so
 *     that no read cursor is held while progress is written), then each
 *     decrypted through the group's key as the Logs service principal
 *     with the group's encryption context (lv_datakey_open_chunk, as
 *     GetLogEvents and FilterLogEvents read; the session, which asks KMS
 *     once whether the key may still be used, is renewed at every
 *     heartbeat). A
 *     chunk that lacks one of the query's required literals
 *     (lv_iq_query_required) is counted as scanned but not fed. Events
 *     past the group's retention are never read. With diff
 *     (lv_iq_query_wants_previous) the period of the same length just
 *     before the range is fed too, with ev.previous set. The groups of
 *     the query's sub-queries (join, appendcols, in ( … );
 *     read_sub_groups) are read first, the same way, their events fed
 *     with ev.sub set. With `stats … offset d` (lv_iq_query_offset_ms)
 *     the query's own groups are read over the range d earlier;
 *   - every LV_QUERY_HEARTBEAT_MS its statistics and heartbeat
 *     (lv_store_insights_query_progress); an answer of 0 means the query
 *     is no longer Running (StopQuery, on any node): the run stops and
 *     writes nothing more. Past LV_QUERY_TIMEOUT_MS of runtime it ends
 *     Timeout;
 *   - the end: lv_iq_run_finish, the @ptr cursors of the rows signed,
 *     the rows packed (lv_query_results_pack) and sealed (query_seal.c),
 *     and
 *     lv_store_insights_query_finish Complete. A KMS key that can no
 *     longer be used (disabled, pending deletion, a key policy that no
 *     longer allows the Logs principal) makes the query Failed, with the
 *     AccessDeniedException text GetLogEvents would answer as its error;
 *     so does the engine's memory bound (LV_QUERY_MAX_BYTES).
 *
 * The run acts for the caller of StartQuery: an lv_req built here with
 * the caller's account, region and principal, the query id as request id
 * and no source address ("" — a call made inside logvault), which is all
 * lv_datakey_* and the KMS service call read from it.
 *
 * The sweeper is a ticker (every LV_QUERY_SWEEP_MS) under the store lease
 * "logs.insights": it fails queries whose runner died and expires
 * finished ones after LV_QUERY_KEEP_MS.
 */
#include "logs/query_int.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "app.h"
#include "crypto/keyring.h"
#include "insights/insights.h"
#include "logs/lookup_csv.h"
#include "logs/lookup_int.h"
#include "logs/chunk.h"
#include "logs/dataprot.h"
#include "logs/classes.h"
#include "logs/datakey.h"
#include "logs/fidx.h"
#include "logs/logs_int.h"
#include "store/insights_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"
#include "util/thread.h"
#include "util/ticker.h"

#define DAY_MS (24LL * 3600 * 1000)
/* Leading equalities a run checks against chunk indexes. */
#define LV_QUERY_MAX_EQS 8
#define SWEEP_LEASE "logs.insights"

struct job {
    struct lv_logs_queries *qs;     /* whose queue (after-commit hand-off) */
    char id[37];
    char account[13];
    char region[64];
    struct lv_principal who;
    struct job *next;
};

struct lv_logs_queries {
    struct lv_app *app;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct job *head, *tail;
    atomic_int stopping;
    pthread_t th[LV_QUERY_RUNNERS];
    int n_th;
    struct lv_ticker *sweeper;
    int lease;
};

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- one run ------------------------------------------------------------ */

enum stop_why { GO_ON = 0, CANCELLED, TIMED_OUT, NODE_STOPPING };

struct sname {
    int64_t id;
    char *name;
};

struct chunks {
    struct lv_log_chunk *c;
    size_t n, cap;
};

struct qrun {
    struct lv_logs_queries *qs;
    struct lv_req rq;
    struct lv_query_rec rec;
    struct lv_iq_query *q;
    struct lv_iq_run *run;
    struct lv_query_stats st;
    int64_t start_ms, end_ms;       /* inclusive */
    int64_t began_ms, beat_ms;
    const char *const *lits;
    const size_t *lens;
    size_t n_lits;
    /* the leading equalities (lv_iq_query_equalities) a chunk's field
     * index may prove absent, and the group's index key */
    struct lv_iq_eq *eqs;
    size_t n_eqs;
    struct lv_buf cix;
    uint8_t ikey[32];
    struct lv_buf payload;
    struct lv_buf stats;
    enum stop_why stop;
    /* the group being read */
    const struct lv_log_group *g;
    char log[LV_LOGS_MAX_NAME + 16];    /* @log: ACCOUNT:NAME */
    size_t log_len;
    struct sname *streams;          /* sorted by id */
    size_t n_streams, cap_streams;
    size_t sub;                     /* r8/iqsub: 0, or the group of
                                     * sub-query sub - 1 (ev.sub) */
    /* r8/lookup: the lookup tables the query reads, decrypted, and the
     * engine's view of each (lv_iq_run_set_table borrows them) */
    struct lv_csv *tables;
    struct lv_iq_table *views;
    size_t n_tables;
    /* The group's data protection policies (logs/dataprot.h): @message
     * is fed masked. NULL when nothing is masked. */
    struct lv_dp_set *mask;
    struct lv_buf masked;
};

static int sname_cmp(const void *a, const void *b)
{
    const struct sname *x = a;
    const struct sname *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static void streams_release(struct qrun *r)
{
    for (size_t i = 0; i < r->n_streams; i++) {
        free(r->streams[i].name);
    }
    free(r->streams);
    r->streams = NULL;
    r->n_streams = 0;
    r->cap_streams = 0;
}

static int stream_each(void *arg, const struct lv_log_stream *st)
{
    struct qrun *r = arg;

    if (r->n_streams == r->cap_streams) {
        r->cap_streams = r->cap_streams ? r->cap_streams * 2 : 16;
        r->streams = lv_xrealloc(r->streams,
                                 r->cap_streams * sizeof(*r->streams));
    }
    r->streams[r->n_streams].id = st->id;
    r->streams[r->n_streams].name = lv_xstrdup(st->name);
    r->n_streams++;
    return 0;
}

static const char *stream_name(const struct qrun *r, int64_t id)
{
    struct sname key = { id, NULL };
    const struct sname *s;

    if (r->n_streams == 0) {
        return "";
    }
    s = bsearch(&key, r->streams, r->n_streams, sizeof(*r->streams),
                sname_cmp);
    return s ? s->name : "";
}

static int chunk_each(void *arg, const struct lv_log_chunk *c)
{
    struct chunks *v = arg;

    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->c = lv_xrealloc(v->c, v->cap * sizeof(*v->c));
    }
    v->c[v->n++] = *c;
    return 0;
}

/* Heartbeat, timeout and node stop: sets r->stop. -1 on a store fault. */
static int beat(struct qrun *r, int force, struct lv_err *err)
{
    int64_t now = now_ms();
    int rc;

    if (atomic_load(&r->qs->stopping)) {
        r->stop = NODE_STOPPING;
        return 0;
    }
    if (now - r->began_ms > LV_QUERY_TIMEOUT_MS) {
        r->stop = TIMED_OUT;
        return 0;
    }
    r->rq.now_ms = now;
    r->rq.now = (time_t)(now / 1000);
    if (!force && now - r->beat_ms < LV_QUERY_HEARTBEAT_MS) {
        return 0;
    }
    r->beat_ms = now;
    lv_query_stats_json(&r->st, &r->stats);
    rc = lv_store_insights_query_progress(r->rq.store, r->rec.id,
                                          r->stats.data, now, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        r->stop = CANCELLED;
    }
    return 0;
}

/* 1 when every required literal is somewhere in the chunk's text. */
static int chunk_may_match(const struct qrun *r,
                           const struct lv_chunk_plain *p)
{
    for (size_t i = 0; i < r->n_lits; i++) {
        if (!memmem(p->data, p->len, r->lits[i], r->lens[i])) {
            return 0;
        }
    }
    return 1;
}

static void count_skipped(struct qrun *r, const struct lv_log_chunk *c)
{
    r->st.skipped_records += c->n_events;
    r->st.skipped_bytes += c->raw_bytes -
                           (int64_t)c->n_events * LV_CHUNK_EVENT_OVERHEAD;
}

/* 1 when the default field index @logStream (every Standard group's:
 * API_PutIndexPolicy.html) proves that chunk c, all of one stream, holds
 * no event of the stream an equality asks for. */
static int stream_skips(struct qrun *r, const struct lv_log_chunk *c)
{
    const char *stream;
    size_t len;

    if (!lv_logs_class_allows(r->g->log_group_class,
                              LV_FEAT_FIELD_INDEXES)) {
        return 0;
    }
    stream = stream_name(r, c->stream_id);
    len = strlen(stream);
    for (size_t i = 0; i < r->n_eqs; i++) {
        const struct lv_iq_eq *q = &r->eqs[i];
        size_t k;

        if (strcmp(q->field, "@logStream") != 0) {
            continue;
        }
        for (k = 0; k < q->n; k++) {
            if (q->lens[k] == len && memcmp(q->vals[k], stream, len) == 0) {
                break;
            }
        }
        if (k == q->n) {
            return 1;
        }
    }
    return 0;
}

/* 1 when chunk c's field index (if any), or the default @logStream index,
 * proves that no event of it satisfies one of the query's leading
 * equalities: the chunk is then counted as skipped, never decrypted. 0:
 * it must be read. -1 on a store fault. */
static int index_skips(struct qrun *r, const struct lv_log_chunk *c,
                       struct lv_err *err)
{
    int rc;

    /* The equalities are the query's own: a sub-query's group is read
     * whole. A masked group's messages are not what was indexed (the
     * index holds the values as ingested), so it is read whole too. */
    if (r->n_eqs == 0 || r->sub || r->mask) {
        return 0;
    }
    if (stream_skips(r, c)) {
        count_skipped(r, c);
        return 1;
    }
    rc = lv_store_logs_chunk_index_get(r->rq.store, c->id, &r->cix, err);
    if (rc <= 0) {
        return rc;
    }
    for (size_t i = 0; i < r->n_eqs; i++) {
        const struct lv_iq_eq *q = &r->eqs[i];
        size_t absent = 0;

        for (size_t k = 0; k < q->n; k++) {
            if (lv_fidx_may_hold(r->cix.data, r->cix.len, r->ikey, q->field,
                                 q->vals[k], q->lens[k]) != 0) {
                break;
            }
            absent++;
        }
        if (absent == q->n) {
            count_skipped(r, c);
            return 1;
        }
    }
    return 0;
}

/* Writes i in decimal at out (NUL-terminated): its length. Cheaper per
 * event than a printf of the whole cursor. */
static size_t put_index(char *out, size_t i)
{
    char tmp[24];
    size_t n = 0;

    do {
        tmp[n++] = (char)('0' + i % 10);
        i /= 10;
    } while (i);
    for (size_t k = 0; k < n; k++) {
        out[k] = tmp[n - 1 - k];
    }
    out[n] = '\0';
    return n;
}

/* Feeds the events of chunk c in [lo, hi] (inclusive). */
static int read_chunk(struct qrun *r, struct lv_datakey_session *ds,
                      const struct lv_log_chunk *c, int64_t lo, int64_t hi,
                      int previous, struct lv_err *err)
{
    struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
    struct lv_iq_event ev;
    struct lv_query_ptr ptr;
    char cursor[LV_QUERY_CURSOR_MAX];
    const char *stream = stream_name(r, c->stream_id);
    size_t head;
    int feed;
    int found;
    int ret = -1;

    found = index_skips(r, c, err);
    if (found != 0) {
        return found < 0 ? -1 : 0;
    }
    found = lv_datakey_open_chunk(ds, c, &r->payload, &plain, err);
    if (found <= 0) {
        /* 0: deleted by retention meanwhile, nothing to read. */
        return found;
    }
    /* the required literals are the query's own, not a sub-query's; a
     * masked message can hold a literal the original does not ("***"),
     * and the chunk's prefilter is on the original, so it is not used */
    feed = r->sub || r->mask ? 1 : chunk_may_match(r, &plain);
    memset(&ev, 0, sizeof(ev));
    ev.ingestion_ms = c->ingestion_time;
    ev.log = r->log;
    ev.log_len = r->log_len;
    ev.stream = stream;
    ev.stream_len = strlen(stream);
    ev.previous = previous;
    ev.sub = r->sub;
    /* The cursor's "G.C.F." is the chunk's; only the index changes. */
    ptr.group_id = c->group_id;
    ptr.chunk_id = c->id;
    ptr.first_ts = c->first_ts;
    ptr.idx = 0;
    lv_query_ptr_cursor(&ptr, cursor);
    head = strlen(cursor) - 1;
    for (size_t i = 0; i < plain.n; i++) {
        const struct lv_chunk_event *e = &plain.ev[i];

        if (e->ts < lo || e->ts > hi) {
            continue;
        }
        r->st.scanned++;
        r->st.bytes += (int64_t)e->len;
        if (!feed) {
            continue;
        }
        ev.ts = e->ts;
        ev.msg = e->msg;
        ev.msg_len = e->len;
        ev.unmasked = NULL;
        ev.unmasked_len = 0;
        if (lv_logs_mask(r->mask, c->ingestion_time, e->msg, e->len,
                         &r->masked)) {
            ev.msg = r->masked.data;
            ev.msg_len = r->masked.len;
            ev.unmasked = e->msg;
            ev.unmasked_len = e->len;
        }
        ev.ptr = cursor;
        ev.ptr_len = head + put_index(cursor + head, i);
        if (lv_iq_run_feed(r->run, &ev, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    lv_chunk_plain_release(&plain);
    return ret;
}

/* The group's events in [lo, hi] (inclusive). */
static int read_range(struct qrun *r, int64_t lo, int64_t hi, int previous,
                      struct lv_err *err)
{
    struct lv_datakey_session ds;
    struct chunks v = { 0 };
    int64_t session_ms = 0;
    int ret = -1;

    if (r->g->retention_days > 0 &&
        r->rq.now_ms - (int64_t)r->g->retention_days * DAY_MS > lo) {
        lo = r->rq.now_ms - (int64_t)r->g->retention_days * DAY_MS;
    }
    if (lo > hi) {
        return 0;
    }
    if (lv_store_logs_chunk_list_group(r->rq.store, r->g->id, lo,
                                       hi == INT64_MAX ? hi : hi + 1,
                                       chunk_each, &v, err) < 0) {
        goto out;
    }
    if (beat(r, 0, err) < 0) {
        goto out;
    }
    for (size_t i = 0; i < v.n && r->stop == GO_ON; i++) {
        /* A new session at every heartbeat: KMS is asked again whether
         * the Logs principal may still use the key, so a key disabled
         * (or a policy changed) while a long query runs stops it within
         * about a second, as it stops the next GetLogEvents. */
        if (i == 0 || session_ms != r->beat_ms) {
            lv_datakey_session_init(&ds, &r->rq, r->g);
            session_ms = r->beat_ms;
        }
        if (read_chunk(r, &ds, &v.c[i], lo, hi, previous, err) < 0 ||
            beat(r, 0, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    free(v.c);
    return ret;
}

/* Group ARN → the group, in the query's scope. 0 found, 1 gone. */
static int find_group(struct qrun *r, const char *arn, struct lv_log_group *g,
                      struct lv_err *err)
{
    const char *name = strstr(arn, ":log-group:");
    int found;

    if (!name) {
        return 1;
    }
    found = lv_store_logs_group_get(r->rq.store, r->rec.account,
                                    r->rec.region, name + 11, g, err);
    return found < 0 ? -1 : found ? 0 : 1;
}

/* Group g's events: the range (and diff's earlier period, for the
 * query's own groups). */
static int read_group(struct qrun *r, struct lv_log_group *g,
                      struct lv_err *err)
{
    int64_t prev_lo = 0;
    int64_t prev_hi = 0;
    int64_t off;
    int ret = -1;

    r->g = g;
    lv_fidx_group_key(r->rq.app->logs->keyring, g->id, r->ikey);
    r->log_len = (size_t)snprintf(r->log, sizeof(r->log), "%s:%s",
                                  g->account, g->name);
    streams_release(r);
    if (lv_store_logs_stream_list(r->rq.store, g->id, "", "", 0,
                                  stream_each, r, err) < 0) {
        goto out;
    }
    if (r->n_streams > 1) {
        qsort(r->streams, r->n_streams, sizeof(*r->streams), sname_cmp);
    }
    r->st.groups++;
    /* the group's data protection policies: its messages are fed masked */
    lv_dp_set_free(r->mask);
    r->mask = NULL;
    if (lv_dp_set_load(r->rq.store, g->account, g->region, g->id, &r->mask,
                       err) < 0) {
        goto out;
    }
    /* `stats … offset d` reads the query's own groups d earlier */
    off = r->sub ? 0 : lv_iq_query_offset_ms(r->q);
    if (read_range(r, r->start_ms - off, r->end_ms - off, 0, err) < 0) {
        goto out;
    }
    if (!r->sub &&
        lv_iq_query_previous_range(r->q, r->start_ms, r->end_ms, &prev_lo,
                                   &prev_hi) &&
        r->stop == GO_ON && read_range(r, prev_lo, prev_hi, 1, err) < 0) {
        goto out;
    }
    ret = 0;
out:
    r->g = NULL;
    return ret;
}

/*
 * r8/iqsub: the groups of the query's sub-queries (join, appendcols,
 * in ( … )), each fed before the query's own events with ev.sub set, as
 * insights.h asks. StartQuery checked that each exists in the caller's
 * account and region (the authorization a named group gets); one
 * deleted since is skipped, as the query's own groups are. Each is read
 * through its own key with its own encryption context (read_range), and
 * its events count in the statistics (scanned, bytes).
 */
static int read_sub_groups(struct qrun *r, struct lv_err *err)
{
    size_t n = lv_iq_query_n_subs(r->q);

    for (size_t i = 0; i < n && r->stop == GO_ON; i++) {
        const char *id = lv_iq_query_sub_group(r->q, i);
        const char *tail = strstr(id, ":log-group:");
        char name[LV_LOGS_MAX_NAME + 1];
        struct lv_log_group g;
        size_t len;
        int found;

        /* a name, or an ARN (StartQuery checked its account and region) */
        id = tail ? tail + 11 : id;
        len = strlen(id);
        if (tail && len >= 2 && strcmp(id + len - 2, ":*") == 0) {
            len -= 2;
        }
        if (len == 0 || len > LV_LOGS_MAX_NAME) {
            continue;
        }
        memcpy(name, id, len);
        name[len] = '\0';
        found = lv_store_logs_group_get(r->rq.store, r->rec.account,
                                        r->rec.region, name, &g, err);
        if (found < 0) {
            return -1;
        }
        if (found == 0) {
            continue;
        }
        r->sub = i + 1;
        found = read_group(r, &g, err);
        r->sub = 0;
        if (found < 0) {
            return -1;
        }
    }
    return 0;
}

static int read_groups(struct qrun *r, struct lv_err *err)
{
    json_t *arns = json_loads(r->rec.groups ? r->rec.groups : "[]", 0, NULL);
    size_t i;
    json_t *v;
    int ret = -1;

    if (!json_is_array(arns)) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "the query's record is damaged");
        goto out;
    }
    if (read_sub_groups(r, err) < 0) {
        goto out;
    }
    json_array_foreach(arns, i, v) {
        struct lv_log_group g;
        int rc;

        if (r->stop != GO_ON || !json_is_string(v)) {
            continue;
        }
        rc = find_group(r, json_string_value(v), &g, err);
        if (rc < 0) {
            goto out;
        }
        if (rc == 1) {
            continue;
        }
        if (read_group(r, &g, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    r->g = NULL;
    lv_dp_set_free(r->mask);
    r->mask = NULL;
    lv_secret_wipe(r->masked.data, r->masked.cap);
    lv_buf_release(&r->masked);
    json_decref(arns);
    return ret;
}

/* The end of a run that got through: results sealed and written. */
static int finish_complete(struct qrun *r, struct lv_err *err)
{
    struct lv_iq_result res;
    struct lv_buf json = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf sealed = LV_BUF_INIT(SIZE_MAX);
    int rc;
    int ret = -1;

    memset(&res, 0, sizeof(res));
    if (lv_iq_run_finish(r->run, &res, err) < 0) {
        goto out;
    }
    lv_query_ptr_sign(r->qs->app->keyring, r->rec.account, r->rec.region,
                      &res);
    r->st.matched = res.records_matched;
    if (lv_query_results_pack(&res, &json) < 0 ||
        lv_query_seal(r->qs->app->keyring, r->rec.account, r->rec.region,
                      r->rec.id, json.data, json.len, &sealed) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "the query's results cannot be sealed");
        goto out;
    }
    lv_query_stats_json(&r->st, &r->stats);
    rc = lv_store_insights_query_finish(r->rq.store, r->rec.id, "Complete",
                                        r->stats.data,
                                        (const uint8_t *)sealed.data,
                                        sealed.len, NULL, now_ms(), err);
    if (rc < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "logs: query %s query=%s scanned=%lld matched=%lld "
           "peak_bytes=%zu ms=%lld", rc ? "complete" : "cancelled",
           r->rec.id, (long long)r->st.scanned, (long long)r->st.matched,
           lv_iq_run_peak_bytes(r->run),
           (long long)(now_ms() - r->began_ms));
    ret = 0;
out:
    lv_secret_wipe(json.data, json.len);
    lv_buf_release(&json);
    lv_buf_release(&sealed);
    lv_iq_result_release(&res);
    return ret;
}

/* Any other end: Failed (why in `error`) or Timeout, no results. */
static void finish_other(struct qrun *r, const char *to, const char *why)
{
    struct lv_err err = LV_ERR_INIT;

    lv_query_stats_json(&r->st, &r->stats);
    if (lv_store_insights_query_finish(r->rq.store, r->rec.id, to,
                                       r->stats.data, NULL, 0, why,
                                       now_ms(), &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: query %s cannot be ended %s: %s",
               r->rec.id, to, err.msg);
        return;
    }
    lv_log(LV_LOG_INFO, "logs: query %s query=%s%s%s", to, r->rec.id,
           why ? " why=" : "", why ? why : "");
}

/* r8/lookup: the engine's view of a table (insights.h). */
static const char *view_header(const void *t, size_t c)
{
    return lv_csv_header(t, c);
}

static const char *view_cell(const void *t, size_t r, size_t c)
{
    return lv_csv_cell(t, r, c);
}

/*
 * r8/lookup: loads every lookup table the query names, as the Logs
 * service (through the table's KMS key if it has one), and hands each to
 * the run. A table that does not exist fails the query: "Queries that
 * reference a deleted table will return an error"
 * (API_DeleteLookupTable).
 */
static int load_tables(struct qrun *r, struct lv_err *err)
{
    size_t n = 0;

    while (lv_iq_query_table(r->q, n)) {
        n++;
    }
    if (n == 0) {
        return 0;
    }
    r->tables = lv_xcalloc(n, sizeof(*r->tables));
    r->views = lv_xcalloc(n, sizeof(*r->views));
    for (size_t i = 0; i < n; i++) {
        const char *name = lv_iq_query_table(r->q, i);
        int rc;

        lv_csv_init(&r->tables[i]);
        r->n_tables = i + 1;
        rc = lv_logs_lookup_load(&r->rq, name, &r->tables[i], err);
        if (rc < 0) {
            return -1;
        }
        if (rc == 0) {
            return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                              "The lookup table %s does not exist.", name);
        }
        r->views[i].n_cols = r->tables[i].n_cols;
        r->views[i].n_rows = r->tables[i].n_rows;
        r->views[i].header = view_header;
        r->views[i].cell = view_cell;
        r->views[i].t = &r->tables[i];
        if (lv_iq_run_set_table(r->run, name, &r->views[i], err) < 0) {
            return -1;
        }
    }
    return 0;
}

static void run_job(struct lv_logs_queries *qs, const struct job *jb)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_iq_run_opts o;
    struct qrun *r = lv_xcalloc(1, sizeof(*r));
    int found;
    int rc;

    r->qs = qs;
    r->rq.app = qs->app;
    r->rq.store = qs->app->store;
    snprintf(r->rq.id, sizeof(r->rq.id), "%s", jb->id);
    snprintf(r->rq.region, sizeof(r->rq.region), "%s", jb->region);
    r->rq.who = jb->who;
    r->began_ms = now_ms();
    r->beat_ms = r->began_ms;
    r->rq.now_ms = r->began_ms;
    r->rq.now = (time_t)(r->began_ms / 1000);
    lv_buf_init(&r->payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
    lv_buf_init(&r->masked, SIZE_MAX);
    lv_buf_init(&r->cix, 1 << 20);
    lv_buf_init(&r->stats, 4096);

    /* StartQuery hands the job over only after its row committed
     * (lv_logs_queries_submit_after_commit): the row is here, unless the
     * query was deleted since (its retention swept it). */
    found = lv_store_insights_query_get(r->rq.store, jb->account, jb->region,
                                        jb->id, 0, &r->rec, &err);
    if (found <= 0) {
        if (found < 0) {
            lv_log(LV_LOG_WARN, "logs: query %s cannot be read: %s", jb->id,
                   err.msg);
        }
        goto out;
    }
    rc = lv_store_insights_query_transition(r->rq.store, jb->id, "Scheduled",
                                            "Running", r->began_ms, &err);
    if (rc <= 0) {
        if (rc < 0) {
            lv_log(LV_LOG_WARN, "logs: query %s cannot start: %s", jb->id,
                   err.msg);
        }
        goto out;
    }
    if (lv_iq_parse(r->rec.query_string ? r->rec.query_string : "",
                    r->rec.query_string ? strlen(r->rec.query_string) : 0,
                    &r->q, &err) < 0) {
        finish_other(r, "Failed", err.msg);
        goto out;
    }
    r->n_lits = lv_iq_query_required(r->q, &r->lits, &r->lens);
    r->eqs = lv_xcalloc(LV_QUERY_MAX_EQS, sizeof(*r->eqs));
    r->n_eqs = lv_iq_query_equalities(r->q, r->eqs, LV_QUERY_MAX_EQS);
    r->start_ms = r->rec.start_time_s * 1000;
    r->end_ms = r->rec.end_time_s * 1000;
    memset(&o, 0, sizeof(o));
    o.start_ms = r->start_ms;
    o.end_ms = r->end_ms;
    o.now_ms = r->began_ms;
    o.limit = r->rec.limit > 0 ? (size_t)r->rec.limit
                               : LV_QUERY_DEFAULT_LIMIT;
    o.max_bytes = LV_QUERY_MAX_BYTES;
    r->run = lv_iq_run_new(r->q, &o);
    if (load_tables(r, &err) < 0 || beat(r, 1, &err) < 0 ||
        read_groups(r, &err) < 0) {
        finish_other(r, "Failed", err.msg);
        goto out;
    }
    switch (r->stop) {
    case GO_ON:
        if (finish_complete(r, &err) < 0) {
            finish_other(r, "Failed", err.msg);
        }
        break;
    case CANCELLED:
        lv_log(LV_LOG_INFO, "logs: query stopped query=%s", jb->id);
        break;
    case TIMED_OUT:
        finish_other(r, "Timeout", NULL);
        break;
    case NODE_STOPPING:
        finish_other(r, "Failed", "the node stopped while the query ran");
        break;
    }
out:
    streams_release(r);
    lv_iq_run_free(r->run);
    for (size_t i = 0; i < r->n_tables; i++) {
        lv_csv_release(&r->tables[i]);
    }
    free(r->tables);
    free(r->views);
    lv_iq_query_free(r->q);
    lv_query_rec_release(&r->rec);
    lv_buf_release(&r->payload);
    lv_buf_release(&r->cix);
    lv_secret_wipe(r->ikey, sizeof(r->ikey));
    free(r->eqs);
    lv_buf_release(&r->stats);
    free(r->rq.trace);
    free(r);
}

/* ---- the pool ----------------------------------------------------------- */

static void *runner(void *arg)
{
    struct lv_logs_queries *qs = arg;

    for (;;) {
        struct job *jb;

        pthread_mutex_lock(&qs->mu);
        while (!qs->head && !atomic_load(&qs->stopping)) {
            pthread_cond_wait(&qs->cv, &qs->mu);
        }
        if (atomic_load(&qs->stopping)) {
            pthread_mutex_unlock(&qs->mu);
            return NULL;
        }
        jb = qs->head;
        qs->head = jb->next;
        if (!qs->head) {
            qs->tail = NULL;
        }
        pthread_mutex_unlock(&qs->mu);
        run_job(qs, jb);
        free(jb);
    }
}

static struct job *job_new(struct lv_logs_queries *qs, const char *id,
                           const char *account, const char *region,
                           const struct lv_principal *who)
{
    struct job *jb = lv_xcalloc(1, sizeof(*jb));

    jb->qs = qs;
    snprintf(jb->id, sizeof(jb->id), "%s", id);
    snprintf(jb->account, sizeof(jb->account), "%s", account);
    snprintf(jb->region, sizeof(jb->region), "%s", region);
    jb->who = *who;
    return jb;
}

static void job_enqueue(void *arg)
{
    struct job *jb = arg;
    struct lv_logs_queries *qs = jb->qs;

    pthread_mutex_lock(&qs->mu);
    if (qs->tail) {
        qs->tail->next = jb;
    } else {
        qs->head = jb;
    }
    qs->tail = jb;
    pthread_cond_signal(&qs->cv);
    pthread_mutex_unlock(&qs->mu);
}

void lv_logs_queries_submit_after_commit(struct lv_logs_queries *qs,
                                         struct lv_store *store,
                                         const char *id, const char *account,
                                         const char *region,
                                         const struct lv_principal *who)
{
    if (!qs) {
        /* Not started (a unit test's service object): the sweeper of a
         * running node fails the query in time. */
        lv_log(LV_LOG_WARN, "logs: no runner for query=%s", id);
        return;
    }
    lv_store_after_commit(store, job_enqueue, free,
                          job_new(qs, id, account, region, who));
}

/* ---- the sweeper -------------------------------------------------------- */

struct stale {
    int64_t now;
    char (*ids)[37];
    size_t n, cap;
};

static int stale_each(void *arg, const struct lv_query_rec *q)
{
    struct stale *s = arg;

    /* A Scheduled query's heartbeat is its StartQuery: it may wait in a
     * live node's queue longer than a runner may go silent. */
    if (strcmp(q->status, "Scheduled") == 0 &&
        s->now - q->heartbeat_ms < LV_QUERY_QUEUED_MS) {
        return 0;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 16;
        s->ids = lv_xrealloc(s->ids, s->cap * sizeof(*s->ids));
    }
    snprintf(s->ids[s->n++], 37, "%s", q->id);
    return 0;
}

static void sweep(void *arg)
{
    struct lv_logs_queries *qs = arg;
    struct lv_store *store = qs->app->store;
    struct lv_err err = LV_ERR_INIT;
    struct stale s = { 0 };
    int64_t n = 0;

    if (!lv_store_lease_pass(store, SWEEP_LEASE, &qs->lease)) {
        return;
    }
    s.now = now_ms();
    if (lv_store_insights_query_stale(store, s.now - LV_QUERY_STALE_MS,
                                      stale_each, &s, &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: insights sweep failed: %s", err.msg);
    }
    for (size_t i = 0; i < s.n; i++) {
        int rc = lv_store_insights_query_transition(store, s.ids[i],
                                                    "Scheduled,Running",
                                                    "Failed", s.now, &err);
        if (rc > 0) {
            lv_log(LV_LOG_WARN, "logs: query failed, its runner is gone "
                   "query=%s", s.ids[i]);
        }
    }
    free(s.ids);
    if (lv_store_insights_query_expire(store, s.now - LV_QUERY_KEEP_MS, &n,
                                       &err) < 0) {
        lv_log(LV_LOG_WARN, "logs: insights expiry failed: %s", err.msg);
    } else if (n > 0) {
        lv_log(LV_LOG_INFO, "logs: insights expired queries=%lld",
               (long long)n);
    }
}

struct lv_logs_queries *lv_logs_queries_start(struct lv_app *app)
{
    struct lv_logs_queries *qs = lv_xcalloc(1, sizeof(*qs));

    qs->app = app;
    qs->lease = LV_STORE_LEASE_UNKNOWN;
    atomic_init(&qs->stopping, 0);
    pthread_mutex_init(&qs->mu, NULL);
    pthread_cond_init(&qs->cv, NULL);
    for (int i = 0; i < LV_QUERY_RUNNERS; i++) {
        if (pthread_create(&qs->th[i], NULL, runner, qs) != 0) {
            lv_log(LV_LOG_ERROR, "logs: cannot start an insights runner");
            lv_logs_queries_stop(qs);
            return NULL;
        }
        lv_thread_name(qs->th[i], "query");
        qs->n_th++;
    }
    qs->sweeper = lv_ticker_start("logs insights sweeper", LV_QUERY_SWEEP_MS,
                                  sweep, qs);
    if (!qs->sweeper) {
        lv_logs_queries_stop(qs);
        return NULL;
    }
    return qs;
}

void lv_logs_queries_stop(struct lv_logs_queries *qs)
{
    struct lv_err err = LV_ERR_INIT;
    struct job *jb;

    if (!qs) {
        return;
    }
    lv_ticker_stop(qs->sweeper);
    pthread_mutex_lock(&qs->mu);
    atomic_store(&qs->stopping, 1);
    pthread_cond_broadcast(&qs->cv);
    pthread_mutex_unlock(&qs->mu);
    for (int i = 0; i < qs->n_th; i++) {
        pthread_join(qs->th[i], NULL);
    }
    /* What never ran ends now, rather than waiting for another node's
     * sweeper. */
    while ((jb = qs->head) != NULL) {
        qs->head = jb->next;
        if (lv_store_insights_query_transition(qs->app->store, jb->id,
                                               "Scheduled", "Failed",
                                               now_ms(), &err) < 0) {
            lv_log(LV_LOG_WARN, "logs: query %s cannot be ended: %s",
                   jb->id, err.msg);
        }
        free(jb);
    }
    pthread_cond_destroy(&qs->cv);
    pthread_mutex_destroy(&qs->mu);
    free(qs);
}
