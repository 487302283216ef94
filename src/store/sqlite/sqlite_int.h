/*
 * sqlite_int: what the files of the sqlite backend (src/store/sqlite/)
 * share; the only header of logvault that includes <sqlite3.h>. Nothing
 * outside this folder includes it, except the store's unit tests that look
 * at the database underneath.
 *
 * It holds
 *   - the backend's transaction functions (also its table's begin, commit
 *     and rollback), which the domain files call for their own atomic steps;
 *   - the domain operations, lv_sqlite_kms_<op> (kms.c) and
 *     lv_sqlite_logs_<op> (logs.c, events.c, metric.c), one for each entry
 *     of store/kms_ops.def and store/logs_ops.def, with the contracts of
 *     kms_store.h and logs_store.h; backend.c puts them in its table;
 *   - the schema steps in SQLite's dialect (schema_*.c);
 *   - the helpers the domain files use to reach this thread's connection
 *     (lv_sqlite_conn(), lv_sqlite_prepare(), lv_sqlite_fail()) and to bind,
 *     read, step and walk their statements (util.c).
 */
#ifndef LV_STORE_SQLITE_SQLITE_INT_H
#define LV_STORE_SQLITE_SQLITE_INT_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/kms_store.h"
#include "store/logs_store.h"
#include "store/store_int.h"

struct lv_buf;
struct lv_sqlite;

/* Transactions on this thread's connection: lv_store_begin(), commit and
 * rollback of store.h, for a struct lv_sqlite (impl). */
int lv_sqlite_begin(void *impl, struct lv_err *err);
int lv_sqlite_commit(void *impl, struct lv_err *err);
/* 1 when this thread's connection has a transaction open. */
int lv_sqlite_in_txn(void *impl);
void lv_sqlite_rollback(void *impl);

/* The WAL checkpointer (ckpt.c): a thread that checkpoints the WAL in
 * the background, so that the commit that fills it does not. Start gives
 * NULL when the thread cannot start; attach (each new connection, before
 * use; NULL k: nothing) replaces SQLite's automatic checkpoint with a
 * hook that wakes the thread, and returns an SQLite result code; stop
 * (NULL: nothing) joins the thread, before the connections close. */
struct lv_sqlite_ckpt;
struct lv_sqlite_ckpt *lv_sqlite_ckpt_start(const char *path);
int lv_sqlite_ckpt_attach(struct lv_sqlite_ckpt *k, sqlite3 *db);
void lv_sqlite_ckpt_stop(struct lv_sqlite_ckpt *k);

/* The writers' turn (turn.c): this process's writers to the database, in
 * the order they came. Take waits up to timeout_ms for the turn: 0, or -1
 * when the wait ran out (the caller answers as for SQLITE_BUSY). Give
 * hands it to the first waiter, or frees it. A thread takes it before
 * BEGIN (backend.c) and gives it back when its transaction has ended, or
 * holds it for one write's step outside a transaction (util.c); never
 * twice. The struct is here to be embedded; only turn.c looks inside. */
struct lv_sqlite_turn_waiter;
struct lv_sqlite_turn {
    pthread_mutex_t mu;
    int held;
    struct lv_sqlite_turn_waiter *head;     /* waiters, first come first */
    struct lv_sqlite_turn_waiter *tail;
};
void lv_sqlite_turn_init(struct lv_sqlite_turn *t);
void lv_sqlite_turn_destroy(struct lv_sqlite_turn *t);
int lv_sqlite_turn_take(struct lv_sqlite_turn *t, int timeout_ms);
void lv_sqlite_turn_give(struct lv_sqlite_turn *t);
/* How many threads wait for the turn now (tests). */
int lv_sqlite_turn_waiting(struct lv_sqlite_turn *t);
/* The store's turn (backend.c). */
struct lv_sqlite_turn *lv_sqlite_turn_of(struct lv_sqlite *q);
/* Steps st once, as sqlite3_step(); a write outside any transaction takes
 * q's turn for its step, as a transaction does for its whole length, and
 * answers SQLITE_BUSY when the turn does not come (util.c). NULL q: a
 * plain step. */
