/*
 * cmd_join: the join command (r8/iqsub; CWL_QuerySyntax-Join) — each row
 * of the query (the left, primary source) with the rows of its sub-query
 * (the right, secondary source) whose key has the same value.
 *
 * A joined row is made anew: every field of the left row as
 * <left alias>.<name> (set, system and discovered fields, as a row with
 * no fields command lists them), then every field of the right row as
 * <right alias>.<name>. The page names joined fields only through the
 * aliases (api.requestId, lambda.duration), so the bare names are not
 * kept: strictest, one name per value.
 *   type=inner (the default): one row per matching pair; a left row
 *     without a match (or without the key) is dropped;
 *   type=left: a left row without a match is kept with its left fields
 *     only.
 * Several matches give several rows, in the right side's order. Keys
 * compare as text (sub.c). @ptr is not carried from either side: a
 * joined row is no one log record (GetLogRecord takes the @ptr the Logs
 * service signs, and it signs only a row's own @ptr).
 */
#include <stdlib.h>
#include <string.h>

#include "insights/iq.h"
#include "util/buf.h"
#include "util/mem.h"

struct copy_arg {
    struct lv_iq_row *to;
    const char *alias;
    struct lv_buf name;
};

static int copy_field(void *arg, const char *name, const struct lv_iq_val *v)
{
    struct copy_arg *ca = arg;

    if (strcmp(name, "@ptr") == 0) {
        return 0;       /* a row of two events has no one record */
    }

    lv_buf_reset(&ca->name);
    lv_buf_addf(&ca->name, "%s.%s", ca->alias, name);
    lv_iq_row_set(ca->to, ca->name.data, v);
    return 0;
}

static struct lv_iq_row *joined(const struct lv_iq_subcmd *sc,
                                struct lv_iq_row *left,
                                const struct lv_iq_result_row *right)
{
    struct copy_arg ca = { lv_iq_row_new(NULL), sc->lalias,
                           LV_BUF_INIT(SIZE_MAX) };

    lv_iq_row_each(left, copy_field, &ca);
    ca.alias = sc->ralias;
    for (size_t j = 0; right && j < right->n; j++) {
        struct lv_iq_val v = { .t = LV_IQ_STR,
                               .s = right->f[j].value,
                               .len = strlen(right->f[j].value) };
        copy_field(&ca, right->f[j].name, &v);
    }
    lv_buf_release(&ca.name);
    return ca.to;
}

int lv_iq_join_apply(const struct lv_iq_cmd *c, const struct lv_iq_ctx *cx,
                     struct lv_iq_row *r, lv_iq_row_sink *sink, void *arg,
                     struct lv_err *err)
{
    const struct lv_iq_subcmd *sc = &c->sub;
    const struct lv_iq_subres *s = &cx->subs[sc->idx];
    struct lv_buf key = LV_BUF_INIT(SIZE_MAX);
    struct lv_iq_val v;
    size_t row1 = 0;
    int rc = 0;

    lv_iq_row_get(r, sc->lkey, strlen(sc->lkey), &v);
    if (v.t != LV_IQ_NULL) {
        lv_iq_val_text(&v, &key);
        row1 = lv_iq_subres_find(s, key.data, key.len);
    }
    if (!row1 && sc->left_join) {
        rc = sink(arg, joined(sc, r, NULL), err);
    }
    for (; row1 && rc == 0; row1 = lv_iq_subres_next(s, row1)) {
        rc = sink(arg, joined(sc, r, &s->res.rows[row1 - 1]), err);
    }
    lv_buf_release(&key);
    lv_iq_row_free(r);
    return rc;
}
