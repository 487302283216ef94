/*
 * lookup_table.c: CreateLookupTable, DescribeLookupTables,
 * GetLookupTable, UpdateLookupTable and DeleteLookupTable — CSV tables
 * that Insights' lookup command reads — and their encryption at rest
 * (lookup_int.h).
 *
 * https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/
 * API_CreateLookupTable.html (and the four others)
 *
 * The model checks the name (^[a-zA-Z0-9_]+$, 1 to 256), the description
 * (up to 1,024), the body (1 byte to 10 MB), the key id (up to 256), the
 * tags (1 to 50) and maxResults (up to 100); here: the CSV (lookup_csv.h),
 * the KMS key (an ARN of a key or an alias, usable by the Logs principal
 * under the table's context: lookup_int.h), the name's uniqueness
 * (ResourceAlreadyExistsException), the table ARN the other operations
 * take, and the number of tables (LV_LOOKUP_MAX_TABLES).
 *
 * UpdateLookupTable replaces the content whole; kmsKeyId left out keeps
 * the table's key, "" returns to the service's own key, an ARN moves to
 * that key; description left out keeps the description. The new content
 * always gets a new data key.
 */
#include "logs/logs.h"
#include "logs/lookup_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "app.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "kms/kms.h"
#include "logs/groups_int.h"
#include "logs/logs_int.h"
#include "logs/lookup_csv.h"
#include "store/lookup_store.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/log.h"
#include "util/mem.h"

/* Tables per account and Region. AWS lists no quota for lookup tables on
 * the CloudWatch Logs quotas page as of writing; logvault keeps the
 * store bounded with this one and says so in the message. */
#define LV_LOOKUP_MAX_TABLES 1000

#define DESCRIBE_DEFAULT_MAX 50
#define SEAL_FORMAT 0x01
#define SEAL_HEADER (1 + LV_AEAD_NONCE_BYTES + LV_AEAD_TAG_BYTES)

static const char no_table[] = "The specified lookup table does not exist.";

void lv_logs_lookup_arn(const char *region, const char *account,
                        const char *name, char out[LV_LOOKUP_ARN_MAX])
{
    snprintf(out, LV_LOOKUP_ARN_MAX, "arn:aws:logs:%s:%s:lookup-table:%s",
             region, account, name);
}

/* ---- sealing ---------------------------------------------------------- */

static void aad_of(struct lv_buf *aad, const char *tag, const char *account,
                   const char *region, const char *name)
{
    lv_buf_adds(aad, tag);
    lv_buf_add(aad, account, strlen(account) + 1);
    lv_buf_add(aad, region, strlen(region) + 1);
    lv_buf_add(aad, name, strlen(name) + 1);
}

/* Seals pt[0..len) under key into out (0x01 | nonce | tag | ct). */
static int seal(const uint8_t key[32], const struct lv_buf *aad,
                const void *pt, size_t len, struct lv_buf *out)
{
    uint8_t *p;

    if (lv_buf_grow(out, SEAL_HEADER + len) < 0) {
        return -1;
    }
    p = (uint8_t *)out->data + out->len;
    p[0] = SEAL_FORMAT;
    lv_rand_bytes(p + 1, LV_AEAD_NONCE_BYTES);
    if (lv_aead_seal(key, p + 1, aad->data, aad->len, pt, len,
                     p + SEAL_HEADER, p + 1 + LV_AEAD_NONCE_BYTES) < 0) {
        return -1;
    }
    out->len += SEAL_HEADER + len;
    return 0;
}

/* Opens sealed[0..len) under key into out (reset first; one spare byte
 * holds a NUL after the plaintext). */
static int unseal(const uint8_t key[32], const struct lv_buf *aad,
                  const uint8_t *sealed, size_t len, struct lv_buf *out)
{
    size_t n;

    lv_buf_reset(out);
    if (len < SEAL_HEADER || sealed[0] != SEAL_FORMAT) {
        return -1;
    }
    n = len - SEAL_HEADER;
    if (lv_buf_grow(out, n + 1) < 0) {
        return -1;
    }
    if (lv_aead_open(key, sealed + 1, aad->data, aad->len,
                     sealed + SEAL_HEADER, n, (uint8_t *)out->data,
                     sealed + 1 + LV_AEAD_NONCE_BYTES) < 0) {
        return -1;
    }
    out->len = n;
    out->data[n] = '\0';
    return 0;
}

