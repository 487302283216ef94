#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "util/mem.h"

char lv_buf_empty[1];

void lv_buf_init(struct lv_buf *b, size_t max)
{
    b->data = lv_buf_empty;
    b->len = 0;
    b->cap = 0;
    b->max = max;
}

void lv_buf_release(struct lv_buf *b)
{
    if (b->cap) {
        free(b->data);
    }
    lv_buf_init(b, b->max);
}

int lv_buf_grow(struct lv_buf *b, size_t extra)
{
    size_t need;
    size_t cap;

    if (extra > b->max || b->len > b->max - extra) {
        return -1;
    }
    need = b->len + extra + 1;
    if (need <= b->cap) {
        return 0;
    }
    cap = b->cap ? b->cap : 64;
    while (cap < need) {
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    }
    if (b->cap) {
        b->data = lv_xrealloc(b->data, cap);
    } else {
        b->data = lv_xmalloc(cap);
        b->data[0] = '\0';
    }
    b->cap = cap;
    return 0;
}

int lv_buf_add(struct lv_buf *b, const void *data, size_t len)
{
    if (lv_buf_grow(b, len) < 0) {
        return -1;
    }
    if (len) {
        memcpy(b->data + b->len, data, len);
    }
    b->len += len;
    b->data[b->len] = '\0';
    return 0;
}

int lv_buf_adds(struct lv_buf *b, const char *s)
{
    return lv_buf_add(b, s, strlen(s));
}

int lv_buf_addc(struct lv_buf *b, char c)
{
    return lv_buf_add(b, &c, 1);
}

int lv_buf_vaddf(struct lv_buf *b, const char *fmt, va_list ap)
{
    va_list cp;
    int n;

    va_copy(cp, ap);
    n = vsnprintf(NULL, 0, fmt, cp);
    va_end(cp);
    if (n < 0 || lv_buf_grow(b, (size_t)n) < 0) {
        return -1;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int lv_buf_addf(struct lv_buf *b, const char *fmt, ...)
{
    va_list ap;
    int ret;

    va_start(ap, fmt);
    ret = lv_buf_vaddf(b, fmt, ap);
    va_end(ap);
    return ret;
}

/*
 * The length of the well-formed UTF-8 sequence at s (n > 0 bytes left), or
 * 0 when it is not one: RFC 3629's table 4, so no overlong forms, no UTF-16
 * surrogates (U+D800..U+DFFF), nothing past U+10FFFF.
 */
size_t lv_utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80;
    unsigned char hi = 0xbf;
    size_t k;

    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        k = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        k = 3;
        lo = s[0] == 0xe0 ? 0xa0 : 0x80;
        hi = s[0] == 0xed ? 0x9f : 0xbf;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        k = 4;
        lo = s[0] == 0xf0 ? 0x90 : 0x80;
        hi = s[0] == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;
    }
    if (k > n || s[1] < lo || s[1] > hi) {
        return 0;
    }
    for (size_t j = 2; j < k; j++) {
        if ((s[j] & 0xc0) != 0x80) {
            return 0;
        }
    }
    return k;
}

/*
 * Every string of every JSON body we write passes here, so this is where
 * text that came from the client (a header echoed into an error message, a
 * name quoted by a validation message) is made safe: '"', '\\' and the
 * control characters are escaped, well-formed UTF-8 is copied, and each
 * byte that is not part of a well-formed sequence becomes U+FFFD, so the
 * body is always valid UTF-8 JSON (RFC 8259 section 8.1) whatever the
 * input. The common case (ASCII and valid UTF-8) is copied in runs.
 */
/* Broadcasts byte c to the eight bytes of a word. */
#define BYTES8(c) (0x0101010101010101ULL * (uint64_t)(c))

/* Whether any byte of x is zero (exact for "any": the classic test from
 * Bit Twiddling Hacks, "Determine if a word has a zero byte"). */
static inline uint64_t has_zero(uint64_t x)
{
    return (x - BYTES8(0x01)) & ~x & BYTES8(0x80);
}

/*
 * A bit set in the top bit of each byte of x that does not go into a JSON
 * string as it is (below 0x20, 0x80 and above, '"', '\\'). Only the
 * lowest set byte is exact (a borrow can flag bytes above it), which is
 * all plain_run and lv_buf_put_json_str ask of it.
 */
static inline uint64_t special_bytes(uint64_t x)
{
    return ((x - BYTES8(0x20)) | x | has_zero(x ^ BYTES8('"')) |
            has_zero(x ^ BYTES8('\\'))) & BYTES8(0x80);
}

