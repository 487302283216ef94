/*
 * fn_string: the functions page's "String functions" — isempty, isblank,
 * concat, ltrim, rtrim, trim, strlen, toupper, tolower, substr, replace,
 * regexReplace, strcontains, startsWith, endsWith, urlencode, urldecode,
 * base64encode, base64decode, split, hexToAscii, hexToDec, decToHex.
 *
 * Text is UTF-8. Lengths and indices count Unicode code points, as the
 * page says of strlen ("the length of the string in Unicode code
 * points"); a byte that is not part of well-formed UTF-8 counts as one.
 */
#include "insights/fn_int.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "util/b64.h"
#include "util/buf.h"
#include "util/hex.h"
#include "util/mem.h"

/* Regex work per call is bounded like the rest of the engine's matching. */
#define REGEX_MATCH_LIMIT 1000000
/* The most one call may build (replace, concat …): an event is at most
 * 256 KB (PutLogEvents), so 16 MB is far past any honest result. */
#define MAX_RESULT ((size_t)16 << 20)

/* The byte length of the code point at s[0] (1 for a malformed byte). */
static size_t u8_len(const unsigned char *s, size_t n)
{
    size_t want, i;

    if (s[0] < 0x80) {
        return 1;
    }
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        want = 2;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        want = 3;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        want = 4;
    } else {
        return 1;
    }
    if (want > n) {
        return 1;
    }
    for (i = 1; i < want; i++) {
        if ((s[i] & 0xc0) != 0x80) {
            return 1;
        }
    }
    return want;
}

static uint32_t u8_cp(const unsigned char *s, size_t l)
{
    switch (l) {
    case 2:
        return (uint32_t)(s[0] & 0x1f) << 6 | (s[1] & 0x3f);
    case 3:
        return (uint32_t)(s[0] & 0x0f) << 12 | (uint32_t)(s[1] & 0x3f) << 6 |
               (s[2] & 0x3f);
    case 4:
        return (uint32_t)(s[0] & 0x07) << 18 |
               (uint32_t)(s[1] & 0x3f) << 12 | (uint32_t)(s[2] & 0x3f) << 6 |
               (s[3] & 0x3f);
    default:
        return s[0];
    }
}

