/*
 * store.c: the public functions of store.h. Each picks nothing itself: it
 * dispatches through the backend table chosen at open (store_int.h).
 */
#include "store/store.h"

#include <stdlib.h>
#include <string.h>

#include "store/fault/fault.h"
#include "store/store_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* The backend a spec names, or NULL: "sqlite" (or nothing) is the
 * embedded one; a libpq connection URI (postgresql://, postgres://) or a
 * key=value conninfo string is PostgreSQL. */
static const struct lv_store_backend *backend_of(const char *spec)
{
    if (!spec || !*spec || strcmp(spec, "sqlite") == 0) {
        return &lv_store_sqlite_backend;
    }
    if (strncmp(spec, "postgresql://", strlen("postgresql://")) == 0 ||
        strncmp(spec, "postgres://", strlen("postgres://")) == 0 ||
        strchr(spec, '=')) {
        return &lv_store_postgres_backend;
    }
    return NULL;
}

const char *lv_store_kind(const char *spec)
{
    const struct lv_store_backend *be = backend_of(spec);

    return be ? be->name : NULL;
}

/* The backend named by cfg->spec. The spec is never echoed: a PostgreSQL
 * URI or conninfo string may carry a password. */
static const struct lv_store_backend *pick_backend(
    const struct lv_store_config *cfg, struct lv_err *err)
{
    const struct lv_store_backend *be = backend_of(cfg->spec);

    if (!be) {
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE,
                   "store: unknown store kind; expected \"sqlite\", a "
                   "\"postgresql://…\" URI or a PostgreSQL conninfo "
                   "string");
    }
    return be;
}

#ifdef LV_STORE_FAULT_INJECTION
/* The test build only (fault/fault.h): LOGVAULT_STORE_FAULT=SPEC puts the
 * fault wrapper in front of the backend, once the schema is up to date. */
static int fault_from_env(struct lv_store *s, struct lv_err *err)
{
    const char *spec = getenv("LOGVAULT_STORE_FAULT");

    if (!spec || !*spec) {
        return 0;
    }
    if (lv_store_fault_wrap(s, spec, err) < 0) {
        return -1;
    }
    lv_log(LV_LOG_WARN, "store: fault injection on (a test build) spec=%s",
           spec);
    return 0;
}
#else
/* A release build: faults cannot be injected, whatever the environment. */
static int fault_from_env(struct lv_store *s, struct lv_err *err)
{
    (void)s;
    (void)err;
    return 0;
}
#endif

struct lv_store *lv_store_open_with(const struct lv_store_config *cfg,
                                    const struct lv_migration *const *lists,
                                    struct lv_err *err)
{
    const struct lv_store_backend *be;
    struct lv_store *s = NULL;
    struct lv_store *ret = NULL;

    be = pick_backend(cfg, err);
    if (!be) {
        goto out;
    }
    s = lv_xcalloc(1, sizeof(*s));
    s->be = be;
    s->kind = be->name;
    if (be->open(s, cfg, err) < 0) {
        goto out;
    }
    if (cfg->before_migrate &&
        cfg->before_migrate(s, cfg->before_migrate_arg, err) < 0) {
        goto out;
    }
    if (lv_store_migrate(s, lists ? lists : be->migrations, err) < 0) {
        goto out;
    }
    if (fault_from_env(s, err) < 0) {
        goto out;
    }
    lv_log(LV_LOG_INFO, "store: opened backend=%s file=%s", be->name,
           s->where);
    ret = s;
    s = NULL;
out:
    lv_store_close(s);
    return ret;
}

int lv_store_probe(const struct lv_store_config *cfg,
                   enum lv_store_presence *out, struct lv_err *err)
{
    const struct lv_store_backend *be = pick_backend(cfg, err);

    if (!be) {
        return -1;
    }
    return be->probe(cfg, out, err);
}

struct lv_store *lv_store_open(const struct lv_store_config *cfg,
                               struct lv_err *err)
{
    return lv_store_open_with(cfg, NULL, err);
}

void lv_store_close(struct lv_store *s)
{
    if (!s) {
        return;
    }
    if (s->impl) {
        s->be->close(s->impl);
    }
    free(s->where);
    free(s);
}

int lv_store_ping(struct lv_store *s, struct lv_err *err)
{
    return s->be->ping(s->impl, err);
}

const char *lv_store_kind_of(const struct lv_store *s)
{
    return s->kind;
}

int lv_store_lock(struct lv_store *s, const char *name, struct lv_err *err)
{
    return s->be->xact_lock ? s->be->xact_lock(s->impl, name, err) : 0;
}

int lv_store_lease(struct lv_store *s, const char *name, struct lv_err *err)
{
    return s->be->lease(s->impl, name, err);
}

int lv_store_lease_pass(struct lv_store *s, const char *name, int *state)
{
    struct lv_err err = LV_ERR_INIT;
    int got = lv_store_lease(s, name, &err);

    if (got != *state) {
        if (got == 1) {
            lv_log(LV_LOG_DEBUG, "store: lease held name=%s", name);
        } else if (got == 0) {
            lv_log(LV_LOG_DEBUG, "store: lease held by another node name=%s",
                   name);
        } else {
            lv_log(LV_LOG_WARN, "store: lease unknown, pass skipped name=%s:"
                   " %s", name, err.msg);
        }
        *state = got;
    }
    return got == 1;
}

