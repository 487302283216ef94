/*
 * exec: a run of a parsed query — the pipeline of its commands over the
 * events the Logs service feeds (insights.h, lv_iq_run_*).
 *
 * The commands become stages, in order. A row enters stage 0 and goes on
 * until a stage drops it, keeps it, or it reaches the end:
 *   fields     evaluates its items and sets them on the row
 *   display    nothing per row (it picks the columns, result.c)
 *   filter     drops the row unless its expression is true
 *   filterIndex  the same: without field indexes it acts as a filter on
 *              the field's value (CWL_QuerySyntax-FilterIndex)
 *   parse      parse_cmd.c; a row that does not match keeps going
 *   unnest     one row per element of the list, the element set under
 *              the alias; any other value is a list of one item (the
 *              unnest page); a missing field, one row without the alias
 *   expand     the same, the element set under the field's own name (the
 *              expand page); an array in the event's JSON, which
 *              discovery flattens to name.0, name.1 …, is read whole
 *              from @message
 *   accum, autoregress, filldown, addtotals, sessionize  cmd_running.c:
 *              fields set on each row from the rows before it, in the
 *              order of the run; addtotals col=true adds a summary row
 *              at the end
 *   dedup      keeps the first row of each key in the order it sees; a
 *              row with a null in a dedup field is always kept (the
 *              dedup page)
 *   limit      keeps the first n rows it sees
 *   sort       keeps the rows, sorts them (lv_iq_val_cmp: AWS's order;
 *              equal keys keep the order they came in) and hands them on
 *              at the end; when a limit follows, only the best n are kept
 *              (once it holds n, a row that sorts after all of them is
 *              dropped before it is copied)
 *   stats, pattern, diff, fillmissing  blocks (iq.h): rows in, new rows
 *              out at the end;
 *              `pattern … | diff` is diff's block alone (diff.c clusters
 *              the events of both periods with pattern's method)
 *   unmask     sets @message to the message as ingested when the event
 *              was fed masked (ev->unmasked; logs/dataprot.h); the
 *              caller authorized logs:Unmask before the run
 *   join       cmd_join.c: each row becomes its joined rows (made anew,
 *              of no event: events are counted as they reach the join)
 *   appendcols cmd_appendcols.c, a block, after the default sort when
 *              nothing ordered the rows (it matches rows by position)
 *
 * Sub-queries (r8/iqsub). Each has a run of its own, over the same range
 * with its own limit; their events come first (ev->sub), and the first
 * event of the query itself (or finish) ends them: their results, held
 * and indexed (sub.c, counted in the memory bound), are what join,
 * appendcols and `in ( … )` read through cx.subs.
 *
 * Order. Events come in any order. Where a command depends on the order
 * of the rows (dedup, limit, accum, autoregress, filldown, sessionize,
 * addtotals col=true, and the results themselves) and no sort or block
 * came before it, the run sorts by AWS's default — @timestamp
 * descending: the dedup page says so for dedup, and it is the order of
 * results of a query without sort. Rows a block makes come in the order
 * the block gives.
 *
 * How many. A limit command that caps the results (one after the last
 * command that makes new rows: stats, pattern, diff, unnest) decides;
 * without one, opts.limit does (StartQuery's limit; 10,000 when 0, the
 * limit page's default). AWS's pages do not say which wins when both are
 * given; the one recorded observation (a review of superplanehq/
 * superplane PR 6650: "CloudWatch ignores the StartQuery `limit`
 * parameter when the query string already has a `limit` command") is
 * that the query's does.
 *
 * recordsMatched (QueryStatistics: "the number of log events that
 * matched the query string"): an event counts once when a row of it gets
 * past every filter, parse and unnest before the first stage that holds
 * rows or depends on their order (stats, sort, dedup, limit, the
 * results) — so a stats query counts the events it aggregated, and a
 * limit does not lower the count.
 *
 * Memory: the rows sort stages and the results hold, dedup's keys, and
 * what blocks report (vt->bytes) are summed after each event; past
 * opts.max_bytes, feed (or finish) fails with LimitExceededException and
 * the query fails.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "insights/exec_int.h"
#include "insights/fn_int.h"
#include "insights/insights.h"
#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

/* The limit page: "If you omit limit, the query defaults to returning up
 * to 10,000 log events." */
#define LV_IQ_DEFAULT_LIMIT 10000
/* A dropped row this big or smaller is kept for the next event. */
#define LV_IQ_SPARE_MAX (64 * 1024)

enum st_kind {
    ST_FIELDS,
    ST_NOP,         /* display */
    ST_UNMASK,      /* unmask: @message as ingested */
    ST_FILTER,
    ST_PARSE,
    ST_UNNEST,
    ST_DEDUP,
    ST_LIMIT,
    ST_SORT,
    ST_BLOCK,
    ST_RUNNING,     /* accum, autoregress, filldown, addtotals,
                     * sessionize (cmd_running.c) */
    ST_JOIN,        /* r8/iqsub: cmd_join.c */
    ST_LOOKUP,      /* r8/lookup (cmd_lookup.c) */
    ST_OUT,
};

struct held {
    struct lv_iq_row *row;
    uint64_t seq;
    size_t bytes;
    struct lv_iq_val *keys;     /* borrowed from row */
};

