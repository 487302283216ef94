/*
 * query_int: what the Logs Insights operations share (logs/query_*.c) —
 * AWS's limits, the runner pool that runs queries in the background, the
 * sealing of results, the @ptr pointers of GetLogRecord and the query
 * statistics.
 *
 * The life of a query: StartQuery (query_start.c) checks and parses it,
 * resolves its log groups and inserts its record Scheduled in the store,
 * counting the account's active queries in the same transaction (AWS's
 * concurrency limit, across every node sharing the store); then it hands
 * the query id to this node's runner pool (query_run.c). A runner thread
 * moves it Scheduled → Running, walks the chunks of each group in the
 * range, decrypts them through the group's key as the Logs service
 * principal (lv_datakey_open_chunk, with the group's encryption context —
 * what GetLogEvents does), feeds the events to the engine
 * (insights/insights.h), writes its statistics and heartbeat about every
 * second, and ends it Complete (sealed results), Failed or Timeout. A
 * StopQuery on any node moves it to Cancelled; the runner sees that at
 * its next heartbeat (the store answers 0) and stops. Every other
 * operation reads the store only, so any node answers for any query.
 *
 * The sweeper (query_run.c), under the store lease "logs.insights", fails
 * the queries whose runner died (a Running heartbeat older than
 * LV_QUERY_STALE_MS, a query left Scheduled past LV_QUERY_QUEUED_MS) and
 * deletes finished queries after LV_QUERY_KEEP_MS.
 */
#ifndef LV_LOGS_QUERY_INT_H
#define LV_LOGS_QUERY_INT_H

#include <stddef.h>
#include <stdint.h>

#include "auth/creds.h"
#include "logs/logs_int.h"

struct lv_app;
struct lv_buf;
struct lv_err;
struct lv_iq_result;
struct lv_jw;
struct lv_keyring;

/* ---- AWS's limits ------------------------------------------------------- */

/* StartQuery: "You can have up to 100 concurrent CloudWatch Logs insights
 * queries, including queries that have been added to dashboards." */
#define LV_QUERY_MAX_CONCURRENT 100
/* logGroupNames / logGroupIdentifiers: "You can include up to 50 log
 * groups." */
#define LV_QUERY_MAX_GROUPS 50
/* What SOURCE may select at most (logvault's bound: the walk keeps the
 * list in memory). */
#define LV_QUERY_MAX_SOURCE_GROUPS 10000
/* limit: "The default is 10,000. The maximum value is 100,000." */
#define LV_QUERY_DEFAULT_LIMIT 10000
/* "Queries time out after 60 minutes of runtime." */
#define LV_QUERY_TIMEOUT_MS (60LL * 60 * 1000)
/* CloudWatch Logs quotas: query results are available for 7 days. */
#define LV_QUERY_KEEP_MS (7LL * 24 * 3600 * 1000)
/* GetQueryResults: "each page returning up to 10,000 log events". */
#define LV_QUERY_RESULTS_PAGE 10000
/* PutQueryDefinition: saved queries per account and Region (AWS's
 * CloudWatch Logs quotas page: 1,000). */
#define LV_QUERY_MAX_DEFINITIONS 1000

/* ---- logvault's own bounds ---------------------------------------------- */

/* Memory one run may hold (stats groups, sort buffers, pattern clusters):
 * 256 MB, so that the runner threads of a node (LV_QUERY_RUNNERS) stay
 * under 1 GB together, while a stats over a million distinct values
 * (about 100–200 bytes a group) fits with room to spare. */
#define LV_QUERY_MAX_BYTES (256u * 1024 * 1024)
/* Runner threads of a node: queries run at most this many at a time on
 * one node; the others wait Scheduled in its queue. */
#define LV_QUERY_RUNNERS 2
/* A runner writes its progress and heartbeat this often. */
#define LV_QUERY_HEARTBEAT_MS 1000
/* A Running query whose heartbeat is older than this lost its runner. */
#define LV_QUERY_STALE_MS (30LL * 1000)
/* A query still Scheduled this long after StartQuery lost its node (a
 * live node's queue never holds one so long unless it is hopelessly
 * overloaded, and then failing it is the honest answer). */
#define LV_QUERY_QUEUED_MS (15LL * 60 * 1000)
/* The sweeper's interval. */
#define LV_QUERY_SWEEP_MS 5000

/* ---- the runner pool (query_run.c) -------------------------------------- */

struct lv_logs_queries;

/* Starts LV_QUERY_RUNNERS runner threads and the sweeper for app (whose
 * logs is the owner). NULL when a thread cannot be started (logged). */
