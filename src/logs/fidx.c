/*
 * fidx.c: index policies and chunk indexes (fidx.h).
 */
#include "logs/fidx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/keyring.h"
#include "insights/iq.h"
#include "logs/chunk.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- the policy ---------------------------------------------------------- */

void lv_fidx_policy_release(struct lv_fidx_policy *p)
{
    for (size_t i = 0; i < p->n; i++) {
        free(p->fields[i]);
        p->fields[i] = NULL;
        p->facet[i] = 0;
    }
    p->n = 0;
}

static int add_field(struct lv_fidx_policy *p, const char *name, int facet,
                     struct lv_err *err)
{
    size_t len = strlen(name);

    if (len == 0 || len > LV_FIDX_MAX_FIELD_LEN) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid index policy: each field name must be "
                          "1 to %d characters long.",
                          LV_FIDX_MAX_FIELD_LEN);
    }
    for (size_t i = 0; i < p->n; i++) {
        if (strcmp(p->fields[i], name) == 0) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Invalid index policy: field %s is given "
                              "more than once (Fields and FieldsV2 must "
                              "be mutually exclusive).", name);
        }
    }
    if (p->n >= LV_FIDX_MAX_FIELDS) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid index policy: at most %d fields can be "
                          "included in the policy.", LV_FIDX_MAX_FIELDS);
    }
    p->facet[p->n] = (unsigned char)facet;
    p->fields[p->n++] = lv_xstrdup(name);
    return 0;
}

int lv_fidx_policy_parse(const char *doc, size_t len,
                         struct lv_fidx_policy *out, struct lv_err *err)
{
    struct lv_fidx_policy p = LV_FIDX_POLICY_INIT;
    json_t *root = NULL;
    json_error_t je;
    const json_t *fields;
    const json_t *v2;
    const char *key;
    json_t *v;
    size_t i;
    int ret = -1;

    if (len > LV_FIDX_MAX_DOC) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid index policy: the document is longer than %d "
                   "characters.", LV_FIDX_MAX_DOC);
        goto out;
    }
    root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
    if (!root || !json_is_object(root)) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid index policy: the policy document must be a "
                   "JSON object.");
        goto out;
    }
    json_object_foreach(root, key, v) {
        if (strcmp(key, "Fields") != 0 && strcmp(key, "FieldsV2") != 0) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "Invalid index policy: unknown member %.64s.", key);
            goto out;
        }
    }
    fields = json_object_get(root, "Fields");
    v2 = json_object_get(root, "FieldsV2");
    if ((fields && !json_is_array(fields)) || (v2 && !json_is_object(v2))) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid index policy: Fields must be a list of field "
                   "names and FieldsV2 an object.");
        goto out;
    }
    json_array_foreach(fields, i, v) {
        if (!json_is_string(v)) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "Invalid index policy: each field must be a "
                       "string.");
            goto out;
        }
        if (add_field(&p, json_string_value(v), 0, err) < 0) {
            goto out;
        }
    }
    json_object_foreach((json_t *)v2, key, v) {
        const char *type = json_string_value(json_object_get(v, "type"));

        if (!json_is_object(v) || !type ||
            (strcmp(type, "FIELD_INDEX") != 0 &&
             strcmp(type, "FACET") != 0)) {
            lv_err_set(err, LV_E_INVALID_PARAMETER,
                       "Invalid index policy: the type of each FieldsV2 "
                       "field must be FIELD_INDEX or FACET.");
            goto out;
        }
        if (add_field(&p, key, strcmp(type, "FACET") == 0, err) < 0) {
            goto out;
        }
    }
    if (p.n == 0) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid index policy: the policy document must include "
                   "at least one field index.");
        goto out;
    }
    lv_fidx_policy_release(out);
    *out = p;
    memset(&p, 0, sizeof(p));
    ret = 0;
out:
    lv_fidx_policy_release(&p);
    json_decref(root);
    return ret;
}

void lv_fidx_group_key(const struct lv_keyring *kr, int64_t group_id,
                       uint8_t key[32])
{
    char ctx[32];
    int n = snprintf(ctx, sizeof(ctx), "%lld", (long long)group_id);

    lv_keyring_derive(kr, "logs-field-index", ctx, (size_t)n, key);
}

/* ---- hashing --------------------------------------------------------------- */

/* HMAC-SHA256 keyed once; each value hashed on a copy of the keyed
 * context. */
struct hasher {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed;
};

static void hasher_init(struct hasher *h, const uint8_t key[32])
{
    OSSL_PARAM params[2];

    params[0] = OSSL_PARAM_construct_utf8_string("digest", (char *)"SHA256",
                                                 0);
    params[1] = OSSL_PARAM_construct_end();
    h->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    h->keyed = h->mac ? EVP_MAC_CTX_new(h->mac) : NULL;
    if (!h->keyed || EVP_MAC_init(h->keyed, key, 32, params) != 1) {
        LV_BUG("fidx: HMAC-SHA256 unavailable");
    }
}

