/*
 * sqlite/delivery.c: the delivery destinations of logs_store.h on the
 * embedded SQLite backend (table delivery_destinations of
 * schema_delivery.c). A put is one "INSERT … ON CONFLICT DO UPDATE" that
 * leaves the policy as it is; the policy is set by a statement of its own.
 */
#include "store/logs_store.h"

#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define COLS                                                                 \
    "account, region, name, type, resource_arn, output_format, tags, policy"

static void read_dest(sqlite3_stmt *st, void *p)
{
    struct lv_delivery_dest *d = p;

    lv_sqlite_col_field(st, 0, F(d, account), "delivery account");
    lv_sqlite_col_field(st, 1, F(d, region), "delivery region");
    lv_sqlite_col_field(st, 2, F(d, name), "delivery name");
    lv_sqlite_col_field(st, 3, F(d, type), "delivery type");
    lv_sqlite_col_field(st, 4, F(d, resource_arn), "delivery resource");
    lv_sqlite_col_field(st, 5, F(d, output_format), "delivery format");
    d->tags = lv_sqlite_col_dup(st, 6);
    d->policy = lv_sqlite_col_dup(st, 7);
}

static void release_dest(void *p)
{
    struct lv_delivery_dest *d = p;

    lv_delivery_dest_release(d);
    memset(d, 0, sizeof(*d));
}

int lv_sqlite_logs_dest_put(void *impl, const struct lv_delivery_dest *d,
                            struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO delivery_destinations (" COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, '')"
        " ON CONFLICT (account, region, name) DO UPDATE SET"
        " type = excluded.type, resource_arn = excluded.resource_arn,"
        " output_format = excluded.output_format, tags = excluded.tags";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(d, account));
    lv_sqlite_bind_field(&b, F(d, region));
    lv_sqlite_bind_field(&b, F(d, name));
    lv_sqlite_bind_field(&b, F(d, type));
    lv_sqlite_bind_field(&b, F(d, resource_arn));
    lv_sqlite_bind_field(&b, F(d, output_format));
    lv_sqlite_bind_text(&b, d->tags ? d->tags : "{}");
    return lv_sqlite_run_done(&b, "put delivery destination", err);
}

int lv_sqlite_logs_dest_get(void *impl, const char *account,
                            const char *region, const char *name,
                            struct lv_delivery_dest *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " COLS " FROM delivery_destinations"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    return lv_sqlite_run_one(&b, read_dest, out, "read delivery destination",
                             err);
}

struct walk {
    const char *account;
    const char *region;
    const char *after_name;
    lv_delivery_dest_fn fn;
    void *arg;
};

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_delivery_dest *d = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, d ? d->name : w->after_name);
    lv_sqlite_bind_int64(b, n);
}

static int call_dest(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->fn(w->arg, row);
}

int lv_sqlite_logs_dest_list(void *impl, const char *account,
                             const char *region, const char *after_name,
                             int limit, lv_delivery_dest_fn fn, void *arg,
                             struct lv_err *err)
{
    static const char sql[] =
        "SELECT " COLS " FROM delivery_destinations"
        " WHERE account = ?1 AND region = ?2 AND name > ?3"
        " ORDER BY name LIMIT ?4";
    struct walk wk;
    struct lv_sqlite_walk w = {
        sql, "list delivery destinations", sizeof(struct lv_delivery_dest),
        limit, &wk, bind_list, read_dest, release_dest, call_dest,
    };

    if (limit <= 0) {
        LV_BUG("delivery destination list: limit %d", limit);
    }
    memset(&wk, 0, sizeof(wk));
    wk.account = account;
    wk.region = region;
    wk.after_name = after_name ? after_name : "";
    wk.fn = fn;
    wk.arg = arg;
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_logs_dest_delete(void *impl, const char *account,
                               const char *region, const char *name,
                               struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM delivery_destinations"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    return lv_sqlite_run_changed(&b, "delete delivery destination", err);
}

int lv_sqlite_logs_dest_set_policy(void *impl, const char *account,
                                   const char *region, const char *name,
                                   const char *policy, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE delivery_destinations SET policy = ?4"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    lv_sqlite_bind_text(&b, policy);
    return lv_sqlite_run_changed(&b, "set delivery destination policy", err);
}
