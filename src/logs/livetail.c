/*
 * livetail.c: StartLiveTail — a session that streams the events ingested
 * into up to 10 log groups from the moment it starts, as event-stream
 * messages (svc/req.h struct lv_stream, util/evstream.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_StartLiveTail.html
 *
 * Before the stream starts, errors are ordinary JSON errors: a group that
 * does not exist (ResourceNotFoundException), an ARN ending in "*",
 * logStreamNames with logStreamNamePrefixes, either of them with more than
 * one group, a bad filter pattern (InvalidParameterException), too many
 * sessions (LimitExceededException). Then the stream: one sessionStart
 * (requestId, sessionId, the groups as given, the stream filters and the
 * pattern), then a sessionUpdate about every second, empty when nothing
 * new matched, "sampled" with 500 events at most when more matched in
 * that second (LV_LIVETAIL_MAX_EVENTS; a uniform sample), and after three
 * hours a SessionTimeoutException message, which ends it.
 *
 * Where new events come from: a session polls the store (every node of a
 * PostgreSQL cluster sees every commit) for each group's chunks whose
 * ingestion time is at or after the session's start and within the last
 * POLL_WINDOW_MS (lv_store_logs_chunk_list_ingested). A chunk's commit can
 * come after a chunk ingested later, so the window is re-read each poll
 * and the chunk ids already sent are skipped; a commit that takes longer
 * than the window is missed (the group committer commits within a second
 * or fails).
 *
 * Chunks are opened as the Logs service principal through the group's
 * key, with a fresh lv_datakey_session per poll, so a KMS key disabled,
 * scheduled for deletion or whose policy no longer allows Logs ends the
 * session at the next poll with a SessionStreamingException message
 * carrying the AccessDeniedException text that GetLogEvents gives (the
 * stream's model has only two exceptions; AWS documents none for this
 * case, so the stricter one: the session ends). The group's key is asked
 * at every poll, new chunks or not. A group deleted meanwhile ends the
 * session the same way with "The specified log group does not exist.";
 * a store fault, with a generic message (the fault is logged).
 *
 * Limits: LV_LIVETAIL_MAX_PER_ACCOUNT sessions at once per account and
 * region (the CloudWatch Logs quota, 15) over every node sharing the
 * store, LV_LIVETAIL_MAX_SESSIONS in this server (each holds a connection
 * and a poll per second). The first is kept in the store's session book
 * (store/livetail_store.h, see livetail.h for renewal and expiry): a
 * session whose row was lost (it expired while the session was stalled
 * longer than LV_LIVETAIL_EXPIRY_MS, and another took the slot) books
 * itself again at its next renewal, and ends with a
 * SessionStreamingException carrying the limit's message when the scope
 * is full by then. A store fault while renewing ends the session as one
 * while polling does.
 *
 * logvault has no IAM identity policies for the Logs API: any principal
 * of the account may start a session, as with the other Logs operations.
 * Event text is never logged.
 */
#include "logs/logs.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "logs/chunk.h"
#include "logs/classes.h"
#include "logs/dataprot.h"
#include "logs/datakey.h"
#include "logs/filter.h"
#include "logs/livetail.h"
#include "logs/logs_int.h"
#include "store/livetail_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/evstream.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

#define MAX_GROUPS 10
/* Chunks ingested this long ago are still looked for (see the top). */
#define POLL_WINDOW_MS (30 * 1000)
/* An update's JSON is kept under this, so that a second of large events
 * fits one event-stream message; what does not fit is left out and the
 * update is marked sampled. */
#define MAX_UPDATE_BYTES (8u * 1024 * 1024)
/* "Live Tail sessions time out after three hours." */
#define SESSION_MAX_MS (3LL * 3600 * 1000)
#define POLL_INTERVAL_MS 1000

struct lv_logs_livetail {
    pthread_mutex_t lock;
    struct lt_session *head;    /* the live sessions */
    int n;
};

struct lt_group {
    struct lv_log_group g;
    char *ident;                /* as the client named it */
};

struct lt_stream_name {
    int64_t id;
    char *name;
};

struct lt_seen {
    int64_t id;
    int64_t ingestion_time;
};

