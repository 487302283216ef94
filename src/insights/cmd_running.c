/*
 * cmd_running: the commands that carry state from one row to the next —
 * accum, autoregress and filldown (CWL_QuerySyntax-Accum, -Autoregress,
 * -Filldown). exec.c hands them the rows in the order of the run (the
 * default order, @timestamp descending, when no sort or stats came
 * before: exec.c says why), one at a time; each sets fields on the row
 * from what the rows before it held.
 *
 *  accum f [AS out]     a running sum of f: each row whose f is a number
 *                       (or a numeric string) adds it and gets the sum
 *                       so far under out — under f itself without AS,
 *                       as Splunk's accum (which the page follows) sums
 *                       in place. A row without a number in f adds
 *                       nothing and gets no sum: the pages show no
 *                       value for it, and we invent none.
 *  autoregress f [AS a] [p=N[-M]]
 *                       the value f had L rows before, for each lag L in
 *                       N..M (default 1): under f_pL (the page: `p=1-4`
 *                       makes bytes_p1 … bytes_p4), under a for one lag
 *                       with AS, a_pL for a range with AS. The first L
 *                       rows, and a row whose L-th predecessor had no f,
 *                       get no value.
 *  filldown [f …]       a field a row does not have takes the last
 *                       non-null value an earlier row had for it; the
 *                       fields named, or matching a pattern with '*'
 *                       (`cpu*`), or every field when none is named.
 *  addtotals [fieldname=N] [row=b] [col=b] [f, …]
 *                       row=true (default): the sum of the row's numeric
 *                       values of the fields named under N (default
 *                       Total); without a list, of the columns the rows
 *                       show there (the items of the fields commands
 *                       before it: the page's `fields a, b | addtotals`
 *                       sums a and b), or with no fields command every
 *                       field the row has — in both cases those whose
 *                       value is a number or a numeric string, except
 *                       the @ fields (@timestamp, @logStream …: system
 *                       fields, as Splunk's addtotals leaves out its
 *                       internal _ fields) and N itself. A row with
 *                       no such value gets no total. col=true: after the
 *                       last row, one summary row with the sum of each
 *                       of those fields over every row (and of N when
 *                       row totals are on), in order of first sight.
 *
 *  sessionize f, … [maxspan d] [AS out]
 *                       rows of the same values of the identity fields
 *                       belong to one session while the time between
 *                       one row's @timestamp and the previous row's of
 *                       that identity is at most d (default 30m); a
 *                       longer gap starts a new session. The page does
 *                       not say what the identifier looks like: ours is
 *                       a number, 1 for the first session the run meets,
 *                       2 for the next, … (in the default order, the
 *                       newest session is 1). A row without an identity
 *                       field or a @timestamp gets none.
 *
 * Memory: accum holds a number; autoregress the last M values (copies);
 * filldown the last value of each field it fills (copies) — all counted
 * by lv_iq_running_bytes, which exec.c adds to the run's bound.
 */
#include <stdint.h>
#include <string.h>

#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct slot {
    char *name;                 /* filldown: the field */
    struct lv_iq_val v;         /* a copy (lv_iq_val_dup) */
};

/* sessionize: an identity's session so far (open addressing). */
struct sess {
    char *key;                  /* NULL: empty slot */
    size_t len;
    uint64_t h;
    double last;                /* @timestamp of its last row (ms) */
    double id;
};

struct lv_iq_running {
    const struct lv_iq_cmd *c;
    /* accum */
    double sum;
    /* autoregress: ring[seen % depth] is the value of row `seen`;
     * filldown: the fields seen, in the order first seen */
    struct slot *slots;
    size_t n_slots, cap_slots;
    size_t depth;
    uint64_t seen;
    int wild;                   /* filldown: patterns or every field */
    double row_sum;             /* addtotals: the row being summed */
    int row_any;
    const struct lv_iq_item **cols;     /* addtotals: lv_iq_running_columns */
    size_t n_cols;
    struct sess *sess;          /* sessionize */
    size_t n_sess, cap_sess;
    double sessions;
    size_t bytes;
};

static size_t val_bytes(const struct lv_iq_val *v)
{
    return v->t == LV_IQ_STR || v->t == LV_IQ_JSON ? v->len + 1 : 0;
}

struct lv_iq_running *lv_iq_running_new(const struct lv_iq_cmd *c)
{
    struct lv_iq_running *s = lv_xcalloc(1, sizeof(*s));