static void service_key(const struct lv_req *rq, uint8_t key[32])
{
    char ctx[256];
    int n = snprintf(ctx, sizeof(ctx), "lookup tables v1%s%s",
                     rq->who.account, rq->region);

    lv_keyring_derive(rq->app->logs->keyring, "logs-service-key", ctx,
                      (size_t)n, key);
}

/* What KMS told the Logs service, as Logs tells its caller: when a table
 * is written, the wording of logs/kmskey.c for a log group's key, naming
 * the table; when it is read, AccessDeniedException with KMS's reason, as
 * a log group's reads (logs/datakey.h). */
static int kms_refused(const struct lv_err *kerr, const char *key,
                       const char *table_arn, int reading,
                       struct lv_err *err)
{
    if (reading && kerr->code != LV_E_SERVICE_UNAVAILABLE) {
        return lv_err_set(err, LV_E_ACCESS_DENIED,
                          "The specified KMS key does not exist or is not "
                          "allowed to be used with Arn '%s': %s", table_arn,
                          kerr->msg);
    }
    switch (kerr->code) {
    case LV_E_DISABLED:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS key '%s' is disabled.", key);
    case LV_E_KMS_INVALID_STATE:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS key '%s' is not in a usable "
                          "state: %s", key, kerr->msg);
    case LV_E_INVALID_KEY_USAGE:
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "The specified KMS key '%s' is not a symmetric "
                          "encryption key. CloudWatch Logs supports only "
                          "symmetric KMS keys.", key);
    case LV_E_SERVICE_UNAVAILABLE:
        *err = *kerr;
        return -1;
    default:
        return lv_err_set(err, LV_E_ACCESS_DENIED,
                          "The specified KMS key does not exist or is not "
                          "allowed to be used with Arn '%s'", table_arn);
    }
}

/*
 * A new data key for table t (t->kms_key_arn "" or a key reference): its
 * plaintext in key, its wrapped form into t->data_key (owned by the
 * caller), t->kms_key_arn the key's ARN as KMS resolved it.
 */
static int new_data_key(struct lv_req *rq, struct lv_lookup_rec *t,
                        uint8_t key[32], struct lv_err *err)
{
    struct lv_buf aad = LV_BUF_INIT(2048);
    struct lv_buf blob = LV_BUF_INIT(8192);
    struct lv_kms_service_call c;
    struct lv_err kerr = LV_ERR_INIT;
    struct lv_kv ctx;
    char service[128];
    char arn[LV_LOOKUP_ARN_MAX];
    char key_arn[256];
    uint8_t wrap[32];
    int ret = -1;

    lv_logs_lookup_arn(t->region, t->account, t->name, arn);
    if (!t->kms_key_arn[0]) {
        lv_rand_bytes(key, 32);
        service_key(rq, wrap);
        aad_of(&aad, "lvlookupkey1", t->account, t->region, t->name);
        if (seal(wrap, &aad, key, 32, &blob) < 0) {
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "Service is unavailable; please try again");
            goto out;
        }
    } else {
        lv_logs_kms_call(rq, &c, service);
        ctx.key = "aws:logs:arn";
        ctx.value = arn;
        if (rq->app->logs->kms->generate_data_key(&c, t->kms_key_arn, &ctx,
                                                  1, key, &blob, key_arn,
                                                  &kerr) < 0) {
            lv_log(LV_LOG_INFO, "logs: lookup table key refused req=%s "
                   "table=%s code=%d", rq->id, arn, (int)kerr.code);
            kms_refused(&kerr, t->kms_key_arn, arn, 0, err);
            goto out;
        }
        snprintf(t->kms_key_arn, sizeof(t->kms_key_arn), "%s", key_arn);
    }
    t->data_key = (uint8_t *)lv_buf_detach(&blob, &t->data_key_len);
    ret = 0;
out:
    lv_secret_wipe(wrap, sizeof(wrap));
    lv_buf_release(&aad);
    lv_buf_release(&blob);
    return ret;
}