static void hasher_release(struct hasher *h)
{
    EVP_MAC_CTX_free(h->keyed);
    EVP_MAC_free(h->mac);
}

static uint64_t hash_value(const struct hasher *h, const char *field,
                           size_t flen, const char *value, size_t vlen)
{
    uint8_t md[32];
    size_t outl = 0;
    uint64_t out = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_dup(h->keyed);

    if (!c || EVP_MAC_update(c, (const uint8_t *)field, flen) != 1 ||
        EVP_MAC_update(c, (const uint8_t *)"", 1) != 1 ||
        EVP_MAC_update(c, (const uint8_t *)value, vlen) != 1 ||
        EVP_MAC_final(c, md, &outl, sizeof(md)) != 1) {
        LV_BUG("fidx: HMAC-SHA256 failed");
    }
    EVP_MAC_CTX_free(c);
    for (int i = 0; i < 8; i++) {
        out = out << 8 | md[i];
    }
    return out;
}

/* ---- building ---------------------------------------------------------------- */

struct field_acc {
    const char *name;
    size_t len;
    int64_t first_ts, last_ts;
    int seen;
    int overflow;
    uint64_t *h;
    size_t n, cap;
};

struct build {
    const struct hasher *hs;
    struct field_acc *f;
    size_t nf;
    int64_t ts;
    struct lv_buf text;         /* a number's, a boolean's text */
};

static int on_field(void *arg, const char *name, const struct lv_iq_val *v)
{
    struct build *b = arg;
    size_t nlen = strlen(name);

    for (size_t i = 0; i < b->nf; i++) {
        struct field_acc *a = &b->f[i];

        if (a->len != nlen || memcmp(a->name, name, nlen) != 0) {
            continue;
        }
        if (!a->seen || b->ts < a->first_ts) {
            a->first_ts = b->ts;
        }
        if (!a->seen || b->ts > a->last_ts) {
            a->last_ts = b->ts;
        }
        a->seen = 1;
        /* The text the engine compares (fidx.h); a map or list never
         * equals anything. */
        if (a->overflow || v->t == LV_IQ_NULL || v->t == LV_IQ_JSON) {
            return 0;
        }
        if (a->n == a->cap) {
            if (a->cap >= LV_FIDX_MAX_VALUES * 4) {
                /* Compacted below; far past the bound: give up. */
                a->overflow = 1;
                return 0;
            }
            a->cap = a->cap ? 2 * a->cap : 16;
            a->h = lv_xrealloc(a->h, a->cap * sizeof(*a->h));
        }
        if (v->t == LV_IQ_STR) {
            a->h[a->n++] = hash_value(b->hs, a->name, a->len, v->s, v->len);
        } else {
            lv_buf_reset(&b->text);
            lv_iq_val_text(v, &b->text);
            a->h[a->n++] = hash_value(b->hs, a->name, a->len, b->text.data,
                                      b->text.len);
        }
    }
    return 0;
}

/* The fields every event has from its envelope, not its message: never
 * discovered, so never indexed (recorded as not indexed: a chunk is never
 * skipped on them here; the query runner serves @logStream itself). */
