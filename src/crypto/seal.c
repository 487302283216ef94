/*
 * seal: KMS key material sealed under the root key (format in crypto.h).
 * The AAD binds a sealed string to its key ARN and material version, so a
 * row copied onto another key or version in the store fails to open.
 */
#include "crypto/crypto.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define SEAL_LABEL "logvault-seal-v1"
#define OFF_NONCE 1
#define OFF_TAG (OFF_NONCE + LV_AEAD_NONCE_BYTES)
#define OFF_CT (OFF_TAG + LV_AEAD_TAG_BYTES)

/* "logvault-seal-v1" NUL arn NUL version(BE32), into a fresh buffer. */
static uint8_t *seal_aad(const char *arn, uint32_t version, size_t *len)
{
    size_t label = sizeof(SEAL_LABEL);      /* with its NUL */
    size_t arn_len = strlen(arn) + 1;       /* with its NUL */
    uint8_t *aad = lv_xmalloc(label + arn_len + 4);
    uint8_t *p = aad;

    memcpy(p, SEAL_LABEL, label);
    p += label;
    memcpy(p, arn, arn_len);
    p += arn_len;
    p[0] = (uint8_t)(version >> 24);
    p[1] = (uint8_t)(version >> 16);
    p[2] = (uint8_t)(version >> 8);
    p[3] = (uint8_t)version;
    *len = label + arn_len + 4;
    return aad;
}

int lv_seal(const uint8_t root[32], const char *aad_key_arn,
            uint32_t version, const void *material, size_t len,
            struct lv_buf *out)
{
    uint8_t *aad = NULL;
    uint8_t *dst;
    size_t aad_len = 0;
    size_t start = out->len;
    int ret = -1;

    assert(root && aad_key_arn && (material || len == 0));
    if (len > SIZE_MAX - LV_SEAL_OVERHEAD ||
        lv_buf_grow(out, LV_SEAL_OVERHEAD + len) < 0) {
        return -1;
    }
    dst = (uint8_t *)out->data + start;
    dst[0] = LV_SEAL_FORMAT_V1;
    lv_rand_public(dst + OFF_NONCE, LV_AEAD_NONCE_BYTES);
    aad = seal_aad(aad_key_arn, version, &aad_len);
    if (lv_aead_seal(root, dst + OFF_NONCE, aad, aad_len, material, len,
                     dst + OFF_CT, dst + OFF_TAG) < 0) {
        goto out;
    }
    out->len = start + LV_SEAL_OVERHEAD + len;
    ret = 0;
out:
    out->data[out->len] = '\0';
    free(aad);
    return ret;
}

int lv_unseal(const uint8_t root[32], const char *aad_key_arn,
              uint32_t version, const void *sealed, size_t sealed_len,
              void *out, size_t out_cap, size_t *out_len,
              struct lv_err *err)
{
    const uint8_t *s = sealed;
    uint8_t *aad = NULL;
    size_t aad_len = 0;
    size_t n;
    int ret = -1;

    assert(root && aad_key_arn && out_len);
    if (!s || sealed_len < LV_SEAL_OVERHEAD || s[0] != LV_SEAL_FORMAT_V1) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "stored key material is malformed");
        goto out;
    }
    n = sealed_len - LV_SEAL_OVERHEAD;
    if (n > out_cap || (!out && n > 0)) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "stored key material is larger than expected");
        goto out;
    }
    aad = seal_aad(aad_key_arn, version, &aad_len);
    if (lv_aead_open(root, s + OFF_NONCE, aad, aad_len, s + OFF_CT, n, out,
                     s + OFF_TAG) < 0) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "stored key material failed authentication");
        goto out;
    }
    *out_len = n;
    ret = 0;
out:
    free(aad);
    return ret;
}

int lv_unseal_alloc(const uint8_t root[32], const char *aad_key_arn,
                    uint32_t version, const void *sealed, size_t sealed_len,
                    uint8_t **out, size_t *out_len, struct lv_err *err)
{
    uint8_t *p = NULL;
    size_t cap = 0;
    size_t n = 0;
    int ret = -1;

    assert(out && out_len);
    if (sealed_len >= LV_SEAL_OVERHEAD) {
        cap = sealed_len - LV_SEAL_OVERHEAD;
    }
    p = lv_xmalloc(cap);
    if (lv_unseal(root, aad_key_arn, version, sealed, sealed_len, p, cap,
                  &n, err) < 0) {
        goto out;
    }
    *out = p;
    *out_len = n;
    p = NULL;
    ret = 0;
out:
    lv_secret_free(p, cap);
    return ret;
}
