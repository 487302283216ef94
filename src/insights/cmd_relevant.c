/*
 * cmd_relevant: the `relevantfields` command (CWL_QuerySyntax-
 * RelevantFields): "compares the baseline logs against the subset matching
 * your condition, and returns fields ranked by their relevance score". As
 * a block (iq.h): it takes every row, then makes one row per field.
 *
 * The rows where the condition holds are the conditional set, the others
 * the baseline. The fields analysed are those listed, else every field
 * the rows hold except @timestamp, @ingestionTime, @ptr and @message
 * (unique per event, so they tell nothing) and the fields the condition
 * itself reads (they separate the two sets by construction). A field is
 * numerical when each of its values is a number or a numeric string, else
 * categorical. The page calls the method machine learning; this one is
 * plain statistics, deterministic, each score on the page's scale of 0 to
 * 1:
 *  - numerical: the two-sample Kolmogorov–Smirnov statistic, the largest
 *    gap between the fractions of the conditional and of the baseline
 *    values at or below any value — 1 when every conditional value lies
 *    beyond every baseline one, 0 for the same distribution.
 *    @conditionalMedian and @baselineMedian: the medians of the two sets'
 *    values (the mean of the two middle values for an even count).
 *  - categorical: the total variation distance of the two sets' value
 *    frequencies, ½·Σ|p_cond(v) − p_base(v)| (p over the rows of the set
 *    that have the field). @topRelevanceContributors: the (up to) 5 values
 *    whose frequency shifts most, largest shift first (then by value), as
 *    a JSON list of {"value", "conditionalRatio", "baselineRatio"}.
 *    A categorical field whose values mostly differ (more distinct values
 *    than half its rows, or more than 1,000) is an identifier, not a
 *    category: it is left out.
 * A field with no value in one of the two sets cannot be compared and is
 * left out. Rows: @fieldName, @relevanceScore, then the fields of its
 * kind, highest score first (then by name).
 *
 * Bounds: every value kept counts toward max_bytes (LimitExceeded past
 * it); at most LV_IQ_MAX_DISCOVERED + 100 distinct fields are tracked.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define MAX_FIELDS 300
#define MAX_CATEGORIES 1000
#define TOP_CONTRIBUTORS 5

struct rval {
    char *s;                    /* text (categorical) */
    size_t len;
    double x;                   /* number (numerical) */
    int cond;
};

struct rfield {
    char *name;
    struct rval *v;
    size_t n, cap;
    int numeric;                /* every value so far a number */
};

struct relevant {
    struct lv_iq_block b;
    const struct lv_iq_cmd *c;
    const struct lv_iq_ctx *cx;
    size_t max_bytes;
    struct rfield *f;
    size_t nf;
    char **skip;                /* the fields the condition reads */
    size_t n_skip;
    size_t bytes;
    int cond;                   /* the row being added */
};

static struct rfield *field(struct relevant *rv, const char *name)
{
    for (size_t i = 0; i < rv->nf; i++) {
        if (strcmp(rv->f[i].name, name) == 0) {
            return &rv->f[i];
        }
    }
    if (rv->nf == MAX_FIELDS) {
        return NULL;
    }
    rv->f = lv_xrealloc(rv->f, (rv->nf + 1) * sizeof(*rv->f));
    memset(&rv->f[rv->nf], 0, sizeof(*rv->f));
    rv->f[rv->nf].name = lv_xstrdup(name);
    rv->f[rv->nf].numeric = 1;
    rv->bytes += sizeof(*rv->f) + strlen(name) + 1;
    return &rv->f[rv->nf++];
}

static void add_value(struct relevant *rv, const char *name,
                      const struct lv_iq_val *v)
{
    struct rfield *f;
    struct rval *x;
    struct lv_buf t = LV_BUF_INIT(SIZE_MAX);
    int ok = 0;

    if (v->t == LV_IQ_NULL || !(f = field(rv, name))) {
        return;
    }
    if (f->n == f->cap) {
        f->cap = f->cap ? f->cap * 2 : 16;
        f->v = lv_xrealloc(f->v, f->cap * sizeof(*f->v));
    }
    x = &f->v[f->n++];
    memset(x, 0, sizeof(*x));
    x->cond = rv->cond;
    if (v->t != LV_IQ_JSON) {
        x->x = lv_iq_val_num(v, &ok);
    }
    if (!ok || !isfinite(x->x)) {
        f->numeric = 0;
    }
    lv_iq_val_text(v, &t);
    x->s = lv_buf_detach(&t, &x->len);
    rv->bytes += sizeof(*x) + x->len + 1;
}

static int skipped(const struct relevant *rv, const char *name)
{
    static const char *const sys[] = { "@timestamp", "@ingestionTime",
                                       "@ptr", "@message" };

    for (size_t i = 0; i < sizeof(sys) / sizeof(sys[0]); i++) {
        if (strcmp(name, sys[i]) == 0) {
            return 1;
        }
    }
    for (size_t i = 0; i < rv->n_skip; i++) {
        if (strcmp(name, rv->skip[i]) == 0) {
            return 1;
        }
    }
    return 0;
}

