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
 *
 * logcompare timeshift D (CWL_QuerySyntax-Logcompare: "compare the current
 * time window against a baseline window shifted back by a specified
 * duration") is this block too, without a pattern before it: the baseline
 * is the query's range moved back by D (lv_iq_query_previous_range), and
 * the rows are diff's (the page names no output fields).
 */
#include "insights/fn_int.h"
#include "insights/stats_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

static int diff_add(struct lv_iq_block *b, struct lv_iq_row *r,
                    struct lv_err *err)
{
    struct lv_iq_patcmd *pc = (struct lv_iq_patcmd *)b;
    const struct lv_iq_event *ev = lv_iq_row_event(r);
    struct lv_iq_val v;

    lv_iq_row_get(r, "@message", 8, &v);
    return lv_iq_patcmd_add(pc, r, &v,
                            ev && ev->previous ? LV_IQ_PAT_PREV
                                               : LV_IQ_PAT_CUR, err);
}

/* Largest change first, then the current count, then @pattern. */
static int order(const void *a, const void *b, void *arg)
{
    struct lv_iq_pat *p = arg;
    size_t i = *(const size_t *)a, j = *(const size_t *)b;
    int64_t ci[2], cj[2], di, dj;
    const char *pi, *pj;
    size_t li, lj;

    lv_iq_pat_get(p, i, ci, &pi, &li);
    lv_iq_pat_get(p, j, cj, &pj, &lj);
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
    return lv_iq_pat_cmp_text(pi, li, pj, lj);
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

static void set_text(struct lv_iq_row *row, const char *name, const char *s,
                     size_t len)
{
    struct lv_iq_val v;

    memset(&v, 0, sizeof v);
    v.t = LV_IQ_STR;
    v.s = s;
    v.len = len;
    lv_iq_row_set(row, name, &v);
}

static int diff_end(struct lv_iq_block *b, lv_iq_row_sink *sink, void *arg,
                    struct lv_err *err)
{
    struct lv_iq_patcmd *pc = (struct lv_iq_patcmd *)b;
    size_t n = lv_iq_pat_finish(pc->p), i;
    size_t *idx = lv_iq_pat_sorted(pc->p, n, order);
    int64_t counts[2];
    const char *pat;
    size_t len;
    char desc[64];
    int ret = -1;

    for (i = 0; i < n; i++) {
        struct lv_iq_row *row = lv_iq_row_new(NULL);

        lv_iq_pat_get(pc->p, idx[i], counts, &pat, &len);
        set_text(row, "@pattern", pat, len);
        set_num(row, "@sampleCount", (double)counts[0]);
        set_num(row, "@previousSampleCount", (double)counts[1]);
        set_num(row, "@diffEventCount", (double)(counts[0] - counts[1]));
        describe(counts[0], counts[1], desc, sizeof desc);
        set_text(row, "@diffDescription", desc, strlen(desc));
        lv_iq_pat_fields(pc->p, idx[i], row, 0);
        if (sink(arg, row, err) < 0) {
            goto out;
        }
    }
    ret = 0;
out:
    free(idx);
    return ret;
}

static const struct lv_iq_block_vt diff_vt = {
    diff_add, diff_end, lv_iq_patcmd_bytes, lv_iq_patcmd_free,
};

struct lv_iq_block *lv_iq_diff_new(const struct lv_iq_cmd *c,
                                   const struct lv_iq_ctx *cx,
                                   size_t max_bytes)
{
    return lv_iq_patcmd_new(&diff_vt, c, cx, max_bytes);
}

/* The range diff compares with (insights.h). */
int lv_iq_query_previous_range(const struct lv_iq_query *q, int64_t start_ms,
                               int64_t end_ms, int64_t *lo, int64_t *hi)
{
    static const int64_t day = 24LL * 3600 * 1000;
    const char *period = NULL;

    for (size_t i = 0; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_DIFF) {
            period = q->cmds[i].diff_period;
        } else if (q->cmds[i].k == LV_IQ_C_LOGCOMPARE) {
            /* CWL_QuerySyntax-Logcompare: "a baseline window shifted
             * back by a specified duration". */
            *lo = start_ms - q->cmds[i].n;
            *hi = end_ms - q->cmds[i].n;
            return 1;
        }
    }
    if (!period) {
        return 0;
    }
    /* CWL_QuerySyntax-Diff: without an argument the comparison period is
     * the one of the same length just before; previousDay, previousWeek
     * and previousMonth compare with the same range a day, a week or a
     * calendar month earlier. */
    if (strcmp(period, "previousDay") == 0) {
        *lo = start_ms - day;
        *hi = end_ms - day;
    } else if (strcmp(period, "previousWeek") == 0) {
        *lo = start_ms - 7 * day;
        *hi = end_ms - 7 * day;
    } else if (strcmp(period, "previousMonth") == 0) {
        *lo = lv_iq_time_add_months(start_ms, -1);
        *hi = lv_iq_time_add_months(end_ms, -1);
    } else {
        *lo = start_ms - (end_ms - start_ms + 1);
        *hi = start_ms - 1;
    }
    return 1;
}