static int system_field(const char *name)
{
    static const char *const sys[] = {
        "@message", "@timestamp", "@ingestionTime", "@logStream", "@log",
        "@ptr",
    };

    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        if (strcmp(name, sys[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

    return a < b ? -1 : a > b;
}

static void put_be(struct lv_buf *out, uint64_t v, int bytes)
{
    char b[8];

    for (int i = 0; i < bytes; i++) {
        b[i] = (char)(v >> (8 * (bytes - 1 - i)));
    }
    lv_buf_add(out, b, (size_t)bytes);
}

void lv_fidx_build(const struct lv_fidx_policy *p, const uint8_t key[32],
                   const struct lv_chunk_event *ev, size_t n,
                   struct lv_buf *out)
{
    struct field_acc f[LV_FIDX_MAX_FIELDS];
    struct lv_iq_arena arena = { 0 };
    struct hasher hs;
    struct build b;

    if (p->n == 0) {
        return;
    }
    memset(f, 0, sizeof(f));
    for (size_t i = 0; i < p->n; i++) {
        f[i].name = p->fields[i];
        f[i].len = strlen(p->fields[i]);
        f[i].overflow = system_field(p->fields[i]);
    }
    hasher_init(&hs, key);
    b.hs = &hs;
    b.f = f;
    b.nf = p->n;
    lv_buf_init(&b.text, SIZE_MAX);
    for (size_t k = 0; k < n; k++) {
        b.ts = ev[k].ts;
        lv_iq_discover_each(ev[k].msg, ev[k].len, &arena, on_field, &b);
        lv_iq_arena_reset(&arena);
    }
    lv_buf_addc(out, (char)LV_FIDX_FORMAT);
    put_be(out, p->n, 2);
    for (size_t i = 0; i < p->n; i++) {
        struct field_acc *a = &f[i];
        size_t u = 0;

        if (a->n) {
            qsort(a->h, a->n, sizeof(*a->h), cmp_u64);
        }
        for (size_t j = 0; j < a->n; j++) {
            if (u == 0 || a->h[u - 1] != a->h[j]) {
                a->h[u++] = a->h[j];
            }
        }
        if (u > LV_FIDX_MAX_VALUES) {
            a->overflow = 1;
        }
        put_be(out, a->len, 1);
        lv_buf_add(out, a->name, a->len);
        put_be(out, (uint64_t)(a->seen ? a->first_ts : 0), 8);
        put_be(out, (uint64_t)(a->seen ? a->last_ts : 0), 8);
        if (a->overflow) {
            put_be(out, LV_FIDX_NOT_INDEXED, 4);
        } else {
            put_be(out, u, 4);
            for (size_t j = 0; j < u; j++) {
                put_be(out, a->h[j], 8);
            }
        }
        free(a->h);
    }
    lv_iq_arena_release(&arena);
    lv_buf_release(&b.text);
    hasher_release(&hs);
}

/* ---- reading ------------------------------------------------------------------ */

struct rd {
    const uint8_t *p;
    size_t left;
};

static int get_be(struct rd *r, int bytes, uint64_t *v)
{
    if (r->left < (size_t)bytes) {
        return -1;
    }
    *v = 0;
    for (int i = 0; i < bytes; i++) {
        *v = *v << 8 | r->p[i];
    }
    r->p += bytes;
    r->left -= (size_t)bytes;
    return 0;
}

/* One field's entry: name, times, and its hashes (h points into the
 * blob, n of them; n == LV_FIDX_NOT_INDEXED: none kept). */
struct entry {
    const char *name;
    size_t len;
    int64_t first_ts, last_ts;
    uint64_t n;
    const uint8_t *h;
};

static int next_entry(struct rd *r, struct entry *e)
{
    uint64_t v;

    if (get_be(r, 1, &v) < 0 || v == 0 || r->left < v) {
        return -1;
    }
    e->name = (const char *)r->p;
    e->len = (size_t)v;
    r->p += v;
    r->left -= v;
    if (get_be(r, 8, &v) < 0) {
        return -1;
    }
    e->first_ts = (int64_t)v;
    if (get_be(r, 8, &v) < 0) {
        return -1;
    }
    e->last_ts = (int64_t)v;
    if (get_be(r, 4, &e->n) < 0) {
        return -1;
    }
    e->h = r->p;
    if (e->n == LV_FIDX_NOT_INDEXED) {
        return 0;
    }
    if (e->n > r->left / 8) {
        return -1;
    }
    r->p += e->n * 8;
    r->left -= e->n * 8;
    return 0;
}

static int open_blob(const void *blob, size_t len, struct rd *r,
                     uint64_t *nf)
{
    uint64_t fmt;

    r->p = blob;
    r->left = blob ? len : 0;
    if (get_be(r, 1, &fmt) < 0 || fmt != LV_FIDX_FORMAT ||
        get_be(r, 2, nf) < 0) {
        return -1;
    }
    return 0;
}

int lv_fidx_may_hold(const void *blob, size_t len, const uint8_t key[32],
                     const char *field, const char *value, size_t vlen)
{
    size_t flen = strlen(field);
    struct rd r;
    uint64_t nf;
    struct entry e;

    if (open_blob(blob, len, &r, &nf) < 0) {
        return -1;
    }
    for (uint64_t i = 0; i < nf; i++) {
        struct hasher hs;
        uint64_t want;
        size_t lo = 0, hi;

        if (next_entry(&r, &e) < 0) {
            return -1;
        }
        if (e.len != flen || memcmp(e.name, field, flen) != 0) {
            continue;
        }
        if (e.n == LV_FIDX_NOT_INDEXED) {
            return -1;
        }
        hasher_init(&hs, key);
        want = hash_value(&hs, field, flen, value, vlen);
        hasher_release(&hs);
        hi = (size_t)e.n;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            struct rd m = { e.h + mid * 8, 8 };
            uint64_t got;

            get_be(&m, 8, &got);
            if (got == want) {
                return 1;
            }
            if (got < want) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return 0;
    }
    return -1;
}

int lv_fidx_each_field(const void *blob, size_t len, lv_fidx_field_fn *fn,
                       void *arg)
{
    struct rd r;
    uint64_t nf;
    struct entry e;

    if (open_blob(blob, len, &r, &nf) < 0) {
        return -1;
    }
    for (uint64_t i = 0; i < nf; i++) {
        if (next_entry(&r, &e) < 0) {
            return -1;
        }
        if ((e.n != 0 && e.n != LV_FIDX_NOT_INDEXED) || e.first_ts != 0 ||
            e.last_ts != 0) {
            fn(arg, e.name, e.len, e.first_ts, e.last_ts);
        }
    }
    return 0;
}