struct dkey {
    char *k;                    /* NULL: empty slot */
    size_t len;
    uint64_t h;
};

struct stage {
    enum st_kind k;
    const struct lv_iq_cmd *c;  /* NULL: implicit (default sort, out) */
    /* ST_SORT, ST_OUT */
    struct held *h;
    size_t n, cap;
    size_t keep;                /* 0: all */
    int trimmed;                /* h[0 .. keep) are the best, sorted */
    int dflt;                   /* sort by @timestamp desc */
    size_t nkeys;
    /* ST_LIMIT */
    size_t lim, seen;
    /* ST_DEDUP */
    struct dkey *set;
    size_t set_n, set_cap, set_bytes;
    /* ST_BLOCK */
    struct lv_iq_block *b;
    /* ST_RUNNING */
    struct lv_iq_running *rs;
    /* ST_LOOKUP (r8/lookup): NULL until lv_iq_run_set_table */
    struct lv_iq_lookup *lk;
};

struct lv_iq_run {
    const struct lv_iq_query *q;
    struct lv_iq_run_opts o;
    struct lv_iq_ctx cx;
    struct stage *st;
    size_t n_st;
    size_t count_at;            /* the stage where events are counted */
    size_t limit;               /* of the results */
    uint64_t seq;
    size_t held;                /* bytes of rows in sort stages and out */
    size_t peak;
    int64_t matched;
    int counted;                /* the event being fed was counted */
    int in_feed;
    int failed;
    struct lv_err fail;         /* why the run cannot go on */
    int finished;
    struct lv_iq_row *spare;    /* a dropped row, reused for the next event
                                 * (its arena keeps a block: no malloc per
                                 * event for what eval computes) */
    /* r8/iqsub: the sub-queries' runs, until the first event of the query
     * itself (or finish) ends them into subres (cx.subs) */
    struct lv_iq_run **sub_runs;
    struct lv_iq_subres *subres;
    size_t n_subs;
    int subs_ended;
};

/* ---- building -------------------------------------------------------- */

static struct stage *add_stage(struct lv_iq_run *run, enum st_kind k,
                               const struct lv_iq_cmd *c)
{
    struct stage *s;
    run->st = lv_xrealloc(run->st, (run->n_st + 1) * sizeof(*run->st));
    s = &run->st[run->n_st++];
    memset(s, 0, sizeof(*s));
    s->k = k;
    s->c = c;
    return s;
}

/* The sort stage whose kept rows a limit of n right after it may cap:
 * the last stage when it is a sort, looking past stages that keep every
 * row as it is (fields, display, unmask). */
static struct stage *sort_before(struct lv_iq_run *run)
{
    for (size_t i = run->n_st; i > 0; i--) {
        struct stage *s = &run->st[i - 1];
        if (s->k == ST_SORT) {
            return s;
        }
        if (s->k != ST_FIELDS && s->k != ST_NOP && s->k != ST_UNMASK) {
            return NULL;
        }
    }
    return NULL;
}

static void cap_sort(struct lv_iq_run *run, size_t n)
{
    struct stage *s = sort_before(run);
    if (s && (s->keep == 0 || s->keep > n)) {
        s->keep = n;
    }
}

static void add_default_sort(struct lv_iq_run *run, size_t keep)
{
    struct stage *s = add_stage(run, ST_SORT, NULL);
    s->dflt = 1;
    s->nkeys = 1;
    s->keep = keep;
}

static void fail(struct lv_iq_run *run, enum lv_errcode code, const char *msg)
{
    if (!run->failed) {
        run->failed = 1;
        lv_err_set(&run->fail, code, "%s", msg);
    }
}

/* addtotals without a list sums the columns the rows show before it:
 * the items of the fields commands between the last stats (pattern,
 * diff) and command `at`. */
static void totals_columns(struct lv_iq_run *run, size_t at,
                           struct lv_iq_running *rs)
{
    const struct lv_iq_query *q = run->q;
    const struct lv_iq_item **cols = NULL;
    size_t n = 0, from = 0;

    for (size_t i = 0; i < at; i++) {
        enum lv_iq_ck k = q->cmds[i].k;
        if (k == LV_IQ_C_STATS || k == LV_IQ_C_PATTERN || k == LV_IQ_C_DIFF ||
            k == LV_IQ_C_RELEVANTFIELDS || k == LV_IQ_C_LOGCOMPARE) {
            from = i + 1;
        }
    }
    for (size_t i = from; i < at; i++) {
        const struct lv_iq_cmd *c = &q->cmds[i];
        if (c->k != LV_IQ_C_FIELDS) {
            continue;
        }
        cols = lv_xrealloc(cols, (n + c->n_items + 1) * sizeof(*cols));
        for (size_t j = 0; j < c->n_items; j++) {
            size_t k = 0;
            while (k < n && strcmp(cols[k]->name, c->items[j].name) != 0) {
                k++;
            }
            if (k == n) {           /* a column named twice counts once */
                cols[n++] = &c->items[j];
            }
        }
    }
    lv_iq_running_columns(rs, cols, n);
    free(cols);
}

