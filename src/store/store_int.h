/*
 * store_int: what the files of src/store/ share, and nothing the services
 * may include. It holds
 *   - the backend vtable (struct lv_store_backend) that every public
 *     function in store.h dispatches through, so that a postgresql backend
 *     or a fault-injection wrapper can sit behind the same functions;
 *   - the migration lists (struct lv_migration) and their runner;
 *   - the SQLite helpers the domain files (sqlite_kms.c, sqlite_logs.c,
 *     sqlite_events.c, sqlite_metric.c) use to reach this thread's
 *     connection: lv_sqlite_conn(), lv_sqlite_prepare(), lv_sqlite_fail();
 *     and to bind, read, step and walk their statements (sqlite_util.c):
 *     lv_sqlite_bind_*(), lv_sqlite_col_*(), lv_sqlite_run_*(),
 *     lv_sqlite_walk_run().
 *
 * It does not hold domain functions (keys, groups, chunks …): those live in
 * kms_store.h / logs_store.h and their sqlite_*.c files. Those files speak
 * SQLite directly, so a fault-injection wrapper placed in the vtable sees
 * begin/commit/exec but not their statements; faults under them belong in a
 * SQLite VFS shim (sqlite3_vfs_register), which needs nothing from here.
 */
#ifndef LV_STORE_STORE_INT_H
#define LV_STORE_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "store/store.h"

struct lv_buf;
struct lv_sqlite;

/* The message a client reads when the store fails underneath a request; the
 * detail (rc, SQLite's text) goes to the log only. */
#define LV_STORE_UNAVAILABLE_MSG "Service is unavailable; please try again"

/*
 * A backend. `open` fills s->impl (the backend's state, passed back to every
 * other operation), s->where (what messages name: the database path) and,
 * for sqlite, s->sqlite. Every operation except open/close acts on the
 * calling thread's connection. Fallible ones return 0 / -1 with *err filled
 * (LV_E_SERVICE_UNAVAILABLE for faults), and log the detail themselves.
 *
 * A wrapper (fault injection) keeps the inner backend and impl in its own
 * impl and replaces s->be / s->impl after open; s->sqlite stays.
 */
struct lv_store_backend {
    const char *name;
    int (*open)(struct lv_store *s, const struct lv_store_config *cfg,
                struct lv_err *err);
    /* lv_store_probe(): needs no open store and writes nothing. */
    int (*probe)(const struct lv_store_config *cfg,
                 enum lv_store_presence *out, struct lv_err *err);
    void (*close)(void *impl);
    int (*ping)(void *impl, struct lv_err *err);
    /* Runs a script of one or more statements that take no parameters and
     * whose rows, if any, are ignored (DDL, migrations). */
    int (*exec)(void *impl, const char *sql, struct lv_err *err);
    /* Nesting, see lv_store_begin() in store.h. commit failing leaves the
     * level it closes rolled back; rollback cannot fail (it logs). */
    int (*begin)(void *impl, struct lv_err *err);
    int (*commit)(void *impl, struct lv_err *err);
    void (*rollback)(void *impl);
    /* schema_version rows: get (0 when absent), set (insert or update),
     * and a walk over every row, stopping early when fn returns non-zero
     * (that value is then returned). */
    int (*version_get)(void *impl, const char *component, int *version,
                       struct lv_err *err);
    int (*version_set)(void *impl, const char *component, int version,
                       struct lv_err *err);
    int (*version_each)(void *impl,
                        int (*fn)(void *arg, const char *component,
                                  int version),
                        void *arg, struct lv_err *err);
    /* The meta table; contracts as lv_store_meta_get/set/add in store.h. */
    int (*meta_get)(void *impl, const char *key, struct lv_buf *out,
                    struct lv_err *err);
    int (*meta_set)(void *impl, const char *key, const void *value,
                    size_t len, struct lv_err *err);
    int (*meta_add)(void *impl, const char *key, const void *value,
                    size_t len, struct lv_err *err);
};

struct lv_store {
    const struct lv_store_backend *be;
    void *impl;
    char *where;                /* owned; e.g. "/var/lib/lv/logvault.db" */
    struct lv_sqlite *sqlite;   /* the sqlite state, NULL for other backends;
                                 * stays set when a wrapper replaces be */
};

extern const struct lv_store_backend lv_store_sqlite_backend;

/*
 * Migrations. Each component owns an array of steps, ordered by version
 * (1, 2, 3 … with no gap), ended by LV_MIGRATION_END. A step's SQL is a
 * script (several statements allowed) in SQLite's dialect; it runs in its
 * own transaction (BEGIN IMMEDIATE) together with the version bump, so a
 * failing step leaves the database at the version before it. Steps are
 * never edited once released: a change is a new step.
 */
struct lv_migration {
    const char *component;  /* "core", "kms", "logs" */
    int version;            /* the version the database has after this step */
    const char *sql;
};

#define LV_MIGRATION_END { NULL, 0, NULL }

/* schema_core.c, schema_kms.c, schema_logs.c, schema_events.c: one array
 * per component ("events" holds the Logs service's chunks and data keys;
 * it may reference the tables of "logs"). */
