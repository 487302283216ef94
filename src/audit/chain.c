/*
 * chain.c: the audit trail's hash chains, digests and their verification
 * (chain.h). The encodings are chain.h's; SHA-256 and HMAC are OpenSSL's.
 */
#include "audit/chain.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "crypto/crypto.h"
#include "crypto/keyring.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

static const uint8_t zero_hash[LV_AUDIT_HASH_BYTES];

/* SHA-256, fetched once: EVP_sha256() makes every EVP_Digest fetch it
 * anew, which costs about as much as hashing a record. */
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256;

static void sha256_init(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!sha256) {
        LV_BUG("audit: OpenSSL has no SHA-256");
    }
}

/* ---- encodings ------------------------------------------------------------ */

static int add_i64(struct lv_buf *b, int64_t v)
{
    uint64_t u = (uint64_t)v;
    uint8_t x[8];

    for (int i = 0; i < 8; i++) {
        x[i] = (uint8_t)(u >> (56 - 8 * i));
    }
    return lv_buf_add(b, x, sizeof(x));
}

/* n bytes of s, after their length. */
static int add_bytes(struct lv_buf *b, const char *s, size_t n)
{
    uint8_t x[4];

    if (n > UINT32_MAX) {
        return -1;
    }
    for (int i = 0; i < 4; i++) {
        x[i] = (uint8_t)((uint32_t)n >> (24 - 8 * i));
    }
    if (lv_buf_add(b, x, sizeof(x)) < 0) {
        return -1;
    }
    return n ? lv_buf_add(b, s, n) : 0;
}

/* A fixed char field (terminated by the store and by the builders; never
 * read past cap). */
static int add_field(struct lv_buf *b, const char *f, size_t cap)
{
    return add_bytes(b, f, strnlen(f, cap));
}

#define FIELD(b, r, name) add_field((b), (r)->name, sizeof((r)->name))

/* Big-endian writes at p, returning the end. */
static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) {
        *p++ = (uint8_t)(v >> (24 - 8 * i));
    }
    return p;
}

static uint8_t *put_i64(uint8_t *p, int64_t v)
{
    uint64_t u = (uint64_t)v;

    for (int i = 0; i < 8; i++) {
        *p++ = (uint8_t)(u >> (56 - 8 * i));
    }
    return p;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t n)
{
    p = put_u32(p, (uint32_t)n);
    if (n) {
        memcpy(p, s, n);
    }
    return p + n;
}

/* The fields encode() takes as str(), in order, with their lengths. */
#define N_TEXT (10 + 2 * LV_AUDIT_MAX_RESOURCES + 2)

int lv_audit_record_encode(const struct lv_audit_record *r,
                           struct lv_buf *out)
{
    static const char magic[] = "logvault audit record v1";
    const char *t[N_TEXT];
    size_t n[N_TEXT];
    size_t k = 0;
    size_t total = sizeof(magic) + 5 * 8;
    int nres = r->n_resources;
    uint8_t *p;