int lv_store_schema_version(struct lv_store *s, const char *component,
                            int *version, struct lv_err *err)
{
    return s->be->version_get(s->impl, component, version, err);
}

/* ---- transactions and their after-commit work ------------------------- */

/* One piece of after-commit work, at the transaction level (1 = the
 * outermost) that registered it, or moved out to by an inner commit. */
struct hook {
    void (*fn)(void *arg);
    void (*drop)(void *arg);
    void *arg;
    int level;
    struct hook *next;
};

/* This thread's open transaction levels on one store, and the work that
 * waits for the outermost commit (registration order). A thread uses one
 * store at a time in practice; a list keeps several correct. An entry
 * lives while its store has a level open on this thread. */
struct txn_state {
    const struct lv_store *s;
    int depth;
    struct hook *head, **tail;
    struct txn_state *next;
};

static _Thread_local struct txn_state *txn_states;

static struct txn_state *txn_find(const struct lv_store *s)
{
    for (struct txn_state *t = txn_states; t; t = t->next) {
        if (t->s == s) {
            return t;
        }
    }
    return NULL;
}

static void txn_forget(struct txn_state *t)
{
    for (struct txn_state **p = &txn_states; *p; p = &(*p)->next) {
        if (*p == t) {
            *p = t->next;
            break;
        }
    }
    free(t);
}

/* Drops (drop, never fn) the hooks registered at `level` or deeper. */
static void hooks_drop_from(struct txn_state *t, int level)
{
    struct hook **p = &t->head;

    while (*p) {
        struct hook *h = *p;

        if (h->level >= level) {
            *p = h->next;
            if (h->drop) {
                h->drop(h->arg);
            }
            free(h);
        } else {
            p = &h->next;
        }
    }
    t->tail = &t->head;
    while (*t->tail) {
        t->tail = &(*t->tail)->next;
    }
}

/* The level t->depth + 1 has closed: committed (ok) or rolled back. */
static void txn_closed(struct txn_state *t, int ok)
{
    int level = t->depth + 1;

    if (!ok) {
        hooks_drop_from(t, level);
    } else if (t->depth > 0) {
        for (struct hook *h = t->head; h; h = h->next) {
            if (h->level == level) {
                h->level = t->depth;
            }
        }
    }
    if (t->depth > 0) {
        return;
    }
    /* The outermost level closed: run what waited for it, then forget t
     * (a hook may itself open a transaction on this store). */
    {
        struct hook *h = t->head;

        txn_forget(t);
        while (h) {
            struct hook *next = h->next;

            if (h->fn) {
                h->fn(h->arg);
            }
            free(h);
            h = next;
        }
    }
}

/* The bookkeeping of a level the backend opened (after_commit's). */
static void level_opened(struct lv_store *s)
{
    struct txn_state *t = txn_find(s);

    if (!t) {
        t = lv_xcalloc(1, sizeof(*t));
        t->s = s;
        t->tail = &t->head;
        t->next = txn_states;
        txn_states = t;
    }
    t->depth++;
}

int lv_store_begin(struct lv_store *s, struct lv_err *err)
{
    if (s->be->begin(s->impl, err) < 0) {
        return -1;
    }
    level_opened(s);
    return 0;
}

int lv_store_begin_relaxed(struct lv_store *s, struct lv_err *err)
{
    if (s->be->begin_relaxed(s->impl, err) < 0) {
        return -1;
    }
    level_opened(s);
    return 0;
}

int lv_store_commit(struct lv_store *s, struct lv_err *err)
{
    struct txn_state *t = txn_find(s);
    int rc = s->be->commit(s->impl, err);

    /* With no level open the backend has already called it a bug. */
    if (t) {
        t->depth--;
        txn_closed(t, rc == 0);
    }
    return rc;
}

void lv_store_rollback(struct lv_store *s)
{
    struct txn_state *t = txn_find(s);

    s->be->rollback(s->impl);
    if (t) {
        t->depth--;
        txn_closed(t, 0);
    }
}

void lv_store_after_commit(struct lv_store *s, void (*fn)(void *arg),
                           void (*drop)(void *arg), void *arg)
{
    struct txn_state *t = txn_find(s);
    struct hook *h;

    if (!t || t->depth == 0) {
        if (fn) {
            fn(arg);
        }
        return;
    }
    h = lv_xcalloc(1, sizeof(*h));
    h->fn = fn;
    h->drop = drop;
    h->arg = arg;
    h->level = t->depth;
    *t->tail = h;
    t->tail = &h->next;
}

int lv_store_meta_get(struct lv_store *s, const char *key,
                      struct lv_buf *out, struct lv_err *err)
{
    return s->be->meta_get(s->impl, key, out, err);
}

int lv_store_meta_set(struct lv_store *s, const char *key, const void *value,
                      size_t len, struct lv_err *err)
{
    return s->be->meta_set(s->impl, key, value, len, err);
}

int lv_store_meta_add(struct lv_store *s, const char *key, const void *value,
                      size_t len, struct lv_err *err)
{
    return s->be->meta_add(s->impl, key, value, len, err);
}