int lv_sqlite_step(struct lv_sqlite *q, sqlite3_stmt *st);

/* The domain operations; impl is the store's struct lv_sqlite. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_kms_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/kms_ops.def"
#undef LV_STORE_OP
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_logs_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/logs_ops.def"
#undef LV_STORE_OP
/* The audit trail's operations (audit.c), for store/audit_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_audit_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/audit_ops.def"
#undef LV_STORE_OP
/* Logs Insights' query state (insights.c), for store/insights_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_insights_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/insights_ops.def"
#undef LV_STORE_OP
/* Lookup tables (lookup.c), for store/lookup_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_lookup_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/lookup_ops.def"
#undef LV_STORE_OP
/* Log policies (policies.c), for store/policies_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_policies_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/policies_ops.def"
#undef LV_STORE_OP
/* Scheduled queries (sched.c), for store/sched_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_sched_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/sched_ops.def"
#undef LV_STORE_OP
/* Anomaly detectors (anomaly.c), for store/anomaly_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_anomaly_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
/* Live Tail's session book (livetail.c), for store/livetail_ops.def. */
#define LV_STORE_OP(name, params, args) \
    int lv_sqlite_livetail_##name(void *impl, LV_STORE_UNPAREN params);
#include "store/livetail_ops.def"
#undef LV_STORE_OP

/*
 * Migrations, in SQLite's dialect: one array per component ("events" holds
 * the Logs service's chunks and data keys; it may reference the tables of
 * "logs"; "audit" holds the audit trail), and
 * { core, kms, logs, events, audit, NULL }, the backend's
 * `migrations` (schema_core.c).
 */
extern const struct lv_migration lv_sqlite_migrations_core[];
extern const struct lv_migration lv_sqlite_migrations_kms[];
extern const struct lv_migration lv_sqlite_migrations_logs[];
extern const struct lv_migration lv_sqlite_migrations_events[];
/* The audit trail (audit_store.h), applied last. */
extern const struct lv_migration lv_sqlite_migrations_audit[];
/* Logs Insights' queries and definitions (insights_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_insights[];
/* Lookup tables (lookup_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_lookup[];
/* Log policies (policies_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_policies[];
/* Logs resource policies (logs_store.h, respol.c), after it. */
extern const struct lv_migration lv_sqlite_migrations_respol[];
/* Field index policies and chunk indexes (logs_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_index[];
/* Delivery destinations (logs_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_delivery[];
/* Scheduled queries (sched_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_sched[];
/* Anomaly detectors (anomaly_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_anomaly[];
/* Live Tail's session book (livetail_store.h), after it. */
extern const struct lv_migration lv_sqlite_migrations_livetail[];
extern const struct lv_migration *const lv_sqlite_migrations[];

/*
 * Connections and statements (backend.c). All act on the calling thread's
 * connection, opened on first use (busy_timeout, foreign_keys on,
 * synchronous=FULL) and closed when the thread exits or at lv_store_close().
 */

/* The sqlite state of a store opened on this backend (tests reach the
 * database under it this way); a store on another backend, or wrapped, is a
 * bug (LV_BUG). A loan valid until lv_store_close(). */
struct lv_sqlite *lv_sqlite_of(struct lv_store *s);

/* This thread's connection: a loan valid until the thread exits or the
 * store closes; never pass it to another thread. NULL with *err filled when
 * it cannot be opened. */
sqlite3 *lv_sqlite_conn(struct lv_sqlite *q, struct lv_err *err);

/*
 * A prepared statement for `sql` on this thread's connection, reset and with
 * its bindings cleared, ready to bind and step. Cached per connection and
 * keyed by the pointer `sql`, so `sql` must have static storage (a string
 * literal or a static const array) — never a built string. The statement is
 * a loan: do not finalize it; call sqlite3_reset() when done so it does not
 * hold a read snapshot open, and do not use the same SQL twice at once.
 * NULL with *err filled (and a log line) on failure.
 */
