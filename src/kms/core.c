#include "kms/kms_int.h"

#include <ctype.h>
#include <stdint.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "kms/condkeys.h"
#include "model/model.h"
#include "policy/policy.h"
#include "store/kms_store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
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
 *     every KMS write of this process moves it, at the write and again at
 *     the end of its transaction), so a DisableKey, a PutKeyPolicy, a
 *     rotation or a deletion applies to the very next call; and
 *   - for CACHE_TTL_MS after it was read. The generation only sees this
 *     process's writes; another process cannot share the data dir (its lock
 *     file), but a backend shared between nodes (PostgreSQL) would, and
 *     the TTL bounds how late another node's write is seen here.
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
    char key_id[37];
    uint32_t version;
    uint8_t *mat;
    size_t len;
};

static struct key_slot key_cache[CACHE_SLOTS];
static struct alias_slot alias_cache[CACHE_SLOTS];
static struct material_slot material_cache[CACHE_SLOTS];
static pthread_mutex_t key_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t alias_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t material_mu = PTHREAD_MUTEX_INITIALIZER;

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
    struct key_slot *slot = &key_cache[hash_str(2166136261u, id) %
                                       CACHE_SLOTS];
    struct lv_kms_key fresh;
    uint64_t gen = 0;
    int cacheable = lv_store_kms_generation(rq->store, &gen);
    int64_t now = mono_ms();
    int found;

    if (cacheable) {
        pthread_mutex_lock(&key_mu);
        if (slot_current(slot->gen, slot->loaded_ms, gen, now) &&
            strcmp(slot->k.id, id) == 0) {
            lv_kms_key_release(out);
            copy_key(out, &slot->k);
            pthread_mutex_unlock(&key_mu);
            return 1;
        }
        pthread_mutex_unlock(&key_mu);
    }
    /* gen was read before the store: a write landing in between moves the
     * generation past it, so what is read here is never cached as newer
     * than it is. */
    found = lv_store_kms_key_get(rq->store, id, out, err);
    if (found != 1 || !cacheable) {
        return found;
    }
    copy_key(&fresh, out);
    pthread_mutex_lock(&key_mu);
    lv_kms_key_release(&slot->k);
    slot->k = fresh;
    slot->gen = gen;
    slot->loaded_ms = now;
    pthread_mutex_unlock(&key_mu);
    return 1;
}

/* lv_store_kms_alias_get() through the cache: 1, 0 or -1 as it answers. */
static int alias_get(struct lv_req *rq, const char *account,
                     const char *region, const char *name,
                     struct lv_kms_alias *out, struct lv_err *err)
{
    unsigned h = hash_str(hash_str(hash_str(2166136261u, account), region),
                          name);
    struct alias_slot *slot = &alias_cache[h % CACHE_SLOTS];
    uint64_t gen = 0;
    int cacheable = lv_store_kms_generation(rq->store, &gen);
    int64_t now = mono_ms();
    int found;

    if (cacheable) {
        pthread_mutex_lock(&alias_mu);
        if (slot_current(slot->gen, slot->loaded_ms, gen, now) &&
            strcmp(slot->a.name, name) == 0 &&
            strcmp(slot->a.account, account) == 0 &&
            strcmp(slot->a.region, region) == 0) {
            *out = slot->a;
            pthread_mutex_unlock(&alias_mu);
            return 1;
        }
        pthread_mutex_unlock(&alias_mu);
    }
    found = lv_store_kms_alias_get(rq->store, account, region, name, out,
                                   err);
    if (found != 1 || !cacheable) {
        return found;
    }
    pthread_mutex_lock(&alias_mu);
    slot->a = *out;
    slot->gen = gen;
    slot->loaded_ms = now;
    pthread_mutex_unlock(&alias_mu);
    return 1;
}

/* Copies the cached material of (key_id, version) into fresh *mat, *len
 * and returns 1; 0 when there is none current. */
static int material_lookup(const char *key_id, uint32_t version,
                           uint64_t gen, int64_t now, uint8_t **mat,
                           size_t *len)
{
    unsigned h = hash_str(2166136261u ^ version, key_id);
    struct material_slot *slot = &material_cache[h % CACHE_SLOTS];
    int hit = 0;

    pthread_mutex_lock(&material_mu);
    if (slot_current(slot->gen, slot->loaded_ms, gen, now) &&
        slot->version == version && strcmp(slot->key_id, key_id) == 0) {
        *mat = lv_xmalloc(slot->len ? slot->len : 1);
        memcpy(*mat, slot->mat, slot->len);
        *len = slot->len;
        hit = 1;
    }
    pthread_mutex_unlock(&material_mu);
    return hit;
}

