/*
 * store: where logvault keeps everything, spoken in domain terms (keys,
 * aliases, grants, groups, streams, chunks, data keys, tags), never in SQL.
 * The services call these functions; the backend behind them is chosen at
 * open time (sqlite now, postgresql later) through a backend table (store_int.h),
 * which is also where the tests' fault-injection wrapper sits.
 *
 * Threads: a store handle is shared by all worker threads; each thread uses
 * its own backend connection, opened on first use and closed at
 * lv_store_close(). Every function may be called from any thread.
 *
 * Schema: each component (core, kms, logs) owns an ordered list of forward
 * migrations; open applies the missing ones in one transaction per step
 * (all of a new database's in one) and refuses a database written by a
 * newer logvault.
 *
 * Domain functions for the services live in their own headers beside this
 * one (kms_store.h, logs_store.h).
 */
#ifndef LV_STORE_STORE_H
#define LV_STORE_STORE_H

#include <stddef.h>

struct lv_buf;
struct lv_err;
struct lv_store;

struct lv_store_config {
    const char *spec;       /* "sqlite" (default), or a PostgreSQL
                             * connection URI (postgresql://, postgres://)
                             * or key=value conninfo string: may hold a
                             * password, so never echoed */
    const char *data_dir;   /* the sqlite file is DATA_DIR/logvault.db */
    /* Optional: called by lv_store_open() once the backend is open and
     * before any schema step is applied, to refuse a store this process
     * must not change (serve: a root key that is not the store's). It may
     * read the store (only what a store at any older schema version has:
     * the meta table); -1 with *err stops the open, and the store is
     * closed having written nothing. NULL: none. */
    int (*before_migrate)(struct lv_store *s, void *arg, struct lv_err *err);
    void *before_migrate_arg;
};

/* The kind of store a spec names, "sqlite" or "postgresql" (what may be
 * shown of it), or NULL when it names none. */
const char *lv_store_kind(const char *spec);

/* What a store holds before it is opened, as lv_store_probe() finds it. */
enum lv_store_presence {
    LV_STORE_ABSENT,    /* nothing: opening would create a fresh store */
    LV_STORE_EMPTY,     /* a database that holds nothing at all (sqlite: a
                         * 0-byte file, or its write-ahead log without it) */
    LV_STORE_PRESENT,   /* a database with content */
};

/* Finds out, writing nothing and creating nothing, whether the store
 * cfg names exists (serve refuses a data dir whose database and root key
 * do not go together). 0 with *out, or -1 with *err
 * (LV_E_SERVICE_UNAVAILABLE naming the file and the cause). */
int lv_store_probe(const struct lv_store_config *cfg,
                   enum lv_store_presence *out, struct lv_err *err);

/* Opens (creating when absent) and migrates. NULL with *err filled
 * (LV_E_SERVICE_UNAVAILABLE with a message naming the file and the cause)
 * when the store cannot be used. */
struct lv_store *lv_store_open(const struct lv_store_config *cfg,
                               struct lv_err *err);

/* Closes every connection; NULL is a no-op. No call may be in flight. */
void lv_store_close(struct lv_store *s);

/* Answers whether the store is reachable from this thread. */
int lv_store_ping(struct lv_store *s, struct lv_err *err);

/* The kind of the open store s: its backend's name ("sqlite", "postgresql"),
 * never its address. Static storage. */
const char *lv_store_kind_of(const struct lv_store *s);

/*
 * Background work that must run once across every process sharing the
 * store (KMS key deletion and rotation, retention) takes a lease by name
 * ("kms.sweeper", "logs.retention") at the start of every pass and skips
 * the pass without it. 1 when this process holds the lease `name`
 * (taking it now if it is free), 0 when another process holds it, -1 with
 * *err on a fault. A lease is held until this process closes the store,
 * dies, or loses its connection to the database (a later call then tries
 * to take it again), so the work is taken over when the node doing it
 * dies. With sqlite (one process owns the store) always 1.
 */
int lv_store_lease(struct lv_store *s, const char *name, struct lv_err *err);

/*
 * Serializes the transaction open on this thread (there must be one)
 * with every other transaction, in this process or any other sharing the
 * store, that locks the same name: the second to ask waits until the
 * first ends. For a check followed by a write that a concurrent
 * transaction's own check would not see (two PutAccountPolicy calls whose
 * prefixes overlap). sqlite: nothing to do, a transaction holds the one
 * write lock from its begin; PostgreSQL: a transaction-scoped advisory
 * lock on the name. 0, or -1 with *err.
 */
int lv_store_lock(struct lv_store *s, const char *name, struct lv_err *err);

