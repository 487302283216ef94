/*
 * cmd_anomaly: the `anomaly` command (CWL_QuerySyntax-Anomaly), after
 * pattern: "first identify log patterns, then detect anomalies within
 * those patterns". As a block (iq.h) over pattern's rows: it holds them,
 * then hands on, in the order they came and with every field they had,
 * the patterns in which it found an anomaly, with three fields added (the
 * page names none; these are this engine's):
 *  - @anomalyType: the kinds found, of the page's five, joined by ", " in
 *    this order: New Pattern, Pattern Frequency, Token Variation,
 *    Numerical Token, HTTP Error Code;
 *  - @anomalyDescription: one sentence per kind, joined by "; ";
 *  - @anomalyPriority: HIGH when the pattern's @severityLabel is ERROR or
 *    an HTTP 5xx code was seen; MEDIUM for a new pattern, a frequency
 *    anomaly or HTTP 4xx codes; else LOW.
 * Patterns without an anomaly are not handed on.
 *
 * The page calls the method machine learning; this one is deterministic
 * statistics over what pattern shows (pattern.c), nothing else:
 *  - The time axis: the windows of @visualization (the smallest of 1s …
 *    1y that cuts the query's range in at most 100), from the earliest to
 *    the latest window in which any of the patterns has events: K
 *    windows, the counts of a pattern 0 where it has none.
 *  - New Pattern ("previously unseen log patterns"): K ≥ 2 and the
 *    pattern's first window lies in the later half of the K (its index >
 *    (K-1)/2).
 *  - Pattern Frequency ("unusual frequencies of specific log patterns"):
 *    K ≥ 3 and a window whose count exceeds m + max(3·1.4826·MAD, 3), m
 *    being the median of the pattern's K counts and MAD their median
 *    absolute deviation (a robust z-score above 3, and at least 3 events
 *    above the usual); the largest such window is described.
 *  - The dynamic tokens (@tokens' enumerations: pattern keeps the first 10
 *    distinct values of each with their counts, so what follows sees
 *    those):
 *    - HTTP Error Code: a dynamic token whose values are all three-digit
 *      numbers from 100 to 599, at least one of them 400 or more, in a
 *      pattern with a static token that holds "http", "status" or "code"
 *      or is an HTTP method (GET, POST, PUT, DELETE, PATCH, HEAD,
 *      OPTIONS), any case.
 *    - Numerical Token: a Number token (not an HTTP code) with at least 4
 *      values counted, one of them outside [Q1 - 3·s, Q3 + 3·s], s =
 *      max(IQR, 1), Q1 and Q3 the values at ranks ⌊(N-1)/4⌋ and
 *      ⌊3(N-1)/4⌋ of the N counted values.
 *    - Token Variation: any other dynamic token with at least 10 values
 *      counted, one value holding from 90% to less than 100% of them: the
 *      rarer values are the unexpected variation.
 *
 * Bounds: the held rows count toward max_bytes (LimitExceeded past it).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "insights/stats_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define MAX_WINDOWS 1000        /* pattern makes at most ~100 a range */

struct arow {
    struct lv_iq_row *row;
    json_t *vis;                /* timeWindowCountMapping, or NULL */
};

struct anomaly {
    struct lv_iq_block b;
    const struct lv_iq_ctx *cx;
    size_t max_bytes;
    struct arow *rows;
    size_t n, cap;
    size_t bytes;
    int64_t first, last;        /* windows with events, any pattern */
    int any;
};

/* The JSON of r's field name, or NULL. */
static json_t *field_json(struct lv_iq_row *r, const char *name)
{
    struct lv_iq_val v;

    lv_iq_row_get(r, name, strlen(name), &v);
    if (v.t != LV_IQ_STR && v.t != LV_IQ_JSON) {
        return NULL;
    }
    return json_loadb(v.s, v.len, 0, NULL);
}

static int anomaly_add(struct lv_iq_block *b, struct lv_iq_row *r,
                       struct lv_err *err)
{
    struct anomaly *a = (struct anomaly *)b;
    struct lv_iq_row *copy = lv_iq_row_clone(r);
    json_t *vis = field_json(copy, "@visualization"), *map = NULL;
    const char *key;
    json_t *val;

