/*
 * cache.c: finding keys and their material (kms_int.h) — the caches of key
 * records, aliases and unsealed material, the forms a KeyId takes, and
 * material sealed under the root key. Not here: who may use a key
 * (authz.c), what is shown of it (meta.c).
 */
#include "kms/kms_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "store/kms_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- cache of keys, aliases and material ---------------------------- */

/*
 * Every Encrypt, Decrypt and GenerateDataKey needs the key record and the
 * unsealed material of one version: read from the store, that is a read
 * transaction (SQLite's file locks) and an AES-GCM open each time. They are
 * kept here in three small direct-mapped tables, each behind its mutex:
 * key records by id, alias → key id by (account, region, name), and the
 * unsealed material by (key id, version).
 *
 * An entry serves only
 *   - at the KMS generation it was read at (lv_store_kms_generation():
 *     every KMS write moves it — on sqlite, of this process, the only one
 *     on the store, at the write and again at the end of its transaction;
 *     on PostgreSQL, of any node, a row of the database moved by the
 *     write's own commit and read by every lookup here), so a DisableKey,
 *     a PutKeyPolicy, a rotation or a deletion through any node applies
 *     to the very next call; and
 *   - for CACHE_TTL_MS after it was read, a bound that does not depend on
 *     the generation being right.
 * A thread whose own transaction has KMS writes not yet committed neither
 * reads nor fills the cache. Only found records are cached: a miss always
 * asks the store. Material is wiped when its entry is replaced or expires
 * (lv_secret_free) and every hit hands out a fresh copy.
 */
#define CACHE_SLOTS 256
#define CACHE_TTL_MS 1000
#define CACHE_MAX_MATERIAL 8192     /* RSA-4096 PKCS#8 is ~2.4 KB */

struct key_slot {
    uint64_t gen;               /* 0: empty */
    int64_t loaded_ms;
    struct lv_kms_key k;
};

struct alias_slot {
    uint64_t gen;
    int64_t loaded_ms;
    struct lv_kms_alias a;
};

struct material_slot {
    uint64_t gen;
    int64_t loaded_ms;
    char key_id[LV_KMS_ID_MAX];
    uint32_t version;
    uint8_t *mat;
    size_t len;
};

/* The three tables of one KMS service object (struct lv_kms). */
struct lv_kms_cache {
    struct key_slot keys[CACHE_SLOTS];
    struct alias_slot aliases[CACHE_SLOTS];
    struct material_slot material[CACHE_SLOTS];
    pthread_mutex_t key_mu;
    pthread_mutex_t alias_mu;
    pthread_mutex_t material_mu;
};

struct lv_kms_cache *lv_kms_cache_new(void)
{
    struct lv_kms_cache *c = lv_xcalloc(1, sizeof(*c));

    pthread_mutex_init(&c->key_mu, NULL);
    pthread_mutex_init(&c->alias_mu, NULL);
    pthread_mutex_init(&c->material_mu, NULL);
    return c;
}

void lv_kms_cache_free(struct lv_kms_cache *c)
{
    if (!c) {
        return;
    }
    lv_kms_cache_clear(c);
    pthread_mutex_destroy(&c->key_mu);
    pthread_mutex_destroy(&c->alias_mu);
    pthread_mutex_destroy(&c->material_mu);
    free(c);
}

/* A monotonic clock for the TTL only (no answer depends on it). */
static int64_t mono_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static unsigned hash_str(unsigned h, const char *s)
{
    for (; *s; s++) {
        h = (h ^ (unsigned char)*s) * 16777619u;
    }
    return h;
}

static int slot_current(uint64_t slot_gen, int64_t loaded_ms, uint64_t gen,
                        int64_t now)
{
    return slot_gen != 0 && slot_gen == gen && now - loaded_ms >= 0 &&
           now - loaded_ms < CACHE_TTL_MS;
}

static void copy_key(struct lv_kms_key *dst, const struct lv_kms_key *src)
{
    *dst = *src;
    dst->description = src->description ? lv_xstrdup(src->description)
                                         : NULL;
    dst->policy = src->policy ? lv_xstrdup(src->policy) : NULL;
}

