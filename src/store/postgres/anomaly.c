/*
 * postgres/anomaly.c: anomaly_store.h on PostgreSQL
 * (tables anomaly_detectors and anomalies of schema_anomaly.c). An insert
 * that meets an existing id answers 0 (ON CONFLICT DO NOTHING, waiting
 * for another node's insert); an anomaly is upserted by (detector,
 * pattern id) in one statement.
 */
#include "store/anomaly_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define D_COLS "account, region, id, next_ms, created_ms, updated_ms, doc"
#define A_COLS "account, region, detector, pattern_id, doc"

static void read_det(const PGresult *res, int i, void *p)
{
    struct lv_anomaly_det *d = p;

    lv_pg_get_field(res, i, 0, F(d, account), "detector account");
    lv_pg_get_field(res, i, 1, F(d, region), "detector region");
    lv_pg_get_field(res, i, 2, F(d, id), "detector id");
    d->next_ms = lv_pg_get_int64(res, i, 3);
    d->created_ms = lv_pg_get_int64(res, i, 4);
    d->updated_ms = lv_pg_get_int64(res, i, 5);
    d->doc = lv_pg_get_dup(res, i, 6);
}

static void read_row(const PGresult *res, int i, void *p)
{
    struct lv_anomaly_row *a = p;

    lv_pg_get_field(res, i, 0, F(a, account), "anomaly account");
    lv_pg_get_field(res, i, 1, F(a, region), "anomaly region");
    lv_pg_get_field(res, i, 2, F(a, detector), "anomaly detector");
    lv_pg_get_field(res, i, 3, F(a, pattern_id), "anomaly pattern");
    a->doc = lv_pg_get_dup(res, i, 4);
}

static void release_det(void *p)
{
    lv_anomaly_det_release(p);
    memset(p, 0, sizeof(struct lv_anomaly_det));
}

static void release_row(void *p)
{
    lv_anomaly_row_release(p);
    memset(p, 0, sizeof(struct lv_anomaly_row));
}

int lv_pg_anomaly_det_insert(void *impl, const struct lv_anomaly_det *d,
                                 struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO anomaly_detectors (" D_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7)"
        " ON CONFLICT (account, region, id) DO NOTHING";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(d, account));
    lv_pg_param_field(&p, F(d, region));
    lv_pg_param_field(&p, F(d, id));
    lv_pg_param_int64(&p, d->next_ms);
    lv_pg_param_int64(&p, d->created_ms);
    lv_pg_param_int64(&p, d->updated_ms);
    lv_pg_param_text(&p, d->doc ? d->doc : "{}");
    return lv_pg_changed(impl, sql, &p, "insert anomaly detector", err);
}

int lv_pg_anomaly_det_update(void *impl, const struct lv_anomaly_det *d,
                                 struct lv_err *err)
{
    static const char sql[] =
        "UPDATE anomaly_detectors SET next_ms = $4, updated_ms = $5,"
        " doc = $6 WHERE account = $1 AND region = $2 AND id = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(d, account));
    lv_pg_param_field(&p, F(d, region));
    lv_pg_param_field(&p, F(d, id));
    lv_pg_param_int64(&p, d->next_ms);
    lv_pg_param_int64(&p, d->updated_ms);
    lv_pg_param_text(&p, d->doc ? d->doc : "{}");
    return lv_pg_changed(impl, sql, &p, "update anomaly detector", err);
}

int lv_pg_anomaly_det_get(void *impl, const char *account,
                              const char *region, const char *id,
                              struct lv_anomaly_det *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " D_COLS " FROM anomaly_detectors"
        " WHERE account = $1 AND region = $2 AND id = $3";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, id);
    if (lv_pg_query(impl, sql, &p, LV_PG_TEXT, &res,
                    "read anomaly detector", err) < 0) {
        return -1;
    }
    ret = PQntuples(res) > 0;
    if (ret) {
        read_det(res, 0, out);
    }
    PQclear(res);
    return ret;
}

struct walk {
    const char *account;
    const char *region;
    const char *key;
    int64_t now;
    lv_anomaly_det_fn det_fn;
    lv_anomaly_row_fn row_fn;
    void *arg;
};

static int call_det(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->det_fn(w->arg, row);
}

static int call_row(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->row_fn(w->arg, row);
}

static void bind_list(struct lv_pg_params *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_anomaly_det *d = last;

    lv_pg_param_text(b, w->account);
    lv_pg_param_text(b, w->region);
    lv_pg_param_text(b, d ? d->id : w->key);
    lv_pg_param_int64(b, n);
}