static void build(struct lv_iq_run *run)
{
    const struct lv_iq_query *q = run->q;
    int ordered = 0;        /* the rows reaching here come in a set order */
    int counting = 1;       /* count_at not decided yet */

    for (size_t i = 0; i < q->n_cmds; i++) {
        const struct lv_iq_cmd *c = &q->cmds[i];
        size_t before = run->n_st;
        switch (c->k) {
        case LV_IQ_C_FIELDS:
            add_stage(run, ST_FIELDS, c);
            break;
        case LV_IQ_C_DISPLAY:
            add_stage(run, ST_NOP, c);
            break;
        case LV_IQ_C_FILTER:
        case LV_IQ_C_FILTER_INDEX:
            add_stage(run, ST_FILTER, c);
            break;
        case LV_IQ_C_PARSE:
            add_stage(run, ST_PARSE, c);
            break;
        case LV_IQ_C_UNNEST:
        case LV_IQ_C_EXPAND:
            add_stage(run, ST_UNNEST, c);
            break;
        case LV_IQ_C_DEDUP:
            if (!ordered) {
                add_default_sort(run, 0);
                ordered = 1;
            }
            add_stage(run, ST_DEDUP, c);
            break;
        case LV_IQ_C_ACCUM:
        case LV_IQ_C_AUTOREGRESS:
        case LV_IQ_C_FILLDOWN:
        case LV_IQ_C_SESSIONIZE:
            /* A running command sees the rows in the order of the
             * results, as dedup does. */
            if (!ordered) {
                add_default_sort(run, 0);
                ordered = 1;
            }
            add_stage(run, ST_RUNNING, c)->rs = lv_iq_running_new(c);
            break;
        case LV_IQ_C_ADDTOTALS:
            /* Row totals need no order; the summary row of col=true
             * comes after the rows in the results' order. */
            if (!ordered && (c->n & LV_IQ_TOTALS_COL)) {
                add_default_sort(run, 0);
                ordered = 1;
            }
            add_stage(run, ST_RUNNING, c)->rs = lv_iq_running_new(c);
            if (c->n_items == 0) {
                totals_columns(run, i, run->st[run->n_st - 1].rs);
            }
            break;
        case LV_IQ_C_LIMIT: {
            size_t n = c->n > 0 ? (size_t)c->n : 0;
            if (!ordered) {
                add_default_sort(run, n);
                ordered = 1;
            } else {
                cap_sort(run, n);
            }
            add_stage(run, ST_LIMIT, c)->lim = n;
            break;
        }
        case LV_IQ_C_SORT: {
            struct stage *s = add_stage(run, ST_SORT, c);
            s->nkeys = c->n_items;
            ordered = 1;
            break;
        }
        case LV_IQ_C_PATTERN:
            if (i + 1 < q->n_cmds && q->cmds[i + 1].k == LV_IQ_C_DIFF) {
                /* `pattern @message | diff`: diff clusters the events of
                 * both periods itself (diff.c), in pattern's place. */
                add_stage(run, ST_NOP, c);
                break;
            }
            /* fall through */
        case LV_IQ_C_STATS:
        case LV_IQ_C_DIFF:
        case LV_IQ_C_FILLMISSING: {
            struct stage *s = add_stage(run, ST_BLOCK, c);
            if (c->k == LV_IQ_C_STATS) {
                s->b = lv_iq_stats_new(c, &run->cx, run->o.max_bytes);
            } else if (c->k == LV_IQ_C_PATTERN) {
                s->b = lv_iq_pattern_new(c, &run->cx, run->o.max_bytes);
            } else if (c->k == LV_IQ_C_FILLMISSING) {
                s->b = lv_iq_fillmissing_new(c, &run->cx,
                                             run->o.max_bytes);
            } else {
                s->b = lv_iq_diff_new(c, &run->cx, run->o.max_bytes);
            }
            if (!s->b) {
                LV_BUG("insights: no block for command %d", (int)c->k);
            }
            ordered = 1;
            break;
        }
        case LV_IQ_C_OUTLIER:
        case LV_IQ_C_RELEVANTFIELDS:
        case LV_IQ_C_LOGCOMPARE:
        case LV_IQ_C_ANOMALY: {
            /* r8/iqml. outlier hands on the rows it holds in the order
             * they came: the results' order, as dedup sees them. */
            struct stage *s;

            if (c->k == LV_IQ_C_OUTLIER && !ordered) {
                add_default_sort(run, 0);
            }
            s = add_stage(run, ST_BLOCK, c);
            if (c->k == LV_IQ_C_OUTLIER) {
                s->b = lv_iq_outlier_new(c, &run->cx, run->o.max_bytes);
            } else if (c->k == LV_IQ_C_RELEVANTFIELDS) {
                s->b = lv_iq_relevant_new(c, &run->cx, run->o.max_bytes);
            } else if (c->k == LV_IQ_C_ANOMALY) {
                s->b = lv_iq_anomaly_new(c, &run->cx, run->o.max_bytes);
            } else {
                s->b = lv_iq_diff_new(c, &run->cx, run->o.max_bytes);
            }
            ordered = 1;
            break;
        }
        case LV_IQ_C_JOIN:                  /* r8/iqsub */
            add_stage(run, ST_JOIN, c);
            break;
        case LV_IQ_C_APPENDCOLS:
            /* positional: the rows in the order of the results */
            if (!ordered) {
                add_default_sort(run, 0);
                ordered = 1;
            }
            add_stage(run, ST_BLOCK, c)->b =
                lv_iq_appendcols_new(c, &run->cx, run->o.max_bytes);
            break;
        case LV_IQ_C_LOOKUP:        /* r8/lookup */
        case LV_IQ_C_CIDRLOOKUP:
            add_stage(run, ST_LOOKUP, c);
            break;
        case LV_IQ_C_UNMASK:
            add_stage(run, ST_UNMASK, c);
            break;
        default: {
            /* The parser refuses what the engine does not run; a command
             * that gets here anyway fails the query, never silently. */
            char msg[128];
            snprintf(msg, sizeof(msg), "%.64s is not supported",
                     c->str ? c->str : "this command");
            fail(run, LV_E_MALFORMED_QUERY, msg);
            add_stage(run, ST_NOP, c);
            break;
        }
        }
        if (counting && run->n_st > before) {
            enum st_kind k = run->st[before].k;
            /* join makes rows of no event: its input is what counts */
            if (k == ST_SORT || k == ST_DEDUP || k == ST_LIMIT ||
                k == ST_BLOCK || k == ST_JOIN) {
                run->count_at = before;
                counting = 0;
            }
        }
    }
    if (counting) {
        run->count_at = run->n_st;  /* the default sort, or the results */
    }
    if (!ordered) {
        add_default_sort(run, run->limit);
    } else {
        cap_sort(run, run->limit);
    }
    add_stage(run, ST_OUT, NULL)->keep = run->limit;
}

