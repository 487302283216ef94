#include "util/b64.h"

#include <stdint.h>
#include <stdlib.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The 6-bit value of c, or -1 outside the alphabet ('=' included). */
static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

size_t lv_b64_encoded_len(size_t n)
{
    size_t groups = n / 3 + (n % 3 != 0);

    if (groups > (SIZE_MAX - 1) / 4) {
        return 0;
    }
    return groups * 4;
}

size_t lv_b64_decoded_max(size_t n)
{
    return n / 4 * 3 + (n % 4 ? 3 : 0);
}

size_t lv_b64_encode(const void *data, size_t n, char *out)
{
    const unsigned char *p = data;
    size_t o = 0;
    size_t i;

    for (i = 0; i + 3 <= n; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = alphabet[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)p[i] << 16;

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = '=';
        out[o++] = '=';
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;

        out[o++] = alphabet[v >> 18 & 63];
        out[o++] = alphabet[v >> 12 & 63];
        out[o++] = alphabet[v >> 6 & 63];
        out[o++] = '=';
    }
    out[o] = '\0';
    return o;
}

char *lv_b64_encode_alloc(const void *data, size_t n, size_t *len)
{
    size_t need = lv_b64_encoded_len(n);
    char *out;
    size_t got;

    if (n && !need) {
        LV_BUG("b64: %zu bytes cannot be encoded", n);
    }
    out = lv_xmalloc(need + 1);
    got = lv_b64_encode(data, n, out);
    if (len) {
        *len = got;
    }
    return out;
}

int lv_b64_encode_buf(const void *data, size_t n, struct lv_buf *b)
{
    size_t need = lv_b64_encoded_len(n);

    if ((n && !need) || lv_buf_grow(b, need) < 0) {
        return -1;
    }
    b->len += lv_b64_encode(data, n, b->data + b->len);
    return 0;
}

enum lv_b64_status lv_b64_check(const char *s, size_t n, size_t *decoded_len,
                                char *bad)
{
    size_t pad = 0;
    size_t i;
    int last;

    if (n % 4) {
        return LV_B64_BAD_LENGTH;
    }
    if (n && s[n - 1] == '=') {
        pad = (n >= 2 && s[n - 2] == '=') ? 2 : 1;
    }
    for (i = 0; i < n - pad; i++) {
        if (sextet((unsigned char)s[i]) < 0) {
            if (bad) {
                *bad = s[i];
            }
            return LV_B64_BAD_CHAR;
        }
    }
    if (pad) {
        /* The symbol before the padding carries 4 (pad 2) or 2 (pad 1)
         * meaningful bits; the rest must be zero. */
        last = sextet((unsigned char)s[n - pad - 1]);
        if ((pad == 2 && (last & 0x0f)) || (pad == 1 && (last & 0x03))) {
            return LV_B64_BAD_TAIL;
        }
    }
    if (decoded_len) {
        *decoded_len = n / 4 * 3 - pad;
    }
    return LV_B64_OK;
}

int lv_b64_decode(const char *s, size_t n, unsigned char *out,
                  size_t *out_len)
{
    size_t len;
    size_t o = 0;
    size_t i;

    if (lv_b64_check(s, n, &len, NULL) != LV_B64_OK) {
        return -1;
    }
    for (i = 0; i < n; i += 4) {
        uint32_t v = 0;
        int k;

        for (k = 0; k < 4; k++) {
            int x = sextet((unsigned char)s[i + k]);

            v = v << 6 | (uint32_t)(x < 0 ? 0 : x);
        }
        out[o++] = (unsigned char)(v >> 16);
        if (o < len) {
            out[o++] = (unsigned char)(v >> 8);
        }
        if (o < len) {
            out[o++] = (unsigned char)v;
        }
    }
    *out_len = len;
    return 0;
}

unsigned char *lv_b64_decode_alloc(const char *s, size_t n, size_t *out_len)
{
    size_t cap = lv_b64_decoded_max(n) + 1;
    unsigned char *out = lv_xmalloc(cap);
    size_t len = 0;

    if (lv_b64_decode(s, n, out, &len) < 0) {
        lv_secret_free(out, cap);
        return NULL;
    }
    out[len] = '\0';
    *out_len = len;
    return out;
}