struct lt_item {
    int64_t ts, ing;
    int64_t stream_id;
    size_t group;
    char *msg;
    size_t len;
};

struct lt_session {
    struct lv_stream stream;    /* first: the front's handle */
    struct lv_logs_livetail *reg;
    struct lt_session *next;
    struct lv_req rq;           /* the starting request, for KMS calls */
    char account[13];
    char request_id[37];
    char session_id[37];
    struct lt_group groups[MAX_GROUPS];
    size_t n_groups;
    json_t *names;              /* logStreamNames, or NULL */
    json_t *prefixes;           /* logStreamNamePrefixes, or NULL */
    char *pattern;              /* NULL when none */
    size_t pattern_len;
    struct lv_filter *f;
    int64_t start_ms, end_ms;
    int started;                /* sessionStart sent */
    int booked;                 /* in the store's session book */
    int64_t renew_ms;           /* when the row is renewed next */
    struct lt_stream_name *snames;
    size_t n_snames, cap_snames;
    struct lt_seen *seen;
    size_t n_seen, cap_seen;
    /* this poll's matches: a reservoir of LV_LIVETAIL_MAX_EVENTS */
    struct lt_item items[LV_LIVETAIL_MAX_EVENTS];
    size_t n_items;
    int64_t matched;
    uint64_t rng;
};

/* ---- the registry ------------------------------------------------------ */

struct lv_logs_livetail *lv_logs_livetail_new(void)
{
    struct lv_logs_livetail *reg = lv_xcalloc(1, sizeof(*reg));

    pthread_mutex_init(&reg->lock, NULL);
    return reg;
}

void lv_logs_livetail_free(struct lv_logs_livetail *reg)
{
    if (!reg) {
        return;
    }
    if (reg->head) {
        LV_BUG("livetail: %d sessions outlive the Logs service", reg->n);
    }
    pthread_mutex_destroy(&reg->lock);
    free(reg);
}

#define LIMIT_MSG                                                            \
    "The maximum number of concurrent Live Tail sessions (%d) for this "     \
    "account has been reached."

/* Books s in the store's session book at now_ms: 1 booked, 0 the scope
 * is full, -1 with *err on a store fault. */
static int book(struct lt_session *s, int64_t now_ms, struct lv_err *err)
{
    struct lv_livetail_rec r;
    int rc;

    memset(&r, 0, sizeof(r));
    snprintf(r.id, sizeof(r.id), "%s", s->session_id);
    snprintf(r.account, sizeof(r.account), "%s", s->account);
    snprintf(r.region, sizeof(r.region), "%s", s->rq.region);
    lv_logs_node_name(r.node);
    r.started_ms = s->start_ms;
    r.expires_ms = now_ms + LV_LIVETAIL_EXPIRY_MS;
    rc = lv_store_livetail_admit(s->rq.store, &r,
                                 LV_LIVETAIL_MAX_PER_ACCOUNT, now_ms, err);
    if (rc > 0) {
        s->booked = 1;
        s->renew_ms = now_ms + LV_LIVETAIL_RENEW_MS;
    }
    return rc;
}

/* Takes one of this server's slots for s, then books it in the store;
 * LimitExceededException when either is full. */
static int admit(struct lv_logs_livetail *reg, struct lt_session *s,
                 struct lv_err *err)
{
    int rc;

    pthread_mutex_lock(&reg->lock);
    if (reg->n >= LV_LIVETAIL_MAX_SESSIONS) {
        pthread_mutex_unlock(&reg->lock);
        lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                   "The maximum number of concurrent Live Tail sessions "
                   "on this server (%d) has been reached.",
                   LV_LIVETAIL_MAX_SESSIONS);
        return -1;
    }
    s->reg = reg;
    s->next = reg->head;
    reg->head = s;
    reg->n++;
    pthread_mutex_unlock(&reg->lock);
    rc = book(s, s->start_ms, err);
    if (rc == 0) {
        lv_err_set(err, LV_E_LIMIT_EXCEEDED, LIMIT_MSG,
                   LV_LIVETAIL_MAX_PER_ACCOUNT);
    }
    /* On failure the caller's session_free() leaves the server's book. */
    return rc > 0 ? 0 : -1;
}

