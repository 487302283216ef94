/*
 * datakey.c: data keys of log groups and their cache (datakey.h).
 *
 * The cache is one small table behind a mutex, searched linearly: it holds
 * at most CACHE_SLOTS keys, a few hundred bytes each, and a lookup is a
 * few hundred compares — far below the cost of the KMS call it saves. An
 * entry is keyed by the data key's id (ids are never reused: the table is
 * AUTOINCREMENT) and its group's id, which is never reused either (the
 * store hands each id out once, logs_store.h), so the write key of a
 * deleted group is never taken for a new group of the same name, however
 * soon it is created. The group's creation time is compared as well, as
 * a second guard that costs nothing.
 */
#include "logs/datakey.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "logs/chunk.h"
#include "store/logs_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define CACHE_SLOTS 256
#define WRAP_FORMAT 0x01
#define WRAP_BYTES (1 + 12 + 16 + 32)

struct entry {
    int used;
    int writer;                 /* the current write key of its group */
    int64_t id;
    int64_t group_id;
    int64_t group_ctime;
    char kms_arn[256];
    uint8_t key[32];
    int64_t loaded_ms;          /* when cached: expires after CACHE_MS */
    int64_t created_ms;         /* when made: writes reuse it REUSE_MS */
    int64_t chunks;             /* chunks written with it here */
};

/* The cache of one Logs service object (struct lv_logs). */
struct lv_datakey_cache {
    pthread_mutex_t mu;
    struct entry slots[CACHE_SLOTS];
};

struct lv_datakey_cache *lv_datakey_cache_new(void)
{
    struct lv_datakey_cache *dc = lv_xcalloc(1, sizeof(*dc));

    pthread_mutex_init(&dc->mu, NULL);
    return dc;
}

void lv_datakey_cache_free(struct lv_datakey_cache *dc)
{
    if (!dc) {
        return;
    }
    lv_datakey_cache_clear(dc);
    pthread_mutex_destroy(&dc->mu);
    free(dc);
}

static void entry_wipe(struct entry *e)
{
    lv_secret_wipe(e, sizeof(*e));
}

static int entry_fresh(const struct entry *e, int64_t now_ms)
{
    return e->used && now_ms >= e->loaded_ms &&
           now_ms - e->loaded_ms < LV_DATAKEY_CACHE_MS;
}

void lv_datakey_cache_clear(struct lv_datakey_cache *dc)
{
    pthread_mutex_lock(&dc->mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        entry_wipe(&dc->slots[i]);
    }
    pthread_mutex_unlock(&dc->mu);
}

/* Puts e in the cache: a free or expired slot, else the oldest one. When
 * e is a writer, the group's earlier writers step down. */
static void cache_put(struct lv_datakey_cache *dc, const struct entry *e,
                      int64_t now_ms)
{
    struct entry *slot = NULL;

    pthread_mutex_lock(&dc->mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct entry *c = &dc->slots[i];

        if (c->used && (!entry_fresh(c, now_ms) || c->id == e->id)) {
            entry_wipe(c);
        }
        if (c->used && e->writer && c->group_id == e->group_id) {
            c->writer = 0;
        }
    }
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct entry *c = &dc->slots[i];

        if (!c->used) {
            slot = c;
            break;
        }
        if (!slot || c->loaded_ms < slot->loaded_ms) {
            slot = c;
        }
    }
    entry_wipe(slot);
    *slot = *e;
    slot->used = 1;
    pthread_mutex_unlock(&dc->mu);
}

/* ---- errors ----------------------------------------------------------- */

/* A KMS failure as the Logs service reports it: AccessDenied naming the
 * key (in KMS's own message) and the group. Store faults pass through. */
static int kms_denied(struct lv_datakey_session *ds, const char *key_arn,
                      struct lv_err *err)
{
    char reason[sizeof(err->msg)];

    if (err->code == LV_E_SERVICE_UNAVAILABLE) {
        return -1;
    }
    if (err->msg[0]) {
        snprintf(reason, sizeof(reason), "%s", err->msg);
    } else {
        snprintf(reason, sizeof(reason), "%s cannot be used.", key_arn);
    }
    lv_log(LV_LOG_INFO, "logs: kms key refused key=%s group=%s code=%s "
           "req=%s", key_arn, ds->group_arn, lv_err_type(err->code),
           ds->rq->id);
    return lv_err_set(err, LV_E_ACCESS_DENIED,
                      "The specified KMS key does not exist or is not "
                      "allowed to be used with Arn '%s': %s", ds->group_arn,
                      reason);
}

