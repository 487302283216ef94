/*
 * query_record.c: GetLogRecord and GetLogGroupFields — reading single
 * events and the fields of a group for Logs Insights. Both read chunks as
 * every Logs read does: through the group's key, as the Logs service
 * principal with the group's encryption context (lv_datakey_open_chunk),
 * so a KMS key that can no longer be used answers the
 * AccessDeniedException of GetLogEvents.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_GetLogRecord.html, API_GetLogGroupFields.html
 *
 * GetLogRecord takes the @ptr of a result row (query_int.h: signed for the
 * account and Region; a forged, altered or foreign pointer is
 * InvalidParameterException "The specified logRecordPointer is invalid.")
 * and answers every field of the event as text: @timestamp and
 * @ingestionTime in epoch ms, @log ("ACCOUNT:GROUP"), @logStream,
 * @message, and every field discovered in the message (the engine's
 * lv_iq_discover, their values through a `fields` query of the engine
 * over that one event, so that they read as a query would show them). An
 * event that is gone (its group deleted, retention) is
 * ResourceNotFoundException. @message (and the fields discovered in it)
 * are masked under the group's data protection policies unless unmask is
 * asked for and allowed (logs/dataprot.h).
 *
 * GetLogGroupFields reads the events of the 15 minutes up to now, or of
 * time ± 8 minutes ("the 8 minutes before and 8 minutes after this time
 * are searched"), at most FIELDS_BUDGET raw bytes of them (a sample, as
 * the percentages are), and answers the system fields @ingestionTime,
 * @timestamp, @message, @logStream and @log (every event has them: 100)
 * then the discovered ones, "sorted by the frequency percentage, starting
 * with the highest percentage" (then by name). No event in the window:
 * an empty list.
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "insights/insights.h"
#include "logs/chunk.h"
#include "logs/dataprot.h"
#include "logs/classes.h"
#include "logs/datakey.h"
#include "logs/query_int.h"
#include "store/logs_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define FIELDS_BUDGET (64LL * 1024 * 1024)
#define FIELDS_MAX_NAMES 1000
#define WINDOW_MS (15LL * 60 * 1000)
#define HALF_WINDOW_MS (8LL * 60 * 1000)

static const char bad_ptr[] = "The specified logRecordPointer is invalid.";
static const char no_record[] = "The specified log record does not exist.";

/* ---- GetLogRecord ------------------------------------------------------- */

struct find_chunk {
    int64_t id;
    struct lv_log_chunk c;
    int found;
};

static int find_chunk_each(void *arg, const struct lv_log_chunk *c)
{
    struct find_chunk *f = arg;

    if (c->id == f->id) {
        f->c = *c;
        f->found = 1;
        return 1;
    }
    return 0;
}

struct find_stream {
    int64_t id;
    char name[LV_LOGS_MAX_NAME + 1];
    int found;
};

static int find_stream_each(void *arg, const struct lv_log_stream *st)
{
    struct find_stream *f = arg;

    if (st->id == f->id) {
        snprintf(f->name, sizeof(f->name), "%s", st->name);
        f->found = 1;
        return 1;
    }
    return 0;
}

/* Collects discovered names into a `fields` query: "fields `a`, `b`". */
struct names_q {
    struct lv_buf q;
    size_t n;
};

static int names_q_each(void *arg, const char *name, size_t len)
{
    struct names_q *nq = arg;

    /* A name with a backquote cannot be quoted: left out. */
    if (len == 0 || memchr(name, '`', len)) {
        return 0;
    }
    lv_buf_adds(&nq->q, nq->n ? ", `" : "fields `");
    lv_buf_add(&nq->q, name, len);
    lv_buf_addc(&nq->q, '`');
    nq->n++;
    return 0;
}

/* The discovered fields of one event, as a query shows them, written as
 * members of the open object. */
static void write_discovered(struct lv_jw *w, const struct lv_iq_event *ev)
{
    struct names_q nq = { LV_BUF_INIT(1024 * 1024), 0 };
    struct lv_iq_query *q = NULL;
    struct lv_iq_run *run = NULL;
    struct lv_iq_result res;
    struct lv_iq_run_opts o;
    struct lv_err err = LV_ERR_INIT;

    memset(&res, 0, sizeof(res));
    lv_iq_discover(ev->msg, ev->msg_len, names_q_each, &nq);
    if (nq.n == 0 || lv_iq_parse(nq.q.data, nq.q.len, &q, &err) < 0) {
        goto out;
    }
    memset(&o, 0, sizeof(o));
    o.start_ms = ev->ts;
    o.end_ms = ev->ts;
    o.now_ms = ev->ts;
    o.limit = 1;
    o.max_bytes = LV_QUERY_MAX_BYTES;
    run = lv_iq_run_new(q, &o);
    if (lv_iq_run_feed(run, ev, &err) < 0 ||
        lv_iq_run_finish(run, &res, &err) < 0 || res.n == 0) {
        goto out;
    }
    for (size_t i = 0; i < res.rows[0].n; i++) {
        const struct lv_iq_result_field *f = &res.rows[0].f[i];

        if (f->name[0] != '@' && f->value) {
            lv_jw_kstr(w, f->name, f->value);
        }
    }
out:
    lv_iq_result_release(&res);
    lv_iq_run_free(run);
    lv_iq_query_free(q);
    lv_secret_wipe(nq.q.data, nq.q.len);
    lv_buf_release(&nq.q);
}