/* The plaintext of t's data key. */
static int open_data_key(struct lv_req *rq, const struct lv_lookup_rec *t,
                         uint8_t key[32], struct lv_err *err)
{
    struct lv_buf aad = LV_BUF_INIT(2048);
    struct lv_buf pt = LV_BUF_INIT(64);
    struct lv_kms_service_call c;
    struct lv_err kerr = LV_ERR_INIT;
    struct lv_kv ctx;
    char service[128];
    char arn[LV_LOOKUP_ARN_MAX];
    char key_arn[256];
    uint8_t wrap[32];
    int ret = -1;

    lv_logs_lookup_arn(t->region, t->account, t->name, arn);
    if (!t->kms_key_arn[0]) {
        service_key(rq, wrap);
        aad_of(&aad, "lvlookupkey1", t->account, t->region, t->name);
        if (unseal(wrap, &aad, t->data_key, t->data_key_len, &pt) < 0 ||
            pt.len != 32) {
            lv_log(LV_LOG_ERROR, "logs: lookup table data key does not "
                   "open req=%s table=%s", rq->id, arn);
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "Service is unavailable; please try again");
            goto out;
        }
        memcpy(key, pt.data, 32);
    } else {
        lv_logs_kms_call(rq, &c, service);
        ctx.key = "aws:logs:arn";
        ctx.value = arn;
        if (rq->app->logs->kms->decrypt(&c, t->data_key, t->data_key_len,
                                        &ctx, 1, key, key_arn, &kerr) < 0) {
            lv_log(LV_LOG_INFO, "logs: lookup table key refused req=%s "
                   "table=%s code=%d", rq->id, arn, (int)kerr.code);
            kms_refused(&kerr, t->kms_key_arn, arn, 1, err);
            goto out;
        }
    }
    ret = 0;
out:
    lv_secret_wipe(wrap, sizeof(wrap));
    if (pt.cap) {
        lv_secret_wipe(pt.data, pt.cap);
    }
    lv_buf_release(&pt);
    lv_buf_release(&aad);
    return ret;
}

/* Seals csv[0..len) for t under a new data key: t->data_key, t->body
 * (both the caller's to free). */
static int seal_body(struct lv_req *rq, struct lv_lookup_rec *t,
                     const char *csv, size_t len, struct lv_err *err)
{
    struct lv_buf aad = LV_BUF_INIT(2048);
    struct lv_buf out = LV_BUF_INIT(LV_LOOKUP_CSV_MAX_BYTES + 64);
    uint8_t key[32];
    int ret = -1;

    if (new_data_key(rq, t, key, err) < 0) {
        goto out;
    }
    aad_of(&aad, "lvlookup1", t->account, t->region, t->name);
    if (seal(key, &aad, csv, len, &out) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        goto out;
    }
    t->body = (uint8_t *)lv_buf_detach(&out, &t->body_len);
    ret = 0;
out:
    lv_secret_wipe(key, sizeof(key));
    lv_buf_release(&aad);
    lv_buf_release(&out);
    return ret;
}

/* The CSV of t (read with its body) into out (reset first). */
static int open_body(struct lv_req *rq, const struct lv_lookup_rec *t,
                     struct lv_buf *out, struct lv_err *err)
{
    struct lv_buf aad = LV_BUF_INIT(2048);
    uint8_t key[32];
    int ret = -1;

    if (open_data_key(rq, t, key, err) < 0) {
        goto out;
    }
    aad_of(&aad, "lvlookup1", t->account, t->region, t->name);
    if (unseal(key, &aad, t->body, t->body_len, out) < 0) {
        lv_log(LV_LOG_ERROR, "logs: lookup table content does not open "
               "req=%s table=%s", rq->id, t->name);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        goto out;
    }
    ret = 0;
out:
    lv_secret_wipe(key, sizeof(key));
    lv_buf_release(&aad);
    return ret;
}

/* ---- input ------------------------------------------------------------ */

/* kmsKeyId: an ARN of a KMS key or alias, as a log group's
 * (kmskey.c's rule). */
static int check_key_ref(const char *k, struct lv_err *err)
{
    if (lv_logs_kms_ref_ok(k)) {
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_PARAMETER,
                      "The specified KMS Key Id could not be found. '%s'",
                      k);
}

/* The table name the ARN `arn` gives, in rq's scope: 1 and name, 0 when
 * it names no table of rq's account and Region (another account, region
 * or resource type), -1 for text that is not an ARN at all. */
