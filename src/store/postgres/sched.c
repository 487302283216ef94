/*
 * postgres/sched.c: sched_store.h on PostgreSQL (tables sched_queries and
 * sched_runs of schema_sched.c). An insert that meets an existing name
 * (committed, or being inserted by another node: ON CONFLICT waits for
 * it) answers 0; a run is upserted by (query, query id) in one statement.
 */
#include "store/sched_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define Q_COLS "account, region, name, next_ms, created_ms, updated_ms, doc"
#define R_COLS "account, region, name, query_id, status, triggered_ms, doc"

static void read_rec(const PGresult *res, int i, void *p)
{
    struct lv_sched_rec *r = p;

    lv_pg_get_field(res, i, 0, F(r, account), "sched account");
    lv_pg_get_field(res, i, 1, F(r, region), "sched region");
    lv_pg_get_field(res, i, 2, F(r, name), "sched name");
    r->next_ms = lv_pg_get_int64(res, i, 3);
    r->created_ms = lv_pg_get_int64(res, i, 4);
    r->updated_ms = lv_pg_get_int64(res, i, 5);
    r->doc = lv_pg_get_dup(res, i, 6);
}

static void read_run(const PGresult *res, int i, void *p)
{
    struct lv_sched_run *r = p;

    lv_pg_get_field(res, i, 0, F(r, account), "sched run account");
    lv_pg_get_field(res, i, 1, F(r, region), "sched run region");
    lv_pg_get_field(res, i, 2, F(r, name), "sched run name");
    lv_pg_get_field(res, i, 3, F(r, query_id), "sched run query");
    lv_pg_get_field(res, i, 4, F(r, status), "sched run status");
    r->triggered_ms = lv_pg_get_int64(res, i, 5);
    r->doc = lv_pg_get_dup(res, i, 6);
}

static void release_rec(void *p)
{
    lv_sched_rec_release(p);
    memset(p, 0, sizeof(struct lv_sched_rec));
}

static void release_run(void *p)
{
    lv_sched_run_release(p);
    memset(p, 0, sizeof(struct lv_sched_run));
}

int lv_pg_sched_insert(void *impl, const struct lv_sched_rec *r,
                       struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO sched_queries (" Q_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(r, account));
    lv_pg_param_field(&p, F(r, region));
    lv_pg_param_field(&p, F(r, name));
    lv_pg_param_int64(&p, r->next_ms);
    lv_pg_param_int64(&p, r->created_ms);
    lv_pg_param_int64(&p, r->updated_ms);
    lv_pg_param_text(&p, r->doc ? r->doc : "{}");
    return lv_pg_changed(impl, sql, &p, "insert scheduled query", err);
}

int lv_pg_sched_update(void *impl, const struct lv_sched_rec *r,
                       struct lv_err *err)
{
    static const char sql[] =
        "UPDATE sched_queries SET next_ms = $4, updated_ms = $5, doc = $6"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(r, account));
    lv_pg_param_field(&p, F(r, region));
    lv_pg_param_field(&p, F(r, name));
    lv_pg_param_int64(&p, r->next_ms);
    lv_pg_param_int64(&p, r->updated_ms);
    lv_pg_param_text(&p, r->doc ? r->doc : "{}");
    return lv_pg_changed(impl, sql, &p, "update scheduled query", err);
}

int lv_pg_sched_get(void *impl, const char *account, const char *region,
                    const char *name, struct lv_sched_rec *out,
                    struct lv_err *err)
{
    static const char sql[] =
        "SELECT " Q_COLS " FROM sched_queries"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    if (lv_pg_query(impl, sql, &p, LV_PG_TEXT, &res, "read scheduled query",
                    err) < 0) {
        return -1;
    }
    ret = PQntuples(res) > 0;
    if (ret) {
        read_rec(res, 0, out);
    }
    PQclear(res);
    return ret;
}

struct walk {
    const char *account;
    const char *region;
    const char *name;
    const char *after;
    int64_t a, z;
    lv_sched_rec_fn rec_fn;
    lv_sched_run_fn run_fn;
    void *arg;
};

static int call_rec(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->rec_fn(w->arg, row);
}

static int call_run(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->run_fn(w->arg, row);
}

static void bind_list(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_sched_rec *r = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->region);
    lv_pg_param_text(p, r ? r->name : w->after);
    lv_pg_param_int64(p, n);
}

