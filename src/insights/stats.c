/*
 * stats: the `stats` command — every aggregation of the stats page
 * (CWL_QuerySyntax-Stats.md, "Functions to use with stats"), `by` with
 * several expressions (bin() among them, evaluated like any other by
 * lv_iq_eval), and stats after stats (the second block simply takes the
 * rows the first one made).
 *
 * An item is any expression over aggregations — the page's own examples
 * write `sum(message_length)/1024/1024 as logs_mb` and
 * `sum(requests) / count(*)` — so each aggregation call found in an item
 * gets a slot of state in every group, and at the end the item is
 * evaluated with its aggregation calls replaced by fields that hold the
 * slots' results (a copy of the item's tree, made once, whose call nodes
 * became LV_IQ_E_FIELD nodes named "\x01<slot>": names no query can
 * write).
 *
 * The aggregations (and count_over_time, sum_over_time of the time-series
 * page: count and sum), and what this engine decided where AWS documents
 * no detail (each choice the strict or the conventional one):
 *  - count() and count(*) count every row; count(expr) the rows where expr
 *    is not null ("counts all records that include the specified field").
 *  - count_distinct(expr): the number of distinct non-null values. AWS
 *    says it is an approximation for high cardinality; here it is exact,
 *    the set of values being counted against max_bytes like everything
 *    else (past it the query fails instead of answering approximately).
 *    Values are told apart by type and value (the number 5 and the string
 *    "5" are two values).
 *  - sum, avg, stddev take the rows whose value is a number (or a string
 *    that is one); other rows are skipped; with none, the result is null.
 *    sum is compensated (Neumaier), stddev is the SAMPLE standard deviation
 *    (n - 1 in the denominator; 0 for one value), computed with Welford's
 *    method.
 *  - min, max: "LogFieldValue": the value itself, keeping its type (so
 *    max(@timestamp) is a time, as the page's `max(@timestamp) as @t |
 *    stats … by dateceil(@t, 5m)` needs). Numbers compare numerically and
 *    win over values that are not numbers; only when no value is a number
 *    are strings compared (lv_iq_val_cmp).
 *  - pct(expr, p): nearest rank over the numeric values — the smallest
 *    value with at least p% of the values at or below it (rank
 *    ceil(p/100 × n), 1-based) — so the result is one of the values, as
 *    the page's result type LogFieldValue says. Exact: every value is
 *    kept (8 bytes each, counted against max_bytes). p outside [0, 100]
 *    is clamped; the parser should refuse it.
 *  - earliest(expr), latest(expr): the value from the row with the
 *    smallest / largest @timestamp among the rows where expr is not null.
 *    A tie on @timestamp goes to the value that sorts first (earliest) or
 *    last (latest), so the answer does not depend on the order events are
 *    fed in. A row made by an earlier stats has a time only if that stats
 *    kept @timestamp (read as a field).
 *  - sortsFirst(expr), sortsLast(expr): the non-null value that sorts
 *    first / last in the sort command's order (lv_iq_val_cmp).
 *
 * Groups: rows whose by values are equal in type and value (a JSON number
 * 5 and a parsed string "5" are two groups; a missing field is a null
 * group of its own, as SQL's GROUP BY makes it).
 *
 * Output rows: the by fields (named by their items' names) then the items,
 * in the query's order. Order of the rows when no sort follows is not
 * documented; this engine makes it deterministic, whatever order events
 * arrive in: by the by values in turn, time values (bin(), datefloor() …)
 * newest first as the console shows time series, other values ascending
 * in the sort command's order. A stats with no input row outputs no row
 * (also when it has no by: there is no group to report).
 *
 * The memory bound. Groups live in one open-addressing hash table
 * (linear probing, power-of-two size, grown at 70% load) of pointers to
 * one allocation per group: a 16-byte header (hash, key length), the
 * states of the slots (8 bytes for a count, 24 for sum/avg/stddev, 40 for
 * min/max-like values, whose text is one more allocation), then the group
 * key — the by values encoded compactly (a type byte, then 8 bytes for a
 * number or time, or a varint length and the bytes of a string). So
 * `stats count() by x` costs about 50 bytes a group with a short x
 * (measured: 50.8 MB for 1,000,000 distinct 8-byte values, 55 bytes a
 * group at 200,000 — test_insights_stats prints it). The result rows
 * made at the end are the run's (row.c), not counted here. Every
 * allocation the block makes (table, groups, value copies, count_distinct
 * sets, pct arrays, scratch buffers) is counted at its real size
 * (malloc_usable_size) in `held`;
 * bytes() reports it, and the run adds it to what it holds. When an add
 * takes `held` past max_bytes, add fails with LimitExceededException and
 * the query fails: no group is dropped and no result is approximated.
 * (AWS documents no limit on the number of stats groups; it returns at
 * most 10,000 result rows, which the run's limit applies after this.)
 */
#include "insights/iq.h"

#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* ---- the aggregations ------------------------------------------------- */

