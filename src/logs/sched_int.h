/*
 * sched_int.h: scheduled queries inside the Logs service — the handlers
 * (sched_query.c, sched_history.c) and the scheduler (sched_run.c) share
 * the record's layout and the scheduler's clock.
 *
 * The definition (sched_store.h `doc`) is a JSON object with the API's
 * members as GetScheduledQuery shows them (name, description,
 * queryLanguage, queryString, logGroupIdentifiers, scheduleExpression,
 * timezone, startTimeOffset, destinationConfiguration, scheduleStartTime,
 * scheduleEndTime, executionRoleArn, state, lastTriggeredTime,
 * lastExecutionStatus) and logvault's own: "owner" (the principal that
 * created or last updated it, whose rights its runs use: accessKey,
 * account, user, arn, service), "anchor" (the epoch ms rate() counts
 * from: scheduleStartTime, else the time of the last create or update),
 * "tags".
 */
#ifndef LV_LOGS_SCHED_INT_H
#define LV_LOGS_SCHED_INT_H

#include <stdint.h>

struct lv_app;
struct lv_err;
struct lv_req;
struct lv_sched_expr;
struct lv_sched_rec;
struct json_t;

/* The scheduled query that `identifier` of in names (its name, or its ARN
 * in rq's account and region) into *r (the caller releases it, also on
 * failure): 0, or -1 with ResourceNotFoundException or a store fault. */
int lv_logs_sched_find(struct lv_req *rq, const struct json_t *in,
                       struct lv_sched_rec *r, struct lv_err *err);

/* "arn:aws:logs:REGION:ACCOUNT:scheduled-query:NAME". */
#define LV_SCHED_ARN_MAX 400
void lv_logs_sched_arn(const char *region, const char *account,
                       const char *name, char out[LV_SCHED_ARN_MAX]);

/*
 * The scheduler's clock, epoch ms. The real clock, unless the environment
 * variable LOGVAULT_TEST_SCHED_SPEED is set to an integer N from 2 to
 * 3600 when the server starts (tests only: 3201-scheduled-queries.py):
 * then the clock runs N times faster than real time from the moment the
 * scheduler starts, and the scheduler ticks every LV_SCHED_TICK_MS / N
 * (at least 50 ms), so that rate(1 minute) fires about every 60/N
 * seconds. Creation and update times stay real; run times are on this
 * clock.
 */
int64_t lv_logs_sched_now_ms(void);

/* The next run of a definition at or after `after_ms` on the scheduler's
 * clock, from its state, expression, anchor, scheduleStartTime and
 * scheduleEndTime: -1 when none (disabled, past the end). */
int64_t lv_logs_sched_next(const struct json_t *doc,
                           const struct lv_sched_expr *e, int64_t after_ms);

/* The interval of the scheduler, on the real clock. */
#define LV_SCHED_TICK_MS 10000

/* The scheduler: a ticker under the store lease "logs.sched" (one node
 * runs the schedules at a time). NULL when it cannot be started. */
struct lv_logs_sched;
struct lv_logs_sched *lv_logs_sched_start(struct lv_app *app);
void lv_logs_sched_stop(struct lv_logs_sched *s);

#endif