    lv_iq_row_own(copy);
    if (vis) {
        map = json_object_get(vis, "timeWindowCountMapping");
        if (json_is_object(map)) {
            json_incref(map);
        } else {
            map = NULL;
        }
        json_decref(vis);
    }
    json_object_foreach(map, key, val) {
        int64_t t = strtoll(key, NULL, 10);

        if (!a->any || t < a->first) {
            a->first = t;
        }
        if (!a->any || t > a->last) {
            a->last = t;
        }
        a->any = 1;
    }
    if (a->n == a->cap) {
        a->cap = a->cap ? a->cap * 2 : 32;
        a->rows = lv_xrealloc(a->rows, a->cap * sizeof(*a->rows));
    }
    a->rows[a->n].row = copy;
    a->rows[a->n++].vis = map;
    a->bytes += lv_iq_row_bytes(copy) * 2 + sizeof(struct arow);
    if (a->max_bytes && a->bytes > a->max_bytes) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Query exceeded the memory limit of %zu bytes in "
                          "anomaly", a->max_bytes);
    }
    return 0;
}

/* What one pattern shows. */
struct found {
    struct lv_buf desc;
    int high, medium;
    unsigned kinds;             /* 1 << enum kind, each named once */
};

enum kind { K_NEW, K_FREQ, K_VAR, K_NUM, K_HTTP };

