/*
 * groups.c: the log group operations — CreateLogGroup, DeleteLogGroup,
 * DescribeLogGroups, ListLogGroups, PutLogGroupDeletionProtection,
 * PutRetentionPolicy, DeleteRetentionPolicy — and the opaque paging tokens
 * the groups area hands out (streams.c, tags.c and kmskey.c hold the
 * area's other operations).
 *
 * Output members and their order follow the CloudWatch Logs API Reference
 * (https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_LogGroup.html).
 */
#include "logs/logs.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "app.h"
#include "crypto/keyring.h"
#include "logs/classes.h"
#include "logs/groups_int.h"
#include "logs/respol.h"
#include "store/store.h"
#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* DescribeLogGroups: limit 1–50, default 50. ListLogGroups: 1–1000,
 * default 50 (the model's DescribeLimit / ListLimit). */
#define DESCRIBE_DEFAULT_LIMIT 50
#define LIST_DEFAULT_LIMIT 50

#define TOKEN_TAG_BYTES 16

static const char bad_token[] = "The specified nextToken is invalid.";

/* ---- paging tokens ----------------------------------------------------- */

static void token_tag(struct lv_req *rq, const char *kind, const char *scope,
                      const char *cursor, size_t cursor_len,
                      uint8_t tag[TOKEN_TAG_BYTES])
{
    struct lv_buf msg = LV_BUF_INIT(LV_LOGS_CURSOR_MAX + 512);
    uint8_t key[32];
    uint8_t mac[32];
    unsigned int len;

    lv_keyring_derive(rq->app->logs->keyring, "logs-next-token", NULL, 0, key);
    /* Each part is NUL-terminated, so no two tuples read the same. */
    lv_buf_add(&msg, kind, strlen(kind) + 1);
    lv_buf_add(&msg, rq->who.account, strlen(rq->who.account) + 1);
    lv_buf_add(&msg, rq->region, strlen(rq->region) + 1);
    lv_buf_add(&msg, scope, strlen(scope) + 1);
    lv_buf_add(&msg, cursor, cursor_len);
    len = sizeof(mac);
    if (!HMAC(EVP_sha256(), key, sizeof(key), (const uint8_t *)msg.data,
              msg.len, mac, &len)) {
        LV_BUG("logs: token HMAC failed");
    }
    memcpy(tag, mac, TOKEN_TAG_BYTES);
    OPENSSL_cleanse(key, sizeof(key));
    lv_buf_release(&msg);
}

void lv_logs_token_write(struct lv_req *rq, struct lv_jw *w, const char *kind,
                         const char *scope, const char *cursor)
{
    size_t n = strlen(cursor);
    uint8_t *raw = lv_xmalloc(n + TOKEN_TAG_BYTES);
    char *enc;

    memcpy(raw, cursor, n);
    token_tag(rq, kind, scope, cursor, n, raw + n);
    enc = lv_b64_encode_alloc(raw, n + TOKEN_TAG_BYTES, NULL);
    lv_jw_kstr(w, "nextToken", enc);
    free(enc);
    free(raw);
}

int lv_logs_token_read(struct lv_req *rq, const json_t *in, const char *kind,
                       const char *scope, char cursor[LV_LOGS_CURSOR_MAX],
                       struct lv_err *err)
{
    const char *t = lv_json_str(in, "nextToken");
    unsigned char *raw = NULL;
    uint8_t tag[TOKEN_TAG_BYTES];
    size_t len = 0;
    size_t n;
    int ret = -1;

    cursor[0] = '\0';
    if (!t) {
        return 0;
    }
    if (strlen(t) > 2 * LV_LOGS_CURSOR_MAX) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER, bad_token);
    }
    raw = lv_b64_decode_alloc(t, strlen(t), &len);
    if (!raw || len <= TOKEN_TAG_BYTES ||
        len - TOKEN_TAG_BYTES >= LV_LOGS_CURSOR_MAX) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, bad_token);
        goto out;
    }
    n = len - TOKEN_TAG_BYTES;
    token_tag(rq, kind, scope, (const char *)raw, n, tag);
    if (CRYPTO_memcmp(tag, raw + n, TOKEN_TAG_BYTES) != 0 ||
        memchr(raw, '\0', n) != NULL) {
        lv_err_set(err, LV_E_INVALID_PARAMETER, bad_token);
        goto out;
    }
    memcpy(cursor, raw, n);
    cursor[n] = '\0';
    ret = 1;
