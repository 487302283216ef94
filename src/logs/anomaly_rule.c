/*
 * anomaly_rule.c: the anomaly rule of anomaly_rule.h.
 */
#include "logs/anomaly_rule.h"

#include <math.h>
#include <string.h>

static const char *priority_of(double score)
{
    return score >= 10 ? "HIGH" : score >= 5 ? "MEDIUM" : "LOW";
}

int lv_anomaly_judge(const int64_t *base, size_t n_base, int64_t count,
                     struct lv_anomaly_verdict *v)
{
    double sum = 0, sq = 0, e, s, d, diff;
    int seen = 0;

    memset(v, 0, sizeof(*v));
    if (n_base < LV_ANOMALY_MIN_WINDOWS) {
        v->kind = LV_ANOMALY_TRAINING;
        return 0;
    }
    for (size_t i = 0; i < n_base; i++) {
        sum += (double)base[i];
        seen |= base[i] > 0;
    }
    e = sum / (double)n_base;
    for (size_t i = 0; i < n_base; i++) {
        sq += ((double)base[i] - e) * ((double)base[i] - e);
    }
    s = sqrt(sq / (double)n_base);
    d = s;
    if (sqrt(e) > d) {
        d = sqrt(e);
    }
    if (d < 1) {
        d = 1;
    }
    v->expected = e;
    v->spread = d;
    if (!seen) {
        if (count <= 0) {
            return 0;
        }
        v->kind = LV_ANOMALY_NEW_PATTERN;
        v->score = (double)count;
        v->priority = priority_of(v->score);
        return 1;
    }
    diff = fabs((double)count - e);
    v->score = diff / d;
    if (diff <= 3 * d || ((double)count < e && e < 10)) {
        return 0;
    }
    v->kind = (double)count > e ? LV_ANOMALY_SPIKE : LV_ANOMALY_DROP;
    v->priority = priority_of(v->score);
    return 1;
}

const char *lv_anomaly_kind_name(enum lv_anomaly_kind k)
{
    switch (k) {
    case LV_ANOMALY_TRAINING: return "TRAINING";
    case LV_ANOMALY_NEW_PATTERN: return "NEW_PATTERN";
    case LV_ANOMALY_SPIKE: return "SPIKE";
    case LV_ANOMALY_DROP: return "DROP";
    default: return "NONE";
    }
}