    s->c = c;
    switch (c->k) {
    case LV_IQ_C_ACCUM:
        break;
    case LV_IQ_C_AUTOREGRESS:
        if (c->n < 1 || c->n_items == 0) {
            LV_BUG("insights: autoregress without a lag");
        }
        s->depth = (size_t)c->n + c->n_items - 1;
        s->slots = lv_xcalloc(s->depth, sizeof(*s->slots));
        s->n_slots = s->cap_slots = s->depth;
        s->bytes = s->depth * sizeof(*s->slots);
        break;
    case LV_IQ_C_ADDTOTALS:
    case LV_IQ_C_SESSIONIZE:
        break;
    case LV_IQ_C_FILLDOWN:
        s->wild = c->n_items == 0;
        for (size_t i = 0; i < c->n_items; i++) {
            s->wild |= memchr(c->items[i].e->str, '*',
                              c->items[i].e->len) != NULL;
        }
        break;
    default:
        LV_BUG("insights: command %d carries no state", (int)c->k);
    }
    return s;
}

void lv_iq_running_free(struct lv_iq_running *s)
{
    if (!s) {
        return;
    }
    for (size_t i = 0; i < s->n_slots; i++) {
        free(s->slots[i].name);
        lv_iq_val_free(&s->slots[i].v);
    }
    free(s->slots);
    free(s->cols);
    for (size_t i = 0; i < s->cap_sess; i++) {
        free(s->sess[i].key);
    }
    free(s->sess);
    free(s);
}

size_t lv_iq_running_bytes(const struct lv_iq_running *s)
{
    return sizeof(*s) + s->bytes;
}

/* Replaces slot's value by a copy of v. */
static void keep(struct lv_iq_running *s, struct slot *slot,
                 const struct lv_iq_val *v)
{
    s->bytes -= val_bytes(&slot->v);
    lv_iq_val_free(&slot->v);
    lv_iq_val_dup(&slot->v, v);
    s->bytes += val_bytes(&slot->v);
}

/* ---- accum, autoregress -------------------------------------------------- */

static void accum(struct lv_iq_running *s, struct lv_iq_row *r,
                  const struct lv_iq_ctx *cx)
{
    const struct lv_iq_item *it = &s->c->items[0];
    struct lv_iq_val v, out;
    double x;
    int ok = 0;

    lv_iq_eval(it->e, r, cx, &v);
    if (v.t != LV_IQ_NUM && v.t != LV_IQ_STR) {
        return;     /* no number: nothing added, no sum shown */
    }
    x = lv_iq_val_num(&v, &ok);
    if (!ok) {
        return;
    }
    s->sum += x;
    memset(&out, 0, sizeof(out));
    out.t = LV_IQ_NUM;
    out.num = s->sum;
    lv_iq_row_set(r, it->name, &out);
}

static void autoregress(struct lv_iq_running *s, struct lv_iq_row *r,
                        const struct lv_iq_ctx *cx)
{
    const struct lv_iq_cmd *c = s->c;
    struct lv_iq_val v;

    /* The row's own value first: an output may be named as the field. */
    lv_iq_eval(c->items[0].e, r, cx, &v);
    for (size_t k = 0; k < c->n_items; k++) {
        uint64_t lag = (uint64_t)c->n + k;
        const struct lv_iq_val *old;

        if (s->seen < lag) {
            break;
        }
        old = &s->slots[(s->seen - lag) % s->depth].v;
        if (old->t != LV_IQ_NULL) {
            lv_iq_row_set(r, c->items[k].name, old);
        }
    }
    keep(s, &s->slots[s->seen % s->depth], &v);
    s->seen++;
}

/* ---- filldown ------------------------------------------------------------ */

/* Whether name matches pattern p, where '*' is any run of characters. */
static int wild_match(const char *p, const char *name)
{
    const char *star = NULL, *from = NULL;

    while (*name) {
        if (*p == '*') {
            star = p++;
            from = name;
        } else if (*p == *name) {
            p++;
            name++;
        } else if (star) {
            p = star + 1;
            name = ++from;
        } else {
            return 0;
        }
    }
    while (*p == '*') {
        p++;
    }
    return *p == '\0';
}

static int fills(const struct lv_iq_cmd *c, const char *name)
{
    if (c->n_items == 0) {
        return 1;
    }
    for (size_t i = 0; i < c->n_items; i++) {
        if (wild_match(c->items[i].e->str, name)) {
            return 1;
        }
    }
    return 0;
}

