/*
 * blob: the KMS ciphertext blob (format in crypto.h). What AWS documents
 * and we follow: a symmetric ciphertext blob carries the metadata Decrypt
 * needs to find the key, and the encryption context must match exactly
 * (keys and values, case-sensitively; order does not matter), else
 * InvalidCiphertextException.
 * https://docs.aws.amazon.com/kms/latest/APIReference/API_Decrypt.html
 * https://docs.aws.amazon.com/kms/latest/developerguide/encrypt_context.html
 */
#include "crypto/crypto.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define OFF_ALG 3
#define OFF_KEYID 4
#define OFF_VERSION 20
#define OFF_NONCE LV_BLOB_NONCE_OFFSET

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static uint32_t get_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
           (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static int kv_cmp(const void *a, const void *b)
{
    const struct lv_kv *x = *(const struct lv_kv *const *)a;
    const struct lv_kv *y = *(const struct lv_kv *const *)b;
    int c = strcmp(x->key, y->key);

    return c ? c : strcmp(x->value, y->value);
}

static void add_be32(struct lv_buf *b, size_t v)
{
    uint8_t p[4];

    if (v > UINT32_MAX) {
        /* Callers bound contexts to a few KB long before this. */
        LV_BUG("blob: encryption context field of %zu bytes", v);
    }
    put_be32(p, (uint32_t)v);
    lv_buf_add(b, p, sizeof(p));
}

/*
 * AAD = header || canonical context, appended to `aad` (no ceiling).
 * strcmp orders by unsigned bytes, i.e. by UTF-8 code points.
 */
static void build_aad(const uint8_t *header, const struct lv_kv *ctx,
                      size_t n_ctx, struct lv_buf *aad)
{
    const struct lv_kv **sorted = NULL;

    assert(ctx || n_ctx == 0);
    lv_buf_add(aad, header, LV_BLOB_HEADER_BYTES);
    add_be32(aad, n_ctx);
    if (n_ctx == 0) {
        return;
    }
    sorted = lv_xcalloc(n_ctx, sizeof(*sorted));
    for (size_t i = 0; i < n_ctx; i++) {
        assert(ctx[i].key && ctx[i].value);
        sorted[i] = &ctx[i];
    }
    qsort(sorted, n_ctx, sizeof(*sorted), kv_cmp);
    for (size_t i = 0; i < n_ctx; i++) {
        size_t kl = strlen(sorted[i]->key);
        size_t vl = strlen(sorted[i]->value);

        add_be32(aad, kl);
        lv_buf_add(aad, sorted[i]->key, kl);
        add_be32(aad, vl);
        lv_buf_add(aad, sorted[i]->value, vl);
    }
    free(sorted);
}

void lv_blob_header(uint8_t header[LV_BLOB_HEADER_BYTES],
                    const uint8_t key_id[16], uint32_t version)
{
    header[0] = LV_BLOB_MAGIC0;
    header[1] = LV_BLOB_MAGIC1;
    header[2] = LV_BLOB_FORMAT_V1;
    header[OFF_ALG] = LV_BLOB_ALG_AES256_GCM;
    memcpy(header + OFF_KEYID, key_id, 16);
    put_be32(header + OFF_VERSION, version);
    lv_rand_public(header + OFF_NONCE, LV_AEAD_NONCE_BYTES);
}

void lv_blob_aad(const uint8_t header[LV_BLOB_HEADER_BYTES],
                 const struct lv_kv *ctx, size_t n_ctx, struct lv_buf *aad)
{
    build_aad(header, ctx, n_ctx, aad);
}

int lv_blob_encrypt(const uint8_t data_key[32], const uint8_t key_id[16],
                    uint32_t version, const struct lv_kv *ctx, size_t n_ctx,
                    const void *pt, size_t pt_len, struct lv_buf *out)
{
    struct lv_buf aad = LV_BUF_INIT(SIZE_MAX);
    uint8_t *dst;
    size_t start = out->len;
    int ret = -1;

    assert(data_key && key_id && (pt || pt_len == 0));
    if (pt_len > SIZE_MAX - LV_BLOB_OVERHEAD ||
        lv_buf_grow(out, LV_BLOB_OVERHEAD + pt_len) < 0) {
        return -1;
    }
    dst = (uint8_t *)out->data + start;
    lv_blob_header(dst, key_id, version);
    build_aad(dst, ctx, n_ctx, &aad);
    if (lv_aead_seal(data_key, dst + OFF_NONCE, aad.data, aad.len, pt,
                     pt_len, dst + LV_BLOB_HEADER_BYTES,
                     dst + LV_BLOB_HEADER_BYTES + pt_len) < 0) {
        goto out;
    }
    out->len = start + LV_BLOB_OVERHEAD + pt_len;
    ret = 0;
out:
    out->data[out->len] = '\0';
    lv_buf_release(&aad);
    return ret;
}

/* 0 when `b` of `len` bytes is a blob of a format we know. */
static int check_header(const uint8_t *b, size_t len)
{
    if (!b || len < LV_BLOB_OVERHEAD) {
        return -1;
    }
    if (b[0] != LV_BLOB_MAGIC0 || b[1] != LV_BLOB_MAGIC1 ||
        b[2] != LV_BLOB_FORMAT_V1 || b[OFF_ALG] != LV_BLOB_ALG_AES256_GCM) {
        return -1;
    }
    return 0;
}

int lv_blob_parse_header(const void *blob, size_t len, uint8_t key_id[16],
                         uint32_t *version, struct lv_err *err)
{
    const uint8_t *b = blob;

    if (check_header(b, len) < 0) {
        return lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    memcpy(key_id, b + OFF_KEYID, 16);
    *version = get_be32(b + OFF_VERSION);
    return 0;
}

int lv_blob_decrypt(const uint8_t key[32], const void *blob, size_t len,
                    const struct lv_kv *ctx, size_t n_ctx, struct lv_buf *pt,
                    struct lv_err *err)
{
    const uint8_t *b = blob;
    struct lv_buf aad = LV_BUF_INIT(SIZE_MAX);
    uint8_t *dst;
    size_t start = pt->len;
    size_t n;
    int ret = -1;

    assert(key);
    if (check_header(b, len) < 0) {
        goto out;
    }
    n = len - LV_BLOB_OVERHEAD;
    if (lv_buf_grow(pt, n) < 0) {
        goto out;
    }
    dst = (uint8_t *)pt->data + start;
    build_aad(b, ctx, n_ctx, &aad);
    if (lv_aead_open(key, b + OFF_NONCE, aad.data, aad.len,
                     b + LV_BLOB_HEADER_BYTES, n, dst,
                     b + LV_BLOB_HEADER_BYTES + n) < 0) {
        goto out;
    }
    pt->len = start + n;
    pt->data[pt->len] = '\0';
    ret = 0;
out:
    if (ret < 0) {
        if (pt->cap) {
            pt->data[pt->len] = '\0';
        }
        lv_err_set(err, LV_E_INVALID_CIPHERTEXT, NULL);
    }
    lv_buf_release(&aad);
    return ret;
}

void lv_crypto_buf_release(struct lv_buf *b)
{
    if (b->cap) {
        lv_secret_wipe(b->data, b->cap);
    }
    lv_buf_release(b);
}