sqlite3_stmt *lv_sqlite_prepare(struct lv_sqlite *q, const char *sql,
                                struct lv_err *err);

/*
 * Maps a failing SQLite result to an error: logs "store: WHAT failed rc=N
 * (text) ext=N: sqlite's message" (no bound values, so no secrets), sets
 * *err to LV_E_SERVICE_UNAVAILABLE with the generic LV_STORE_UNAVAILABLE_MSG
 * and returns -1. `db` may be NULL. `what` names the operation
 * ("insert key", "read chunk").
 */
int lv_sqlite_fail(sqlite3 *db, int rc, const char *what,
                   struct lv_err *err);

/*
 * Statement helpers (util.c) for the domain files.
 *
 * Binding: parameters ?1, ?2 … are bound in call order; the first failure
 * sticks in b->rc and later calls only count, so a caller binds everything
 * and checks once (lv_sqlite_run_*() do). Text is bound TRANSIENT (copied:
 * a walk's cursor may point into a row about to be overwritten); blobs are
 * bound STATIC, so their bytes must outlive the step (every helper resets
 * the statement before returning).
 */
struct lv_sqlite_bind {
    struct lv_sqlite *q;    /* its store (lv_sqlite_start), or NULL */
    sqlite3_stmt *st;
    int i;          /* the last parameter bound */
    int rc;         /* SQLITE_OK, or the first failure */
};

void lv_sqlite_bind_start(struct lv_sqlite_bind *b, sqlite3_stmt *st);
/* Prepares `sql` (lv_sqlite_prepare(): same rules, static storage) and
 * starts binding it into *b; b->st is the statement. 0, or -1 with *err
 * filled when it cannot be prepared. */
int lv_sqlite_start(struct lv_sqlite *q, const char *sql,
                    struct lv_sqlite_bind *b, struct lv_err *err);
/* len bytes of s; NULL binds "". Longer than INT_MAX: SQLITE_TOOBIG. */
void lv_sqlite_bind_textn(struct lv_sqlite_bind *b, const char *s,
                          size_t len);
/* A string; NULL binds "". */
void lv_sqlite_bind_text(struct lv_sqlite_bind *b, const char *s);
/* A string; NULL binds SQL NULL. */
void lv_sqlite_bind_text_or_null(struct lv_sqlite_bind *b, const char *s);
/* A fixed-size char field: never reads past cap even when unterminated. */
void lv_sqlite_bind_field(struct lv_sqlite_bind *b, const char *field,
                          size_t cap);
void lv_sqlite_bind_int64(struct lv_sqlite_bind *b, int64_t v);
void lv_sqlite_bind_double(struct lv_sqlite_bind *b, double v);
/* len bytes at p (STATIC, see above); len 0 binds an empty blob. */
void lv_sqlite_bind_blob(struct lv_sqlite_bind *b, const void *p,
                         size_t len);

/* Copies text column i into the fixed field dst[cap], always terminated.
 * A value too long for it is a bug in whoever wrote it: truncated (never
 * overflowing) and logged with `field`, its length, never its text. */
void lv_sqlite_col_field(sqlite3_stmt *st, int i, char *dst, size_t cap,
                         const char *field);
/* Text column i as a fresh string, "" for NULL; the caller frees it. */
char *lv_sqlite_col_dup(sqlite3_stmt *st, int i);
/* Copies blob column i into *out (reset first); -1 when it would pass
 * out->max, out then empty. */
int lv_sqlite_col_blob(sqlite3_stmt *st, int i, struct lv_buf *out);

/* Reports a failed step or bind through lv_sqlite_fail() (before the
 * reset, while SQLite's message is still there), then resets st.
 * Returns -1. */
int lv_sqlite_stmt_fail(sqlite3_stmt *st, int rc, const char *what,
                        struct lv_err *err);
/* Steps a bound statement (b->st) that returns no rows: 0, or -1 with
 * *err when a bind or the step failed. Resets it in every case. */
int lv_sqlite_run_done(const struct lv_sqlite_bind *b, const char *what,
                       struct lv_err *err);