static int each_field(void *arg, const char *name, const struct lv_iq_val *v)
{
    struct relevant *rv = arg;

    if (!skipped(rv, name)) {
        add_value(rv, name, v);
    }
    return 0;
}

static int relevant_add(struct lv_iq_block *b, struct lv_iq_row *r,
                        struct lv_err *err)
{
    struct relevant *rv = (struct relevant *)b;
    struct lv_iq_val v;

    lv_iq_eval(rv->c->expr, r, rv->cx, &v);
    rv->cond = lv_iq_val_truthy(&v);
    if (rv->c->n_items) {
        for (size_t i = 0; i < rv->c->n_items; i++) {
            const char *name = rv->c->items[i].name;

            lv_iq_row_get(r, name, strlen(name), &v);
            add_value(rv, name, &v);
        }
    } else {
        lv_iq_row_each(r, each_field, rv);
    }
    if (rv->max_bytes && rv->bytes > rv->max_bytes) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Query exceeded the memory limit of %zu bytes in "
                          "relevantfields", rv->max_bytes);
    }
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(const double *x, size_t n)
{
    return n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
}

static void set_num(struct lv_iq_row *row, const char *name, double x)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof(v));
    v.t = LV_IQ_NUM;
    v.num = x;
    lv_iq_row_set(row, name, &v);
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

/* A numerical field: the KS statistic, and the medians. 0, or -1 when a
 * set has no value. */
static int score_numeric(const struct rfield *f, double *score, double *mc,
                         double *mb)
{
    double *c = lv_xcalloc(f->n + 1, sizeof(*c));
    double *b = lv_xcalloc(f->n + 1, sizeof(*b));
    size_t nc = 0, nb = 0, i = 0, j = 0;
    double d = 0;

    for (size_t k = 0; k < f->n; k++) {
        if (f->v[k].cond) {
            c[nc++] = f->v[k].x;
        } else {
            b[nb++] = f->v[k].x;
        }
    }
    if (nc == 0 || nb == 0) {
        free(c);
        free(b);
        return -1;
    }
    qsort(c, nc, sizeof(*c), cmp_double);
    qsort(b, nb, sizeof(*b), cmp_double);
    while (i < nc || j < nb) {
        double x = j >= nb || (i < nc && c[i] <= b[j]) ? c[i] : b[j];
        double gap;

        while (i < nc && c[i] <= x) {
            i++;
        }
        while (j < nb && b[j] <= x) {
            j++;
        }
        gap = fabs((double)i / (double)nc - (double)j / (double)nb);
        d = gap > d ? gap : d;
    }
    *score = d;
    *mc = median(c, nc);
    *mb = median(b, nb);
    free(c);
    free(b);
    return 0;
}

struct cat {
    const char *s;
    size_t len;
    size_t nc, nb;
    double shift;
};

