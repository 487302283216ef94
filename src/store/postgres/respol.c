/*
 * respol.c: the CloudWatch Logs resource policies of logs_store.h
 * (lv_pg_logs_respol_*) on PostgreSQL, in the table logs_respol
 * (schema_respol.c).
 */
#include "store/logs_store.h"

#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"
#include "util/log.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define RESPOL_COLS                                                          \
    "account, region, resource_arn, name, revision_id, document,"            \
    " updated_ms"

static void read_respol(const PGresult *res, int i, void *p)
{
    struct lv_log_respol *r = p;

    lv_pg_get_field(res, i, 0, F(r, account), "resource policy account");
    lv_pg_get_field(res, i, 1, F(r, region), "resource policy region");
    lv_pg_get_field(res, i, 2, F(r, resource_arn), "resource policy arn");
    lv_pg_get_field(res, i, 3, F(r, name), "resource policy name");
    lv_pg_get_field(res, i, 4, F(r, revision_id), "resource policy revision");
    r->document = lv_pg_get_dup(res, i, 5);
    r->updated_ms = lv_pg_get_int64(res, i, 6);
}

static void release_respol(void *p)
{
    struct lv_log_respol *r = p;

    lv_log_respol_release(r);
    memset(r, 0, sizeof(*r));
}

/* $1 … $7 in RESPOL_COLS' order. */
static void param_respol(struct lv_pg_params *p,
                         const struct lv_log_respol *r)
{
    lv_pg_params_init(p);
    lv_pg_param_field(p, F(r, account));
    lv_pg_param_field(p, F(r, region));
    lv_pg_param_field(p, F(r, resource_arn));
    lv_pg_param_field(p, F(r, name));
    lv_pg_param_field(p, F(r, revision_id));
    lv_pg_param_text(p, r->document ? r->document : "");
    lv_pg_param_int64(p, r->updated_ms);
}

int lv_pg_logs_respol_put(void *impl, const struct lv_log_respol *r,
                          struct lv_err *err)
{
    /* One statement: an insert that meets the row (made meanwhile by
     * another node, ON CONFLICT waits for it) replaces it. xmax is 0 for
     * a row this statement inserted. */
    static const char sql[] =
        "INSERT INTO logs_respol (" RESPOL_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (account, region, resource_arn, name) DO UPDATE"
        " SET revision_id = EXCLUDED.revision_id,"
        " document = EXCLUDED.document, updated_ms = EXCLUDED.updated_ms"
        " RETURNING (xmax <> 0)::int";
    struct lv_pg_params p;
    int64_t replaced = 0;

    param_respol(&p, r);
    if (lv_pg_query_int64(impl, sql, &p, &replaced, "put resource policy",
                          err) < 0) {
        return -1;
    }
    return replaced != 0;
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

static void bind_respol_list(struct lv_pg_params *p, void *ctx,
                             const void *last, int n)
{
    const struct respol_walk *rw = ctx;
    const struct lv_log_respol *r = last;

    lv_pg_param_text(p, rw->account);
    lv_pg_param_text(p, rw->region);
    lv_pg_param_int64(p, rw->mode);
    lv_pg_param_text(p, rw->arn);
    lv_pg_param_text(p, r ? r->resource_arn : rw->after_arn);
    lv_pg_param_text(p, r ? r->name : rw->after_name);
    lv_pg_param_int64(p, n);
}

static int call_respol(void *ctx, const void *row)
{
    const struct respol_walk *rw = ctx;

    return rw->fn(rw->arg, row);
}

int lv_pg_logs_respol_list(void *impl, const char *account,
                           const char *region, const char *resource_arn,
                           const char *after_arn, const char *after_name,
                           int limit, lv_log_respol_fn fn, void *arg,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT " RESPOL_COLS " FROM logs_respol"
        " WHERE account = $1 AND region = $2"
        " AND (($3::bigint = 0 AND resource_arn = '')"
        "  OR ($3::bigint = 1 AND resource_arn = $4::text)"
        "  OR ($3::bigint = 2 AND resource_arn <> ''))"
        " AND (resource_arn, name) > ($5::text, $6::text)"
        " ORDER BY resource_arn, name LIMIT $7";
    struct respol_walk rw;
    struct lv_pg_walk w = {
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
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_logs_respol_count(void *impl, const char *account,
                            const char *region, int64_t *n,
                            struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM logs_respol"
        " WHERE account = $1 AND region = $2 AND resource_arn = ''";
    struct lv_pg_params p;

    *n = 0;
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    if (lv_pg_query_int64(impl, sql, &p, n, "count resource policies",
                          err) < 0) {
        return -1;
    }
    return 0;
}

int lv_pg_logs_respol_delete(void *impl, const char *account,
                             const char *region, const char *resource_arn,
                             const char *name, const char *revision,
                             struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM logs_respol WHERE account = $1 AND region = $2"
        " AND resource_arn = $3 AND name = $4"
        " AND ($5::text = '' OR revision_id = $5::text)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, resource_arn);
    lv_pg_param_text(&p, name);
    lv_pg_param_text(&p, revision ? revision : "");
    return lv_pg_changed(impl, sql, &p, "delete resource policy", err);
}