static size_t u8_put(uint32_t cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xc0 | cp >> 6);
        o[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xe0 | cp >> 12);
        o[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        o[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    o[0] = (char)(0xf0 | cp >> 18);
    o[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    o[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    o[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static size_t u8_count(const char *s, size_t n)
{
    size_t cps = 0;

    for (size_t i = 0; i < n; i += u8_len((const unsigned char *)s + i,
                                          n - i)) {
        cps++;
    }
    return cps;
}

/* Byte offset of code point number cp (n when past the end). */
static size_t u8_offset(const char *s, size_t n, size_t cp)
{
    size_t i = 0;

    while (cp-- && i < n) {
        i += u8_len((const unsigned char *)s + i, n - i);
    }
    return i;
}

/* White space as Java's String.trim and isBlank see it (the engine is
 * AWS's; these are the ASCII blanks and controls ≤ U+0020). */
static int is_space(unsigned char c)
{
    return c <= 0x20;
}

#define FN(name)                                                              \
    static void name(const struct lv_iq_val *args, size_t n,                  \
                     const struct lv_iq_ctx *cx, struct lv_iq_arena *a,       \
                     struct lv_iq_val *out)

/* isempty(f): 1 "if the field is missing or is an empty string". */
FN(fn_isempty)
{
    (void)n, (void)cx, (void)a;
    lv_iq_set_num(out, args[0].t == LV_IQ_NULL ||
                           (args[0].t == LV_IQ_STR && !args[0].len));
}

/* isblank(f): 1 "if the field is missing, an empty string, or contains
 * only white space". */
FN(fn_isblank)
{
    int blank = args[0].t == LV_IQ_NULL;

    (void)n, (void)cx, (void)a;
    if (args[0].t == LV_IQ_STR) {
        blank = 1;
        for (size_t i = 0; i < args[0].len; i++) {
            if (!is_space((unsigned char)args[0].s[i])) {
                blank = 0;
                break;
            }
        }
    }
    lv_iq_set_num(out, blank);
}

/* concat(s, …): the texts joined; a missing field adds nothing (AWS shows
 * concat of a missing field as the other parts), all missing gives NULL. */
FN(fn_concat)
{
    struct lv_buf b = LV_BUF_INIT(MAX_RESULT);
    const char *s;
    size_t len;
    int any = 0, over = 0;

    (void)cx;
    for (size_t i = 0; i < n; i++) {
        if (lv_iq_arg_str(&args[i], a, &s, &len)) {
            any = 1;
            over |= lv_buf_add(&b, s, len) < 0;
        }
    }
    if (!any || over) {
        lv_iq_set_null(out);
    } else {
        lv_iq_set_str_copy(out, a, b.data, b.len);
    }
    lv_buf_release(&b);
}

/* 1 when the code point at s[0..l) is one of set's. */
static int in_set(const char *set, size_t set_len, const char *s, size_t l)
{
    for (size_t i = 0; i < set_len;) {
        size_t sl = u8_len((const unsigned char *)set + i, set_len - i);

        if (sl == l && !memcmp(set + i, s, l)) {
            return 1;
        }
        i += sl;
    }
    return 0;
}

/* The trims: without trimChars, white space; with it, "it does not remove
 * white space. Instead, it removes the characters in trimChars" (any of
 * them, any number of times: trim("xyZxyfooxyxyZ", "xyZ") is "foo"). */
static void do_trim(const struct lv_iq_val *args, size_t n,
                    struct lv_iq_arena *a, int left, int right,
                    struct lv_iq_val *out)
{
    const char *s, *set = NULL;
    size_t len, set_len = 0, b = 0, e;

    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        (n > 1 && !lv_iq_arg_str(&args[1], a, &set, &set_len))) {
        lv_iq_set_null(out);
        return;
    }
    e = len;
    if (left) {
        while (b < e) {
            size_t l = u8_len((const unsigned char *)s + b, e - b);

            if (set ? !in_set(set, set_len, s + b, l)
                    : !(l == 1 && is_space((unsigned char)s[b]))) {
                break;
            }
            b += l;
        }
    }
    if (right) {
        while (e > b) {
            size_t st = e - 1, l;

            while (st > b && ((unsigned char)s[st] & 0xc0) == 0x80 &&
                   e - st < 4) {
                st--;
            }
            l = u8_len((const unsigned char *)s + st, e - st);
            if (st + l != e) {      /* a stray continuation byte */
                st = e - 1;
                l = 1;
            }
            if (set ? !in_set(set, set_len, s + st, l)
                    : !(l == 1 && is_space((unsigned char)s[st]))) {
                break;
            }
            e = st;
        }
    }
    lv_iq_set_str(out, s + b, e - b);
}

FN(fn_ltrim)
{
    (void)cx;
    do_trim(args, n, a, 1, 0, out);
}

FN(fn_rtrim)
{
    (void)cx;
    do_trim(args, n, a, 0, 1, out);
}

FN(fn_trim)
{
    (void)cx;
    do_trim(args, n, a, 1, 1, out);
}

FN(fn_strlen)
{
    const char *s;
    size_t len;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, (double)u8_count(s, len));
}

/*
 * Case mapping of the scripts whose letters map one to one by an offset:
 * ASCII, Latin-1, Greek and Cyrillic. Other code points are kept (the
 * full Unicode tables, with one-to-many mappings such as ß → SS, are not
 * carried; AWS does not document its mapping).
 */
static uint32_t map_case(uint32_t c, int upper)
{
    if (upper) {
        if ((c >= 'a' && c <= 'z') || (c >= 0xe0 && c <= 0xfe && c != 0xf7)) {
            return c - 0x20;
        }
        if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2) {
            return c - 0x20;
        }
        if (c >= 0x430 && c <= 0x44f) {
            return c - 0x20;
        }
        if (c >= 0x450 && c <= 0x45f) {
            return c - 0x50;
        }
        return c;
    }
    if ((c >= 'A' && c <= 'Z') || (c >= 0xc0 && c <= 0xde && c != 0xd7)) {
        return c + 0x20;
    }
    if (c >= 0x391 && c <= 0x3a9 && c != 0x3a2) {
        return c + 0x20;
    }
    if (c >= 0x410 && c <= 0x42f) {
        return c + 0x20;
    }
    if (c >= 0x400 && c <= 0x40f) {
        return c + 0x50;
    }
    return c;
}

static void do_case(const struct lv_iq_val *arg, struct lv_iq_arena *a,
                    int upper, struct lv_iq_val *out)
{
    const char *s;
    size_t len, i = 0, o = 0;
    char *res;

    if (!lv_iq_arg_str(arg, a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    /* Every mapping above keeps the UTF-8 length. */
    res = lv_iq_arena_alloc(a, len + 1);
    while (i < len) {
        size_t l = u8_len((const unsigned char *)s + i, len - i);

        if (l == 1 && (unsigned char)s[i] >= 0x80) {
            res[o++] = s[i];
        } else {
            uint32_t cp = map_case(u8_cp((const unsigned char *)s + i, l),
                                   upper);
            size_t w = u8_put(cp, res + o);

            if (w != l) {           /* cannot happen for the ranges above */
                memcpy(res + o, s + i, l);
                w = l;
            }
            o += w;
        }
        i += l;
    }
    res[o] = '\0';
    lv_iq_set_str(out, res, o);
}

FN(fn_toupper)
{
    (void)n, (void)cx;
    do_case(&args[0], a, 1, out);
}

FN(fn_tolower)
{
    (void)n, (void)cx;
    do_case(&args[0], a, 0, out);
}

/* substr(s, start [, length]): code points from start (0-based:
 * substr("xyZfooxyZ", 3, 3) is "foo") to the end or for length. Start and
 * length are truncated to integers; a start past the end, or a length
 * past it, clip to the end; a negative start or length is NULL (AWS does
 * not say; the strict answer is no value rather than a guess). */
FN(fn_substr)
{
    const char *s;
    size_t len, b, e;
    double start, count = -1;

    (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_num(&args[1], &start) ||
        (n > 2 && !lv_iq_arg_num(&args[2], &count))) {
        lv_iq_set_null(out);
        return;
    }
    start = trunc(start);
    count = trunc(count);
    if (start < 0 || (n > 2 && count < 0)) {
        lv_iq_set_null(out);
        return;
    }
    b = start >= (double)len ? len : u8_offset(s, len, (size_t)start);
    e = len;
    if (n > 2 && count < (double)len) {
        e = b + u8_offset(s + b, len - b, (size_t)count);
    }
    lv_iq_set_str(out, s + b, e - b);
}

/* replace(f, search, replacement): every occurrence, left to right, not
 * overlapping; an empty search changes nothing. */
FN(fn_replace)
{
    const char *s, *from, *to;
    size_t len, flen, tlen, i = 0;
    struct lv_buf b = LV_BUF_INIT(MAX_RESULT);
    int over = 0;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_str(&args[1], a, &from, &flen) ||
        !lv_iq_arg_str(&args[2], a, &to, &tlen)) {
        lv_iq_set_null(out);
        return;
    }
    if (!flen) {
        lv_iq_set_str(out, s, len);
        return;
    }
    while (i < len) {
        const char *hit = memmem(s + i, len - i, from, flen);

        if (!hit) {
            over |= lv_buf_add(&b, s + i, len - i) < 0;
            break;
        }
        over |= lv_buf_add(&b, s + i, (size_t)(hit - (s + i))) < 0;
        over |= lv_buf_add(&b, to, tlen) < 0;
        i = (size_t)(hit - s) + flen;
    }
    if (over) {
        lv_iq_set_null(out);
    } else {
        lv_iq_set_str_copy(out, a, b.data, b.len);
    }
    lv_buf_release(&b);
}

/*
 * regexReplace(f, pattern, replacement): every match replaced. AWS says
 * "Uses RE2 regex syntax"; PCRE2 (the engine's regex library) accepts
 * RE2's syntax except \C and a few Unicode class names, and is told
 * PCRE2_UTF here. The replacement refers to groups as $1 or ${name}
 * (PCRE2's substitute syntax; RE2's own \1 is not taken). A pattern that
 * does not compile, or a replacement that refers to a missing group,
 * gives NULL. The pattern is compiled per call: it is a value, which a
 * field can supply.
 */
FN(fn_regexreplace)
{
    const char *s, *pat, *rep;
    size_t len, plen, rlen, olen;
    pcre2_code *re = NULL;
    pcre2_match_context *mc = NULL;
    PCRE2_UCHAR *res = NULL;
    int errcode, rc;
    PCRE2_SIZE erroff;

    (void)n, (void)cx;
    lv_iq_set_null(out);
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_str(&args[1], a, &pat, &plen) ||
        !lv_iq_arg_str(&args[2], a, &rep, &rlen)) {
        return;
    }
    re = pcre2_compile((PCRE2_SPTR)pat, plen, PCRE2_UTF | PCRE2_NO_UTF_CHECK,
                       &errcode, &erroff, NULL);
    if (!re) {
        /* An invalid UTF-8 pattern too: retry without the UTF check off. */
        re = pcre2_compile((PCRE2_SPTR)pat, plen, 0, &errcode, &erroff, NULL);
        if (!re) {
            return;
        }
    }
    mc = pcre2_match_context_create(NULL);
    if (!mc) {
        goto out;
    }
    pcre2_set_match_limit(mc, REGEX_MATCH_LIMIT);
    olen = len + len / 2 + rlen + 64;
    for (;;) {
        PCRE2_SIZE got;

        if (olen > MAX_RESULT) {
            goto out;
        }
        res = lv_iq_arena_alloc(a, olen + 1);
        got = olen + 1;
        rc = pcre2_substitute(re, (PCRE2_SPTR)s, len, 0,
                              PCRE2_SUBSTITUTE_GLOBAL |
                                  PCRE2_SUBSTITUTE_OVERFLOW_LENGTH,
                              NULL, mc, (PCRE2_SPTR)rep, rlen, res, &got);
        if (rc == PCRE2_ERROR_NOMEMORY) {
            olen = got;
            continue;
        }
        if (rc < 0) {
            goto out;
        }
        lv_iq_set_str(out, (const char *)res, got);
        break;
    }
out:
    pcre2_match_context_free(mc);
    pcre2_code_free(re);
}

/* ASCII case folding for strcontains(…, true): the documented examples
 * are ASCII; other letters compare as they are. */
static int lower_ascii(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int contains(const char *s, size_t len, const char *t, size_t tlen,
                    int fold)
{
    if (!fold) {
        return tlen == 0 || memmem(s, len, t, tlen) != NULL;
    }
    for (size_t i = 0; i + tlen <= len; i++) {
        size_t j = 0;

        while (j < tlen && lower_ascii((unsigned char)s[i + j]) ==
                               lower_ascii((unsigned char)t[j])) {
            j++;
        }
        if (j == tlen) {
            return 1;
        }
    }
    return 0;
}

/* strcontains(s, search [, caseInsensitive]): 1 or 0 (a number, as the
 * page types it). */
FN(fn_strcontains)
{
    const char *s, *t;
    size_t len, tlen;

    (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_str(&args[1], a, &t, &tlen)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, contains(s, len, t, tlen,
                                n > 2 && lv_iq_val_truthy(&args[2])));
}

FN(fn_startswith)
{
    const char *s, *t;
    size_t len, tlen;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_str(&args[1], a, &t, &tlen)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, tlen <= len && !memcmp(s, t, tlen));
}

FN(fn_endswith)
{
    const char *s, *t;
    size_t len, tlen;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_str(&args[1], a, &t, &tlen)) {
        lv_iq_set_null(out);
        return;
    }
    lv_iq_set_num(out, tlen <= len && !memcmp(s + len - tlen, t, tlen));
}

/* urlencode: RFC 3986 percent-encoding of the UTF-8 bytes, the unreserved
 * characters (A-Z a-z 0-9 - . _ ~) kept, space as %20. AWS does not name
 * its scheme; this is the one URLs use outside HTML forms. */
FN(fn_urlencode)
{
    static const char hex[] = "0123456789ABCDEF";
    const char *s;
    size_t len, o = 0;
    char *res;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    res = lv_iq_arena_alloc(a, 3 * len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];

        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
            c == '~') {
            res[o++] = (char)c;
        } else {
            res[o++] = '%';
            res[o++] = hex[c >> 4];
            res[o++] = hex[c & 15];
        }
    }
    res[o] = '\0';
    lv_iq_set_str(out, res, o);
}