struct lv_iq_run *lv_iq_run_new(const struct lv_iq_query *q,
                                const struct lv_iq_run_opts *o)
{
    struct lv_iq_run *run = lv_xcalloc(1, sizeof(*run));

    run->q = q;
    run->o = *o;
    run->cx.start_ms = o->start_ms;
    run->cx.end_ms = o->end_ms;
    run->cx.now_ms = o->now_ms;
    run->limit = o->limit ? o->limit : LV_IQ_DEFAULT_LIMIT;
    /* The limit commands after the last one that makes new rows (a
     * block, unnest) cap the results, in place of opts.limit. */
    {
        size_t cmd_limit = SIZE_MAX;
        for (size_t i = q->n_cmds; i > 0; i--) {
            const struct lv_iq_cmd *c = &q->cmds[i - 1];
            if (c->k == LV_IQ_C_STATS || c->k == LV_IQ_C_PATTERN ||
                c->k == LV_IQ_C_DIFF || c->k == LV_IQ_C_UNNEST ||
                c->k == LV_IQ_C_RELEVANTFIELDS ||
                c->k == LV_IQ_C_LOGCOMPARE ||
                c->k == LV_IQ_C_EXPAND || c->k == LV_IQ_C_FILLMISSING ||
                c->k == LV_IQ_C_JOIN ||
                (c->k == LV_IQ_C_ADDTOTALS && (c->n & LV_IQ_TOTALS_COL))) {
                break;
            }
            if (c->k == LV_IQ_C_LIMIT && c->n >= 0 &&
                (size_t)c->n < cmd_limit) {
                cmd_limit = (size_t)c->n;
            }
        }
        if (cmd_limit != SIZE_MAX) {
            run->limit = cmd_limit;
        }
    }
    /* r8/iqsub: one run per sub-query, over the same range */
    run->n_subs = q->n_subs;
    if (q->n_subs) {
        run->sub_runs = lv_xcalloc(q->n_subs, sizeof(*run->sub_runs));
        run->subres = lv_xcalloc(q->n_subs, sizeof(*run->subres));
        run->cx.subs = run->subres;
    }
    for (size_t i = 0; i < q->n_subs; i++) {
        struct lv_iq_run_opts so = *o;
        so.limit = q->subs[i].limit;
        run->sub_runs[i] = lv_iq_run_new(q->subs[i].q, &so);
    }
    build(run);
    return run;
}

static void free_held(struct stage *s)
{
    for (size_t i = 0; i < s->n; i++) {
        lv_iq_row_free(s->h[i].row);
        free(s->h[i].keys);
    }
    free(s->h);
    s->h = NULL;
    s->n = s->cap = 0;
}

void lv_iq_run_free(struct lv_iq_run *run)
{
    if (!run) {
        return;
    }
    for (size_t i = 0; i < run->n_st; i++) {
        struct stage *s = &run->st[i];
        free_held(s);
        for (size_t j = 0; j < s->set_cap; j++) {
            free(s->set[j].k);
        }
        free(s->set);
        if (s->b) {
            s->b->vt->free(s->b);
        }
        lv_iq_running_free(s->rs);
        lv_iq_lookup_free(s->lk);
    }
    free(run->st);
    lv_iq_row_free(run->spare);
    for (size_t i = 0; i < run->n_subs; i++) {
        lv_iq_run_free(run->sub_runs[i]);
        lv_iq_subres_release(&run->subres[i]);
    }
    free(run->sub_runs);
    free(run->subres);
    free(run);
}