/* Renews s's row when due; books it again when it was lost. 0 go on,
 * -1 with *err: end the session (the scope full: LV_E_LIMIT_EXCEEDED). */
static int renew(struct lt_session *s, int64_t now_ms, struct lv_err *err)
{
    int rc;

    if (now_ms < s->renew_ms) {
        return 0;
    }
    rc = lv_store_livetail_renew(s->rq.store, s->session_id, now_ms,
                                 now_ms + LV_LIVETAIL_EXPIRY_MS, err);
    if (rc < 0) {
        return -1;
    }
    if (rc > 0) {
        s->renew_ms = now_ms + LV_LIVETAIL_RENEW_MS;
        return 0;
    }
    /* Expired and maybe reaped: the row (if still there) is stale. */
    s->booked = 0;
    if (lv_store_livetail_remove(s->rq.store, s->session_id, err) < 0) {
        return -1;
    }
    rc = book(s, now_ms, err);
    if (rc == 0) {
        lv_err_set(err, LV_E_LIMIT_EXCEEDED, LIMIT_MSG,
                   LV_LIVETAIL_MAX_PER_ACCOUNT);
    }
    lv_log(LV_LOG_WARN, "livetail: session=%s lost its slot, %s",
           s->session_id, rc > 0 ? "booked again" : "ends");
    return rc > 0 ? 0 : -1;
}

static void leave(struct lt_session *s)
{
    struct lv_logs_livetail *reg = s->reg;
    struct lv_err err = LV_ERR_INIT;

    if (s->booked) {
        /* A fault leaves the row to expire (logged by the store). */
        if (lv_store_livetail_remove(s->rq.store, s->session_id,
                                     &err) < 0) {
            lv_log(LV_LOG_WARN, "livetail: session=%s left in the book "
                   "until it expires", s->session_id);
        }
        lv_err_release(&err);
        s->booked = 0;
    }
    if (!reg) {
        return;
    }
    pthread_mutex_lock(&reg->lock);
    for (struct lt_session **p = &reg->head; *p; p = &(*p)->next) {
        if (*p == s) {
            *p = s->next;
            reg->n--;
            break;
        }
    }
    pthread_mutex_unlock(&reg->lock);
    s->reg = NULL;
}

/* ---- the session ------------------------------------------------------- */

static void items_clear(struct lt_session *s)
{
    for (size_t i = 0; i < s->n_items; i++) {
        lv_secret_free(s->items[i].msg, s->items[i].len);
    }
    s->n_items = 0;
    s->matched = 0;
}

static void session_free(struct lt_session *s)
{
    if (!s) {
        return;
    }
    leave(s);
    items_clear(s);
    for (size_t i = 0; i < s->n_groups; i++) {
        free(s->groups[i].ident);
    }
    for (size_t i = 0; i < s->n_snames; i++) {
        free(s->snames[i].name);
    }
    free(s->snames);
    free(s->seen);
    json_decref(s->names);
    json_decref(s->prefixes);
    free(s->pattern);
    lv_filter_free(s->f);
    free(s->rq.trace);
    free(s);
}

static void stream_free(struct lv_stream *st)
{
    session_free((struct lt_session *)st);
}

static uint64_t next_rand(struct lt_session *s)
{
    /* splitmix64: a sample needs spread, not secrecy */
    uint64_t z = (s->rng += 0x9E3779B97F4A7C15ull);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static int stream_each(void *arg, const struct lv_log_stream *st)
{
    struct lt_session *s = arg;

    for (size_t i = 0; i < s->n_snames; i++) {
        if (s->snames[i].id == st->id) {
            return 0;
        }
    }
    if (s->n_snames == s->cap_snames) {
        s->cap_snames = s->cap_snames ? 2 * s->cap_snames : 16;
        s->snames = lv_xrealloc(s->snames,
                                s->cap_snames * sizeof(*s->snames));
    }
    s->snames[s->n_snames].id = st->id;
    s->snames[s->n_snames].name = lv_xstrdup(st->name);
    s->n_snames++;
    return 0;
}

/* The name of stream `id` of group g, looking the group's streams up
 * again when it is not known yet; NULL when it cannot be found. */
static const char *stream_name(struct lt_session *s,
                               const struct lv_log_group *g, int64_t id,
                               struct lv_err *err)
{
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = 0; i < s->n_snames; i++) {
            if (s->snames[i].id == id) {
                return s->snames[i].name;
            }
        }
        if (pass == 0 &&
            lv_store_logs_stream_list(s->rq.store, g->id, "", "", 0,
                                      stream_each, s, err) < 0) {
            return NULL;
        }
    }
    return NULL;
}