static void material_store(const char *key_id, uint32_t version,
                           uint64_t gen, int64_t now, const uint8_t *mat,
                           size_t len)
{
    unsigned h = hash_str(2166136261u ^ version, key_id);
    struct material_slot *slot = &material_cache[h % CACHE_SLOTS];
    uint8_t *copy;
    uint8_t *old;
    size_t old_len;

    if (len > CACHE_MAX_MATERIAL) {
        return;
    }
    copy = lv_xmalloc(len ? len : 1);
    memcpy(copy, mat, len);
    pthread_mutex_lock(&material_mu);
    old = slot->mat;
    old_len = slot->len;
    snprintf(slot->key_id, sizeof(slot->key_id), "%s", key_id);
    slot->version = version;
    slot->mat = copy;
    slot->len = len;
    slot->gen = gen;
    slot->loaded_ms = now;
    pthread_mutex_unlock(&material_mu);
    if (old) {
        lv_secret_free(old, old_len);
    }
}

int lv_kms_key_get(struct lv_req *rq, const char *id, struct lv_kms_key *out,
                   struct lv_err *err)
{
    return key_get(rq, id, out, err);
}

void lv_kms_cache_clear(void)
{
    pthread_mutex_lock(&key_mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        lv_kms_key_release(&key_cache[i].k);
        key_cache[i].gen = 0;
    }
    pthread_mutex_unlock(&key_mu);
    pthread_mutex_lock(&alias_mu);
    memset(alias_cache, 0, sizeof(alias_cache));
    pthread_mutex_unlock(&alias_mu);
    pthread_mutex_lock(&material_mu);
    for (size_t i = 0; i < CACHE_SLOTS; i++) {
        struct material_slot *m = &material_cache[i];

        if (m->mat) {
            lv_secret_free(m->mat, m->len);
        }
        memset(m, 0, sizeof(*m));
    }
    pthread_mutex_unlock(&material_mu);
}

/* ---- key references ----------------------------------------------------- */

void lv_kms_key_arn(const struct lv_req *rq, const char *id, char out[256])
{
    snprintf(out, 256, "arn:aws:kms:%s:%s:key/%s", rq->region,
             rq->who.account, id);
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
    int found = key_get(rq, id, out, err);

    if (found < 0) {
        return -1;
    }
    if (!found || strcmp(out->account, account) != 0 ||
        strcmp(out->region, region) != 0 || out->material_destroyed) {
        /* A deleted key is gone, as on AWS: not found. */
        return lv_err_set(err, LV_E_NOT_FOUND, "Key 'arn:aws:kms:%s:%s:key/%s'"
                          " does not exist", region, account, id);
    }
    return 0;
}

