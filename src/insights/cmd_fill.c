/*
 * cmd_fill: fillmissing (CWL_QuerySyntax-Fillmissing) — "insert rows for
 * empty time bins after stats ... by bin()", each inserted row with the
 * constants of `with value for field`, as a block (iq.h): it holds the
 * rows of the stats, then hands them on with the missing ones.
 *
 * Which bins are missing (the page does not say over what range): those
 * between the earliest and the latest bin of the rows, stepped by the
 * bin's period (parse.c found it in the stats before, c->n ms; bins of
 * calendar months, quarters and years are refused there), for each
 * combination of the stats' other by values (c->by) that the rows have —
 * so every series has every bin of the range, and nothing is invented
 * outside the data. An inserted row has the bin (c->str), the other by
 * values of its series, and the constants; the aggregations are absent.
 *
 * Order: by bin, newest first, as stats.c orders time values; the rows of
 * one bin in the order their series first came. Rows without a time in
 * the bin column (none come from stats) go last, as they came.
 *
 * Bounds: the held rows count toward max_bytes (LimitExceededException
 * past it); a fill that would make more than LV_IQ_FILL_MAX rows fails
 * the query the same way rather than building them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* The most rows fillmissing hands on (the most a query returns: the limit
 * page's "up to 10,000" default is raised to 100,000 by limit). */
#define LV_IQ_FILL_MAX 100000

struct frow {
    struct lv_iq_row *row;
    int has_bin;
    int64_t bin;
    size_t series;
    size_t seq;
};

struct series {
    char *key;
    size_t len;
    struct lv_iq_row *first;    /* borrowed: its other by values */
};

struct fill {
    struct lv_iq_block b;
    const struct lv_iq_cmd *c;
    const struct lv_iq_ctx *cx;
    size_t max_bytes;
    struct frow *rows;
    size_t n, cap;
    struct series *ser;
    size_t n_ser;
    size_t bytes;
};

/* The series key of r: its values of the other by fields. */
static size_t series_of(struct fill *f, struct lv_iq_row *r)
{
    struct lv_buf key = LV_BUF_INIT(SIZE_MAX);
    size_t i;

    for (i = 0; i < f->c->n_by; i++) {
        struct lv_iq_val v;
        size_t at = key.len;

        lv_iq_row_get(r, f->c->by[i].name, strlen(f->c->by[i].name), &v);
        lv_buf_addf(&key, "%d:", (int)v.t);
        lv_iq_val_text(&v, &key);
        lv_buf_addf(&key, "/%zu;", key.len - at);
    }
    for (i = 0; i < f->n_ser; i++) {
        if (f->ser[i].len == key.len &&
            memcmp(f->ser[i].key, key.data, key.len) == 0) {
            lv_buf_release(&key);
            return i;
        }
    }
    f->ser = lv_xrealloc(f->ser, (f->n_ser + 1) * sizeof(*f->ser));
    f->ser[f->n_ser].len = key.len;
    f->ser[f->n_ser].key = lv_buf_detach(&key, NULL);
    f->ser[f->n_ser].first = r;
    f->bytes += sizeof(*f->ser) + f->ser[f->n_ser].len + 1;
    return f->n_ser++;
}

static void keep_row(struct fill *f, struct lv_iq_row *r, int has_bin,
                     int64_t bin, size_t series)
{
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 64;
        f->rows = lv_xrealloc(f->rows, f->cap * sizeof(*f->rows));
    }
    f->rows[f->n].row = r;
    f->rows[f->n].has_bin = has_bin;
    f->rows[f->n].bin = bin;
    f->rows[f->n].series = series;
    f->rows[f->n].seq = f->n;
    f->n++;
    f->bytes += lv_iq_row_bytes(r) + sizeof(struct frow);
}

static int fill_add(struct lv_iq_block *b, struct lv_iq_row *r,
                    struct lv_err *err)
{
    struct fill *f = (struct fill *)b;
    struct lv_iq_row *copy = lv_iq_row_clone(r);
    struct lv_iq_val v;

    lv_iq_row_own(copy);
    lv_iq_row_get(copy, f->c->str, strlen(f->c->str), &v);
    keep_row(f, copy, v.t == LV_IQ_TIME, v.t == LV_IQ_TIME ?
             (int64_t)v.num : 0, v.t == LV_IQ_TIME ? series_of(f, copy) : 0);
    if (f->max_bytes && f->bytes > f->max_bytes) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Query exceeded the memory limit of %zu bytes in "
                          "fillmissing", f->max_bytes);
    }
    return 0;
}