/*
 * lv_store_lease() for one pass of a background task: 1 when the pass may
 * run (this process holds `name`), 0 when it must be skipped (another
 * process holds it, or the store failed). *state is the task's own,
 * LV_STORE_LEASE_UNKNOWN before its first pass and touched by its thread
 * only: a line is logged when the answer differs from the last pass's
 * (at debug level "store: lease held name=N" / "store: lease held by
 * another node name=N", at warn level a fault), not at every pass.
 */
#define LV_STORE_LEASE_UNKNOWN (-2)
int lv_store_lease_pass(struct lv_store *s, const char *name, int *state);

/* The schema version of `component` ("core", "kms", "logs"), 0 if none. */
int lv_store_schema_version(struct lv_store *s, const char *component,
                            int *version, struct lv_err *err);

/* A transaction on this thread's connection. Domain functions called
 * between begin and commit join it; outside one, each is its own.
 *
 * Nesting is allowed: the outermost begin is BEGIN IMMEDIATE (it takes the
 * write lock at once, waiting up to the busy timeout for another writer),
 * an inner begin is a savepoint. An inner commit keeps its work inside the
 * outer transaction; an inner rollback undoes only its own level. Nothing
 * reaches disk before the outermost commit.
 *
 * commit: 0, or -1 (LV_E_SERVICE_UNAVAILABLE) with the level it closes
 * already rolled back — do not call rollback after a failed commit. If the
 * backend aborted the whole transaction underneath (disk full, I/O error),
 * every remaining commit up to the outermost fails.
 * rollback: closes the innermost level, undoing its work; cannot fail.
 * commit or rollback with no transaction open is a bug (LV_BUG). */
int lv_store_begin(struct lv_store *s, struct lv_err *err);
int lv_store_commit(struct lv_store *s, struct lv_err *err);
void lv_store_rollback(struct lv_store *s);

/*
 * lv_store_begin for an outermost transaction (none may be open on this
 * thread: LV_BUG otherwise) whose commit does not wait for the disk: it
 * returns once the database has the transaction, before it is flushed, so
 * an operating system crash or a power loss may undo it — never half of
 * it, and never while keeping a transaction committed after it on any
 * connection (each backend's log is one sequence: a later flushed commit
 * flushes it too); a process crash or a restart never does. For work
 * nobody waits on, which was only in memory before anyway (the audit
 * trail's batches of read-only records): it saves a flush per
 * transaction. sqlite: synchronous=NORMAL for this transaction (it can
 * only change outside one; FULL again after it); PostgreSQL: SET LOCAL
 * synchronous_commit = off.
 */
int lv_store_begin_relaxed(struct lv_store *s, struct lv_err *err);

/*
 * Work that must wait until what this thread's transaction wrote is
 * visible to every other connection: fn(arg) runs on this thread right
 * after the outermost lv_store_commit succeeds (in the order registered),
 * and drop(arg) runs instead when the level it was registered at — or any
 * level around it — rolls back or fails to commit. Outside a transaction
 * (autocommit: what was written is already committed) fn(arg) runs at
 * once. fn and drop may be NULL; either one owns arg from then on. Only
 * transactions opened with lv_store_begin count (the backends' internal
 * savepoints are invisible here).
 *
 * Use: hand a job to another thread that will read the rows just written
 * (StartQuery hands its query to a runner only once its row is committed).
 */
void lv_store_after_commit(struct lv_store *s, void (*fn)(void *arg),
                           void (*drop)(void *arg), void *arg);

/*
 * The meta table: small named values that belong to the store as a whole
 * (the root key's check value, the creation time "core.created", …). Keys
 * are short ASCII names, by convention "component.name". Values are bytes.
 * Like domain functions, these join a transaction open on this thread.
 */

/* 1 and the value in *out (reset first; written only on success), 0 when
 * the key is absent (*out untouched), -1 with *err filled on failure or
 * when the value is longer than out->max. */
int lv_store_meta_get(struct lv_store *s, const char *key,
                      struct lv_buf *out, struct lv_err *err);

/* Stores value (len bytes; value may be NULL when len is 0) under key,
 * replacing any earlier value. 0 or -1. */
int lv_store_meta_set(struct lv_store *s, const char *key, const void *value,
                      size_t len, struct lv_err *err);

/* Stores value under key only if the key is absent: 1 when stored, 0 when a
 * value was already there (left unchanged), -1 on failure. For values that
 * are written once, even by two processes starting together. */
int lv_store_meta_add(struct lv_store *s, const char *key, const void *value,
                      size_t len, struct lv_err *err);

#endif