int lv_pg_anomaly_det_list(void *impl, const char *account,
                               const char *region, const char *after_id,
                               int limit, lv_anomaly_det_fn fn, void *arg,
                               struct lv_err *err)
{
    static const char sql[] =
        "SELECT " D_COLS " FROM anomaly_detectors"
        " WHERE account = $1 AND region = $2 AND id > $3::text"
        " ORDER BY id LIMIT $4";
    struct walk wk = { account, region, after_id ? after_id : "", 0, fn,
                       NULL, arg };
    struct lv_pg_walk w = {
        sql, "list anomaly detectors", sizeof(struct lv_anomaly_det), limit,
        &wk, bind_list, read_det, release_det, call_det,
    };

    if (limit <= 0) {
        LV_BUG("anomaly det list: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_anomaly_det_delete(void *impl, const char *account,
                                 const char *region, const char *id,
                                 struct lv_err *err)
{
    static const char rows[] =
        "DELETE FROM anomalies"
        " WHERE account = $1 AND region = $2 AND detector = $3";
    static const char sql[] =
        "DELETE FROM anomaly_detectors"
        " WHERE account = $1 AND region = $2 AND id = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, id);
    if (lv_pg_run(impl, rows, &p, "delete anomalies", err) < 0) {
        return -1;
    }
    return lv_pg_changed(impl, sql, &p, "delete anomaly detector", err);
}

static void bind_due(struct lv_pg_params *b, void *ctx, const void *last,
                     int n)
{
    const struct walk *w = ctx;
    const struct lv_anomaly_det *d = last;

    lv_pg_param_int64(b, w->now);
    lv_pg_param_text(b, d ? d->account : "");
    lv_pg_param_text(b, d ? d->region : "");
    lv_pg_param_text(b, d ? d->id : "");
    lv_pg_param_int64(b, n);
}

int lv_pg_anomaly_det_due(void *impl, int64_t now_ms, int limit,
                              lv_anomaly_det_fn fn, void *arg,
                              struct lv_err *err)
{
    static const char sql[] =
        "SELECT " D_COLS " FROM anomaly_detectors"
        " WHERE next_ms >= 0 AND next_ms <= $1"
        " AND (account, region, id) > ($2::text, $3::text, $4::text)"
        " ORDER BY account, region, id LIMIT $5";
    struct walk wk = { NULL, NULL, NULL, now_ms, fn, NULL, arg };
    struct lv_pg_walk w = {
        sql, "list due anomaly detectors", sizeof(struct lv_anomaly_det),
        limit, &wk, bind_due, read_det, release_det, call_det,
    };

    if (limit <= 0) {
        LV_BUG("anomaly det due: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_anomaly_put(void *impl, const struct lv_anomaly_row *a,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO anomalies (" A_COLS ") VALUES ($1, $2, $3, $4, $5)"
        " ON CONFLICT (account, region, detector, pattern_id)"
        " DO UPDATE SET doc = excluded.doc";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(a, account));
    lv_pg_param_field(&p, F(a, region));
    lv_pg_param_field(&p, F(a, detector));
    lv_pg_param_field(&p, F(a, pattern_id));
    lv_pg_param_text(&p, a->doc ? a->doc : "{}");
    return lv_pg_run(impl, sql, &p, "write anomaly", err);
}

static void bind_rows(struct lv_pg_params *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_anomaly_row *a = last;

    lv_pg_param_text(b, w->account);
    lv_pg_param_text(b, w->region);
    lv_pg_param_text(b, w->key);
    lv_pg_param_text(b, a ? a->detector : "");
    lv_pg_param_text(b, a ? a->pattern_id : "");
    lv_pg_param_int64(b, n);
}

int lv_pg_anomaly_list(void *impl, const char *account,
                           const char *region, const char *detector,
                           int limit, lv_anomaly_row_fn fn, void *arg,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT " A_COLS " FROM anomalies"
        " WHERE account = $1 AND region = $2"
        " AND ($3::text = '' OR detector = $3::text)"
        " AND (detector, pattern_id) > ($4::text, $5::text)"
        " ORDER BY detector, pattern_id LIMIT $6";
    struct walk wk = { account, region, detector ? detector : "", 0, NULL,
                       fn, arg };
    struct lv_pg_walk w = {
        sql, "list anomalies", sizeof(struct lv_anomaly_row), limit, &wk,
        bind_rows, read_row, release_row, call_row,
    };

    if (limit <= 0) {
        LV_BUG("anomaly list: limit %d", limit);
    }
    return lv_pg_walk_run(impl, &w, err);
}
