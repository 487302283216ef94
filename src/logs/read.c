/*
 * read.c: GetLogEvents — one page of a stream's events, in timestamp
 * order then ingestion order, forwards or backwards, at most `limit`
 * events and 1 MB (message bytes + 26 per event, AWS's measure).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_GetLogEvents.html
 *
 * Every stored event has a key (timestamp, chunk seq, index in chunk),
 * unique in its stream and ordered as AWS orders events. A token names a
 * boundary between keys and a direction:
 *   "f/<K>/s"  the events with key >= K, oldest first
 *   "b/<K>/s"  the events with key <  K, newest first (returned oldest
 *              first, as every page is)
 * where <K> is 56 digits: timestamp (19), seq (19), index (6) and the
 * stream's id modulo 10^12 (12), so a token of another stream or a
 * hand-made one is refused ("The specified nextToken is invalid."). After
 * a page, nextForwardToken is f/ just past its last event and
 * nextBackwardToken b/ at its first; an empty page hands back the token it
 * was given (the end of the stream, as AWS documents), and the other
 * direction at the same boundary.
 *
 * Only the chunks that overlap the asked range are decrypted, in an order
 * that lets the walk stop as soon as no unread chunk can hold an event of
 * the page. A chunk in range whose data key cannot be used (its KMS key
 * disabled, pending deletion, deleted, or no longer allowing the logs
 * principal) fails the whole call with AccessDeniedException, as AWS does:
 * the caller narrows the time range to read around it.
 *
 * Consecutive pages of a stream whose writers' batches overlap in time
 * need the same chunks: each page takes a slice of each. So the chunks a
 * walk decodes are kept, decoded, for the pages that follow (the reuse
 * below), within LV_READ_REUSE_BYTES of plaintext for the whole process
 * and for at most LV_READ_REUSE_MS, shared with the pages that read them
 * (lv_chunk_plain_share); each is wiped when its last holder lets go. A page
 * reads the chunk's payload and asks for its data key exactly as it would
 * to decrypt it (so a key that can no longer be used refuses the read as
 * before), and takes the kept plaintext only when the payload's nonce,
 * tag and length and every field the AAD binds are those it was opened
 * from: a payload with the same key, nonce, AAD and tag is the same
 * ciphertext, unless GCM was forged.
 *
 * The response is written straight into the output buffer.
 */
#include "logs/events_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logs/chunk.h"
#include "logs/dataprot.h"
#include "logs/classes.h"
#include "logs/datakey.h"
#include "logs/logs.h"
#include "logs/logs_int.h"
#include "logs/page.h"
#include "util/buf.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define DEFAULT_LIMIT 10000
#define MAX_LIMIT 10000
#define DAY_MS (24LL * 3600 * 1000)
#define TOKEN_DIGITS 56
#define STREAM_MOD 1000000000000LL

struct scan {
    struct lv_req *rq;
    struct lv_datakey_session ds;
    int forward;
    /* Keys in a stream: ing is 0, chunk the chunk's seq (page.h). */
    struct lv_page_key bound;   /* forward: >= bound; backward: < bound */
    int64_t lo, hi;             /* timestamps: [lo, hi) */
    struct lv_page page;
    struct lv_buf payload;
    struct lv_err *err;
};

/* ---- tokens ------------------------------------------------------------ */

#define TOKEN_MAX 128

static int64_t clamp0(int64_t v)
{
    return v < 0 ? 0 : v;
}

static void token_format(char out[TOKEN_MAX], int forward,
                         const struct lv_page_key *k, int64_t stream_id)
{
    snprintf(out, TOKEN_MAX, "%c/%019" PRId64 "%019" PRId64 "%06" PRId64
             "%012" PRId64 "/s", forward ? 'f' : 'b', clamp0(k->ts),
             clamp0(k->chunk), clamp0(k->idx) % 1000000,
             (int64_t)(clamp0(stream_id) % STREAM_MOD));
}

/* Reads `n` decimal digits at p into *v; -1 when not digits or past
 * INT64_MAX. */