    /* One pass for the lengths, one reservation, one pass writing: a
     * record is encoded for every record the writer appends. */
#define TEXT(f, cap) (t[k] = (f), n[k] = strnlen((f), (cap)), k++)
#define TFIELD(x, name) TEXT((x)->name, sizeof((x)->name))
    TFIELD(r, account);
    TFIELD(r, region);
    TFIELD(r, event_id);
    TFIELD(r, request_id);
    TFIELD(r, event_source);
    TFIELD(r, event_name);
    TFIELD(r, username);
    TFIELD(r, access_key_id);
    TFIELD(r, error_code);
    if (nres < 0) {
        nres = 0;
    } else if (nres > LV_AUDIT_MAX_RESOURCES) {
        nres = LV_AUDIT_MAX_RESOURCES;
    }
    for (int i = 0; i < nres; i++) {
        TFIELD(&r->resources[i], type);
        TFIELD(&r->resources[i], name);
    }
    t[k] = r->event ? r->event : "";
    n[k] = strlen(t[k]);
    k++;
    if (r->trace) {
        t[k] = r->trace;
        n[k] = strlen(r->trace);
        k++;
    }
#undef TFIELD
#undef TEXT
    for (size_t i = 0; i < k; i++) {
        if (n[i] > UINT32_MAX) {
            return -1;
        }
        total += 4 + n[i];
    }
    total += 8;             /* the trace's flag */
    if (lv_buf_grow(out, total) < 0) {
        return -1;
    }
    p = (uint8_t *)out->data + out->len;
    memcpy(p, magic, sizeof(magic));                /* with its NUL */
    p += sizeof(magic);
    p = put_str(p, t[0], n[0]);                     /* account */
    p = put_str(p, t[1], n[1]);                     /* region */
    p = put_i64(p, r->seq);
    p = put_i64(p, r->event_time_ms);
    for (size_t i = 2; i < 6; i++) {                /* event_id … name */
        p = put_str(p, t[i], n[i]);
    }
    p = put_i64(p, r->read_only ? 1 : 0);
    p = put_i64(p, r->key_use ? 1 : 0);
    for (size_t i = 6; i < 9; i++) {                /* username … code */
        p = put_str(p, t[i], n[i]);
    }
    p = put_i64(p, r->n_resources);
    for (size_t i = 9; i < 9 + 2 * (size_t)nres; i++) {
        p = put_str(p, t[i], n[i]);
    }
    p = put_str(p, t[9 + 2 * nres], n[9 + 2 * nres]);   /* event */
    p = put_i64(p, r->trace ? 1 : 0);
    if (r->trace) {
        p = put_str(p, t[k - 1], n[k - 1]);
    }
    out->len = (size_t)((char *)p - out->data);
    out->data[out->len] = '\0';
    return 0;
}

/* r's hash into out, with b (emptied first) and md reused from one
 * record to the next: a batch hashes hundreds. */
static void record_hash(EVP_MD_CTX *md, struct lv_buf *b,
                        const struct lv_audit_record *r,
                        uint8_t out[LV_AUDIT_HASH_BYTES])
{
    unsigned int n = 0;

    lv_buf_reset(b);
    /* Room for all of it at once: the fixed fields and their lengths take
     * well under 1 KB besides the texts. */
    if (lv_buf_grow(b, 1024 + (r->event ? strlen(r->event) : 0) +
                           (r->trace ? strlen(r->trace) : 0)) < 0 ||
        lv_buf_add(b, r->prev_hash, LV_AUDIT_HASH_BYTES) < 0 ||
        lv_audit_record_encode(r, b) < 0) {
        LV_BUG("audit: cannot encode a record");
    }
    pthread_once(&sha256_once, sha256_init);
    if (!EVP_DigestInit_ex(md, sha256, NULL) ||
        !EVP_DigestUpdate(md, b->data, b->len) ||
        !EVP_DigestFinal_ex(md, out, &n) || n != LV_AUDIT_HASH_BYTES) {
        LV_BUG("audit: SHA-256 failed");
    }
}

static EVP_MD_CTX *md_new(void)
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();

    if (md == NULL) {
        LV_BUG("audit: no memory for a digest context");
    }
    return md;
}

/* ---- v2: a batched record, hashed over its enc2 bytes ------------------ */

static const char magic2[] = "logvault audit record v2";

/* The bytes v2 hashes before a record's enc2 that are its chain's:
 * prev_hash (32, set per record), magic2 with its NUL, str(account),
 * str(region), then i64(seq) (8, set per record). */
struct prefix2 {
    uint8_t b[LV_AUDIT_HASH_BYTES + sizeof(magic2) + 4 + 13 + 4 + 64 + 8];
    size_t seq_at;              /* where i64(seq) goes; the prefix's end
                                 * is seq_at + 8 */
};

static void prefix2_init(struct prefix2 *x, const char *account,
                         const char *region)
{
    size_t na = strnlen(account, 12);
    size_t nr = strnlen(region, 63);
    uint8_t *p = x->b + LV_AUDIT_HASH_BYTES;

    memcpy(p, magic2, sizeof(magic2));          /* with its NUL */
    p += sizeof(magic2);
    p = put_str(p, account, na);
    p = put_str(p, region, nr);
    x->seq_at = (size_t)(p - x->b);
}