int lv_logs_op_get_log_record(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    const char *ptr_text = NULL;
    struct lv_query_ptr ptr;
    struct lv_log_group g;
    struct find_chunk fc;
    struct find_stream fs;
    struct lv_datakey_session ds;
    struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
    struct lv_buf payload;
    struct lv_buf masked;
    struct lv_dp_set *mask = NULL;
    struct lv_iq_event ev;
    char log[LV_LOGS_MAX_NAME + 16];
    char num[32];
    int unmask = 0;
    int found;
    int ret = -1;

    lv_buf_init(&payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
    lv_buf_init(&masked, SIZE_MAX);
    if (lv_json_req_str(in, "logRecordPointer", 0, 4096, &ptr_text,
                        err) < 0) {
        goto out;
    }
    if (lv_query_ptr_read(rq->app->logs->keyring, rq->who.account,
                          rq->region, ptr_text, &ptr) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, bad_ptr);
        goto out;
    }
    found = lv_store_logs_group_get_by_id(rq->store, ptr.group_id, &g, err);
    if (found < 0) {
        goto out;
    }
    if (!found || strcmp(g.account, rq->who.account) != 0 ||
        strcmp(g.region, rq->region) != 0) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_record);
        goto out;
    }
    lv_json_bool(in, "unmask", &unmask);
    if (lv_dp_read_prepare(rq, &g, unmask, &mask, err) < 0) {
        goto out;
    }
    memset(&fc, 0, sizeof(fc));
    fc.id = ptr.chunk_id;
    if (ptr.first_ts < INT64_MAX &&
        lv_store_logs_chunk_list_group(rq->store, g.id, ptr.first_ts,
                                       ptr.first_ts + 1, find_chunk_each, &fc,
                                       err) < 0) {
        goto out;
    }
    if (!fc.found) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_record);
        goto out;
    }
    lv_datakey_session_init(&ds, rq, &g);
    found = lv_datakey_open_chunk(&ds, &fc.c, &payload, &plain, err);
    if (found < 0) {
        goto out;
    }
    if (found == 0 || ptr.idx >= (int64_t)plain.n) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_record);
        goto out;
    }
    memset(&fs, 0, sizeof(fs));
    fs.id = fc.c.stream_id;
    if (lv_store_logs_stream_list(rq->store, g.id, "", "", 0,
                                  find_stream_each, &fs, err) < 0) {
        goto out;
    }
    memset(&ev, 0, sizeof(ev));
    ev.ts = plain.ev[ptr.idx].ts;
    ev.ingestion_ms = fc.c.ingestion_time;
    ev.log_len = (size_t)snprintf(log, sizeof(log), "%s:%s", g.account,
                                  g.name);
    ev.log = log;
    ev.stream = fs.name;
    ev.stream_len = strlen(fs.name);
    ev.msg = plain.ev[ptr.idx].msg;
    ev.msg_len = plain.ev[ptr.idx].len;
    ev.ptr = ptr_text;
    ev.ptr_len = strlen(ptr_text);
    if (lv_logs_mask(mask, ev.ingestion_ms, ev.msg, ev.msg_len, &masked)) {
        ev.msg = masked.data;
        ev.msg_len = masked.len;
    }

    lv_jw_key(w, "logRecord");
    lv_jw_obj_open(w);
    snprintf(num, sizeof(num), "%" PRId64, ev.ingestion_ms);
    lv_jw_kstr(w, "@ingestionTime", num);
    lv_jw_kstr(w, "@log", log);
    lv_jw_kstr(w, "@logStream", fs.name);
    lv_jw_key(w, "@message");
    lv_jw_strn(w, ev.msg, ev.msg_len);
    snprintf(num, sizeof(num), "%" PRId64, ev.ts);
    lv_jw_kstr(w, "@timestamp", num);
    write_discovered(w, &ev);
    lv_jw_obj_close(w);
    ret = 0;
out:
    lv_dp_set_free(mask);
    lv_secret_wipe(masked.data, masked.cap);
    lv_buf_release(&masked);
    lv_chunk_plain_release(&plain);
    lv_buf_release(&payload);
    return ret;
}