out:
    free(raw);
    return ret;
}

/* ---- shared ------------------------------------------------------------- */

int lv_logs_group_edit(struct lv_req *rq, const char *name_or_arn,
                       lv_logs_group_edit_fn fn, void *arg,
                       struct lv_err *err)
{
    struct lv_log_group g;
    int rc;

    if (lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    if (lv_logs_find_group_by(rq, name_or_arn, &g, err) < 0) {
        lv_store_rollback(rq->store);
        return -1;
    }
    rc = fn(arg, rq, &g, err);
    if (rc <= 0) {
        if (rc == 0) {
            lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                       "The specified log group does not exist.");
        }
        lv_store_rollback(rq->store);
        return -1;
    }
    return lv_store_commit(rq->store, err);
}

/*
 * A LogGroup object, members in AWS's order. `brief`: only logGroupName,
 * creationTime and arn, which is all AWS returns when DescribeLogGroups is
 * given logGroupNamePattern (documented on that parameter, and confirmed
 * by the service team in aws/aws-sdk#608).
 */
static void write_group(struct lv_store *s, struct lv_jw *w,
                        const struct lv_log_group *g, int brief)
{
    char arn[LV_LOGS_ARN_MAX];
    struct lv_err ferr;
    int filters = 0;

    lv_jw_obj_open(w);
    lv_jw_kstr(w, "logGroupName", g->name);
    lv_jw_kint64(w, "creationTime", g->creation_time);
    if (!brief && g->retention_days > 0) {
        lv_jw_kint64(w, "retentionInDays", g->retention_days);
    }
    if (!brief) {
        /* A store fault here is logged and shows as 0 rather than failing
         * the whole listing. */
        if (lv_store_logs_metric_filter_count(s, g->id, &filters,
                                              &ferr) < 0) {
            lv_log(LV_LOG_WARN, "logs: metric filter count failed group=%lld",
                   (long long)g->id);
            filters = 0;
        }
        lv_jw_kint64(w, "metricFilterCount", filters);
    }
    lv_logs_group_arn(g, 1, arn);
    lv_jw_kstr(w, "arn", arn);
    if (!brief) {
        lv_jw_kint64(w, "storedBytes", g->stored_bytes);
        if (g->kms_key_arn[0]) {
            lv_jw_kstr(w, "kmsKeyId", g->kms_key_arn);
        }
        lv_jw_kstr(w, "logGroupClass", g->log_group_class);
        lv_logs_group_arn(g, 0, arn);
        lv_jw_kstr(w, "logGroupArn", arn);
        lv_jw_kbool(w, "deletionProtectionEnabled", g->deletion_protection);
    }
    lv_jw_obj_close(w);
}

static int read_limit(const json_t *in, int def)
{
    int64_t v;

    /* The model's range (1–50 or 1–1000) was checked by the front. */
    if (lv_json_int64(in, "limit", &v) && v >= 1) {
        return (int)v;
    }
    return def;
}

/* ---- CreateLogGroup ----------------------------------------------------- */

