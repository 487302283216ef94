#include "util/json.h"

#include <assert.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/b64.h"
#include "util/buf.h"
#include "util/err.h"

/* --- getters --- */

/* The member `key`, or NULL when absent or JSON null. */
static const json_t *member(const json_t *o, const char *key)
{
    const json_t *v;

    if (!o || !key || !json_is_object(o)) {
        return NULL;
    }
    v = json_object_get(o, key);
    return json_is_null(v) ? NULL : v;
}

const char *lv_json_str(const json_t *o, const char *key)
{
    const json_t *v = member(o, key);

    return json_is_string(v) ? json_string_value(v) : NULL;
}

const char *lv_json_strn(const json_t *o, const char *key, size_t *len)
{
    const json_t *v = member(o, key);

    if (!json_is_string(v)) {
        return NULL;
    }
    *len = json_string_length(v);
    return json_string_value(v);
}

/* An integer or real → int64 (truncated); 0 when it does not fit. */
static int to_int64(const json_t *v, int64_t *out)
{
    double d;

    if (json_is_integer(v)) {
        *out = (int64_t)json_integer_value(v);
        return 1;
    }
    if (!json_is_real(v)) {
        return 0;
    }
    d = trunc(json_real_value(v));
    /* 2^63 is exactly representable; every double below it fits. */
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) {
        return 0;
    }
    *out = (int64_t)d;
    return 1;
}

int lv_json_int64(const json_t *o, const char *key, int64_t *v)
{
    return to_int64(member(o, key), v);
}

int lv_json_bool(const json_t *o, const char *key, int *v)
{
    const json_t *m = member(o, key);

    if (!json_is_boolean(m)) {
        return 0;
    }
    *v = json_is_true(m);
    return 1;
}

int lv_json_double(const json_t *o, const char *key, double *v)
{
    const json_t *m = member(o, key);

    if (!json_is_number(m)) {
        return 0;
    }
    *v = json_number_value(m);
    return 1;
}

const json_t *lv_json_obj(const json_t *o, const char *key)
{
    const json_t *v = member(o, key);

    return json_is_object(v) ? v : NULL;
}

const json_t *lv_json_arr(const json_t *o, const char *key)
{
    const json_t *v = member(o, key);

    return json_is_array(v) ? v : NULL;
}

unsigned char *lv_json_blob(const json_t *o, const char *key, size_t *len)
{
    const json_t *v = member(o, key);

    if (!json_is_string(v)) {
        return NULL;
    }
    return lv_b64_decode_alloc(json_string_value(v), json_string_length(v),
                               len);
}

size_t lv_json_utf8_len(const char *s, size_t n)
{
    size_t count = 0;
    size_t i = 0;

    while (i < n) {
        unsigned char c = (unsigned char)s[i];
        size_t k = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3
                 : (c >> 3) == 30 ? 4 : 1;
        size_t j;

        if (k > n - i) {
            k = 1;
        }
        for (j = 1; j < k; j++) {
            if (((unsigned char)s[i + j] & 0xc0) != 0x80) {
                k = 1;
                break;
            }
        }
        i += k;
        count++;
    }
    return count;
}

/* The service's validation code, told by the spelling of the key. */
static enum lv_errcode req_code(const char *key)
{
    return isupper((unsigned char)key[0]) ? LV_E_VALIDATION
                                          : LV_E_INVALID_PARAMETER;
}

static int req_fail(const char *key, const char *value, const char *what,
                    long long bound, struct lv_err *err)
{
    char first = (char)tolower((unsigned char)key[0]);

    if (!value) {
        return lv_err_set(err, req_code(key),
                          "1 validation error detected: Value null at "
                          "'%c%s' failed to satisfy constraint: Member must "
                          "not be null", first, key + 1);
    }
    return lv_err_set(err, req_code(key),
                      "1 validation error detected: Value '%s' at '%c%s' "
                      "failed to satisfy constraint: Member must have %s %lld",
                      value, first, key + 1, what, bound);
}

int lv_json_req_str(const json_t *o, const char *key, size_t min, size_t max,
                    const char **out, struct lv_err *err)
{
    size_t n = 0;
    const char *s = lv_json_strn(o, key, &n);
    size_t chars;

    if (!s) {
        return req_fail(key, NULL, NULL, 0, err);
    }
    chars = lv_json_utf8_len(s, n);
    if (chars < min) {
        return req_fail(key, s, "length greater than or equal to",
                        (long long)min, err);
    }
    if (chars > max) {
        return req_fail(key, s, "length less than or equal to",
                        (long long)max, err);
    }
    *out = s;
    return 0;
}