/* ---- GetLogGroupFields -------------------------------------------------- */

struct fname {
    char *name;
    int64_t count;
    int64_t seen_at;            /* the event that counted it last */
};

struct fields {
    struct fname *f;
    size_t n, cap;
    int64_t events;
};

static int fields_each(void *arg, const char *name, size_t len)
{
    struct fields *fs = arg;
    struct fname *f = NULL;

    for (size_t i = 0; i < fs->n; i++) {
        if (strlen(fs->f[i].name) == len &&
            memcmp(fs->f[i].name, name, len) == 0) {
            f = &fs->f[i];
            break;
        }
    }
    if (!f) {
        if (fs->n >= FIELDS_MAX_NAMES) {
            return 0;
        }
        if (fs->n == fs->cap) {
            fs->cap = fs->cap ? fs->cap * 2 : 32;
            fs->f = lv_xrealloc(fs->f, fs->cap * sizeof(*fs->f));
        }
        f = &fs->f[fs->n++];
        f->name = lv_xstrndup(name, len);
        f->count = 0;
        f->seen_at = -1;
    }
    if (f->seen_at != fs->events) {
        f->seen_at = fs->events;
        f->count++;
    }
    return 0;
}

static int fname_cmp(const void *a, const void *b)
{
    const struct fname *x = a;
    const struct fname *y = b;

    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

struct chunk_vec {
    struct lv_log_chunk *c;
    size_t n, cap;
};

static int chunk_vec_each(void *arg, const struct lv_log_chunk *c)
{
    struct chunk_vec *v = arg;

    if (v->n == v->cap) {
        v->cap = v->cap ? v->cap * 2 : 64;
        v->c = lv_xrealloc(v->c, v->cap * sizeof(*v->c));
    }
    v->c[v->n++] = *c;
    return 0;
}

static int percent(int64_t count, int64_t total)
{
    return (int)((count * 100 + total / 2) / total);
}

int lv_logs_op_get_log_group_fields(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    static const char *const system[] = {
        "@ingestionTime", "@timestamp", "@message", "@logStream", "@log",
    };
    struct lv_log_group g;
    struct lv_datakey_session ds;
    struct chunk_vec v = { 0 };
    struct fields fs = { 0 };
    struct lv_buf payload;
    int64_t lo;
    int64_t hi;
    int64_t t;
    int64_t scanned = 0;
    int ret = -1;

    lv_buf_init(&payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
    if (lv_logs_find_group(rq, in, &g, err) < 0 ||
        lv_logs_class_check(g.log_group_class, LV_FEAT_INSIGHTS, err) < 0) {
        goto out;
    }
    if (lv_json_int64(in, "time", &t)) {
        lo = t * 1000 - HALF_WINDOW_MS;
        hi = t * 1000 + HALF_WINDOW_MS;
    } else {
        lo = rq->now_ms - WINDOW_MS;
        hi = rq->now_ms;
    }
    if (lv_store_logs_chunk_list_group(rq->store, g.id, lo, hi + 1,
                                       chunk_vec_each, &v, err) < 0) {
        goto out;
    }
    lv_datakey_session_init(&ds, rq, &g);
    for (size_t i = 0; i < v.n && scanned < FIELDS_BUDGET; i++) {
        struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
        int found = lv_datakey_open_chunk(&ds, &v.c[i], &payload, &plain,
                                          err);

        if (found < 0) {
            goto out;
        }
        scanned += v.c[i].raw_bytes;
        for (size_t j = 0; j < plain.n; j++) {
            if (plain.ev[j].ts < lo || plain.ev[j].ts > hi) {
                continue;
            }
            lv_iq_discover(plain.ev[j].msg, plain.ev[j].len, fields_each,
                           &fs);
            fs.events++;
        }
        lv_chunk_plain_release(&plain);
    }
    if (fs.n > 1) {
        qsort(fs.f, fs.n, sizeof(*fs.f), fname_cmp);
    }
    lv_jw_key(w, "logGroupFields");
    lv_jw_arr_open(w);
    for (size_t i = 0; fs.events > 0 && i < 5; i++) {
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "name", system[i]);
        lv_jw_kint64(w, "percent", 100);
        lv_jw_obj_close(w);
    }
    for (size_t i = 0; i < fs.n; i++) {
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "name", fs.f[i].name);
        lv_jw_kint64(w, "percent", percent(fs.f[i].count, fs.events));
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
    ret = 0;
out:
    for (size_t i = 0; i < fs.n; i++) {
        free(fs.f[i].name);
    }
    free(fs.f);
    free(v.c);
    lv_buf_release(&payload);
    return ret;
}