enum agg_kind {
    AGG_AVG,
    AGG_COUNT,
    AGG_COUNT_DISTINCT,
    AGG_MAX,
    AGG_MIN,
    AGG_PCT,
    AGG_STDDEV,
    AGG_SUM,
    AGG_EARLIEST,
    AGG_LATEST,
    AGG_SORTS_FIRST,
    AGG_SORTS_LAST,
    AGG_RATE,                   /* r8/iqsub: fn_timeseries.c */
    AGG_HISTOGRAM,
};

struct lv_iq_agg {
    const char *name;           /* as the stats page spells it */
    enum agg_kind kind;
    int nargs_min, nargs_max;
};

/* The stats page's two tables: aggregation and non-aggregation functions.
 * Names are matched without regard to case (the page itself writes
 * `SUM(Fault)` and `MAX(...)`). */
static const struct lv_iq_agg aggs[] = {
    { "avg", AGG_AVG, 1, 1 },
    { "count", AGG_COUNT, 0, 1 },
    { "count_distinct", AGG_COUNT_DISTINCT, 1, 1 },
    { "max", AGG_MAX, 1, 1 },
    { "min", AGG_MIN, 1, 1 },
    { "pct", AGG_PCT, 2, 2 },
    { "stddev", AGG_STDDEV, 1, 1 },
    { "sum", AGG_SUM, 1, 1 },
    { "earliest", AGG_EARLIEST, 1, 1 },
    { "latest", AGG_LATEST, 1, 1 },
    { "sortsFirst", AGG_SORTS_FIRST, 1, 1 },
    { "sortsLast", AGG_SORTS_LAST, 1, 1 },
    /* The time-series functions page (CWL_QuerySyntax-timeseries-
     * functions): "Counts log events per time bin" / "Sums field values
     * per time bin. Use with by bin(interval) to set the window" — count
     * and sum of the group, the bin being a by expression. rate() and
     * histogram() (r8/iqsub): fn_timeseries.c says what they compute
     * where the page is silent. */
    { "count_over_time", AGG_COUNT, 1, 1 },
    { "sum_over_time", AGG_SUM, 1, 1 },
    { "rate", AGG_RATE, 2, 2 },
    { "histogram", AGG_HISTOGRAM, 2, 2 },
};

const struct lv_iq_agg *lv_iq_agg_find(const char *name, size_t len)
{
    size_t i;

    for (i = 0; i < sizeof(aggs) / sizeof(aggs[0]); i++) {
        if (strlen(aggs[i].name) == len
            && strncasecmp(aggs[i].name, name, len) == 0) {
            return &aggs[i];
        }
    }
    return NULL;
}

void lv_iq_agg_arity(const struct lv_iq_agg *agg, int *min, int *max)
{
    *min = agg->nargs_min;
    *max = agg->nargs_max;
}

/* ---- accounting -------------------------------------------------------- */

struct stats;
static void *st_alloc(struct stats *st, size_t n);
static void *st_realloc(struct stats *st, void *p, size_t n);
static void st_free(struct stats *st, void *p);

/* ---- states ------------------------------------------------------------ */

struct st_count {
    int64_t n;
};

struct st_sum {                 /* sum, avg: Neumaier summation */
    double sum, comp;
    int64_t n;
};

struct st_sd {                  /* stddev: Welford */
    int64_t n;
    double mean, m2;
};

struct st_ext {                 /* min, max, sortsFirst, sortsLast */
    struct lv_iq_val v;         /* text owned (st_alloc) */
    int have, num;              /* num: v is a number (min/max) */
};

struct st_ts {                  /* earliest, latest */
    struct lv_iq_val v;
    double ts;
    int have;
};

struct st_pct {                 /* pct, histogram */
    double *v;
    size_t n, cap;
    char *text;                 /* histogram: its result (malloc) */
};

struct dset;                    /* count_distinct: a set of encoded values */
struct st_dist {
    struct dset *set;
};

struct slot {
    const struct lv_iq_expr *call;
    enum agg_kind kind;
    size_t off;                 /* of its state in a group */
    double pct;                 /* AGG_PCT: p */
};

struct group {
    uint64_t hash;
    uint32_t keylen;
    uint32_t pad;
    /* then: the slots' states (st->states_size bytes, 8-aligned), then
     * the key bytes */
    unsigned char data[];
};

/* An item: its expression, or its rewritten copy when the aggregation is
 * not the whole item. */
struct item {
    const struct lv_iq_item *it;
    int slot;                   /* the item is exactly this slot's call */
    struct lv_iq_expr *rw;      /* else: the copy to evaluate at the end */
};

struct stats {
    struct lv_iq_block b;
    const struct lv_iq_cmd *c;
    const struct lv_iq_ctx *cx;
    size_t max_bytes;
    size_t held;

    struct slot *slots;
    size_t n_slots;
    size_t states_size;
    struct item *items;

    /* copies made by rewriting (freed with the block) */
    void **owned;
    size_t n_owned, cap_owned;

    struct group **tab;
    size_t cap, n_groups;