/* Where the run of bytes that go into a JSON string as they are (printable
 * ASCII but '"' and '\\') that starts at u[i] ends. Eight bytes a step
 * while a whole word is plain — the common case of log text, which this
 * path writes for every event of GetLogEvents and FilterLogEvents — then
 * byte by byte. */
static size_t plain_run(const unsigned char *u, size_t i, size_t len)
{
    while (len - i >= 8) {
        uint64_t x;

        memcpy(&x, u + i, 8);
        if (special_bytes(x)) {
            break;
        }
        i += 8;
    }
    while (i < len && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
           u[i] != '\\') {
        i++;
    }
    return i;
}

int lv_buf_add_json_str(struct lv_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */
    const unsigned char *u = (const unsigned char *)s;
    size_t start = b->len;
    size_t i = 0;

    while (i < len) {
        size_t run = i;
        unsigned char c;
        char esc[6];
        size_t n = 2;

        for (;;) {
            size_t k;

            run = plain_run(u, run, len);
            if (run == len || u[run] < 0x80 ||
                (k = lv_utf8_seq_len(u + run, len - run)) == 0) {
                break;
            }
            run += k;
        }
        if (run > i && lv_buf_add(b, s + i, run - i) < 0) {
            goto fail;
        }
        i = run;
        if (i == len) {
            break;
        }
        c = u[i++];
        if (c >= 0x80) {
            if (lv_buf_add(b, replacement, 3) < 0) {
                goto fail;
            }
            continue;
        }
        esc[0] = '\\';
        switch (c) {
        case '"': esc[1] = '"'; break;
        case '\\': esc[1] = '\\'; break;
        case '\n': esc[1] = 'n'; break;
        case '\r': esc[1] = 'r'; break;
        case '\t': esc[1] = 't'; break;
        case '\b': esc[1] = 'b'; break;
        case '\f': esc[1] = 'f'; break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        if (lv_buf_add(b, esc, n) < 0) {
            goto fail;
        }
    }
    return 0;
fail:
    b->len = start;
    b->data[b->len] = '\0';
    return -1;
}

/* The second character of the two-character escapes (RFC 8259 section
 * 7); 0: the byte, if below 0x20, is written \u00XX. */
static const char short_escape[0x80] = {
    ['"'] = '"', ['\\'] = '\\', ['\n'] = 'n', ['\r'] = 'r',
    ['\t'] = 't', ['\b'] = 'b', ['\f'] = 'f',
};

#if defined(__SSE2__)
/*
 * What each ASCII byte is written as inside a JSON string: the bytes (up
 * to 6) and how many. Eight bytes an entry, so that one entry is one
 * 8-byte store whatever the byte.
 */
struct json_esc {
    char s[7];
    unsigned char n;
};

#define HEXD(d) ((char)((d) < 10 ? '0' + (d) : 'a' + (d) - 10))
#define EP(c) { { (char)(c) }, 1 }
#define ES(c) { { '\\', (c) }, 2 }
#define EU(c) { { '\\', 'u', '0', '0', HEXD((c) >> 4), HEXD((c) & 15) }, 6 }
#define EU8(c) EU(c), EU((c) + 1), EU((c) + 2), EU((c) + 3), EU((c) + 4), \
               EU((c) + 5), EU((c) + 6), EU((c) + 7)
#define EP8(c) EP(c), EP((c) + 1), EP((c) + 2), EP((c) + 3), EP((c) + 4), \
               EP((c) + 5), EP((c) + 6), EP((c) + 7)

static const struct json_esc json_esc[0x80] = {
    /* 0x00 */ EU(0), EU(1), EU(2), EU(3), EU(4), EU(5), EU(6), EU(7),
    /* 0x08 */ ES('b'), ES('t'), ES('n'), EU(11), ES('f'), ES('r'), EU(14),
               EU(15),
    /* 0x10 */ EU8(0x10), EU8(0x18),
    /* 0x20 */ EP(' '), EP('!'), ES('"'), EP('#'), EP('$'), EP('%'),
               EP('&'), EP('\''),
    /* 0x28 */ EP8(0x28), EP8(0x30), EP8(0x38), EP8(0x40), EP8(0x48),
               EP8(0x50),
    /* 0x58 */ EP('X'), EP('Y'), EP('Z'), EP('['), ES('\\'), EP(']'),
               EP('^'), EP('_'),
    /* 0x60 */ EP8(0x60), EP8(0x68), EP8(0x70), EP8(0x78),
};

_Static_assert(sizeof(struct json_esc) == 8, "one 8-byte store an entry");

#undef EP8
#undef EU8
#undef EU
#undef ES
#undef EP
#undef HEXD
#endif

/*
 * The same output as lv_buf_add_json_str, written without a bound check
 * per run: GetLogEvents writes every message of a page here (issue 15).
 *
 * On x86-64 (SSE2) it goes 16 bytes a step while more than 16 are left:
 * one compare finds the bytes that need care; a block without any is
 * stored whole, and one with some is written byte by byte from json_esc,
 * one 8-byte store and a length per byte, with no branch that depends on
 * the byte (the quotes of JSON log lines made the word-at-a-time loop
 * below mispredict at each one). A byte of 0x80 and above stops that at
 * itself and is taken by the UTF-8 code of the loop below. Elsewhere, and
 * for the last 16 bytes, it goes a word at a time.
 *
 * Stores stay inside the bound: before input byte j at most 6 * j bytes
 * are out; a plain word (8 bytes) is stored whole even when only its
 * first bytes are plain (the rest is overwritten next), and 6 * i + 8 <=
 * 6 * len while 8 bytes of input are left; a 16-byte block is stored
 * while more than 16 are left, and a table entry (8 bytes) for byte j
 * of such a block ends at 6 * j + 8 <= 6 * len, as j + 2 <= len.
 */
char *lv_buf_put_json_str(char *dst, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i below = _mm_set1_epi8(0x20);
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i bslash = _mm_set1_epi8('\\');
#endif

    while (i < len) {
        unsigned char c;
        size_t k;

#if defined(__SSE2__)
        if (len - i > 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)
                                        (u + i));
            /* Signed: below 0x20 is also every byte of 0x80 and above. */
            unsigned m = (unsigned)_mm_movemask_epi8(
                _mm_or_si128(_mm_cmplt_epi8(v, below),
                             _mm_or_si128(_mm_cmpeq_epi8(v, quote),
                                          _mm_cmpeq_epi8(v, bslash))));
            unsigned hi;
            size_t stop;

            if (!m) {
                _mm_storeu_si128((__m128i *)(void *)dst, v);
                dst += 16;
                i += 16;
                continue;
            }
            hi = (unsigned)_mm_movemask_epi8(v);
            stop = hi ? (size_t)__builtin_ctz(hi) : 16;
            for (k = 0; k < stop; k++) {
                const struct json_esc *e = &json_esc[u[i + k]];

                memcpy(dst, e, 8);
                dst += e->n;
            }
            i += stop;
            if (!hi) {
                continue;
            }
            /* u[i] is 0x80 or above: the UTF-8 code below. */
        } else
#endif
        if (len - i >= 8) {
            uint64_t x;
            uint64_t m;

            memcpy(&x, u + i, 8);
            memcpy(dst, &x, 8);
            m = special_bytes(x);
            if (!m) {
                dst += 8;
                i += 8;
                continue;
            }
            k = (size_t)__builtin_ctzll(m) >> 3;
            dst += k;
            i += k;
        } else {
            while (i < len && u[i] >= 0x20 && u[i] < 0x80 && u[i] != '"' &&
                   u[i] != '\\') {
                *dst++ = (char)u[i++];
            }
            if (i == len) {
                break;
            }
        }
        c = u[i];
        if (c >= 0x80) {
            k = lv_utf8_seq_len(u + i, len - i);
            if (k) {
                memcpy(dst, u + i, k);
                dst += k;
                i += k;
            } else {
                memcpy(dst, "\xef\xbf\xbd", 3); /* U+FFFD */
                dst += 3;
                i++;
            }
            continue;
        }
        i++;
        dst[0] = '\\';
        if (short_escape[c]) {
            dst[1] = short_escape[c];
            dst += 2;
        } else {
            dst[1] = 'u';
            dst[2] = '0';
            dst[3] = '0';
            dst[4] = hex[c >> 4];
            dst[5] = hex[c & 15];
            dst += 6;
        }
    }
    return dst;
}

char *lv_buf_put_int64(char *dst, int64_t v)
{
    char text[LV_BUF_INT64_MAX];
    char *p = text + sizeof(text);
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;

    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0) {
        *--p = '-';
    }
    memcpy(dst, p, (size_t)(text + sizeof(text) - p));
    return dst + (text + sizeof(text) - p);
}

void lv_buf_reset(struct lv_buf *b)
{
    b->len = 0;
    b->data[0] = '\0';
}

char *lv_buf_detach(struct lv_buf *b, size_t *len)
{
    char *p;

    if (len) {
        *len = b->len;
    }
    if (!b->cap) {
        p = lv_xstrdup("");
    } else {
        p = b->data;
    }
    lv_buf_init(b, b->max);
    return p;
}