/* The key `id` as the store has it: 1 found (*out replaced), 0 absent, -1
 * with *err on a store fault — lv_store_kms_key_get() through the cache. */
static int key_get(struct lv_req *rq, const char *id, struct lv_kms_key *out,
                   struct lv_err *err)
{
    struct lv_kms_cache *c = rq->app->kms->cache;
    struct key_slot *slot = &c->keys[hash_str(2166136261u, id) %
                                       CACHE_SLOTS];
    struct lv_kms_key fresh;
    uint64_t gen = 0;
    int cacheable = lv_store_kms_generation(rq->store, &gen);
    int64_t now = mono_ms();
    int found;

    if (cacheable) {
        pthread_mutex_lock(&c->key_mu);
        if (slot_current(slot->gen, slot->loaded_ms, gen, now) &&
            strcmp(slot->k.id, id) == 0) {
            lv_kms_key_release(out);
            copy_key(out, &slot->k);
            pthread_mutex_unlock(&c->key_mu);
            return 1;
        }
        pthread_mutex_unlock(&c->key_mu);
    }
    /* gen was read before the store: a write landing in between moves the
     * generation past it, so what is read here is never cached as newer
     * than it is. */
    found = lv_store_kms_key_get(rq->store, id, out, err);
    if (found != 1 || !cacheable) {
        return found;
    }
    copy_key(&fresh, out);
    pthread_mutex_lock(&c->key_mu);
    lv_kms_key_release(&slot->k);
    slot->k = fresh;
    slot->gen = gen;
    slot->loaded_ms = now;
    pthread_mutex_unlock(&c->key_mu);
    return 1;
}

/* lv_store_kms_alias_get() through the cache: 1, 0 or -1 as it answers. */
static int alias_get(struct lv_req *rq, const char *account,
                     const char *region, const char *name,
                     struct lv_kms_alias *out, struct lv_err *err)
{
    struct lv_kms_cache *c = rq->app->kms->cache;
    unsigned h = hash_str(hash_str(hash_str(2166136261u, account), region),
                          name);
    struct alias_slot *slot = &c->aliases[h % CACHE_SLOTS];
    uint64_t gen = 0;
    int cacheable = lv_store_kms_generation(rq->store, &gen);
    int64_t now = mono_ms();
    int found;

    if (cacheable) {
        pthread_mutex_lock(&c->alias_mu);
        if (slot_current(slot->gen, slot->loaded_ms, gen, now) &&
            strcmp(slot->a.name, name) == 0 &&
            strcmp(slot->a.account, account) == 0 &&
            strcmp(slot->a.region, region) == 0) {
            *out = slot->a;
            pthread_mutex_unlock(&c->alias_mu);
            return 1;
        }
        pthread_mutex_unlock(&c->alias_mu);
    }
    found = lv_store_kms_alias_get(rq->store, account, region, name, out,
                                   err);
    if (found != 1 || !cacheable) {
        return found;
    }
    pthread_mutex_lock(&c->alias_mu);
    slot->a = *out;
    slot->gen = gen;
    slot->loaded_ms = now;
    pthread_mutex_unlock(&c->alias_mu);
    return 1;
}

/* Copies the cached material of (key_id, version) into fresh *mat, *len
 * and returns 1; 0 when there is none current. */
static int material_lookup(struct lv_kms_cache *c, const char *key_id, uint32_t version,
                           uint64_t gen, int64_t now, uint8_t **mat,
                           size_t *len)
{
    unsigned h = hash_str(2166136261u ^ version, key_id);
    struct material_slot *slot = &c->material[h % CACHE_SLOTS];
    int hit = 0;

    pthread_mutex_lock(&c->material_mu);
    if (slot_current(slot->gen, slot->loaded_ms, gen, now) &&
        slot->version == version && strcmp(slot->key_id, key_id) == 0) {
        *mat = lv_xmalloc(slot->len ? slot->len : 1);
        memcpy(*mat, slot->mat, slot->len);
        *len = slot->len;
        hit = 1;
    }
    pthread_mutex_unlock(&c->material_mu);
    return hit;
}