/* SHA-256(prev || the chain's part || i64(seq) || rec) into out. */
static void hash2(EVP_MD_CTX *md, struct prefix2 *x,
                  const uint8_t prev[LV_AUDIT_HASH_BYTES], int64_t seq,
                  const uint8_t *rec, size_t rec_len,
                  uint8_t out[LV_AUDIT_HASH_BYTES])
{
    unsigned int n = 0;

    memcpy(x->b, prev, LV_AUDIT_HASH_BYTES);
    put_i64(x->b + x->seq_at, seq);
    pthread_once(&sha256_once, sha256_init);
    if (!EVP_DigestInit_ex(md, sha256, NULL) ||
        !EVP_DigestUpdate(md, x->b, x->seq_at + 8) ||
        !EVP_DigestUpdate(md, rec, rec_len) ||
        !EVP_DigestFinal_ex(md, out, &n) || n != LV_AUDIT_HASH_BYTES) {
        LV_BUG("audit: SHA-256 failed");
    }
}

/* ---- v3: a batched record, hashed over its head and its tail's hash ---- */

static const char magic3[] = "logvault audit record v3";

/* What v3 hashes before a tail: magic3 with its NUL, str(account),
 * str(region) (the chain's: the same for every record of a batch). */
struct prefix3 {
    uint8_t b[sizeof(magic3) + 4 + 13 + 4 + 64];
    size_t n;
};

static void prefix3_init(struct prefix3 *x, const char *account,
                         const char *region)
{
    uint8_t *p = x->b;

    memcpy(p, magic3, sizeof(magic3));          /* with its NUL */
    p += sizeof(magic3);
    p = put_str(p, account, strnlen(account, 12));
    p = put_str(p, region, strnlen(region, 63));
    x->n = (size_t)(p - x->b);
}

/* T = SHA-256(the chain's part || tail) into out. */
static void hash_tail(EVP_MD_CTX *md, const struct prefix3 *x,
                      const uint8_t *tail, size_t n,
                      uint8_t out[LV_AUDIT_HASH_BYTES])
{
    unsigned int len = 0;

    pthread_once(&sha256_once, sha256_init);
    if (!EVP_DigestInit_ex(md, sha256, NULL) ||
        !EVP_DigestUpdate(md, x->b, x->n) ||
        !EVP_DigestUpdate(md, tail, n) ||
        !EVP_DigestFinal_ex(md, out, &len) || len != LV_AUDIT_HASH_BYTES) {
        LV_BUG("audit: SHA-256 failed");
    }
}

/* SHA-256(prev || i64(seq) || head || T) into out: three blocks of
 * SHA-256 for a record whose ids are UUIDs (the chain's part is in T,
 * hashed once for a run's tail), in one update from one buffer: each
 * EVP_DigestUpdate costs a provider call and a copy into the context's
 * block, about 10 ns, for every record. */
static void hash3(EVP_MD_CTX *md, const uint8_t prev[LV_AUDIT_HASH_BYTES],
                  int64_t seq, const uint8_t *head, size_t head_len,
                  const uint8_t t[LV_AUDIT_HASH_BYTES],
                  uint8_t out[LV_AUDIT_HASH_BYTES])
{
    uint8_t m[LV_AUDIT_HASH_BYTES + 8 + 256 + LV_AUDIT_HASH_BYTES];
    size_t n = LV_AUDIT_HASH_BYTES + 8;
    unsigned int len = 0;

    memcpy(m, prev, LV_AUDIT_HASH_BYTES);
    put_i64(m + LV_AUDIT_HASH_BYTES, seq);
    pthread_once(&sha256_once, sha256_init);
    if (head_len > 256) {
        /* A head is a varint and two ids of at most 36 and 63 bytes. */
        LV_BUG("audit: a record's head of %zu bytes", head_len);
    }
    memcpy(m + n, head, head_len);
    memcpy(m + n + head_len, t, LV_AUDIT_HASH_BYTES);
    if (!EVP_DigestInit_ex(md, sha256, NULL) ||
        !EVP_DigestUpdate(md, m, n + head_len + LV_AUDIT_HASH_BYTES) ||
        !EVP_DigestFinal_ex(md, out, &len) || len != LV_AUDIT_HASH_BYTES) {
        LV_BUG("audit: SHA-256 failed");
    }
}