/* urldecode: %XX (either case) to its byte and "+" to a space, as form
 * decoding does; a "%" not followed by two hex digits makes the text not
 * URL-encoded: NULL. */
FN(fn_urldecode)
{
    const char *s;
    size_t len, o = 0;
    char *res;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    res = lv_iq_arena_alloc(a, len + 1);
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            if (i + 2 >= len || lv_hex_value((unsigned char)s[i + 1]) < 0 ||
                lv_hex_value((unsigned char)s[i + 2]) < 0) {
                lv_iq_set_null(out);
                return;
            }
            res[o++] = (char)(lv_hex_value((unsigned char)s[i + 1]) << 4 |
                              lv_hex_value((unsigned char)s[i + 2]));
            i += 2;
        } else {
            res[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    res[o] = '\0';
    lv_iq_set_str(out, res, o);
}

FN(fn_b64encode)
{
    const char *s;
    size_t len, olen;
    char *res;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    res = lv_iq_arena_alloc(a, lv_b64_encoded_len(len) + 1);
    olen = lv_b64_encode(s, len, res);
    lv_iq_set_str(out, res, olen);
}

/* base64decode: standard alphabet with padding (util/b64's strict
 * decoder); text that is not base64 gives NULL. */
FN(fn_b64decode)
{
    const char *s;
    size_t len, olen;
    unsigned char *res;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    res = lv_iq_arena_alloc(a, lv_b64_decoded_max(len) + 1);
    if (lv_b64_decode(s, len, res, &olen) < 0) {
        lv_iq_set_null(out);
        return;
    }
    res[olen] = '\0';
    lv_iq_set_str(out, (const char *)res, olen);
}

/* split(s, delimiter): a list (LV_IQ_JSON) of the pieces between
 * delimiters, empty pieces kept ("a,,b" → ["a","","b"]); an empty
 * delimiter splits into code points. */
FN(fn_split)
{
    const char *s, *d;
    size_t len, dlen, i = 0;
    struct lv_buf b = LV_BUF_INIT(MAX_RESULT);
    int over = 0, first = 1;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len) ||
        !lv_iq_arg_str(&args[1], a, &d, &dlen)) {
        lv_iq_set_null(out);
        return;
    }
    over |= lv_buf_addc(&b, '[') < 0;
    for (;;) {
        const char *hit;
        size_t end;

        if (!dlen) {
            if (i >= len) {
                break;
            }
            end = i + u8_len((const unsigned char *)s + i, len - i);
        } else {
            hit = memmem(s + i, len - i, d, dlen);
            end = hit ? (size_t)(hit - s) : len;
        }
        if (!first) {
            over |= lv_buf_addc(&b, ',') < 0;
        }
        first = 0;
        over |= lv_buf_addc(&b, '"') < 0;
        over |= lv_buf_add_json_str(&b, s + i, end - i) < 0;
        over |= lv_buf_addc(&b, '"') < 0;
        if (!dlen) {
            i = end;
            continue;
        }
        if (end == len) {
            break;
        }
        i = end + dlen;
    }
    over |= lv_buf_addc(&b, ']') < 0;
    if (over) {
        lv_iq_set_null(out);
    } else {
        lv_iq_set_str_copy(out, a, b.data, b.len);
        out->t = LV_IQ_JSON;
    }
    lv_buf_release(&b);
}