int lv_logs_op_create_log_group(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    const char *name;
    const char *key_id = lv_json_str(in, "kmsKeyId");
    const char *cls = lv_json_str(in, "logGroupClass");
    const json_t *tags = lv_json_obj(in, "tags");
    int protect = 0;
    int found;
    int rc;

    (void)w;
    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0) {
        return -1;
    }
    /* https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
     * API_CreateLogGroup.html: "Log group names can't start with the
     * string aws/" — AWS compares without case and names it "AWS/". */
    if (strncasecmp(name, "aws/", 4) == 0) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Log groups starting with AWS/ are reserved for "
                          "AWS.");
    }
    memset(&g, 0, sizeof(g));
    snprintf(g.account, sizeof(g.account), "%s", rq->who.account);
    snprintf(g.region, sizeof(g.region), "%s", rq->region);
    snprintf(g.name, sizeof(g.name), "%s", name);
    snprintf(g.log_group_class, sizeof(g.log_group_class), "%s",
             cls ? cls : "STANDARD");
    g.creation_time = rq->now_ms;
    /* "Log events in log groups in the Delivery class are kept in
     * CloudWatch Logs for only one day." */
    if (strcmp(g.log_group_class, "DELIVERY") == 0) {
        g.retention_days = 1;
    }
    lv_json_bool(in, "deletionProtectionEnabled", &protect);
    g.deletion_protection = protect;

    found = lv_store_logs_group_get(rq->store, g.account, g.region, g.name,
                                    &g, err);
    if (found < 0) {
        return -1;
    }
    if (found) {
        return lv_err_set(err, LV_E_RESOURCE_ALREADY_EXISTS,
                          "The specified log group already exists");
    }
    if (key_id && lv_logs_check_kms_key(rq, name, key_id, g.kms_key_arn,
                                        err) < 0) {
        return -1;
    }
    if (lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    rc = lv_store_logs_group_insert(rq->store, &g, err);
    if (rc == 1) {
        lv_err_set(err, LV_E_RESOURCE_ALREADY_EXISTS,
                   "The specified log group already exists");
    }
    if (rc != 0 || (tags && lv_logs_tags_apply(rq, g.id, tags, err) < 0)) {
        lv_store_rollback(rq->store);
        return -1;
    }
    return lv_store_commit(rq->store, err);
}

/* ---- DeleteLogGroup ----------------------------------------------------- */

int lv_logs_op_delete_log_group(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    struct lv_log_group g;
    const char *name;
    int rc;

    (void)w;
    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0 ||
        lv_store_begin(rq->store, err) < 0) {
        return -1;
    }
    if (lv_logs_find_group_by(rq, name, &g, err) < 0) {
        goto fail;
    }
    /* Protection as the row stands when it is deleted, not as read. */
    rc = lv_store_logs_group_delete_unprotected(rq->store, g.id, err);
    if (rc < 0) {
        goto fail;
    }
    if (rc == 0) {
        lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                   "The specified log group does not exist.");
        goto fail;
    }
    /* https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
     * protecting-log-groups-from-deletion.html, "Error handling". */
    if (rc == 2) {
        lv_err_set(err, LV_E_VALIDATION,
                   "Cannot delete log group with deletion protection "
                   "enabled. Disable deletion protection first.");
        goto fail;
    }
    if (lv_logs_respol_drop_group(rq, &g, err) < 0) {
        goto fail;
    }
    return lv_store_commit(rq->store, err);
fail:
    lv_store_rollback(rq->store);
    return -1;
}

/* ---- DescribeLogGroups -------------------------------------------------- */

struct describe_page {
    struct lv_store *s;
    struct lv_jw *w;
    int limit;
    int count;
    int more;
    int brief;
    const char *pattern;        /* case-sensitive substring, or NULL */
    const char *cls;            /* logGroupClass filter, or NULL */
    char last[LV_LOGS_MAX_NAME + 1];
};

static int describe_each(void *arg, const struct lv_log_group *g)
{
    struct describe_page *p = arg;

    /* "a case-sensitive substring search": DataLogs matches aws/DataLogs
     * but not datalogs (DescribeLogGroups, API reference). */
    if (p->pattern && !strstr(g->name, p->pattern)) {
        return 0;
    }
    if (p->cls && strcmp(g->log_group_class, p->cls) != 0) {
        return 0;
    }
    if (p->count == p->limit) {
        p->more = 1;
        return 1;
    }
    write_group(p->s, p->w, g, p->brief);
    p->count++;
    snprintf(p->last, sizeof(p->last), "%s", g->name);
    return 0;
}