static int corrupt_key(struct lv_datakey_session *ds, int64_t id,
                       struct lv_err *err)
{
    lv_log(LV_LOG_ERROR, "logs: data key unusable id=%lld group=%lld "
           "req=%s", (long long)id, (long long)ds->g->id, ds->rq->id);
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                      "Service is unavailable; please try again");
}

/* ---- sessions and KMS -------------------------------------------------- */

void lv_datakey_session_init(struct lv_datakey_session *ds,
                             struct lv_req *rq, const struct lv_log_group *g)
{
    memset(ds, 0, sizeof(*ds));
    ds->rq = rq;
    ds->logs = rq->app->logs;
    ds->g = g;
    lv_logs_group_arn(g, 0, ds->group_arn);
}

static void make_ctx(struct lv_datakey_session *ds, struct lv_kv *ctx)
{
    ctx->key = "aws:logs:arn";
    ctx->value = ds->group_arn;
}

/* Asks KMS, once per request and (key, action), whether the service may
 * still use key_arn. */
static int authorize(struct lv_datakey_session *ds, const char *key_arn,
                     const char *action, struct lv_err *err)
{
    struct lv_kms_service_call c;
    char service[128];
    struct lv_kv ctx;

    for (int i = 0; i < ds->n_ok; i++) {
        if (strcmp(ds->ok[i].action, action) == 0 &&
            strcmp(ds->ok[i].key_arn, key_arn) == 0) {
            return 0;
        }
    }
    lv_logs_kms_call(ds->rq, &c, service);
    make_ctx(ds, &ctx);
    if (ds->logs->kms->authorize(&c, key_arn, action, &ctx, 1, err) < 0) {
        return kms_denied(ds, key_arn, err);
    }
    if (ds->n_ok < LV_DATAKEY_MEMO) {
        snprintf(ds->ok[ds->n_ok].key_arn, sizeof(ds->ok[0].key_arn), "%s",
                 key_arn);
        ds->ok[ds->n_ok].action = action;
        ds->n_ok++;
    }
    return 0;
}

/* ---- the service's own key ---------------------------------------------- */

static int service_key(struct lv_datakey_session *ds, uint8_t out[32])
{
    char ctx[256];
    int n;

    n = snprintf(ctx, sizeof(ctx), "%s%s", ds->rq->who.account,
                 ds->rq->region);
    lv_keyring_derive(ds->logs->keyring, "logs-service-key", ctx,
                      (size_t)n, out);
    return 0;
}

static void wrap_aad(int64_t group_id, int64_t created_ms, uint8_t aad[26])
{
    uint64_t v[2] = { (uint64_t)group_id, (uint64_t)created_ms };

    memcpy(aad, "lvdatakey1", 10);
    for (int k = 0; k < 2; k++) {
        for (int i = 0; i < 8; i++) {
            aad[10 + k * 8 + i] = (uint8_t)(v[k] >> (56 - i * 8));
        }
    }
}

static int service_wrap(struct lv_datakey_session *ds, int64_t created_ms,
                        const uint8_t key[32], uint8_t out[WRAP_BYTES])
{
    uint8_t wk[32];
    uint8_t aad[26];
    int ret = -1;

    if (service_key(ds, wk) < 0) {
        return -1;
    }
    wrap_aad(ds->g->id, created_ms, aad);
    out[0] = WRAP_FORMAT;
    lv_rand_bytes(out + 1, 12);
    if (lv_aead_seal(wk, out + 1, aad, sizeof(aad), key, 32, out + 29,
                     out + 13) == 0) {
        ret = 0;
    }
    lv_secret_wipe(wk, sizeof(wk));
    return ret;
}

static int service_unwrap(struct lv_datakey_session *ds, int64_t created_ms,
                          const uint8_t *w, size_t len, uint8_t key[32])
{
    uint8_t wk[32];
    uint8_t aad[26];
    int ret = -1;

    if (len != WRAP_BYTES || w[0] != WRAP_FORMAT || service_key(ds, wk) < 0) {
        return -1;
    }
    wrap_aad(ds->g->id, created_ms, aad);
    if (lv_aead_open(wk, w + 1, aad, sizeof(aad), w + 29, 32, key,
                     w + 13) == 0) {
        ret = 0;
    }
    lv_secret_wipe(wk, sizeof(wk));
    return ret;
}

