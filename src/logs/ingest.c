/*
 * ingest.c: PutLogEvents — validate a batch as AWS does, skip the events
 * AWS skips (reported in rejectedLogEventsInfo), cut the rest into chunks,
 * seal them under the group's data key and hand them to the group
 * committer; answer only once they are durable.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutLogEvents.html — the batch constraints: 1..10,000 events; at most
 * 1,048,576 bytes counting each message's UTF-8 bytes plus 26 per event;
 * chronological order; events more than 2 hours in the future, more than
 * 14 days in the past or older than the group's retention are rejected
 * (not stored, reported in rejectedLogEventsInfo) while the rest are; the
 * events left once the too old and too new are set aside span at most 24
 * hours (check_batch). The sequence token is ignored.
 *
 * Hot path (DESIGN.md "Hot paths"): the operation is flagged raw_body in
 * src/model/implemented.txt (LV_HANDLER_RAW_BODY), so the front does not
 * parse the body. It is decoded by simdjson (logs/fastjson.h) straight
 * into the events; any body that
 * decoder does not accept as plainly valid goes the ordinary way —
 * lv_model_parse_input (jansson + lv_model_validate, the front's own step)
 * and read_events() — so every answer, error messages included, is the
 * one the ordinary path gives. Both paths meet at check_batch().
 */
#include "logs/events_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "logs/acctpol_int.h"
#include "logs/chunk.h"
#include "logs/datakey.h"
#include "logs/dataprot.h"
#include "logs/fastjson.h"
#include "logs/fidx.h"
#include "logs/index_int.h"
#include "logs/logs.h"
#include "logs/logs_int.h"
#include "logs/respol.h"
#include "logs/transform.h"
#include "model/model.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_EVENTS 10000
#define MAX_BATCH_BYTES 1048576
#define MAX_SPAN_MS (24LL * 3600 * 1000)
#define MAX_FUTURE_MS (2LL * 3600 * 1000)
#define MAX_AGE_MS (14LL * 24 * 3600 * 1000)
#define DAY_MS (24LL * 3600 * 1000)
/* A transformed event obeys the event limit: 256 KB with its 26 bytes of
 * overhead (API_PutLogEvents). */
#define MAX_EVENT_BYTES (256 * 1024 - LV_CHUNK_EVENT_OVERHEAD)

/*
 * The events of a sorted batch that are neither too old nor too new:
 * ev[*lo..*hi). Too new: more than 2 hours after now; too old: more than
 * 14 days before now (API_PutLogEvents).
 */
static void time_window(const struct lv_chunk_event *ev, size_t n,
                        int64_t now, size_t *lo, size_t *hi)
{
    size_t a = 0;
    size_t b = n;

    while (b > 0 && ev[b - 1].ts > now + MAX_FUTURE_MS) {
        b--;
    }
    while (a < n && ev[a].ts < now - MAX_AGE_MS) {
        a++;
    }
    *lo = a < b ? a : b;
    *hi = b;
}

/*
 * The batch rules that follow decoding, at `now` (ms); frees ev on
 * failure. Size, then order (over the whole batch: "A batch of log events
 * in a single request must be in a chronological order. Otherwise, the
 * operation fails."), then the 24-hour span — over the events that are
 * not set aside as too old or too new, as the PutLogEvents reference
 * says: "For valid events (within 14 days in the past to 2 hours in
 * future), the time span in a single batch cannot exceed 24 hours.
 * Otherwise, the operation fails." (botocore logs-2014-03-28 model, the
 * operation's documentation). Events older than the group's retention
 * but within those 14 days still count: the reference defines "valid"
 * by the 14 days and 2 hours alone, so the stricter reading is kept.
 */
static int check_batch(struct lv_chunk_event *ev, size_t n, int64_t now,
                       struct lv_err *err)
{
    size_t total = 0;
    size_t lo;
    size_t hi;

    for (size_t i = 0; i < n; i++) {
        total += ev[i].len + LV_CHUNK_EVENT_OVERHEAD;
    }
    if (total > MAX_BATCH_BYTES) {
        free(ev);
        /* AWS's wording for an oversized batch. */
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Upload too large: %zu bytes exceeds limit of %d",
                          total, MAX_BATCH_BYTES);
    }
    for (size_t i = 1; i < n; i++) {
        if (ev[i].ts < ev[i - 1].ts) {
            free(ev);
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Log events in a single PutLogEvents request "
                              "must be in chronological order.");
        }
    }
    time_window(ev, n, now, &lo, &hi);
    if (hi > lo && ev[hi - 1].ts - ev[lo].ts > MAX_SPAN_MS) {
        free(ev);
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The batch of log events in a single PutLogEvents "
                          "request cannot span more than 24 hours.");
    }
    return 0;
}

