/*
 * cli/jmespath_fn: the built-in functions of cli/jmespath, jmespath.py
 * 1.0.1's functions.py step by step: the 26 functions of the specification
 * plus to_array, their signatures (arity, argument types, expref
 * arguments) checked with functions.py's messages, and Python's semantics
 * inside them (sum, sorted, str(), json.dumps, float()). It does not let
 * callers add functions.
 */
#include "cli/jmespath_int.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli/output.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- errors ---------------------------------------------------------- */

static void py_list_of_names(struct lv_buf *b, const char *const *names,
                             size_t n)
{
    size_t i;

/* ---- signatures ------------------------------------------------------ */

    lv_buf_addc(b, '[');
    for (i = 0; i < n; i++) {
        lv_buf_addf(b, "%s'%s'", i ? ", " : "", names[i]);
    }
    lv_buf_addc(b, ']');
}

struct arg {
    json_t *v;                  /* owned, NULL = None */
    const struct node *expref;  /* set when the argument is &expr */
};

typedef int (*fn_impl)(struct ev *e, struct arg *a, size_t n, json_t **out);

struct fn {
    const char *name;
    fn_impl impl;
    int nargs;
    int variadic;
    const char *types[2][2];    /* per argument: allowed types, NULL-ended */
};

static const char *arg_py_type(const struct arg *a)
{
    return a->expref ? "_Expression" : lv_jmespath_py_type(a->v);
}

static const char *arg_jp_type(const struct arg *a)
{
    return a->expref ? "expref" : lv_jmespath_jp_type(a->v);
}

static void str_value(struct lv_buf *b, const struct arg *a)
{
    if (a->expref) {
        lv_buf_adds(b, "<jmespath.visitor._Expression object>");
    } else {
        lv_output_py_str(b, a->v, 0);
    }
}

static int type_error(struct ev *e, const char *fname, const struct arg *a,
                      const char *received, const char *const *types,
                      size_t ntypes)
{
    struct lv_buf b;

    lv_buf_init(&b, SIZE_MAX);
    lv_buf_addf(&b, "In function %s(), invalid type for value: ", fname);
    str_value(&b, a);
    lv_buf_adds(&b, ", expected one of: ");
    py_list_of_names(&b, types, ntypes);
    lv_buf_addf(&b, ", received: \"%s\"", received);
    lv_jmespath_set_err_buf(e->err, &b);
    return -1;
}

static int elem_matches(const json_t *el, const char *sub)
{
    if (!strcmp(sub, "number")) {
        return is_num(el);
    }
    return el && json_is_string(el);    /* "string" */
}

/* _type_check_single for one argument. */
static int check_arg(struct ev *e, const char *fname, const struct arg *a,
                     const char *const *types)
{
    size_t nt = 0, i;
    const char *jt = arg_jp_type(a);
    const char *subs[2];
    size_t nsubs = 0;
    int ok = 0;

    while (nt < 2 && types[nt]) {
        nt++;
    }
    if (nt == 0) {
        return 0;
    }
    for (i = 0; i < nt; i++) {
        const char *dash = strchr(types[i], '-');
        size_t bl = dash ? (size_t)(dash - types[i]) : strlen(types[i]);

        if (strlen(jt) == bl && !strncmp(jt, types[i], bl)) {
            ok = 1;
        }
        if (dash) {
            subs[nsubs++] = dash + 1;
        }
    }
    if (!ok) {
        return type_error(e, fname, a, jt, types, nt);
    }
    if (nsubs == 1) {
        for (i = 0; i < json_array_size(a->v); i++) {
            struct arg el = { json_array_get(a->v, i), NULL };
            if (!elem_matches(el.v, subs[0])) {
                return type_error(e, fname, &el, lv_jmespath_py_type(el.v),
                                  types, nt);
            }
        }
    } else if (nsubs > 1 && json_array_size(a->v) > 0) {
        struct arg first = { json_array_get(a->v, 0), NULL };
        const char *sub = NULL;

        for (i = 0; i < nsubs; i++) {
            if (elem_matches(first.v, subs[i])) {
                sub = subs[i];
                break;
            }
        }
        if (!sub) {
            return type_error(e, fname, &first,
                              lv_jmespath_py_type(first.v), types, nt);
        }
        for (i = 0; i < json_array_size(a->v); i++) {
            struct arg el = { json_array_get(a->v, i), NULL };
            if (!elem_matches(el.v, sub)) {
                return type_error(e, fname, &el, lv_jmespath_py_type(el.v),
                                  types, nt);
            }
        }
    }
    return 0;
}