/* r8/lookup: insights.h */
int lv_iq_run_set_table(struct lv_iq_run *run, const char *name,
                        const struct lv_iq_table *t, struct lv_err *err)
{
    for (size_t i = 0; i < run->n_st; i++) {
        struct stage *s = &run->st[i];

        if (s->k != ST_LOOKUP || strcmp(s->c->str, name) != 0) {
            continue;
        }
        lv_iq_lookup_free(s->lk);
        s->lk = lv_iq_lookup_new(s->c, t, err);
        if (!s->lk) {
            return -1;
        }
    }
    return 0;
}

/* ---- memory ---------------------------------------------------------- */

static size_t run_bytes(const struct lv_iq_run *run)
{
    size_t t = run->held;
    for (size_t i = 0; i < run->n_subs; i++) {
        t += run->subres[i].bytes;
    }
    for (size_t i = 0; i < run->n_st; i++) {
        t += run->st[i].set_bytes;
        if (run->st[i].b) {
            t += run->st[i].b->vt->bytes(run->st[i].b);
        }
        if (run->st[i].rs) {
            t += lv_iq_running_bytes(run->st[i].rs);
        }
        t += lv_iq_lookup_bytes(run->st[i].lk);
    }
    return t;
}

static int check_memory(struct lv_iq_run *run, struct lv_err *err)
{
    size_t t = run_bytes(run);
    if (t > run->peak) {
        run->peak = t;
    }
    if (run->o.max_bytes && t > run->o.max_bytes) {
        return lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                          "Query exceeded the memory limit of %zu bytes "
                          "(it held %zu): narrow the time range, filter "
                          "more, or group by fewer distinct values",
                          run->o.max_bytes, t);
    }
    return 0;
}

size_t lv_iq_run_peak_bytes(const struct lv_iq_run *run)
{
    return run->peak;
}

/* Frees r, or keeps it as the run's spare row. */
static void drop(struct lv_iq_run *run, struct lv_iq_row *r)
{
    if (!run->spare && lv_iq_row_bytes(r) <= LV_IQ_SPARE_MAX) {
        lv_iq_row_reuse(r, NULL);
        run->spare = r;
        return;
    }
    lv_iq_row_free(r);
}

/* ---- the stages ------------------------------------------------------ */

static int push(struct lv_iq_run *run, size_t i, struct lv_iq_row *r,
                struct lv_err *err);

static void do_fields(struct lv_iq_run *run, const struct lv_iq_cmd *c,
                      struct lv_iq_row *r)
{
    for (size_t j = 0; j < c->n_items; j++) {
        const struct lv_iq_item *it = &c->items[j];
        struct lv_iq_val v;
        /* `fields @message` names a field the row already has under that
         * name: nothing to set (and no copy of the message). */
        if (it->e->k == LV_IQ_E_FIELD && strcmp(it->e->str, it->name) == 0) {
            continue;
        }
        lv_iq_eval(it->e, r, &run->cx, &v);
        lv_iq_row_set(r, it->name, &v);
    }
}

static int cmp_held(const void *a, const void *b, void *arg)
{
    const struct held *x = a, *y = b;
    const struct stage *s = arg;

    for (size_t k = 0; k < s->nkeys; k++) {
        int c = lv_iq_val_cmp(&x->keys[k], &y->keys[k]);
        int desc = s->dflt ? 1 : s->c->items[k].desc;
        if (c != 0) {
            return desc ? -c : c;
        }
    }
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void sort_trim(struct lv_iq_run *run, struct stage *s)
{
    if (s->n == 0) {
        return;
    }
    qsort_r(s->h, s->n, sizeof(*s->h), cmp_held, s);
    if (s->keep && s->n > s->keep) {
        for (size_t i = s->keep; i < s->n; i++) {
            run->held -= s->h[i].bytes;
            lv_iq_row_free(s->h[i].row);
            free(s->h[i].keys);
        }
        s->n = s->keep;
        s->trimmed = 1;
    }
}

static void sort_keys(struct lv_iq_run *run, const struct stage *s,
                      struct lv_iq_row *r, struct lv_iq_val *keys)
{
    if (s->dflt) {
        lv_iq_row_get(r, "@timestamp", 10, &keys[0]);
        return;
    }
    for (size_t k = 0; k < s->nkeys; k++) {
        lv_iq_eval(s->c->items[k].e, r, &run->cx, &keys[k]);
    }
}

/* 1 when a capped sort already holds `keep` rows that all come before r:
 * r can never be in its output (the best rows of the last trim, h[0 ..
 * keep), stay the best until the next one; r comes after all of them on
 * equal keys too, as it came later). */
static int sort_rejects(struct lv_iq_run *run, const struct stage *s,
                        struct lv_iq_row *r)
{
    struct lv_iq_val stack[8];
    struct lv_iq_val *keys = stack;
    struct held h;
    int worse;

    if (!s->keep || !s->trimmed) {
        return 0;
    }
    if (s->nkeys > sizeof(stack) / sizeof(stack[0])) {
        keys = lv_xcalloc(s->nkeys, sizeof(*keys));
    }
    sort_keys(run, s, r, keys);
    h.row = r;
    h.seq = run->seq;
    h.keys = keys;
    worse = cmp_held(&h, &s->h[s->keep - 1], (void *)s) > 0;
    if (keys != stack) {
        free(keys);
    }
    return worse;
}

/* Keeps r (taken) in stage s; a row a capped sort cannot use is freed. */
static void hold(struct lv_iq_run *run, struct stage *s, struct lv_iq_row *r)
{
    struct held *h;

    if (s->k == ST_SORT && sort_rejects(run, s, r)) {
        drop(run, r);
        return;
    }
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 64;
        s->h = lv_xrealloc(s->h, s->cap * sizeof(*s->h));
    }
    /* The keys are taken after lv_iq_row_own, so that they point into
     * what the row owns. */
    lv_iq_row_own(r);
    h = &s->h[s->n++];
    h->row = r;
    h->seq = run->seq++;
    h->keys = NULL;
    if (s->k == ST_SORT) {
        h->keys = lv_xcalloc(s->nkeys, sizeof(*h->keys));
        sort_keys(run, s, r, h->keys);
    }
    h->bytes = lv_iq_row_bytes(r) + s->nkeys * sizeof(*h->keys) +
               sizeof(*h);
    run->held += h->bytes;
    /* A capped sort keeps at most 2 × keep + 8 rows between trims. */
    if (s->k == ST_SORT && s->keep && s->n >= 2 * s->keep + 8) {
        sort_trim(run, s);
    }
}