/* An optional "0x"/"0X" prefix off s. */
static void skip_0x(const char **s, size_t *len)
{
    if (*len >= 2 && (*s)[0] == '0' && ((*s)[1] == 'x' || (*s)[1] == 'X')) {
        *s += 2;
        *len -= 2;
    }
}

/* hexToAscii("48656c6c6f") is "Hello": pairs of hex digits to bytes; an
 * odd count or a non-hex digit gives NULL. */
FN(fn_hextoascii)
{
    const char *s;
    size_t len;
    uint8_t *res;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    skip_0x(&s, &len);
    res = lv_iq_arena_alloc(a, len / 2 + 1);
    if (len % 2 || lv_hex_decode(s, len / 2, res) < 0) {
        lv_iq_set_null(out);
        return;
    }
    res[len / 2] = '\0';
    lv_iq_set_str(out, (const char *)res, len / 2);
}

/* hexToDec("0xff") is 255 (prefix optional, digits of either case, at
 * most 16 of them: a 64-bit value, exact up to 2^53 as a double). */
FN(fn_hextodec)
{
    const char *s;
    size_t len;
    uint64_t v = 0;

    (void)n, (void)cx;
    if (!lv_iq_arg_str(&args[0], a, &s, &len)) {
        lv_iq_set_null(out);
        return;
    }
    skip_0x(&s, &len);
    if (!len || len > 16) {
        lv_iq_set_null(out);
        return;
    }
    for (size_t i = 0; i < len; i++) {
        int d = lv_hex_value((unsigned char)s[i]);

        if (d < 0) {
            lv_iq_set_null(out);
            return;
        }
        v = v << 4 | (uint64_t)d;
    }
    lv_iq_set_num(out, (double)v);
}