/* ---- writes ------------------------------------------------------------ */

/* A cached writer for the group that may serve n more chunks, or 0. */
static int cached_writer(struct lv_datakey_session *ds, int n_chunks,
                         int64_t *id, uint8_t key[32])
{
    struct lv_datakey_cache *dc = ds->logs->datakeys;
    int64_t now = ds->rq->now_ms;
    int found = 0;

    pthread_mutex_lock(&dc->mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct entry *e = &dc->slots[i];

        if (!e->writer || !entry_fresh(e, now) ||
            e->group_id != ds->g->id ||
            e->group_ctime != ds->g->creation_time ||
            strcmp(e->kms_arn, ds->g->kms_key_arn) != 0 ||
            now < e->created_ms ||
            now - e->created_ms >= LV_DATAKEY_REUSE_MS ||
            e->chunks + n_chunks > LV_DATAKEY_REUSE_CHUNKS) {
            continue;
        }
        e->chunks += n_chunks;
        *id = e->id;
        memcpy(key, e->key, 32);
        found = 1;
        break;
    }
    pthread_mutex_unlock(&dc->mu);
    return found;
}

/* Makes and stores a new data key for the group. */
static int new_write_key(struct lv_datakey_session *ds, int n_chunks,
                         int64_t *id, uint8_t key[32], struct lv_err *err)
{
    struct lv_buf blob = LV_BUF_INIT(4096);
    struct lv_log_data_key dk;
    struct entry e;
    uint8_t wrapped[WRAP_BYTES];
    int ret = -1;

    memset(&dk, 0, sizeof(dk));
    memset(&e, 0, sizeof(e));
    dk.group_id = ds->g->id;
    dk.created_ms = ds->rq->now_ms;
    if (ds->g->kms_key_arn[0]) {
        struct lv_kms_service_call c;
        char service[128];
        char arn[256];
        struct lv_kv ctx;

        lv_logs_kms_call(ds->rq, &c, service);
        make_ctx(ds, &ctx);
        if (ds->logs->kms->generate_data_key(&c, ds->g->kms_key_arn, &ctx,
                                             1, e.key, &blob, arn,
                                             err) < 0) {
            kms_denied(ds, ds->g->kms_key_arn, err);
            goto out;
        }
        /* The group's key as associated (a key ARN), so the cache matches
         * it to the group's current association. */
        snprintf(dk.kms_key_arn, sizeof(dk.kms_key_arn), "%s",
                 ds->g->kms_key_arn);
    } else {
        lv_rand_bytes(e.key, sizeof(e.key));
        if (service_wrap(ds, dk.created_ms, e.key, wrapped) < 0) {
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                       "Service is unavailable; please try again");
            goto out;
        }
        lv_buf_add(&blob, wrapped, sizeof(wrapped));
    }
    if (lv_store_logs_data_key_insert(ds->rq->store, &dk, blob.data,
                                      blob.len, err) < 0) {
        goto out;
    }
    e.id = dk.id;
    e.group_id = ds->g->id;
    e.group_ctime = ds->g->creation_time;
    snprintf(e.kms_arn, sizeof(e.kms_arn), "%s", dk.kms_key_arn);
    e.loaded_ms = ds->rq->now_ms;
    e.created_ms = dk.created_ms;
    e.chunks = n_chunks;
    e.writer = 1;
    cache_put(ds->logs->datakeys, &e, ds->rq->now_ms);
    *id = dk.id;
    memcpy(key, e.key, 32);
    lv_log(LV_LOG_DEBUG, "logs: new data key id=%lld group=%lld kms=%s "
           "req=%s", (long long)dk.id, (long long)ds->g->id,
           dk.kms_key_arn[0] ? dk.kms_key_arn : "service", ds->rq->id);
    ret = 0;
out:
    entry_wipe(&e);
    lv_buf_release(&blob);
    return ret;
}

int lv_datakey_for_write(struct lv_datakey_session *ds, int n_chunks,
                         int64_t *id, uint8_t key[32], struct lv_err *err)
{
    if (cached_writer(ds, n_chunks, id, key)) {
        if (ds->g->kms_key_arn[0] &&
            authorize(ds, ds->g->kms_key_arn, "GenerateDataKey", err) < 0) {
            lv_secret_wipe(key, 32);
            return -1;
        }
        return 0;
    }
    return new_write_key(ds, n_chunks, id, key, err);
}