static uint64_t hash_bytes(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    }
    return h;
}

/* Adds key to the set: 1 if it was new. */
static int dedup_add(struct stage *s, struct lv_buf *key)
{
    uint64_t h = hash_bytes(key->data, key->len);
    size_t i;

    if ((s->set_n + 1) * 2 > s->set_cap) {
        size_t cap = s->set_cap ? s->set_cap * 2 : 64;
        struct dkey *nw = lv_xcalloc(cap, sizeof(*nw));
        for (size_t j = 0; j < s->set_cap; j++) {
            if (s->set[j].k) {
                size_t p = s->set[j].h & (cap - 1);
                while (nw[p].k) {
                    p = (p + 1) & (cap - 1);
                }
                nw[p] = s->set[j];
            }
        }
        free(s->set);
        s->set_bytes += (cap - s->set_cap) * sizeof(*nw);
        s->set = nw;
        s->set_cap = cap;
    }
    for (i = h & (s->set_cap - 1); s->set[i].k; i = (i + 1) & (s->set_cap - 1)) {
        if (s->set[i].h == h && s->set[i].len == key->len &&
            memcmp(s->set[i].k, key->data, key->len) == 0) {
            return 0;
        }
    }
    s->set[i].h = h;
    s->set[i].len = key->len;
    s->set[i].k = lv_buf_detach(key, NULL);
    s->set_n++;
    s->set_bytes += s->set[i].len + 1;
    return 1;
}

/* 1: keep r (first of its key, or a null in a key field). */
static int dedup_keep(struct lv_iq_run *run, struct stage *s,
                      struct lv_iq_row *r)
{
    struct lv_buf key = LV_BUF_INIT(SIZE_MAX);
    int keep = 1;

    for (size_t j = 0; j < s->c->n_items; j++) {
        struct lv_iq_val v;
        size_t at;
        lv_iq_eval(s->c->items[j].e, r, &run->cx, &v);
        if (v.t == LV_IQ_NULL) {
            lv_buf_release(&key);
            return 1;
        }
        /* type, length and text: keys cannot run into each other */
        at = key.len;
        lv_buf_addf(&key, "%d:", (int)v.t);
        lv_iq_val_text(&v, &key);
        lv_buf_addf(&key, "/%zu;", key.len - at);
    }
    keep = dedup_add(s, &key);
    lv_buf_release(&key);
    return keep;
}

/* The value of element j of a JSON array, as fn_json.c gives members:
 * strings as text, numbers as numbers, true/false as booleans, maps and
 * lists as JSON text, null as null. Text in r's arena. */
static void element(const json_t *j, struct lv_iq_row *r,
                    struct lv_iq_val *out)
{
    struct lv_iq_arena *a = lv_iq_row_arena(r);
    char *text;

    memset(out, 0, sizeof(*out));
    switch (json_typeof(j)) {
    case JSON_STRING:
        out->t = LV_IQ_STR;
        out->len = json_string_length(j);
        out->s = lv_iq_arena_strndup(a, json_string_value(j), out->len);
        break;
    case JSON_INTEGER:
    case JSON_REAL:
        out->t = LV_IQ_NUM;
        out->num = json_number_value(j);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        out->t = LV_IQ_BOOL;
        out->num = json_is_true(j);
        break;
    case JSON_OBJECT:
    case JSON_ARRAY:
        text = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER |
                                 JSON_ENCODE_ANY);
        if (text) {
            out->t = LV_IQ_JSON;
            out->len = strlen(text);
            out->s = lv_iq_arena_strndup(a, text, out->len);
            free(text);
        }
        break;
    case JSON_NULL:
        break;
    }
}

/* expand's list when the field is not a value of the row: discovery
 * flattens a JSON array of the event into name.0, name.1 …, so the list
 * itself is read from @message, at the field's path. */
static void expand_source(const struct lv_iq_expr *e, struct lv_iq_row *r,
                          struct lv_iq_val *out)
{
    struct lv_iq_val msg;
    struct lv_buf path = LV_BUF_INIT(SIZE_MAX);

