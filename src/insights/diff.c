/*
 * diff: the `diff` command (CWL_QuerySyntax-Diff.md; what it shows is on
 * CWL_AnalyzeLogData_Compare.md). "Comparison queries return only
 * patterns": the events of the query's range and those of the comparison
 * period (rows whose event has previous = 1; the caller reads that period
 * — the range just before, or the same range a day, week or month
 * earlier, as diff_period says — when lv_iq_query_wants_previous) are
 * clustered together with pattern's method (pattern.c), so that a pattern
 * means the same thing in both periods, and each pattern's counts are kept
 * per period.
 *
 * One row per pattern seen in either period, largest change first (by the
 * absolute difference, then the current count, then @pattern), with the
 * Compare page's columns under these names (no page names the fields of
 * GetQueryResults for diff; these are this engine's):
 *  - @pattern: as pattern shows it, dynamic tokens as <*>.
 *  - @sampleCount: "Event count", the events of the pattern in the current
 *    period.
 *  - @previousSampleCount: the events of the pattern in the comparison
 *    period.
 *  - @diffEventCount: "Difference event count", current minus previous
 *    ("A positive difference means there are more such events in the
 *    current time period").
 *  - @diffDescription: "Difference description": "New pattern" (none
 *    before), "Pattern no longer present" (none now), "No change", or
 *    "Increased by N%" / "Decreased by N%" (N the change relative to the
 *    comparison period, rounded to a whole percent).
 *  - @severityLabel, @PatternId, @tokens: as pattern (pattern.c).
 * Exact, not approximated: every count is a count of events, within the
 * memory bound (past max_bytes the query fails with LimitExceeded). What
 * is approximate is only what pattern's is: the clustering itself, and
 * the first 10 token values kept per dynamic token.
 * A row without an event (after stats) counts as the current period. The
 * clustered text is @message.
 */
#include "insights/stats_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "insights/iq.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

struct diff {
    struct lv_iq_block b;
    const struct lv_iq_cmd *c;
    const struct lv_iq_ctx *cx;
    struct lv_iq_pat *p;
    struct lv_buf text;
};

static int diff_add(struct lv_iq_block *b, struct lv_iq_row *r,
                    struct lv_err *err)
{
    struct diff *d = (struct diff *)b;
    const struct lv_iq_event *ev = lv_iq_row_event(r);
    struct lv_iq_val v;
    int64_t ts = ev ? ev->ts : 0;
    int ok = 0;

    lv_iq_row_get(r, "@message", 8, &v);
    if (v.t == LV_IQ_NULL) {
        return 0;
    }
    if (v.t != LV_IQ_STR) {
        lv_buf_reset(&d->text);
        lv_iq_val_text(&v, &d->text);
        v.s = d->text.data;
        v.len = d->text.len;
    }
    if (!ev) {
        struct lv_iq_val t;
        double x;

        lv_iq_row_get(r, "@timestamp", 10, &t);
        x = lv_iq_val_num(&t, &ok);
        ts = ok ? (int64_t)x : 0;
    }
    return lv_iq_pat_add(d->p, v.s, v.len, ts,
                         ev && ev->previous ? LV_IQ_PAT_PREV : LV_IQ_PAT_CUR,
                         err);
}

static int order(const void *a, const void *b, void *arg)
{
    struct lv_iq_pat *p = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t ci[2], cj[2], di, dj;
    const char *pi, *pj;

    lv_iq_pat_get(p, i, ci, &pi);
    lv_iq_pat_get(p, j, cj, &pj);
    di = ci[0] - ci[1];
    dj = cj[0] - cj[1];
    di = di < 0 ? -di : di;
    dj = dj < 0 ? -dj : dj;
    if (di != dj) {
        return di > dj ? -1 : 1;
    }
    if (ci[0] != cj[0]) {
        return ci[0] > cj[0] ? -1 : 1;
    }
    return strcmp(pi, pj);
}

static void describe(int64_t cur, int64_t prev, char *buf, size_t cap)
{
    double pct;

    if (prev == 0) {
        snprintf(buf, cap, "New pattern");
    } else if (cur == 0) {
        snprintf(buf, cap, "Pattern no longer present");
    } else if (cur == prev) {
        snprintf(buf, cap, "No change");
    } else {
        pct = round(fabs((double)(cur - prev)) * 100.0 / (double)prev);
        snprintf(buf, cap, "%s by %.0f%%",
                 cur > prev ? "Increased" : "Decreased", pct);
    }
}

static void set_num(struct lv_iq_row *row, const char *name, double x)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof v);
    v.t = LV_IQ_NUM;
    v.num = x;
    lv_iq_row_set(row, name, &v);
}

static void set_text(struct lv_iq_row *row, const char *name, const char *s)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof v);
    v.t = LV_IQ_STR;
    v.s = s;
    v.len = strlen(s);
    lv_iq_row_set(row, name, &v);
}

static int diff_end(struct lv_iq_block *b, lv_iq_row_sink *sink, void *arg,
                    struct lv_err *err)
{
    struct diff *d = (struct diff *)b;
    size_t n = lv_iq_pat_finish(d->p), i;
    size_t *idx = lv_xcalloc(n ? n : 1, sizeof *idx);
    int64_t counts[2];
    const char *pat;
    char desc[64];
    int ret = -1;

    for (i = 0; i < n; i++) {
        idx[i] = i;
    }
    qsort_r(idx, n, sizeof *idx, order, d->p);
    for (i = 0; i < n; i++) {
        struct lv_iq_row *row = lv_iq_row_new(NULL);

        lv_iq_pat_get(d->p, idx[i], counts, &pat);
        set_text(row, "@pattern", pat);
        set_num(row, "@sampleCount", (double)counts[0]);
        set_num(row, "@previousSampleCount", (double)counts[1]);
        set_num(row, "@diffEventCount", (double)(counts[0] - counts[1]));
        describe(counts[0], counts[1], desc, sizeof desc);
        set_text(row, "@diffDescription", desc);
        lv_iq_pat_fields(d->p, idx[i], row, 0);
        if (sink(arg, row, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    free(idx);
    return ret;
}

static size_t diff_bytes(const struct lv_iq_block *b)
{
    const struct diff *d = (const struct diff *)b;

    return lv_iq_pat_bytes(d->p) + d->text.cap;
}

static void diff_free(struct lv_iq_block *b)
{
    struct diff *d = (struct diff *)b;

    if (!d) {
        return;
    }
    lv_iq_pat_free(d->p);
    lv_buf_release(&d->text);
    free(d);
}

static const struct lv_iq_block_vt diff_vt = {
    diff_add, diff_end, diff_bytes, diff_free,
};

struct lv_iq_block *lv_iq_diff_new(const struct lv_iq_cmd *c,
                                   const struct lv_iq_ctx *cx,
                                   size_t max_bytes)
{
    struct diff *d = lv_xcalloc(1, sizeof *d);

    d->b.vt = &diff_vt;
    d->c = c;
    d->cx = cx;
    d->p = lv_iq_pat_new(cx, max_bytes);
    lv_buf_init(&d->text, SIZE_MAX);
    return &d->b;
}