int lv_json_req_int64(const json_t *o, const char *key, int64_t *out,
                      struct lv_err *err)
{
    if (!lv_json_int64(o, key, out)) {
        return req_fail(key, NULL, NULL, 0, err);
    }
    return 0;
}

int lv_json_req_int(const json_t *o, const char *key, int *out,
                    struct lv_err *err)
{
    int64_t v;
    char text[32];

    if (lv_json_req_int64(o, key, &v, err) < 0) {
        return -1;
    }
    if (v < -2147483647LL - 1 || v > 2147483647LL) {
        snprintf(text, sizeof(text), "%lld", (long long)v);
        return req_fail(key, text,
                        v < 0 ? "value greater than or equal to"
                              : "value less than or equal to",
                        v < 0 ? -2147483647LL - 1 : 2147483647LL, err);
    }
    *out = (int)v;
    return 0;
}

/* --- dumping --- */

static int dump_cb(const char *buffer, size_t size, void *data)
{
    return lv_buf_add(data, buffer, size);
}

int lv_json_dump_to_buf(const json_t *v, struct lv_buf *out)
{
    size_t start = out->len;

    if (!v || json_dump_callback(v, dump_cb, out,
                                 JSON_COMPACT | JSON_ENCODE_ANY) < 0) {
        out->len = start;
        out->data[out->len] = '\0';
        return -1;
    }
    return 0;
}

/* --- the writer --- */

void lv_jw_init(struct lv_jw *w, struct lv_buf *b)
{
    memset(w, 0, sizeof(*w));
    w->b = b;
    w->start = b->len;
}

static void add(struct lv_jw *w, const char *s, size_t n)
{
    if (!w->failed && lv_buf_add(w->b, s, n) < 0) {
        w->failed = 1;
    }
}

/*
 * Before a value: the comma between items, and the rule that inside an
 * object a value follows a key. At the top level one value is allowed.
 */
static int begin_value(struct lv_jw *w)
{
    uint64_t bit;

    if (w->failed) {
        return -1;
    }
    if (w->depth == 0) {
        if (w->has_item & 1) {
            w->failed = 1;
            return -1;
        }
        w->has_item |= 1;
        return 0;
    }
    bit = (uint64_t)1 << w->depth;
    if (w->is_obj & bit) {
        if (!w->after_key) {
            w->failed = 1;
            return -1;
        }
        w->after_key = 0;
        return 0;
    }
    if (w->has_item & bit) {
        add(w, ",", 1);
    }
    w->has_item |= bit;
    return w->failed ? -1 : 0;
}

static void open_container(struct lv_jw *w, int obj)
{
    uint64_t bit;

    if (begin_value(w) < 0) {
        return;
    }
    if (w->depth + 1 >= LV_JW_MAX_DEPTH) {
        w->failed = 1;
        return;
    }
    w->depth++;
    bit = (uint64_t)1 << w->depth;
    w->has_item &= ~bit;
    if (obj) {
        w->is_obj |= bit;
    } else {
        w->is_obj &= ~bit;
    }
    add(w, obj ? "{" : "[", 1);
}

static void close_container(struct lv_jw *w, int obj)
{
    uint64_t bit;

    if (w->failed) {
        return;
    }
    bit = (uint64_t)1 << w->depth;
    if (w->depth == 0 || w->after_key || !(w->is_obj & bit) != !obj) {
        w->failed = 1;
        return;
    }
    w->depth--;
    add(w, obj ? "}" : "]", 1);
}

void lv_jw_obj_open(struct lv_jw *w)
{
    open_container(w, 1);
}

void lv_jw_obj_close(struct lv_jw *w)
{
    close_container(w, 1);
}

void lv_jw_arr_open(struct lv_jw *w)
{
    open_container(w, 0);
}

void lv_jw_arr_close(struct lv_jw *w)
{
    close_container(w, 0);
}

static void add_string(struct lv_jw *w, const char *s, size_t n)
{
    add(w, "\"", 1);
    if (!w->failed && lv_buf_add_json_str(w->b, s, n) < 0) {
        w->failed = 1;
    }
    add(w, "\"", 1);
}