/* Whether the stream called `name` is one the session asked for. */
static int stream_wanted(const struct lt_session *s, const char *name)
{
    size_t i;
    const json_t *v;

    if (s->names) {
        json_array_foreach(s->names, i, v) {
            if (strcmp(json_string_value(v), name) == 0) {
                return 1;
            }
        }
        return 0;
    }
    if (s->prefixes) {
        json_array_foreach(s->prefixes, i, v) {
            const char *p = json_string_value(v);

            if (strncmp(name, p, strlen(p)) == 0) {
                return 1;
            }
        }
        return 0;
    }
    return 1;
}

/* 1 when chunk `id` was already read (else it is noted as read). */
static int seen_before(struct lt_session *s, const struct lv_log_chunk *c)
{
    for (size_t i = 0; i < s->n_seen; i++) {
        if (s->seen[i].id == c->id) {
            return 1;
        }
    }
    if (s->n_seen == s->cap_seen) {
        s->cap_seen = s->cap_seen ? 2 * s->cap_seen : 64;
        s->seen = lv_xrealloc(s->seen, s->cap_seen * sizeof(*s->seen));
    }
    s->seen[s->n_seen].id = c->id;
    s->seen[s->n_seen].ingestion_time = c->ingestion_time;
    s->n_seen++;
    return 0;
}

/* Forgets the chunks that fell out of the window. */
static void seen_prune(struct lt_session *s, int64_t since)
{
    size_t k = 0;

    for (size_t i = 0; i < s->n_seen; i++) {
        if (s->seen[i].ingestion_time >= since) {
            s->seen[k++] = s->seen[i];
        }
    }
    s->n_seen = k;
}

/* Offers one matching event to the reservoir (Algorithm R). */
static void offer(struct lt_session *s, size_t group, int64_t stream_id,
                  int64_t ing, const struct lv_chunk_event *e)
{
    size_t slot;

    s->matched++;
    if (s->n_items < LV_LIVETAIL_MAX_EVENTS) {
        slot = s->n_items++;
    } else {
        uint64_t r = next_rand(s) % (uint64_t)s->matched;

        if (r >= LV_LIVETAIL_MAX_EVENTS) {
            return;
        }
        slot = (size_t)r;
        lv_secret_free(s->items[slot].msg, s->items[slot].len);
    }
    s->items[slot].ts = e->ts;
    s->items[slot].ing = ing;
    s->items[slot].stream_id = stream_id;
    s->items[slot].group = group;
    s->items[slot].msg = lv_xmalloc(e->len + 1);
    memcpy(s->items[slot].msg, e->msg, e->len);
    s->items[slot].msg[e->len] = '\0';
    s->items[slot].len = e->len;
}

struct poll_ctx {
    struct lt_session *s;
    size_t group;
    struct lv_datakey_session ds;
    struct lv_buf payload;
    struct lv_dp_set *mask;     /* the group's data protection policies
                                 * (dataprot.h), NULL: nothing masked */
    struct lv_buf masked;
    struct lv_err *err;
};