static void material_store(struct lv_kms_cache *c, const char *key_id, uint32_t version,
                           uint64_t gen, int64_t now, const uint8_t *mat,
                           size_t len)
{
    unsigned h = hash_str(2166136261u ^ version, key_id);
    struct material_slot *slot = &c->material[h % CACHE_SLOTS];
    uint8_t *copy;
    uint8_t *old;
    size_t old_len;

    if (len > CACHE_MAX_MATERIAL) {
        return;
    }
    copy = lv_xmalloc(len ? len : 1);
    memcpy(copy, mat, len);
    pthread_mutex_lock(&c->material_mu);
    old = slot->mat;
    old_len = slot->len;
    snprintf(slot->key_id, sizeof(slot->key_id), "%s", key_id);
    slot->version = version;
    slot->mat = copy;
    slot->len = len;
    slot->gen = gen;
    slot->loaded_ms = now;
    pthread_mutex_unlock(&c->material_mu);
    if (old) {
        lv_secret_free(old, old_len);
    }
}

int lv_kms_key_get(struct lv_req *rq, const char *id, struct lv_kms_key *out,
                   struct lv_err *err)
{
    return key_get(rq, id, out, err);
}

void lv_kms_cache_clear(struct lv_kms_cache *c)
{
    pthread_mutex_lock(&c->key_mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        lv_kms_key_release(&c->keys[i].k);
        c->keys[i].gen = 0;
    }
    pthread_mutex_unlock(&c->key_mu);
    pthread_mutex_lock(&c->alias_mu);
    memset(c->aliases, 0, sizeof(c->aliases));
    pthread_mutex_unlock(&c->alias_mu);
    pthread_mutex_lock(&c->material_mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct material_slot *m = &c->material[i];

        if (m->mat) {
            lv_secret_free(m->mat, m->len);
        }
        memset(m, 0, sizeof(*m));
    }
    pthread_mutex_unlock(&c->material_mu);
}

/* ---- key references ----------------------------------------------------- */

void lv_kms_key_arn(const struct lv_req *rq, const char *id, char out[256])
{
    snprintf(out, 256, "arn:aws:kms:%s:%s:key/%.*s", rq->region,
             rq->who.account, (int)strcspn(id, "@"), id);
}

const char *lv_kms_key_id(const struct lv_kms_key *k)
{
    const char *slash = strrchr(k->arn, '/');

    return slash ? slash + 1 : k->id;
}

void lv_kms_public_id(const char *stored, char out[LV_KMS_ID_MAX])
{
    snprintf(out, LV_KMS_ID_MAX, "%.*s", (int)strcspn(stored, "@"), stored);
}

static int is_mrk_id(const char *s)
{
    return strlen(s) == 36 && strncmp(s, "mrk-", 4) == 0 &&
           strspn(s + 4, "0123456789abcdef") == 32;
}

void lv_kms_mr_stored_id(const char *key_id, const char *region,
                         char out[LV_KMS_ID_MAX])
{
    snprintf(out, LV_KMS_ID_MAX, "%s@%s", key_id, region);
}

static int hexval(char c)
{
    return c <= '9' ? c - '0' : c - 'a' + 10;
}

int lv_kms_key_raw(const struct lv_kms_key *k, uint8_t raw[16])
{
    const char *id = lv_kms_key_id(k);

    if (is_mrk_id(id)) {
        for (int i = 0; i < 16; i++) {
            raw[i] = (uint8_t)(hexval(id[4 + 2 * i]) << 4 |
                               hexval(id[5 + 2 * i]));
        }
        return 0;
    }
    return lv_keyid_parse(id, raw);
}

