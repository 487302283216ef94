/*
 * rand: random bytes from OpenSSL's DRBG (seeded by the kernel), UUID v4
 * strings and KMS key ids (RFC 9562, section 5.4).
 */
#include "crypto/crypto.h"

#include <assert.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "util/hex.h"

/* RAND_bytes takes an int length: longer requests go in pieces. */
#define RAND_STEP ((size_t)1 << 30)

static _Atomic(lv_rand_fn *) rand_source;

/* lv_rand_public's pool: a thread's random bytes drawn ahead, 4 KB at a
 * time. One RAND_bytes call costs about 2.4 µs on our bench machine
 * whatever its length up to a few KB (its DRBG's per-call work), and the
 * front drew 16 bytes for every request's id and KMS 12 for every
 * ciphertext's nonce: about a tenth of an Encrypt. gen is the source's
 * when drawn: a pool drawn from another source is not used. */
#define PUBLIC_MAX 256
static atomic_uint source_gen;
static _Thread_local struct {
    uint8_t b[4096];
    size_t left;
    unsigned gen;
} pool;

static void openssl_rand(void *p, size_t n)
{
    unsigned char *q = p;

    while (n > 0) {
        size_t step = n < RAND_STEP ? n : RAND_STEP;

        if (RAND_bytes(q, (int)step) != 1) {
            /* No entropy: nothing we could encrypt would be safe. */
            fputs("fatal: RAND_bytes failed: no usable random source\n",
                  stderr);
            abort();
        }
        q += step;
        n -= step;
    }
}

void lv_rand_bytes(void *p, size_t n)
{
    lv_rand_fn *fn = atomic_load(&rand_source);

    assert(p || n == 0);
    if (n == 0) {
        return;
    }
    if (fn) {
        fn(p, n);
    } else {
        openssl_rand(p, n);
    }
}

void lv_rand_set_source(lv_rand_fn *fn)
{
    atomic_store(&rand_source, fn);
    atomic_fetch_add(&source_gen, 1);   /* pools drawn before: stale */
}

void lv_rand_public(void *p, size_t n)
{
    unsigned gen = atomic_load(&source_gen);

    assert(p || n == 0);
    if (n > PUBLIC_MAX) {
        lv_rand_bytes(p, n);
        return;
    }
    if (pool.left < n || pool.gen != gen) {
        lv_rand_bytes(pool.b, sizeof(pool.b));
        pool.left = sizeof(pool.b);
        pool.gen = gen;
    }
    memcpy(p, pool.b + sizeof(pool.b) - pool.left, n);
    pool.left -= n;
}

void lv_keyid_new(uint8_t out[16])
{
    lv_rand_public(out, 16);
    out[6] = (uint8_t)((out[6] & 0x0f) | 0x40);    /* version 4 */
    out[8] = (uint8_t)((out[8] & 0x3f) | 0x80);    /* variant 10 */
}

void lv_uuid4(char out[37])
{
    uint8_t id[16];

    lv_keyid_new(id);
    lv_keyid_format(id, out);
}

/* Where each byte's two digits are in 8-4-4-4-12 text. */
static const uint8_t digit_at[16] = {
    0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34,
};

/* A lower-case hex digit's value with 0x10 set; 0 for any other byte. */
static const uint8_t lower_hex[256] = {
    ['0'] = 0x10, ['1'] = 0x11, ['2'] = 0x12, ['3'] = 0x13, ['4'] = 0x14,
    ['5'] = 0x15, ['6'] = 0x16, ['7'] = 0x17, ['8'] = 0x18, ['9'] = 0x19,
    ['a'] = 0x1a, ['b'] = 0x1b, ['c'] = 0x1c, ['d'] = 0x1d, ['e'] = 0x1e,
    ['f'] = 0x1f,
};

void lv_keyid_format(const uint8_t id[16], char out[37])
{
    /* Each byte's two digits at their place, the dashes written once. No
     * branch per byte: every audit record's eventID is made here (a loop
     * testing for the dashes cost 270 instructions an id). */
    static const char digits[] = "0123456789abcdef";

    for (int i = 0; i < 16; i++) {
        out[digit_at[i]] = digits[id[i] >> 4];
        out[digit_at[i] + 1] = digits[id[i] & 15];
    }
    out[8] = out[13] = out[18] = out[23] = '-';
    out[36] = '\0';
}

int lv_keyid_parse_lower(const char *s, size_t n, uint8_t out[16])
{
    const unsigned char *u = (const unsigned char *)s;
    unsigned ok = 0x10;

    if (n != 36 || u[8] != '-' || u[13] != '-' || u[18] != '-' ||
        u[23] != '-') {
        return 0;
    }
    for (int i = 0; i < 16; i++) {
        unsigned hi = lower_hex[u[digit_at[i]]];
        unsigned lo = lower_hex[u[digit_at[i] + 1]];

        ok &= hi & lo;
        out[i] = (uint8_t)(hi << 4 | (lo & 15));
    }
    return ok != 0;
}

int lv_keyid_parse(const char *s, uint8_t out[16])
{
    uint8_t id[16];
    size_t n = 0;

    if (!s) {
        return -1;
    }
    for (size_t i = 0; i < 36; i += 2) {
        int hi;
        int lo;

        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (s[i] != '-') {
                return -1;
            }
            i++;
        }
        /* s[i] is not NUL here, so reading s[i + 1] stays in bounds. */
        hi = lv_hex_value((unsigned char)s[i]);
        if (hi < 0) {
            return -1;
        }
        lo = lv_hex_value((unsigned char)s[i + 1]);
        if (lo < 0) {
            return -1;
        }
        id[n++] = (uint8_t)(hi << 4 | lo);
    }
    if (s[36] != '\0' || n != 16) {
        return -1;
    }
    memcpy(out, id, sizeof(id));
    return 0;
}