static json_t *num_value(double d)
{
    return json_real(d);
}

static int f_abs(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    if (json_is_integer(a[0].v) && json_integer_value(a[0].v) != LLONG_MIN) {
        json_int_t v = json_integer_value(a[0].v);
        *out = json_integer(v < 0 ? -v : v);
    } else {
        *out = num_value(fabs(num(a[0].v)));
    }
    return 0;
}

/* Python's sum(): ints stay ints until a float (or an overflow) joins. */
static json_t *py_sum(const json_t *arr)
{
    long long is = 0;
    double ds = 0;
    int real = 0;
    size_t i;

    for (i = 0; i < json_array_size(arr); i++) {
        const json_t *v = json_array_get(arr, i);

        if (!real && json_is_integer(v) &&
            !__builtin_add_overflow(is, json_integer_value(v), &is)) {
            continue;
        }
        if (!real) {
            real = 1;
            ds = (double)is;
            if (json_is_integer(v)) {
                ds += (double)json_integer_value(v);
                continue;
            }
        }
        ds += num(v);
    }
    return real ? json_real(ds) : json_integer(is);
}

static int f_avg(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    json_t *s;

    (void)e;
    (void)n;
    if (json_array_size(a[0].v) == 0) {
        *out = NULL;
        return 0;
    }
    s = py_sum(a[0].v);
    *out = json_real(num(s) / (double)json_array_size(a[0].v));
    json_decref(s);
    return 0;
}

static int f_sum(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    *out = py_sum(a[0].v);
    return 0;
}

static json_t *to_int_or_real(double d)
{
    if (d >= -9.2e18 && d <= 9.2e18) {
        return json_integer((json_int_t)d);
    }
    return json_real(d);
}

static int f_ceil_floor(struct arg *a, json_t **out, int ceil_)
{
    if (json_is_integer(a[0].v)) {
        *out = json_incref(a[0].v);
    } else {
        double d = num(a[0].v);
        *out = to_int_or_real(ceil_ ? ceil(d) : floor(d));
    }
    return 0;
}

static int f_ceil(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_ceil_floor(a, out, 1);
}

static int f_floor(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_ceil_floor(a, out, 0);
}

static int f_contains(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t i;

    (void)n;
    if (json_is_string(a[0].v)) {
        if (a[1].expref || !a[1].v || !json_is_string(a[1].v)) {
            return lv_err_set(e->err, LV_E_VALIDATION, "'in <string>' "
                              "requires string as left operand, not %s",
                              arg_py_type(&a[1]));
        }
        *out = json_boolean(memmem(json_string_value(a[0].v),
                                   json_string_length(a[0].v),
                                   json_string_value(a[1].v),
                                   json_string_length(a[1].v)) != NULL);
        return 0;
    }
    for (i = 0; i < json_array_size(a[0].v); i++) {
        if (!a[1].expref &&
            lv_jmespath_py_eq(json_array_get(a[0].v, i), a[1].v)) {
            *out = json_true();
            return 0;
        }
    }
    *out = json_false();
    return 0;
}

static int f_ends_with(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t l = json_string_length(a[0].v), m = json_string_length(a[1].v);

    (void)e;
    (void)n;
    *out = json_boolean(m <= l && !memcmp(json_string_value(a[0].v) + l - m,
                                          json_string_value(a[1].v), m));
    return 0;
}

static int f_starts_with(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t l = json_string_length(a[0].v), m = json_string_length(a[1].v);

    (void)e;
    (void)n;
    *out = json_boolean(m <= l && !memcmp(json_string_value(a[0].v),
                                          json_string_value(a[1].v), m));
    return 0;
}

