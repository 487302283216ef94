/*
 * compact.c: the compact record's text codec (compact.h).
 */
#include "audit/compact.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/mem.h"

/* ---- writing ------------------------------------------------------------ */

/* <decimal v><end> */
static int put_num(struct lv_buf *b, int64_t v, char end)
{
    char tmp[LV_BUF_INT64_MAX + 1];
    char *e = lv_buf_put_int64(tmp, v);

    *e++ = end;
    return lv_buf_add(b, tmp, (size_t)(e - tmp));
}

/* s with each byte outside a well-formed sequence as U+FFFD: the slow
 * path of lv_audit_cw_str, for text that is not UTF-8 (a header). */
static int put_replaced(struct lv_buf *b, const unsigned char *u, size_t n)
{
    struct lv_buf t = LV_BUF_INIT(b->max);
    size_t i = 0;
    int ret = -1;

    while (i < n) {
        size_t k = u[i] < 0x80 ? 1 : lv_utf8_seq_len(u + i, n - i);

        if (k == 0) {
            if (lv_buf_add(&t, "\xef\xbf\xbd", 3) < 0) {
                goto out;
            }
            i++;
            continue;
        }
        if (lv_buf_add(&t, u + i, k) < 0) {
            goto out;
        }
        i += k;
    }
    if (put_num(b, (int64_t)t.len, ':') < 0 ||
        lv_buf_add(b, t.data, t.len) < 0) {
        goto out;
    }
    ret = 0;
out:
    lv_buf_release(&t);
    return ret;
}

