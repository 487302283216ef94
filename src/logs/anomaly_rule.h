/*
 * anomaly_rule: the decision of a log anomaly detector for one pattern in
 * one evaluation window — whether the pattern's count is an anomaly
 * against its baseline, of which kind and priority. Deterministic, so the
 * same counts always give the same verdict. The log anomaly detectors'
 * evaluator (anomaly_run.c) applies it to every pattern of every window.
 *
 * Inputs: the pattern's event count in each of the previous windows
 * (the baseline, oldest first, 0 where it did not occur; at most the
 * detector's history) and its count in the window being judged.
 *
 * The rule:
 *   - training: with fewer than LV_ANOMALY_MIN_WINDOWS baseline windows
 *     nothing is an anomaly (the detector is still learning);
 *   - new pattern: every baseline window is 0 and the window has at
 *     least one event;
 *   - rate: with e the mean of the baseline and s its standard deviation
 *     (population), the spread d = max(s, sqrt(e), 1) (a Poisson floor,
 *     so that a perfectly steady baseline does not make every wobble an
 *     anomaly); the count c is an anomaly when |c - e| > 3d: a spike
 *     when above, a drop when below — a drop only when e >= 10 (a pattern
 *     that is rare anyway is not "missing");
 *   - the score is |c - e| / d (for a new pattern, c itself), and the
 *     priority HIGH when the score is at least 10, MEDIUM at least 5,
 *     else LOW (the Anomaly shape's priority member).
 */
#ifndef LV_LOGS_ANOMALY_RULE_H
#define LV_LOGS_ANOMALY_RULE_H

#include <stddef.h>
#include <stdint.h>

#define LV_ANOMALY_MIN_WINDOWS 3

enum lv_anomaly_kind {
    LV_ANOMALY_NONE = 0,
    LV_ANOMALY_TRAINING,        /* too little baseline to judge */
    LV_ANOMALY_NEW_PATTERN,
    LV_ANOMALY_SPIKE,
    LV_ANOMALY_DROP,
};

struct lv_anomaly_verdict {
    enum lv_anomaly_kind kind;
    double expected;            /* e, the baseline's mean */
    double spread;              /* d */
    double score;
    const char *priority;       /* "HIGH", "MEDIUM", "LOW"; NULL when
                                 * kind is not an anomaly */
};

/* Judges count against base[0..n_base) into *v; returns 1 when it is an
 * anomaly (NEW_PATTERN, SPIKE, DROP), else 0. Counts are >= 0. */
int lv_anomaly_judge(const int64_t *base, size_t n_base, int64_t count,
                     struct lv_anomaly_verdict *v);

/* The kind's name, as logvault shows it ("NEW_PATTERN", …). */
const char *lv_anomaly_kind_name(enum lv_anomaly_kind k);

#endif