static int name_of_arn(const struct lv_req *rq, const char *arn,
                       char name[257], struct lv_err *err)
{
    char lead[LV_LOOKUP_ARN_MAX];
    size_t n;

    if (strncmp(arn, "arn:", 4) != 0 || strlen(arn) >= sizeof(lead) + 256) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid lookup table ARN: %s", arn);
    }
    lv_logs_lookup_arn(rq->region, rq->who.account, "", lead);
    n = strlen(lead);
    if (strncmp(arn, lead, n) != 0) {
        return 0;
    }
    arn += n;
    n = strlen(arn);
    if (n == 0 || n > 256 ||
        strspn(arn, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                    "0123456789_") != n) {
        return 0;
    }
    memcpy(name, arn, n + 1);
    return 1;
}

/* lookupTableArn of `in` → the table's name, or ResourceNotFound. */
static int target(struct lv_req *rq, const json_t *in, char name[257],
                  struct lv_err *err)
{
    const char *arn = NULL;
    int rc;

    if (lv_json_req_str(in, "lookupTableArn", 1, SIZE_MAX, &arn, err) < 0) {
        return -1;
    }
    rc = name_of_arn(rq, arn, name, err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_table);
    }
    return 0;
}

/* The header's columns as a JSON array into out. */
static int fields_json(const struct lv_csv *csv, char **out)
{
    json_t *a = json_array();
    size_t c;

    for (c = 0; c < csv->n_cols; c++) {
        json_array_append_new(a, json_string(lv_csv_header(csv, c)));
    }
    *out = json_dumps(a, JSON_COMPACT);
    json_decref(a);
    return *out ? 0 : -1;
}

/* Reads tableBody into the content fields of t: fields, records,
 * size_bytes. *body the text (borrowed from in). */
static int read_body(const json_t *in, struct lv_lookup_rec *t,
                     const char **body, size_t *len, struct lv_err *err)
{
    struct lv_csv csv;
    int ret = -1;

    lv_csv_init(&csv);
    if (lv_json_req_str(in, "tableBody", 1, SIZE_MAX, body, err) < 0) {
        goto out;
    }
    *len = strlen(*body);
    if (lv_csv_parse(*body, *len, &csv, err) < 0) {
        goto out;
    }
    if (fields_json(&csv, &t->fields) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "Service is unavailable; please try again");
        goto out;
    }
    t->records = (int64_t)csv.n_rows;
    t->size_bytes = (int64_t)*len;
    ret = 0;
out:
    lv_csv_release(&csv);
    return ret;
}

/* ---- handlers --------------------------------------------------------- */

int lv_logs_op_create_lookup_table(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    const char *name = NULL;
    const char *desc = lv_json_str(in, "description");
    const char *key = lv_json_str(in, "kmsKeyId");
    const json_t *tags = lv_json_obj(in, "tags");
    const char *body = NULL;
    size_t len = 0;
    struct lv_lookup_rec t;
    char arn[LV_LOOKUP_ARN_MAX];
    int64_t count = 0;
    int rc;
    int ret = -1;

    memset(&t, 0, sizeof(t));
    if (lv_json_req_str(in, "lookupTableName", 1, 256, &name, err) < 0 ||
        read_body(in, &t, &body, &len, err) < 0) {
        goto out;
    }
    if (key && key[0] && check_key_ref(key, err) < 0) {
        goto out;
    }
    snprintf(t.account, sizeof(t.account), "%s", rq->who.account);
    snprintf(t.region, sizeof(t.region), "%s", rq->region);
    snprintf(t.name, sizeof(t.name), "%s", name);
    snprintf(t.kms_key_arn, sizeof(t.kms_key_arn), "%s", key ? key : "");
    t.description = lv_xstrdup(desc ? desc : "");
    t.tags = tags ? json_dumps(tags, JSON_COMPACT | JSON_SORT_KEYS)
                  : lv_xstrdup("{}");
    t.created_ms = t.updated_ms = rq->now_ms;
    lv_logs_lookup_arn(t.region, t.account, t.name, arn);
    if (seal_body(rq, &t, body, len, err) < 0) {
        goto out;
    }
    if (lv_store_begin(rq->store, err) < 0) {
        goto out;
    }
    if (lv_store_lookup_count(rq->store, t.account, t.region, &count,
                              err) < 0) {
        lv_store_rollback(rq->store);
        goto out;
    }
    if (count >= LV_LOOKUP_MAX_TABLES) {
        lv_store_rollback(rq->store);
        lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                   "The maximum number of lookup tables (%d) has been "
                   "reached.", LV_LOOKUP_MAX_TABLES);
        goto out;
    }
    rc = lv_store_lookup_insert(rq->store, &t, err);
    if (rc <= 0) {
        lv_store_rollback(rq->store);
        if (rc == 0) {
            lv_err_set(err, LV_E_RESOURCE_ALREADY_EXISTS,
                       "The specified lookup table already exists.");
        }
        goto out;
    }
    if (lv_store_commit(rq->store, err) < 0) {
        goto out;
    }
    lv_jw_kstr(w, "lookupTableArn", arn);
    lv_jw_kint64(w, "createdAt", t.created_ms);
    ret = 0;
