/*
 * sched_expr: the scheduleExpression of a CloudWatch Logs scheduled query
 * — parsed once, then asked for its next run time.
 *
 * The syntax is EventBridge's, which the scheduled queries guide refers
 * to:
 *   rate(VALUE UNIT)  VALUE a positive integer (at most 1,000,000), UNIT
 *                     minute | minutes | hour | hours | day | days, the
 *                     singular exactly when VALUE is 1;
 *   cron(MIN HOUR DOM MONTH DOW YEAR)  six fields separated by single
 *                     spaces: MIN 0-59, HOUR 0-23, DOM 1-31, MONTH 1-12 or
 *                     JAN-DEC, DOW 1-7 or SUN-SAT (SUN is 1), YEAR
 *                     1970-2199; each field `*`, a value, a range `a-b`,
 *                     a step `a/n`, `*` `/n` or `a-b/n`, or a list of those
 *                     with `,`. Exactly one of DOM and DOW is `?` (any).
 *                     EventBridge's L, W and # are refused with a message
 *                     that says so (logvault does not evaluate them).
 *
 * Times are epoch milliseconds in UTC. A cron expression is evaluated in
 * UTC (the service refuses a cron schedule with another timezone:
 * sched_query.c); a rate has no timezone.
 */
#ifndef LV_LOGS_SCHED_EXPR_H
#define LV_LOGS_SCHED_EXPR_H

#include <stddef.h>
#include <stdint.h>

#define LV_SCHED_YEAR_MIN 1970
#define LV_SCHED_YEAR_MAX 2199

enum lv_sched_kind { LV_SCHED_RATE = 1, LV_SCHED_CRON = 2 };

struct lv_sched_expr {
    enum lv_sched_kind kind;
    int64_t rate_ms;                /* LV_SCHED_RATE */
    /* LV_SCHED_CRON: bit i set when value i matches. */
    uint64_t min;
    uint32_t hour;
    uint32_t dom;                   /* bits 1-31 */
    uint16_t month;                 /* bits 1-12 */
    uint8_t dow;                    /* bits 1-7, 1 Sunday */
    int dom_any, dow_any;           /* the field was `?` */
    uint64_t year[(LV_SCHED_YEAR_MAX - LV_SCHED_YEAR_MIN) / 64 + 1];
};

/*
 * Parses s[0..len): 0 with *out filled, or -1 with a message for the
 * caller's ValidationException in msg[cap] (never quoting more than the
 * expression itself). Never reads past len.
 */
int lv_sched_expr_parse(const char *s, size_t len, struct lv_sched_expr *out,
                        char *msg, size_t cap);

/*
 * The first run time strictly after after_ms: for a rate, anchor_ms + k
 * times the rate (the smallest such k >= 0 past after_ms; anchor_ms is
 * the schedule's start); for cron, the first whole minute that matches.
 * -1 when there is none before the end of LV_SCHED_YEAR_MAX.
 */
int64_t lv_sched_expr_next(const struct lv_sched_expr *e, int64_t anchor_ms,
                           int64_t after_ms);

#endif
