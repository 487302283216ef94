/*
 * sqlite/livetail.c: livetail_store.h on the embedded SQLite backend
 * (table livetail_sessions of schema_livetail.c). One process owns the
 * file and the outermost transaction takes the write lock at once, so
 * admit's delete, count and insert in one nested level cannot interleave
 * with another admit.
 */
#include "store/livetail_store.h"

#include <stdint.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"

#define F(p, f) (p)->f, sizeof((p)->f)

int lv_sqlite_livetail_count(void *impl, const char *account,
                             const char *region, int64_t now_ms, int64_t *n,
                             struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM livetail_sessions"
        " WHERE account = ?1 AND region = ?2 AND expires_ms > ?3";
    struct lv_sqlite_bind b;

    *n = 0;
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_int64(&b, now_ms);
    return lv_sqlite_run_int(&b, n, "count live tail sessions", err);
}

int lv_sqlite_livetail_admit(void *impl, const struct lv_livetail_rec *r,
                             int max, int64_t now_ms, struct lv_err *err)
{
    static const char reap[] =
        "DELETE FROM livetail_sessions"
        " WHERE account = ?1 AND region = ?2 AND expires_ms <= ?3";
    static const char ins[] =
        "INSERT INTO livetail_sessions (id, account, region, node,"
        " started_ms, expires_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)";
    struct lv_sqlite_bind b;
    int64_t n = 0;
    int ret = -1;

    if (lv_sqlite_begin(impl, err) < 0) {
        return -1;
    }
    if (lv_sqlite_start(impl, reap, &b, err) < 0) {
        goto out;
    }
    lv_sqlite_bind_field(&b, F(r, account));
    lv_sqlite_bind_field(&b, F(r, region));
    lv_sqlite_bind_int64(&b, now_ms);
    if (lv_sqlite_run_done(&b, "reap live tail sessions", err) < 0 ||
        lv_sqlite_livetail_count(impl, r->account, r->region, now_ms, &n,
                                 err) < 0) {
        goto out;
    }
    if (n >= max) {
        ret = 0;
        goto out;
    }
    if (lv_sqlite_start(impl, ins, &b, err) < 0) {
        goto out;
    }
    lv_sqlite_bind_field(&b, F(r, id));
    lv_sqlite_bind_field(&b, F(r, account));
    lv_sqlite_bind_field(&b, F(r, region));
    lv_sqlite_bind_field(&b, F(r, node));
    lv_sqlite_bind_int64(&b, r->started_ms);
    lv_sqlite_bind_int64(&b, r->expires_ms);
    if (lv_sqlite_run_done(&b, "insert live tail session", err) < 0) {
        goto out;
    }
    ret = 1;
out:
    if (ret < 0) {
        lv_sqlite_rollback(impl);
    } else if (lv_sqlite_commit(impl, err) < 0) {
        ret = -1;
    }
    return ret;
}

int lv_sqlite_livetail_renew(void *impl, const char *id, int64_t now_ms,
                             int64_t expires_ms, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE livetail_sessions SET expires_ms = ?3"
        " WHERE id = ?1 AND expires_ms > ?2";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_sqlite_bind_int64(&b, now_ms);
    lv_sqlite_bind_int64(&b, expires_ms);
    return lv_sqlite_run_changed(&b, "renew live tail session", err);
}

int lv_sqlite_livetail_remove(void *impl, const char *id, struct lv_err *err)
{
    static const char sql[] = "DELETE FROM livetail_sessions WHERE id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    return lv_sqlite_run_changed(&b, "delete live tail session", err);
}