static int f_join(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    struct lv_buf b;
    size_t i;

    (void)e;
    (void)n;
    lv_buf_init(&b, SIZE_MAX);
    for (i = 0; i < json_array_size(a[1].v); i++) {
        const json_t *s = json_array_get(a[1].v, i);
        if (i) {
            lv_buf_add(&b, json_string_value(a[0].v),
                       json_string_length(a[0].v));
        }
        lv_buf_add(&b, json_string_value(s), json_string_length(s));
    }
    *out = json_stringn(b.data, b.len);
    lv_buf_release(&b);
    return 0;
}

static int f_keys_values(struct arg *a, json_t **out, int keys)
{
    const char *k;
    json_t *v;
    json_t *r = json_array();

    json_object_foreach(a[0].v, k, v) {
        json_array_append_new(r, keys ? json_string(k) : json_incref(v));
    }
    *out = r;
    return 0;
}

static int f_keys(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_keys_values(a, out, 1);
}

static int f_values(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_keys_values(a, out, 0);
}

static size_t utf8_count(const char *s, size_t n)
{
    size_t i, c = 0;

    for (i = 0; i < n; i++) {
        c += ((unsigned char)s[i] & 0xc0) != 0x80;
    }
    return c;
}

static int f_length(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    if (json_is_string(a[0].v)) {
        *out = json_integer((json_int_t)utf8_count(
            json_string_value(a[0].v), json_string_length(a[0].v)));
    } else if (json_is_array(a[0].v)) {
        *out = json_integer((json_int_t)json_array_size(a[0].v));
    } else {
        *out = json_integer((json_int_t)json_object_size(a[0].v));
    }
    return 0;
}

static int f_map(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    json_t *r = json_array();
    size_t i;

    (void)n;
    for (i = 0; i < json_array_size(a[1].v); i++) {
        json_t *cur = NULL;
        if (lv_jmespath_eval_node(e, a[0].expref,
                                  json_array_get(a[1].v, i), &cur) < 0) {
            json_decref(r);
            return -1;
        }
        json_array_append_new(r, cur ? cur : json_null());
    }
    *out = r;
    return 0;
}

/* max/min over numbers or strings (already type-checked). */
static int f_max_min(struct arg *a, json_t **out, int want)
{
    const json_t *best = NULL;
    size_t i;

    for (i = 0; i < json_array_size(a[0].v); i++) {
        const json_t *v = json_array_get(a[0].v, i);
        if (!best || lv_jmespath_py_cmp(v, best) == want) {
            best = v;
        }
    }
    *out = best ? json_incref((json_t *)best) : NULL;
    return 0;
}

static int f_max(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_max_min(a, out, 1);
}

static int f_min(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    return f_max_min(a, out, -1);
}

/* keyfunc of _create_key_func: the key of one element, type-checked. */
static int key_of(struct ev *e, const char *fname, const struct node *x,
                  const json_t *el, const char *const *allowed, size_t na,
                  json_t **key)
{
    size_t i;
    struct arg k = { NULL, NULL };

    if (lv_jmespath_eval_node(e, x, el, &k.v) < 0) {
        return -1;
    }
    for (i = 0; i < na; i++) {
        if (!strcmp(lv_jmespath_jp_type(k.v), allowed[i])) {
            *key = k.v;
            return 0;
        }
    }
    type_error(e, fname, &k, lv_jmespath_jp_type(k.v), allowed, na);
    json_decref(k.v);
    return -1;
}

static int f_by(struct ev *e, struct arg *a, json_t **out, int want,
                const char *fname)
{
    static const char *const allowed[] = { "number", "string" };
    json_t *best = NULL, *bestkey = NULL;
    size_t i;
    int ret = -1;

    for (i = 0; i < json_array_size(a[0].v); i++) {
        json_t *el = json_array_get(a[0].v, i);
        json_t *key = NULL;
        int c;

        if (key_of(e, fname, a[1].expref, el, allowed, 2, &key) < 0) {
            goto out;
        }
        if (!best) {
            best = el;
            bestkey = key;
            continue;
        }
        c = lv_jmespath_py_cmp(key, bestkey);
        if (c == -2) {
            lv_jmespath_type_error_cmp(e, want > 0 ? ">" : "<", key, bestkey);
            json_decref(key);
            goto out;
        }
        if (c == want) {
            best = el;
            json_decref(bestkey);
            bestkey = key;
        } else {
            json_decref(key);
        }
    }
    *out = best ? json_incref(best) : NULL;
    ret = 0;
out:
    json_decref(bestkey);
    return ret;
}

