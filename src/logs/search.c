/*
 * search.c: FilterLogEvents — the events of a log group (all its streams,
 * the streams named in logStreamNames, or those whose name starts with
 * logStreamNamePrefix) in a time range that match a filter pattern,
 * interleaved across streams and sorted by timestamp, then ingestion time,
 * then the order of ingestion. (The metric filter operations live in
 * metric.c.)
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_FilterLogEvents.html
 *
 * Every stored event has a key (timestamp, ingestion time, chunk id, index
 * in chunk), unique in its group and ordered as AWS orders the results.
 * A page holds at most `limit` events and 1 MB (message bytes + 26 per
 * event); its nextToken names the key just past its last event, so the
 * next page holds the events with key >= it. The token is opaque and
 * bound by HMAC (lv_logs_token_write) to the account, region and a digest
 * of the query (group, streams, time range, pattern): a token of another
 * query is "The specified nextToken is invalid.". No nextToken means the
 * search is finished.
 *
 * The walk: the group's chunks that overlap the time range come from the
 * store by first_ts; chunks of streams not asked for are skipped unread;
 * the others are decrypted (their data key through lv_datakey_for_read,
 * so a KMS key that can no longer be used fails the call with the same
 * AccessDeniedException as GetLogEvents), decompressed and decoded. A
 * pattern's required literals (lv_filter_required) are first looked for in
 * the whole decoded chunk with memmem, and a chunk that lacks one is
 * skipped without matching event by event. Once a page is full the walk
 * stops at the first chunk that starts after the page's last event. A
 * request decrypts at most SCAN_BUDGET raw bytes without filling its page:
 * then it answers with what is certain so far and a nextToken at the next
 * chunk's start, as AWS answers with partly filled pages.
 *
 * Where the time goes (per decrypted chunk of up to 256 KB raw): reading
 * the payload from SQLite (one copy), AES-256-GCM (fast), zstd
 * decompression (the largest share), then the decode into an event array
 * (lv_chunk_open allocates the plaintext and the array once per chunk).
 * Non-matching events cost a memmem over the chunk for text patterns, or
 * one lv_filter_match call each; only matching events are copied.
 *
 * searchedLogStreams is always [] (AWS: "As of May 15, 2020, this
 * parameter is no longer supported. This parameter returns an empty
 * list."); interleaved is accepted and ignored ("As of June 17, 2019,
 * this parameter is ignored and the value is assumed to be true").
 * Under the group's data protection policies (logs/dataprot.h) the events
 * are masked unless unmask is asked for and allowed — and the filter
 * pattern matches the masked text, as it would on AWS, which masks at
 * ingestion: a caller without logs:Unmask cannot find which events hold
 * a given card number by searching for it.
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "logs/chunk.h"
#include "logs/dataprot.h"
#include "logs/classes.h"
#include "logs/datakey.h"
#include "logs/filter.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "logs/page.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/hex.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define DEFAULT_LIMIT 10000
#define DAY_MS (24LL * 3600 * 1000)
/* Raw bytes one request decrypts at most before it answers with a partly
 * filled page and a token. */
#define SCAN_BUDGET (64LL * 1024 * 1024)

struct sref {
    int64_t id;
    char *name;
};

struct fscan {
    struct lv_req *rq;
    struct lv_datakey_session ds;
    const struct lv_filter *f;
    const struct lv_filter_lit *lits;
    size_t n_lits;
    struct sref *streams;       /* sorted by id */
    size_t n_streams, cap_streams;
    int64_t lo, hi;             /* timestamps: [lo, hi) */
    struct lv_page_key bound;   /* events with key >= bound */
    struct lv_page page;
    int64_t scanned;            /* raw bytes decrypted */
    int stopped;                /* the budget ran out at stop_at */
    struct lv_page_key stop_at;
    struct lv_buf payload;
    struct lv_dp_set *mask;     /* NULL: nothing masked */
    struct lv_buf masked;       /* one event's masked text */
    struct lv_err *err;
};

/* ---- streams --------------------------------------------------------------- */

static int sref_cmp(const void *a, const void *b)
{
    const struct sref *x = a;
    const struct sref *y = b;

    return x->id < y->id ? -1 : x->id > y->id;
}

static void add_stream(struct fscan *sc, const struct lv_log_stream *st)
{
    if (sc->n_streams == sc->cap_streams) {
        sc->cap_streams = sc->cap_streams ? sc->cap_streams * 2 : 16;
        sc->streams = lv_xrealloc(sc->streams,
                                  sc->cap_streams * sizeof(*sc->streams));
    }
    sc->streams[sc->n_streams].id = st->id;
    sc->streams[sc->n_streams].name = lv_xstrdup(st->name);
    sc->n_streams++;
}