static void found_add(struct found *f, enum kind k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* @anomalyType's names of the kinds, in its order. */
static const char *const kind_names[] = {
    "New Pattern", "Pattern Frequency", "Token Variation", "Numerical Token",
    "HTTP Error Code",
};

/* A finding of kind k: its sentence (in the order found), and its kind. */
static void found_add(struct found *f, enum kind k, const char *fmt, ...)
{
    va_list ap;
    char line[512];

    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    f->kinds |= 1u << k;
    lv_buf_addf(&f->desc, "%s%s", f->desc.len ? "; " : "", line);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *x, size_t n)
{
    qsort(x, n, sizeof(*x), cmp_double);
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

/* Time t (epoch ms) as results show it, into buf. */
static void time_text(int64_t t, char *buf, size_t cap)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    struct lv_iq_val v;

    memset(&v, 0, sizeof(v));
    v.t = LV_IQ_TIME;
    v.num = (double)t;
    lv_iq_val_text(&v, &b);
    snprintf(buf, cap, "%.*s", (int)b.len, b.data ? b.data : "");
    lv_buf_release(&b);
}

/* New Pattern and Pattern Frequency from the windows. */
static void check_windows(const struct anomaly *a, json_t *map,
                          struct found *f)
{
    int64_t win = lv_iq_pat_window(a->cx);
    size_t k = (size_t)((a->last - a->first) / win) + 1, i, first = k;
    double *c, *dev, m, mad, thr;
    size_t peak = 0;
    const char *key;
    json_t *val;
    char when[64];

    if (!map || !a->any || k > MAX_WINDOWS) {
        return;
    }
    c = lv_xcalloc(k, sizeof(*c));
    dev = lv_xcalloc(k, sizeof(*dev));
    json_object_foreach(map, key, val) {
        int64_t t = strtoll(key, NULL, 10);

        i = (size_t)((t - a->first) / win);
        if (i < k && json_is_integer(val)) {
            c[i] += (double)json_integer_value(val);
            first = i < first ? i : first;
        }
    }
    if (k >= 2 && first < k && (double)first > (double)(k - 1) / 2) {
        time_text(a->first + (int64_t)first * win, when, sizeof(when));
        f->medium = 1;
        found_add(f, K_NEW,
                  "new pattern: first seen in the window from %s, in the "
                  "later half of the query's events", when);
    }
    if (k >= 3) {
        memcpy(dev, c, k * sizeof(*c));
        m = median(dev, k);
        for (i = 0; i < k; i++) {
            dev[i] = fabs(c[i] - m);
        }
        mad = median(dev, k);
        thr = m + fmax(3 * 1.4826 * mad, 3);
        for (i = 1; i < k; i++) {
            peak = c[i] > c[peak] ? i : peak;
        }
        if (c[peak] > thr) {
            time_text(a->first + (int64_t)peak * win, when, sizeof(when));
            f->medium = 1;
            found_add(f, K_FREQ,
                      "pattern frequency: %.0f events in the window from "
                      "%s, usually %g", c[peak], when, m);
        }
    }
    free(c);
    free(dev);
}

/* 1 when the pattern has a static token that makes a 3-digit number an
 * HTTP code: one holding http, status or code, or an HTTP method. */
static int http_context(json_t *tokens)
{
    static const char *const methods[] = { "GET", "POST", "PUT", "DELETE",
                                           "PATCH", "HEAD", "OPTIONS" };
    size_t i;
    json_t *t;

    json_array_foreach(tokens, i, t) {
        const char *s = json_string_value(json_object_get(t, "tokenString"));

        if (!s || json_is_true(json_object_get(t, "isDynamic"))) {
            continue;
        }
        if (strcasestr(s, "http") || strcasestr(s, "status") ||
            strcasestr(s, "code")) {
            return 1;
        }
        for (size_t m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
            if (strcasecmp(s, methods[m]) == 0) {
                return 1;
            }
        }
    }
    return 0;
}

struct tval {
    const char *s;
    double x;
    int64_t n;
    int num;
};

static int cmp_tval(const void *a, const void *b)
{
    const struct tval *x = a, *y = b;

    return x->x < y->x ? -1 : x->x > y->x;
}

/* The value at rank r (0-based) of the values v[0..n) counted. */
static double at_rank(const struct tval *v, size_t n, int64_t r)
{
    for (size_t i = 0; i < n; i++) {
        if (r < v[i].n) {
            return v[i].x;
        }
        r -= v[i].n;
    }
    return n ? v[n - 1].x : 0;
}

static int is_code(const char *s)
{
    return strlen(s) == 3 && s[0] >= '1' && s[0] <= '5' &&
           isdigit((unsigned char)s[1]) && isdigit((unsigned char)s[2]);
}

static void check_token(json_t *tok, int http_ctx, struct found *f)
{
    json_t *en = json_object_get(tok, "enumerations"), *cnt;
    const char *name = json_string_value(json_object_get(tok,
                                                         "inferredTokenName"));
    size_t n = 0, i;
    struct tval *v;
    int64_t total = 0;
    int codes = 1, errors = 0, numeric;
    const char *key;
    struct lv_buf list = LV_BUF_INIT(SIZE_MAX);

    if (!json_is_object(en) || json_object_size(en) == 0) {
        return;
    }
    name = name ? name : "Token";
    v = lv_xcalloc(json_object_size(en), sizeof(*v));
    json_object_foreach(en, key, cnt) {
        char *end = NULL;

        v[n].s = key;
        v[n].n = json_is_integer(cnt) ? json_integer_value(cnt) : 0;
        v[n].x = strtod(key, &end);
        v[n].num = end && end != key && *end == '\0' && isfinite(v[n].x);
        if (!is_code(key)) {
            codes = 0;
        } else if (key[0] >= '4') {
            errors = 1;
        }
        total += v[n].n;
        n++;
    }
    numeric = strncmp(name, "Number", 6) == 0;
    qsort(v, n, sizeof(*v), cmp_tval);
    if (codes && errors && http_ctx) {
        int fives = 0;

        for (i = 0; i < n; i++) {
            if (v[i].s[0] >= '4') {
                lv_buf_addf(&list, "%s%s x%lld", list.len ? ", " : "",
                            v[i].s, (long long)v[i].n);
                fives |= v[i].s[0] == '5';
            }
        }
        f->high |= fives;
        f->medium = 1;
        found_add(f, K_HTTP, "HTTP error codes in <%s>: %.*s",
                  name, (int)list.len, list.data);
    } else if (numeric && total >= 4) {
        double q1 = at_rank(v, n, (total - 1) / 4);
        double q3 = at_rank(v, n, 3 * (total - 1) / 4);
        double s = fmax(q3 - q1, 1), lo = q1 - 3 * s, hi = q3 + 3 * s;

        for (i = 0; i < n; i++) {
            if (v[i].num && (v[i].x < lo || v[i].x > hi)) {
                lv_buf_addf(&list, "%s%s", list.len ? ", " : "", v[i].s);
            }
        }
        if (list.len) {
            found_add(f, K_NUM,
                      "numerical token <%s>: %.*s outside [%g, %g]", name,
                      (int)list.len, list.data, lo, hi);
        }
    } else if (!numeric && total >= 10) {
        size_t top = 0;

        for (i = 1; i < n; i++) {
            top = v[i].n > v[top].n ? i : top;
        }
        if (v[top].n * 10 >= total * 9 && v[top].n < total) {
            for (i = 0; i < n; i++) {
                if (i != top) {
                    lv_buf_addf(&list, "%s%s x%lld", list.len ? ", " : "",
                                v[i].s, (long long)v[i].n);
                }
            }
            found_add(f, K_VAR,
                      "token variation in <%s>: usually %s (%lld of %lld), "
                      "also %.*s", name, v[top].s, (long long)v[top].n,
                      (long long)total, (int)list.len, list.data);
        }
    }
    lv_buf_release(&list);
    free(v);
}

static void set_str(struct lv_iq_row *row, const char *name, const char *s,
                    size_t len)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof(v));
    v.t = LV_IQ_STR;
    v.s = s;
    v.len = len;
    lv_iq_row_set(row, name, &v);
}

