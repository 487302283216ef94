/*
 * lookup_events.c: CloudTrail LookupEvents over the audit trail.
 *
 * https://docs.aws.amazon.com/awscloudtrail/latest/APIReference/
 * API_LookupEvents.html
 * — at most one lookup attribute ("Currently the list can contain only
 * one item"), exact match; StartTime/EndTime inclusive, EndTime defaulting
 * to now; MaxResults 1 to 50, default 50 (the model's range, checked by
 * the front); events newest first; NextToken bound to the query that made
 * it. EventCategory "insight" answers no events: logvault has no Insights.
 * "The rate of lookup requests is limited to two per second, per account,
 * per Region. If this limit is exceeded, a throttling error occurs."
 * (serve --lookup-events-rate; throttle.h).
 */
#include "cloudtrail/cloudtrail.h"

#include <jansson.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "audit/event.h"
#include "cloudtrail/throttle.h"
#include "crypto/keyring.h"
#include "store/audit_store.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* LookupEvents' MaxResults when absent (the API reference: "The default
 * is 50"). */
#define DEFAULT_MAX_RESULTS 50

/* ThrottlingException's message: AWS's throttling answers say "Rate
 * exceeded" (the CloudTrail API reference documents the error, not its
 * text; this is the text clients report). */
#define THROTTLED_MSG "Rate exceeded"

#define TOKEN_TAG_BYTES 16
/* "<time ms>:<seq>", both int64: the last record of the page. */
#define CURSOR_MAX 48

/* The calls of every (account, region) this process answered lately. */
static struct lv_ct_rate lookup_rate = LV_CT_RATE_INIT;

static const struct {
    const char *key;            /* LookupAttributeKey */
    enum lv_audit_attr attr;
} attrs[] = {
    { "EventId", LV_AUDIT_ATTR_EVENT_ID },
    { "EventName", LV_AUDIT_ATTR_EVENT_NAME },
    { "ReadOnly", LV_AUDIT_ATTR_READ_ONLY },
    { "Username", LV_AUDIT_ATTR_USERNAME },
    { "ResourceType", LV_AUDIT_ATTR_RESOURCE_TYPE },
    { "ResourceName", LV_AUDIT_ATTR_RESOURCE_NAME },
    { "EventSource", LV_AUDIT_ATTR_EVENT_SOURCE },
    { "AccessKeyId", LV_AUDIT_ATTR_ACCESS_KEY_ID },
};

/* The query a token is bound to: what the request gave. An absent
 * EndTime is bound as absent, not as the time it defaults to, which moves
 * from one page to the next. */
struct query {
    const char *key;            /* the attribute's key, "" for none */
    struct lv_audit_filter f;
    const char *category;       /* EventCategory, "" for none */
    int has_start, has_end;     /* StartTime, EndTime given */
};

/* ---- paging tokens ----------------------------------------------------- */

static void token_tag(const struct lv_req *rq, const struct query *q,
                      const char *cursor, size_t cursor_len,
                      uint8_t tag[TOKEN_TAG_BYTES])
{
    struct lv_buf msg = LV_BUF_INIT(8192);
    uint8_t key[32];
    uint8_t mac[32];
    unsigned int len = sizeof(mac);
    char num[64];

    lv_keyring_derive(rq->app->keyring, "cloudtrail-next-token", NULL, 0,
                      key);
    /* Each part NUL-terminated, so that no two queries read the same. */
    lv_buf_add(&msg, rq->who.account, strlen(rq->who.account) + 1);
    lv_buf_add(&msg, rq->region, strlen(rq->region) + 1);
    lv_buf_add(&msg, q->key, strlen(q->key) + 1);
    lv_buf_add(&msg, q->f.value ? q->f.value : "",
               strlen(q->f.value ? q->f.value : "") + 1);
    snprintf(num, sizeof(num), "%d:%lld:%d:%lld", q->has_start,
             q->has_start ? (long long)q->f.start_ms : 0LL, q->has_end,
             q->has_end ? (long long)q->f.end_ms : 0LL);
    lv_buf_add(&msg, num, strlen(num) + 1);
    lv_buf_add(&msg, q->category, strlen(q->category) + 1);
    lv_buf_add(&msg, cursor, cursor_len);
    if (!HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)msg.data,
              msg.len, mac, &len)) {
        LV_BUG("cloudtrail: token HMAC failed");
    }
    memcpy(tag, mac, TOKEN_TAG_BYTES);
    OPENSSL_cleanse(key, sizeof(key));
    lv_buf_release(&msg);
}