static int stream_each(void *arg, const struct lv_log_stream *st)
{
    add_stream(arg, st);
    return 0;
}

static const struct sref *find_stream(const struct fscan *sc, int64_t id)
{
    struct sref key = { id, NULL };

    if (sc->n_streams == 0) {
        return NULL;
    }
    return bsearch(&key, sc->streams, sc->n_streams, sizeof(*sc->streams),
                   sref_cmp);
}

/* The streams asked for: the named ones that exist (each once; a name
 * that does not exist selects nothing, as a filter does), those with the
 * prefix, or all of them. */
static int select_streams(struct fscan *sc, const struct lv_log_group *g,
                          const json_t *names, const char *prefix,
                          struct lv_err *err)
{
    struct lv_log_stream st;
    size_t i;
    const json_t *v;
    size_t k = 0;

    if (names) {
        json_array_foreach(names, i, v) {
            const char *name = json_string_value(v);
            int found;

            if (!name) {
                continue;
            }
            found = lv_store_logs_stream_get(sc->rq->store, g->id, name, &st,
                                             err);
            if (found < 0) {
                return -1;
            }
            if (found) {
                add_stream(sc, &st);
            }
        }
    } else if (lv_store_logs_stream_list(sc->rq->store, g->id,
                                         prefix ? prefix : "", "", 0,
                                         stream_each, sc, err) < 0) {
        return -1;
    }
    if (sc->n_streams > 1) {
        qsort(sc->streams, sc->n_streams, sizeof(*sc->streams), sref_cmp);
        for (i = 0; i < sc->n_streams; i++) {
            if (k > 0 && sc->streams[k - 1].id == sc->streams[i].id) {
                free(sc->streams[i].name);
                continue;
            }
            sc->streams[k++] = sc->streams[i];
        }
        sc->n_streams = k;
    }
    return 0;
}

/* ---- tokens ------------------------------------------------------------------ */

/* A digest of everything that decides the results, so that a token only
 * continues the query that issued it. */
static void query_scope(const struct lv_log_group *g, const json_t *in,
                        int64_t lo, int64_t hi, char out[65])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    const json_t *names = lv_json_arr(in, "logStreamNames");
    const char *prefix = lv_json_str(in, "logStreamNamePrefix");
    size_t plen = 0;
    const char *pattern = lv_json_strn(in, "filterPattern", &plen);
    unsigned char d[32];
    unsigned int dlen = sizeof(d);
    char num[64];
    size_t i;
    const json_t *v;

    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        LV_BUG("logs: sha256 init failed");
    }
    snprintf(num, sizeof(num), "%" PRId64 "/%" PRId64 "/%" PRId64, g->id,
             lo, hi);
    EVP_DigestUpdate(md, num, strlen(num) + 1);
    EVP_DigestUpdate(md, prefix ? "p" : "-", 1);
    if (prefix) {
        EVP_DigestUpdate(md, prefix, strlen(prefix) + 1);
    }
    json_array_foreach(names, i, v) {
        const char *s = json_string_value(v);

        if (s) {
            EVP_DigestUpdate(md, "n", 1);
            EVP_DigestUpdate(md, s, strlen(s) + 1);
        }
    }
    EVP_DigestUpdate(md, "f", 1);
    if (pattern) {
        EVP_DigestUpdate(md, pattern, plen);
    }
    if (!EVP_DigestFinal_ex(md, d, &dlen)) {
        LV_BUG("logs: sha256 failed");
    }
    EVP_MD_CTX_free(md);
    lv_hex_encode(d, sizeof(d), out);
}

static void cursor_format(char *out, size_t cap,
                          const struct lv_page_key *k)
{
    snprintf(out, cap, "%" PRId64 ".%" PRId64 ".%" PRId64 ".%" PRId64,
             k->ts, k->ing, k->chunk, k->idx);
}

static int cursor_parse(const char *c, struct lv_page_key *k)
{
    int64_t v[4];
    const char *p = c;

    for (int i = 0; i < 4; i++) {
        char *end;
        long long x;

        if (*p < '0' || *p > '9') {
            return -1;
        }
        x = strtoll(p, &end, 10);
        if (x < 0 || end == p || (i < 3 && *end != '.') ||
            (i == 3 && *end != '\0')) {
            return -1;
        }
        v[i] = x;
        p = end + 1;
    }
    k->ts = v[0];
    k->ing = v[1];
    k->chunk = v[2];
    k->idx = v[3];
    return 0;
}

/* ---- the walk ------------------------------------------------------------------ */

/* 1 when the decoded chunk satisfies every required literal (one absent
 * from the whole text — and, for a literal that a backslash may stand
 * for, with no backslash in the text either — is absent from each of its
 * messages). */