static struct slot *slot_of(struct lv_iq_running *s, const char *name)
{
    for (size_t i = 0; i < s->n_slots; i++) {
        if (strcmp(s->slots[i].name, name) == 0) {
            return &s->slots[i];
        }
    }
    if (s->n_slots == s->cap_slots) {
        s->cap_slots = s->cap_slots ? s->cap_slots * 2 : 8;
        s->slots = lv_xrealloc(s->slots, s->cap_slots * sizeof(*s->slots));
    }
    memset(&s->slots[s->n_slots], 0, sizeof(*s->slots));
    s->slots[s->n_slots].name = lv_xstrdup(name);
    s->bytes += sizeof(*s->slots) + strlen(name) + 1;
    return &s->slots[s->n_slots++];
}

static int remember(void *arg, const char *name, const struct lv_iq_val *v)
{
    struct lv_iq_running *s = arg;

    if (v->t != LV_IQ_NULL && fills(s->c, name)) {
        keep(s, slot_of(s, name), v);
    }
    return 0;
}

static void filldown(struct lv_iq_running *s, struct lv_iq_row *r)
{
    const struct lv_iq_cmd *c = s->c;
    struct lv_iq_val v;

    for (size_t i = 0; i < s->n_slots; i++) {
        const struct slot *sl = &s->slots[i];

        lv_iq_row_get(r, sl->name, strlen(sl->name), &v);
        if (v.t == LV_IQ_NULL) {
            lv_iq_row_set(r, sl->name, &sl->v);
        }
    }
    if (s->wild) {
        lv_iq_row_each(r, remember, s);
        return;
    }
    for (size_t i = 0; i < c->n_items; i++) {
        const struct lv_iq_expr *e = c->items[i].e;

        lv_iq_row_get(r, e->str, e->len, &v);
        remember(s, e->str, &v);
    }
}

/* ---- addtotals ----------------------------------------------------------- */

static int numeric(const struct lv_iq_val *v, double *x)
{
    int ok = 0;

    if (v->t != LV_IQ_NUM && v->t != LV_IQ_STR) {
        return 0;
    }
    *x = lv_iq_val_num(v, &ok);
    return ok;
}

/* Adds x to the column sum of name (col=true). */
static void col_add(struct lv_iq_running *s, const char *name, double x)
{
    struct slot *sl;

    if (!(s->c->n & LV_IQ_TOTALS_COL)) {
        return;
    }
    sl = slot_of(s, name);
    sl->v.t = LV_IQ_NUM;
    sl->v.num += x;
}

static int total_field(void *arg, const char *name, const struct lv_iq_val *v)
{
    struct lv_iq_running *s = arg;
    double x;

    if (name[0] == '@' || strcmp(name, s->c->str) == 0 || !numeric(v, &x)) {
        return 0;
    }
    s->row_sum += x;
    s->row_any = 1;
    col_add(s, name, x);
    return 0;
}

void lv_iq_running_columns(struct lv_iq_running *s,
                           const struct lv_iq_item *const *cols, size_t n)
{
    free(s->cols);
    s->cols = lv_xcalloc(n + 1, sizeof(*s->cols));
    if (n) {
        memcpy(s->cols, cols, n * sizeof(*cols));
    }
    s->n_cols = n;
    s->bytes += n * sizeof(*cols);
}

static void addtotals(struct lv_iq_running *s, struct lv_iq_row *r,
                      const struct lv_iq_ctx *cx)
{
    const struct lv_iq_cmd *c = s->c;
    struct lv_iq_val v;
    double x;

    s->row_sum = 0;
    s->row_any = 0;
    if (c->n_items == 0 && s->n_cols == 0) {
        lv_iq_row_each(r, total_field, s);
    }
    for (size_t i = 0; c->n_items == 0 && i < s->n_cols; i++) {
        const struct lv_iq_item *it = s->cols[i];

        /* As result.c reads a column: a fields item is set on the row
         * under its name, a bare field is the field itself. */
        if (it->e->k == LV_IQ_E_FIELD && strcmp(it->e->str, it->name) == 0) {
            lv_iq_eval(it->e, r, cx, &v);
        } else {
            lv_iq_row_get(r, it->name, strlen(it->name), &v);
        }
        total_field(s, it->name, &v);
    }
    for (size_t i = 0; i < c->n_items; i++) {
        lv_iq_eval(c->items[i].e, r, cx, &v);
        if (numeric(&v, &x)) {
            s->row_sum += x;
            s->row_any = 1;
            col_add(s, c->items[i].name, x);
        }
    }
    if ((c->n & LV_IQ_TOTALS_ROW) && s->row_any) {
        memset(&v, 0, sizeof(v));
        v.t = LV_IQ_NUM;
        v.num = s->row_sum;
        lv_iq_row_set(r, c->str, &v);
        col_add(s, c->str, s->row_sum);
    }
}

