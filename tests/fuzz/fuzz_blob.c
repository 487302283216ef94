/*
 * fuzz_blob: libFuzzer target for the two decoders of src/crypto that read
 * stored or client-sent bytes — the KMS ciphertext blob (header parse and
 * decrypt) and the sealed key material opener. Arbitrary input must fail
 * cleanly: no crash, no leak, no read out of bounds.
 *
 *   clang -fsanitize=fuzzer,address,undefined -std=c11 -D_GNU_SOURCE -Isrc \
 *       tests/fuzz/fuzz_blob.c $(find src/crypto -name '*.c') \
 *       src/util/mem.c src/util/buf.c src/util/err.c \
 *       $(pkg-config --cflags --libs libcrypto) -pthread -o fuzz_blob
 *
 * (or link build/liblogvault.a built with clang and the same sanitizers).
 *
 * The first input byte picks how many context pairs the rest is cut into,
 * so the canonical context serialisation is fuzzed too. Every few inputs a
 * genuine blob is built from the input and then checked to round trip.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_KV 8

static const uint8_t fuzz_key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };
static const char fuzz_arn[] =
    "arn:aws:kms:us-east-1:123456789012:key/"
    "1234abcd-12ab-34cd-56ef-1234567890ab";

/* Cuts the `len` bytes at `text` (NUL-separated, NUL-terminated at
 * text[len]) into up to n key/value pairs. */
static size_t cut_context(char *text, size_t len, struct lv_kv *kv, size_t n)
{
    size_t got = 0;
    char *p = text;
    char *end = text + len;

    while (got < n && p < end) {
        kv[got].key = p;
        p += strlen(p) + 1;
        kv[got].value = p < end ? p : "";
        if (p < end) {
            p += strlen(p) + 1;
        }
        got++;
    }
    return got;
}

static void fuzz_decoders(const uint8_t *data, size_t size)
{
    struct lv_buf pt = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;
    uint8_t id[16];
    uint32_t version = 0;
    uint8_t out[64];
    uint8_t *alloc = NULL;
    size_t n = 0;
    static const struct lv_kv ctx[] = { { "aws:logs:arn", "g" } };

    if (lv_blob_parse_header(data, size, id, &version, &err) == 0) {
        char s[37];

        lv_keyid_format(id, s);
        if (lv_keyid_parse(s, id) != 0) {
            abort();
        }
    }
    /* Success is possible only for a genuine blob (say, a seed made with
     * fuzz_key): then it must hold exactly the ciphertext's length. */
    if (lv_blob_decrypt(fuzz_key, data, size, ctx, 1, &pt, &err) == 0) {
        if (pt.len != size - LV_BLOB_OVERHEAD) {
            abort();
        }
    } else if (pt.len != 0 || err.code != LV_E_INVALID_CIPHERTEXT ||
               err.msg[0] != '\0') {
        abort();
    }
    lv_crypto_buf_release(&pt);
    if (lv_unseal(fuzz_key, fuzz_arn, 1, data, size, out, sizeof(out), &n,
                  &err) == 0 && n != size - LV_SEAL_OVERHEAD) {
        abort();
    }
    if (lv_unseal_alloc(fuzz_key, fuzz_arn, 1, data, size, &alloc, &n,
                        &err) == 0) {
        if (n != size - LV_SEAL_OVERHEAD) {
            abort();
        }
        lv_secret_free(alloc, n);
    }
}

static void fuzz_round_trip(const uint8_t *data, size_t size)
{
    struct lv_kv kv[FUZZ_MAX_KV];
    struct lv_kv rev[FUZZ_MAX_KV];
    struct lv_buf blob = LV_BUF_INIT(SIZE_MAX);
    struct lv_buf pt = LV_BUF_INIT(SIZE_MAX);
    struct lv_err err = LV_ERR_INIT;
    char *text;
    size_t n_kv;
    size_t split = size / 2;

    /* Context from the first half (NUL-terminated copy), plaintext from
     * the second. */
    text = lv_xstrndup((const char *)data, split);
    n_kv = cut_context(text, split, kv,
                       (size_t)(size ? data[0] % (FUZZ_MAX_KV + 1) : 0));
    for (size_t i = 0; i < n_kv; i++) {
        rev[i] = kv[n_kv - 1 - i];
    }
    if (lv_blob_encrypt(fuzz_key, (const uint8_t *)"0123456789abcdef", 7, kv,
                        n_kv, data + split, size - split, &blob) != 0) {
        abort();
    }
    if (lv_blob_decrypt(fuzz_key, blob.data, blob.len, rev, n_kv, &pt,
                        &err) != 0 ||
        pt.len != size - split ||
        memcmp(pt.data, data + split, pt.len) != 0) {
        abort();
    }
    lv_crypto_buf_release(&pt);
    lv_buf_release(&blob);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_decoders(data, size);
    if (size > 0 && (data[size - 1] & 7) == 0) {
        fuzz_round_trip(data, size);
    }
    return 0;
}