void lv_jw_key(struct lv_jw *w, const char *key)
{
    uint64_t bit = (uint64_t)1 << w->depth;

    if (w->failed) {
        return;
    }
    if (w->depth == 0 || !(w->is_obj & bit) || w->after_key || !key) {
        w->failed = 1;
        return;
    }
    if (w->has_item & bit) {
        add(w, ",", 1);
    }
    w->has_item |= bit;
    add_string(w, key, strlen(key));
    add(w, ":", 1);
    w->after_key = 1;
}

void lv_jw_strn(struct lv_jw *w, const char *s, size_t n)
{
    if (begin_value(w) < 0) {
        return;
    }
    add_string(w, s, n);
}

void lv_jw_str(struct lv_jw *w, const char *s)
{
    if (!s) {
        lv_jw_null(w);
        return;
    }
    lv_jw_strn(w, s, strlen(s));
}

void lv_jw_int64(struct lv_jw *w, int64_t v)
{
    char text[LV_BUF_INT64_MAX];

    if (begin_value(w) < 0) {
        return;
    }
    /* lv_buf_put_int64, not snprintf: printf's machinery was 5% of the
     * read paths, which write three numbers per event. */
    add(w, text, (size_t)(lv_buf_put_int64(text, v) - text));
}

void lv_jw_double(struct lv_jw *w, double v)
{
    char text[40];
    int n = 0;
    int prec;

    if (!isfinite(v)) {
        lv_jw_null(w);
        return;
    }
    if (begin_value(w) < 0) {
        return;
    }
    for (prec = 15; prec <= 17; prec++) {
        n = snprintf(text, sizeof(text), "%.*g", prec, v);
        if (strtod(text, NULL) == v) {
            break;
        }
    }
    add(w, text, (size_t)n);
}

void lv_jw_bool(struct lv_jw *w, int v)
{
    if (begin_value(w) < 0) {
        return;
    }
    add(w, v ? "true" : "false", v ? 4 : 5);
}

void lv_jw_null(struct lv_jw *w)
{
    if (begin_value(w) < 0) {
        return;
    }
    add(w, "null", 4);
}

void lv_jw_b64(struct lv_jw *w, const void *data, size_t n)
{
    if (begin_value(w) < 0) {
        return;
    }
    add(w, "\"", 1);
    if (!w->failed && lv_b64_encode_buf(data, n, w->b) < 0) {
        w->failed = 1;
    }
    add(w, "\"", 1);
}

void lv_jw_json(struct lv_jw *w, const json_t *v)
{
    if (begin_value(w) < 0) {
        return;
    }
    if (lv_json_dump_to_buf(v, w->b) < 0) {
        w->failed = 1;
    }
}

void lv_jw_raw(struct lv_jw *w, const char *json, size_t n)
{
    if (begin_value(w) < 0) {
        return;
    }
    add(w, json, n);
}

int lv_jw_raw_begin(struct lv_jw *w)
{
    return begin_value(w);
}

char *lv_jw_reserve(struct lv_jw *w, size_t room)
{
    if (w->failed) {
        return NULL;
    }
    if (lv_buf_grow(w->b, room) < 0) {
        w->failed = 1;
        return NULL;
    }
    return w->b->data + w->b->len;
}

void lv_jw_commit(struct lv_jw *w, const char *end)
{
    if (w->failed) {
        return;
    }
    assert(end >= w->b->data + w->b->len && end < w->b->data + w->b->cap);
    w->b->len = (size_t)(end - w->b->data);
    w->b->data[w->b->len] = '\0';
}

void lv_jw_kstr(struct lv_jw *w, const char *key, const char *s)
{
    lv_jw_key(w, key);
    lv_jw_str(w, s);
}

void lv_jw_kint64(struct lv_jw *w, const char *key, int64_t v)
{
    lv_jw_key(w, key);
    lv_jw_int64(w, v);
}

void lv_jw_kbool(struct lv_jw *w, const char *key, int v)
{
    lv_jw_key(w, key);
    lv_jw_bool(w, v);
}

int lv_jw_finish(struct lv_jw *w)
{
    if (!w->failed && w->depth == 0 && !w->after_key) {
        return 0;
    }
    w->b->len = w->start;
    w->b->data[w->b->len] = '\0';
    w->failed = 1;
    return -1;
}