static int f_max_by(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)n;
    return f_by(e, a, out, 1, "max_by");
}

static int f_min_by(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)n;
    return f_by(e, a, out, -1, "min_by");
}

static int f_merge(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    json_t *r = json_object();
    size_t i;

    for (i = 0; i < n; i++) {
        if (!a[i].v || !json_is_object(a[i].v)) {
            json_decref(r);
            return lv_err_set(e->err, LV_E_VALIDATION, "'%s' object is not "
                              "iterable", arg_py_type(&a[i]));
        }
        json_object_update(r, a[i].v);
    }
    *out = r;
    return 0;
}

static int f_not_null(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t i;

    (void)e;
    for (i = 0; i < n; i++) {
        if (!a[i].expref && !is_none(a[i].v)) {
            *out = json_incref(a[i].v);
            return 0;
        }
    }
    *out = NULL;
    return 0;
}

static int f_reverse(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t i, len;

    (void)e;
    (void)n;
    if (json_is_string(a[0].v)) {
        const char *s = json_string_value(a[0].v);
        char *r;
        size_t j = 0;

        len = json_string_length(a[0].v);
        r = lv_xmalloc(len + 1);
        /* Reverse by code point: copy each sequence to the mirror spot. */
        i = 0;
        while (i < len) {
            size_t k = i + 1;
            while (k < len && ((unsigned char)s[k] & 0xc0) == 0x80) {
                k++;
            }
            memcpy(r + len - j - (k - i), s + i, k - i);
            j += k - i;
            i = k;
        }
        *out = json_stringn(r, len);
        free(r);
        return 0;
    }
    len = json_array_size(a[0].v);
    *out = json_array();
    for (i = len; i > 0; i--) {
        json_array_append(*out, json_array_get(a[0].v, i - 1));
    }
    return 0;
}

struct sort_item {
    json_t *v;
    json_t *key;
    size_t pos;
};

static int sort_cmp(const void *x, const void *y)
{
    const struct sort_item *a = x, *b = y;
    int c = lv_jmespath_py_cmp(a->key, b->key);

    if (c == 0 || c == -2) {
        return a->pos < b->pos ? -1 : a->pos > b->pos;
    }
    return c;
}

static json_t *sorted(struct sort_item *it, size_t n)
{
    json_t *r = json_array();
    size_t i;

    qsort(it, n, sizeof(*it), sort_cmp);
    for (i = 0; i < n; i++) {
        json_array_append(r, it[i].v);
    }
    return r;
}

static int f_sort(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    size_t len = json_array_size(a[0].v), i;
    struct sort_item *it = lv_xcalloc(len + 1, sizeof(*it));

    (void)e;
    (void)n;
    for (i = 0; i < len; i++) {
        it[i].v = it[i].key = json_array_get(a[0].v, i);
        it[i].pos = i;
    }
    *out = sorted(it, len);
    free(it);
    return 0;
}

static int f_sort_by(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    static const char *const allowed[] = { "string", "number" };
    size_t len = json_array_size(a[0].v), i, done = 0;
    struct sort_item *it = NULL;
    json_t *k0 = NULL;
    const char *req;
    int ret = -1;

    (void)n;
    if (len == 0) {
        *out = json_incref(a[0].v);
        return 0;
    }
    if (lv_jmespath_eval_node(e, a[1].expref, json_array_get(a[0].v, 0),
                              &k0) < 0) {
        return -1;
    }
    req = lv_jmespath_jp_type(k0);
    json_decref(k0);
    if (strcmp(req, "number") && strcmp(req, "string")) {
        struct arg first = { json_array_get(a[0].v, 0), NULL };
        return type_error(e, "sort_by", &first, req, allowed, 2);
    }
    it = lv_xcalloc(len, sizeof(*it));
    for (i = 0; i < len; i++) {
        it[i].v = json_array_get(a[0].v, i);
        it[i].pos = i;
        if (key_of(e, "sort_by", a[1].expref, it[i].v, &req, 1,
                   &it[i].key) < 0) {
            goto out;
        }
        done++;
    }
    *out = sorted(it, len);
    ret = 0;
out:
    for (i = 0; i < done; i++) {
        json_decref(it[i].key);
    }
    free(it);
    return ret;
}