static int cmp_group_name(const void *a, const void *b)
{
    const struct lv_log_group *x = a;
    const struct lv_log_group *y = b;

    return strcmp(x->name, y->name);
}

/* logGroupIdentifiers: the named groups of the scope that exist, by name,
 * each once. No paging: there are at most 50. */
static int describe_by_ids(struct lv_req *rq, const json_t *ids,
                           struct lv_jw *w, struct lv_err *err)
{
    size_t n = json_array_size(ids);
    struct lv_log_group *gs = lv_xcalloc(n ? n : 1, sizeof(*gs));
    size_t found = 0;
    int ret = -1;

    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(ids, i));

        if (!id) {
            continue;
        }
        if (lv_logs_find_group_by(rq, id, &gs[found], err) < 0) {
            if (err->code != LV_E_RESOURCE_NOT_FOUND) {
                goto out;
            }
            continue;
        }
        found++;
    }
    qsort(gs, found, sizeof(*gs), cmp_group_name);
    lv_jw_key(w, "logGroups");
    lv_jw_arr_open(w);
    for (size_t i = 0; i < found; i++) {
        if (i > 0 && strcmp(gs[i].name, gs[i - 1].name) == 0) {
            continue;
        }
        write_group(rq->store, w, &gs[i], 0);
    }
    lv_jw_arr_close(w);
    ret = 0;
out:
    free(gs);
    return ret;
}

int lv_logs_op_describe_log_groups(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "DescribeLogGroups";
    const char *prefix = lv_json_str(in, "logGroupNamePrefix");
    const char *pattern = lv_json_str(in, "logGroupNamePattern");
    const json_t *ids = lv_json_arr(in, "logGroupIdentifiers");
    char cursor[LV_LOGS_CURSOR_MAX];
    struct describe_page p;

    /* accountIdentifiers and includeLinkedAccounts are accepted and
     * ignored: there is no cross-account observability here. */
    if (prefix && pattern) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "LogGroup name prefix and LogGroup name pattern "
                          "are mutually exclusive parameters.");
    }
    if (ids && (prefix || pattern)) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "LogGroup identifiers and LogGroup name prefix "
                          "or pattern are mutually exclusive parameters.");
    }
    if (lv_logs_token_read(rq, in, kind, "", cursor, err) < 0) {
        return -1;
    }
    if (ids) {
        return describe_by_ids(rq, ids, w, err);
    }
    memset(&p, 0, sizeof(p));
    p.s = rq->store;
    p.w = w;
    p.limit = read_limit(in, DESCRIBE_DEFAULT_LIMIT);
    p.pattern = pattern;
    p.brief = pattern != NULL;
    p.cls = lv_json_str(in, "logGroupClass");
    lv_jw_key(w, "logGroups");
    lv_jw_arr_open(w);
    if (lv_store_logs_group_list(rq->store, rq->who.account, rq->region,
                                 prefix ? prefix : "", cursor,
                                 (pattern || p.cls) ? 0 : p.limit + 1,
                                 describe_each, &p, err) < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (p.more) {
        lv_logs_token_write(rq, w, kind, "", p.last);
    }
    return 0;
}

/* ---- ListLogGroups ------------------------------------------------------ */

/*
 * ListLogGroups' logGroupNamePattern: up to five alternatives separated by
 * "|", each matched as a case-sensitive substring, or as a prefix when it
 * begins with "^"; "." matches any one character, as in a regular
 * expression (the model allows no other metacharacter).
 */
static int alt_match_at(const char *name, const char *alt, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '\0') {
            return 0;
        }
        if (alt[i] != '.' && alt[i] != name[i]) {
            return 0;
        }
    }
    return 1;
}