/* decToHex(255) is "0xff": "Negative numbers produce -0x prefix.
 * Non-integers are truncated." Past 2^64 there is no 64-bit value: NULL. */
FN(fn_dectohex)
{
    double x;
    char buf[24];
    size_t l;

    (void)n, (void)cx;
    if (!lv_iq_arg_num(&args[0], &x)) {
        lv_iq_set_null(out);
        return;
    }
    x = trunc(x);
    if (fabs(x) >= 18446744073709551616.0) {
        lv_iq_set_null(out);
        return;
    }
    l = (size_t)snprintf(buf, sizeof(buf), "%s0x%llx", x < 0 ? "-" : "",
                         (unsigned long long)fabs(x));
    lv_iq_set_str_copy(out, a, buf, l);
}

static const struct lv_iq_fn string_fns[] = {
    { "isempty", 1, 1, fn_isempty },
    { "isblank", 1, 1, fn_isblank },
    { "concat", 1, -1, fn_concat },
    { "ltrim", 1, 2, fn_ltrim },
    { "rtrim", 1, 2, fn_rtrim },
    { "trim", 1, 2, fn_trim },
    { "strlen", 1, 1, fn_strlen },
    { "toupper", 1, 1, fn_toupper },
    { "tolower", 1, 1, fn_tolower },
    { "substr", 2, 3, fn_substr },
    { "replace", 3, 3, fn_replace },
    { "regexReplace", 3, 3, fn_regexreplace },
    { "strcontains", 2, 3, fn_strcontains },
    { "startsWith", 2, 2, fn_startswith },
    { "endsWith", 2, 2, fn_endswith },
    { "urlencode", 1, 1, fn_urlencode },
    { "urldecode", 1, 1, fn_urldecode },
    { "base64encode", 1, 1, fn_b64encode },
    { "base64decode", 1, 1, fn_b64decode },
    { "split", 2, 2, fn_split },
    { "hexToAscii", 1, 1, fn_hextoascii },
    { "hexToDec", 1, 1, fn_hextodec },
    { "decToHex", 1, 1, fn_dectohex },
};
const struct lv_iq_fn_table lv_iq_fns_string = {
    string_fns, sizeof(string_fns) / sizeof(string_fns[0])
};