out:
    lv_lookup_rec_release(&t);
    return ret;
}

struct dtables {
    struct lv_jw *w;
    int n, max;
    char last[257];
};

static int table_each(void *arg, const struct lv_lookup_rec *t)
{
    struct dtables *d = arg;
    struct lv_jw *w = d->w;
    char arn[LV_LOOKUP_ARN_MAX];

    if (d->n == d->max) {
        return 1;
    }
    lv_logs_lookup_arn(t->region, t->account, t->name, arn);
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "lookupTableArn", arn);
    lv_jw_kstr(w, "lookupTableName", t->name);
    if (t->description && t->description[0]) {
        lv_jw_kstr(w, "description", t->description);
    }
    lv_jw_key(w, "tableFields");
    lv_jw_raw(w, t->fields, strlen(t->fields));
    lv_jw_kint64(w, "recordsCount", t->records);
    lv_jw_kint64(w, "sizeBytes", t->size_bytes);
    lv_jw_kint64(w, "lastUpdatedTime", t->updated_ms);
    if (t->kms_key_arn[0]) {
        lv_jw_kstr(w, "kmsKeyId", t->kms_key_arn);
    }
    lv_jw_obj_close(w);
    d->n++;
    snprintf(d->last, sizeof(d->last), "%s", t->name);
    return 0;
}

int lv_logs_op_describe_lookup_tables(struct lv_req *rq, const json_t *in,
                                      struct lv_jw *w, struct lv_err *err)
{
    static const char kind[] = "DescribeLookupTables";
    const char *prefix = lv_json_str(in, "lookupTableNamePrefix");
    char cursor[LV_LOGS_CURSOR_MAX];
    int64_t max = DESCRIBE_DEFAULT_MAX;
    struct dtables d;
    int has;
    int rc;

    memset(&d, 0, sizeof(d));
    lv_json_int64(in, "maxResults", &max);
    if (max < 1) {
        /* The model has no minimum; AWS's other Describe calls answer a
         * zero maxResults this way. */
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "1 validation error detected: Value '%lld' at "
                          "'maxResults' failed to satisfy constraint: Member "
                          "must have value greater than or equal to 1",
                          (long long)max);
    }
    has = lv_logs_token_read(rq, in, kind, prefix ? prefix : "", cursor,
                             err);
    if (has < 0) {
        return -1;
    }
    d.w = w;
    d.max = (int)max;
    lv_jw_key(w, "lookupTables");
    lv_jw_arr_open(w);
    rc = lv_store_lookup_list(rq->store, rq->who.account, rq->region,
                              prefix ? prefix : "", has ? cursor : "",
                              d.max + 1, table_each, &d, err);
    if (rc < 0) {
        return -1;
    }
    lv_jw_arr_close(w);
    if (rc == 1) {
        lv_logs_token_write(rq, w, kind, prefix ? prefix : "", d.last);
    }
    return 0;
}

int lv_logs_op_get_lookup_table(struct lv_req *rq, const json_t *in,
                                struct lv_jw *w, struct lv_err *err)
{
    struct lv_lookup_rec t;
    struct lv_buf csv = LV_BUF_INIT(LV_LOOKUP_CSV_MAX_BYTES + 1);
    char name[257];
    char arn[LV_LOOKUP_ARN_MAX];
    int rc;
    int ret = -1;

    memset(&t, 0, sizeof(t));
    if (target(rq, in, name, err) < 0) {
        goto out;
    }
    rc = lv_store_lookup_get(rq->store, rq->who.account, rq->region, name,
                             1, &t, err);
    if (rc <= 0) {
        if (rc == 0) {
            lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_table);
        }
        goto out;
    }
    if (open_body(rq, &t, &csv, err) < 0) {
        goto out;
    }
    lv_logs_lookup_arn(t.region, t.account, t.name, arn);
    lv_jw_kstr(w, "lookupTableArn", arn);
    lv_jw_kstr(w, "lookupTableName", t.name);
    if (t.description && t.description[0]) {
        lv_jw_kstr(w, "description", t.description);
    }
    lv_jw_key(w, "tableBody");
    lv_jw_strn(w, csv.data, csv.len);
    lv_jw_kint64(w, "sizeBytes", t.size_bytes);
    lv_jw_kint64(w, "lastUpdatedTime", t.updated_ms);
    if (t.kms_key_arn[0]) {
        lv_jw_kstr(w, "kmsKeyId", t.kms_key_arn);
    }
    ret = 0;