int lv_audit_cw_str(struct lv_buf *b, const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;

    /* Most strings are ASCII: one scan, then one copy. Eight bytes at a
     * time while none is NUL or past 0x7f. */
    while (i + 8 <= n) {
        uint64_t w;

        memcpy(&w, u + i, 8);
        if (((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL) ||
            (w & 0x8080808080808080ULL)) {
            break;
        }
        i += 8;
    }
    while (i < n && u[i] != 0 && u[i] < 0x80) {
        i++;
    }
    while (i < n && u[i] != 0) {
        size_t k = u[i] < 0x80 ? 1 : lv_utf8_seq_len(u + i, n - i);

        if (k == 0) {
            return memchr(u + i, 0, n - i) ? -1 : put_replaced(b, u, n);
        }
        i += k;
    }
    if (i < n) {
        return -1;                  /* a NUL */
    }
    if (put_num(b, (int64_t)n, ':') < 0) {
        return -1;
    }
    return lv_buf_add(b, s, n);
}

int lv_audit_cw_cstr(struct lv_buf *b, const char *s)
{
    return lv_audit_cw_str(b, s, strlen(s));
}

int lv_audit_cw_opt(struct lv_buf *b, const char *s)
{
    return s ? lv_audit_cw_cstr(b, s) : lv_buf_addc(b, '-');
}

static int cw_json(struct lv_buf *b, const json_t *v, int depth)
{
    char tmp[40];
    const char *k;
    json_t *e;
    size_t i;

    if (depth > LV_AUDIT_COMPACT_MAX_DEPTH) {
        return -1;
    }
    switch (json_typeof(v)) {
    case JSON_NULL:
        return lv_buf_addc(b, 'n');
    case JSON_TRUE:
        return lv_buf_addc(b, 't');
    case JSON_FALSE:
        return lv_buf_addc(b, 'f');
    case JSON_INTEGER:
        if (lv_buf_addc(b, 'i') < 0) {
            return -1;
        }
        return put_num(b, (int64_t)json_integer_value(v), ';');
    case JSON_REAL:
        /* %.17g reads back as the same double. */
        snprintf(tmp, sizeof(tmp), "r%.17g;", json_real_value(v));
        return lv_buf_adds(b, tmp);
    case JSON_STRING:
        if (lv_buf_addc(b, 's') < 0) {
            return -1;
        }
        return lv_audit_cw_str(b, json_string_value(v),
                               json_string_length(v));
    case JSON_OBJECT:
        if (lv_buf_addc(b, 'o') < 0 ||
            put_num(b, (int64_t)json_object_size(v), ':') < 0) {
            return -1;
        }
        json_object_foreach((json_t *)v, k, e) {
            if (lv_audit_cw_cstr(b, k) < 0 || cw_json(b, e, depth + 1) < 0) {
                return -1;
            }
        }
        return 0;
    case JSON_ARRAY:
        if (lv_buf_addc(b, 'a') < 0 ||
            put_num(b, (int64_t)json_array_size(v), ':') < 0) {
            return -1;
        }
        json_array_foreach(v, i, e) {
            if (cw_json(b, e, depth + 1) < 0) {
                return -1;
            }
        }
        return 0;
    }
    return -1;
}

int lv_audit_cw_json(struct lv_buf *b, const json_t *v)
{
    return cw_json(b, v, 0);
}

int lv_audit_cw_ojson(struct lv_buf *b, const json_t *v)
{
    return v ? cw_json(b, v, 0) : lv_buf_addc(b, '-');
}

/* ---- reading ------------------------------------------------------------ */

int lv_audit_cr_byte(struct lv_audit_cr *r, char c)
{
    if (r->p >= r->end || *r->p != c) {
        return -1;
    }
    r->p++;
    return 0;
}

/* A decimal count or length up to `max`, then `end`. */
static int cr_count(struct lv_audit_cr *r, size_t max, char end,
                    size_t *out)
{
    size_t v = 0;
    int digits = 0;

    while (r->p < r->end && *r->p >= '0' && *r->p <= '9') {
        v = v * 10 + (size_t)(*r->p - '0');
        if (v > max || ++digits > 12) {
            return -1;
        }
        r->p++;
    }
    if (digits == 0) {
        return -1;
    }
    *out = v;
    return lv_audit_cr_byte(r, end);
}

/* A str's bytes: *s (not NUL-terminated) and *n. */
static int cr_span(struct lv_audit_cr *r, const char **s, size_t *n)
{
    if (cr_count(r, (size_t)(r->end - r->p), ':', n) < 0 ||
        *n > (size_t)(r->end - r->p)) {
        return -1;
    }
    *s = r->p;
    r->p += *n;
    return 0;
}

int lv_audit_cr_str(struct lv_audit_cr *r, char **out)
{
    const char *s;
    size_t n;

    if (cr_span(r, &s, &n) < 0) {
        return -1;
    }
    *out = lv_xstrndup(s, n);
    return 0;
}

int lv_audit_cr_opt(struct lv_audit_cr *r, char **out)
{
    *out = NULL;
    if (lv_audit_cr_byte(r, '-') == 0) {
        return 0;
    }
    return lv_audit_cr_str(r, out);
}

/* The text of a number up to ';' into buf (cap bytes, NUL-terminated). */
static int cr_numtext(struct lv_audit_cr *r, char *buf, size_t cap)
{
    size_t n = 0;

    while (r->p < r->end && *r->p != ';') {
        if (n + 1 >= cap) {
            return -1;
        }
        buf[n++] = *r->p++;
    }
    buf[n] = '\0';
    return n > 0 ? lv_audit_cr_byte(r, ';') : -1;
}

static json_t *cr_json(struct lv_audit_cr *r, int depth)
{
    char num[48];
    char *end;
    const char *s;
    size_t n, i;
    json_t *v = NULL;
    json_t *e;
    char *key;
    long long ll;
    double d;

    if (depth > LV_AUDIT_COMPACT_MAX_DEPTH || r->p >= r->end) {
        return NULL;
    }
    switch (*r->p++) {
    case 'n':
        return json_null();
    case 't':
        return json_true();
    case 'f':
        return json_false();
    case 'i':
        if (cr_numtext(r, num, sizeof(num)) < 0) {
            return NULL;
        }
        errno = 0;
        ll = strtoll(num, &end, 10);
        if (errno != 0 || *end != '\0' || end == num) {
            return NULL;
        }
        return json_integer((json_int_t)ll);
    case 'r':
        if (cr_numtext(r, num, sizeof(num)) < 0) {
            return NULL;
        }
        errno = 0;
        d = strtod(num, &end);
        if (*end != '\0' || end == num) {
            return NULL;
        }
        return json_real(d);            /* NULL for a NaN or infinity */
    case 's':
        if (cr_span(r, &s, &n) < 0) {
            return NULL;
        }
        return json_stringn(s, n);      /* NULL unless valid UTF-8 */
    case 'o':
        /* Each member takes at least 3 bytes ("0:n"). */
        if (cr_count(r, (size_t)(r->end - r->p) / 3 + 1, ':', &n) < 0) {
            return NULL;
        }
        v = json_object();
        for (i = 0; i < n; i++) {
            if (lv_audit_cr_str(r, &key) < 0) {
                goto fail;
            }
            e = cr_json(r, depth + 1);
            if (e == NULL || json_object_set_new(v, key, e) < 0) {
                free(key);
                goto fail;
            }
            free(key);
        }
        return v;
    case 'a':
        if (cr_count(r, (size_t)(r->end - r->p) + 1, ':', &n) < 0) {
            return NULL;
        }
        v = json_array();
        for (i = 0; i < n; i++) {
            e = cr_json(r, depth + 1);
            if (e == NULL || json_array_append_new(v, e) < 0) {
                goto fail;
            }
        }
        return v;
    default:
        return NULL;
    }
fail:
    json_decref(v);
    return NULL;
}

int lv_audit_cr_json(struct lv_audit_cr *r, json_t **out)
{
    *out = cr_json(r, 0);
    return *out ? 0 : -1;
}

int lv_audit_cr_ojson(struct lv_audit_cr *r, json_t **out)
{
    *out = NULL;
    if (lv_audit_cr_byte(r, '-') == 0) {
        return 0;
    }
    return lv_audit_cr_json(r, out);
}
