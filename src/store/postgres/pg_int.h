/*
 * pg_int: what the files of the PostgreSQL backend (src/store/postgres/)
 * share; the only header of logvault that includes <libpq-fe.h>. Nothing
 * outside this folder includes it, except the store's unit tests that look
 * at the database underneath.
 *
 * It holds
 *   - the backend's transaction functions (also its table's begin, commit
 *     and rollback), which the domain files call for their own atomic steps;
 *   - the domain operations, lv_pg_kms_<op> (kms.c) and lv_pg_logs_<op>
 *     (logs.c, events.c, metric.c), one for each entry of store/kms_ops.def
 *     and store/logs_ops.def, with the contracts of kms_store.h and
 *     logs_store.h; backend.c puts them in its table;
 *   - the schema steps in PostgreSQL's dialect (schema_*.c);
 *   - the helpers the domain files use to run their statements on this
 *     thread's connection and to read their results (util.c, backend.c).
 *
 * Rules every domain file keeps (they follow from PostgreSQL, not SQLite):
 *   - An error inside a transaction aborts all of it (until a ROLLBACK TO
 *     SAVEPOINT), so an expected outcome is never an error: an insert that
 *     may meet an existing row is INSERT … ON CONFLICT DO NOTHING and looks
 *     at the rows it inserted; a conditional change looks at the rows it
 *     changed. Every error that does reach a statement is a fault (503).
 *   - Text compares byte-wise (COLLATE "C" on every text column the schema
 *     orders or ranges on), as SQLite's BINARY does and as AWS orders names.
 *     A bound value is always valid UTF-8 (the database refuses anything
 *     else): a prefix range is starts_with()/left() or a bound computed as
 *     valid UTF-8, never SQLite's "\xff" sentinel.
 *   - SQL text has static storage (statements are prepared once per
 *     connection, keyed by the address of their text) and $1, $2 …
 *     parameters.
 *   - Nothing bound (a name, a policy, a payload) is ever logged.
 */
#ifndef LV_STORE_POSTGRES_PG_INT_H
#define LV_STORE_POSTGRES_PG_INT_H

#include <stddef.h>
#include <stdint.h>

#include <libpq-fe.h>

#include "store/kms_store.h"
#include "store/logs_store.h"
#include "store/store_int.h"

struct lv_buf;
struct lv_pg;

/* Transactions on this thread's connection: lv_store_begin(), commit and
 * rollback of store.h, for a struct lv_pg (impl). The outermost level is
 * BEGIN (READ COMMITTED), an inner one a SAVEPOINT; commit of an inner
 * level is RELEASE SAVEPOINT, its rollback ROLLBACK TO SAVEPOINT and
 * RELEASE. Once a statement failed inside a transaction, every commit up
 * to the outermost fails (the outermost one rolls back). */
int lv_pg_begin(void *impl, struct lv_err *err);
int lv_pg_commit(void *impl, struct lv_err *err);
void lv_pg_rollback(void *impl);

/* The domain operations; impl is the store's struct lv_pg. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_kms_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/kms_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) \
    int lv_pg_logs_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/logs_ops.def"
#undef LV_STORE_OP
/* The audit trail's operations (audit.c), for store/audit_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_audit_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/audit_ops.def"
#undef LV_STORE_OP
/* Logs Insights' query state (insights.c), for store/insights_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_insights_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/insights_ops.def"
#undef LV_STORE_OP
/* Lookup tables (lookup.c), for store/lookup_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_lookup_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/lookup_ops.def"
#undef LV_STORE_OP
/* Log policies (policies.c), for store/policies_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_policies_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/policies_ops.def"
#undef LV_STORE_OP
/* Scheduled queries (sched.c), for store/sched_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_sched_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/sched_ops.def"
#undef LV_STORE_OP
/* Anomaly detectors (anomaly.c), for store/anomaly_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_anomaly_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
/* Live Tail's session book (livetail.c), for store/livetail_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_pg_livetail_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/livetail_ops.def"
#undef LV_STORE_OP

/*
 * Migrations, in PostgreSQL's dialect: one array per component, the same
 * components as the sqlite backend's (core, kms, logs, events, audit) with
 * steps of their own, and { core, kms, logs, events, audit, NULL }, the
 * backend's `migrations` (schema_core.c). The tables hold what the sqlite
 * backend's hold, in PostgreSQL's types: BIGINT for integers
 * and epoch milliseconds, DOUBLE PRECISION for KMS dates (epoch seconds),
 * BYTEA for blobs, TEXT COLLATE "C" for text, BIGINT GENERATED ALWAYS AS
 * IDENTITY for ids that are never handed out again.
 */
