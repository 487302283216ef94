/*
 * sched_store: CloudWatch Logs scheduled queries in the store (schema
 * component "sched") — CreateScheduledQuery, GetScheduledQuery,
 * UpdateScheduledQuery, DeleteScheduledQuery, ListScheduledQueries,
 * GetScheduledQueryHistory, and what the scheduler (logs/sched_run.c)
 * reads and writes.
 *
 * A scheduled query is scoped by (account, region) and named uniquely
 * there. Its definition (every member the API shows, and the principal
 * whose rights its runs use) is one JSON object, `doc`, that the Logs
 * service writes and reads whole; the store indexes only the name and
 * next_ms, the epoch millisecond of its next run (-1: none — disabled, or
 * past its scheduleEndTime). A run (a trigger) is one row per (query,
 * queryId) with its status, trigger time and a JSON object of what the
 * history shows besides (errorMessage, destinations).
 *
 * Every function acts on the calling thread's connection and joins a
 * transaction opened with lv_store_begin(). Functions returning int
 * answer 0 (or 1 found, done / 0 absent, as each says) and -1 with *err
 * (LV_E_SERVICE_UNAVAILABLE) on a store fault. Walks call fn on each row;
 * fn's non-zero return stops the walk and is returned. The operations are
 * listed in sched_ops.def.
 */
#ifndef LV_STORE_SCHED_STORE_H
#define LV_STORE_SCHED_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_store;

struct lv_sched_rec {
    char account[13];
    char region[64];
    char name[256];             /* ScheduledQueryName, 1 to 255 */
    int64_t next_ms;            /* the next run, -1 none */
    int64_t created_ms;
    int64_t updated_ms;
    char *doc;                  /* JSON object (logs/sched_int.h) */
};

struct lv_sched_run {
    char account[13];
    char region[64];
    char name[256];
    char query_id[37];          /* the Insights query it started, or a
                                 * UUID of its own when none started */
    char status[16];            /* ExecutionStatus */
    int64_t triggered_ms;
    char *doc;                  /* JSON object: errorMessage, destinations */
};

/* Free what a record read from the store owns and NULL it. */
void lv_sched_rec_release(struct lv_sched_rec *r);
void lv_sched_run_release(struct lv_sched_run *r);

typedef int (*lv_sched_rec_fn)(void *arg, const struct lv_sched_rec *r);
typedef int (*lv_sched_run_fn)(void *arg, const struct lv_sched_run *r);

/* 1 inserted, 0 a scheduled query of that name exists (nothing written). */
int lv_store_sched_insert(struct lv_store *s, const struct lv_sched_rec *r,
                          struct lv_err *err);
/* Sets next_ms, updated_ms and doc of the query r names: 1, 0 absent. */
int lv_store_sched_update(struct lv_store *s, const struct lv_sched_rec *r,
                          struct lv_err *err);
/* 1 found into *out, 0 absent. */
int lv_store_sched_get(struct lv_store *s, const char *account,
                       const char *region, const char *name,
                       struct lv_sched_rec *out, struct lv_err *err);
/* The queries of (account, region) by name, after after_name ("" from
 * the start), at most limit (> 0). */
int lv_store_sched_list(struct lv_store *s, const char *account,
                        const char *region, const char *after_name,
                        int limit, lv_sched_rec_fn fn, void *arg,
                        struct lv_err *err);
/* Deletes the query and its runs: 1, 0 absent. */
int lv_store_sched_delete(struct lv_store *s, const char *account,
                          const char *region, const char *name,
                          struct lv_err *err);
/* Every query of every scope due at now_ms (0 <= next_ms <= now_ms),
 * at most limit (> 0), by (account, region, name). */
int lv_store_sched_due(struct lv_store *s, int64_t now_ms, int limit,
                       lv_sched_rec_fn fn, void *arg, struct lv_err *err);
/* Inserts the run, or sets status and doc of the run of that query id. */
int lv_store_sched_run_put(struct lv_store *s, const struct lv_sched_run *r,
                           struct lv_err *err);
/* The runs of one query triggered in [start_ms, end_ms], newest first,
 * at most limit (> 0). */
int lv_store_sched_run_list(struct lv_store *s, const char *account,
                            const char *region, const char *name,
                            int64_t start_ms, int64_t end_ms, int limit,
                            lv_sched_run_fn fn, void *arg,
                            struct lv_err *err);
/* Every run of every scope whose status is Running, at most limit (> 0). */
int lv_store_sched_run_open(struct lv_store *s, int limit,
                            lv_sched_run_fn fn, void *arg,
                            struct lv_err *err);

#endif