static int visit(void *arg, const struct lv_log_chunk *c)
{
    struct poll_ctx *pc = arg;
    struct lt_session *s = pc->s;
    const struct lv_log_group *g = &s->groups[pc->group].g;
    struct lv_chunk_plain plain = LV_CHUNK_PLAIN_INIT;
    const char *name;
    int all = lv_filter_kind(s->f) == LV_FILTER_ALL;
    int found;

    if (c->ingestion_time < s->start_ms || seen_before(s, c)) {
        return 0;
    }
    name = stream_name(s, g, c->stream_id, pc->err);
    if (!name) {
        /* A store fault, or a stream deleted meanwhile: nothing to
         * show. */
        return pc->err->code != LV_E_NONE ? -1 : 0;
    }
    if (!stream_wanted(s, name)) {
        return 0;
    }
    found = lv_datakey_open_chunk(&pc->ds, c, &pc->payload, &plain,
                                  pc->err);
    if (found <= 0) {
        return found;
    }
    for (size_t i = 0; i < plain.n; i++) {
        struct lv_chunk_event e = plain.ev[i];

        /* Masked as every read path masks, and matched masked, as
         * FilterLogEvents does: a pattern must not find what the caller
         * may not see. */
        if (pc->mask && lv_logs_mask(pc->mask, c->ingestion_time, e.msg,
                                     e.len, &pc->masked) == 1) {
            e.msg = pc->masked.data;
            e.len = pc->masked.len;
        }
        if (all || lv_filter_match(s->f, e.msg, e.len)) {
            offer(s, pc->group, c->stream_id, c->ingestion_time, &e);
        }
    }
    lv_chunk_plain_release(&plain);
    return 0;
}

/* One poll of every group into the reservoir. */
static int poll_groups(struct lt_session *s, int64_t now_ms,
                       struct lv_err *err)
{
    int64_t since = now_ms - POLL_WINDOW_MS;
    int ret = 0;

    if (since < s->start_ms) {
        since = s->start_ms;
    }
    seen_prune(s, since);
    for (size_t i = 0; i < s->n_groups && ret == 0; i++) {
        struct poll_ctx pc;

        /* The group as it stands (its key may have changed), and whether
         * its key may still be used, new chunks or not. */
        if (lv_logs_find_group_by(&s->rq, s->groups[i].ident,
                                  &s->groups[i].g, err) < 0) {
            return -1;
        }
        pc.s = s;
        pc.group = i;
        pc.err = err;
        lv_datakey_session_init(&pc.ds, &s->rq, &s->groups[i].g);
        if (lv_datakey_check_read(&pc.ds, err) < 0) {
            return -1;
        }
        /* The policies as they stand at this poll (one put since the
         * last is seen within a second). */
        pc.mask = NULL;
        if (lv_dp_set_load(s->rq.store, s->groups[i].g.account,
                           s->groups[i].g.region, s->groups[i].g.id,
                           &pc.mask, err) < 0) {
            return -1;
        }
        lv_buf_init(&pc.payload, 2 * (size_t)LV_CHUNK_MAX_RAW + 4096);
        lv_buf_init(&pc.masked, SIZE_MAX);
        ret = lv_store_logs_chunk_list_ingested(s->rq.store,
                                                s->groups[i].g.id, since,
                                                visit, &pc, err);
        lv_buf_release(&pc.payload);
        lv_secret_wipe(pc.masked.data, pc.masked.cap);
        lv_buf_release(&pc.masked);
        lv_dp_set_free(pc.mask);
    }
    return ret < 0 ? -1 : 0;
}