/* Reads and checks the batch; the events are loans into `in`. */
static int read_events(const json_t *in, int64_t now,
                       struct lv_chunk_event **out, size_t *n_out,
                       struct lv_err *err)
{
    const json_t *arr = lv_json_arr(in, "logEvents");
    struct lv_chunk_event *ev = NULL;
    size_t n = arr ? json_array_size(arr) : 0;

    if (n < 1 || n > MAX_EVENTS) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value at "
                          "'logEvents' failed to satisfy constraint: Member "
                          "must have length %s %d",
                          n < 1 ? "greater than or equal to"
                                : "less than or equal to",
                          n < 1 ? 1 : MAX_EVENTS);
    }
    ev = lv_xcalloc(n, sizeof(*ev));
    for (size_t i = 0; i < n; i++) {
        const json_t *e = json_array_get(arr, i);
        size_t len = 0;
        const char *msg = lv_json_strn(e, "message", &len);
        int64_t ts = 0;

        if (!msg || len == 0 || !lv_json_int64(e, "timestamp", &ts)) {
            free(ev);
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "1 validation error detected: Value at "
                              "'logEvents.%zu.member.message' failed to "
                              "satisfy constraint: Member must have length "
                              "greater than or equal to 1", i + 1);
        }
        ev[i].ts = ts;
        ev[i].msg = msg;
        ev[i].len = len;
    }
    if (check_batch(ev, n, now, err) < 0) {
        return -1;
    }
    *out = ev;
    *n_out = n;
    return 0;
}

/* The events of a request the fast decoder read (loans into fp), checked. */
static int fast_events(const struct lv_fastjson_put *fp, int64_t now,
                       struct lv_chunk_event **out, size_t *n_out,
                       struct lv_err *err)
{
    struct lv_chunk_event *ev = lv_xcalloc(fp->n, sizeof(*ev));

    for (size_t i = 0; i < fp->n; i++) {
        ev[i].ts = fp->ev[i].ts;
        ev[i].msg = fp->ev[i].msg;
        ev[i].len = fp->ev[i].len;
    }
    if (check_batch(ev, fp->n, now, err) < 0) {
        return -1;
    }
    *out = ev;
    *n_out = fp->n;
    return 0;
}

/*
 * Decodes rq->body (the handler is LV_HANDLER_RAW_BODY): into *fp when the
 * fast decoder takes it, else into *in through the front's own parse and
 * validation (a new reference), whose error is then the answer.
 */
static int decode_body(struct lv_req *rq, struct lv_fastjson_put *fp,
                       json_t **in, struct lv_err *err)
{
    if (lv_fastjson_put_decode(rq->body, rq->body_len,
                               rq->body_len + rq->body_pad,
                               fp) == LV_FASTJSON_OK) {
        return 0;
    }
    return lv_model_parse_input(rq->svc, rq->op, rq->body, rq->body_len, in,
                                err);
}

/* The part of the batch that is stored: [*from, *to). */
struct rejected {
    size_t too_new_start;       /* n when none */
    size_t too_old_end;         /* 0 when none */
    size_t expired_end;         /* 0 when none */
};

static void classify(const struct lv_req *rq, const struct lv_log_group *g,
                     const struct lv_chunk_event *ev, size_t n,
                     struct rejected *r, size_t *from, size_t *to)
{
    int64_t now = rq->now_ms;

    time_window(ev, n, now, &r->too_old_end, &r->too_new_start);
    r->expired_end = 0;
    if (g->retention_days > 0) {
        int64_t cut = now - (int64_t)g->retention_days * DAY_MS;

        while (r->expired_end < n && ev[r->expired_end].ts < cut) {
            r->expired_end++;
        }
    }
    *from = r->too_old_end > r->expired_end ? r->too_old_end
                                            : r->expired_end;
    *to = r->too_new_start;
    if (*from > *to) {
        *from = *to;
    }
}

/* Cuts ev[0..n) into runs of at most LV_CHUNK_TARGET_RAW raw bytes; the
 * run boundaries go to cuts (cuts[k] = first event of run k), n_runs out. */
static size_t cut_runs(const struct lv_chunk_event *ev, size_t n,
                       size_t *cuts)
{
    size_t runs = 0;
    size_t raw = 0;

    for (size_t i = 0; i < n; i++) {
        size_t sz = ev[i].len + LV_CHUNK_EVENT_OVERHEAD;

        if (i == 0 || raw + sz > LV_CHUNK_TARGET_RAW) {
            cuts[runs++] = i;
            raw = 0;
        }
        raw += sz;
    }
    return runs;
}