static int f_to_array(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    if (a[0].v && json_is_array(a[0].v)) {
        *out = json_incref(a[0].v);
    } else {
        *out = json_array();
        json_array_append_new(*out, a[0].v ? json_incref(a[0].v)
                                           : json_null());
    }
    return 0;
}

static int f_to_string(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    struct lv_buf b;

    (void)e;
    (void)n;
    if (a[0].v && json_is_string(a[0].v)) {
        *out = json_incref(a[0].v);
        return 0;
    }
    lv_buf_init(&b, SIZE_MAX);
    if (a[0].expref) {
        lv_buf_adds(&b, "\"<jmespath.visitor._Expression object>\"");
    } else {
        lv_output_py_json(&b, a[0].v, -1, 1);
    }
    *out = json_stringn(b.data, b.len);
    lv_buf_release(&b);
    return 0;
}

/* Python's int(s) then float(s) on a string; NULL when neither parses. */
static json_t *py_number(const char *s)
{
    struct lv_buf d;
    const char *p = s, *end;
    json_t *r = NULL;
    char *ep;
    int digits = 0, prev_us = 0, ok = 1;

    while (*p == ' ' || (*p >= '\t' && *p <= '\r')) {
        p++;
    }
    end = p + strlen(p);
    while (end > p && (end[-1] == ' ' || (end[-1] >= '\t' &&
                                          end[-1] <= '\r'))) {
        end--;
    }
    lv_buf_init(&d, SIZE_MAX);
    /* int(): [sign] digits with single underscores between them. */
    {
        const char *q = p;

        if (q < end && (*q == '+' || *q == '-')) {
            lv_buf_addc(&d, *q);
            q++;
        }
        for (; q < end; q++) {
            if (is_digit(*q)) {
                lv_buf_addc(&d, *q);
                digits++;
                prev_us = 0;
            } else if (*q == '_' && digits && !prev_us) {
                prev_us = 1;
            } else {
                ok = 0;
                break;
            }
        }
        if (ok && digits && !prev_us) {
            long long v;
            errno = 0;
            v = strtoll(d.data, &ep, 10);
            r = errno ? json_real(strtod(d.data, NULL)) : json_integer(v);
            goto out;
        }
    }
    /* float(): decimal forms only (strtod also takes hex, nan, inf). */
    lv_buf_reset(&d);
    {
        const char *q;
        int us_ok = 1;

        for (q = p; q < end; q++) {
            if (*q == '_') {
                if (q == p || q + 1 == end || !is_digit(q[-1]) ||
                    !is_digit(q[1])) {
                    us_ok = 0;
                    break;
                }
                continue;
            }
            if (!is_digit(*q) && !strchr("+-.eE", *q)) {
                us_ok = 0;
                break;
            }
            lv_buf_addc(&d, *q);
        }
        if (us_ok && d.len > 0) {
            double v = strtod(d.data, &ep);
            if (*ep == '\0' && ep != d.data && isfinite(v)) {
                r = json_real(v);
            }
        }
    }
out:
    lv_buf_release(&d);
    return r;
}

static int f_to_number(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    *out = NULL;
    if (a[0].expref || is_none(a[0].v)) {
        return 0;
    }
    if (json_is_number(a[0].v)) {
        *out = json_incref(a[0].v);
    } else if (json_is_string(a[0].v)) {
        *out = py_number(json_string_value(a[0].v));
    }
    return 0;
}

static int f_type(struct ev *e, struct arg *a, size_t n, json_t **out)
{
    (void)e;
    (void)n;
    *out = json_string(arg_jp_type(&a[0]));
    return 0;
}

#define T1(a) { { a, NULL }, { NULL, NULL } }
#define T2(a, b) { { a, NULL }, { b, NULL } }
#define TA(a, b) { { a, b }, { NULL, NULL } }