void lv_kms_raw_ids(const uint8_t raw[16], const char *region,
                    char uuid[37], char mrk[LV_KMS_ID_MAX])
{
    static const char hex[] = "0123456789abcdef";
    char id[37];

    lv_keyid_format(raw, uuid);
    memcpy(id, "mrk-", 4);
    for (int i = 0; i < 16; i++) {
        id[4 + 2 * i] = hex[raw[i] >> 4];
        id[5 + 2 * i] = hex[raw[i] & 15];
    }
    id[36] = '\0';
    lv_kms_mr_stored_id(id, region, mrk);
}

/* Splits "arn:aws:kms:REGION:ACCOUNT:RESOURCE" into its parts (pointers
 * into s, lengths). Returns 0, or -1 when s is not a KMS ARN. */
static int split_kms_arn(const char *s, const char **region, size_t *rlen,
                         const char **account, size_t *alen,
                         const char **resource)
{
    const char *p;
    const char *q;

    if (strncmp(s, "arn:aws:kms:", 12) != 0) {
        return -1;
    }
    p = s + 12;
    q = strchr(p, ':');
    if (!q) {
        return -1;
    }
    *region = p;
    *rlen = (size_t)(q - p);
    p = q + 1;
    q = strchr(p, ':');
    if (!q) {
        return -1;
    }
    *account = p;
    *alen = (size_t)(q - p);
    *resource = q + 1;
    return 0;
}

static int get_key_in_scope(struct lv_req *rq, const char *id,
                            const char *account, const char *region,
                            struct lv_kms_key *out, struct lv_err *err)
{
    char stored[LV_KMS_ID_MAX];
    int found;

    /* A multi-Region key's KeyId names its record in the region asked. */
    if (is_mrk_id(id)) {
        lv_kms_mr_stored_id(id, region, stored);
    } else {
        snprintf(stored, sizeof(stored), "%s", id);
    }
    found = key_get(rq, stored, out, err);

    if (found < 0) {
        return -1;
    }
    if (!found || strcmp(out->account, account) != 0 ||
        strcmp(out->region, region) != 0 || out->material_destroyed) {
        /* A deleted key is gone, as on AWS: not found. */
        return lv_err_set(err, LV_E_NOT_FOUND,
                          "Key 'arn:aws:kms:%s:%s:key/%.*s' does not exist",
                          region, account, (int)strcspn(id, "@"), id);
    }
    return 0;
}

static int is_key_id(const char *s)
{
    uint8_t raw[16];

    return (strlen(s) == 36 && lv_keyid_parse(s, raw) == 0) || is_mrk_id(s);
}

static int resolve_alias(struct lv_req *rq, const char *account,
                         const char *region, const char *name,
                         struct lv_kms_key *out, struct lv_err *err)
{
    struct lv_kms_alias a;
    int found;

    found = alias_get(rq, account, region, name, &a, err);
    if (found < 0) {
        return -1;
    }
    if (!found) {
        return lv_err_set(err, LV_E_NOT_FOUND,
                          "Alias arn:aws:kms:%s:%s:%s is not found.", region,
                          account, name);
    }
    return get_key_in_scope(rq, a.key_id, account, region, out, err);
}

static int resolve_ref(struct lv_req *rq, const char *ref, unsigned flags,
                       struct lv_kms_key *out, struct lv_err *err)
{
    const char *region;
    const char *account;
    const char *res;
    size_t rlen;
    size_t alen;
    char acct[13];
    char reg[64];