struct lv_logs_queries *lv_logs_queries_start(struct lv_app *app);

/* Stops the pool: the queries it still holds (queued or running) end
 * Failed ("the node stopped"), the threads are joined, the pool freed.
 * NULL is a no-op. */
void lv_logs_queries_stop(struct lv_logs_queries *qs);

/* Hands query `id` of (account, region), started by `who`, to the pool
 * once the transaction open on this thread's store connection commits
 * (store.h: lv_store_after_commit) — at once when none is open, never when
 * it rolls back: the runner reads the query's row. It runs as soon as a
 * runner is free. */
void lv_logs_queries_submit_after_commit(struct lv_logs_queries *qs,
                                         struct lv_store *store,
                                         const char *id, const char *account,
                                         const char *region,
                                         const struct lv_principal *who);

/* ---- sealed results (query_seal.c) -------------------------------------- */

/*
 * Results hold event text and never reach the store in clear. They are
 * sealed with AES-256-GCM under a key derived from the root key
 * (lv_keyring_derive "logs-service-key", context "logs insights results
 * v1" | account | region — never equal to a data-key context, which
 * starts with the account's digits):
 *
 *   0x01 | nonce (12) | tag (16) | ciphertext
 *   AAD = "lvqres1" | account | 0 | region | 0 | query id | 0
 *
 * so that results cannot be moved to another query or account.
 */
int lv_query_seal(const struct lv_keyring *kr, const char *account,
                  const char *region, const char *id, const void *pt,
                  size_t len, struct lv_buf *out);
/* Opens what lv_query_seal made: 0 with the plaintext appended to out
 * (the caller wipes it), -1 with *err (ServiceUnavailableException) when
 * anything differs. */
int lv_query_unseal(const struct lv_keyring *kr, const char *account,
                    const char *region, const char *id, const uint8_t *sealed,
                    size_t len, struct lv_buf *out, struct lv_err *err);

/*
 * What is sealed: the rows of the results, each one's JSON (an array of
 * {"field", "value"} objects, as lv_iq_result_json writes a row) behind
 * an index, so that a page of them is cut out without parsing the JSON:
 *
 *   "LVR1" | n (4, BE) | end offset of each row's JSON (4 each, BE) |
 *   the rows' JSON, one after another
 */
int lv_query_results_pack(const struct lv_iq_result *res, struct lv_buf *out);
/* The rows [from, from + max) of a pack (len bytes) as a JSON array
 * appended to out, and the number of rows in *total. -1 when the pack is
 * malformed. */
int lv_query_results_page(const uint8_t *pack, size_t len, size_t from,
                          size_t max, struct lv_buf *out, size_t *total);

/* ---- @ptr (query_seal.c) ------------------------------------------------ */

/*
 * A log record pointer names one event: its group, its chunk (id and
 * first_ts, which finds the chunk's row), its index in the chunk. The
 * engine is fed the bare cursor "G.C.F.I" (decimal; cheap, per event);
 * lv_query_ptr_sign turns the cursors of the result rows into the
 * pointers GetQueryResults shows: base64url of the cursor and a 16-byte
 * HMAC-SHA256 tag (key "logs-next-token", message "@ptr" | account |
 * region | cursor, each NUL-separated, as lv_logs_token_* do), so that a
 * forged pointer, or one of another account or region, is refused.
 */
#define LV_QUERY_CURSOR_MAX 96
struct lv_query_ptr {
    int64_t group_id, chunk_id, first_ts, idx;
};
/* The cursor of p into out (LV_QUERY_CURSOR_MAX bytes). */
void lv_query_ptr_cursor(const struct lv_query_ptr *p, char *out);
/* Replaces the value of every is_ptr field of res (a cursor) with the
 * signed pointer for (account, region). */
void lv_query_ptr_sign(const struct lv_keyring *kr, const char *account,
                       const char *region, struct lv_iq_result *res);
/* Reads a signed pointer: 0 and *p, or -1 (forged, foreign, malformed). */
int lv_query_ptr_read(const struct lv_keyring *kr, const char *account,
                      const char *region, const char *ptr,
                      struct lv_query_ptr *p);

/* ---- statistics (query_seal.c) ------------------------------------------ */

struct lv_query_stats {
    int64_t matched, scanned, bytes, groups;
    /* events and message bytes of the chunks a field index let the run
     * skip (estimatedRecordsSkipped, estimatedBytesSkipped) */
    int64_t skipped_records, skipped_bytes;
};
/* QueryStatistics as JSON text (every member of the model's shape) into
 * out (reset first). */
void lv_query_stats_json(const struct lv_query_stats *st, struct lv_buf *out);

#endif