    unsigned char *kbuf;        /* scratch for a key */
    size_t kcap;
    int over;                   /* went past max_bytes */
};

static void *st_alloc(struct stats *st, size_t n)
{
    void *p = lv_xmalloc(n);

    st->held += malloc_usable_size(p);
    return p;
}

static void *st_realloc(struct stats *st, void *p, size_t n)
{
    if (p) {
        st->held -= malloc_usable_size(p);
    }
    p = lv_xrealloc(p, n);
    st->held += malloc_usable_size(p);
    return p;
}

static void st_free(struct stats *st, void *p)
{
    if (p) {
        st->held -= malloc_usable_size(p);
        free(p);
    }
}

/* ---- value encoding (group keys, distinct sets) ------------------------ */

/* Types whose value is text in s/len: strings, and any other kind value.c
 * may add (a JSON map or list is its text). */
static int has_text(enum lv_iq_type t)
{
    return t != LV_IQ_NULL && t != LV_IQ_NUM && t != LV_IQ_BOOL
           && t != LV_IQ_TIME;
}

/* A text value's type byte is K_TEXT + its type. */
enum { K_NULL = 0, K_NUM = 2, K_BOOL = 3, K_TIME = 4, K_TEXT = 16 };

static size_t enc_size(const struct lv_iq_val *v)
{
    if (has_text(v->t)) {
        return 1 + 10 + v->len;
    }
    switch (v->t) {
    case LV_IQ_NUM:
    case LV_IQ_TIME:
        return 9;
    case LV_IQ_BOOL:
        return 2;
    default:
        return 1;
    }
}

/* Writes v's encoding at p (enc_size(v) bytes free); returns the bytes
 * written. Numbers are normalised so that equal numbers encode equally
 * (-0 as 0). */
static size_t enc_val(unsigned char *p, const struct lv_iq_val *v)
{
    unsigned char *start = p;
    double d;
    size_t n;

    if (has_text(v->t)) {
        *p++ = (unsigned char)(K_TEXT + v->t);
        n = v->len;
        while (n >= 0x80) {
            *p++ = (unsigned char)(n | 0x80);
            n >>= 7;
        }
        *p++ = (unsigned char)n;
        if (v->len) {
            memcpy(p, v->s, v->len);
        }
        p += v->len;
        return (size_t)(p - start);
    }
    switch (v->t) {
    case LV_IQ_NUM:
    case LV_IQ_TIME:
        *p++ = v->t == LV_IQ_NUM ? K_NUM : K_TIME;
        d = v->num == 0 ? 0 : v->num;
        memcpy(p, &d, sizeof d);
        p += sizeof d;
        break;
    case LV_IQ_BOOL:
        *p++ = K_BOOL;
        *p++ = v->num != 0;
        break;
    default:
        *p++ = K_NULL;
        break;
    }
    return (size_t)(p - start);
}

/* Reads one encoded value at *pp into v (text borrowed from the
 * encoding); advances *pp. */
static void dec_val(const unsigned char **pp, struct lv_iq_val *v)
{
    const unsigned char *p = *pp;
    size_t n = 0;
    unsigned shift = 0;

    memset(v, 0, sizeof *v);
    if (*p >= K_TEXT) {
        v->t = (enum lv_iq_type)(*p++ - K_TEXT);
        for (;;) {
            n |= (size_t)(*p & 0x7f) << shift;
            shift += 7;
            if (!(*p++ & 0x80)) {
                break;
            }
        }
        v->s = (const char *)p;
        v->len = n;
        *pp = p + n;
        return;
    }
    switch (*p++) {
    case K_NUM:
    case K_TIME:
        v->t = p[-1] == K_NUM ? LV_IQ_NUM : LV_IQ_TIME;
        memcpy(&v->num, p, sizeof v->num);
        p += sizeof v->num;
        break;
    case K_BOOL:
        v->t = LV_IQ_BOOL;
        v->num = *p++;
        break;
    default:
        v->t = LV_IQ_NULL;
        break;
    }
    *pp = p;
}

