/*
 * result: the rows of a finished run as GetQueryResults shows them — for
 * each row, its fields in order as {field, value} pairs, values as text
 * (lv_iq_val_text).
 *
 * Which fields (the columns), from the commands after the last stats /
 * pattern / diff (or the whole query when it has none):
 *  - the last `display`, when there is one: its fields;
 *  - else every `fields` command's items, in order, each name once,
 *    with the outputs of accum, autoregress, addtotals and sessionize
 *    among them;
 *  - else every field of the row (lv_iq_row_each: set fields, then
 *    @timestamp, @message, @logStream, @log, @ingestionTime, then the
 *    discovered ones) — for a stats row, what the stats made.
 * A field the row has no value for is left out of that row, as
 * GetQueryResults lists only the fields a result has. A row that comes
 * from an event always ends with @ptr (the pointer GetLogRecord takes),
 * as every recorded GetQueryResults output of event rows shows it; rows
 * that stats makes have none.
 */
#include <string.h>

#include "insights/exec_int.h"
#include "insights/insights.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/mem.h"

struct col {
    const struct lv_iq_item *it;
    int display;            /* from display: evaluated; from fields: set */
};

struct row_build {
    struct lv_iq_result_row *out;
    size_t cap;
};

static void add_field(struct row_build *b, const char *name,
                      const struct lv_iq_val *v)
{
    struct lv_buf t = LV_BUF_INIT(SIZE_MAX);

    if (v->t == LV_IQ_NULL) {
        return;
    }
    for (size_t i = 0; i < b->out->n; i++) {
        if (strcmp(b->out->f[i].name, name) == 0) {
            return;         /* a column named twice shows once */
        }
    }
    if (b->out->n == b->cap) {
        b->cap = b->cap ? b->cap * 2 : 8;
        b->out->f = lv_xrealloc(b->out->f, b->cap * sizeof(*b->out->f));
    }
    lv_iq_val_text(v, &t);
    b->out->f[b->out->n].name = lv_xstrdup(name);
    b->out->f[b->out->n].value = lv_buf_detach(&t, NULL);
    b->out->f[b->out->n].is_ptr = v->is_ptr;
    b->out->n++;
}

static int each_field(void *arg, const char *name, const struct lv_iq_val *v)
{
    add_field(arg, name, v);
    return 0;
}

/* The columns of q: *cols (free()) and how many; -1: every field. */
static long columns(const struct lv_iq_query *q, struct col **cols)
{
    size_t from = 0, n = 0;
    const struct lv_iq_cmd *display = NULL;
    int any_fields = 0;

    *cols = NULL;
    for (size_t i = 0; i < q->n_cmds; i++) {
        enum lv_iq_ck k = q->cmds[i].k;
        if (k == LV_IQ_C_STATS || k == LV_IQ_C_PATTERN || k == LV_IQ_C_DIFF ||
            k == LV_IQ_C_RELEVANTFIELDS || k == LV_IQ_C_LOGCOMPARE) {
            from = i + 1;
        }
    }
    for (size_t i = from; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_DISPLAY) {
            display = &q->cmds[i];
        } else if (q->cmds[i].k == LV_IQ_C_FIELDS) {
            any_fields = 1;
        }
    }
    if (display) {
        *cols = lv_xcalloc(display->n_items + 1, sizeof(**cols));
        for (size_t j = 0; j < display->n_items; j++) {
            (*cols)[n].it = &display->items[j];
            (*cols)[n++].display = 1;
        }
        return (long)n;
    }
    if (!any_fields) {
        return -1;
    }
    for (size_t i = from; i < q->n_cmds; i++) {
        const struct lv_iq_cmd *c = &q->cmds[i];
        /* accum, autoregress, addtotals and sessionize add their outputs
         * as columns after the fields before them (the accum page's `fields
         * @timestamp, bytes | accum bytes AS totalBytes` shows
         * totalBytes). */
        const struct lv_iq_item *its = c->items;
        size_t n_its = c->n_items;

        if (c->k == LV_IQ_C_ADDTOTALS) {
            its = c->by;        /* the total column (row=true) */
            n_its = c->n_by;
        } else if (c->k == LV_IQ_C_OUTLIER || c->k == LV_IQ_C_ANOMALY) {
            its = c->by;        /* outlier's marker column (mark=true),
                                 * anomaly's three */
            n_its = c->n_by;
        } else if (c->k == LV_IQ_C_SESSIONIZE) {
            its = c->items;     /* the session identifier */
            n_its = c->n_items;
        } else if (c->k != LV_IQ_C_FIELDS && c->k != LV_IQ_C_ACCUM &&
                   c->k != LV_IQ_C_AUTOREGRESS) {
            continue;
        }
        *cols = lv_xrealloc(*cols, (n + n_its + 1) * sizeof(**cols));
        for (size_t j = 0; j < n_its; j++) {
            (*cols)[n].it = &its[j];
            (*cols)[n++].display = 0;
        }
    }
    return (long)n;
}

