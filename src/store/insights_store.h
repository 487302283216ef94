/*
 * insights_store: Logs Insights' records in the store (schema component
 * "insights") — the queries started with StartQuery, with their status,
 * statistics and sealed results, and the saved query definitions
 * (PutQueryDefinition). Query state lives here, not in a node's memory, so
 * that on several nodes any node answers GetQueryResults, StopQuery and
 * DescribeQueries for any query.
 *
 * Results hold event text, which never reaches the store in clear: the
 * Logs service seals them (logs/query_*.c) and the store keeps the opaque
 * bytes. Records are scoped by (account, region). Every function acts on
 * the calling thread's connection and joins a transaction opened with
 * lv_store_begin(). Functions returning int answer 0 (or 1 found / 0
 * absent for getters) and -1 with *err (LV_E_SERVICE_UNAVAILABLE) on a
 * store fault. The operations are listed in insights_ops.def.
 */
#ifndef LV_STORE_INSIGHTS_STORE_H
#define LV_STORE_INSIGHTS_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_store;

/* ---- queries -------------------------------------------------------------- */

/* QueryStatus: Scheduled → Running → Complete | Failed | Cancelled |
 * Timeout. */
#define LV_QUERY_STATUS_MAX 16

struct lv_query_rec {
    char id[37];                    /* queryId: 32 hex digits (AWS's form,
                                     * see logs/query_start.c) */
    char account[13];
    char region[64];
    char status[LV_QUERY_STATUS_MAX];
    char language[8];               /* "CWLI" */
    char *query_string;             /* as given */
    char *groups;                   /* JSON array of the log group ARNs
                                     * (without ":*") the query reads, in
                                     * the order resolved */
    char log_group_name[513];       /* QueryInfo's logGroupName: the first
                                     * group's name, "" for SOURCE */
    int64_t create_time_ms;         /* QueryInfo's createTime */
    int64_t start_time_s, end_time_s;   /* StartQuery's range */
    int limit;
    char node[64];                  /* the node running it */
    int64_t heartbeat_ms;           /* its runner's last sign of life */
    int64_t finish_time_ms;         /* 0 until Complete/Failed/… */
    char *statistics;               /* QueryStatistics as JSON text, NULL
                                     * until the runner wrote some */
    uint8_t *results;               /* sealed results, NULL until set */
    size_t results_len;
    char *error;                    /* why Failed (for the log and the
                                     * CLI), NULL otherwise */
};

/* Frees what a record read from the store owns and zeroes those members;
 * the struct itself is the caller's. */
void lv_query_rec_release(struct lv_query_rec *q);

typedef int (*lv_query_rec_fn)(void *arg, const struct lv_query_rec *q);

/* Inserts q (status Scheduled, as the caller set it). */
int lv_store_insights_query_insert(struct lv_store *s,
                                   const struct lv_query_rec *q,
                                   struct lv_err *err);

/* Query `id` of (account, region): 1 found (with results when
 * with_results, else results NULL), 0 absent. */
int lv_store_insights_query_get(struct lv_store *s, const char *account,
                                const char *region, const char *id,
                                int with_results, struct lv_query_rec *out,
                                struct lv_err *err);

/*
 * Moves query `id` to status `to` only when its status as it stands is
 * one of `from` (a comma-separated list, e.g. "Scheduled,Running"), in one
 * statement; sets finish_time_ms = now_ms when `to` is final (neither
 * Scheduled nor Running), and heartbeat_ms = now_ms (a move is a sign of
 * life: a query just taken to Running is not stale). 1 moved, 0
 * not (another status, or no such query): so a StopQuery on one node and
 * a runner finishing on another never overwrite each other's end.
 */
int lv_store_insights_query_transition(struct lv_store *s, const char *id,
                                       const char *from, const char *to,
                                       int64_t now_ms, struct lv_err *err);

/* The runner's progress: statistics JSON (NULL: keep what is there) and
 * heartbeat, only while the query is Running (1 written, 0 it is not
 * Running any more — stop). */
