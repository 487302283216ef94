/*
 * migrate.c: the schema migration runner (lv_store_migrate, store_int.h).
 * It speaks only through the backend table, so any backend gets it; the
 * steps themselves belong to each backend (sqlite/schema_*.c).
 */
#include "store/store_int.h"

#include <string.h>

#include "util/err.h"
#include "util/log.h"

/* Portable SQL: every backend accepts it. */
static const char create_version_table[] =
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " component TEXT PRIMARY KEY,"
    " version INTEGER NOT NULL)";

/* The highest version of `component` the lists know, 0 if none. */
static int known_version(const struct lv_migration *const *lists,
                         const char *component)
{
    int max = 0;

    for (size_t i = 0; lists[i]; i++) {
        for (const struct lv_migration *m = lists[i]; m->component; m++) {
            if (strcmp(m->component, component) == 0 && m->version > max) {
                max = m->version;
            }
        }
    }
    return max;
}

struct check {
    const struct lv_migration *const *lists;
    const char *where;
    struct lv_err *err;
};

static int check_row(void *arg, const char *component, int version)
{
    struct check *c = arg;
    int known = known_version(c->lists, component);

    if (version <= known) {
        return 0;
    }
    lv_log(LV_LOG_ERROR, "store: refusing newer schema file=%s component=%s "
           "version=%d known=%d", c->where, component, version, known);
    lv_err_set(c->err, LV_E_SERVICE_UNAVAILABLE,
               "store: %s has schema %s version %d, newer than this "
               "logvault understands (%d); upgrade logvault",
               c->where, component, version, known);
    return 1;
}

/* Applies step m inside the caller's transaction, with its version bump.
 * A step already applied (by another process since the check) is
 * skipped. 0, or -1 with the backend's cause logged. */
static int step_in_txn(struct lv_store *s, const struct lv_migration *m,
                       int *applied, struct lv_err *err)
{
    const struct lv_store_backend *be = s->be;
    int cur = 0;

    *applied = 0;
    if (be->version_get(s->impl, m->component, &cur, err) < 0) {
        return -1;
    }
    if (cur >= m->version) {
        return 0;
    }
    if (cur != m->version - 1) {
        LV_BUG("migration %s %d follows version %d: the list has a gap",
               m->component, m->version, cur);
    }
    if (be->exec(s->impl, m->sql, err) < 0 ||
        be->version_set(s->impl, m->component, m->version, err) < 0) {
        return -1;
    }
    *applied = 1;
    return 0;
}

static int step_failed(struct lv_store *s, const struct lv_migration *m,
                       struct lv_err *err)
{
    /* The backend logged the cause; the operator reads this at startup. */
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                      "store: %s: migrating schema %s to version %d failed "
                      "(see the log); the database keeps its earlier version",
                      s->where, m->component, m->version);
}

static void log_step(const struct lv_store *s, const struct lv_migration *m)
{
    lv_log(LV_LOG_INFO, "store: migrated file=%s component=%s version=%d",
           s->where, m->component, m->version);
}

/* One step in its own transaction (a store that has a schema already). */
static int apply_step(struct lv_store *s, const struct lv_migration *m,
                      struct lv_err *err)
{
    const struct lv_store_backend *be = s->be;
    int applied = 0;

    if (be->begin(s->impl, err) < 0) {
        return step_failed(s, m, err);
    }
    if (step_in_txn(s, m, &applied, err) < 0) {
        be->rollback(s->impl);
        return step_failed(s, m, err);
    }
    if (!applied) {
        be->rollback(s->impl);
        return 0;
    }
    if (be->commit(s->impl, err) < 0) {
        return step_failed(s, m, err);
    }
    log_step(s, m);
    return 0;
}

/* A store with no schema at all (a new data dir or database): every step
 * of every list in one transaction, so one commit (one fsync) instead of
 * one per step; a failing step leaves the store as empty as it was. */
static int apply_all(struct lv_store *s,
                     const struct lv_migration *const *lists,
                     struct lv_err *err)
{
    const struct lv_store_backend *be = s->be;
    const struct lv_migration *failed = NULL;
    int applied;

    if (be->begin(s->impl, err) < 0) {
        goto fail;
    }
    for (size_t i = 0; lists[i] && !failed; i++) {
        for (const struct lv_migration *m = lists[i]; m->component; m++) {
            if (step_in_txn(s, m, &applied, err) < 0) {
                failed = m;
                break;
            }
        }
    }
    if (failed) {
        be->rollback(s->impl);
        return step_failed(s, failed, err);
    }
    if (be->commit(s->impl, err) < 0) {
        goto fail;
    }
    for (size_t i = 0; lists[i]; i++) {
        for (const struct lv_migration *m = lists[i]; m->component; m++) {
            log_step(s, m);
        }
    }
    return 0;
fail:
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                      "store: %s: creating the schema failed (see the log); "
                      "the database is left without one", s->where);
}

static int count_row(void *arg, const char *component, int version)
{
    (void)component;
    (void)version;
    ++*(int *)arg;
    return 0;
}

static int migrate_locked(struct lv_store *s,
                          const struct lv_migration *const *lists,
                          struct lv_err *err)
{
    struct check c = { lists, s->where, err };
    int rows = 0;
    int cur;
    int rc;

    if (s->be->exec(s->impl, create_version_table, err) < 0) {
        goto unreadable;
    }
    /* Refuse a newer database before touching anything. */
    rc = s->be->version_each(s->impl, check_row, &c, err);
    if (rc > 0) {
        return -1;
    }
    if (rc < 0) {
        goto unreadable;
    }
    /* Nothing applied yet: all of it at once. */
    if (s->be->version_each(s->impl, count_row, &rows, err) < 0) {
        goto unreadable;
    }
    if (rows == 0 && lists[0] && lists[0]->component) {
        return apply_all(s, lists, err);
    }
    for (size_t i = 0; lists[i]; i++) {
        for (const struct lv_migration *m = lists[i]; m->component; m++) {
            if (s->be->version_get(s->impl, m->component, &cur, err) < 0) {
                goto unreadable;
            }
            if (cur >= m->version) {
                continue;
            }
            if (apply_step(s, m, err) < 0) {
                return -1;
            }
        }
    }
    return 0;
unreadable:
    /* The backend logged the cause; the operator reads this at startup. */
    return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                      "store: %s: cannot read the schema version (see the "
                      "log)", s->where);
}

int lv_store_migrate(struct lv_store *s,
                     const struct lv_migration *const *lists,
                     struct lv_err *err)
{
    struct lv_err ignored = LV_ERR_INIT;
    int ret;

    /* Nodes starting together on one database: one migrates, the others
     * wait, then find every step applied. */
    if (s->be->migrate_lock && s->be->migrate_lock(s->impl, 1, err) < 0) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                          "store: %s: cannot take the migration lock (see "
                          "the log)", s->where);
    }
    ret = migrate_locked(s, lists, err);
    /* Released on every path; a connection lost meanwhile took it along. */
    if (s->be->migrate_lock &&
        s->be->migrate_lock(s->impl, 0, &ignored) < 0) {
        lv_log(LV_LOG_WARN, "store: cannot release the migration lock "
               "file=%s", s->where);
    }
    lv_err_release(&ignored);
    return ret;
}
