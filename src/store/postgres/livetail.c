/*
 * postgres/livetail.c: livetail_store.h on PostgreSQL (table
 * livetail_sessions of schema_livetail.c). Admit counts then inserts, as
 * StartQuery does (postgres/insights.c): under READ COMMITTED two nodes
 * would both count max - 1 and both insert, so it first takes a
 * transaction-scoped advisory lock on (account, region); the second admit
 * waits for the first's outermost commit, and its count, a new statement
 * with a new snapshot, sees the first's row.
 */
#include "store/livetail_store.h"

#include <stdint.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"

#define F(p, f) (p)->f, sizeof((p)->f)

int lv_pg_livetail_count(void *impl, const char *account, const char *region,
                         int64_t now_ms, int64_t *n, struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM livetail_sessions"
        " WHERE account = $1 AND region = $2 AND expires_ms > $3";
    struct lv_pg_params p;

    *n = 0;
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_int64(&p, now_ms);
    return lv_pg_query_int64(impl, sql, &p, n, "count live tail sessions",
                             err) < 0 ? -1 : 0;
}

int lv_pg_livetail_admit(void *impl, const struct lv_livetail_rec *r,
                         int max, int64_t now_ms, struct lv_err *err)
{
    static const char lock[] =
        "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended("
        "'lv.livetail.start/' || $1 || '/' || $2, 0))) AS l";
    static const char reap[] =
        "DELETE FROM livetail_sessions"
        " WHERE account = $1 AND region = $2 AND expires_ms <= $3";
    static const char ins[] =
        "INSERT INTO livetail_sessions (id, account, region, node,"
        " started_ms, expires_ms) VALUES ($1, $2, $3, $4, $5, $6)";
    struct lv_pg_params p;
    int64_t one;
    int64_t n = 0;
    int ret = -1;

    if (lv_pg_begin(impl, err) < 0) {
        return -1;
    }
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(r, account));
    lv_pg_param_field(&p, F(r, region));
    if (lv_pg_query_int64(impl, lock, &p, &one, "lock live tail starts",
                          err) < 0) {
        goto out;
    }
    lv_pg_param_int64(&p, now_ms);
    if (lv_pg_run(impl, reap, &p, "reap live tail sessions", err) < 0 ||
        lv_pg_livetail_count(impl, r->account, r->region, now_ms, &n,
                             err) < 0) {
        goto out;
    }
    if (n >= max) {
        ret = 0;
        goto out;
    }
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(r, id));
    lv_pg_param_field(&p, F(r, account));
    lv_pg_param_field(&p, F(r, region));
    lv_pg_param_field(&p, F(r, node));
    lv_pg_param_int64(&p, r->started_ms);
    lv_pg_param_int64(&p, r->expires_ms);
    if (lv_pg_run(impl, ins, &p, "insert live tail session", err) < 0) {
        goto out;
    }
    ret = 1;
out:
    if (ret < 0) {
        lv_pg_rollback(impl);
    } else if (lv_pg_commit(impl, err) < 0) {
        ret = -1;
    }
    return ret;
}

int lv_pg_livetail_renew(void *impl, const char *id, int64_t now_ms,
                         int64_t expires_ms, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE livetail_sessions SET expires_ms = $3"
        " WHERE id = $1 AND expires_ms > $2";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_pg_param_int64(&p, now_ms);
    lv_pg_param_int64(&p, expires_ms);
    return lv_pg_changed(impl, sql, &p, "renew live tail session", err);
}

int lv_pg_livetail_remove(void *impl, const char *id, struct lv_err *err)
{
    static const char sql[] = "DELETE FROM livetail_sessions WHERE id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    return lv_pg_changed(impl, sql, &p, "delete live tail session", err);
}