static int chunk_may_match(const struct fscan *sc,
                           const struct lv_chunk_plain *p)
{
    return lv_filter_lits_present(sc->lits, sc->n_lits,
                                  (const char *)p->data, p->len);
}

/* One chunk of the walk: 0 go on, 1 stop, -1 failed. */
static int visit(void *arg, const struct lv_log_chunk *c)
{
    struct fscan *sc = arg;
    struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
    int all = lv_filter_kind(sc->f) == LV_FILTER_ALL;
    const char *msg;
    size_t len;
    int found;
    int ret = -1;

    if (!find_stream(sc, c->stream_id)) {
        return 0;
    }
    if (sc->page.full && c->first_ts > sc->page.cut.ts) {
        /* Chunks come by first_ts: nothing here or later sorts before
         * the page's last event. */
        return 1;
    }
    if (!sc->page.full && sc->scanned >= SCAN_BUDGET &&
        c->first_ts > sc->bound.ts) {
        /* Everything before this chunk's start is decided; the next page
         * goes on from there. Never at or before bound: a page must make
         * progress. */
        sc->stopped = 1;
        sc->stop_at.ts = c->first_ts;
        sc->stop_at.ing = 0;
        sc->stop_at.chunk = 0;
        sc->stop_at.idx = 0;
        return 1;
    }
    found = lv_datakey_open_chunk(&sc->ds, c, &sc->payload, &plain,
                                 sc->err);
    if (found <= 0) {
        /* 0: gone meanwhile (retention), nothing to read. */
        return found;
    }
    sc->scanned += c->raw_bytes;
    /* The literals are the original's: a masked text may hold one the
     * original does not ("****"), so under a mask every chunk is read. */
    if (!(sc->mask && !all) && !chunk_may_match(sc, &plain)) {
        ret = 0;
        goto out;
    }
    for (size_t i = 0; i < plain.n; i++) {
        const struct lv_chunk_event *e = &plain.ev[i];
        struct lv_page_key k = { e->ts, c->ingestion_time, c->id,
                                 (int64_t)i };

        if (e->ts < sc->lo || e->ts >= sc->hi ||
            lv_page_key_cmp(&k, &sc->bound) < 0 ||
            (sc->page.full && lv_page_key_cmp(&k, &sc->page.cut) > 0)) {
            continue;
        }
        if (all) {
            /* Masked once the page is decided (lv_dp_mask_page). */
            lv_page_add(&sc->page, &k, c->ingestion_time, c->stream_id,
                        e->msg, e->len);
            continue;
        }
        msg = e->msg;
        len = e->len;
        if (lv_logs_mask(sc->mask, c->ingestion_time, e->msg, e->len,
                         &sc->masked)) {
            msg = sc->masked.data;
            len = sc->masked.len;
        }
        if (lv_filter_match(sc->f, msg, len)) {
            lv_page_add(&sc->page, &k, c->ingestion_time, c->stream_id,
                        msg, len);
        }
    }
    if (lv_page_over(&sc->page)) {
        lv_page_trim(&sc->page, 0);
    }
    ret = 0;
out:
    lv_chunk_plain_release(&plain);
    return ret;
}

/* ---- the response ----------------------------------------------------------------- */

static void write_events(struct fscan *sc, struct lv_jw *w)
{
    char id[64];

    lv_jw_key(w, "events");
    lv_jw_arr_open(w);
    for (size_t i = 0; i < sc->page.n; i++) {
        const struct lv_page_item *it = &sc->page.items[i];
        const struct sref *s = find_stream(sc, it->stream_id);

        /* A stable, unique 56-digit id, as AWS's eventIds look. */
        snprintf(id, sizeof(id), "%019" PRId64 "%019" PRId64 "%018" PRId64,
                 it->k.ts < 0 ? 0 : it->k.ts, it->k.chunk, it->k.idx);
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "logStreamName", s ? s->name : "");
        lv_jw_kint64(w, "timestamp", it->k.ts);
        lv_jw_key(w, "message");
        lv_jw_strn(w, it->msg, it->len);
        lv_jw_kint64(w, "ingestionTime", it->k.ing);
        lv_jw_kstr(w, "eventId", id);
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
}

