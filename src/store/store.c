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

int lv_store_begin(struct lv_store *s, struct lv_err *err)
{
    return s->be->begin(s->impl, err);
}

int lv_store_commit(struct lv_store *s, struct lv_err *err)
{
    return s->be->commit(s->impl, err);
}

void lv_store_rollback(struct lv_store *s)
{
    s->be->rollback(s->impl);
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
