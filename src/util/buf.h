/*
 * buf: a growable byte buffer with a ceiling. Always NUL-terminated,
 * binary-safe, `data` never NULL after init. The ceiling lives in the
 * buffer: an append that would pass `max` fails and leaves the buffer as it
 * was, so callers that read client input need not each check a limit.
 */
#ifndef LV_UTIL_BUF_H
#define LV_UTIL_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct lv_buf {
    char *data;
    size_t len;
    size_t cap;     /* bytes allocated at data, 0 while data is the empty "" */
    size_t max;     /* the most len may reach; SIZE_MAX for no ceiling */
};

extern char lv_buf_empty[];
#define LV_BUF_INIT(maxlen) { lv_buf_empty, 0, 0, (maxlen) }

void lv_buf_init(struct lv_buf *b, size_t max);
void lv_buf_release(struct lv_buf *b);
/* Makes room for `extra` more bytes; -1 (buffer unchanged) past max. */
int lv_buf_grow(struct lv_buf *b, size_t extra);
int lv_buf_add(struct lv_buf *b, const void *data, size_t len);
int lv_buf_adds(struct lv_buf *b, const char *s);
int lv_buf_addc(struct lv_buf *b, char c);
int lv_buf_addf(struct lv_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int lv_buf_vaddf(struct lv_buf *b, const char *fmt, va_list ap);
/* Appends s as the inside of a JSON string (escaped, no quotes). Any bytes
 * are taken: each one that is not part of well-formed UTF-8 is written as
 * U+FFFD, so what comes out is always valid UTF-8 JSON. */
int lv_buf_add_json_str(struct lv_buf *b, const char *s, size_t len);

/* The most bytes lv_buf_put_json_str writes for len bytes of input: each
 * one may become a six-byte escape (\u001f). */
#define LV_BUF_JSON_STR_MAX(len) (6 * (size_t)(len))
/*
 * Writes at dst the same bytes lv_buf_add_json_str would append for s
 * (escaped, no quotes, ill-formed UTF-8 as U+FFFD) and returns the end.
 * dst must have room for LV_BUF_JSON_STR_MAX(len) bytes; it is not
 * NUL-terminated. For loops that reserved room for many values at once
 * (lv_jw_reserve); everything else appends with lv_buf_add_json_str.
 */
char *lv_buf_put_json_str(char *dst, const char *s, size_t len);

/* The length of the well-formed UTF-8 sequence at s (n > 0 bytes left), or
 * 0 when it is not one: RFC 3629's table 4, so no overlong forms, no
 * UTF-16 surrogates (U+D800..U+DFFF), nothing past U+10FFFF. The rule the
 * JSON writers apply (an ill-formed sequence becomes U+FFFD). */
size_t lv_utf8_seq_len(const unsigned char *s, size_t n);
/* The most bytes lv_buf_put_int64 writes. */
#define LV_BUF_INT64_MAX 20
/* Writes v in decimal at dst (room for LV_BUF_INT64_MAX bytes), returns
 * the end; not NUL-terminated. */
char *lv_buf_put_int64(char *dst, int64_t v);
void lv_buf_reset(struct lv_buf *b);
/* Hands the data to the caller (free() it) and leaves b empty. */
char *lv_buf_detach(struct lv_buf *b, size_t *len);

#endif
