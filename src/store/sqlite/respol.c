/*
 * respol.c: the CloudWatch Logs resource policies of logs_store.h
 * (lv_sqlite_logs_respol_*), in the table logs_respol (schema_respol.c).
 */
#include "store/logs_store.h"

#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/log.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define RESPOL_COLS                                                          \
    "account, region, resource_arn, name, revision_id, document,"            \
    " updated_ms"

static void read_respol(sqlite3_stmt *st, void *p)
{
    struct lv_log_respol *r = p;

    lv_sqlite_col_field(st, 0, F(r, account), "resource policy account");
    lv_sqlite_col_field(st, 1, F(r, region), "resource policy region");
    lv_sqlite_col_field(st, 2, F(r, resource_arn), "resource policy arn");
    lv_sqlite_col_field(st, 3, F(r, name), "resource policy name");
    lv_sqlite_col_field(st, 4, F(r, revision_id), "resource policy revision");
    r->document = lv_sqlite_col_dup(st, 5);
    r->updated_ms = sqlite3_column_int64(st, 6);
}

static void release_respol(void *p)
{
    struct lv_log_respol *r = p;

    lv_log_respol_release(r);
    memset(r, 0, sizeof(*r));
}

/* ?1 … ?7 in RESPOL_COLS' order. */
static void bind_respol(struct lv_sqlite_bind *b,
                        const struct lv_log_respol *r)
{
    lv_sqlite_bind_field(b, F(r, account));
    lv_sqlite_bind_field(b, F(r, region));
    lv_sqlite_bind_field(b, F(r, resource_arn));
    lv_sqlite_bind_field(b, F(r, name));
    lv_sqlite_bind_field(b, F(r, revision_id));
    lv_sqlite_bind_text(b, r->document ? r->document : "");
    lv_sqlite_bind_int64(b, r->updated_ms);
}

int lv_sqlite_logs_respol_put(void *impl, const struct lv_log_respol *r,
                              struct lv_err *err)
{
    static const char update[] =
        "UPDATE logs_respol SET revision_id = ?5, document = ?6,"
        " updated_ms = ?7 WHERE account = ?1 AND region = ?2"
        " AND resource_arn = ?3 AND name = ?4";
    static const char insert[] =
        "INSERT INTO logs_respol (" RESPOL_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_begin(impl, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(impl, update, &b, err) < 0) {
        goto fail;
    }
    bind_respol(&b, r);
    rc = lv_sqlite_run_changed(&b, "replace resource policy", err);
    if (rc < 0) {
        goto fail;
    }
    if (rc == 0) {
        if (lv_sqlite_start(impl, insert, &b, err) < 0) {
            goto fail;
        }
        bind_respol(&b, r);
        if (lv_sqlite_run_done(&b, "insert resource policy", err) < 0) {
            goto fail;
        }
    }
    if (lv_sqlite_commit(impl, err) < 0) {
        return -1;
    }
    return rc;
fail:
    lv_sqlite_rollback(impl);
    return -1;
}

struct respol_walk {
    const char *account;
    const char *region;
    int mode;                   /* 0 account, 1 one resource, 2 any */
    const char *arn;
    const char *after_arn;
    const char *after_name;
    lv_log_respol_fn fn;
    void *arg;
};

static void bind_respol_list(struct lv_sqlite_bind *b, void *ctx,
                             const void *last, int n)
{
    const struct respol_walk *rw = ctx;
    const struct lv_log_respol *r = last;

    lv_sqlite_bind_text(b, rw->account);
    lv_sqlite_bind_text(b, rw->region);
    lv_sqlite_bind_int64(b, rw->mode);
    lv_sqlite_bind_text(b, rw->arn);
    lv_sqlite_bind_text(b, r ? r->resource_arn : rw->after_arn);
    lv_sqlite_bind_text(b, r ? r->name : rw->after_name);
    lv_sqlite_bind_int64(b, n);
}

static int call_respol(void *ctx, const void *row)
{
    const struct respol_walk *rw = ctx;

    return rw->fn(rw->arg, row);
}

int lv_sqlite_logs_respol_list(void *impl, const char *account,
                               const char *region, const char *resource_arn,
                               const char *after_arn, const char *after_name,
                               int limit, lv_log_respol_fn fn, void *arg,
                               struct lv_err *err)
{
    static const char sql[] =
        "SELECT " RESPOL_COLS " FROM logs_respol"
        " WHERE account = ?1 AND region = ?2"
        " AND ((?3 = 0 AND resource_arn = '')"
        "  OR (?3 = 1 AND resource_arn = ?4)"
        "  OR (?3 = 2 AND resource_arn <> ''))"
        " AND (resource_arn, name) > (?5, ?6)"
        " ORDER BY resource_arn, name LIMIT ?7";
    struct respol_walk rw;
    struct lv_sqlite_walk w = {
        sql, "list resource policies", sizeof(struct lv_log_respol), limit,
        &rw, bind_respol_list, read_respol, release_respol, call_respol,
    };

    if (limit <= 0) {
        LV_BUG("resource policy list: limit %d", limit);
    }
    memset(&rw, 0, sizeof(rw));
    rw.account = account;
    rw.region = region;
    rw.mode = !resource_arn ? 0 : *resource_arn ? 1 : 2;
    rw.arn = resource_arn ? resource_arn : "";
    rw.after_arn = after_arn ? after_arn : "";
    rw.after_name = after_name ? after_name : "";
    rw.fn = fn;
    rw.arg = arg;
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_logs_respol_count(void *impl, const char *account,
                                const char *region, int64_t *n,
                                struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM logs_respol"
        " WHERE account = ?1 AND region = ?2 AND resource_arn = ''";
    struct lv_sqlite_bind b;

    *n = 0;
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_int(&b, n, "count resource policies", err);
}

int lv_sqlite_logs_respol_delete(void *impl, const char *account,
                                 const char *region, const char *resource_arn,
                                 const char *name, const char *revision,
                                 struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM logs_respol WHERE account = ?1 AND region = ?2"
        " AND resource_arn = ?3 AND name = ?4"
        " AND (?5 = '' OR revision_id = ?5)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, resource_arn);
    lv_sqlite_bind_text(&b, name);
    lv_sqlite_bind_text(&b, revision ? revision : "");
    return lv_sqlite_run_changed(&b, "delete resource policy", err);
}
