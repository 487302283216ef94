/*
 * fn_timeseries: rate() and histogram() of the time-series functions page
 * (r8/iqsub; CWL_QuerySyntax-timeseries-functions), aggregations that
 * stats.c keeps per group (count_over_time and sum_over_time are its
 * count and sum).
 *
 * The page gives one line each; where it is silent, this engine chooses
 * (the strict reading, stated here):
 *
 * rate(fieldName: NumericLogField, interval: Period) — "the per-interval
 *   rate of change for a numeric field": over the group's rows with a
 *   numeric value, (value at the latest @timestamp − value at the
 *   earliest) / (latest − earliest) × interval. So a counter that grows
 *   by 600 over 10 minutes has rate(c, 1m) = 60. No counter-reset
 *   handling (a drop is a negative rate). Rows at the same time as the
 *   earliest keep the smallest value, at the latest the largest, so the
 *   answer does not depend on the order events come in. Fewer than two
 *   distinct times: null (no change can be measured). interval must be a
 *   period literal (5m, 1h …), as the page types it.
 *
 * histogram(fieldName: NumericLogField, buckets: number) — "Bucketizes
 *   numeric field values into the specified number of equal-width ranges
 *   and returns the distribution", result type map: a JSON map (shown as
 *   its text, iq.h LV_IQ_JSON) from each range to its count, every range
 *   listed (zero counts too), in order. The ranges split [min, max] of
 *   the group's values; each is "[lo,hi)", the last "[lo,hi]"; when all
 *   values are equal, the one range "[v,v]". buckets: an integer
 *   constant from 1 to LV_IQ_MAX_BUCKETS (no page gives a maximum). All
 *   values are kept until the end, as pct's are (stats.c counts them
 *   against the memory bound).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "insights/iq.h"
#include "insights/parse_int.h"
#include "util/buf.h"
#include "util/mem.h"

#define LV_IQ_MAX_BUCKETS 1000

void lv_iq_rate_add(struct lv_iq_rate *s, double ts, double v)
{
    if (!s->have) {
        s->t0 = s->t1 = ts;
        s->v0 = s->v1 = v;
        s->have = 1;
        return;
    }
    if (ts < s->t0 || (ts == s->t0 && v < s->v0)) {
        s->t0 = ts;
        s->v0 = v;
    }
    if (ts > s->t1 || (ts == s->t1 && v > s->v1)) {
        s->t1 = ts;
        s->v1 = v;
    }
}

void lv_iq_rate_result(const struct lv_iq_rate *s, double interval_ms,
                       struct lv_iq_val *out)
{
    memset(out, 0, sizeof(*out));
    if (!s->have || s->t1 <= s->t0 || isnan(interval_ms) ||
        interval_ms <= 0) {
        return;
    }
    out->t = LV_IQ_NUM;
    out->num = (s->v1 - s->v0) / (s->t1 - s->t0) * interval_ms;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static void add_num(struct lv_buf *b, double d)
{
    struct lv_iq_val v = { .t = LV_IQ_NUM, .num = d };

    lv_iq_val_text(&v, b);
}

char *lv_iq_histogram_text(double *v, size_t n, size_t buckets)
{
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);
    size_t *count = lv_xcalloc(buckets, sizeof(*count));
    double lo, hi, w;

    qsort(v, n, sizeof(*v), cmp_double);
    lo = v[0];
    hi = v[n - 1];
    w = (hi - lo) / (double)buckets;
    if (!(w > 0) || !isfinite(w)) {
        lv_buf_adds(&b, "{\"[");
        add_num(&b, lo);
        lv_buf_addc(&b, ',');
        add_num(&b, hi);
        lv_buf_addf(&b, "]\":%zu}", n);
        free(count);
        return lv_buf_detach(&b, NULL);
    }
    for (size_t i = 0; i < n; i++) {
        double k = floor((v[i] - lo) / w);
        size_t j = k < 0 ? 0 : k >= (double)buckets ? buckets - 1 : (size_t)k;

        count[j]++;
    }
    lv_buf_addc(&b, '{');
    for (size_t j = 0; j < buckets; j++) {
        lv_buf_adds(&b, j ? ",\"[" : "\"[");
        add_num(&b, lo + w * (double)j);
        lv_buf_addc(&b, ',');
        add_num(&b, j + 1 == buckets ? hi : lo + w * (double)(j + 1));
        lv_buf_addf(&b, "%s\":%zu", j + 1 == buckets ? "]" : ")", count[j]);
    }
    lv_buf_addc(&b, '}');
    free(count);
    return lv_buf_detach(&b, NULL);
}

int lv_iqp_check_timeseries(struct lv_iqp *p, const struct lv_iq_expr *e)
{
    const struct lv_iq_expr *a;

    if (e->nargs != 2) {
        return 0;
    }
    a = e->args[1];
    if (strcasecmp(e->str, "rate") == 0 && a->k != LV_IQ_E_TIME) {
        return lv_iqp_err_at(p, a->pos, "the interval of rate() must be a "
                                        "period such as 1m or 5m");
    }
    if (strcasecmp(e->str, "histogram") == 0 &&
        (a->k != LV_IQ_E_NUM || a->num < 1 || a->num > LV_IQ_MAX_BUCKETS ||
         a->num != floor(a->num))) {
        return lv_iqp_err_at(p, a->pos, "the buckets of histogram() must "
                                        "be an integer from 1 to %d",
                             LV_IQ_MAX_BUCKETS);
    }
    return 0;
}

/*
 * offset (the same page): "Use offset at the end of a stats ... by bin()
 * clause to shift time-series bins by a specified duration. This enables
 * time-shifted comparisons, such as comparing current metrics against
 * the same period in the previous hour or day." Read as Prometheus reads
 * its offset modifier: the stats sees the events of the range `d`
 * earlier (the caller reads [start - d, end - d],
 * lv_iq_query_offset_ms) and reports each bin d later, so the earlier
 * period's series lines up with the query's range. Strict choices: a
 * period literal of ms, s, m, h, d or w (calendar months, quarters and
 * years have no fixed length); only on the first stats, which reads the
 * events; its by must have a bin(); not in a sub-query (which keeps the
 * query's range); not with diff (which reads its own earlier period).
 */
