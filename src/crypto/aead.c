/*
 * aead: AES-256-GCM through EVP. The cipher is fetched once per process
 * and each thread keeps one EVP_CIPHER_CTX (freed when the thread exits),
 * so a call allocates nothing: the Logs hot path seals every chunk here.
 * The context keeps the last key schedule until the thread's next call or
 * exit; the process holds its keys in memory anyway.
 */
#include "crypto/crypto.h"

#include <assert.h>
#include <limits.h>
#include <pthread.h>

#include <openssl/err.h>
#include <openssl/evp.h>

#include "util/err.h"
#include "util/mem.h"

/* EVP takes int lengths: longer inputs go through in pieces of this. */
#define AEAD_STEP ((size_t)1 << 30)

static pthread_once_t aead_once = PTHREAD_ONCE_INIT;
static pthread_key_t aead_ctx_key;
static EVP_CIPHER *aead_cipher;

static void free_ctx(void *p)
{
    EVP_CIPHER_CTX_free(p);
}

static void aead_init(void)
{
    if (pthread_key_create(&aead_ctx_key, free_ctx) != 0) {
        LV_BUG("aead: pthread_key_create failed");
    }
    aead_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
    if (!aead_cipher) {
        LV_BUG("aead: OpenSSL has no AES-256-GCM");
    }
}

/* This thread's context, created on first use. */
static EVP_CIPHER_CTX *thread_ctx(void)
{
    EVP_CIPHER_CTX *ctx;

    pthread_once(&aead_once, aead_init);
    ctx = pthread_getspecific(aead_ctx_key);
    if (!ctx) {
        ctx = EVP_CIPHER_CTX_new();
        if (!ctx) {
            LV_BUG("aead: EVP_CIPHER_CTX_new failed (out of memory)");
        }
        if (pthread_setspecific(aead_ctx_key, ctx) != 0) {
            LV_BUG("aead: pthread_setspecific failed");
        }
    }
    return ctx;
}

/* Feeds len bytes of AAD (out == NULL) or data in steps EVP can take. */
static int update(EVP_CIPHER_CTX *ctx, int enc, uint8_t *out,
                  const uint8_t *in, size_t len)
{
    while (len > 0) {
        size_t step = len < AEAD_STEP ? len : AEAD_STEP;
        int outl = 0;
        int ok;

        if (enc) {
            ok = EVP_EncryptUpdate(ctx, out, &outl, in, (int)step);
        } else {
            ok = EVP_DecryptUpdate(ctx, out, &outl, in, (int)step);
        }
        if (!ok || (out && (size_t)outl != step)) {
            return -1;
        }
        in += step;
        if (out) {
            out += step;
        }
        len -= step;
    }
    return 0;
}

int lv_aead_seal(const uint8_t key[32], const uint8_t nonce[12],
                 const void *aad, size_t aad_len, const void *pt,
                 size_t pt_len, uint8_t *ct, uint8_t tag[16])
{
    EVP_CIPHER_CTX *ctx = thread_ctx();
    uint8_t fin[LV_AEAD_TAG_BYTES];
    int outl = 0;
    int ret = -1;

    assert(key && nonce && tag);
    assert(aad || aad_len == 0);
    assert((pt && ct) || pt_len == 0);
    if (!EVP_EncryptInit_ex2(ctx, aead_cipher, key, nonce, NULL)) {
        goto out;
    }
    if (update(ctx, 1, NULL, aad, aad_len) < 0 ||
        update(ctx, 1, ct, pt, pt_len) < 0) {
        goto out;
    }
    /* GCM is a stream mode: Final writes nothing. */
    if (!EVP_EncryptFinal_ex(ctx, fin, &outl) || outl != 0) {
        goto out;
    }
    if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, LV_AEAD_TAG_BYTES,
                             tag)) {
        goto out;
    }
    ret = 0;
out:
    if (ret < 0) {
        ERR_clear_error();
        lv_secret_wipe(ct, pt_len);
        lv_secret_wipe(tag, LV_AEAD_TAG_BYTES);
    }
    return ret;
}

int lv_aead_open(const uint8_t key[32], const uint8_t nonce[12],
                 const void *aad, size_t aad_len, const void *ct,
                 size_t ct_len, uint8_t *pt, const uint8_t tag[16])
{
    EVP_CIPHER_CTX *ctx = thread_ctx();
    uint8_t tagcopy[LV_AEAD_TAG_BYTES];
    uint8_t fin[LV_AEAD_TAG_BYTES];
    int outl = 0;
    int ret = -1;

    assert(key && nonce && tag);
    assert(aad || aad_len == 0);
    assert((pt && ct) || ct_len == 0);
    /* SET_TAG takes a non-const pointer; hand it a copy. */
    memcpy(tagcopy, tag, sizeof(tagcopy));
    if (!EVP_DecryptInit_ex2(ctx, aead_cipher, key, nonce, NULL)) {
        goto out;
    }
    if (update(ctx, 0, NULL, aad, aad_len) < 0 ||
        update(ctx, 0, pt, ct, ct_len) < 0) {
        goto out;
    }
    if (!EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, LV_AEAD_TAG_BYTES,
                             tagcopy)) {
        goto out;
    }
    /* The tag is checked here, in constant time, by OpenSSL. */
    if (EVP_DecryptFinal_ex(ctx, fin, &outl) <= 0 || outl != 0) {
        goto out;
    }
    ret = 0;
out:
    if (ret < 0) {
        ERR_clear_error();
        lv_secret_wipe(pt, ct_len);
    }
    return ret;
}