static int pattern_match(const char *pattern, const char *name)
{
    const char *alt = pattern;

    for (;;) {
        const char *bar = strchr(alt, '|');
        size_t len = bar ? (size_t)(bar - alt) : strlen(alt);
        int anchored = len > 0 && alt[0] == '^';

        if (anchored) {
            if (alt_match_at(name, alt + 1, len - 1)) {
                return 1;
            }
        } else {
            for (const char *s = name; *s; s++) {
                if (alt_match_at(s, alt, len)) {
                    return 1;
                }
            }
            if (len == 0) {
                return 1;
            }
        }
        if (!bar) {
            return 0;
        }
        alt = bar + 1;
    }
}

struct list_page {
    struct lv_req *rq;
    struct lv_jw *w;
    int limit;
    int count;
    int more;
    int none;                   /* a filter no group can match */
    const char *pattern;
    const char *cls;
    const json_t *tag_filters;
    struct lv_err *err;
    char last[LV_LOGS_MAX_NAME + 1];
};

struct tag_probe {
    const char *key;
    const json_t *values;       /* array of strings, or NULL: any value */
    int hit;
};

static int probe_tag(void *arg, const char *key, const char *value)
{
    struct tag_probe *t = arg;
    size_t i;
    json_t *v;

    if (strcmp(key, t->key) != 0) {
        return 0;
    }
    if (json_array_size(t->values) == 0) {
        t->hit = 1;
        return 1;
    }
    json_array_foreach(t->values, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), value) == 0) {
            t->hit = 1;
            return 1;
        }
    }
    return 1;
}

/* 1 when g carries every tag filter (AND across filters, any value). */
static int tags_match(struct list_page *p, const struct lv_log_group *g)
{
    size_t i;
    json_t *f;

    json_array_foreach(p->tag_filters, i, f) {
        struct tag_probe t;

        t.key = json_string_value(json_object_get(f, "key"));
        t.values = json_object_get(f, "values");
        t.hit = 0;
        if (!t.key) {
            return 0;
        }
        if (lv_store_logs_tag_list(p->rq->store, g->id, probe_tag, &t,
                                   p->err) < 0) {
            return -1;
        }
        if (!t.hit) {
            return 0;
        }
    }
    return 1;
}

static int list_each(void *arg, const struct lv_log_group *g)
{
    struct list_page *p = arg;
    char arn[LV_LOGS_ARN_MAX];
    int m;

    if (p->pattern && !pattern_match(p->pattern, g->name)) {
        return 0;
    }
    if (p->cls && strcmp(g->log_group_class, p->cls) != 0) {
        return 0;
    }
    if (p->tag_filters) {
        m = tags_match(p, g);
        if (m < 0) {
            return -1;
        }
        if (m == 0) {
            return 0;
        }
    }
    if (p->count == p->limit) {
        p->more = 1;
        return 1;
    }
    lv_jw_obj_open(p->w);
    lv_jw_kstr(p->w, "logGroupName", g->name);
    lv_logs_group_arn(g, 0, arn);
    lv_jw_kstr(p->w, "logGroupArn", arn);
    lv_jw_kstr(p->w, "logGroupClass", g->log_group_class);
    lv_jw_obj_close(p->w);
    p->count++;
    snprintf(p->last, sizeof(p->last), "%s", g->name);
    return 0;
}