static int cmp_frow(const void *a, const void *b)
{
    const struct frow *x = a, *y = b;

    if (x->has_bin != y->has_bin) {
        return x->has_bin ? -1 : 1;
    }
    if (x->has_bin && x->bin != y->bin) {
        return x->bin > y->bin ? -1 : 1;    /* newest first */
    }
    if (x->has_bin && x->series != y->series) {
        return x->series < y->series ? -1 : 1;
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int cmp_bin(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return x < y ? -1 : x > y;
}

/* The row of series s at bin t, with the constants. */
static struct lv_iq_row *made_row(struct fill *f, size_t s, int64_t t)
{
    struct lv_iq_row *r = lv_iq_row_new(NULL);
    struct lv_iq_val v;

    memset(&v, 0, sizeof(v));
    v.t = LV_IQ_TIME;
    v.num = (double)t;
    lv_iq_row_set(r, f->c->str, &v);
    for (size_t i = 0; i < f->c->n_by; i++) {
        const char *name = f->c->by[i].name;

        lv_iq_row_get(f->ser[s].first, name, strlen(name), &v);
        if (v.t != LV_IQ_NULL) {
            lv_iq_row_set(r, name, &v);
        }
    }
    for (size_t i = 0; i < f->c->n_items; i++) {
        lv_iq_eval(f->c->items[i].e, r, f->cx, &v);
        lv_iq_row_set(r, f->c->items[i].name, &v);
    }
    return r;
}

static int fill_end(struct lv_iq_block *b, lv_iq_row_sink *sink, void *arg,
                    struct lv_err *err)
{
    struct fill *f = (struct fill *)b;
    int64_t lo = INT64_MAX, hi = INT64_MIN, step = f->c->n;
    size_t n_real = f->n, i;
    int rc = 0;

    for (i = 0; i < n_real; i++) {
        if (f->rows[i].has_bin) {
            lo = f->rows[i].bin < lo ? f->rows[i].bin : lo;
            hi = f->rows[i].bin > hi ? f->rows[i].bin : hi;
        }
    }
    if (lo <= hi && step > 0) {
        uint64_t per = (uint64_t)(hi - lo) / (uint64_t)step + 1;

        if (per > LV_IQ_FILL_MAX || per * f->n_ser > LV_IQ_FILL_MAX) {
            return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                              "fillmissing would make more than %d rows",
                              LV_IQ_FILL_MAX);
        }
        for (size_t s = 0; s < f->n_ser; s++) {
            int64_t *have = lv_xcalloc(n_real + 1, sizeof(*have));
            size_t nh = 0, k = 0;

            for (i = 0; i < n_real; i++) {
                if (f->rows[i].has_bin && f->rows[i].series == s) {
                    have[nh++] = f->rows[i].bin;
                }
            }
            qsort(have, nh, sizeof(*have), cmp_bin);
            for (int64_t t = lo; t <= hi; t += step) {
                while (k < nh && have[k] < t) {
                    k++;
                }
                if (k < nh && have[k] == t) {
                    continue;
                }
                keep_row(f, made_row(f, s, t), 1, t, s);
            }
            free(have);
        }
    }
    qsort(f->rows, f->n, sizeof(*f->rows), cmp_frow);
    for (i = 0; i < f->n; i++) {
        struct lv_iq_row *r = f->rows[i].row;

        f->rows[i].row = NULL;
        if (rc == 0) {
            rc = sink(arg, r, err);
        } else {
            lv_iq_row_free(r);
        }
    }
    f->n = 0;
    f->bytes = 0;
    return rc;
}

static size_t fill_bytes(const struct lv_iq_block *b)
{
    return ((const struct fill *)b)->bytes;
}

static void fill_free(struct lv_iq_block *b)
{
    struct fill *f = (struct fill *)b;

    for (size_t i = 0; i < f->n; i++) {
        lv_iq_row_free(f->rows[i].row);
    }
    free(f->rows);
    for (size_t i = 0; i < f->n_ser; i++) {
        free(f->ser[i].key);
    }
    free(f->ser);
    free(f);
}

static const struct lv_iq_block_vt fill_vt = {
    fill_add, fill_end, fill_bytes, fill_free,
};

struct lv_iq_block *lv_iq_fillmissing_new(const struct lv_iq_cmd *c,
                                          const struct lv_iq_ctx *cx,
                                          size_t max_bytes)
{
    struct fill *f = lv_xcalloc(1, sizeof(*f));

    f->b.vt = &fill_vt;
    f->c = c;
    f->cx = cx;
    f->max_bytes = max_bytes;
    return &f->b;
}
