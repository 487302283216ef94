/*
 * cmd_outlier: the `outlier` command (CWL_QuerySyntax-Outlier): "detect
 * statistical outliers in numeric fields based on the interquartile range
 * (IQR). You can remove or clamp outlier rows." As a block (iq.h): it
 * holds the rows, then hands them on in the order they came.
 *
 * For each field named, over the rows where its value is a number (or a
 * numeric string; other rows are left alone):
 *  - Q1 and Q3 are the 25th and 75th percentiles, interpolated linearly
 *    between the sorted values (value at rank (n-1)·p), IQR = Q3 - Q1;
 *  - the upper bound is Q3 + param·IQR, the lower bound Q1 - param·IQR
 *    (param: "The IQR multiplier. Default: 2.5");
 *  - a value above the upper bound is an outlier, and one below the lower
 *    bound too when uselower=true ("Whether to detect lower-bound
 *    outliers. Default: false").
 * action=remove drops a row where any of the fields is an outlier;
 * action=transform (the default) sets each outlying value to the bound it
 * crossed ("clamps to boundary"). mark=true adds to every row the boolean
 * field @isOutlier (the page does not name it): 1 when one of the row's
 * values was an outlier (and clamped), else 0 — so after action=remove it
 * is 0 on every row that is left.
 *
 * The page's example, `outlier action=remove param=3.0 uselower=true
 * mark=true cpu memory`, drops the rows whose cpu or memory lies outside
 * [Q1 - 3·IQR, Q3 + 3·IQR] of its field.
 *
 * Bounds: the held rows and the values count toward max_bytes
 * (LimitExceededException past it).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "util/err.h"
#include "util/mem.h"

struct outlier {
    struct lv_iq_block b;
    const struct lv_iq_cmd *c;
    size_t max_bytes;
    struct lv_iq_row **rows;
    size_t n, cap;
    size_t bytes;
};

static int outlier_add(struct lv_iq_block *b, struct lv_iq_row *r,
                       struct lv_err *err)
{
    struct outlier *o = (struct outlier *)b;
    struct lv_iq_row *copy = lv_iq_row_clone(r);

    lv_iq_row_own(copy);
    if (o->n == o->cap) {
        o->cap = o->cap ? o->cap * 2 : 64;
        o->rows = lv_xrealloc(o->rows, o->cap * sizeof(*o->rows));
    }
    o->rows[o->n++] = copy;
    o->bytes += lv_iq_row_bytes(copy) + sizeof(copy) +
                o->c->n_items * sizeof(double);
    if (o->max_bytes && o->bytes > o->max_bytes) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Query exceeded the memory limit of %zu bytes in "
                          "outlier", o->max_bytes);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* The p-quantile of sorted x[0..n), interpolated at rank (n-1)·p. */
static double quantile(const double *x, size_t n, double p)
{
    double h = (double)(n - 1) * p;
    size_t lo = (size_t)floor(h);

    if (lo + 1 >= n) {
        return x[n - 1];
    }
    return x[lo] + (h - (double)lo) * (x[lo + 1] - x[lo]);
}

/* The number field `it` holds in r: 1 and *x, or 0. */
static int value_of(struct lv_iq_row *r, const struct lv_iq_item *it,
                    double *x)
{
    struct lv_iq_val v;
    int ok = 0;

    lv_iq_row_get(r, it->name, strlen(it->name), &v);
    if (v.t == LV_IQ_NULL || v.t == LV_IQ_JSON) {
        return 0;
    }
    *x = lv_iq_val_num(&v, &ok);
    return ok && isfinite(*x);
}

static int outlier_end(struct lv_iq_block *b, lv_iq_row_sink *sink,
                       void *arg, struct lv_err *err)
{
    struct outlier *o = (struct outlier *)b;
    const struct lv_iq_cmd *c = o->c;
    double param = c->expr ? c->expr->num : 2.5;
    double *lo = lv_xcalloc(c->n_items + 1, sizeof(*lo));
    double *hi = lv_xcalloc(c->n_items + 1, sizeof(*hi));
    double *xs = lv_xcalloc(o->n + 1, sizeof(*xs));
    int *has = lv_xcalloc(c->n_items + 1, sizeof(*has));
    int rc = 0;
    size_t i, f;

    for (f = 0; f < c->n_items; f++) {
        size_t m = 0;
        double q1, q3;

        for (i = 0; i < o->n; i++) {
            if (value_of(o->rows[i], &c->items[f], &xs[m])) {
                m++;
            }
        }
        if (m == 0) {
            continue;
        }
        qsort(xs, m, sizeof(*xs), cmp_double);
        q1 = quantile(xs, m, 0.25);
        q3 = quantile(xs, m, 0.75);
        has[f] = 1;
        hi[f] = q3 + param * (q3 - q1);
        lo[f] = (c->n & LV_IQ_OUTLIER_LOWER) ? q1 - param * (q3 - q1)
                                             : -INFINITY;
    }
    for (i = 0; i < o->n; i++) {
        struct lv_iq_row *r = o->rows[i];
        struct lv_iq_val v;
        int out = 0;

        o->rows[i] = NULL;
        for (f = 0; f < c->n_items; f++) {
            double x;

            if (!has[f] || !value_of(r, &c->items[f], &x) ||
                (x <= hi[f] && x >= lo[f])) {
                continue;
            }
            out = 1;
            if (!(c->n & LV_IQ_OUTLIER_REMOVE)) {
                memset(&v, 0, sizeof(v));
                v.t = LV_IQ_NUM;
                v.num = x > hi[f] ? hi[f] : lo[f];
                lv_iq_row_set(r, c->items[f].name, &v);
            }
        }
        if (rc < 0 || (out && (c->n & LV_IQ_OUTLIER_REMOVE))) {
            lv_iq_row_free(r);
            continue;
        }
        if (c->n & LV_IQ_OUTLIER_MARK) {
            memset(&v, 0, sizeof(v));
            v.t = LV_IQ_BOOL;
            v.num = out;
            lv_iq_row_set(r, "@isOutlier", &v);
        }
        rc = sink(arg, r, err);
    }
    o->n = 0;
    o->bytes = 0;
    free(lo);
    free(hi);
    free(xs);
    free(has);
    return rc;
}

static size_t outlier_bytes(const struct lv_iq_block *b)
{
    return ((const struct outlier *)b)->bytes;
}

static void outlier_free(struct lv_iq_block *b)
{
    struct outlier *o = (struct outlier *)b;

    for (size_t i = 0; i < o->n; i++) {
        lv_iq_row_free(o->rows[i]);
    }
    free(o->rows);
    free(o);
}

static const struct lv_iq_block_vt outlier_vt = {
    outlier_add, outlier_end, outlier_bytes, outlier_free,
};

struct lv_iq_block *lv_iq_outlier_new(const struct lv_iq_cmd *c,
                                      const struct lv_iq_ctx *cx,
                                      size_t max_bytes)
{
    struct outlier *o = lv_xcalloc(1, sizeof(*o));

    (void)cx;
    o->b.vt = &outlier_vt;
    o->c = c;
    o->max_bytes = max_bytes;
    return &o->b;
}
