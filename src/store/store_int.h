/*
 * store_int: what the files of src/store/ share, and nothing the services
 * may include. It holds
 *   - the backend table (struct lv_store_backend), modelled on git's
 *     struct ref_storage_be (refs/refs-internal.h): every function of
 *     store.h, kms_store.h, logs_store.h and audit_store.h is a front
 *     (store.c, kms_store.c, logs_store.c, audit_store.c) that picks
 *     nothing itself and calls
 *     s->be->op(s->impl, …). A backend is a folder under src/store/ with its
 *     own private header and migrations (sqlite/: sqlite_int.h, the only
 *     header that includes <sqlite3.h>); a wrapper backend (fault/) can sit
 *     in front of another;
 *   - the migration steps' shape (struct lv_migration) and their generic
 *     runner (migrate.c), which speaks only through the table.
 *
 * The domain operations are listed once, in kms_ops.def, logs_ops.def and
 * audit_ops.def (X-macros): the table's members, the fronts and the fault
 * wrapper are all made from those lists, so none of them can miss one.
 *
 * A new backend (postgres/ next) is a folder with its private header and
 * its schema steps, a struct lv_store_backend with every core member and
 * the domain tables (built from the .def lists as sqlite/backend.c does,
 * so that a missing operation fails the build), and its spec in store.c's
 * pick_backend(). test_store_fault.c shows a call of every operation.
 */
#ifndef LV_STORE_STORE_INT_H
#define LV_STORE_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/audit_store.h"
#include "store/insights_store.h"
#include "store/kms_store.h"
#include "store/livetail_store.h"
#include "store/logs_store.h"
#include "store/lookup_store.h"
#include "store/policies_store.h"
#include "store/sched_store.h"
#include "store/anomaly_store.h"
#include "store/store.h"

struct lv_buf;
struct lv_migration;

/* The message a client reads when the store fails underneath a request; the
 * detail (the backend's own text) goes to the log only. */
#define LV_STORE_UNAVAILABLE_MSG "Service is unavailable; please try again"

/* LV_STORE_UNPAREN (a, b) is a, b: the .def lists' params and args come in
 * parentheses. */
#define LV_STORE_UNPAREN(...) __VA_ARGS__

/*
 * The domain operations of a backend: for every LV_STORE_OP(name, params,
 * args) of kms_ops.def, a member int (*name)(void *impl, params), with the
 * contract of lv_store_kms_<name> in kms_store.h; likewise logs_ops.def and
 * logs_store.h. Every backend implements every one.
 *
 * What every backend must keep, beyond each function's own contract:
 *   - Threads and transactions: each call acts on the calling thread's
 *     connection and joins the transaction open on it (begin below); a
 *     call that is atomic on its own (a destroy that deletes several
 *     things, a metric filter put that counts then writes) opens a nested
 *     level itself, so that it is all or nothing inside the caller's too.
 *   - No lost update: a change is never a record written back from an
 *     earlier copy. The KMS key changes are conditional on the key's
 *     row_version (UPDATE … SET <fields>, row_version = row_version + 1
 *     WHERE id = ? AND row_version = ?; 0 when no row matched), the alias
 *     changes on the key the alias points at, and the log group setters set
 *     one field on the row as it stands. On PostgreSQL at READ COMMITTED
 *     the same single-statement UPDATE re-checks its WHERE on the newest
 *     row version after waiting for a concurrent writer, which gives these
 *     semantics across nodes. Counters (stored_bytes, next_seq) move by
 *     an increment in one statement, never to a value read earlier.
 *   - Faults: -1 with *err set to LV_E_SERVICE_UNAVAILABLE and
 *     LV_STORE_UNAVAILABLE_MSG (the detail logged, without bound values),
 *     and nothing of that call written.
 *   - Ids (groups, streams, data keys, chunks) are never handed out again.
 */
struct lv_store_kms_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/kms_ops.def"
#undef LV_STORE_OP
};

struct lv_store_logs_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/logs_ops.def"
#undef LV_STORE_OP
};

/* The audit trail's operations (audit_ops.def, contracts of audit_store.h). */
struct lv_store_audit_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/audit_ops.def"
#undef LV_STORE_OP
};

/* Logs Insights' query state (insights_ops.def, contracts of
 * insights_store.h). */
struct lv_store_insights_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/insights_ops.def"
#undef LV_STORE_OP
};

/* Lookup tables (lookup_ops.def, contracts of lookup_store.h). */
struct lv_store_lookup_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/lookup_ops.def"
#undef LV_STORE_OP
};

/* Log policies (policies_ops.def, contracts of policies_store.h). */
struct lv_store_policies_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/policies_ops.def"
#undef LV_STORE_OP
};

/* Scheduled queries (sched_ops.def, contracts of sched_store.h). */
struct lv_store_sched_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/sched_ops.def"
#undef LV_STORE_OP
};

/* Anomaly detectors (anomaly_ops.def, contracts of anomaly_store.h). */
struct lv_store_anomaly_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/anomaly_ops.def"
#undef LV_STORE_OP
};

/* Live Tail's session book (livetail_ops.def, contracts of
 * livetail_store.h). */
struct lv_store_livetail_ops {
#define LV_STORE_OP(name, params, args) \
    int (*name)(void *impl, LV_STORE_UNPAREN params);
#include "store/livetail_ops.def"
#undef LV_STORE_OP
};