static int is_key_id(const char *s)
{
    uint8_t raw[16];

    return strlen(s) == 36 && lv_keyid_parse(s, raw) == 0;
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

int lv_kms_resolve(struct lv_req *rq, const char *ref, unsigned flags,
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
    /* A key lives in one region: an ARN of another region cannot name a
     * key this request can reach (multi-Region keys are not served). */
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

/* ---- key policy cache ------------------------------------------------------ */

/* Parsing a policy costs far more than comparing its text, so each key's
 * parsed policy is kept with the text it came from; a different text (after
 * PutKeyPolicy, on this or another node) is parsed anew. */
#define POLICY_CACHE_SLOTS 256

struct policy_slot {
    char key_id[37];
    char *text;
    struct lv_policy *policy;
    unsigned refs;
};

static struct policy_slot policy_cache[POLICY_CACHE_SLOTS];
static pthread_mutex_t policy_mu = PTHREAD_MUTEX_INITIALIZER;

static unsigned slot_of(const char *key_id)
{
    unsigned h = 2166136261u;

    for (const char *p = key_id; *p; p++) {
        h = (h ^ (unsigned char)*p) * 16777619u;
    }
    return h % POLICY_CACHE_SLOTS;
}

/* A shared parsed policy for k (release with policy_put), or NULL with
 * *err when the stored text does not parse (it was validated when put, so
 * that is a fault). */
static struct policy_slot *policy_get(const struct lv_kms_key *k,
                                      struct lv_err *err)
{
    struct policy_slot *slot = &policy_cache[slot_of(k->id)];
    struct lv_policy *p;

    pthread_mutex_lock(&policy_mu);
    if (slot->policy && strcmp(slot->key_id, k->id) == 0 &&
        strcmp(slot->text, k->policy) == 0) {
        slot->refs++;
        pthread_mutex_unlock(&policy_mu);
        return slot;
    }
    pthread_mutex_unlock(&policy_mu);

    p = lv_policy_parse(k->policy, strlen(k->policy), err);
    if (!p) {
        lv_log(LV_LOG_ERROR, "kms: stored policy of key %s does not parse",
               k->id);
        lv_err_set(err, LV_E_KMS_INTERNAL, "The key policy of %s cannot "
                   "be read", k->arn);
        return NULL;
    }
    pthread_mutex_lock(&policy_mu);
    /* Replace the slot only when nobody is evaluating with it. */
    if (slot->refs == 0) {
        lv_policy_free(slot->policy);
        free(slot->text);
        snprintf(slot->key_id, sizeof(slot->key_id), "%s", k->id);
        slot->text = lv_xstrdup(k->policy);
        slot->policy = p;
        slot->refs = 1;
        pthread_mutex_unlock(&policy_mu);
        return slot;
    }
    pthread_mutex_unlock(&policy_mu);
    /* Busy slot: a private slot for this call only. */
    {
        struct policy_slot *own = lv_xcalloc(1, sizeof(*own));

        own->policy = p;
        own->refs = (unsigned)-1;
        return own;
    }
}

static void policy_put(struct policy_slot *slot)
{
    if (slot->refs == (unsigned)-1) {
        lv_policy_free(slot->policy);
        free(slot);
        return;
    }
    pthread_mutex_lock(&policy_mu);
    slot->refs--;
    pthread_mutex_unlock(&policy_mu);
}

void lv_kms_policy_cache_drop(const char *key_id)
{
    struct policy_slot *slot = &policy_cache[slot_of(key_id)];

    pthread_mutex_lock(&policy_mu);
    if (slot->policy && slot->refs == 0 &&
        strcmp(slot->key_id, key_id) == 0) {
        lv_policy_free(slot->policy);
        free(slot->text);
        memset(slot, 0, sizeof(*slot));
    }
    pthread_mutex_unlock(&policy_mu);
}

/* ---- authorization ---------------------------------------------------------- */

/* Does grant g allow `op` for this principal and context? */
struct grant_search {
    const struct lv_req *rq;
    const char *op;
    const struct lv_kv *ctx;
    size_t n_ctx;
    struct lv_kms_authz *how;   /* in: child; out: the grant; may be NULL */
    int allowed;
};

static const char *ctx_value(const struct lv_kv *ctx, size_t n,
                             const char *key)
{
    for (size_t i = 0; i < n; i++) {
        if (strcmp(ctx[i].key, key) == 0) {
            return ctx[i].value;
        }
    }
    return NULL;
}

/* Grant constraints, as AWS documents them: EncryptionContextEquals — the
 * request's context is exactly this map; EncryptionContextSubset — the
 * request's context contains every pair of this map. */
static int constraints_hold(const char *constraints, const struct lv_kv *ctx,
                            size_t n_ctx)
{
    json_t *c;
    const json_t *eq;
    const json_t *sub;
    const char *k;
    const json_t *v;
    int ok = 1;

    if (!constraints || !constraints[0]) {
        return 1;
    }
    c = json_loads(constraints, 0, NULL);
    if (!c) {
        return 0;
    }
    eq = json_object_get(c, "EncryptionContextEquals");
    sub = json_object_get(c, "EncryptionContextSubset");
    if (json_is_object(eq)) {
        if (json_object_size(eq) != n_ctx) {
            ok = 0;
        }
        json_object_foreach((json_t *)eq, k, v) {
            const char *have = ctx_value(ctx, n_ctx, k);

            if (!have || !json_is_string(v) ||
                strcmp(have, json_string_value(v)) != 0) {
                ok = 0;
            }
        }
    }
    if (json_is_object(sub)) {
        json_object_foreach((json_t *)sub, k, v) {
            const char *have = ctx_value(ctx, n_ctx, k);

            if (!have || !json_is_string(v) ||
                strcmp(have, json_string_value(v)) != 0) {
                ok = 0;
            }
        }
    }
    json_decref(c);
    return ok;
}

/*
 * A stored constraint, parsed: *map is the pairs of its
 * EncryptionContextEquals or EncryptionContextSubset (a borrowed reference
 * into *root, which the caller json_decref()s) and *equals says which. No
 * constraint is EncryptionContextSubset of no pairs (*map NULL): every
 * context satisfies both. -1 for anything else: both types, another
 * member, a value that is not a string.
 */
static int constraint_parse(const char *text, json_t **root,
                            const json_t **map, int *equals)
{
    const json_t *eq;
    const json_t *sub;
    const char *key;
    const json_t *v;

    *root = NULL;
    *map = NULL;
    *equals = 0;
    if (!text || !text[0]) {
        return 0;
    }
    *root = json_loads(text, 0, NULL);
    if (!json_is_object(*root) || json_object_size(*root) != 1) {
        return -1;
    }
    eq = json_object_get(*root, "EncryptionContextEquals");
    sub = json_object_get(*root, "EncryptionContextSubset");
    *map = eq ? eq : sub;
    *equals = eq != NULL;
    if (!json_is_object(*map)) {
        return -1;
    }
    json_object_foreach((json_t *)*map, key, v) {
        if (!json_is_string(v)) {
            return -1;
        }
    }
    return 0;
}

/* Does map `outer` hold every pair of map `inner` (NULL: no pairs)?
 * Keys and values compare exactly, as encryption contexts do. */
static int map_has_all(const json_t *outer, const json_t *inner)
{
    const char *key;
    const json_t *v;

    json_object_foreach((json_t *)inner, key, v) {
        const json_t *have = json_object_get(outer, key);

        if (!json_is_string(have) ||
            strcmp(json_string_value(have), json_string_value(v)) != 0) {
            return 0;
        }
    }
    return 1;
}

int lv_kms_constraint_covers(const char *parent, const char *child)
{
    json_t *proot = NULL;
    json_t *croot = NULL;
    const json_t *pmap;
    const json_t *cmap;
    int peq;
    int ceq;
    int ok = 0;

    if (constraint_parse(parent, &proot, &pmap, &peq) < 0 ||
        constraint_parse(child, &croot, &cmap, &ceq) < 0) {
        goto out;
    }
    if (peq) {
        /* Only the very same context satisfies Equals P: the child must
         * be Equals of exactly P's pairs. */
        ok = ceq && json_object_size(cmap) == json_object_size(pmap) &&
             map_has_all(cmap, pmap);
    } else {
        /* Subset P: every context the child admits holds the child's
         * pairs (Subset) or is them (Equals), so they must include P's:
         * a child may add pairs, never drop one. */
        ok = map_has_all(cmap, pmap);
    }
out:
    json_decref(proot);
    json_decref(croot);
    return ok;
}

/* Is `op` among the names of JSON array `ops`? */
static int ops_have(const json_t *ops, const char *op)
{
    size_t i;
    const json_t *v;

    json_array_foreach((json_t *)ops, i, v) {
        if (json_is_string(v) && strcmp(json_string_value(v), op) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does the stored operations text of a grant list `op`? */
static int grant_lists(const char *operations, const char *op)
{
    json_t *ops = json_loads(operations ? operations : "", 0, NULL);
    int listed = ops_have(ops, op);

    json_decref(ops);
    return listed;
}

int lv_kms_grant_covers(const char *parent_ops,
                        const char *parent_constraints,
                        const struct lv_kms_grant_shape *child)
{
    json_t *ops = json_loads(parent_ops ? parent_ops : "", 0, NULL);
    int ok = json_is_array(ops) && child->n_ops > 0;

    for (size_t i = 0; ok && i < child->n_ops; i++) {
        ok = ops_have(ops, child->ops[i]);
    }
    json_decref(ops);
    return ok && lv_kms_constraint_covers(parent_constraints,
                                          child->constraints);
}

/* The operations a grant can allow: the GrantOperation enum of the KMS
 * model (API_CreateGrant, Operations). ListGrants, RevokeGrant and the
 * administrative operations are not among them: a grant never allows
 * those ("Controlling access to grants" in the developer guide). */
static int is_grant_operation(const char *action)
{
    static const char *const ops[] = {
        "Decrypt", "Encrypt", "GenerateDataKey",
        "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo",
        "Sign", "Verify", "GetPublicKey", "CreateGrant", "RetireGrant",
        "DescribeKey", "GenerateDataKeyPair",
        "GenerateDataKeyPairWithoutPlaintext", "GenerateMac", "VerifyMac",
        "DeriveSharedSecret", NULL };

    for (const char *const *p = ops; *p; p++) {
        if (strcmp(*p, action) == 0) {
            return 1;
        }
    }
    return 0;
}

/* Does principal text `p` (from a grant) name the caller? An exact match,
 * or the caller's account given as its root ARN or its id, which names
 * every identity of that account (as a key policy's Principal does: with
 * no identity policies configured, the account's identities may act). */
static int names_caller(const struct lv_req *rq, const char *p)
{
    char root[64];

    if (!p || !p[0]) {
        return 0;
    }
    if (strcmp(p, rq->who.service[0] ? rq->who.service : rq->who.arn) == 0) {
        return 1;
    }
    if (rq->who.service[0]) {
        return 0;
    }
    snprintf(root, sizeof(root), "arn:aws:iam::%s:root", rq->who.account);
    return strcmp(p, root) == 0 || strcmp(p, rq->who.account) == 0;
}

/* May the caller retire g by the grant itself? Its retiring principal;
 * its grantee when g lists RetireGrant; an identity of the account that
 * issued it (API_RetireGrant: "and by the Amazon Web Services account in
 * which the grant is created"). */
static int grant_lets_retire(const struct lv_req *rq,
                             const struct lv_kms_grant *g)
{
    char root[64];

    if (names_caller(rq, g->retiring)) {
        return 1;
    }
    if (names_caller(rq, g->grantee) &&
        grant_lists(g->operations, "RetireGrant")) {
        return 1;
    }
    snprintf(root, sizeof(root), "arn:aws:iam::%s:root", rq->who.account);
    return !rq->who.service[0] && g->issuing_account &&
           strcmp(g->issuing_account, root) == 0;
}

static char *dup_or_empty(const char *s)
{
    return lv_xstrdup(s ? s : "");
}

static void grant_copy(struct lv_kms_grant *dst, const struct lv_kms_grant *g)
{
    lv_kms_grant_release(dst);
    memcpy(dst->id, g->id, sizeof(dst->id));
    memcpy(dst->key_id, g->key_id, sizeof(dst->key_id));
    dst->name = dup_or_empty(g->name);
    dst->grantee = dup_or_empty(g->grantee);
    dst->retiring = dup_or_empty(g->retiring);
    dst->issuing_account = dup_or_empty(g->issuing_account);
    dst->operations = dup_or_empty(g->operations);
    dst->constraints = dup_or_empty(g->constraints);
    dst->creation_date = g->creation_date;
}

void lv_kms_authz_init(struct lv_kms_authz *a)
{
    memset(a, 0, sizeof(*a));
    lv_kms_grant_init(&a->grant);
}

void lv_kms_authz_release(struct lv_kms_authz *a)
{
    lv_kms_grant_release(&a->grant);
    a->source = LV_KMS_AUTHZ_NONE;
}

static int grant_matches(void *arg, const struct lv_kms_grant *g)
{
    struct grant_search *gs = arg;
    const char *who = gs->rq->who.service[0] ? gs->rq->who.service
                                             : gs->rq->who.arn;
    int ok;

    if (strcmp(g->grantee, who) != 0 || !grant_lists(g->operations, gs->op)) {
        return 0;
    }
    if (strcmp(gs->op, "CreateGrant") == 0) {
        /* The grant's constraint bounds the grants it lets its grantee
         * create, not this request's context (API_GrantConstraints: "the
         * constraint requires that any grants created with the
         * CreateGrant permission have an equally strict or stricter
         * encryption context constraint"). */
        ok = gs->how && gs->how->child &&
             lv_kms_grant_covers(g->operations, g->constraints,
                                 gs->how->child);
    } else if (strcmp(gs->op, "DescribeKey") == 0) {
        /* API_GrantConstraints: grants with constraints "can include the
         * DescribeKey and RetireGrant operations, but the constraint
         * doesn't apply to these operations". */
        ok = 1;
    } else {
        ok = constraints_hold(g->constraints, gs->ctx, gs->n_ctx);
    }
    if (!ok) {
        return 0;
    }
    if (gs->how) {
        grant_copy(&gs->how->grant, g);
        gs->how->source = LV_KMS_AUTHZ_GRANT;
    }
    gs->allowed = 1;
    return 1;
}

/* What the request context needs from the store, read only when the key
 * policy asks for it (lv_policy_mentions): the key's tags and aliases, and
 * for ReEncrypt whether the other key is this one. Owns its strings. */
struct gathered {
    struct lv_kv *tags;
    size_t n_tags;
    char **aliases;
    size_t n_aliases;
};

static void gathered_release(struct gathered *g)
{
    for (size_t i = 0; i < g->n_tags; i++) {
        free((char *)g->tags[i].key);
        free((char *)g->tags[i].value);
    }
    free(g->tags);
    for (size_t i = 0; i < g->n_aliases; i++) {
        free(g->aliases[i]);
    }
    free(g->aliases);
}

static int gather_tag(void *arg, const char *tag_key, const char *value)
{
    struct gathered *g = arg;

    g->tags = lv_xrealloc(g->tags, (g->n_tags + 1) * sizeof(*g->tags));
    g->tags[g->n_tags].key = lv_xstrdup(tag_key);
    g->tags[g->n_tags].value = lv_xstrdup(value);
    g->n_tags++;
    return 0;
}

static int gather_alias(void *arg, const struct lv_kms_alias *a)
{
    struct gathered *g = arg;

    g->aliases = lv_xrealloc(g->aliases,
                             (g->n_aliases + 1) * sizeof(*g->aliases));
    g->aliases[g->n_aliases++] = lv_xstrdup(a->name);
    return 0;
}

/*
 * kms:ReEncryptOnSameKey for k under ReEncryptFrom / ReEncryptTo: is the
 * request's other key (DestinationKeyId, or SourceKeyId — else the key the
 * ciphertext names) k itself? A reference that names no key is not k. 1 or
 * 0 into *same; -1 with *err on a store fault.
 */
static int reencrypt_same_key(struct lv_req *rq, const struct lv_kms_key *k,
                              const char *action, int *same,
                              struct lv_err *err)
{
    const char *other = lv_json_str(rq->in, strcmp(action, "ReEncryptFrom")
                                                    == 0
                                                ? "DestinationKeyId"
                                                : "SourceKeyId");
    struct lv_kms_key o;
    struct lv_err oerr = LV_ERR_INIT;
    unsigned char *blob = NULL;
    size_t blob_len = 0;
    uint8_t raw[16];
    uint32_t version;
    char id[37];
    int ret = 0;

    *same = 0;
    if (other) {
        lv_kms_key_init(&o);
        if (lv_kms_resolve(rq, other, LV_KMS_ALIAS_OK |
                           LV_KMS_CROSS_ACCOUNT, &o, &oerr) == 0) {
            *same = strcmp(o.id, k->id) == 0;
        } else if (lv_err_status(oerr.code) >= 500) {
            *err = oerr;
            ret = -1;
        }
        lv_kms_key_release(&o);
        return ret;
    }
    blob = lv_json_blob(rq->in, "CiphertextBlob", &blob_len);
    if (blob && lv_blob_parse_header(blob, blob_len, raw, &version,
                                     &oerr) == 0) {
        lv_keyid_format(raw, id);
        *same = strcmp(id, k->id) == 0;
    }
    free(blob);
    return 0;
}

static int gather(struct lv_req *rq, const struct lv_kms_key *k,
                  const char *action, const struct lv_policy *p,
                  struct lv_kms_condsrc *src, struct gathered *g,
                  struct lv_err *err)
{
    if (lv_policy_mentions(p, "aws:ResourceTag/")) {
        if (lv_store_kms_tag_list(rq->store, k->id, "", INT32_MAX,
                                  gather_tag, g, err) < 0) {
            return -1;
        }
        src->tags = g->tags;
        src->n_tags = g->n_tags;
    }
    if (lv_policy_mentions(p, "kms:ResourceAliases")) {
        if (lv_store_kms_alias_list(rq->store, k->account, k->region, k->id,
                                    "", INT32_MAX, gather_alias, g,
                                    err) < 0) {
            return -1;
        }
        src->aliases = (const char *const *)g->aliases;
        src->n_aliases = g->n_aliases;
    }
    if ((strcmp(action, "ReEncryptFrom") == 0 ||
         strcmp(action, "ReEncryptTo") == 0) && rq->in &&
        lv_policy_mentions(p, "kms:ReEncryptOnSameKey") &&
        reencrypt_same_key(rq, k, action, &src->same_key, err) < 0) {
        return -1;
    }
    return 0;
}

int lv_kms_authorize_how(struct lv_req *rq, const struct lv_kms_key *k,
                         const char *action, const struct lv_kv *ctx,
                         size_t n_ctx,
                         const struct lv_policy_ctx_value *extra,
                         size_t n_extra, struct lv_kms_authz *how,
                         struct lv_err *err)
{
    struct lv_kms_condctx cc;
    struct lv_kms_condsrc src;
    struct gathered g;
    struct lv_policy_request pr;
    struct policy_slot *slot = NULL;
    enum lv_policy_decision d;
    struct grant_search gs;
    char *full_action = lv_xasprintf("kms:%s", action);
    int via_account = 0;
    const int is_service = rq->who.service[0] != '\0';
    const char *who_text = is_service ? rq->who.service : rq->who.arn;
    int ret = -1;

    lv_kms_condctx_init(&cc);
    memset(&g, 0, sizeof(g));
    memset(&src, 0, sizeof(src));
    slot = policy_get(k, err);
    if (!slot) {
        goto out;
    }
    /* The request context: the caller's own keys first (they win), then
     * every key of the table (condkeys.c) that applies to the action. */
    for (size_t i = 0; i < n_extra; i++) {
        lv_kms_condctx_add(&cc, extra[i].key, extra[i].values, extra[i].n);
    }
    src.rq = rq;
    src.k = k;
    src.action = action;
    src.ctx = ctx;
    src.n_ctx = n_ctx;
    src.same_key = -1;
    if (gather(rq, k, action, slot->policy, &src, &g, err) < 0) {
        goto out;
    }
    lv_kms_condkeys_build(&cc, &src);

    memset(&pr, 0, sizeof(pr));
    pr.action = full_action;
    pr.resource = k->arn;
    pr.resource_account = k->account;
    if (is_service) {
        pr.principal_service = rq->who.service;
    } else {
        pr.principal_arn = rq->who.arn;
        pr.principal_account = rq->who.account;
    }
    pr.ctx = cc.v;
    pr.n_ctx = cc.n;

    d = lv_policy_eval(slot->policy, &pr, &via_account);
    if (d == LV_POLICY_EXPLICIT_DENY) {
        lv_err_set(err, LV_E_ACCESS_DENIED,
                   "User: %s is not authorized to perform: %s on "
                   "resource: %s with an explicit deny in a "
                   "resource-based policy", who_text, full_action, k->arn);
        goto out;
    }
    if (strcmp(action, "RetireGrant") == 0) {
        /* Who may retire a grant is the grant's own business: "The
         * kms:RetireGrant permission alone does not allow principals to
         * retire a grant. The kms:RetireGrant permission is not effective
         * in a key policy" (grant-manage.html, "Retiring and revoking
         * grants"). So neither the policy's Allow nor another grant that
         * lists RetireGrant counts; only the grant to be retired. */
        if (how && how->target && grant_lets_retire(rq, how->target)) {
            grant_copy(&how->grant, how->target);
            how->source = LV_KMS_AUTHZ_GRANT;
            ret = 0;
            goto out;
        }
        goto denied;
    }
    if (d == LV_POLICY_ALLOW) {
        /* Allowed through the account: on AWS the identity's own IAM
         * policy decides next. logvault configures no identity policies,
         * so an identity may act within its own account; a key of another
         * account needs the policy to name the identity itself. */
        if (!via_account || strcmp(rq->who.account, k->account) == 0) {
            if (how) {
                how->source = LV_KMS_AUTHZ_POLICY;
            }
            ret = 0;
            goto out;
        }
    }
    if (!is_grant_operation(action)) {
        goto denied;
    }
    gs.rq = rq;
    gs.op = action;
    gs.ctx = ctx;
    gs.n_ctx = n_ctx;
    gs.how = how;
    gs.allowed = 0;
    if (lv_store_kms_grant_list(rq->store, k->id, NULL, "", 100000,
                                grant_matches, &gs, err) < 0) {
        goto out;
    }
    if (gs.allowed) {
        ret = 0;
        goto out;
    }
denied:
    /* Also when grants of the caller list CreateGrant but none covers the
     * grant asked for: AWS documents the rule but not its error text, so
     * this is its usual AccessDeniedException, which also tells nothing
     * about the caller's grants. */
    lv_err_set(err, LV_E_ACCESS_DENIED,
               "User: %s is not authorized to perform: %s on "
               "resource: %s because no resource-based policy allows "
               "the %s action", who_text, full_action, k->arn, full_action);
out:
    if (slot) {
        policy_put(slot);
    }
    gathered_release(&g);
    lv_kms_condctx_release(&cc);
    free(full_action);
    return ret;
}

int lv_kms_authorize(struct lv_req *rq, const struct lv_kms_key *k,
                     const char *action, const struct lv_kv *ctx,
                     size_t n_ctx, const struct lv_policy_ctx_value *extra,
                     size_t n_extra, struct lv_err *err)
{
    return lv_kms_authorize_how(rq, k, action, ctx, n_ctx, extra, n_extra,
                                NULL, err);
}

/* ---- state and usage ----------------------------------------------------------- */

int lv_kms_check_enabled(const struct lv_kms_key *k, struct lv_err *err)
{
    if (strcmp(k->state, "Enabled") == 0) {
        return 0;
    }
    if (strcmp(k->state, "Disabled") == 0) {
        return lv_err_set(err, LV_E_DISABLED, "%s is disabled.", k->arn);
    }
    if (strcmp(k->state, "PendingDeletion") == 0) {
        return lv_err_set(err, LV_E_KMS_INVALID_STATE,
                          "%s is pending deletion.", k->arn);
    }
    return lv_err_set(err, LV_E_KMS_INVALID_STATE, "%s is %s.", k->arn,
                      k->state);
}

int lv_kms_check_usage(const struct lv_kms_key *k, const char *usage,
                       const char *op, struct lv_err *err)
{
    if (strcmp(k->key_usage, usage) == 0) {
        return 0;
    }
    return lv_err_set(err, LV_E_INVALID_KEY_USAGE,
                      "%s key usage is %s which is not valid for %s.",
                      k->arn, k->key_usage, op);
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

    if (cacheable && material_lookup(k->id, version, gen, now, mat, len)) {
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
    if (lv_keyring_unseal_alloc(rq->app->keyring, k->arn, version,
                                sealed.data, sealed.len, mat, len,
                                err) < 0) {
        lv_log(LV_LOG_ERROR, "kms: material of key %s version %u does not "
               "unseal req=%s", k->id, version, rq->id);
        lv_err_set(err, LV_E_KMS_INTERNAL, "The key material of %s cannot"
                   " be read", k->arn);
        goto out;
    }
    if (cacheable) {
        material_store(k->id, version, gen, now, *mat, *len);
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
    if (lv_keyring_seal(rq->app->keyring, k->arn, version, mat, len,
                        sealed) < 0) {
        return lv_err_set(err, LV_E_KMS_INTERNAL,
                          "Key material could not be sealed");
    }
    return 0;
}

/* ---- request helpers ------------------------------------------------------------ */

int lv_kms_context(const json_t *in, const char *member, struct lv_kv *pairs,
                   size_t cap, size_t *n, struct lv_err *err)
{
    const json_t *o = lv_json_obj(in, member);
    const char *k;
    json_t *v;
    size_t i = 0;

    *n = 0;
    if (!o) {
        return 0;
    }
    if (json_object_size(o) > cap) {
        /* KMS names members lower-camel in validation messages. */
        return lv_err_set(err, LV_E_VALIDATION,
                          "1 validation error detected: Value at '%c%s' "
                          "failed to satisfy constraint: Member must have "
                          "at most %zu entries",
                          tolower((unsigned char)member[0]), member + 1,
                          cap);
    }
    json_object_foreach((json_t *)o, k, v) {
        if (!json_is_string(v)) {
            return lv_err_set(err, LV_E_SERIALIZATION,
                              "Encryption context values must be strings");
        }
        pairs[i].key = k;
        pairs[i].value = json_string_value(v);
        i++;
    }
    *n = i;
    return 0;
}

/* ---- algorithms per key spec ----------------------------------------------------- */

static const char *const alg_symmetric[] = { "SYMMETRIC_DEFAULT", NULL };
static const char *const alg_rsa_enc[] = { "RSAES_OAEP_SHA_1",
                                           "RSAES_OAEP_SHA_256", NULL };
static const char *const alg_rsa_sign[] = {
    "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
    "RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384",
    "RSASSA_PKCS1_V1_5_SHA_512", NULL };
static const char *const alg_p256[] = { "ECDSA_SHA_256", NULL };
static const char *const alg_p384[] = { "ECDSA_SHA_384", NULL };
static const char *const alg_p521[] = { "ECDSA_SHA_512", NULL };
static const char *const mac_256[] = { "HMAC_SHA_256", NULL };
static const char *const mac_384[] = { "HMAC_SHA_384", NULL };
static const char *const mac_512[] = { "HMAC_SHA_512", NULL };

const char *const *lv_kms_encryption_algorithms(const char *spec)
{
    if (strcmp(spec, "SYMMETRIC_DEFAULT") == 0) {
        return alg_symmetric;
    }
    if (strncmp(spec, "RSA_", 4) == 0) {
        return alg_rsa_enc;
    }
    return NULL;
}

const char *const *lv_kms_signing_algorithms(const char *spec)
{
    if (strncmp(spec, "RSA_", 4) == 0) {
        return alg_rsa_sign;
    }
    if (strcmp(spec, "ECC_NIST_P256") == 0) {
        return alg_p256;
    }
    if (strcmp(spec, "ECC_NIST_P384") == 0) {
        return alg_p384;
    }
    if (strcmp(spec, "ECC_NIST_P521") == 0) {
        return alg_p521;
    }
    return NULL;
}

const char *const *lv_kms_mac_algorithms(const char *spec)
{
    if (strcmp(spec, "HMAC_256") == 0) {
        return mac_256;
    }
    if (strcmp(spec, "HMAC_384") == 0) {
        return mac_384;
    }
    if (strcmp(spec, "HMAC_512") == 0) {
        return mac_512;
    }
    return NULL;
}

/* ---- KeyMetadata ------------------------------------------------------------------- */

static void write_list(struct lv_jw *w, const char *key,
                       const char *const *list)
{
    if (!list) {
        return;
    }
    lv_jw_key(w, key);
    lv_jw_arr_open(w);
    for (; *list; list++) {
        lv_jw_str(w, *list);
    }
    lv_jw_arr_close(w);
}

/* Member order as AWS sends KeyMetadata. */
void lv_kms_write_metadata(struct lv_jw *w, const struct lv_kms_key *k)
{
    lv_jw_obj_open(w);
    lv_jw_kstr(w, "AWSAccountId", k->account);
    lv_jw_kstr(w, "KeyId", k->id);
    lv_jw_kstr(w, "Arn", k->arn);
    lv_jw_key(w, "CreationDate");
    lv_jw_double(w, k->creation_date);
    lv_jw_kbool(w, "Enabled", strcmp(k->state, "Enabled") == 0);
    lv_jw_kstr(w, "Description", k->description ? k->description : "");
    lv_jw_kstr(w, "KeyUsage", k->key_usage);
    lv_jw_kstr(w, "KeyState", k->state);
    if (k->deletion_date > 0) {
        lv_jw_key(w, "DeletionDate");
        lv_jw_double(w, k->deletion_date);
    }
    lv_jw_kstr(w, "Origin", k->origin);
    lv_jw_kstr(w, "KeyManager", "CUSTOMER");
    lv_jw_kstr(w, "CustomerMasterKeySpec", k->key_spec);
    lv_jw_kstr(w, "KeySpec", k->key_spec);
    write_list(w, "EncryptionAlgorithms",
               strcmp(k->key_usage, "ENCRYPT_DECRYPT") == 0
                   ? lv_kms_encryption_algorithms(k->key_spec) : NULL);
    write_list(w, "SigningAlgorithms",
               strcmp(k->key_usage, "SIGN_VERIFY") == 0
                   ? lv_kms_signing_algorithms(k->key_spec) : NULL);
    write_list(w, "MacAlgorithms", lv_kms_mac_algorithms(k->key_spec));
    lv_jw_kbool(w, "MultiRegion", 0);
    if (k->pending_window_days > 0) {
        lv_jw_kint64(w, "PendingDeletionWindowInDays",
                     k->pending_window_days);
    }
    lv_jw_obj_close(w);
}