/* ---- sessionize --------------------------------------------------------- */

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;

    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)p[i]) * 1099511628211ull;
    }
    return h;
}

/* The session of identity key (taken when new: *key emptied). */
static struct sess *sess_of(struct lv_iq_running *s, struct lv_buf *key)
{
    uint64_t h = hash_bytes(key->data, key->len);
    size_t i;

    if ((s->n_sess + 1) * 2 > s->cap_sess) {
        size_t cap = s->cap_sess ? s->cap_sess * 2 : 64;
        struct sess *nw = lv_xcalloc(cap, sizeof(*nw));

        for (size_t j = 0; j < s->cap_sess; j++) {
            if (s->sess[j].key) {
                size_t k = s->sess[j].h & (cap - 1);
                while (nw[k].key) {
                    k = (k + 1) & (cap - 1);
                }
                nw[k] = s->sess[j];
            }
        }
        free(s->sess);
        s->bytes += (cap - s->cap_sess) * sizeof(*nw);
        s->sess = nw;
        s->cap_sess = cap;
    }
    for (i = h & (s->cap_sess - 1); s->sess[i].key;
         i = (i + 1) & (s->cap_sess - 1)) {
        if (s->sess[i].h == h && s->sess[i].len == key->len &&
            memcmp(s->sess[i].key, key->data, key->len) == 0) {
            return &s->sess[i];
        }
    }
    s->sess[i].h = h;
    s->sess[i].len = key->len;
    s->sess[i].key = lv_buf_detach(key, NULL);
    s->sess[i].id = 0;
    s->n_sess++;
    s->bytes += s->sess[i].len + 1;
    return &s->sess[i];
}

static void sessionize(struct lv_iq_running *s, struct lv_iq_row *r,
                       const struct lv_iq_ctx *cx)
{
    const struct lv_iq_cmd *c = s->c;
    struct lv_buf key = LV_BUF_INIT(SIZE_MAX);
    struct lv_iq_val v, ts;
    struct sess *se;

    lv_iq_row_get(r, "@timestamp", 10, &ts);
    if (ts.t != LV_IQ_TIME) {
        return;
    }
    for (size_t i = 0; i < c->n_by; i++) {
        size_t at = key.len;

        lv_iq_eval(c->by[i].e, r, cx, &v);
        if (v.t == LV_IQ_NULL) {
            lv_buf_release(&key);
            return;
        }
        /* type, text and its length: keys cannot run into each other */
        lv_buf_addf(&key, "%d:", (int)v.t);
        lv_iq_val_text(&v, &key);
        lv_buf_addf(&key, "/%zu;", key.len - at);
    }
    se = sess_of(s, &key);
    lv_buf_release(&key);
    /* Rows come newest first by default: the gap either way. */
    if (se->id == 0 || ts.num - se->last > (double)c->n ||
        se->last - ts.num > (double)c->n) {
        se->id = ++s->sessions;
    }
    se->last = ts.num;
    memset(&v, 0, sizeof(v));
    v.t = LV_IQ_NUM;
    v.num = se->id;
    lv_iq_row_set(r, c->str, &v);
}

struct lv_iq_row *lv_iq_running_end(struct lv_iq_running *s)
{
    struct lv_iq_row *r;

    if (s->c->k != LV_IQ_C_ADDTOTALS || !(s->c->n & LV_IQ_TOTALS_COL)) {
        return NULL;
    }
    r = lv_iq_row_new(NULL);
    for (size_t i = 0; i < s->n_slots; i++) {
        lv_iq_row_set(r, s->slots[i].name, &s->slots[i].v);
    }
    return r;
}

void lv_iq_running_apply(struct lv_iq_running *s, struct lv_iq_row *r,
                         const struct lv_iq_ctx *cx)
{
    switch (s->c->k) {
    case LV_IQ_C_ADDTOTALS:
        addtotals(s, r, cx);
        break;
    case LV_IQ_C_SESSIONIZE:
        sessionize(s, r, cx);
        break;
    case LV_IQ_C_ACCUM:
        accum(s, r, cx);
        break;
    case LV_IQ_C_AUTOREGRESS:
        autoregress(s, r, cx);
        break;
    default:
        filldown(s, r);
        break;
    }
}
