/*
 * retention: the Logs background task that enforces retention policies. A
 * thread that, right at start and then every interval, walks every log
 * group with a retention set (in every account and region) and deletes
 * its chunks whose newest event is older than now - retentionInDays
 * (lv_store_logs_group_expire, which reads the group's retention in the
 * same transaction that deletes, and keeps storedBytes right).
 * It reads the wall clock itself (it serves no request). Each pass first
 * takes the store's lease "logs.retention" (lv_store_lease) and is
 * skipped without it, so that of several nodes sharing a store one does
 * the work, and another takes it over when that one dies.
 *
 * Not here: refusing events older than the retention at ingest, and not
 * returning them on reads (the events code does both, so an event past
 * retention is never seen even between two passes).
 */
#ifndef LV_LOGS_RETENTION_H
#define LV_LOGS_RETENTION_H

#include <stdint.h>

struct lv_app;
struct lv_err;
struct lv_logs_retention;
struct lv_store;

/*
 * Starts the task for app (its store must outlive the task) with a pass
 * every interval_ms (> 0) and one at once. The handle, or NULL when the
 * thread cannot be started (logged).
 */
struct lv_logs_retention *lv_logs_retention_start(struct lv_app *app,
                                                  int interval_ms);

/* Stops the task: wakes it, waits for a pass in progress to finish, joins
 * the thread and frees the handle. NULL is a no-op. */
void lv_logs_retention_stop(struct lv_logs_retention *r);

/* One pass now, on the calling thread, at time now_ms (epoch ms): what the
 * task does each interval. The number of chunks deleted goes to *n. 0, or
 * -1 with *err when the store fails (groups handled so far stay done). */
int lv_logs_retention_pass(struct lv_store *s, int64_t now_ms, int64_t *n,
                           struct lv_err *err);

#endif