int lv_iq_is_bin(const struct lv_iq_expr *e)
{
    return e->k == LV_IQ_E_CALL && !e->agg && e->str &&
           strcasecmp(e->str, "bin") == 0;
}

int lv_iqp_parse_offset(struct lv_iqp *p, struct lv_iq_cmd *c, int n_stats,
                        const struct lv_iq_query *q)
{
    static const struct {
        const char *unit;
        int64_t ms;
    } units[] = {
        { "ms", 1 }, { "s", 1000 }, { "m", 60000 }, { "h", 3600000 },
        { "d", 86400000 }, { "w", 7 * 86400000LL },
    };
    int pos = p->tok.pos;
    int bin = 0;
    size_t i;

    for (i = 0; i < c->n_by; i++) {
        bin |= lv_iq_is_bin(c->by[i].e);
    }
    if (!bin) {
        return lv_iqp_err_at(p, pos, "offset must follow stats ... by "
                                     "bin(<period>)");
    }
    if (n_stats != 1 || p->in_sub) {
        return lv_iqp_err_at(p, pos, "offset is allowed only on the first "
                                     "stats command of the query");
    }
    for (i = 0; i < q->n_cmds; i++) {
        if (q->cmds[i].k == LV_IQ_C_DIFF) {
            return lv_iqp_err_at(p, pos, "offset cannot be used with "
                                         "diff");
        }
    }
    if (lv_iqp_advance(p) < 0) {
        return -1;
    }
    if (p->tok.t == LV_IQT_PERIOD && p->tok.num > 0 &&
        p->tok.num == floor(p->tok.num) && p->tok.num <= 1e6) {
        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcmp(p->tok.unit, units[i].unit) == 0) {
                c->offset_ms = (int64_t)p->tok.num * units[i].ms;
                return lv_iqp_advance(p);
            }
        }
    }
    return lv_iqp_err_at(p, p->tok.pos, "offset needs a duration such as "
                                        "1h or 1d (ms, s, m, h, d or w)");
}