extern const struct lv_migration lv_store_migrations_core[];
extern const struct lv_migration lv_store_migrations_kms[];
extern const struct lv_migration lv_store_migrations_logs[];
extern const struct lv_migration lv_store_migrations_events[];
/* { core, kms, logs, events, NULL }: what lv_store_open() applies, in that
 * order. */
extern const struct lv_migration *const lv_store_migrations[];

/*
 * Brings the database up to date with `lists` (a NULL-terminated array of
 * migration arrays, applied in order). First, touching nothing, it refuses
 * (-1, LV_E_SERVICE_UNAVAILABLE, "store: FILE has schema C version N, newer
 * than this logvault understands (M); upgrade logvault") a database holding
 * a component at a version above the highest the lists know (0 for a
 * component they do not name). Then it applies each missing step in its
 * own transaction; on a failing step it stops with -1, the database left at
 * the last step that succeeded. A step list with a gap is a bug (LV_BUG).
 */
int lv_store_migrate(struct lv_store *s,
                     const struct lv_migration *const *lists,
                     struct lv_err *err);

/* lv_store_open() with other migration lists (tests); lv_store_open() is
 * lv_store_open_with(cfg, lv_store_migrations, err). */
struct lv_store *lv_store_open_with(const struct lv_store_config *cfg,
                                    const struct lv_migration *const *lists,
                                    struct lv_err *err);

/*
 * SQLite helpers for the sqlite_*.c domain files. All act on the calling
 * thread's connection, opened on first use (busy_timeout, foreign_keys on,
 * synchronous=FULL) and closed when the thread exits or at lv_store_close().
 * A store that is not backed by sqlite is a bug (LV_BUG).
 */

/* This thread's connection: a loan valid until the thread exits or the
 * store closes; never pass it to another thread. NULL with *err filled when
 * it cannot be opened. */
sqlite3 *lv_sqlite_conn(struct lv_store *s, struct lv_err *err);

/*
 * A prepared statement for `sql` on this thread's connection, reset and with
 * its bindings cleared, ready to bind and step. Cached per connection and
 * keyed by the pointer `sql`, so `sql` must have static storage (a string
 * literal or a static const array) — never a built string. The statement is
 * a loan: do not finalize it; call sqlite3_reset() when done so it does not
 * hold a read snapshot open, and do not use the same SQL twice at once.
 * NULL with *err filled (and a log line) on failure.
 */
sqlite3_stmt *lv_sqlite_prepare(struct lv_store *s, const char *sql,
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
 * Statement helpers (sqlite_util.c) for the sqlite_*.c domain files.
 *
 * Binding: parameters ?1, ?2 … are bound in call order; the first failure
 * sticks in b->rc and later calls only count, so a caller binds everything
 * and checks once (lv_sqlite_run_*() do). Text is bound TRANSIENT (copied:
 * a walk's cursor may point into a row about to be overwritten); blobs are
 * bound STATIC, so their bytes must outlive the step (every helper resets
 * the statement before returning).
 */
struct lv_sqlite_bind {
    sqlite3_stmt *st;
    int i;          /* the last parameter bound */
    int rc;         /* SQLITE_OK, or the first failure */
};

void lv_sqlite_bind_start(struct lv_sqlite_bind *b, sqlite3_stmt *st);
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
/* Steps a bound statement that returns no rows: 0, or -1 with *err when a
 * bind or the step failed. Resets st in every case. */
int lv_sqlite_run_done(sqlite3_stmt *st, const struct lv_sqlite_bind *b,
                       const char *what, struct lv_err *err);
/* Steps a bound single-row query: 1 with read(st, row) called, 0 when there
 * is no row, -1 with *err on a fault. Resets st in every case. */
int lv_sqlite_run_one(sqlite3_stmt *st, const struct lv_sqlite_bind *b,
                      void (*read)(sqlite3_stmt *st, void *row), void *row,
                      const char *what, struct lv_err *err);
/* Steps a bound query with one integer result (COUNT …) into *v: 0, or -1
 * with *err (no row is a fault too). Resets st in every case. */
int lv_sqlite_run_int(sqlite3_stmt *st, const struct lv_sqlite_bind *b,
                      int64_t *v, const char *what, struct lv_err *err);
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
int lv_sqlite_walk_run(struct lv_store *s, const struct lv_sqlite_walk *w,
                       struct lv_err *err);

/* Called by sqlite_kms.c after every write of KMS records: moves the KMS
 * generation (kms_store.h lv_store_kms_generation()) now and again when the
 * calling thread's open transaction, if any, ends. */
void lv_sqlite_kms_changed(struct lv_store *s);

/* How many connections the store holds open now (diagnostics, tests). */
size_t lv_sqlite_conn_count(struct lv_store *s);

/* The busy timeout every connection gets: a writer waits this long for
 * another's transaction to end before failing with SQLITE_BUSY. */
#define LV_SQLITE_BUSY_TIMEOUT_MS 5000

#endif