extern const struct lv_migration lv_pg_migrations_core[];
extern const struct lv_migration lv_pg_migrations_kms[];
extern const struct lv_migration lv_pg_migrations_logs[];
extern const struct lv_migration lv_pg_migrations_events[];
/* The audit trail (audit_store.h), applied last. */
extern const struct lv_migration lv_pg_migrations_audit[];
/* Logs Insights' queries and definitions (insights_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_insights[];
/* Lookup tables (lookup_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_lookup[];
/* Log policies (policies_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_policies[];
/* Logs resource policies (logs_store.h, respol.c), after it. */
extern const struct lv_migration lv_pg_migrations_respol[];
/* Field index policies and chunk indexes (logs_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_index[];
/* Delivery destinations (logs_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_delivery[];
/* Scheduled queries (sched_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_sched[];
/* Anomaly detectors (anomaly_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_anomaly[];
/* Live Tail's session book (livetail_store.h), after it. */
extern const struct lv_migration lv_pg_migrations_livetail[];
extern const struct lv_migration *const lv_pg_migrations[];

/* The state of a store opened on this backend (tests reach the database
 * under it this way); a store on another backend, or wrapped, is a bug
 * (LV_BUG). A loan valid until lv_store_close(). */
struct lv_pg *lv_pg_of(struct lv_store *s);

/*
 * This thread's connection (backend.c): opened on first use, and opened
 * again when the last one was lost and no transaction is open on it (a
 * transaction whose connection was lost fails to its outermost level
 * first). NULL with *err filled (503, the detail logged without the
 * password) when the database cannot be reached. A loan: never pass it to
 * another thread, never PQfinish it.
 */
PGconn *lv_pg_conn(struct lv_pg *q, struct lv_err *err);

/*
 * Parameters of one statement, bound in order as $1, $2 …, in text format
 * except bytea and text given with a length (textn, and a field that fills
 * its array), which go in binary format (for text, its bytes: no
 * terminator needed; still checked as UTF-8). Values are copied where they are numbers
 * and borrowed where they are strings or bytes: those must outlive the
 * call that runs the statement. More than LV_PG_MAX_PARAMS, or text that
 * is not valid for its column, fails the run, not the bind.
 */
#define LV_PG_MAX_PARAMS 32

struct lv_pg_params {
    int n;
    int overflow;                   /* more than LV_PG_MAX_PARAMS bound */
    const char *values[LV_PG_MAX_PARAMS];
    int lengths[LV_PG_MAX_PARAMS];
    int formats[LV_PG_MAX_PARAMS];  /* 0 text, 1 binary */
    char num[LV_PG_MAX_PARAMS][32]; /* the text of numbers bound */
};

void lv_pg_params_init(struct lv_pg_params *p);
/* A string; NULL binds "". */
void lv_pg_param_text(struct lv_pg_params *p, const char *s);
/* len bytes of s (need not be terminated). */
void lv_pg_param_textn(struct lv_pg_params *p, const char *s, size_t len);
/* A string; NULL binds SQL NULL. */
void lv_pg_param_text_or_null(struct lv_pg_params *p, const char *s);
/* A fixed-size char field: never reads past cap even when unterminated. */
void lv_pg_param_field(struct lv_pg_params *p, const char *field,
                       size_t cap);
void lv_pg_param_int64(struct lv_pg_params *p, int64_t v);
/* Written with %.17g, so the value read back is the same double. */
void lv_pg_param_double(struct lv_pg_params *p, double v);
/* len bytes at b as bytea (binary format; len 0 is an empty bytea). */
void lv_pg_param_bytea(struct lv_pg_params *p, const void *b, size_t len);

/*
 * Runs `sql` (static storage; prepared on this connection on first use)
 * with p (NULL: no parameters). Results are in text format, except with
 * LV_PG_BINARY, where every column comes back in binary format (use it for
 * a query that returns only bytea columns: no hex to decode).
 *
 * lv_pg_run: a statement whose rows, if any, are ignored. 0, or -1 with
 * *err (503, logged as "store: WHAT failed: <server message>", SQLSTATE
 * included, no bound value).
 * lv_pg_changed: the same, then 1 when it changed (or, with RETURNING,
 * returned) at least one row, 0 when none.
 * lv_pg_query: a query; the result (PGRES_TUPLES_OK) in *res, which the
 * caller PQclear()s; -1 with *err and *res NULL on a fault.
 */
#define LV_PG_TEXT 0
#define LV_PG_BINARY 1

int lv_pg_run(struct lv_pg *q, const char *sql, const struct lv_pg_params *p,
              const char *what, struct lv_err *err);
int lv_pg_changed(struct lv_pg *q, const char *sql,
                  const struct lv_pg_params *p, const char *what,
                  struct lv_err *err);