    lv_iq_row_get(r, "@message", 8, &msg);
    if (msg.t != LV_IQ_STR || msg.len == 0 || msg.s[0] != '{') {
        return;
    }
    msg.t = LV_IQ_JSON;
    lv_buf_addc(&path, '.');
    lv_buf_add(&path, e->str, e->len);
    lv_iq_json_member(&msg, path.data, path.len, lv_iq_row_arena(r), out);
    lv_buf_release(&path);
}

static int unnest(struct lv_iq_run *run, size_t i, const struct lv_iq_cmd *c,
                  struct lv_iq_row *r, struct lv_err *err)
{
    const struct lv_iq_item *it = &c->items[0];
    struct lv_iq_val v;
    json_t *list = NULL;
    int rc = 0;

    lv_iq_eval(it->e, r, &run->cx, &v);
    if (v.t == LV_IQ_NULL && c->k == LV_IQ_C_EXPAND) {
        expand_source(it->e, r, &v);
    }
    if (v.t == LV_IQ_JSON && v.len > 0 && v.s[0] == '[') {
        list = json_loadb(v.s, v.len, JSON_ALLOW_NUL, NULL);
    }
    if (!list || !json_is_array(list)) {
        /* Not a list: a list of one item, the value itself (a missing
         * field: the row as it is). */
        json_decref(list);
        if (v.t != LV_IQ_NULL) {
            lv_iq_row_set(r, it->name, &v);
        }
        return push(run, i + 1, r, err);
    }
    /* "this command discards the current record and generates new
     * records", one per item; an empty list leaves none. */
    for (size_t j = 0; j < json_array_size(list) && rc == 0; j++) {
        struct lv_iq_row *n = lv_iq_row_clone(r);
        struct lv_iq_val e;
        element(json_array_get(list, j), n, &e);
        lv_iq_row_set(n, it->name, &e);
        rc = push(run, i + 1, n, err);
    }
    json_decref(list);
    lv_iq_row_free(r);
    return rc;
}

struct sink_arg {
    struct lv_iq_run *run;
    size_t next;
};

static int block_sink(void *arg, struct lv_iq_row *r, struct lv_err *err)
{
    struct sink_arg *sa = arg;
    return push(sa->run, sa->next, r, err);
}

/* Takes r; 0, or -1 with *err (the run then fails). */
static int push(struct lv_iq_run *run, size_t i, struct lv_iq_row *r,
                struct lv_err *err)
{
    for (; i < run->n_st; i++) {
        struct stage *s = &run->st[i];
        struct lv_iq_val v;

        if (i == run->count_at && run->in_feed && !run->counted &&
            lv_iq_row_event(r)) {
            run->counted = 1;
            run->matched++;
        }
        switch (s->k) {
        case ST_FIELDS:
            do_fields(run, s->c, r);
            break;
        case ST_NOP:
            break;
        case ST_UNMASK: {
            const struct lv_iq_event *ev = lv_iq_row_event(r);

            if (ev && ev->unmasked) {
                v.t = LV_IQ_STR;
                v.num = 0;
                v.s = ev->unmasked;
                v.len = ev->unmasked_len;
                v.is_ptr = 0;
                lv_iq_row_set(r, "@message", &v);
            }
            break;
        }
        case ST_FILTER:
            lv_iq_eval(s->c->expr, r, &run->cx, &v);
            if (!lv_iq_val_truthy(&v)) {
                drop(run, r);
                return 0;
            }
            break;
        case ST_PARSE:
            lv_iq_parse_run(s->c, r, &run->cx);
            break;
        case ST_RUNNING:
            lv_iq_running_apply(s->rs, r, &run->cx);
            break;
        case ST_LOOKUP:
            if (!s->lk) {
                LV_BUG("insights: lookup table %s was not set", s->c->str);
            }
            lv_iq_lookup_apply(s->lk, r);
            break;
        case ST_UNNEST:
            return unnest(run, i, s->c, r, err);
        case ST_JOIN: {
            struct sink_arg sa = { run, i + 1 };
            return lv_iq_join_apply(s->c, &run->cx, r, block_sink, &sa,
                                    err);
        }
        case ST_DEDUP:
            if (!dedup_keep(run, s, r)) {
                drop(run, r);
                return 0;
            }
            break;
        case ST_LIMIT:
            if (s->seen >= s->lim) {
                drop(run, r);
                return 0;
            }
            s->seen++;
            break;
        case ST_SORT:
            hold(run, s, r);
            return 0;
        case ST_OUT:
            if (s->n >= s->keep) {
                drop(run, r);
                return 0;
            }
            hold(run, s, r);
            return 0;
        case ST_BLOCK: {
            int rc = s->b->vt->add(s->b, r, err);
            drop(run, r);
            return rc;
        }
        }
    }
    LV_BUG("insights: a row past the last stage");
}

/* ---- the run --------------------------------------------------------- */

/* r8/iqsub: the sub-queries have had all their events: their results,
 * indexed, for the commands that read them. */
static int end_subs(struct lv_iq_run *run, struct lv_err *err)
{
    if (run->subs_ended) {
        return 0;
    }
    run->subs_ended = 1;
    for (size_t i = 0; i < run->n_subs; i++) {
        struct lv_iq_result res;

        if (lv_iq_run_finish(run->sub_runs[i], &res, err) < 0) {
            return -1;
        }
        lv_iq_subres_set(&run->subres[i], &res, run->q->subs[i].key);
        lv_iq_run_free(run->sub_runs[i]);
        run->sub_runs[i] = NULL;
    }
    return check_memory(run, err);
}