static int cmp_rval_text(const void *a, const void *b)
{
    const struct rval *x = *(struct rval *const *)a;
    const struct rval *y = *(struct rval *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int d = memcmp(x->s, y->s, n);

    return d ? d : (x->len > y->len) - (x->len < y->len);
}

static int cmp_cat(const void *a, const void *b)
{
    const struct cat *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int d;

    if (fabs(x->shift) != fabs(y->shift)) {
        return fabs(x->shift) > fabs(y->shift) ? -1 : 1;
    }
    d = memcmp(x->s, y->s, n);
    return d ? d : (x->len > y->len) - (x->len < y->len);
}

/* A categorical field: the total variation distance, and the top
 * contributors as JSON into out. 0, or -1 when it is left out. */
static int score_categorical(const struct rfield *f, double *score,
                             struct lv_buf *out)
{
    const struct rval **s = lv_xcalloc(f->n + 1, sizeof(*s));
    struct cat *cats = NULL;
    size_t ncat = 0, nc = 0, nb = 0, i;
    double d = 0;
    struct lv_jw w;
    int ret = -1;

    for (i = 0; i < f->n; i++) {
        s[i] = &f->v[i];
        nc += f->v[i].cond != 0;
    }
    nb = f->n - nc;
    if (nc == 0 || nb == 0) {
        goto out;
    }
    qsort(s, f->n, sizeof(*s), cmp_rval_text);
    for (i = 0; i < f->n; i++) {
        if (i == 0 || cmp_rval_text(&s[i - 1], &s[i]) != 0) {
            if (ncat == MAX_CATEGORIES || 2 * (ncat + 1) > f->n) {
                goto out;       /* an identifier, not a category */
            }
            cats = lv_xrealloc(cats, (ncat + 1) * sizeof(*cats));
            memset(&cats[ncat], 0, sizeof(*cats));
            cats[ncat].s = s[i]->s;
            cats[ncat].len = s[i]->len;
            ncat++;
        }
        if (s[i]->cond) {
            cats[ncat - 1].nc++;
        } else {
            cats[ncat - 1].nb++;
        }
    }
    for (i = 0; i < ncat; i++) {
        cats[i].shift = (double)cats[i].nc / (double)nc -
                        (double)cats[i].nb / (double)nb;
        d += fabs(cats[i].shift);
    }
    *score = d / 2;
    qsort(cats, ncat, sizeof(*cats), cmp_cat);
    lv_jw_init(&w, out);
    lv_jw_arr_open(&w);
    for (i = 0; i < ncat && i < TOP_CONTRIBUTORS; i++) {
        lv_jw_obj_open(&w);
        lv_jw_key(&w, "value");
        lv_jw_strn(&w, cats[i].s, cats[i].len);
        lv_jw_key(&w, "conditionalRatio");
        lv_jw_double(&w, (double)cats[i].nc / (double)nc);
        lv_jw_key(&w, "baselineRatio");
        lv_jw_double(&w, (double)cats[i].nb / (double)nb);
        lv_jw_obj_close(&w);
    }
    lv_jw_arr_close(&w);
    ret = 0;
out:
    free(s);
    free(cats);
    return ret;
}

struct scored {
    struct lv_iq_row *row;
    const char *name;
    double score;
};

static int cmp_scored(const void *a, const void *b)
{
    const struct scored *x = a, *y = b;

    if (x->score != y->score) {
        return x->score > y->score ? -1 : 1;
    }
    return strcmp(x->name, y->name);
}

static int relevant_end(struct lv_iq_block *b, lv_iq_row_sink *sink,
                        void *arg, struct lv_err *err)
{
    struct relevant *rv = (struct relevant *)b;
    struct scored *out = lv_xcalloc(rv->nf + 1, sizeof(*out));
    size_t n = 0, i;
    int rc = 0;

    for (i = 0; i < rv->nf; i++) {
        const struct rfield *f = &rv->f[i];
        struct lv_buf top = LV_BUF_INIT(SIZE_MAX);
        struct lv_iq_row *row;
        double score = 0, mc = 0, mb = 0;

        if (f->numeric ? score_numeric(f, &score, &mc, &mb) < 0
                       : score_categorical(f, &score, &top) < 0) {
            lv_buf_release(&top);
            continue;
        }
        row = lv_iq_row_new(NULL);
        set_str(row, "@fieldName", f->name, strlen(f->name));
        set_num(row, "@relevanceScore", score);
        if (f->numeric) {
            set_num(row, "@conditionalMedian", mc);
            set_num(row, "@baselineMedian", mb);
        } else {
            set_str(row, "@topRelevanceContributors", top.data, top.len);
        }
        lv_buf_release(&top);
        out[n].row = row;
        out[n].name = f->name;
        out[n++].score = score;
    }
    qsort(out, n, sizeof(*out), cmp_scored);
    for (i = 0; i < n; i++) {
        if (rc == 0) {
            rc = sink(arg, out[i].row, err);
        } else {
            lv_iq_row_free(out[i].row);
        }
    }
    free(out);
    return rc;
}

static size_t relevant_bytes(const struct lv_iq_block *b)
{
    return ((const struct relevant *)b)->bytes;
}

static void relevant_free(struct lv_iq_block *b)
{
    struct relevant *rv = (struct relevant *)b;

    for (size_t i = 0; i < rv->nf; i++) {
        for (size_t j = 0; j < rv->f[i].n; j++) {
            free(rv->f[i].v[j].s);
        }
        free(rv->f[i].v);
        free(rv->f[i].name);
    }
    free(rv->f);
    for (size_t i = 0; i < rv->n_skip; i++) {
        free(rv->skip[i]);
    }
    free(rv->skip);
    free(rv);
}

static const struct lv_iq_block_vt relevant_vt = {
    relevant_add, relevant_end, relevant_bytes, relevant_free,
};

/* The fields e reads, into rv->skip. */
static void reads(struct relevant *rv, const struct lv_iq_expr *e)
{
    if (!e) {
        return;
    }
    if (e->k == LV_IQ_E_FIELD) {
        rv->skip = lv_xrealloc(rv->skip, (rv->n_skip + 1) * sizeof(char *));
        rv->skip[rv->n_skip++] = lv_xstrdup(e->str);
    }
    for (size_t i = 0; i < e->nargs; i++) {
        reads(rv, e->args[i]);
    }
}

struct lv_iq_block *lv_iq_relevant_new(const struct lv_iq_cmd *c,
                                       const struct lv_iq_ctx *cx,
                                       size_t max_bytes)
{
    struct relevant *rv = lv_xcalloc(1, sizeof(*rv));

    rv->b.vt = &relevant_vt;
    rv->c = c;
    rv->cx = cx;
    rv->max_bytes = max_bytes;
    reads(rv, c->expr);
    return &rv->b;
}