void lv_iq_result_build(const struct lv_iq_query *q,
                        struct lv_iq_row *const *rows, size_t n,
                        const struct lv_iq_ctx *cx,
                        struct lv_iq_result *out)
{
    struct col *cols;
    long ncols = columns(q, &cols);

    memset(out, 0, sizeof(*out));
    out->rows = lv_xcalloc(n + 1, sizeof(*out->rows));
    out->n = n;
    for (size_t i = 0; i < n; i++) {
        struct lv_iq_row *r = rows[i];
        struct row_build b = { &out->rows[i], 0 };
        struct lv_iq_val v;

        if (ncols < 0) {
            lv_iq_row_each(r, each_field, &b);
            continue;   /* row_each ends with @ptr for an event row */
        }
        for (long j = 0; j < ncols; j++) {
            const struct lv_iq_item *it = cols[j].it;
            /* A fields item was set on the row under its name, except
             * a bare field kept as it is (exec.c's do_fields); display
             * items, and those, are evaluated (a dotted name may reach
             * into a map, eval.c). */
            if (!cols[j].display && !(it->e->k == LV_IQ_E_FIELD &&
                                      strcmp(it->e->str, it->name) == 0)) {
                lv_iq_row_get(r, it->name, strlen(it->name), &v);
            } else {
                lv_iq_eval(it->e, r, cx, &v);
            }
            add_field(&b, it->name, &v);
        }
        if (lv_iq_row_event(r)) {
            lv_iq_row_get(r, "@ptr", 4, &v);
            add_field(&b, "@ptr", &v);
        }
    }
    free(cols);
}

void lv_iq_result_release(struct lv_iq_result *res)
{
    if (!res) {
        return;
    }
    for (size_t i = 0; i < res->n; i++) {
        for (size_t j = 0; j < res->rows[i].n; j++) {
            free(res->rows[i].f[j].name);
            free(res->rows[i].f[j].value);
        }
        free(res->rows[i].f);
    }
    free(res->rows);
    memset(res, 0, sizeof(*res));
}

int lv_iq_result_json(const struct lv_iq_result *res, struct lv_buf *out)
{
    int rc = lv_buf_addc(out, '[');

    for (size_t i = 0; i < res->n && rc == 0; i++) {
        const struct lv_iq_result_row *row = &res->rows[i];
        rc = lv_buf_adds(out, i ? ",[" : "[");
        for (size_t j = 0; j < row->n && rc == 0; j++) {
            const struct lv_iq_result_field *f = &row->f[j];
            rc = lv_buf_adds(out, j ? ",{\"field\":\"" : "{\"field\":\"");
            if (rc == 0) {
                rc = lv_buf_add_json_str(out, f->name, strlen(f->name));
            }
            if (rc == 0) {
                rc = lv_buf_adds(out, "\",\"value\":\"");
            }
            if (rc == 0) {
                rc = lv_buf_add_json_str(out, f->value, strlen(f->value));
            }
            if (rc == 0) {
                rc = lv_buf_adds(out, "\"}");
            }
        }
        if (rc == 0) {
            rc = lv_buf_addc(out, ']');
        }
    }
    if (rc == 0) {
        rc = lv_buf_addc(out, ']');
    }
    return rc;
}