/* Signatures as jmespath/functions.py declares them. */
static const struct fn functions[] = {
    { "abs", f_abs, 1, 0, T1("number") },
    { "avg", f_avg, 1, 0, T1("array-number") },
    { "ceil", f_ceil, 1, 0, T1("number") },
    { "contains", f_contains, 2, 0, { { "array", "string" }, { NULL } } },
    { "ends_with", f_ends_with, 2, 0, T2("string", "string") },
    { "floor", f_floor, 1, 0, T1("number") },
    { "join", f_join, 2, 0, T2("string", "array-string") },
    { "keys", f_keys, 1, 0, T1("object") },
    { "length", f_length, 1, 0, { { "string", "array" }, { NULL } } },
    { "map", f_map, 2, 0, T2("expref", "array") },
    { "max", f_max, 1, 0, TA("array-number", "array-string") },
    { "max_by", f_max_by, 2, 0, T2("array", "expref") },
    { "merge", f_merge, 1, 1, T1("object") },
    { "min", f_min, 1, 0, TA("array-number", "array-string") },
    { "min_by", f_min_by, 2, 0, T2("array", "expref") },
    { "not_null", f_not_null, 1, 1, { { NULL } } },
    { "reverse", f_reverse, 1, 0, TA("array", "string") },
    { "sort", f_sort, 1, 0, TA("array-string", "array-number") },
    { "sort_by", f_sort_by, 2, 0, T2("array", "expref") },
    { "starts_with", f_starts_with, 2, 0, T2("string", "string") },
    { "sum", f_sum, 1, 0, T1("array-number") },
    { "to_array", f_to_array, 1, 0, { { NULL } } },
    { "to_number", f_to_number, 1, 0, { { NULL } } },
    { "to_string", f_to_string, 1, 0, { { NULL } } },
    { "type", f_type, 1, 0, { { NULL } } },
    { "values", f_values, 1, 0, T1("object") },
};

/* length takes three types; the table has room for two. */
static const char *const length_types[] = { "string", "array", "object" };

static int check_length(struct ev *e, const struct arg *a)
{
    const char *t = arg_jp_type(a);

    if (strcmp(t, "string") && strcmp(t, "array") && strcmp(t, "object")) {
        return type_error(e, "length", a, t, length_types, 3);
    }
    return 0;
}

int lv_jmespath_call(struct ev *e, const struct node *n, const json_t *in,
                     json_t **out)
{
    const struct fn *f = NULL;
    struct arg *args = lv_xcalloc(n->n + 1, sizeof(*args));
    size_t i, nsig;
    int ret = -1;

    for (i = 0; i < n->n; i++) {
        if (n->kids[i]->type == N_EXPREF) {
            args[i].expref = n->kids[i]->kids[0];
        } else if (lv_jmespath_eval_node(e, n->kids[i], in, &args[i].v) < 0) {
            goto out;
        }
    }
    for (i = 0; i < sizeof(functions) / sizeof(functions[0]); i++) {
        if (!strcmp(functions[i].name, n->name)) {
            f = &functions[i];
            break;
        }
    }
    if (!f) {
        lv_err_set(e->err, LV_E_VALIDATION, "Unknown function: %s()",
                   n->name);
        goto out;
    }
    nsig = (size_t)f->nargs;
    if (f->variadic ? n->n < nsig : n->n != nsig) {
        lv_err_set(e->err, LV_E_VALIDATION, "Expected %s%zu argument%s for "
                   "function %s(), received %zu",
                   f->variadic ? "at least " : "", nsig,
                   nsig == 1 ? "" : "s", f->name, n->n);
        goto out;
    }
    for (i = 0; i < nsig; i++) {
        if (f->impl == f_length) {
            if (check_length(e, &args[i]) < 0) {
                goto out;
            }
        } else if (check_arg(e, f->name, &args[i], f->types[i]) < 0) {
            goto out;
        }
    }
    ret = f->impl(e, args, n->n, out);
out:
    for (i = 0; i < n->n; i++) {
        json_decref(args[i].v);
    }
    free(args);
    return ret;
}