static int digits(const char *p, int n, int64_t *v)
{
    uint64_t x = 0;

    for (int i = 0; i < n; i++) {
        if (p[i] < '0' || p[i] > '9') {
            return -1;
        }
        x = x * 10 + (uint64_t)(p[i] - '0');
        if (x > (uint64_t)INT64_MAX) {
            return -1;
        }
    }
    *v = (int64_t)x;
    return 0;
}

static int token_parse(const char *t, int64_t stream_id, int *forward,
                       struct lv_page_key *k, struct lv_err *err)
{
    int64_t sid;

    if (strlen(t) != 2 + TOKEN_DIGITS + 2 || (t[0] != 'f' && t[0] != 'b') ||
        t[1] != '/' || strcmp(t + 2 + TOKEN_DIGITS, "/s") != 0 ||
        digits(t + 2, 19, &k->ts) < 0 || digits(t + 21, 19, &k->chunk) < 0 ||
        digits(t + 40, 6, &k->idx) < 0 || digits(t + 46, 12, &sid) < 0 ||
        sid != stream_id % STREAM_MOD) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified nextToken is invalid.");
    }
    *forward = t[0] == 'f';
    return 0;
}

/* ---- reuse of decoded chunks across pages -------------------------------- */

/* The most plaintext kept (data and events arrays), for the process. */
#define LV_READ_REUSE_BYTES ((size_t)4 * 1024 * 1024)
/* A kept chunk not asked for in this long is wiped at the next read. */
#define LV_READ_REUSE_MS 10000
#define REUSE_SLOTS 64

struct reuse_ent {
    struct lv_log_chunk meta;               /* as listed when opened */
    unsigned char head[LV_CHUNK_HEADER_BYTES];  /* format, nonce, tag */
    size_t payload_len;
    struct lv_chunk_plain plain;            /* data NULL: a free slot */
    size_t bytes;
    uint64_t used;                          /* LRU tick */
    int64_t at_ms;                          /* last asked for */
};

static pthread_mutex_t reuse_lock = PTHREAD_MUTEX_INITIALIZER;
static struct reuse_ent reuse[REUSE_SLOTS];
static size_t reuse_bytes;
static uint64_t reuse_tick;

static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static size_t plain_bytes(const struct lv_chunk_plain *p)
{
    return p->len + p->n * sizeof(*p->ev);
}

/* Under reuse_lock. */
static void reuse_drop(struct reuse_ent *e)
{
    reuse_bytes -= e->bytes;
    lv_chunk_plain_release(&e->plain);
    memset(e, 0, sizeof(*e));
}

/* Under reuse_lock: wipes what has not been asked for in
 * LV_READ_REUSE_MS. */
static void reuse_expire(int64_t now)
{
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        if (reuse[i].plain.data && now - reuse[i].at_ms > LV_READ_REUSE_MS) {
            reuse_drop(&reuse[i]);
        }
    }
}

static int same_chunk(const struct reuse_ent *e, const struct lv_log_chunk *c,
                      const struct lv_buf *payload)
{
    const struct lv_log_chunk *m = &e->meta;

    return m->id == c->id && m->group_id == c->group_id &&
           m->stream_id == c->stream_id && m->seq == c->seq &&
           m->first_ts == c->first_ts && m->last_ts == c->last_ts &&
           m->ingestion_time == c->ingestion_time &&
           m->n_events == c->n_events && m->raw_bytes == c->raw_bytes &&
           m->data_key_id == c->data_key_id &&
           e->payload_len == payload->len &&
           memcmp(e->head, payload->data, LV_CHUNK_HEADER_BYTES) == 0;
}

/* 1 and the kept plaintext of chunk c in *out (shared, not copied: the
 * page only reads it) when it is kept and payload is the one it was
 * opened from; else 0. */
