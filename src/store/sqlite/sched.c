/*
 * sqlite/sched.c: sched_store.h on the embedded SQLite backend (tables
 * sched_queries and sched_runs of schema_sched.c). An insert that meets
 * an existing name answers 0 (ON CONFLICT DO NOTHING); a run is upserted
 * by (query, query id).
 */
#include "store/sched_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define Q_COLS "account, region, name, next_ms, created_ms, updated_ms, doc"
#define R_COLS "account, region, name, query_id, status, triggered_ms, doc"

static void read_rec(sqlite3_stmt *st, void *p)
{
    struct lv_sched_rec *r = p;

    lv_sqlite_col_field(st, 0, F(r, account), "sched account");
    lv_sqlite_col_field(st, 1, F(r, region), "sched region");
    lv_sqlite_col_field(st, 2, F(r, name), "sched name");
    r->next_ms = sqlite3_column_int64(st, 3);
    r->created_ms = sqlite3_column_int64(st, 4);
    r->updated_ms = sqlite3_column_int64(st, 5);
    r->doc = lv_sqlite_col_dup(st, 6);
}

static void read_run(sqlite3_stmt *st, void *p)
{
    struct lv_sched_run *r = p;

    lv_sqlite_col_field(st, 0, F(r, account), "sched run account");
    lv_sqlite_col_field(st, 1, F(r, region), "sched run region");
    lv_sqlite_col_field(st, 2, F(r, name), "sched run name");
    lv_sqlite_col_field(st, 3, F(r, query_id), "sched run query");
    lv_sqlite_col_field(st, 4, F(r, status), "sched run status");
    r->triggered_ms = sqlite3_column_int64(st, 5);
    r->doc = lv_sqlite_col_dup(st, 6);
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

int lv_sqlite_sched_insert(void *impl, const struct lv_sched_rec *r,
                           struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO sched_queries (" Q_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(r, account));
    lv_sqlite_bind_field(&b, F(r, region));
    lv_sqlite_bind_field(&b, F(r, name));
    lv_sqlite_bind_int64(&b, r->next_ms);
    lv_sqlite_bind_int64(&b, r->created_ms);
    lv_sqlite_bind_int64(&b, r->updated_ms);
    lv_sqlite_bind_text(&b, r->doc ? r->doc : "{}");
    return lv_sqlite_run_changed(&b, "insert scheduled query", err);
}

int lv_sqlite_sched_update(void *impl, const struct lv_sched_rec *r,
                           struct lv_err *err)
{
    static const char sql[] =
        "UPDATE sched_queries SET next_ms = ?4, updated_ms = ?5, doc = ?6"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(r, account));
    lv_sqlite_bind_field(&b, F(r, region));
    lv_sqlite_bind_field(&b, F(r, name));
    lv_sqlite_bind_int64(&b, r->next_ms);
    lv_sqlite_bind_int64(&b, r->updated_ms);
    lv_sqlite_bind_text(&b, r->doc ? r->doc : "{}");
    return lv_sqlite_run_changed(&b, "update scheduled query", err);
}

int lv_sqlite_sched_get(void *impl, const char *account, const char *region,
                        const char *name, struct lv_sched_rec *out,
                        struct lv_err *err)
{
    static const char sql[] =
        "SELECT " Q_COLS " FROM sched_queries"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    return lv_sqlite_run_one(&b, read_rec, out, "read scheduled query", err);
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

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_sched_rec *r = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, r ? r->name : w->after);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_sched_list(void *impl, const char *account, const char *region,
                         const char *after_name, int limit,
                         lv_sched_rec_fn fn, void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " Q_COLS " FROM sched_queries"
        " WHERE account = ?1 AND region = ?2 AND name > ?3"
        " ORDER BY name LIMIT ?4";
    struct walk wk = { account, region, NULL, after_name ? after_name : "",
                       0, 0, fn, NULL, arg };
    struct lv_sqlite_walk w = {
        sql, "list scheduled queries", sizeof(struct lv_sched_rec), limit,
        &wk, bind_list, read_rec, release_rec, call_rec,
    };

    if (limit <= 0) {
        LV_BUG("sched list: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_sched_delete(void *impl, const char *account,
                           const char *region, const char *name,
                           struct lv_err *err)
{
    static const char runs[] =
        "DELETE FROM sched_runs"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    static const char sql[] =
        "DELETE FROM sched_queries"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, runs, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    if (lv_sqlite_run_done(&b, "delete scheduled query runs", err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    return lv_sqlite_run_changed(&b, "delete scheduled query", err);
}

static void bind_due(struct lv_sqlite_bind *b, void *ctx, const void *last,
                     int n)
{
    const struct walk *w = ctx;
    const struct lv_sched_rec *r = last;

    lv_sqlite_bind_int64(b, w->a);
    lv_sqlite_bind_text(b, r ? r->account : "");
    lv_sqlite_bind_text(b, r ? r->region : "");
    lv_sqlite_bind_text(b, r ? r->name : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_sched_due(void *impl, int64_t now_ms, int limit,
                        lv_sched_rec_fn fn, void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " Q_COLS " FROM sched_queries"
        " WHERE next_ms >= 0 AND next_ms <= ?1"
        " AND (account, region, name) > (?2, ?3, ?4)"
        " ORDER BY account, region, name LIMIT ?5";
    struct walk wk = { NULL, NULL, NULL, NULL, now_ms, 0, fn, NULL, arg };
    struct lv_sqlite_walk w = {
        sql, "list due scheduled queries", sizeof(struct lv_sched_rec),
        limit, &wk, bind_due, read_rec, release_rec, call_rec,
    };

    if (limit <= 0) {
        LV_BUG("sched due: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_sched_run_put(void *impl, const struct lv_sched_run *r,
                            struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO sched_runs (" R_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (account, region, name, query_id)"
        " DO UPDATE SET status = excluded.status, doc = excluded.doc";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(r, account));
    lv_sqlite_bind_field(&b, F(r, region));
    lv_sqlite_bind_field(&b, F(r, name));
    lv_sqlite_bind_field(&b, F(r, query_id));
    lv_sqlite_bind_field(&b, F(r, status));
    lv_sqlite_bind_int64(&b, r->triggered_ms);
    lv_sqlite_bind_text(&b, r->doc ? r->doc : "{}");
    return lv_sqlite_run_done(&b, "write scheduled query run", err);
}

static void bind_runs(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_sched_run *r = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, w->name);
    lv_sqlite_bind_int64(b, w->a);
    lv_sqlite_bind_int64(b, w->z);
    lv_sqlite_bind_int64(b, r ? r->triggered_ms : INT64_MAX);
    lv_sqlite_bind_text(b, r ? r->query_id : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_sched_run_list(void *impl, const char *account,
                             const char *region, const char *name,
                             int64_t start_ms, int64_t end_ms, int limit,
                             lv_sched_run_fn fn, void *arg,
                             struct lv_err *err)
{
    /* The first batch starts at (INT64_MAX, ""), above every row. */
    static const char sql[] =
        "SELECT " R_COLS " FROM sched_runs"
        " WHERE account = ?1 AND region = ?2 AND name = ?3"
        " AND triggered_ms >= ?4 AND triggered_ms <= ?5"
        " AND (triggered_ms < ?6"
        " OR (triggered_ms = ?6 AND query_id > ?7))"
        " ORDER BY triggered_ms DESC, query_id LIMIT ?8";
    struct walk wk = { account, region, name, NULL, start_ms, end_ms, NULL,
                       fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list scheduled query runs", sizeof(struct lv_sched_run),
        limit, &wk, bind_runs, read_run, release_run, call_run,
    };

    if (limit <= 0) {
        LV_BUG("sched run list: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

static void bind_open(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct lv_sched_run *r = last;

    (void)ctx;
    lv_sqlite_bind_text(b, r ? r->account : "");
    lv_sqlite_bind_text(b, r ? r->region : "");
    lv_sqlite_bind_text(b, r ? r->name : "");
    lv_sqlite_bind_text(b, r ? r->query_id : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_sched_run_open(void *impl, int limit, lv_sched_run_fn fn,
                             void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " R_COLS " FROM sched_runs WHERE status = 'Running'"
        " AND (account, region, name, query_id) > (?1, ?2, ?3, ?4)"
        " ORDER BY account, region, name, query_id LIMIT ?5";
    struct walk wk = { NULL, NULL, NULL, NULL, 0, 0, NULL, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list running scheduled query runs",
        sizeof(struct lv_sched_run), limit, &wk, bind_open, read_run,
        release_run, call_run,
    };

    if (limit <= 0) {
        LV_BUG("sched run open: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}