out:
    if (csv.cap) {
        lv_secret_wipe(csv.data, csv.cap);
    }
    lv_buf_release(&csv);
    lv_lookup_rec_release(&t);
    return ret;
}

int lv_logs_op_update_lookup_table(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    const char *desc = lv_json_str(in, "description");
    const char *key = lv_json_str(in, "kmsKeyId");
    const char *body = NULL;
    size_t len = 0;
    struct lv_lookup_rec old;
    struct lv_lookup_rec t;
    char name[257];
    char arn[LV_LOOKUP_ARN_MAX];
    int rc;
    int ret = -1;

    memset(&old, 0, sizeof(old));
    memset(&t, 0, sizeof(t));
    if (target(rq, in, name, err) < 0 ||
        read_body(in, &t, &body, &len, err) < 0) {
        goto out;
    }
    if (key && key[0] && check_key_ref(key, err) < 0) {
        goto out;
    }
    rc = lv_store_lookup_get(rq->store, rq->who.account, rq->region, name,
                             0, &old, err);
    if (rc <= 0) {
        if (rc == 0) {
            lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_table);
        }
        goto out;
    }
    snprintf(t.account, sizeof(t.account), "%s", rq->who.account);
    snprintf(t.region, sizeof(t.region), "%s", rq->region);
    snprintf(t.name, sizeof(t.name), "%s", name);
    snprintf(t.kms_key_arn, sizeof(t.kms_key_arn), "%s",
             key ? key : old.kms_key_arn);
    t.description = lv_xstrdup(desc ? desc
                                    : old.description ? old.description
                                                      : "");
    t.updated_ms = rq->now_ms;
    if (seal_body(rq, &t, body, len, err) < 0) {
        goto out;
    }
    /* One statement: a delete meanwhile makes it change nothing. */
    rc = lv_store_lookup_update(rq->store, &t, err);
    if (rc <= 0) {
        if (rc == 0) {
            lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_table);
        }
        goto out;
    }
    lv_logs_lookup_arn(t.region, t.account, t.name, arn);
    lv_jw_kstr(w, "lookupTableArn", arn);
    lv_jw_kint64(w, "lastUpdatedTime", t.updated_ms);
    ret = 0;
out:
    lv_lookup_rec_release(&old);
    lv_lookup_rec_release(&t);
    return ret;
}

int lv_logs_op_delete_lookup_table(struct lv_req *rq, const json_t *in,
                                   struct lv_jw *w, struct lv_err *err)
{
    char name[257];
    int rc;

    (void)w;
    if (target(rq, in, name, err) < 0) {
        return -1;
    }
    rc = lv_store_lookup_delete(rq->store, rq->who.account, rq->region, name,
                                err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND, no_table);
    }
    return 0;
}

/* ---- for Insights ----------------------------------------------------- */

int lv_logs_lookup_load(struct lv_req *rq, const char *name,
                        struct lv_csv *out, struct lv_err *err)
{
    struct lv_lookup_rec t;
    struct lv_buf csv = LV_BUF_INIT(LV_LOOKUP_CSV_MAX_BYTES + 1);
    int rc;
    int ret = -1;

    memset(&t, 0, sizeof(t));
    if (strlen(name) > 256) {
        ret = 0;
        goto out;
    }
    rc = lv_store_lookup_get(rq->store, rq->who.account, rq->region, name,
                             1, &t, err);
    if (rc <= 0) {
        ret = rc;
        goto out;
    }
    if (open_body(rq, &t, &csv, err) < 0 ||
        lv_csv_parse(csv.data, csv.len, out, err) < 0) {
        goto out;
    }
    ret = 1;
out:
    if (csv.cap) {
        lv_secret_wipe(csv.data, csv.cap);
    }
    lv_buf_release(&csv);
    lv_lookup_rec_release(&t);
    return ret;
}