static int anomaly_end(struct lv_iq_block *b, lv_iq_row_sink *sink,
                       void *arg, struct lv_err *err)
{
    struct anomaly *a = (struct anomaly *)b;
    int rc = 0;

    for (size_t i = 0; i < a->n; i++) {
        struct lv_iq_row *r = a->rows[i].row;
        json_t *tokens = NULL, *t;
        struct found f;
        struct lv_buf types;
        struct lv_iq_val sev;
        const char *prio;
        size_t j;

        a->rows[i].row = NULL;
        if (rc < 0) {
            lv_iq_row_free(r);
            continue;
        }
        memset(&f, 0, sizeof(f));
        lv_buf_init(&types, SIZE_MAX);
        lv_buf_init(&f.desc, SIZE_MAX);
        check_windows(a, a->rows[i].vis, &f);
        tokens = field_json(r, "@tokens");
        if (json_is_array(tokens)) {
            int ctx = http_context(tokens);

            json_array_foreach(tokens, j, t) {
                if (json_is_true(json_object_get(t, "isDynamic"))) {
                    check_token(t, ctx, &f);
                }
            }
        }
        json_decref(tokens);
        for (j = 0; j < sizeof(kind_names) / sizeof(kind_names[0]); j++) {
            if (f.kinds & (1u << j)) {
                lv_buf_addf(&types, "%s%s", types.len ? ", " : "",
                            kind_names[j]);
            }
        }
        if (types.len == 0) {
            lv_iq_row_free(r);
        } else {
            lv_iq_row_get(r, "@severityLabel", 14, &sev);
            if (sev.t == LV_IQ_STR && sev.len == 5 &&
                memcmp(sev.s, "ERROR", 5) == 0) {
                f.high = 1;
            }
            prio = f.high ? "HIGH" : f.medium ? "MEDIUM" : "LOW";
            set_str(r, "@anomalyType", types.data, types.len);
            set_str(r, "@anomalyDescription", f.desc.data, f.desc.len);
            set_str(r, "@anomalyPriority", prio, strlen(prio));
            rc = sink(arg, r, err);
        }
        lv_buf_release(&types);
        lv_buf_release(&f.desc);
    }
    return rc;
}

static size_t anomaly_bytes(const struct lv_iq_block *b)
{
    return ((const struct anomaly *)b)->bytes;
}

static void anomaly_free(struct lv_iq_block *b)
{
    struct anomaly *a = (struct anomaly *)b;

    for (size_t i = 0; i < a->n; i++) {
        lv_iq_row_free(a->rows[i].row);
        json_decref(a->rows[i].vis);
    }
    free(a->rows);
    free(a);
}

static const struct lv_iq_block_vt anomaly_vt = {
    anomaly_add, anomaly_end, anomaly_bytes, anomaly_free,
};

struct lv_iq_block *lv_iq_anomaly_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_ctx *cx,
                                      size_t max_bytes)
{
    struct anomaly *a = lv_xcalloc(1, sizeof(*a));

    (void)c;
    a->b.vt = &anomaly_vt;
    a->cx = cx;
    a->max_bytes = max_bytes;
    return &a->b;
}
