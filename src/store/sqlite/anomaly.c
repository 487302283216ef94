/*
 * sqlite/anomaly.c: anomaly_store.h on the embedded SQLite backend
 * (tables anomaly_detectors and anomalies of schema_anomaly.c). An insert
 * that meets an existing id answers 0 (ON CONFLICT DO NOTHING); an
 * anomaly is upserted by (detector, pattern id).
 */
#include "store/anomaly_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define D_COLS "account, region, id, next_ms, created_ms, updated_ms, doc"
#define A_COLS "account, region, detector, pattern_id, doc"

static void read_det(sqlite3_stmt *st, void *p)
{
    struct lv_anomaly_det *d = p;

    lv_sqlite_col_field(st, 0, F(d, account), "detector account");
    lv_sqlite_col_field(st, 1, F(d, region), "detector region");
    lv_sqlite_col_field(st, 2, F(d, id), "detector id");
    d->next_ms = sqlite3_column_int64(st, 3);
    d->created_ms = sqlite3_column_int64(st, 4);
    d->updated_ms = sqlite3_column_int64(st, 5);
    d->doc = lv_sqlite_col_dup(st, 6);
}

static void read_row(sqlite3_stmt *st, void *p)
{
    struct lv_anomaly_row *a = p;

    lv_sqlite_col_field(st, 0, F(a, account), "anomaly account");
    lv_sqlite_col_field(st, 1, F(a, region), "anomaly region");
    lv_sqlite_col_field(st, 2, F(a, detector), "anomaly detector");
    lv_sqlite_col_field(st, 3, F(a, pattern_id), "anomaly pattern");
    a->doc = lv_sqlite_col_dup(st, 4);
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

int lv_sqlite_anomaly_det_insert(void *impl, const struct lv_anomaly_det *d,
                                 struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO anomaly_detectors (" D_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
        " ON CONFLICT (account, region, id) DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(d, account));
    lv_sqlite_bind_field(&b, F(d, region));
    lv_sqlite_bind_field(&b, F(d, id));
    lv_sqlite_bind_int64(&b, d->next_ms);
    lv_sqlite_bind_int64(&b, d->created_ms);
    lv_sqlite_bind_int64(&b, d->updated_ms);
    lv_sqlite_bind_text(&b, d->doc ? d->doc : "{}");
    return lv_sqlite_run_changed(&b, "insert anomaly detector", err);
}

int lv_sqlite_anomaly_det_update(void *impl, const struct lv_anomaly_det *d,
                                 struct lv_err *err)
{
    static const char sql[] =
        "UPDATE anomaly_detectors SET next_ms = ?4, updated_ms = ?5,"
        " doc = ?6 WHERE account = ?1 AND region = ?2 AND id = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(d, account));
    lv_sqlite_bind_field(&b, F(d, region));
    lv_sqlite_bind_field(&b, F(d, id));
    lv_sqlite_bind_int64(&b, d->next_ms);
    lv_sqlite_bind_int64(&b, d->updated_ms);
    lv_sqlite_bind_text(&b, d->doc ? d->doc : "{}");
    return lv_sqlite_run_changed(&b, "update anomaly detector", err);
}

int lv_sqlite_anomaly_det_get(void *impl, const char *account,
                              const char *region, const char *id,
                              struct lv_anomaly_det *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " D_COLS " FROM anomaly_detectors"
        " WHERE account = ?1 AND region = ?2 AND id = ?3";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, id);
    return lv_sqlite_run_one(&b, read_det, out, "read anomaly detector",
                             err);
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

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_anomaly_det *d = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, d ? d->id : w->key);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_anomaly_det_list(void *impl, const char *account,
                               const char *region, const char *after_id,
                               int limit, lv_anomaly_det_fn fn, void *arg,
                               struct lv_err *err)
{
    static const char sql[] =
        "SELECT " D_COLS " FROM anomaly_detectors"
        " WHERE account = ?1 AND region = ?2 AND id > ?3"
        " ORDER BY id LIMIT ?4";
    struct walk wk = { account, region, after_id ? after_id : "", 0, fn,
                       NULL, arg };
    struct lv_sqlite_walk w = {
        sql, "list anomaly detectors", sizeof(struct lv_anomaly_det), limit,
        &wk, bind_list, read_det, release_det, call_det,
    };

    if (limit <= 0) {
        LV_BUG("anomaly det list: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_anomaly_det_delete(void *impl, const char *account,
                                 const char *region, const char *id,
                                 struct lv_err *err)
{
    static const char rows[] =
        "DELETE FROM anomalies"
        " WHERE account = ?1 AND region = ?2 AND detector = ?3";
    static const char sql[] =
        "DELETE FROM anomaly_detectors"
        " WHERE account = ?1 AND region = ?2 AND id = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, rows, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, id);
    if (lv_sqlite_run_done(&b, "delete anomalies", err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, id);
    return lv_sqlite_run_changed(&b, "delete anomaly detector", err);
}

static void bind_due(struct lv_sqlite_bind *b, void *ctx, const void *last,
                     int n)
{
    const struct walk *w = ctx;
    const struct lv_anomaly_det *d = last;

    lv_sqlite_bind_int64(b, w->now);
    lv_sqlite_bind_text(b, d ? d->account : "");
    lv_sqlite_bind_text(b, d ? d->region : "");
    lv_sqlite_bind_text(b, d ? d->id : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_anomaly_det_due(void *impl, int64_t now_ms, int limit,
                              lv_anomaly_det_fn fn, void *arg,
                              struct lv_err *err)
{
    static const char sql[] =
        "SELECT " D_COLS " FROM anomaly_detectors"
        " WHERE next_ms >= 0 AND next_ms <= ?1"
        " AND (account, region, id) > (?2, ?3, ?4)"
        " ORDER BY account, region, id LIMIT ?5";
    struct walk wk = { NULL, NULL, NULL, now_ms, fn, NULL, arg };
    struct lv_sqlite_walk w = {
        sql, "list due anomaly detectors", sizeof(struct lv_anomaly_det),
        limit, &wk, bind_due, read_det, release_det, call_det,
    };

    if (limit <= 0) {
        LV_BUG("anomaly det due: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_anomaly_put(void *impl, const struct lv_anomaly_row *a,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO anomalies (" A_COLS ") VALUES (?1, ?2, ?3, ?4, ?5)"
        " ON CONFLICT (account, region, detector, pattern_id)"
        " DO UPDATE SET doc = excluded.doc";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(a, account));
    lv_sqlite_bind_field(&b, F(a, region));
    lv_sqlite_bind_field(&b, F(a, detector));
    lv_sqlite_bind_field(&b, F(a, pattern_id));
    lv_sqlite_bind_text(&b, a->doc ? a->doc : "{}");
    return lv_sqlite_run_done(&b, "write anomaly", err);
}

static void bind_rows(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_anomaly_row *a = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, w->key);
    lv_sqlite_bind_text(b, a ? a->detector : "");
    lv_sqlite_bind_text(b, a ? a->pattern_id : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_anomaly_list(void *impl, const char *account,
                           const char *region, const char *detector,
                           int limit, lv_anomaly_row_fn fn, void *arg,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT " A_COLS " FROM anomalies"
        " WHERE account = ?1 AND region = ?2"
        " AND (?3 = '' OR detector = ?3)"
        " AND (detector, pattern_id) > (?4, ?5)"
        " ORDER BY detector, pattern_id LIMIT ?6";
    struct walk wk = { account, region, detector ? detector : "", 0, NULL,
                       fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list anomalies", sizeof(struct lv_anomaly_row), limit, &wk,
        bind_rows, read_row, release_row, call_row,
    };

    if (limit <= 0) {
        LV_BUG("anomaly list: limit %d", limit);
    }
    return lv_sqlite_walk_run(impl, &w, err);
}