int lv_logs_op_list_log_groups(struct lv_req *rq, const json_t *in,
                               struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "ListLogGroups";
    char cursor[LV_LOGS_CURSOR_MAX];
    struct list_page p;
    int rc;

    if (lv_logs_token_read(rq, in, kind, "", cursor, err) < 0) {
        return -1;
    }
    memset(&p, 0, sizeof(p));
    p.rq = rq;
    p.w = w;
    p.err = err;
    p.limit = read_limit(in, LIST_DEFAULT_LIMIT);
    p.pattern = lv_json_str(in, "logGroupNamePattern");
    p.cls = lv_json_str(in, "logGroupClass");
    p.tag_filters = lv_json_arr(in, "logGroupTags");
    /* No group here has data sources or field indexes, so a filter on
     * either matches none. */
    p.none = json_array_size(lv_json_arr(in, "dataSources")) > 0 ||
             json_array_size(lv_json_arr(in, "fieldIndexNames")) > 0;
    lv_jw_key(w, "logGroups");
    lv_jw_arr_open(w);
    if (!p.none) {
        rc = lv_store_logs_group_list(rq->store, rq->who.account, rq->region,
                                      "", cursor, 0, list_each, &p, err);
        if (rc < 0) {
            return -1;
        }
    }
    lv_jw_arr_close(w);
    if (p.more) {
        lv_logs_token_write(rq, w, kind, "", p.last);
    }
    return 0;
}

/* ---- PutLogGroupDeletionProtection -------------------------------------- */

static int set_protection(void *arg, struct lv_req *rq,
                          const struct lv_log_group *g, struct lv_err *err)
{
    return lv_store_logs_group_set_deletion_protection(rq->store, g->id,
                                                       *(int *)arg, err);
}

int lv_logs_op_put_log_group_deletion_protection(struct lv_req *rq,
                                                 const json_t *in,
                                                 struct lv_jw *w,
                                                 struct lv_err *err)
{
    const char *id;
    int on = 0;

    (void)w;
    if (lv_json_req_str(in, "logGroupIdentifier", 1, 2048, &id, err) < 0) {
        return -1;
    }
    lv_json_bool(in, "deletionProtectionEnabled", &on);
    return lv_logs_group_edit(rq, id, set_protection, &on, err);
}

/* ---- PutRetentionPolicy, DeleteRetentionPolicy -------------------------- */

/* https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_PutRetentionPolicy.html: the values retentionInDays may take. */
static const int retention_days[] = {
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096,
    1827, 2192, 2557, 2922, 3288, 3653,
};

#define N_RETENTION (sizeof(retention_days) / sizeof(retention_days[0]))

static int set_retention(void *arg, struct lv_req *rq,
                         const struct lv_log_group *g, struct lv_err *err)
{
    /* A Delivery group keeps its events one day, fixed (classes.h). */
    if (lv_logs_class_check(g->log_group_class, LV_FEAT_RETENTION_CHANGE,
                            err) < 0) {
        return -1;
    }
    return lv_store_logs_group_set_retention(rq->store, g->id, *(int *)arg,
                                             err);
}

int lv_logs_op_put_retention_policy(struct lv_req *rq, const json_t *in,
                                    struct lv_jw *w, struct lv_err *err)
{
    struct lv_buf list = LV_BUF_INIT(512);
    const char *name;
    int days;
    int ok = 0;
    int ret = -1;

    (void)w;
    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0 ||
        lv_json_req_int(in, "retentionInDays", &days, err) < 0) {
        goto out;
    }
    for (size_t i = 0; i < N_RETENTION; i++) {
        ok |= retention_days[i] == days;
        lv_buf_addf(&list, "%s%d", i ? ", " : "", retention_days[i]);
    }
    if (!ok) {
        /* The message AWS's front end gives for a value outside the set. */
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "1 validation error detected: Value '%d' at "
                   "'retentionInDays' failed to satisfy constraint: Member "
                   "must satisfy enum value set: [%s]", days, list.data);
        goto out;
    }
    ret = lv_logs_group_edit(rq, name, set_retention, &days, err);
out:
    lv_buf_release(&list);
    return ret;
}

int lv_logs_op_delete_retention_policy(struct lv_req *rq, const json_t *in,
                                       struct lv_jw *w, struct lv_err *err)
{
    const char *name;
    int none = 0;

    (void)w;
    if (lv_json_req_str(in, "logGroupName", 1, LV_LOGS_MAX_NAME, &name,
                        err) < 0) {
        return -1;
    }
    return lv_logs_group_edit(rq, name, set_retention, &none, err);
}