static void job_release(struct lv_commit_job *job)
{
    for (size_t i = 0; i < job->n; i++) {
        lv_buf_release(&job->chunks[i].payload);
        lv_buf_release(&job->chunks[i].index);
    }
    free(job->chunks);
    job->chunks = NULL;
    job->n = 0;
}

/* Seals ev[0..n) as chunks of stream st and commits them. */
static int store_events(struct lv_req *rq, const struct lv_log_group *g,
                        const struct lv_log_stream *st,
                        const struct lv_chunk_event *ev, size_t n,
                        int64_t *next_seq, struct lv_err *err)
{
    struct lv_datakey_session ds;
    struct lv_commit_job job;
    struct lv_fidx_policy pol = LV_FIDX_POLICY_INIT;
    size_t *cuts = lv_xcalloc(n, sizeof(*cuts));
    size_t runs = cut_runs(ev, n, cuts);
    uint8_t key[32];
    uint8_t ikey[32];
    int64_t dk_id = 0;
    int64_t seq0 = 0;
    int ret = -1;

    memset(&job, 0, sizeof(job));
    lv_datakey_session_init(&ds, rq, g);
    if (lv_datakey_for_write(&ds, (int)runs, &dk_id, key, err) < 0) {
        goto out;
    }
    if (lv_store_logs_seq_reserve(rq->store, st->id, (int)runs, &seq0,
                                  err) < 0) {
        goto out;
    }
    /* The group's field index policy: each chunk gets an index of its
     * fields once its events are final (fidx.h, index_int.h). */
    if (lv_logs_index_policy_effective(rq, g, &pol, err) < 0) {
        goto out;
    }
    lv_fidx_group_key(rq->app->logs->keyring, g->id, ikey);
    job.stream_id = st->id;
    job.chunks = lv_xcalloc(runs, sizeof(*job.chunks));
    job.n = runs;
    for (size_t k = 0; k < runs; k++) {
        struct lv_commit_chunk *c = &job.chunks[k];
        size_t a = cuts[k];
        size_t b = k + 1 < runs ? cuts[k + 1] : n;

        lv_buf_init(&c->payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
        lv_buf_init(&c->index, SIZE_MAX);
        lv_chunk_describe(ev + a, b - a, &c->meta);
        c->meta.group_id = g->id;
        c->meta.stream_id = st->id;
        c->meta.seq = seq0 + (int64_t)k;
        c->meta.ingestion_time = rq->now_ms;
        c->meta.data_key_id = dk_id;
        if (lv_chunk_seal(key, &c->meta, ev + a, b - a, &c->payload,
                          err) < 0) {
            goto out;
        }
        lv_fidx_build(&pol, ikey, ev + a, b - a, &c->index);
        job.bytes += c->meta.raw_bytes;
    }
    job.first_ts = ev[0].ts;
    job.last_ts = ev[n - 1].ts;
    job.ingestion_time = rq->now_ms;
    if (lv_logs_commit(rq->app->logs->committer, rq->store, &job,
                       err) < 0) {
        lv_log(LV_LOG_WARN, "logs: put log events not stored stream=%lld "
               "chunks=%zu req=%s", (long long)st->id, runs, rq->id);
        goto out;
    }
    *next_seq = seq0 + (int64_t)runs;
    ret = 0;
out:
    lv_secret_wipe(key, sizeof(key));
    lv_secret_wipe(ikey, sizeof(ikey));
    lv_fidx_policy_release(&pol);
    job_release(&job);
    free(cuts);
    return ret;
}

int lv_logs_ingest_events(struct lv_req *rq, const struct lv_log_group *g,
                          const struct lv_log_stream *st,
                          const struct lv_chunk_event *ev, size_t n,
                          struct lv_err *err)
{
    int64_t next_seq = st->next_seq;

    return n == 0 ? 0 : store_events(rq, g, st, ev, n, &next_seq, err);
}

/*
 * A group with a transformer (PutTransformer, logs/transform.h) or
 * selected by an account TRANSFORMER_POLICY (acctpol_int.h): its events are transformed before they are chunked, and the transformed
 * text is what is stored — what GetLogEvents, FilterLogEvents and Insights
 * read, as AWS documents ("You can then refer to the transformed versions
 * of the logs"). The original is not kept: no operation of the API reads
 * it back. An event a processor fails on is stored as it came. ev[i].msg
 * of a transformed event then points into *owned (n strings, NULL where
 * untransformed), which the caller frees with free_owned. A config the
 * store holds but that no longer compiles (it was accepted when put) is a
 * fault: the batch is refused with ServiceUnavailableException rather
 * than stored untransformed. The group row says whether it has its own;
 * the account's are cached by policy generation, so a group with neither
 * costs no store read here.
 */
static int transform_events(struct lv_req *rq, const struct lv_log_group *g,
                            const char *stream, struct lv_chunk_event *ev,
                            size_t n, char ***owned, struct lv_err *err)
{
    struct lv_acctpol_xf *x = NULL;
    const struct lv_transformer *t;
    struct lv_transform_meta meta;
    char **out = NULL;
    int rc;

    /* Compiled and cached (acctpol_int.h); 0: none applies. */
    rc = lv_acctpol_transformer_get(rq, g, &x, err);
    if (rc <= 0) {
        return rc;
    }
    t = lv_acctpol_xf_of(x);
    meta.group = g->name;
    meta.stream = stream;
    meta.account = g->account;
    meta.region = g->region;
    out = lv_xcalloc(n, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        size_t len = 0;

        if (lv_transformer_apply(t, &meta, ev[i].msg, ev[i].len,
                                 MAX_EVENT_BYTES, &out[i], &len) == 0) {
            ev[i].msg = out[i];
            ev[i].len = len;
        }
    }
    *owned = out;
    lv_acctpol_xf_put(x);
    return 0;
}

static void free_owned(char **owned, size_t n)
{
    for (size_t i = 0; owned && i < n; i++) {
        free(owned[i]);
    }
    free(owned);
}

int lv_logs_op_put_log_events(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    struct lv_log_stream st;
    struct lv_fastjson_put fp = LV_FASTJSON_PUT_INIT;
    json_t *own = NULL;
    struct lv_chunk_event *ev = NULL;
    char **owned = NULL;
    struct rejected rej;
    const char *stream_name;
    char token[64];
    size_t n = 0;
    size_t from = 0;
    size_t to = 0;
    int64_t next_seq;
    int ret = -1;

    if (!in) {
        if (decode_body(rq, &fp, &own, err) < 0) {
            goto out;
        }
        in = own;
    }
    if (in) {
        stream_name = lv_json_str(in, "logStreamName");
        if (read_events(in, rq->now_ms, &ev, &n, err) < 0 ||
            lv_logs_find_group(rq, in, &g, err) < 0) {
            goto out;
        }
    } else {
        stream_name = fp.stream;
        if (fast_events(&fp, rq->now_ms, &ev, &n, err) < 0 ||
            lv_logs_find_group_by(rq, fp.group, &g, err) < 0) {
            goto out;
        }
    }
    /* A service principal is let in by the account's resource policies
     * (respol.h); a no-op for everyone else. */
    if (lv_logs_respol_authorize(rq, &g, "logs:PutLogEvents",
                                 stream_name ? stream_name : "", NULL, NULL,
                                 err) < 0 ||
        lv_logs_find_stream(rq, &g, stream_name, &st, err) < 0) {
        goto out;
    }
    classify(rq, &g, ev, n, &rej, &from, &to);
    next_seq = st.next_seq;
    if (to > from &&
        transform_events(rq, &g, stream_name, ev + from, to - from, &owned,
                         err) < 0) {
        goto out;
    }
    if (to > from &&
        store_events(rq, &g, &st, ev + from, to - from, &next_seq,
                     err) < 0) {
        goto out;
    }
    /* Data protection's Audit statement reports on what was stored. */
    lv_dp_audit_ingest(rq, &g, ev + from, to - from);
    /* The sequence token is ignored on input; AWS still returns one. */
    snprintf(token, sizeof(token), "%056" PRId64, next_seq);
    lv_jw_kstr(w, "nextSequenceToken", token);
    if (rej.too_new_start < n || rej.too_old_end > 0 ||
        rej.expired_end > 0) {
        lv_jw_key(w, "rejectedLogEventsInfo");
        lv_jw_obj_open(w);
        if (rej.too_new_start < n) {
            lv_jw_kint64(w, "tooNewLogEventStartIndex",
                         (int64_t)rej.too_new_start);
        }
        if (rej.too_old_end > 0) {
            lv_jw_kint64(w, "tooOldLogEventEndIndex",
                         (int64_t)rej.too_old_end);
        }
        if (rej.expired_end > 0) {
            lv_jw_kint64(w, "expiredLogEventEndIndex",
                         (int64_t)rej.expired_end);
        }
        lv_jw_obj_close(w);
    }
    ret = 0;
out:
    free_owned(owned, to > from ? to - from : 0);
    free(ev);
    lv_fastjson_put_release(&fp);
    json_decref(own);
    return ret;
}