/* lv_sqlite_run_done(), then whether it changed anything: 1 when it
 * changed a row, 0 when none (a WHERE that matched nothing), -1 with *err. */
int lv_sqlite_run_changed(const struct lv_sqlite_bind *b, const char *what,
                          struct lv_err *err);
/* Steps a bound query (b->st) to its first row: 1 with the row there to
 * read (the statement is NOT reset: the caller reads its columns, then
 * calls sqlite3_reset()), 0 when there is no row, -1 with *err on a fault
 * (both reset). */
int lv_sqlite_run_row(const struct lv_sqlite_bind *b, const char *what,
                      struct lv_err *err);
/* Steps a bound single-row query: 1 with read(st, row) called, 0 when there
 * is no row, -1 with *err on a fault. Resets it in every case. */
int lv_sqlite_run_one(const struct lv_sqlite_bind *b,
                      void (*read)(sqlite3_stmt *st, void *row), void *row,
                      const char *what, struct lv_err *err);
/* Steps a bound query with one integer result (COUNT …) into *v: 0, or -1
 * with *err (no row is a fault too). Resets it in every case. */
int lv_sqlite_run_int(const struct lv_sqlite_bind *b, int64_t *v,
                      const char *what, struct lv_err *err);
/* Rows the last statement on st's connection changed. */
int lv_sqlite_changes(sqlite3_stmt *st);

/*
 * A batched list walk. Its SQL ends with a keyset condition and "LIMIT ?n";
 * `bind` binds every parameter: the rows after `last` (the last row of the
 * previous batch, or NULL for the first batch: then the caller's own
 * starting point), at most `n` of them. Up to LV_SQLITE_WALK_BATCH rows are
 * read (`read`, into a zeroed row of `size` bytes), the statement is reset,
 * and only then is `call` run on each, so that it may itself use the store
 * (another statement, a write) and rows it writes into the part already
 * walked are not seen twice. `release` frees what read allocated in a row
 * and zeroes it; NULL when rows own nothing.
 */
#define LV_SQLITE_WALK_BATCH 64

struct lv_sqlite_walk {
    const char *sql;            /* static storage, see lv_sqlite_prepare() */
    const char *what;           /* names the operation in log lines */
    size_t size;                /* bytes of one row */
    int limit;                  /* rows in all; <= 0: no limit */
    void *ctx;
    void (*bind)(struct lv_sqlite_bind *b, void *ctx, const void *last,
                 int n);
    void (*read)(sqlite3_stmt *st, void *row);
    void (*release)(void *row);
    int (*call)(void *ctx, const void *row);
};

/* Runs w batch by batch: 0 when done, the first non-zero value a call
 * returned (the walk stops there), or -1 with *err on a store fault. */
int lv_sqlite_walk_run(struct lv_sqlite *q, const struct lv_sqlite_walk *w,
                       struct lv_err *err);

/* Called by kms.c after every write of KMS records: moves the store's KMS
 * generation (kms_store.h lv_store_kms_generation()) now and again when the
 * calling thread's open transaction, if any, ends. */
void lv_sqlite_kms_changed(struct lv_sqlite *q);

/*
 * The chunk sequence counters of a store (events.c, for
 * lv_sqlite_logs_seq_reserve()): per stream, the next number to hand out,
 * in memory only, since one process owns the file. backend.c creates them
 * at open and frees them at close; lv_sqlite_seqs() lends them (thread-safe
 * to use: they have their own lock).
 */
struct lv_sqlite_seqs;
struct lv_sqlite_seqs *lv_sqlite_seqs_new(void);
void lv_sqlite_seqs_free(struct lv_sqlite_seqs *sq);
struct lv_sqlite_seqs *lv_sqlite_seqs(struct lv_sqlite *q);

/* How many connections the store holds open now (diagnostics, tests). */
size_t lv_sqlite_conn_count(struct lv_sqlite *q);

/* The busy timeout every connection gets: a writer waits this long for
 * another's transaction to end before failing with SQLITE_BUSY. */
#define LV_SQLITE_BUSY_TIMEOUT_MS 5000


#endif
