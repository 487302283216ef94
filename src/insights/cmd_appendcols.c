/*
 * cmd_appendcols: the appendcols command (r8/iqsub;
 * CWL_QuerySyntax-Appendcols) — "append a sub-query's columns to the
 * current results by positional row matching".
 *
 * A block (iq.h): it holds the rows that reach it, in the order they
 * come (exec.c puts the default sort before it when nothing ordered
 * them), and at the end gives row i the fields of the sub-query's row i:
 *   override=false (the default): a field the row already has (set,
 *     system or discovered) keeps its value;
 *   override=true: the sub-query's value replaces it.
 * The sub-query's @ptr (a record of another group) is never appended.
 * The sub-query gives at most `max` rows (its limit, parse_sub.c). Rows
 * past the sub-query's last are handed on unchanged; sub-query rows past
 * the query's last are dropped — the page appends columns to the
 * current results and says nothing of adding rows, so none are added.
 */
#include <stdlib.h>
#include <string.h>

#include "insights/exec_int.h"
#include "insights/iq.h"
#include "util/err.h"
#include "util/mem.h"

struct appendcols {
    struct lv_iq_block b;
    const struct lv_iq_cmd *c;
    const struct lv_iq_ctx *cx;
    size_t max_bytes;
    struct lv_iq_row **rows;
    size_t n, cap;
    size_t bytes;
};

static int ac_add(struct lv_iq_block *b, struct lv_iq_row *r,
                  struct lv_err *err)
{
    struct appendcols *a = (struct appendcols *)b;
    struct lv_iq_row *keep;

    keep = lv_iq_row_clone(r);
    lv_iq_row_own(keep);
    if (a->n == a->cap) {
        a->cap = a->cap ? 2 * a->cap : 64;
        a->rows = lv_xrealloc(a->rows, a->cap * sizeof(*a->rows));
    }
    a->rows[a->n++] = keep;
    a->bytes += lv_iq_row_bytes(keep) + sizeof(keep);
    if (a->max_bytes && a->bytes > a->max_bytes) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Query exceeded the memory limit of %zu bytes: "
                          "appendcols holds too many rows",
                          a->max_bytes);
    }
    return 0;
}

static int ac_end(struct lv_iq_block *b, lv_iq_row_sink *sink, void *arg,
                  struct lv_err *err)
{
    struct appendcols *a = (struct appendcols *)b;
    const struct lv_iq_subres *s = &a->cx->subs[a->c->sub.idx];
    int rc = 0;

    for (size_t i = 0; i < a->n; i++) {
        struct lv_iq_row *r = a->rows[i];

        a->rows[i] = NULL;
        for (size_t j = 0; rc == 0 && i < s->res.n && j < s->res.rows[i].n;
             j++) {
            const struct lv_iq_result_field *f = &s->res.rows[i].f[j];
            struct lv_iq_val v = { .t = LV_IQ_STR, .s = f->value,
                                   .len = strlen(f->value) };
            struct lv_iq_val old;

            if (strcmp(f->name, "@ptr") == 0) {
                continue;   /* the row's record is its own */
            }
            lv_iq_row_get(r, f->name, strlen(f->name), &old);
            if (old.t == LV_IQ_NULL || a->c->sub.override) {
                lv_iq_row_set(r, f->name, &v);
            }
        }
        if (rc == 0) {
            rc = sink(arg, r, err);
        } else {
            lv_iq_row_free(r);
        }
    }
    a->n = 0;
    a->bytes = 0;
    return rc;
}

static size_t ac_bytes(const struct lv_iq_block *b)
{
    return ((const struct appendcols *)b)->bytes;
}

static void ac_free(struct lv_iq_block *b)
{
    struct appendcols *a = (struct appendcols *)b;

    for (size_t i = 0; i < a->n; i++) {
        lv_iq_row_free(a->rows[i]);
    }
    free(a->rows);
    free(a);
}

static const struct lv_iq_block_vt ac_vt = {
    ac_add, ac_end, ac_bytes, ac_free,
};

struct lv_iq_block *lv_iq_appendcols_new(const struct lv_iq_cmd *c,
                                         const struct lv_iq_ctx *cx,
                                         size_t max_bytes)
{
    struct appendcols *a = lv_xcalloc(1, sizeof(*a));

    a->b.vt = &ac_vt;
    a->c = c;
    a->cx = cx;
    a->max_bytes = max_bytes;
    return &a->b;
}