int lv_store_insights_query_progress(struct lv_store *s, const char *id,
                                     const char *statistics,
                                     int64_t now_ms, struct lv_err *err);

/* The runner's end: status `to` (Complete, Failed or Timeout; another is
 * a bug), statistics (NULL: keep what is there), sealed results (may be
 * NULL), error text (may be NULL), finish_time_ms and heartbeat_ms =
 * now_ms, only while the query is Running — 1 written, 0 not (cancelled
 * meanwhile: nothing written). */
int lv_store_insights_query_finish(struct lv_store *s, const char *id,
                                   const char *to, const char *statistics,
                                   const uint8_t *results, size_t results_len,
                                   const char *error, int64_t now_ms,
                                   struct lv_err *err);

/* How many queries of (account, region) are Scheduled or Running (AWS's
 * concurrency limit counts them across every node). */
int lv_store_insights_query_count_active(struct lv_store *s,
                                         const char *account,
                                         const char *region, int64_t *n,
                                         struct lv_err *err);

/*
 * DescribeQueries: queries of (account, region), newest first (by
 * create_time_ms, then id, descending), older than the cursor
 * (before_ms, before_id; INT64_MAX and "" for the first page); status ""
 * any; log_group_name "" any, else queries whose log_group_name is it;
 * language "" any. At most limit (> 0). Without results. fn's non-zero
 * return stops the walk and is returned.
 */
int lv_store_insights_query_list(struct lv_store *s, const char *account,
                                 const char *region, const char *status,
                                 const char *log_group_name,
                                 const char *language, int64_t before_ms,
                                 const char *before_id, int limit,
                                 lv_query_rec_fn fn, void *arg,
                                 struct lv_err *err);

/*
 * Queries of any scope that are Scheduled or Running with a heartbeat
 * older than stale_ms (their runner died with its node): fn for each,
 * without results. For the sweeper that fails them.
 */
int lv_store_insights_query_stale(struct lv_store *s, int64_t stale_ms,
                                  lv_query_rec_fn fn, void *arg,
                                  struct lv_err *err);

/* Deletes every query finished before before_ms (results are kept as
 * long as AWS keeps them); *n how many. */
int lv_store_insights_query_expire(struct lv_store *s, int64_t before_ms,
                                   int64_t *n, struct lv_err *err);

/* ---- query definitions ------------------------------------------------------ */

struct lv_query_def {
    char id[37];                    /* queryDefinitionId, a UUID */
    char account[13];
    char region[64];
    char name[256];
    char language[8];
    char *query_string;
    char *log_group_names;          /* JSON array of names, "[]" if none */
    int64_t last_modified_ms;
};

void lv_query_def_release(struct lv_query_def *d);

typedef int (*lv_query_def_fn)(void *arg, const struct lv_query_def *d);

/* Inserts d, or replaces the definition with d's id in d's scope: 1
 * replaced, 0 inserted. */
int lv_store_insights_def_put(struct lv_store *s, const struct lv_query_def *d,
                              struct lv_err *err);
int lv_store_insights_def_get(struct lv_store *s, const char *account,
                              const char *region, const char *id,
                              struct lv_query_def *out, struct lv_err *err);
/* Definitions of the scope whose name starts with `prefix` ("" all), with
 * language `language` ("" any), ordered by (name, id), after the cursor
 * (after_name, after_id; "" "" from the start), at most limit (> 0). */
int lv_store_insights_def_list(struct lv_store *s, const char *account,
                               const char *region, const char *prefix,
                               const char *language, const char *after_name,
                               const char *after_id, int limit,
                               lv_query_def_fn fn, void *arg,
                               struct lv_err *err);
/* How many definitions the scope has (AWS's quota). */
int lv_store_insights_def_count(struct lv_store *s, const char *account,
                                const char *region, int64_t *n,
                                struct lv_err *err);
/* 1 deleted, 0 no such definition. */
int lv_store_insights_def_delete(struct lv_store *s, const char *account,
                                 const char *region, const char *id,
                                 struct lv_err *err);

#endif