int lv_logs_op_filter_log_events(struct lv_req *rq, const json_t *in,
                                 struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "FilterLogEvents";
    struct lv_log_group g;
    struct fscan sc;
    struct lv_filter *f = NULL;
    const json_t *names = lv_json_arr(in, "logStreamNames");
    const char *prefix = lv_json_str(in, "logStreamNamePrefix");
    size_t plen = 0;
    const char *pattern = lv_json_strn(in, "filterPattern", &plen);
    char cursor[LV_LOGS_CURSOR_MAX];
    char scope[65];
    char next[128];
    int64_t start = 0;
    int64_t end = INT64_MAX;
    int64_t v;
    int has_token;
    int unmask = 0;
    int ret = -1;

    memset(&sc, 0, sizeof(sc));
    lv_buf_init(&sc.payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
    lv_buf_init(&sc.masked, SIZE_MAX);
    lv_page_init(&sc.page, DEFAULT_LIMIT);
    sc.rq = rq;
    sc.err = err;
    next[0] = '\0';
    /* API_FilterLogEvents: "If you specify a value for both
     * logStreamNamePrefix and logStreamNames, the action returns an
     * InvalidParameterException error." AWS's wording is not documented. */
    if (names && prefix) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Cannot specify both logStreamNames and "
                   "logStreamNamePrefix.");
        goto out;
    }
    /* The model bounds limit to 1–10,000 (checked by the front). */
    if (lv_json_int64(in, "limit", &v) && v >= 1 && v <= DEFAULT_LIMIT) {
        sc.page.limit = (size_t)v;
    }
    if (lv_json_int64(in, "startTime", &v) && v > 0) {
        start = v;
    }
    /* "Events with a timestamp later than this time are not returned":
     * endTime is inclusive here (GetLogEvents' is exclusive). */
    if (lv_json_int64(in, "endTime", &v) && v < INT64_MAX) {
        end = v + 1;
    }
    f = lv_filter_compile(pattern ? pattern : "", pattern ? plen : 0, err);
    if (!f) {
        goto out;
    }
    sc.f = f;
    sc.n_lits = lv_filter_required(f, &sc.lits);
    if (lv_logs_find_group(rq, in, &g, err) < 0 ||
        lv_logs_class_check(g.log_group_class, LV_FEAT_READ_EVENTS,
                            err) < 0) {
        goto out;
    }
    lv_json_bool(in, "unmask", &unmask);
    if (lv_dp_read_prepare(rq, &g, unmask, &sc.mask, err) < 0) {
        goto out;
    }
    query_scope(&g, in, start, end, scope);
    has_token = lv_logs_token_read(rq, in, kind, scope, cursor, err);
    if (has_token < 0) {
        goto out;
    }
    if (has_token && cursor_parse(cursor, &sc.bound) < 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "The specified nextToken is invalid.");
        goto out;
    }
    if (!has_token) {
        sc.bound.ts = INT64_MIN;
    }
    sc.lo = start;
    sc.hi = end;
    /* Events past the group's retention are never returned. */
    if (g.retention_days > 0 &&
        rq->now_ms - (int64_t)g.retention_days * DAY_MS > sc.lo) {
        sc.lo = rq->now_ms - (int64_t)g.retention_days * DAY_MS;
    }
    if (select_streams(&sc, &g, names, prefix, err) < 0) {
        goto out;
    }
    lv_datakey_session_init(&sc.ds, rq, &g);
    if (sc.n_streams > 0 && sc.lo < sc.hi) {
        int64_t lo = sc.bound.ts > sc.lo ? sc.bound.ts : sc.lo;

        if (lo < sc.hi &&
            lv_store_logs_chunk_list_group(rq->store, g.id, lo, sc.hi, visit,
                                           &sc, err) < 0) {
            goto out;
        }
    }
    if (sc.stopped) {
        /* Keep only what lies before the stop: the rest is re-read. */
        lv_page_drop_from(&sc.page, &sc.stop_at);
    }
    if (lv_page_over(&sc.page)) {
        lv_page_trim(&sc.page, 0);
    } else {
        lv_page_sort(&sc.page);
    }
    if (sc.page.full) {
        struct lv_page_key after = sc.page.items[sc.page.n - 1].k;

        after.idx++;
        cursor_format(next, sizeof(next), &after);
    } else if (sc.stopped) {
        cursor_format(next, sizeof(next), &sc.stop_at);
    }
    if (lv_filter_kind(f) == LV_FILTER_ALL) {
        lv_dp_mask_page(sc.mask, &sc.page);
    }
    write_events(&sc, w);
    lv_jw_key(w, "searchedLogStreams");
    lv_jw_arr_open(w);
    lv_jw_arr_close(w);
    if (next[0]) {
        lv_logs_token_write(rq, w, kind, scope, next);
    }
    ret = 0;
out:
    lv_dp_set_free(sc.mask);
    lv_secret_wipe(sc.masked.data, sc.masked.cap);
    lv_buf_release(&sc.masked);
    lv_page_release(&sc.page);
    for (size_t i = 0; i < sc.n_streams; i++) {
        free(sc.streams[i].name);
    }
    free(sc.streams);
    lv_buf_release(&sc.payload);
    lv_filter_free(f);
    return ret;
}