static uint64_t hash_bytes(const unsigned char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull;     /* FNV-1a, then a final mix */
    size_t i;

    for (i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static unsigned char *kbuf_room(struct stats *st, size_t n)
{
    if (n > st->kcap) {
        st->kcap = n < 256 ? 256 : n * 2;
        st->kbuf = st_realloc(st, st->kbuf, st->kcap);
    }
    return st->kbuf;
}

/* ---- count_distinct sets ----------------------------------------------- */

struct dent {
    uint64_t hash;
    uint32_t len;
    unsigned char bytes[];
};

struct dset {
    struct dent **tab;
    size_t cap, n;
};

static void dset_put(struct stats *st, struct dset *s, const unsigned char *k,
                     size_t len)
{
    uint64_t h = hash_bytes(k, len);
    size_t i, mask;
    struct dent *e;

    if ((s->n + 1) * 10 > s->cap * 7) {
        size_t ncap = s->cap ? s->cap * 2 : 8, j;
        struct dent **nt = st_alloc(st, ncap * sizeof *nt);

        memset(nt, 0, ncap * sizeof *nt);
        for (j = 0; j < s->cap; j++) {
            if (s->tab[j]) {
                i = s->tab[j]->hash & (ncap - 1);
                while (nt[i]) {
                    i = (i + 1) & (ncap - 1);
                }
                nt[i] = s->tab[j];
            }
        }
        st_free(st, s->tab);
        s->tab = nt;
        s->cap = ncap;
    }
    mask = s->cap - 1;
    for (i = h & mask; s->tab[i]; i = (i + 1) & mask) {
        e = s->tab[i];
        if (e->hash == h && e->len == len && memcmp(e->bytes, k, len) == 0) {
            return;
        }
    }
    e = st_alloc(st, sizeof *e + len);
    e->hash = h;
    e->len = (uint32_t)len;
    memcpy(e->bytes, k, len);
    s->tab[i] = e;
    s->n++;
}

static void dset_free(struct stats *st, struct dset *s)
{
    size_t i;

    if (!s) {
        return;
    }
    for (i = 0; i < s->cap; i++) {
        st_free(st, s->tab[i]);
    }
    st_free(st, s->tab);
    st_free(st, s);
}

/* ---- one value into one slot ------------------------------------------- */

static int is_num(const struct lv_iq_val *v, double *d)
{
    int ok = 0;

    if (v->t == LV_IQ_NULL) {
        return 0;
    }
    *d = lv_iq_val_num(v, &ok);
    return ok && !isnan(*d);
}

/* Replaces *dst (text owned by the block) with a copy of v. */
static void keep_val(struct stats *st, struct lv_iq_val *dst,
                     const struct lv_iq_val *v)
{
    char *s = NULL;

    if (has_text(dst->t)) {
        st_free(st, (void *)dst->s);
    }
    *dst = *v;
    if (has_text(v->t)) {
        s = st_alloc(st, v->len + 1);
        if (v->len) {
            memcpy(s, v->s, v->len);
        }
        s[v->len] = '\0';
        dst->s = s;
    }
}

/* The row's time: its event's @timestamp, else an @timestamp field (a
 * row made by an earlier stats). */
static int row_time(struct lv_iq_row *r, double *ts)
{
    const struct lv_iq_event *ev = lv_iq_row_event(r);
    struct lv_iq_val v;

    if (ev) {
        *ts = (double)ev->ts;
        return 1;
    }
    lv_iq_row_get(r, "@timestamp", 10, &v);
    return is_num(&v, ts);
}

/* min/max: numbers beat non-numbers; among numbers numerically, else in
 * the sort order. want < 0 for min, > 0 for max. */
static void ext_minmax(struct stats *st, struct st_ext *s,
                       const struct lv_iq_val *v, int want)
{
    double d, cur = 0;
    int num = is_num(v, &d);
    int ok;

    if (!s->have) {
        goto take;
    }
    if (num) {
        if (!s->num) {
            goto take;
        }
        cur = lv_iq_val_num(&s->v, &ok);
        if ((want < 0 && d < cur) || (want > 0 && d > cur)) {
            goto take;
        }
        return;
    }
    if (s->num) {
        return;
    }
    if (lv_iq_val_cmp(v, &s->v) * want > 0) {
        goto take;
    }
    return;
take:
    keep_val(st, &s->v, v);
    s->have = 1;
    s->num = num;
}

static void slot_add(struct stats *st, const struct slot *sl,
                     unsigned char *state, struct lv_iq_row *r,
                     const struct lv_iq_val *v)
{
    double d, ts;

    if (!v && sl->kind != AGG_COUNT) {
        return;     /* `*` is an argument of count only */
    }
    switch (sl->kind) {
    case AGG_COUNT:
        if (!v || v->t != LV_IQ_NULL) {
            ((struct st_count *)state)->n++;
        }
        break;
    case AGG_SUM:
    case AGG_AVG:
        if (is_num(v, &d)) {
            struct st_sum *s = (struct st_sum *)state;
            double t = s->sum + d;

            if (fabs(s->sum) >= fabs(d)) {
                s->comp += (s->sum - t) + d;
            } else {
                s->comp += (d - t) + s->sum;
            }
            s->sum = t;
            s->n++;
        }
        break;
    case AGG_STDDEV:
        if (is_num(v, &d)) {
            struct st_sd *s = (struct st_sd *)state;
            double delta = d - s->mean;

            s->n++;
            s->mean += delta / (double)s->n;
            s->m2 += delta * (d - s->mean);
        }
        break;
    case AGG_MIN:
    case AGG_MAX:
        if (v->t != LV_IQ_NULL) {
            ext_minmax(st, (struct st_ext *)state, v,
                       sl->kind == AGG_MIN ? -1 : 1);
        }
        break;
    case AGG_SORTS_FIRST:
    case AGG_SORTS_LAST:
        if (v->t != LV_IQ_NULL) {
            struct st_ext *s = (struct st_ext *)state;
            int c = s->have ? lv_iq_val_cmp(v, &s->v) : 0;

            if (!s->have || (sl->kind == AGG_SORTS_FIRST ? c < 0 : c > 0)) {
                keep_val(st, &s->v, v);
                s->have = 1;
            }
        }
        break;
    case AGG_EARLIEST:
    case AGG_LATEST:
        if (v->t != LV_IQ_NULL && row_time(r, &ts)) {
            struct st_ts *s = (struct st_ts *)state;
            int late = sl->kind == AGG_LATEST;
            int take = !s->have;

            if (!take && ts != s->ts) {
                take = late ? ts > s->ts : ts < s->ts;
            } else if (!take) {
                int c = lv_iq_val_cmp(v, &s->v);

                take = late ? c > 0 : c < 0;
            }
            if (take) {
                keep_val(st, &s->v, v);
                s->ts = ts;
                s->have = 1;
            }
        }
        break;
    case AGG_RATE:
        if (is_num(v, &d) && row_time(r, &ts)) {
            lv_iq_rate_add((struct lv_iq_rate *)state, ts, d);
        }
        break;
    case AGG_HISTOGRAM:
    case AGG_PCT:
        if (is_num(v, &d)) {
            struct st_pct *s = (struct st_pct *)state;

            if (s->n == s->cap) {
                s->cap = s->cap ? s->cap * 2 : 4;
                s->v = st_realloc(st, s->v, s->cap * sizeof *s->v);
            }
            s->v[s->n++] = d;
        }
        break;
    case AGG_COUNT_DISTINCT:
        if (v->t != LV_IQ_NULL) {
            struct st_dist *s = (struct st_dist *)state;
            unsigned char *k = kbuf_room(st, enc_size(v));
            size_t n = enc_val(k, v);

            if (!s->set) {
                s->set = st_alloc(st, sizeof *s->set);
                memset(s->set, 0, sizeof *s->set);
            }
            dset_put(st, s->set, k, n);
        }
        break;
    }
}

static void state_release(struct stats *st, const struct slot *sl,
                          unsigned char *state)
{
    switch (sl->kind) {
    case AGG_MIN:
    case AGG_MAX:
    case AGG_SORTS_FIRST:
    case AGG_SORTS_LAST: {
        struct st_ext *s = (struct st_ext *)state;

        if (s->have && has_text(s->v.t)) {
            st_free(st, (void *)s->v.s);
        }
        break;
    }
    case AGG_EARLIEST:
    case AGG_LATEST: {
        struct st_ts *s = (struct st_ts *)state;

        if (s->have && has_text(s->v.t)) {
            st_free(st, (void *)s->v.s);
        }
        break;
    }
    case AGG_PCT:
    case AGG_HISTOGRAM:
        st_free(st, ((struct st_pct *)state)->v);
        free(((struct st_pct *)state)->text);
        break;
    case AGG_COUNT_DISTINCT:
        dset_free(st, ((struct st_dist *)state)->set);
        break;
    default:
        break;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* The result of slot sl in a group. Text borrowed from the state. */
static void slot_result(const struct slot *sl, unsigned char *state,
                        struct lv_iq_val *out)
{
    memset(out, 0, sizeof *out);
    out->t = LV_IQ_NULL;
    switch (sl->kind) {
    case AGG_COUNT:
        out->t = LV_IQ_NUM;
        out->num = (double)((struct st_count *)state)->n;
        break;
    case AGG_SUM:
    case AGG_AVG: {
        struct st_sum *s = (struct st_sum *)state;

        if (s->n) {
            out->t = LV_IQ_NUM;
            out->num = s->sum + s->comp;
            if (sl->kind == AGG_AVG) {
                out->num /= (double)s->n;
            }
        }
        break;
    }
    case AGG_STDDEV: {
        struct st_sd *s = (struct st_sd *)state;

        if (s->n) {
            out->t = LV_IQ_NUM;
            out->num = s->n > 1 ? sqrt(s->m2 / (double)(s->n - 1)) : 0;
        }
        break;
    }
    case AGG_MIN:
    case AGG_MAX:
    case AGG_SORTS_FIRST:
    case AGG_SORTS_LAST: {
        struct st_ext *s = (struct st_ext *)state;

        if (s->have) {
            *out = s->v;
        }
        break;
    }
    case AGG_EARLIEST:
    case AGG_LATEST: {
        struct st_ts *s = (struct st_ts *)state;

        if (s->have) {
            *out = s->v;
        }
        break;
    }
    case AGG_PCT: {
        struct st_pct *s = (struct st_pct *)state;
        double p = sl->pct, rank;
        size_t idx;

        if (s->n && !isnan(p)) {
            qsort(s->v, s->n, sizeof *s->v, cmp_double);
            p = p < 0 ? 0 : p > 100 ? 100 : p;
            rank = ceil(p / 100.0 * (double)s->n);
            idx = rank < 1 ? 0 : (size_t)rank - 1;
            if (idx >= s->n) {
                idx = s->n - 1;
            }
            out->t = LV_IQ_NUM;
            out->num = s->v[idx];
        }
        break;
    }
    case AGG_COUNT_DISTINCT: {
        struct st_dist *s = (struct st_dist *)state;

        out->t = LV_IQ_NUM;
        out->num = s->set ? (double)s->set->n : 0;
        break;
    }
    case AGG_RATE:
        lv_iq_rate_result((const struct lv_iq_rate *)state, sl->pct, out);
        break;
    case AGG_HISTOGRAM: {
        struct st_pct *s = (struct st_pct *)state;

        if (s->n && !isnan(sl->pct)) {
            if (!s->text) {
                s->text = lv_iq_histogram_text(s->v, s->n, (size_t)sl->pct);
            }
            out->t = LV_IQ_JSON;
            out->s = s->text;
            out->len = strlen(s->text);
        }
        break;
    }
    }
}

/* ---- building the block: slots and rewritten items --------------------- */

static size_t state_size(enum agg_kind k)
{
    switch (k) {
    case AGG_COUNT:
        return sizeof(struct st_count);
    case AGG_SUM:
    case AGG_AVG:
        return sizeof(struct st_sum);
    case AGG_STDDEV:
        return sizeof(struct st_sd);
    case AGG_MIN:
    case AGG_MAX:
    case AGG_SORTS_FIRST:
    case AGG_SORTS_LAST:
        return sizeof(struct st_ext);
    case AGG_EARLIEST:
    case AGG_LATEST:
        return sizeof(struct st_ts);
    case AGG_PCT:
    case AGG_HISTOGRAM:
        return sizeof(struct st_pct);
    case AGG_RATE:
        return sizeof(struct lv_iq_rate);
    case AGG_COUNT_DISTINCT:
        return sizeof(struct st_dist);
    }
    return 0;
}

static void own(struct stats *st, void *p)
{
    if (st->n_owned == st->cap_owned) {
        st->cap_owned = st->cap_owned ? st->cap_owned * 2 : 8;
        st->owned = lv_xrealloc(st->owned,
                                st->cap_owned * sizeof *st->owned);
    }
    st->owned[st->n_owned++] = p;
}

static int add_slot(struct stats *st, const struct lv_iq_expr *call)
{
    struct slot *sl;
    const struct lv_iq_expr *p;

    st->slots = lv_xrealloc(st->slots, (st->n_slots + 1) * sizeof *sl);
    sl = &st->slots[st->n_slots];
    memset(sl, 0, sizeof *sl);
    sl->call = call;
    sl->kind = call->agg->kind;
    sl->off = st->states_size;
    st->states_size += (state_size(sl->kind) + 7) & ~(size_t)7;
    if ((sl->kind == AGG_RATE || sl->kind == AGG_HISTOGRAM) &&
        call->nargs >= 2) {
        /* rate's interval (ms), histogram's buckets: constants the
         * parser checked; `pct` holds them */
        p = call->args[1];
        sl->pct = p->k == LV_IQ_E_TIME || p->k == LV_IQ_E_NUM ? p->num : NAN;
    } else if (sl->kind == AGG_PCT && call->nargs >= 2) {
        p = call->args[1];
        if (p->k == LV_IQ_E_NUM) {
            sl->pct = p->num;
        } else if (p->k == LV_IQ_E_UNARY && p->op == LV_IQ_OP_NEG
                   && p->nargs == 1 && p->args[0]->k == LV_IQ_E_NUM) {
            sl->pct = -p->args[0]->num;
        } else {
            sl->pct = NAN;      /* not a constant (the parser refuses
                                 * it): the result is null */
        }
    }
    return (int)st->n_slots++;
}

static int has_agg(const struct lv_iq_expr *e)
{
    size_t i;

    if (e->k == LV_IQ_E_CALL && e->agg) {
        return 1;
    }
    for (i = 0; i < e->nargs; i++) {
        if (has_agg(e->args[i])) {
            return 1;
        }
    }
    return 0;
}

/* A copy of e in which every aggregation call is a field naming its slot;
 * e itself when it holds none. An aggregation nested in another one's
 * arguments is taken as its own value at the outer call's level: the
 * parser refuses such queries (AWS does), so this only keeps the engine
 * safe. */
static struct lv_iq_expr *rewrite(struct stats *st,
                                  const struct lv_iq_expr *e)
{
    struct lv_iq_expr *n;
    size_t i;

    if (!has_agg(e)) {
        return (struct lv_iq_expr *)e;
    }
    n = lv_xmalloc(sizeof *n);
    own(st, n);
    *n = *e;
    if (e->k == LV_IQ_E_CALL && e->agg) {
        int k = add_slot(st, e);

        n->k = LV_IQ_E_FIELD;
        n->agg = NULL;
        n->fn = NULL;
        n->args = NULL;
        n->nargs = 0;
        n->str = lv_xasprintf("\x01%d", k);
        n->len = strlen(n->str);
        own(st, n->str);
        return n;
    }
    n->args = lv_xcalloc(e->nargs ? e->nargs : 1, sizeof *n->args);
    own(st, n->args);
    for (i = 0; i < e->nargs; i++) {
        n->args[i] = rewrite(st, e->args[i]);
    }
    return n;
}

/* ---- the hash table of groups ------------------------------------------ */

static unsigned char *group_key(const struct stats *st, struct group *g)
{
    return g->data + st->states_size;
}

static void tab_grow(struct stats *st)
{
    size_t ncap = st->cap ? st->cap * 2 : 16, i, j;
    struct group **nt = st_alloc(st, ncap * sizeof *nt);

    memset(nt, 0, ncap * sizeof *nt);
    for (i = 0; i < st->cap; i++) {
        if (st->tab[i]) {
            j = st->tab[i]->hash & (ncap - 1);
            while (nt[j]) {
                j = (j + 1) & (ncap - 1);
            }
            nt[j] = st->tab[i];
        }
    }
    st_free(st, st->tab);
    st->tab = nt;
    st->cap = ncap;
}

static struct group *group_get(struct stats *st, const unsigned char *k,
                               size_t len)
{
    uint64_t h = hash_bytes(k, len);
    size_t i, mask;
    struct group *g;

    if ((st->n_groups + 1) * 10 > st->cap * 7) {
        tab_grow(st);
    }
    mask = st->cap - 1;
    for (i = h & mask; (g = st->tab[i]); i = (i + 1) & mask) {
        if (g->hash == h && g->keylen == len
            && memcmp(group_key(st, g), k, len) == 0) {
            return g;
        }
    }
    g = st_alloc(st, sizeof *g + st->states_size + len);
    memset(g, 0, sizeof *g + st->states_size);
    g->hash = h;
    g->keylen = (uint32_t)len;
    memcpy(group_key(st, g), k, len);
    st->tab[i] = g;
    st->n_groups++;
    return g;
}

/* ---- the block --------------------------------------------------------- */

static int over(struct stats *st, struct lv_err *err)
{
    st->over = 1;
    return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                      "Query exceeded the memory available to the stats "
                      "command: its groups need more than %zu bytes; "
                      "narrow the time range or the by fields",
                      st->max_bytes);
}

static int stats_add(struct lv_iq_block *b, struct lv_iq_row *r,
                     struct lv_err *err)
{
    struct stats *st = (struct stats *)b;
    const struct lv_iq_cmd *c = st->c;
    struct lv_iq_val v;
    struct group *g;
    size_t i, n = 0, need = 0;
    unsigned char *k;

    if (st->over) {
        return over(st, err);
    }
    /* The key: the by values, evaluated in turn. Each evaluation may move
     * the row's arena, never the key buffer, so encode as we go. */
    for (i = 0; i < c->n_by; i++) {
        lv_iq_eval(c->by[i].e, r, st->cx, &v);
        if (c->offset_ms && v.t == LV_IQ_TIME && lv_iq_is_bin(c->by[i].e)) {
            v.num += (double)c->offset_ms;      /* r8/iqsub: offset */
        }
        need = n + enc_size(&v);
        if (need > st->kcap) {
            unsigned char *old = st->kbuf;

            st->kcap = need * 2 < 256 ? 256 : need * 2;
            st->kbuf = st_alloc(st, st->kcap);
            if (n) {
                memcpy(st->kbuf, old, n);
            }
            st_free(st, old);
        }
        n += enc_val(st->kbuf + n, &v);
    }
    k = n ? st->kbuf : (unsigned char *)"";
    g = group_get(st, k, n);
    for (i = 0; i < st->n_slots; i++) {
        const struct slot *sl = &st->slots[i];
        const struct lv_iq_expr *call = sl->call;

        if (call->nargs == 0 || call->args[0]->k == LV_IQ_E_STAR) {
            slot_add(st, sl, g->data + sl->off, r, NULL);
            continue;
        }
        lv_iq_eval(call->args[0], r, st->cx, &v);
        slot_add(st, sl, g->data + sl->off, r, &v);
    }
    if (st->held > st->max_bytes) {
        return over(st, err);
    }
    return 0;
}

struct sort_ctx {
    const struct stats *st;
    size_t n_by;
};

static int group_cmp(const void *a, const void *b, void *arg)
{
    const struct sort_ctx *sc = arg;
    const struct stats *st = sc->st;
    struct group *ga = *(struct group *const *)a;
    struct group *gb = *(struct group *const *)b;
    const unsigned char *pa = ga->data + st->states_size;
    const unsigned char *pb = gb->data + st->states_size;
    struct lv_iq_val va, vb;
    size_t i;
    int c;

    for (i = 0; i < sc->n_by; i++) {
        dec_val(&pa, &va);
        dec_val(&pb, &vb);
        c = lv_iq_val_cmp(&va, &vb);
        if (va.t == LV_IQ_TIME && vb.t == LV_IQ_TIME) {
            c = -c;
        }
        if (c) {
            return c;
        }
    }
    return 0;
}

/* One output row for group g. */
static struct lv_iq_row *group_row(struct stats *st, struct group *g)
{
    const struct lv_iq_cmd *c = st->c;
    struct lv_iq_row *row = lv_iq_row_new(NULL);
    struct lv_iq_row *scratch = NULL;
    const unsigned char *p = group_key(st, g);
    struct lv_iq_val v;
    char name[24];
    size_t i;

    for (i = 0; i < c->n_by; i++) {
        dec_val(&p, &v);
        lv_iq_row_set(row, c->by[i].name, &v);
    }
    for (i = 0; i < c->n_items; i++) {
        struct item *it = &st->items[i];

        if (it->slot >= 0) {
            slot_result(&st->slots[it->slot],
                        g->data + st->slots[it->slot].off, &v);
            lv_iq_row_set(row, it->it->name, &v);
            if (scratch) {
                lv_iq_row_set(scratch, it->it->name, &v);
            }
            continue;
        }
        if (!scratch) {
            size_t j;

            scratch = lv_iq_row_new(NULL);
            p = group_key(st, g);
            for (j = 0; j < c->n_by; j++) {
                dec_val(&p, &v);
                lv_iq_row_set(scratch, c->by[j].name, &v);
            }
            for (j = 0; j < st->n_slots; j++) {
                slot_result(&st->slots[j], g->data + st->slots[j].off, &v);
                snprintf(name, sizeof name, "\x01%zu", j);
                lv_iq_row_set(scratch, name, &v);
            }
            /* The items before this one, under their names: an item may
             * compute from the aliases of earlier ones (the examples
             * page's Lambda query: `provisonedMemoryMB -
             * maxMemoryUsedMB as overProvisionedMB`). */
            for (j = 0; j < i; j++) {
                lv_iq_row_get(row, st->items[j].it->name,
                              strlen(st->items[j].it->name), &v);
                lv_iq_row_set(scratch, st->items[j].it->name, &v);
            }
        }
        lv_iq_eval(it->rw, scratch, st->cx, &v);
        lv_iq_row_set(row, it->it->name, &v);
        lv_iq_row_set(scratch, it->it->name, &v);
    }
    lv_iq_row_free(scratch);
    return row;
}

static int stats_end(struct lv_iq_block *b, lv_iq_row_sink *sink, void *arg,
                     struct lv_err *err)
{
    struct stats *st = (struct stats *)b;
    struct group **gs = NULL;
    struct sort_ctx sc = { st, st->c->n_by };
    size_t i, n = 0;
    int ret = -1;

    if (st->over) {
        return over(st, err);
    }
    if (st->n_groups) {
        gs = st_alloc(st, st->n_groups * sizeof *gs);
        for (i = 0; i < st->cap; i++) {
            if (st->tab[i]) {
                gs[n++] = st->tab[i];
            }
        }
        qsort_r(gs, n, sizeof *gs, group_cmp, &sc);
    }
    for (i = 0; i < n; i++) {
        if (sink(arg, group_row(st, gs[i]), err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    st_free(st, gs);
    return ret;
}

static size_t stats_bytes(const struct lv_iq_block *b)
{
    return ((const struct stats *)b)->held;
}

static void stats_free(struct lv_iq_block *b)
{
    struct stats *st = (struct stats *)b;
    size_t i, j;

    if (!st) {
        return;
    }
    for (i = 0; i < st->cap; i++) {
        struct group *g = st->tab[i];

        if (!g) {
            continue;
        }
        for (j = 0; j < st->n_slots; j++) {
            state_release(st, &st->slots[j], g->data + st->slots[j].off);
        }
        st_free(st, g);
    }
    st_free(st, st->tab);
    st_free(st, st->kbuf);
    for (i = 0; i < st->n_owned; i++) {
        free(st->owned[i]);
    }
    free(st->owned);
    free(st->slots);
    free(st->items);
    free(st);
}

static const struct lv_iq_block_vt stats_vt = {
    stats_add, stats_end, stats_bytes, stats_free,
};

struct lv_iq_block *lv_iq_stats_new(const struct lv_iq_cmd *c,
                                    const struct lv_iq_ctx *cx,
                                    size_t max_bytes)
{
    struct stats *st = lv_xcalloc(1, sizeof *st);
    size_t i;

    st->b.vt = &stats_vt;
    st->c = c;
    st->cx = cx;
    st->max_bytes = max_bytes;
    st->items = lv_xcalloc(c->n_items ? c->n_items : 1, sizeof *st->items);
    for (i = 0; i < c->n_items; i++) {
        const struct lv_iq_expr *e = c->items[i].e;

        st->items[i].it = &c->items[i];
        st->items[i].slot = -1;
        if (e->k == LV_IQ_E_CALL && e->agg) {
            st->items[i].slot = add_slot(st, e);
        } else {
            st->items[i].rw = rewrite(st, e);
        }
    }
    return &st->b;
}