static int reuse_get(const struct lv_log_chunk *c,
                     const struct lv_buf *payload, struct lv_chunk_plain *out)
{
    int64_t now = mono_ms();
    int found = 0;

    if (payload->len <= LV_CHUNK_HEADER_BYTES) {
        return 0;
    }
    pthread_mutex_lock(&reuse_lock);
    reuse_expire(now);
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        struct reuse_ent *e = &reuse[i];

        if (e->plain.data && e->meta.id == c->id) {
            if (same_chunk(e, c, payload)) {
                lv_chunk_plain_share(&e->plain, out);
                e->used = ++reuse_tick;
                e->at_ms = now;
                found = 1;
            } else {
                reuse_drop(e);
            }
            break;
        }
    }
    pthread_mutex_unlock(&reuse_lock);
    return found;
}

/* Keeps chunk c's plaintext (shared with the caller's page, not copied),
 * opened from payload, making room
 * by wiping the least recently asked for. */
static void reuse_put(const struct lv_log_chunk *c,
                      const struct lv_buf *payload,
                      struct lv_chunk_plain *plain)
{
    size_t bytes = plain_bytes(plain);
    int64_t now = mono_ms();
    struct reuse_ent *slot = NULL;

    if (bytes > LV_READ_REUSE_BYTES / 4 ||
        payload->len <= LV_CHUNK_HEADER_BYTES) {
        return;
    }
    pthread_mutex_lock(&reuse_lock);
    reuse_expire(now);
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        if (reuse[i].plain.data && reuse[i].meta.id == c->id) {
            reuse_drop(&reuse[i]);      /* another thread kept it first */
        }
    }
    for (;;) {
        struct reuse_ent *lru = NULL;

        slot = NULL;
        for (size_t i = 0; i < REUSE_SLOTS; i++) {
            if (!reuse[i].plain.data) {
                slot = slot ? slot : &reuse[i];
            } else if (!lru || reuse[i].used < lru->used) {
                lru = &reuse[i];
            }
        }
        if (slot && reuse_bytes + bytes <= LV_READ_REUSE_BYTES) {
            break;
        }
        reuse_drop(lru);    /* not NULL: something is kept */
    }
    slot->meta = *c;
    memcpy(slot->head, payload->data, LV_CHUNK_HEADER_BYTES);
    slot->payload_len = payload->len;
    lv_chunk_plain_share(plain, &slot->plain);
    slot->bytes = bytes;
    slot->used = ++reuse_tick;
    slot->at_ms = now;
    reuse_bytes += bytes;
    pthread_mutex_unlock(&reuse_lock);
}

/* At exit: wipes whatever is kept. */
__attribute__((destructor)) static void reuse_clear(void)
{
    pthread_mutex_lock(&reuse_lock);
    for (size_t i = 0; i < REUSE_SLOTS; i++) {
        if (reuse[i].plain.data) {
            reuse_drop(&reuse[i]);
        }
    }
    pthread_mutex_unlock(&reuse_lock);
}

/*
 * lv_datakey_open_chunk, with the reuse: reads chunk c's payload, gets its
 * data key (which refuses as it would to decrypt), then takes the kept
 * plaintext or opens the payload and keeps it. 1 opened, 0 gone, -1 *err.
 */
static int open_chunk(struct scan *sc, const struct lv_log_chunk *c,
                      struct lv_chunk_plain *out)
{
    uint8_t key[32];
    int found;
    int ret = -1;

    found = lv_store_logs_chunk_payload(sc->rq->store, c->id, &sc->payload,
                                        sc->err);
    if (found <= 0) {
        return found;
    }
    if (lv_datakey_for_read(&sc->ds, c->data_key_id, key, sc->err) < 0) {
        goto out;
    }
    if (reuse_get(c, &sc->payload, out)) {
        ret = 1;
        goto out;
    }
    if (lv_chunk_open(key, c, sc->payload.data, sc->payload.len, out,
                      sc->err) < 0) {
        lv_log(LV_LOG_ERROR, "logs: chunk does not open id=%lld stream=%lld"
               " req=%s", (long long)c->id, (long long)c->stream_id,
               sc->rq->id);
        goto out;
    }
    reuse_put(c, &sc->payload, out);
    ret = 1;
out:
    lv_secret_wipe(key, sizeof(key));
    return ret;
}