void lv_audit_record_hash(const struct lv_audit_record *r,
                          uint8_t out[LV_AUDIT_HASH_BYTES])
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    EVP_MD_CTX *md = md_new();

    if (r->enc2) {
        struct prefix2 x;

        if (lv_audit_enc2_of(r, &b) < 0) {
            LV_BUG("audit: cannot encode a record");
        }
        if (r->tail_hashed) {
            struct lv_audit_fields f;
            struct prefix3 x3;
            uint8_t t[LV_AUDIT_HASH_BYTES];
            size_t hl;

            lv_audit_fields_of(r, &f);
            hl = lv_audit_enc2_head_size(f.event_time_ms, &f.event_id,
                                         &f.request_id);
            prefix3_init(&x3, r->account, r->region);
            hash_tail(md, &x3, (const uint8_t *)b.data + hl, b.len - hl, t);
            hash3(md, r->prev_hash, r->seq, (const uint8_t *)b.data, hl, t,
                  out);
        } else {
            prefix2_init(&x, r->account, r->region);
            hash2(md, &x, r->prev_hash, r->seq, (const uint8_t *)b.data,
                  b.len, out);
        }
    } else {
        record_hash(md, &b, r, out);
    }
    EVP_MD_CTX_free(md);
    lv_buf_release(&b);
}

void lv_audit_digest_sign(const struct lv_keyring *kr,
                          const struct lv_audit_digest *d,
                          uint8_t out[LV_AUDIT_HASH_BYTES])
{
    static const char magic[] = "logvault audit digest v1";
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    uint8_t key[32];
    unsigned int n = 0;
    int bad = 0;

    bad |= lv_buf_add(&b, magic, sizeof(magic)) < 0;
    bad |= FIELD(&b, d, account) < 0;
    bad |= FIELD(&b, d, region) < 0;
    bad |= add_i64(&b, d->start_ms) < 0;
    bad |= add_i64(&b, d->end_ms) < 0;
    bad |= add_i64(&b, d->head_seq) < 0;
    bad |= lv_buf_add(&b, d->head_hash, LV_AUDIT_HASH_BYTES) < 0;
    bad |= lv_buf_add(&b, d->prev_signature, LV_AUDIT_HASH_BYTES) < 0;
    if (bad) {
        LV_BUG("audit: cannot encode a digest");
    }
    lv_keyring_derive(kr, "audit-digest", NULL, 0, key);
    if (!HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)b.data,
              b.len, out, &n) || n != LV_AUDIT_HASH_BYTES) {
        LV_BUG("audit: HMAC-SHA256 failed");
    }
    lv_secret_wipe(key, sizeof(key));
    lv_buf_release(&b);
}

/* ---- append and digest ----------------------------------------------------- */

int lv_audit_chain_append(struct lv_store *s, const struct lv_keyring *kr,
                          struct lv_audit_record *r, struct lv_err *err)
{
    int64_t head = 0;

    (void)kr;
    if (lv_store_begin(s, err) < 0) {
        return -1;
    }
    if (lv_store_audit_chain_head(s, r->account, r->region, &head,
                                  r->prev_hash, err) < 0) {
        goto fail;
    }
    r->seq = head + 1;
    lv_audit_record_hash(r, r->hash);
    if (lv_store_audit_append(s, r, err) < 0) {
        goto fail;
    }
    return lv_store_commit(s, err);
fail:
    lv_store_rollback(s);
    return -1;
}

int lv_audit_chain_append_batch(struct lv_store *s,
                                const struct lv_keyring *kr,
                                struct lv_audit_record *const *v, size_t n,
                                struct lv_err *err)
{
    int64_t head = 0;
    uint8_t hash[LV_AUDIT_HASH_BYTES];

