/*
 * postgres/delivery.c: the delivery destinations of logs_store.h on
 * PostgreSQL (table delivery_destinations of schema_delivery.c). A put is
 * one "INSERT … ON CONFLICT DO UPDATE" (a put racing on another node
 * waits for it, then updates) that leaves the policy as it is; the policy
 * is set by a statement of its own, so a put and a policy change on two
 * nodes never undo each other.
 */
#include "store/logs_store.h"

#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define COLS                                                                 \
    "account, region, name, type, resource_arn, output_format, tags, policy"

static void read_dest(const PGresult *r, int i, void *p)
{
    struct lv_delivery_dest *d = p;

    lv_pg_get_field(r, i, 0, F(d, account), "delivery account");
    lv_pg_get_field(r, i, 1, F(d, region), "delivery region");
    lv_pg_get_field(r, i, 2, F(d, name), "delivery name");
    lv_pg_get_field(r, i, 3, F(d, type), "delivery type");
    lv_pg_get_field(r, i, 4, F(d, resource_arn), "delivery resource");
    lv_pg_get_field(r, i, 5, F(d, output_format), "delivery format");
    d->tags = lv_pg_get_dup(r, i, 6);
    d->policy = lv_pg_get_dup(r, i, 7);
}

static void release_dest(void *p)
{
    struct lv_delivery_dest *d = p;

    lv_delivery_dest_release(d);
    memset(d, 0, sizeof(*d));
}

int lv_pg_logs_dest_put(void *impl, const struct lv_delivery_dest *d,
                        struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO delivery_destinations (" COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, '')"
        " ON CONFLICT (account, region, name) DO UPDATE SET"
        " type = excluded.type, resource_arn = excluded.resource_arn,"
        " output_format = excluded.output_format, tags = excluded.tags";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(d, account));
    lv_pg_param_field(&p, F(d, region));
    lv_pg_param_field(&p, F(d, name));
    lv_pg_param_field(&p, F(d, type));
    lv_pg_param_field(&p, F(d, resource_arn));
    lv_pg_param_field(&p, F(d, output_format));
    lv_pg_param_text(&p, d->tags ? d->tags : "{}");
    return lv_pg_run(impl, sql, &p, "put delivery destination", err);
}

int lv_pg_logs_dest_get(void *impl, const char *account, const char *region,
                        const char *name, struct lv_delivery_dest *out,
                        struct lv_err *err)
{
    static const char sql[] =
        "SELECT " COLS " FROM delivery_destinations"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    if (lv_pg_query(impl, sql, &p, LV_PG_TEXT, &res,
                    "read delivery destination", err) < 0) {
        goto out;
    }
    ret = 0;
    if (PQntuples(res) > 0) {
        read_dest(res, 0, out);
        ret = 1;
    }
out:
    PQclear(res);
    return ret;
}

struct walk {
    const char *account;
    const char *region;
    const char *after_name;
    lv_delivery_dest_fn fn;
    void *arg;
};

static void bind_list(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_delivery_dest *d = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->region);
    lv_pg_param_text(p, d ? d->name : w->after_name);
    lv_pg_param_int64(p, n);
}

static int call_dest(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->fn(w->arg, row);
}

int lv_pg_logs_dest_list(void *impl, const char *account, const char *region,
                         const char *after_name, int limit,
                         lv_delivery_dest_fn fn, void *arg,
                         struct lv_err *err)
{
    static const char sql[] =
        "SELECT " COLS " FROM delivery_destinations"
        " WHERE account = $1 AND region = $2 AND name > $3::text"
        " ORDER BY name LIMIT $4";
    struct walk wk = { 0 };
    struct lv_pg_walk w = {
        sql, "list delivery destinations", sizeof(struct lv_delivery_dest),
        limit, &wk, bind_list, read_dest, release_dest, call_dest,
    };

    if (limit <= 0) {
        LV_BUG("delivery destination list: limit %d", limit);
    }
    wk.account = account;
    wk.region = region;
    wk.after_name = after_name ? after_name : "";
    wk.fn = fn;
    wk.arg = arg;
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_logs_dest_delete(void *impl, const char *account,
                           const char *region, const char *name,
                           struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM delivery_destinations"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    return lv_pg_changed(impl, sql, &p, "delete delivery destination", err);
}

int lv_pg_logs_dest_set_policy(void *impl, const char *account,
                               const char *region, const char *name,
                               const char *policy, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE delivery_destinations SET policy = $4"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    lv_pg_param_text(&p, policy);
    return lv_pg_changed(impl, sql, &p, "set delivery destination policy",
                         err);
}