/* ---- the walk ------------------------------------------------------------ */

/* Whether the page wants the event with key k: in the time range, on the
 * asked side of the bound, and not on the far side of the cut once the
 * page is full (such an event would only be trimmed again). */
static int want(const struct scan *sc, const struct lv_page_key *k)
{
    if (k->ts < sc->lo || k->ts >= sc->hi) {
        return 0;
    }
    if (sc->page.full &&
        (sc->forward ? lv_page_key_cmp(k, &sc->page.cut) > 0
                     : lv_page_key_cmp(k, &sc->page.cut) < 0)) {
        return 0;
    }
    return sc->forward ? lv_page_key_cmp(k, &sc->bound) >= 0
                       : lv_page_key_cmp(k, &sc->bound) < 0;
}

/* One chunk of the walk: 0 go on, 1 stop, -1 failed. */
static int visit(void *arg, const struct lv_log_chunk *c)
{
    struct scan *sc = arg;
    struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
    const struct lv_chunk_event *ev;
    size_t n;
    size_t held = SIZE_MAX;
    int copy = 0;
    int found;

    if (sc->page.full) {
        /* Forward: chunks come by first_ts, so nothing in this chunk or a
         * later one sorts before the page's last event if it starts after
         * it. Backward: they come by last_ts, newest first. */
        if (sc->forward ? c->first_ts > sc->page.cut.ts
                        : c->last_ts < sc->page.cut.ts) {
            return 1;
        }
    }
    found = open_chunk(sc, c, &plain);
    if (found <= 0) {
        /* 0: gone meanwhile (retention), nothing to read. */
        return found;
    }
    /* The page points into the chunk's plaintext rather than copying
     * each message; it wipes the chunk when no kept event needs it. Past
     * LV_PAGE_MAX_HELD_BYTES held it copies them, as it did before. */
    ev = plain.ev;
    n = plain.n;
    for (size_t i = 0; i < n; i++) {
        struct lv_page_key k = { ev[i].ts, 0, c->seq, (int64_t)i };

        if (!want(sc, &k)) {
            /* A chunk's events come in key order: going forwards, past
             * the cut of a full page none of the rest is wanted. */
            if (sc->forward && sc->page.full &&
                lv_page_key_cmp(&k, &sc->page.cut) > 0) {
                break;
            }
            continue;
        }
        if (held == SIZE_MAX && copy == 0) {
            if (lv_page_can_hold(&sc->page, plain.len)) {
                held = lv_page_hold(&sc->page, &plain);
            } else {
                copy = 1;
            }
        }
        if (copy) {
            lv_page_add(&sc->page, &k, c->ingestion_time, c->stream_id,
                        ev[i].msg, ev[i].len);
        } else {
            lv_page_add_held(&sc->page, &k, c->ingestion_time,
                             c->stream_id, held, ev[i].msg, ev[i].len);
        }
    }
    if (lv_page_over(&sc->page)) {
        lv_page_trim(&sc->page, !sc->forward);
    }
    lv_chunk_plain_release(&plain);
    return 0;
}

/* ---- the response ---------------------------------------------------------- */

static void write_page(struct scan *sc, const struct lv_log_stream *st,
                       const char *given, struct lv_jw *w)
{
    const struct lv_page *pg = &sc->page;
    char fwd[TOKEN_MAX];
    char bwd[TOKEN_MAX];

    if (pg->n > 0) {
        struct lv_page_key after = pg->items[pg->n - 1].k;

        after.idx++;
        token_format(fwd, 1, &after, st->id);
        token_format(bwd, 0, &pg->items[0].k, st->id);
    } else {
        token_format(fwd, 1, &sc->bound, st->id);
        token_format(bwd, 0, &sc->bound, st->id);
        if (given) {
            /* At the end: the token passed in comes back unchanged. */
            snprintf(sc->forward ? fwd : bwd, TOKEN_MAX, "%s", given);
        }
    }
    lv_jw_key(w, "events");
    lv_page_write_events(pg, w);
    lv_jw_kstr(w, "nextForwardToken", fwd);
    lv_jw_kstr(w, "nextBackwardToken", bwd);
}