static int item_cmp(const void *a, const void *b)
{
    const struct lt_item *x = a;
    const struct lt_item *y = b;

    if (x->ing != y->ing) {
        return x->ing < y->ing ? -1 : 1;
    }
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static void write_strs(struct lv_jw *w, const char *key, const json_t *a)
{
    size_t i;
    const json_t *v;

    lv_jw_key(w, key);
    lv_jw_arr_open(w);
    json_array_foreach(a, i, v) {
        lv_jw_str(w, json_string_value(v));
    }
    lv_jw_arr_close(w);
}

static int write_start(struct lt_session *s, struct lv_buf *out)
{
    struct lv_buf j = LV_BUF_INIT(LV_EVSTREAM_MAX_MESSAGE / 2);
    struct lv_jw w;
    int ret = -1;

    lv_jw_init(&w, &j);
    lv_jw_obj_open(&w);
    lv_jw_kstr(&w, "requestId", s->request_id);
    lv_jw_kstr(&w, "sessionId", s->session_id);
    lv_jw_key(&w, "logGroupIdentifiers");
    lv_jw_arr_open(&w);
    for (size_t i = 0; i < s->n_groups; i++) {
        lv_jw_str(&w, s->groups[i].ident);
    }
    lv_jw_arr_close(&w);
    if (s->names) {
        write_strs(&w, "logStreamNames", s->names);
    }
    if (s->prefixes) {
        write_strs(&w, "logStreamNamePrefixes", s->prefixes);
    }
    if (s->pattern) {
        lv_jw_key(&w, "logEventFilterPattern");
        lv_jw_strn(&w, s->pattern, s->pattern_len);
    }
    lv_jw_obj_close(&w);
    if (lv_jw_finish(&w) == 0) {
        ret = lv_evstream_event(out, "sessionStart", j.data, j.len);
    }
    lv_buf_release(&j);
    return ret;
}

static int write_update(struct lt_session *s, struct lv_buf *out)
{
    struct lv_buf j = LV_BUF_INIT(LV_EVSTREAM_MAX_MESSAGE / 2);
    struct lv_jw w;
    size_t bytes = 0;
    int sampled = s->matched > (int64_t)s->n_items;
    size_t n = s->n_items;
    int ret = -1;

    qsort(s->items, s->n_items, sizeof(s->items[0]), item_cmp);
    for (size_t i = 0; i < s->n_items; i++) {
        /* the message escaped at worst, and the other members */
        bytes += LV_BUF_JSON_STR_MAX(s->items[i].len) + 1200;
        if (bytes > MAX_UPDATE_BYTES) {
            n = i;
            sampled = 1;
            break;
        }
    }
    lv_jw_init(&w, &j);
    lv_jw_obj_open(&w);
    lv_jw_key(&w, "sessionMetadata");
    lv_jw_obj_open(&w);
    lv_jw_kbool(&w, "sampled", sampled);
    lv_jw_obj_close(&w);
    lv_jw_key(&w, "sessionResults");
    lv_jw_arr_open(&w);
    for (size_t i = 0; i < n; i++) {
        const struct lt_item *it = &s->items[i];
        const struct lt_group *g = &s->groups[it->group];
        const char *name = NULL;

        for (size_t k = 0; k < s->n_snames; k++) {
            if (s->snames[k].id == it->stream_id) {
                name = s->snames[k].name;
            }
        }
        lv_jw_obj_open(&w);
        lv_jw_kstr(&w, "logStreamName", name ? name : "");
        lv_jw_kstr(&w, "logGroupIdentifier", g->ident);
        lv_jw_key(&w, "message");
        lv_jw_strn(&w, it->msg, it->len);
        lv_jw_kint64(&w, "timestamp", it->ts);
        lv_jw_kint64(&w, "ingestionTime", it->ing);
        lv_jw_obj_close(&w);
    }
    lv_jw_arr_close(&w);
    lv_jw_obj_close(&w);
    if (lv_jw_finish(&w) == 0) {
        ret = lv_evstream_event(out, "sessionUpdate", j.data, j.len);
    }
    lv_secret_wipe(j.data, j.len);
    lv_buf_release(&j);
    items_clear(s);
    return ret;
}

static int stream_pump(struct lv_stream *st, struct lv_buf *out,
                       int64_t now_ms)
{
    struct lt_session *s = (struct lt_session *)st;
    struct lv_err err = LV_ERR_INIT;

    if (!s->started) {
        s->started = 1;
        if (write_start(s, out) < 0) {
            LV_BUG("livetail: the sessionStart message does not fit");
        }
        return 1;
    }
    if (now_ms >= s->end_ms) {
        lv_evstream_exception(out, "SessionTimeoutException",
                              "Session timed out after 3 hours.");
        lv_log(LV_LOG_INFO, "livetail: session=%s timed out",
               s->session_id);
        return 0;
    }
    s->rq.now = (time_t)(now_ms / 1000);
    s->rq.now_ms = now_ms;
    if (renew(s, now_ms, &err) < 0 || poll_groups(s, now_ms, &err) < 0) {
        items_clear(s);
        if (err.code == LV_E_ACCESS_DENIED ||
            err.code == LV_E_RESOURCE_NOT_FOUND ||
            err.code == LV_E_LIMIT_EXCEEDED) {
            lv_evstream_exception(out, "SessionStreamingException",
                                  lv_err_msg(&err));
        } else {
            lv_log(LV_LOG_ERROR, "livetail: session=%s poll failed type=%s",
                   s->session_id, lv_err_type(err.code));
            lv_evstream_exception(out, "SessionStreamingException",
                                  "An internal error occurred.");
        }
        lv_log(LV_LOG_INFO, "livetail: session=%s ended type=%s",
               s->session_id, lv_err_type(err.code));
        lv_err_release(&err);
        return 0;
    }
    if (write_update(s, out) < 0) {
        LV_BUG("livetail: an update does not fit its message");
    }
    lv_err_release(&err);
    return 1;
}

/* ---- the handler -------------------------------------------------------- */

static int copy_strs(const json_t *in, const char *key, json_t **out)
{
    const json_t *a = lv_json_arr(in, key);

    *out = a ? json_deep_copy(a) : NULL;
    return a != NULL;
}

int lv_logs_op_start_live_tail(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    struct lt_session *s = lv_xcalloc(1, sizeof(*s));
    const json_t *ids = lv_json_arr(in, "logGroupIdentifiers");
    size_t plen = 0;
    const char *pattern = lv_json_strn(in, "logEventFilterPattern", &plen);
    size_t i;
    const json_t *v;
    int ret = -1;

    (void)w;
    s->rq = *rq;
    s->rq.body = NULL;
    s->rq.body_len = 0;
    s->rq.body_pad = 0;
    s->rq.in = NULL;
    s->rq.user_agent = NULL;
    s->rq.trace = NULL;
    s->rq.stream = NULL;
    snprintf(s->account, sizeof(s->account), "%s", rq->who.account);
    snprintf(s->request_id, sizeof(s->request_id), "%s", rq->id);
    lv_uuid4(s->session_id);
    lv_rand_bytes(&s->rng, sizeof(s->rng));
    s->start_ms = rq->now_ms;
    s->end_ms = rq->now_ms + SESSION_MAX_MS;
    s->stream.pump = stream_pump;
    s->stream.free = stream_free;
    s->stream.interval_ms = POLL_INTERVAL_MS;

    copy_strs(in, "logStreamNames", &s->names);
    copy_strs(in, "logStreamNamePrefixes", &s->prefixes);
    if (s->names && s->prefixes) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "logStreamNames and logStreamNamePrefixes are mutually "
                   "exclusive.");
        goto out;
    }
    if ((s->names || s->prefixes) && json_array_size(ids) != 1) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "%s can be specified only when exactly one log group is "
                   "specified in logGroupIdentifiers.",
                   s->names ? "logStreamNames" : "logStreamNamePrefixes");
        goto out;
    }
    if (pattern) {
        s->pattern = lv_xmalloc(plen + 1);
        memcpy(s->pattern, pattern, plen);
        s->pattern[plen] = '\0';
        s->pattern_len = plen;
    }
    s->f = lv_filter_compile(pattern ? pattern : "", pattern ? plen : 0,
                             err);
    if (!s->f) {
        goto out;
    }
    /* The model bounds the list to 1–10 (checked by the front). */
    json_array_foreach(ids, i, v) {
        const char *id = json_string_value(v);
        size_t n = strlen(id);

        if (i >= MAX_GROUPS) {
            break;
        }
        if (n > 0 && id[n - 1] == '*') {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "The log group ARN '%s' can't end with an asterisk "
                       "(*).", id);
            goto out;
        }
        if (lv_logs_find_group_by(rq, id, &s->groups[s->n_groups].g,
                                  err) < 0 ||
            lv_logs_class_check(s->groups[s->n_groups].g.log_group_class,
                                LV_FEAT_LIVE_TAIL, err) < 0) {
            goto out;
        }
        s->groups[s->n_groups].ident = lv_xstrdup(id);
        s->n_groups++;
    }
    if (admit(rq->app->logs->livetail, s, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "livetail: req=%s session=%s started groups=%zu",
           rq->id, s->session_id, s->n_groups);
    rq->stream = &s->stream;
    s = NULL;
    ret = 0;
out:
    session_free(s);
    return ret;
}