    (void)kr;
    if (lv_store_audit_chain_head(s, v[0]->account, v[0]->region, &head,
                                  hash, err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        struct lv_audit_record *r = v[i];

        r->seq = ++head;
        r->enc2 = 1;
        r->tail_hashed = 1;
        memcpy(r->prev_hash, hash, sizeof(hash));
        lv_audit_record_hash(r, r->hash);
        memcpy(hash, r->hash, sizeof(hash));
    }
    return lv_store_audit_append_batch(s, v, n, err);
}

int lv_audit_chain_append_flat(struct lv_store *s,
                               const struct lv_keyring *kr,
                               const char *account, const char *region,
                               struct lv_audit_flat *const *v, size_t n,
                               int64_t *id, struct lv_err *err)
{
    struct prefix3 x3;
    EVP_MD_CTX *md;
    int64_t head = 0;
    uint8_t base[LV_AUDIT_HASH_BYTES];
    uint8_t tail_hash[LV_AUDIT_HASH_BYTES];
    const uint8_t *prev = base;

    (void)kr;
    if (lv_store_audit_chain_head(s, account, region, &head, base,
                                  err) < 0) {
        return -1;
    }
    prefix3_init(&x3, account, region);
    md = md_new();
    for (size_t i = 0; i < n; i++) {
        const struct lv_audit_flat *f = v[i];

        /* A run of records of one kind has one tail: hashed once. */
        if (i == 0 || !f->same_tail) {
            hash_tail(md, &x3, f->tail, f->tail_len, tail_hash);
        }
        hash3(md, prev, head + 1 + (int64_t)i, f->rec, f->head_len,
              tail_hash, v[i]->hash);
        prev = v[i]->hash;
    }
    EVP_MD_CTX_free(md);
    return lv_store_audit_append_flat(s, account, region, head + 1, base, v,
                                      n, id, err);
}

int lv_audit_digest_make(struct lv_store *s, const struct lv_keyring *kr,
                         const char *account, const char *region,
                         int64_t now_ms, struct lv_err *err)
{
    struct lv_audit_digest prev;
    struct lv_audit_digest d;
    int found;

    memset(&d, 0, sizeof(d));
    snprintf(d.account, sizeof(d.account), "%s", account);
    snprintf(d.region, sizeof(d.region), "%s", region);
    if (lv_store_begin(s, err) < 0) {
        return -1;
    }
    if (lv_store_audit_chain_head(s, account, region, &d.head_seq,
                                  d.head_hash, err) < 0) {
        goto fail;
    }
    found = lv_store_audit_digest_last(s, account, region, &prev, err);
    if (found < 0) {
        goto fail;
    }
    if (found) {
        d.start_ms = prev.end_ms;
        memcpy(d.prev_signature, prev.signature, LV_AUDIT_HASH_BYTES);
    }
    d.end_ms = now_ms;
    lv_audit_digest_sign(kr, &d, d.signature);
    if (lv_store_audit_digest_insert(s, &d, err) < 0) {
        goto fail;
    }
    return lv_store_commit(s, err);
fail:
    lv_store_rollback(s);
    return -1;
}

/* ---- verification ----------------------------------------------------------- */

struct head_ref {
    int64_t head_seq;
    int64_t id;
    size_t i;                       /* in verify.d */
};

struct verify {
    const struct lv_keyring *kr;
    const char *account;
    const char *region;
    int64_t since_ms;
    lv_audit_finding_fn fn;
    void *arg;
    struct lv_audit_verify_stats *st;
    int64_t head_seq;               /* the chain's head when we began */
    int64_t base_seq;
    /* The last record accepted as part of the chain (or the base). */
    int64_t prev_seq;
    int64_t prev_id;
    int64_t prev_time_ms;
    int prev_changed;               /* already reported */
    uint8_t prev_hash[LV_AUDIT_HASH_BYTES];
    int started;                    /* a record was walked */
    /* The digests, in id order, and their order by head_seq. */
    struct lv_audit_digest *d;
    size_t nd;
    struct head_ref *by_head;
    size_t next;                    /* in by_head */
};

static int report(struct verify *v, enum lv_audit_problem p, int64_t first,
                  int64_t last, int64_t record_id, int64_t digest_id,
                  const char *why)
{
    struct lv_audit_finding f = {
        p, v->account, v->region, first, last, record_id, digest_id, why,
    };

    v->st->findings++;
    return v->fn(v->arg, &f);
}

static int digest_report(struct verify *v, const struct lv_audit_digest *d,
                         const char *why)
{
    if (d->end_ms < v->since_ms) {
        return 0;
    }
    return report(v, LV_AUDIT_DIGEST_BROKEN, d->head_seq, d->head_seq, 0,
                  d->id, why);
}

/* The digests whose head is at places before `seq` have no record there
 * (unless expired); those at `seq` must name hash. */
static int digests_upto(struct verify *v, int64_t seq, const uint8_t *hash)
{
    int rc;

    while (v->next < v->nd) {
        const struct lv_audit_digest *d = &v->d[v->by_head[v->next].i];

        if (d->head_seq > seq) {
            break;
        }
        v->next++;
        if (d->head_seq <= v->base_seq) {
            continue;       /* its head has expired: nothing to compare */
        }
        if (d->head_seq < seq || !hash) {
            rc = digest_report(v, d, "its head record is missing");
        } else if (CRYPTO_memcmp(d->head_hash, hash,
                                 LV_AUDIT_HASH_BYTES) != 0) {
            rc = digest_report(v, d,
                               "its head hash is not the hash of the "
                               "chain's record at that place");
        } else {
            rc = 0;
        }
        if (rc) {
            return rc;
        }
    }
    return 0;
}

static int verify_record(void *arg, const struct lv_audit_record *r)
{
    struct verify *v = arg;
    uint8_t h[LV_AUDIT_HASH_BYTES];
    int recent = r->event_time_ms >= v->since_ms;
    int own_ok;
    int link_ok;
    int gap;
    int rc = 0;

    if (!v->started) {
        /* The walk has set the base (prev_hash holds its hash). */
        v->started = 1;
        v->prev_seq = v->base_seq;
    }
    gap = r->seq != v->prev_seq + 1;
    v->st->records++;
    lv_audit_record_hash(r, h);
    own_ok = CRYPTO_memcmp(h, r->hash, LV_AUDIT_HASH_BYTES) == 0;
    link_ok = CRYPTO_memcmp(r->prev_hash, v->prev_hash,
                            LV_AUDIT_HASH_BYTES) == 0;
    if (r->seq > v->head_seq && (gap || !own_ok || !link_ok)) {
        /* Past the head the chain had when we began, and not following
         * it: not appended by logvault. The chain goes on without it. */
        return recent ? report(v, LV_AUDIT_INSERTED, r->seq, r->seq, r->id,
                               0, "not part of the chain: past its head "
                               "and not following the record before it")
                      : 0;
    }
    if ((rc = digests_upto(v, r->seq - 1, NULL)) != 0) {
        return rc;
    }
    if (gap && recent) {
        rc = report(v, LV_AUDIT_REMOVED, v->prev_seq + 1, r->seq - 1, 0, 0,
                    "no record at these places of the chain");
    } else if (!gap && !link_ok && !v->prev_changed &&
               v->prev_seq > v->base_seq && v->prev_time_ms >= v->since_ms) {
        rc = report(v, LV_AUDIT_CHANGED, v->prev_seq, v->prev_seq,
                    v->prev_id, 0, "its hash is not the one the record "
                    "after it names (rewritten)");
    }
    if (rc) {
        return rc;
    }
    if (!own_ok && recent) {
        rc = report(v, LV_AUDIT_CHANGED, r->seq, r->seq, r->id, 0,
                    "its content does not give its hash");
        if (rc) {
            return rc;
        }
    }
    if ((rc = digests_upto(v, r->seq, r->hash)) != 0) {
        return rc;
    }
    v->prev_seq = r->seq;
    v->prev_id = r->id;
    v->prev_time_ms = r->event_time_ms;
    v->prev_changed = !own_ok;
    memcpy(v->prev_hash, r->hash, LV_AUDIT_HASH_BYTES);
    return 0;
}

static int collect_digest(void *arg, const struct lv_audit_digest *d)
{
    struct verify *v = arg;

    v->d = lv_xrealloc(v->d, (v->nd + 1) * sizeof(*v->d));
    v->d[v->nd++] = *d;
    return 0;
}

static int by_head_seq(const void *a, const void *b)
{
    const struct head_ref *x = a;
    const struct head_ref *y = b;

    if (x->head_seq != y->head_seq) {
        return x->head_seq < y->head_seq ? -1 : 1;
    }
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Each digest's signature, and its link to the one before. */
static int verify_digests(struct verify *v)
{
    uint8_t sig[LV_AUDIT_HASH_BYTES];
    int rc;

    for (size_t i = 0; i < v->nd; i++) {
        const struct lv_audit_digest *d = &v->d[i];
        const uint8_t *prev = i ? v->d[i - 1].signature : zero_hash;

        v->st->digests++;
        lv_audit_digest_sign(v->kr, d, sig);
        if (CRYPTO_memcmp(sig, d->signature, LV_AUDIT_HASH_BYTES) != 0) {
            rc = digest_report(v, d, "its signature does not verify");
        } else if (CRYPTO_memcmp(prev, d->prev_signature,
                                 LV_AUDIT_HASH_BYTES) != 0) {
            rc = digest_report(v, d, "it does not name the digest before "
                               "it");
        } else {
            rc = 0;
        }
        if (rc) {
            return rc;
        }
    }
    return 0;
}

int lv_audit_chain_verify(struct lv_store *s, const struct lv_keyring *kr,
                          const char *account, const char *region,
                          int64_t since_ms, lv_audit_finding_fn fn,
                          void *arg, struct lv_audit_verify_stats *st,
                          struct lv_err *err)
{
    struct lv_audit_verify_stats local = { 0 };
    struct verify v;
    uint8_t head_hash[LV_AUDIT_HASH_BYTES];
    int rc = -1;

    memset(&v, 0, sizeof(v));
    v.kr = kr;
    v.account = account;
    v.region = region;
    v.since_ms = since_ms;
    v.fn = fn;
    v.arg = arg;
    v.st = st ? st : &local;
    v.st->chains++;
    if (lv_store_begin(s, err) < 0) {
        return -1;
    }
    if (lv_store_audit_chain_head(s, account, region, &v.head_seq, head_hash,
                                  err) < 0) {
        lv_store_rollback(s);
        return -1;
    }
    if (lv_store_commit(s, err) < 0) {
        return -1;
    }
    if (lv_store_audit_digest_list(s, account, region, collect_digest, &v,
                                   err) < 0) {
        goto out;
    }
    v.by_head = lv_xmalloc((v.nd ? v.nd : 1) * sizeof(*v.by_head));
    for (size_t i = 0; i < v.nd; i++) {
        v.by_head[i] = (struct head_ref){ v.d[i].head_seq, v.d[i].id, i };
    }
    qsort(v.by_head, v.nd, sizeof(*v.by_head), by_head_seq);
    if ((rc = verify_digests(&v)) != 0) {
        goto out;
    }
    rc = lv_store_audit_chain_walk(s, account, region, 0, &v.base_seq,
                                   v.prev_hash, verify_record, &v, err);
    if (rc != 0) {
        goto out;
    }
    if (!v.started) {
        v.prev_seq = v.base_seq;        /* nothing walked: the base */
    }
    if (v.prev_seq < v.head_seq) {
        rc = report(&v, LV_AUDIT_REMOVED, v.prev_seq + 1, v.head_seq, 0, 0,
                    "no record at these places, at the end of the chain");
        if (rc) {
            goto out;
        }
    }
    rc = digests_upto(&v, INT64_MAX, NULL);
out:
    free(v.d);
    free(v.by_head);
    return rc;
}

struct all {
    struct lv_store *s;
    const struct lv_keyring *kr;
    int64_t since_ms;
    lv_audit_finding_fn fn;
    void *arg;
    struct lv_audit_verify_stats *st;
    struct lv_err *err;
    int failed;                     /* a store fault stopped a chain */
};

static int verify_one(void *arg, const char *account, const char *region)
{
    struct all *a = arg;
    int rc = lv_audit_chain_verify(a->s, a->kr, account, region,
                                   a->since_ms, a->fn, a->arg, a->st,
                                   a->err);

    if (rc < 0) {
        a->failed = 1;
    }
    return rc;
}

int lv_audit_verify_all(struct lv_store *s, const struct lv_keyring *kr,
                        int64_t since_ms, lv_audit_finding_fn fn, void *arg,
                        struct lv_audit_verify_stats *st, struct lv_err *err)
{
    struct lv_audit_verify_stats local = { 0 };
    struct all a = { s, kr, since_ms, fn, arg, st ? st : &local, err, 0 };
    int rc = lv_store_audit_chains(s, verify_one, &a, err);

    return a.failed ? -1 : rc;
}