    if (strncmp(ref, "alias/", 6) == 0) {
        if (!(flags & LV_KMS_ALIAS_OK)) {
            /* An operation that takes only keys was given an alias. */
            return lv_err_set(err, LV_E_NOT_FOUND, "Invalid keyId '%s'", ref);
        }
        return resolve_alias(rq, rq->who.account, rq->region, ref, out, err);
    }
    if (strncmp(ref, "arn:", 4) != 0) {
        if (!is_key_id(ref)) {
            return lv_err_set(err, LV_E_NOT_FOUND, "Invalid keyId '%s'", ref);
        }
        return get_key_in_scope(rq, ref, rq->who.account, rq->region, out,
                                err);
    }
    if (split_kms_arn(ref, &region, &rlen, &account, &alen, &res) < 0 ||
        alen != 12 || rlen == 0 || rlen >= sizeof(reg) ||
        strspn(account, "0123456789") < 12) {
        return lv_err_set(err, LV_E_INVALID_ARN, "Invalid arn %s", ref);
    }
    memcpy(acct, account, 12);
    acct[12] = '\0';
    memcpy(reg, region, rlen);
    reg[rlen] = '\0';
    /* A key record lives in one region: an ARN of another region cannot
     * name a key this request can reach (a multi-Region key is reached
     * through its record in the request's region). */
    if (strcmp(reg, rq->region) != 0) {
        return lv_err_set(err, LV_E_INVALID_ARN,
                          "ARN %s is in region %s, not in the request's "
                          "region %s", ref, reg, rq->region);
    }
    if (strcmp(acct, rq->who.account) != 0 && !(flags & LV_KMS_CROSS_ACCOUNT)) {
        return lv_err_set(err, LV_E_INVALID_ARN,
                          "ARN %s belongs to another account; this operation"
                          " acts only on keys of account %s", ref,
                          rq->who.account);
    }
    if (strncmp(res, "key/", 4) == 0) {
        if (!is_key_id(res + 4)) {
            return lv_err_set(err, LV_E_NOT_FOUND, "Invalid keyId '%s'", ref);
        }
        return get_key_in_scope(rq, res + 4, acct, reg, out, err);
    }
    if (strncmp(res, "alias/", 6) == 0 && (flags & LV_KMS_ALIAS_OK)) {
        return resolve_alias(rq, acct, reg, res, out, err);
    }
    return lv_err_set(err, LV_E_INVALID_ARN, "Invalid arn %s", ref);
}

int lv_kms_resolve(struct lv_req *rq, const char *ref, unsigned flags,
                   struct lv_kms_key *out, struct lv_err *err)
{
    if (resolve_ref(rq, ref, flags, out, err) < 0) {
        return -1;
    }
    /* The audit record's resource (svc/req.h). */
    snprintf(rq->key_arn, sizeof(rq->key_arn), "%s", out->arn);
    return 0;
}

/* ---- material ---------------------------------------------------------------- */

int lv_kms_material(struct lv_req *rq, const struct lv_kms_key *k,
                    uint32_t version, uint8_t **mat, size_t *len,
                    struct lv_err *err)
{
    struct lv_buf sealed = LV_BUF_INIT(1u << 20);
    uint64_t gen = 0;
    int cacheable = lv_store_kms_generation(rq->store, &gen);
    int64_t now = mono_ms();
    int found;
    int ret = -1;

    if (cacheable && material_lookup(rq->app->kms->cache, k->id, version, gen, now, mat, len)) {
        return 0;
    }
    found = lv_store_kms_material_get(rq->store, k->id, version, &sealed,
                                      err);
    if (found < 0) {
        goto out;
    }
    if (!found) {
        /* A blob naming a version this key never had is not ours. */
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
        goto out;
    }
    if (lv_keyring_unseal_alloc(rq->app->kms->keyring, k->arn, version,
                                sealed.data, sealed.len, mat, len,
                                err) < 0) {
        lv_log(LV_LOG_ERROR, "kms: material of key %s version %u does not "
               "unseal req=%s", k->id, version, rq->id);
        lv_err_set(err, LV_E_KMS_INTERNAL, "The key material of %s cannot"
                   " be read", k->arn);
        goto out;
    }
    if (cacheable) {
        material_store(rq->app->kms->cache, k->id, version, gen, now, *mat, *len);
    }
    ret = 0;
out:
    lv_buf_release(&sealed);
    return ret;
}

int lv_kms_seal(struct lv_req *rq, const struct lv_kms_key *k,
                uint32_t version, const void *mat, size_t len,
                struct lv_buf *sealed, struct lv_err *err)
{
    if (lv_keyring_seal(rq->app->kms->keyring, k->arn, version, mat, len,
                        sealed) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL,
                          "Key material could not be sealed");
    }
    return 0;
}