int lv_logs_op_get_log_events(struct lv_req *rq, const json_t *in,
                              struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    struct lv_log_stream st;
    struct lv_dp_set *mask = NULL;
    struct scan sc;
    const char *stream_name = lv_json_str(in, "logStreamName");
    const char *token = lv_json_str(in, "nextToken");
    int64_t v;
    int head = 0;
    int unmask = 0;
    int rc;
    int ret = -1;

    memset(&sc, 0, sizeof(sc));
    lv_buf_init(&sc.payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
    lv_page_init(&sc.page, DEFAULT_LIMIT);
    sc.rq = rq;
    sc.err = err;
    sc.lo = 0;
    sc.hi = INT64_MAX;
    if (lv_json_int64(in, "limit", &v)) {
        if (v < 1 || v > MAX_LIMIT) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "1 validation error detected: Value '%" PRId64 "' at "
                       "'limit' failed to satisfy constraint: Member must "
                       "have value %s %d", v,
                       v < 1 ? "greater than or equal to"
                             : "less than or equal to",
                       v < 1 ? 1 : MAX_LIMIT);
            goto out;
        }
        sc.page.limit = (size_t)v;
    }
    if (lv_json_int64(in, "startTime", &v) && v > sc.lo) {
        sc.lo = v;
    }
    if (lv_json_int64(in, "endTime", &v)) {
        sc.hi = v;
    }
    lv_json_bool(in, "startFromHead", &head);
    if (lv_logs_find_group(rq, in, &g, err) < 0 ||
        lv_logs_class_check(g.log_group_class, LV_FEAT_READ_EVENTS,
                            err) < 0) {
        goto out;
    }
    if (lv_logs_find_stream(rq, &g, stream_name, &st, err) < 0) {
        goto out;
    }
    /* Data protection (logs/dataprot.h): masked unless unmask is asked
     * for, and allowed. */
    lv_json_bool(in, "unmask", &unmask);
    if (lv_dp_read_prepare(rq, &g, unmask, &mask, err) < 0) {
        goto out;
    }
    if (token) {
        if (token_parse(token, st.id, &sc.forward, &sc.bound, err) < 0) {
            goto out;
        }
    } else {
        sc.forward = head;
        sc.bound.ts = sc.forward ? INT64_MIN : INT64_MAX;
        sc.bound.chunk = sc.bound.ts;
        sc.bound.idx = sc.bound.ts;
    }
    /* Events past the group's retention are never returned. */
    if (g.retention_days > 0 &&
        rq->now_ms - (int64_t)g.retention_days * DAY_MS > sc.lo) {
        sc.lo = rq->now_ms - (int64_t)g.retention_days * DAY_MS;
    }
    lv_datakey_session_init(&sc.ds, rq, &g);
    if (sc.lo < sc.hi) {
        int64_t lo = sc.lo;
        int64_t hi = sc.hi;

        if (sc.forward && sc.bound.ts > lo) {
            lo = sc.bound.ts;
        }
        if (!sc.forward && sc.bound.ts < INT64_MAX &&
            sc.bound.ts + 1 < hi) {
            hi = sc.bound.ts + 1;
        }
        rc = lv_store_logs_chunk_list_stream(rq->store, st.id, lo, hi,
                                             !sc.forward, visit, &sc, err);
        if (rc < 0) {
            goto out;
        }
        if (sc.page.n > 0) {
            lv_page_trim(&sc.page, !sc.forward);
        }
    }
    if (!token) {
        /* An empty first page: both tokens at the start of the range, so
         * that following nextForwardToken finds events ingested later. */
        sc.bound.ts = sc.lo;
        sc.bound.chunk = 0;
        sc.bound.idx = 0;
    }
    lv_dp_mask_page(mask, &sc.page);
    write_page(&sc, &st, token, w);
    ret = 0;
out:
    lv_dp_set_free(mask);
    lv_page_release(&sc.page);
    lv_buf_release(&sc.payload);
    return ret;
}