/*
 * A backend. `open` fills s->impl (the backend's state, passed back to every
 * other operation) and s->where (what messages name: the database path; a
 * backend whose address may hold a password names it without). Every
 * operation except open/probe/close acts on the calling thread's
 * connection. Fallible ones return 0 / -1 with *err filled
 * (LV_E_SERVICE_UNAVAILABLE for faults), and log the detail themselves.
 */
struct lv_store_backend {
    const char *name;
    /* The schema steps lv_store_open() applies (NULL-terminated list of
     * migration arrays, in the backend's own dialect). */
    const struct lv_migration *const *migrations;
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
    /* Nesting, see lv_store_begin() in store.h (the outermost level takes
     * the write lock at once: BEGIN IMMEDIATE on SQLite; on PostgreSQL a
     * transaction whose conditional updates wait on row locks). commit
     * failing leaves the level it closes rolled back; rollback cannot fail
     * (it logs). */
    int (*begin)(void *impl, struct lv_err *err);
    int (*commit)(void *impl, struct lv_err *err);
    void (*rollback)(void *impl);
    /* An outermost begin as lv_store_begin_relaxed() (store.h) asks. */
    int (*begin_relaxed)(void *impl, struct lv_err *err);
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
    /* Change notification: lv_store_kms_generation() (kms_store.h). A
     * backend shared by several processes answers 0 until it can tell
     * their writes too (a generation kept in the database, or LISTEN /
     * NOTIFY moving a local one). */
    int (*kms_generation)(void *impl, uint64_t *gen);
    /* lv_store_lease() (store.h): 1 when this process holds the named
     * lease (taking it now if it is free), 0 when another process holds
     * it, -1 with *err on a fault. A backend one process owns (sqlite)
     * answers 1; a shared one holds it until the store closes, the process
     * dies or its connection to the database is lost. */
    int (*lease)(void *impl, const char *name, struct lv_err *err);
    /* Optional (NULL: the backend needs none, as sqlite's one process per
     * store). on 1 takes, on 0 releases a lock that one process at a time
     * holds across all those sharing the store: lv_store_migrate() holds it
     * around its check and its steps, so that nodes starting together
     * migrate once. Taking it waits for the holder. 0 or -1 with *err. */
    int (*migrate_lock)(void *impl, int on, struct lv_err *err);
    /* Optional (NULL: a transaction holds the store's one write lock from
     * its begin already, as sqlite's BEGIN IMMEDIATE): lv_store_lock()
     * (store.h), in the transaction open on this thread. */
    int (*xact_lock)(void *impl, const char *name, struct lv_err *err);
    const struct lv_store_kms_ops *kms;
    const struct lv_store_logs_ops *logs;
    const struct lv_store_audit_ops *audit;
    const struct lv_store_insights_ops *insights;
    const struct lv_store_lookup_ops *lookup;
    const struct lv_store_policies_ops *policies;
    const struct lv_store_sched_ops *sched;
    const struct lv_store_anomaly_ops *anomaly;
    const struct lv_store_livetail_ops *livetail;
};

struct lv_store {
    const struct lv_store_backend *be;
    void *impl;
    char *where;                /* owned; e.g. "/var/lib/lv/logvault.db" */
    const char *kind;           /* the opened backend's name (a wrapper in
                                 * front of it does not change it) */
};

extern const struct lv_store_backend lv_store_sqlite_backend;
extern const struct lv_store_backend lv_store_postgres_backend;

/*
 * Migrations. Each component owns an array of steps, ordered by version
 * (1, 2, 3 … with no gap), ended by LV_MIGRATION_END. A step's SQL is a
 * script (several statements allowed) in its backend's dialect; it runs in
 * its own transaction together with the version bump (a new database's
 * steps all in one), so a failing step leaves the database at the version
 * before it. Steps are never edited
 * once released: a change is a new step.
 */
struct lv_migration {
    const char *component;  /* "core", "kms", "logs", "events", "audit",
                             * "insights", "lookup",
                             * "policies", "delivery", "sched",
                             * "anomaly", "livetail" */
    int version;            /* the version the database has after this step */
    const char *sql;
};

#define LV_MIGRATION_END { NULL, 0, NULL }

/*
 * Brings the database up to date with `lists` (a NULL-terminated array of
 * migration arrays, applied in order), all of it under the backend's
 * migrate_lock when it has one. First, touching nothing, it refuses
 * (-1, LV_E_SERVICE_UNAVAILABLE, "store: FILE has schema C version N, newer
 * than this logvault understands (M); upgrade logvault") a database holding
 * a component at a version above the highest the lists know (0 for a
 * component they do not name). Then it applies each missing step in its
 * own transaction; on a failing step it stops with -1, the database left at
 * the last step that succeeded. A store with no schema yet (no component
 * at any version: a new database) gets every step of every list in one
 * transaction instead (one commit, one fsync); a failing step then leaves
 * it with no schema at all. A step list with a gap is a bug (LV_BUG).
 */
int lv_store_migrate(struct lv_store *s,
                     const struct lv_migration *const *lists,
                     struct lv_err *err);

/* lv_store_open() with other migration lists (tests); lv_store_open() is
 * lv_store_open_with(cfg, the backend's migrations, err). lists NULL: the
 * backend's. */
struct lv_store *lv_store_open_with(const struct lv_store_config *cfg,
                                    const struct lv_migration *const *lists,
                                    struct lv_err *err);

#endif
