#include "util/buf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int lv_buf_add_json_str(struct lv_buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t start = b->len;
    size_t i = 0;

    while (i < len) {
        size_t run = i;
        unsigned char c;
        char esc[6];
        size_t n = 2;

        while (run < len && (unsigned char)s[run] >= 0x20 && s[run] != '"' &&
               s[run] != '\\') {
            run++;
        }
        if (run > i && lv_buf_add(b, s + i, run - i) < 0) {
            goto fail;
        }
        i = run;
        if (i == len) {
            break;
        }
        c = (unsigned char)s[i++];
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