int lv_pg_sched_list(void *impl, const char *account, const char *region,
                     const char *after_name, int limit, lv_sched_rec_fn fn,
                     void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " Q_COLS " FROM sched_queries"
        " WHERE account = $1 AND region = $2 AND name > $3::text"
        " ORDER BY name LIMIT $4";
    struct walk wk = { account, region, NULL, after_name ? after_name : "",
                       0, 0, fn, NULL, arg };
    struct lv_pg_walk w = {
        sql, "list scheduled queries", sizeof(struct lv_sched_rec), limit,
        &wk, bind_list, read_rec, release_rec, call_rec,
    };

    if (limit <= 0) {
        LV_BUG("sched list: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_sched_delete(void *impl, const char *account, const char *region,
                       const char *name, struct lv_err *err)
{
    static const char runs[] =
        "DELETE FROM sched_runs"
        " WHERE account = $1 AND region = $2 AND name = $3";
    static const char sql[] =
        "DELETE FROM sched_queries"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    if (lv_pg_run(impl, runs, &p, "delete scheduled query runs", err) < 0) {
        return -1;
    }
    return lv_pg_changed(impl, sql, &p, "delete scheduled query", err);
}

static void bind_due(struct lv_pg_params *p, void *ctx, const void *last,
                     int n)
{
    const struct walk *w = ctx;
    const struct lv_sched_rec *r = last;

    lv_pg_param_int64(p, w->a);
    lv_pg_param_text(p, r ? r->account : "");
    lv_pg_param_text(p, r ? r->region : "");
    lv_pg_param_text(p, r ? r->name : "");
    lv_pg_param_int64(p, n);
}

int lv_pg_sched_due(void *impl, int64_t now_ms, int limit,
                    lv_sched_rec_fn fn, void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " Q_COLS " FROM sched_queries"
        " WHERE next_ms >= 0 AND next_ms <= $1"
        " AND (account, region, name) > ($2::text, $3::text, $4::text)"
        " ORDER BY account, region, name LIMIT $5";
    struct walk wk = { NULL, NULL, NULL, NULL, now_ms, 0, fn, NULL, arg };
    struct lv_pg_walk w = {
        sql, "list due scheduled queries", sizeof(struct lv_sched_rec),
        limit, &wk, bind_due, read_rec, release_rec, call_rec,
    };

    if (limit <= 0) {
        LV_BUG("sched due: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_sched_run_put(void *impl, const struct lv_sched_run *r,
                        struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO sched_runs (" R_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (account, region, name, query_id)"
        " DO UPDATE SET status = excluded.status, doc = excluded.doc";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(r, account));
    lv_pg_param_field(&p, F(r, region));
    lv_pg_param_field(&p, F(r, name));
    lv_pg_param_field(&p, F(r, query_id));
    lv_pg_param_field(&p, F(r, status));
    lv_pg_param_int64(&p, r->triggered_ms);
    lv_pg_param_text(&p, r->doc ? r->doc : "{}");
    return lv_pg_run(impl, sql, &p, "write scheduled query run", err);
}

static void bind_runs(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_sched_run *r = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->region);
    lv_pg_param_text(p, w->name);
    lv_pg_param_int64(p, w->a);
    lv_pg_param_int64(p, w->z);
    lv_pg_param_int64(p, r ? r->triggered_ms : INT64_MAX);
    lv_pg_param_text(p, r ? r->query_id : "");
    lv_pg_param_int64(p, n);
}

int lv_pg_sched_run_list(void *impl, const char *account, const char *region,
                         const char *name, int64_t start_ms, int64_t end_ms,
                         int limit, lv_sched_run_fn fn, void *arg,
                         struct lv_err *err)
{
    /* The first batch starts at (INT64_MAX, ""), above every row. */
    static const char sql[] =
        "SELECT " R_COLS " FROM sched_runs"
        " WHERE account = $1 AND region = $2 AND name = $3"
        " AND triggered_ms >= $4 AND triggered_ms <= $5"
        " AND (triggered_ms < $6"
        " OR (triggered_ms = $6 AND query_id > $7::text))"
        " ORDER BY triggered_ms DESC, query_id LIMIT $8";
    struct walk wk = { account, region, name, NULL, start_ms, end_ms, NULL,
                       fn, arg };
    struct lv_pg_walk w = {
        sql, "list scheduled query runs", sizeof(struct lv_sched_run),
        limit, &wk, bind_runs, read_run, release_run, call_run,
    };

    if (limit <= 0) {
        LV_BUG("sched run list: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}

static void bind_open(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct lv_sched_run *r = last;

    (void)ctx;
    lv_pg_param_text(p, r ? r->account : "");
    lv_pg_param_text(p, r ? r->region : "");
    lv_pg_param_text(p, r ? r->name : "");
    lv_pg_param_text(p, r ? r->query_id : "");
    lv_pg_param_int64(p, n);
}

int lv_pg_sched_run_open(void *impl, int limit, lv_sched_run_fn fn,
                         void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " R_COLS " FROM sched_runs WHERE status = 'Running'"
        " AND (account, region, name, query_id)"
        " > ($1::text, $2::text, $3::text, $4::text)"
        " ORDER BY account, region, name, query_id LIMIT $5";
    struct walk wk = { NULL, NULL, NULL, NULL, 0, 0, NULL, fn, arg };
    struct lv_pg_walk w = {
        sql, "list running scheduled query runs",
        sizeof(struct lv_sched_run), limit, &wk, bind_open, read_run,
        release_run, call_run,
    };

    if (limit <= 0) {
        LV_BUG("sched run open: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}