/* ---- reads ------------------------------------------------------------- */

static int cached_key(struct lv_datakey_session *ds, int64_t id,
                      uint8_t key[32], char arn[256])
{
    struct lv_datakey_cache *dc = ds->logs->datakeys;
    int found = 0;

    pthread_mutex_lock(&dc->mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct entry *e = &dc->slots[i];

        if (e->used && e->id == id && e->group_id == ds->g->id &&
            entry_fresh(e, ds->rq->now_ms)) {
            memcpy(key, e->key, 32);
            memcpy(arn, e->kms_arn, 256);
            found = 1;
            break;
        }
    }
    pthread_mutex_unlock(&dc->mu);
    return found;
}

int lv_datakey_for_read(struct lv_datakey_session *ds, int64_t id,
                        uint8_t key[32], struct lv_err *err)
{
    struct lv_buf wrapped = LV_BUF_INIT(4096);
    struct lv_log_data_key dk;
    struct entry e;
    char arn[256];
    int found;
    int ret = -1;

    memset(&e, 0, sizeof(e));
    if (cached_key(ds, id, key, arn)) {
        if (arn[0] && authorize(ds, arn, "Decrypt", err) < 0) {
            lv_secret_wipe(key, 32);
            return -1;
        }
        return 0;
    }
    found = lv_store_logs_data_key_get(ds->rq->store, id, &dk, &wrapped,
                                       err);
    if (found < 0) {
        goto out;
    }
    if (!found || dk.group_id != ds->g->id) {
        corrupt_key(ds, id, err);
        goto out;
    }
    if (dk.kms_key_arn[0]) {
        struct lv_kms_service_call c;
        char service[128];
        char got[256];
        struct lv_kv ctx;

        lv_logs_kms_call(ds->rq, &c, service);
        make_ctx(ds, &ctx);
        if (ds->logs->kms->decrypt(&c, wrapped.data, wrapped.len, &ctx, 1,
                                   e.key, got, err) < 0) {
            kms_denied(ds, dk.kms_key_arn, err);
            goto out;
        }
        /* Decrypt authorized this request for the key already. */
        if (ds->n_ok < LV_DATAKEY_MEMO) {
            snprintf(ds->ok[ds->n_ok].key_arn, sizeof(ds->ok[0].key_arn),
                     "%s", dk.kms_key_arn);
            ds->ok[ds->n_ok].action = "Decrypt";
            ds->n_ok++;
        }
    } else if (service_unwrap(ds, dk.created_ms,
                              (const uint8_t *)wrapped.data, wrapped.len,
                              e.key) < 0) {
        corrupt_key(ds, id, err);
        goto out;
    }
    e.id = id;
    e.group_id = ds->g->id;
    e.group_ctime = ds->g->creation_time;
    snprintf(e.kms_arn, sizeof(e.kms_arn), "%s", dk.kms_key_arn);
    e.loaded_ms = ds->rq->now_ms;
    e.created_ms = dk.created_ms;
    cache_put(ds->logs->datakeys, &e, ds->rq->now_ms);
    memcpy(key, e.key, 32);
    ret = 0;
out:
    entry_wipe(&e);
    lv_buf_release(&wrapped);
    return ret;
}

int lv_datakey_open_chunk(struct lv_datakey_session *ds,
                          const struct lv_log_chunk *c,
                          struct lv_buf *payload, struct lv_chunk_plain *out,
                          struct lv_err *err)
{
    uint8_t key[32];
    int found;
    int ret = -1;

    found = lv_store_logs_chunk_payload(ds->rq->store, c->id, payload, err);
    if (found <= 0) {
        return found;
    }
    if (lv_datakey_for_read(ds, c->data_key_id, key, err) < 0) {
        goto out;
    }
    if (lv_chunk_open(key, c, payload->data, payload->len, out, err) < 0) {
        lv_log(LV_LOG_ERROR, "logs: chunk does not open id=%lld stream=%lld"
               " req=%s", (long long)c->id, (long long)c->stream_id,
               ds->rq->id);
        goto out;
    }
    ret = 1;
out:
    lv_secret_wipe(key, sizeof(key));
    return ret;
}

int lv_datakey_check_read(struct lv_datakey_session *ds, struct lv_err *err)
{
    if (!ds->g->kms_key_arn[0]) {
        return 0;
    }
    return authorize(ds, ds->g->kms_key_arn, "Decrypt", err);
}