static void token_write(const struct lv_req *rq, const struct query *q,
                        int64_t time_ms, int64_t seq, struct lv_jw *w)
{
    uint8_t raw[CURSOR_MAX + TOKEN_TAG_BYTES];
    int n = snprintf((char *)raw, CURSOR_MAX, "%lld:%lld", (long long)time_ms,
                     (long long)seq);
    char *enc;

    if (n < 0 || n >= CURSOR_MAX) {
        LV_BUG("cloudtrail: cursor does not fit");
    }
    token_tag(rq, q, (const char *)raw, (size_t)n, raw + n);
    enc = lv_b64_encode_alloc(raw, (size_t)n + TOKEN_TAG_BYTES, NULL);
    lv_jw_kstr(w, "NextToken", enc);
    free(enc);
}

/* The cursor a NextToken holds: 0, or -1 with InvalidNextTokenException
 * for a token this query did not make. */
static int token_read(const struct lv_req *rq, const struct query *q,
                      const char *t, int64_t *time_ms, int64_t *seq,
                      struct lv_err *err)
{
    unsigned char *raw = NULL;
    uint8_t tag[TOKEN_TAG_BYTES];
    char cursor[CURSOR_MAX];
    long long a, b;
    size_t len = 0;
    size_t n;
    char end;
    int ret = -1;

    if (strlen(t) > 2 * (CURSOR_MAX + TOKEN_TAG_BYTES)) {
        goto bad;
    }
    raw = lv_b64_decode_alloc(t, strlen(t), &len);
    if (!raw || len <= TOKEN_TAG_BYTES ||
        len - TOKEN_TAG_BYTES >= CURSOR_MAX) {
        goto bad;
    }
    n = len - TOKEN_TAG_BYTES;
    token_tag(rq, q, (const char *)raw, n, tag);
    if (CRYPTO_memcmp(tag, raw + n, TOKEN_TAG_BYTES) != 0) {
        goto bad;
    }
    memcpy(cursor, raw, n);
    cursor[n] = '\0';
    if (sscanf(cursor, "%lld:%lld%c", &a, &b, &end) != 2) {
        goto bad;
    }
    *time_ms = a;
    *seq = b;
    ret = 0;
    goto out;
bad:
    /* The API reference: "A token that is not valid, or a token that was
     * previously used in a request with different parameters." */
    lv_err_set(err, LV_E_INVALID_NEXT_TOKEN, "Invalid NextToken");
out:
    free(raw);
    return ret;
}

/* ---- the request ------------------------------------------------------- */

/* A Date member (epoch seconds, integer or real) as epoch ms: 1 when
 * present, 0 when absent, -1 with InvalidTimeRangeException when it is
 * out of the range of possible values. */
static int date_ms(const json_t *in, const char *name, int64_t *ms,
                   struct lv_err *err)
{
    double d;

    if (!lv_json_double(in, name, &d)) {
        return 0;
    }
    if (!isfinite(d) || d < 0 || d > 253402300799.0 /* 9999-12-31 */) {
        return lv_err_set(err, LV_E_INVALID_TIME_RANGE,
                          "%s is outside the range of possible values.",
                          name);
    }
    *ms = (int64_t)llround(d * 1000.0);
    return 1;
}

static int parse_query(const struct lv_req *rq, const json_t *in,
                       struct query *q, struct lv_err *err)
{
    const json_t *list = lv_json_arr(in, "LookupAttributes");

    memset(q, 0, sizeof(*q));
    q->key = "";
    q->category = lv_json_str(in, "EventCategory");
    if (!q->category) {
        q->category = "";
    }
    q->f.attr = LV_AUDIT_ATTR_NONE;
    if (list && json_array_size(list) > 1) {
        return lv_err_set(err, LV_E_INVALID_LOOKUP_ATTRIBUTES,
                          "You cannot specify more than one lookup "
                          "attribute.");
    }
    if (list && json_array_size(list) == 1) {
        const json_t *a = json_array_get(list, 0);
        const char *key = lv_json_str(a, "AttributeKey");
        const char *value = lv_json_str(a, "AttributeValue");
        size_t i;

        /* The model made both present, the key one of its enum. */
        for (i = 0; i < sizeof(attrs) / sizeof(*attrs); i++) {
            if (key && strcmp(key, attrs[i].key) == 0) {
                q->f.attr = attrs[i].attr;
                break;
            }
        }
        if (q->f.attr == LV_AUDIT_ATTR_NONE || !value) {
            return lv_err_set(err, LV_E_INVALID_LOOKUP_ATTRIBUTES,
                              "Invalid lookup attribute key.");
        }
        if (q->f.attr == LV_AUDIT_ATTR_READ_ONLY &&
            strcmp(value, "true") != 0 && strcmp(value, "false") != 0) {
            return lv_err_set(err, LV_E_INVALID_LOOKUP_ATTRIBUTES,
                              "ReadOnly lookup attribute value must be "
                              "true or false.");
        }
        q->key = key;
        q->f.value = value;
    }
    q->f.start_ms = 0;
    q->f.end_ms = rq->now_ms;
    q->has_start = date_ms(in, "StartTime", &q->f.start_ms, err);
    if (q->has_start < 0) {
        return -1;
    }
    q->has_end = date_ms(in, "EndTime", &q->f.end_ms, err);
    if (q->has_end < 0) {
        return -1;
    }
    if (q->f.start_ms > q->f.end_ms) {
        return lv_err_set(err, LV_E_INVALID_TIME_RANGE,
                          "Start time must be before end time.");
    }
    return 0;
}