/* r8/iqsub: an event of sub-query ev->sub - 1. */
static int feed_sub(struct lv_iq_run *run, const struct lv_iq_event *ev,
                    struct lv_err *err)
{
    struct lv_iq_event sev = *ev;
    size_t held = 0;

    if (ev->sub > run->n_subs || run->subs_ended) {
        LV_BUG("insights: an event of sub-query %zu out of turn", ev->sub);
    }
    sev.sub = 0;                /* the sub-query's own event */
    if (lv_iq_run_feed(run->sub_runs[ev->sub - 1], &sev, err) < 0) {
        goto fail;
    }
    /* the sub-queries share the run's bound: all of them together */
    for (size_t i = 0; i < run->n_subs; i++) {
        held += run_bytes(run->sub_runs[i]);
    }
    if (held > run->peak) {
        run->peak = held;
    }
    if (run->o.max_bytes && held > run->o.max_bytes) {
        lv_err_set(err, LV_E_LIMIT_EXCEEDED,
                   "Query exceeded the memory limit of %zu bytes (its "
                   "subqueries held %zu): narrow the time range or filter "
                   "more in the subqueries", run->o.max_bytes, held);
        goto fail;
    }
    return 0;
fail:
    run->failed = 1;
    lv_err_set(&run->fail, err->code, "%s", err->msg);
    return -1;
}

int lv_iq_run_feed(struct lv_iq_run *run, const struct lv_iq_event *ev,
                   struct lv_err *err)
{
    struct lv_iq_row *r;
    int rc;

    if (run->failed) {
        lv_err_set(err, run->fail.code, "%s", run->fail.msg);
        return -1;
    }
    if (run->finished) {
        LV_BUG("insights: feed after finish");
    }
    if (ev->sub) {
        return feed_sub(run, ev, err);
    }
    if (!run->subs_ended && end_subs(run, err) < 0) {
        run->failed = 1;
        lv_err_set(&run->fail, err->code, "%s", err->msg);
        return -1;
    }
    if (ev->previous && !lv_iq_query_wants_previous(run->q)) {
        return 0;
    }
    run->in_feed = 1;
    run->counted = ev->previous;    /* diff's earlier period: not a match */
    if (run->spare) {
        r = run->spare;
        run->spare = NULL;
        lv_iq_row_reuse(r, ev);
    } else {
        r = lv_iq_row_new(ev);
    }
    rc = push(run, 0, r, err);
    run->in_feed = 0;
    if (rc == 0) {
        rc = check_memory(run, err);
    }
    if (rc < 0) {
        run->failed = 1;
        lv_err_set(&run->fail, err->code, "%s", err->msg);
    }
    return rc;
}

/* Hands what stage i holds to stage i + 1, in its order. */
static int flush(struct lv_iq_run *run, size_t i, struct lv_err *err)
{
    struct stage *s = &run->st[i];
    int rc = 0;

    if (s->k == ST_BLOCK) {
        struct sink_arg sa = { run, i + 1 };
        return s->b->vt->end(s->b, block_sink, &sa, err);
    }
    if (s->k == ST_RUNNING) {
        struct lv_iq_row *r = lv_iq_running_end(s->rs);
        return r ? push(run, i + 1, r, err) : 0;
    }
    if (s->k != ST_SORT) {
        return 0;
    }
    sort_trim(run, s);
    for (size_t j = 0; j < s->n; j++) {
        struct lv_iq_row *r = s->h[j].row;
        run->held -= s->h[j].bytes;
        free(s->h[j].keys);
        s->h[j].row = NULL;
        s->h[j].keys = NULL;
        if (rc == 0) {
            rc = push(run, i + 1, r, err);
            if (rc == 0) {
                rc = check_memory(run, err);
            }
        } else {
            lv_iq_row_free(r);
        }
    }
    s->n = 0;
    return rc;
}

int lv_iq_run_finish(struct lv_iq_run *run, struct lv_iq_result *out,
                     struct lv_err *err)
{
    struct stage *o;
    struct lv_iq_row **rows;

    if (run->failed) {
        return lv_err_set(err, run->fail.code, "%s", run->fail.msg);
    }
    if (run->finished) {
        LV_BUG("insights: finish twice");
    }
    run->finished = 1;
    if (end_subs(run, err) < 0) {
        run->failed = 1;
        lv_err_set(&run->fail, err->code, "%s", err->msg);
        return -1;
    }
    for (size_t i = 0; i + 1 < run->n_st; i++) {
        if (flush(run, i, err) < 0 || check_memory(run, err) < 0) {
            run->failed = 1;
            lv_err_set(&run->fail, err->code, "%s", err->msg);
            return -1;
        }
    }
    o = &run->st[run->n_st - 1];
    rows = lv_xcalloc(o->n + 1, sizeof(*rows));
    for (size_t j = 0; j < o->n; j++) {
        rows[j] = o->h[j].row;
    }
    lv_iq_result_build(run->q, rows, o->n, &run->cx, out);
    free(rows);
    out->records_matched = run->matched;
    return 0;
}