int lv_pg_query(struct lv_pg *q, const char *sql,
                const struct lv_pg_params *p, int format, PGresult **res,
                const char *what, struct lv_err *err);

/* A query of one integer (COUNT …, RETURNING id) into *v: 1 with *v set, 0
 * when it returned no row, -1 with *err. */
int lv_pg_query_int64(struct lv_pg *q, const char *sql,
                      const struct lv_pg_params *p, int64_t *v,
                      const char *what, struct lv_err *err);

/*
 * Reading a text-format result (util.c). NULL reads as 0 / "" / empty.
 */
int64_t lv_pg_get_int64(const PGresult *r, int row, int col);
double lv_pg_get_double(const PGresult *r, int row, int col);
/* Copies the text into the fixed field dst[cap], always terminated. A value
 * too long for it is a bug in whoever wrote it: truncated (never
 * overflowing) and logged with `field` and its length, never its text. */
void lv_pg_get_field(const PGresult *r, int row, int col, char *dst,
                     size_t cap, const char *field);
/* The text as a fresh string; the caller frees it. */
char *lv_pg_get_dup(const PGresult *r, int row, int col);
/* A bytea column into *out (reset first), from a text result (hex, as
 * PostgreSQL sends it) or a binary one (raw); -1 when it would pass
 * out->max or is malformed, out then empty. */
int lv_pg_get_bytea(const PGresult *r, int row, int col, struct lv_buf *out);

/*
 * A batched list walk, as lv_sqlite_walk_run(): its SQL ends with a keyset
 * condition and "LIMIT $n"; `bind` binds every parameter (the rows after
 * `last`, or the caller's starting point when last is NULL; at most n).
 * Each batch of up to LV_PG_WALK_BATCH rows is read into zeroed rows of
 * `size` bytes, the result is cleared, and only then is `call` run on each,
 * so that it may itself use the store.
 */
#define LV_PG_WALK_BATCH 256

struct lv_pg_walk {
    const char *sql;            /* static storage */
    const char *what;           /* names the operation in log lines */
    size_t size;                /* bytes of one row */
    int limit;                  /* rows in all; <= 0: no limit */
    void *ctx;
    void (*bind)(struct lv_pg_params *p, void *ctx, const void *last,
                 int n);
    void (*read)(const PGresult *r, int row, void *out);
    void (*release)(void *row);
    int (*call)(void *ctx, const void *row);
};

/* Runs w batch by batch: 0 when done, the first non-zero value a call
 * returned (the walk stops there), or -1 with *err on a store fault. */
int lv_pg_walk_run(struct lv_pg *q, const struct lv_pg_walk *w,
                   struct lv_err *err);

/* Called by kms.c in the same transaction as every write of KMS records
 * (inside the nested level of the write, after it succeeded): moves the
 * database's KMS generation, which every node reads for
 * lv_store_kms_generation(). 0 or -1 with *err. Inside a transaction the
 * move is made by its outermost commit, as its last statement (the row's
 * lock is then taken last, so KMS writers cannot deadlock on it); a
 * failing move fails that commit. */
int lv_pg_kms_changed(struct lv_pg *q, struct lv_err *err);

/* Fails `what` the way every backend fails (503 with
 * LV_STORE_UNAVAILABLE_MSG), logging `detail` (a libpq or server message;
 * never a bound value). Returns -1. */
int lv_pg_fail(const char *what, const char *detail, struct lv_err *err);

/*
 * The Logs half's per-store state (events.c): what this process keeps
 * between calls, such as the blocks of chunk sequence numbers it has
 * reserved in the database, per stream. backend.c creates it at open and
 * frees it at close; lv_pg_logs_state() lends it (thread-safe to use: it
 * has its own lock).
 */
struct lv_pg_logs_state;
struct lv_pg_logs_state *lv_pg_logs_state_new(void);
void lv_pg_logs_state_free(struct lv_pg_logs_state *st);
struct lv_pg_logs_state *lv_pg_logs_state(struct lv_pg *q);

/* How many transaction levels are open on this thread's connection (0:
 * none, each statement its own). */
int lv_pg_txn_depth(struct lv_pg *q);

/* How many connections the store holds open now (diagnostics, tests). */
size_t lv_pg_conn_count(struct lv_pg *q);

/*
 * The backend's `lease` (store_int.h; contract of lv_store_lease()): 1 when
 * this process holds the named lease (taking it now if free), 0 when
 * another process holds it, -1 with *err on a fault. A session-level
 * pg_try_advisory_lock on a connection of the store kept for leases
 * alone: held until the store closes, the process dies or that connection
 * is lost (then the next call connects again and tries again).
 */
int lv_pg_lease(void *impl, const char *name, struct lv_err *err);

#endif