/* ---- the answer -------------------------------------------------------- */

struct page {
    struct lv_jw *w;
    int limit;
    int n;                      /* events written */
    int more;                   /* a record past the page exists */
    int64_t last_time_ms, last_seq;
};

static void write_event(struct lv_jw *w, const struct lv_audit_record *r)
{
    struct lv_err err = LV_ERR_INIT;
    char *json = NULL;
    int i;

    /* The record's CloudTrail JSON, rendered from what it keeps
     * (audit/event.h). One that cannot be read was changed underneath
     * (`logvault audit verify` names it): listed, with an empty record. */
    if (lv_audit_event_render(r, &json, &err) < 0) {
        lv_log(LV_LOG_WARN, "cloudtrail: record %s cannot be rendered: %s",
               r->event_id, err.msg);
        lv_err_release(&err);
    }

    /* Member order as the API reference lists Event's. */
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "EventId", r->event_id);
    lv_jw_kstr(w, "EventName", r->event_name);
    lv_jw_kstr(w, "ReadOnly", r->read_only ? "true" : "false");
    if (r->access_key_id[0]) {
        lv_jw_kstr(w, "AccessKeyId", r->access_key_id);
    }
    lv_jw_key(w, "EventTime");
    lv_jw_double(w, (double)r->event_time_ms / 1000.0);
    lv_jw_kstr(w, "EventSource", r->event_source);
    if (r->username[0]) {
        lv_jw_kstr(w, "Username", r->username);
    }
    lv_jw_key(w, "Resources");
    lv_jw_arr_open(w);
    for (i = 0; i < r->n_resources && i < LV_AUDIT_MAX_RESOURCES; i++) {
        lv_jw_obj_open(w);
        lv_jw_kstr(w, "ResourceType", r->resources[i].type);
        lv_jw_kstr(w, "ResourceName", r->resources[i].name);
        lv_jw_obj_close(w);
    }
    lv_jw_arr_close(w);
    lv_jw_kstr(w, "CloudTrailEvent", json ? json : "{}");
    lv_jw_obj_close(w);
    free(json);
}

static int on_record(void *arg, const struct lv_audit_record *r)
{
    struct page *p = arg;

    if (p->n == p->limit) {
        p->more = 1;
        return 1;
    }
    write_event(p->w, r);
    p->n++;
    p->last_time_ms = r->event_time_ms;
    p->last_seq = r->seq;
    return 0;
}

int lv_cloudtrail_op_lookup_events(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    struct query q;
    struct page p = { .w = w, .limit = DEFAULT_MAX_RESULTS };
    int64_t before_time_ms = INT64_MAX, before_seq = INT64_MAX;
    const char *token = lv_json_str(in, "NextToken");
    int64_t max;
    long rate = rq->app ? rq->app->cfg.lookup_events_rate : 0;
    int rc;

    if (rate > 0 && !lv_ct_rate_take(&lookup_rate, rq->who.account,
                                     rq->region, rq->now_ms, rate)) {
        return lv_err_set(err, LV_E_THROTTLING, THROTTLED_MSG);
    }
    if (parse_query(rq, in, &q, err) < 0) {
        return -1;
    }
    if (lv_json_int64(in, "MaxResults", &max)) {
        /* The front held it to the model's 1..50; say so again here,
         * where the store's limit is taken from it. */
        if (max < 1 || max > 50) {
            return lv_err_set(err, LV_E_INVALID_MAX_RESULTS,
                              "MaxResults must be between 1 and 50.");
        }
        p.limit = (int)max;
    }
    if (token && token_read(rq, &q, token, &before_time_ms, &before_seq,
                            err) < 0) {
        return -1;
    }
    lv_jw_key(w, "Events");
    lv_jw_arr_open(w);
    if (strcmp(q.category, "insight") != 0) {
        rc = lv_store_audit_list(rq->store, rq->who.account, rq->region, &q.f,
                                 before_time_ms, before_seq, p.limit + 1,
                                 on_record, &p, err);
        if (rc < 0) {
            return -1;
        }
    }
    lv_jw_arr_close(w);
    if (p.more) {
        token_write(rq, &q, p.last_time_ms, p.last_seq, w);
    }
    return 0;
}
