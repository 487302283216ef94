/*
 * sqlite/index.c: the field index section of logs_store.h on the embedded
 * SQLite backend (tables of schema_index.c). Static SQL through
 * lv_sqlite_prepare(), reset before returning; the list is a batched walk
 * (lv_sqlite_walk_run()) keyed on chunk_id.
 */
#include "store/logs_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

/* A chunk index is at most 20 fields of 4096 hashes (logs/fidx.h). */
#define BLOB_MAX (1 << 20)

int lv_sqlite_logs_index_policy_put(void *impl, int64_t group_id,
                                    const char *doc, int64_t now_ms,
                                    struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "INSERT INTO logs_index_policies (group_id, document, updated_ms)"
        " SELECT ?1, ?2, ?3 WHERE EXISTS"
        " (SELECT 1 FROM logs_groups WHERE id = ?1)"
        " ON CONFLICT (group_id) DO UPDATE SET document = excluded.document,"
        " updated_ms = excluded.updated_ms";
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    lv_sqlite_bind_text(&b, doc);
    lv_sqlite_bind_int64(&b, now_ms);
    rc = lv_sqlite_run_changed(&b, "put index policy", err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log group does not exist.");
    }
    return 0;
}

int lv_sqlite_logs_index_policy_get(void *impl, int64_t group_id,
                                    struct lv_buf *doc, int64_t *updated_ms,
                                    struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT document, updated_ms FROM logs_index_policies"
        " WHERE group_id = ?1";
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    rc = lv_sqlite_run_row(&b, "read index policy", err);
    if (rc != 1) {
        return rc;
    }
    if (lv_sqlite_col_blob(b.st, 0, doc) < 0) {
        sqlite3_reset(b.st);
        lv_log(LV_LOG_WARN, "store: index policy too long group=%lld",
               (long long)group_id);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    *updated_ms = sqlite3_column_int64(b.st, 1);
    sqlite3_reset(b.st);
    return 1;
}

int lv_sqlite_logs_index_policy_delete(void *impl, int64_t group_id,
                                       struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "DELETE FROM logs_index_policies WHERE group_id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, group_id);
    return lv_sqlite_run_changed(&b, "delete index policy", err);
}

int lv_sqlite_logs_chunk_index_put(void *impl, int64_t group_id,
                                   int64_t chunk_id, int64_t scan_ms,
                                   const void *blob, size_t len,
                                   struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "INSERT INTO logs_chunk_indexes (chunk_id, group_id, scan_ms, blob)"
        " VALUES (?1, ?2, ?3, ?4)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, chunk_id);
    lv_sqlite_bind_int64(&b, group_id);
    lv_sqlite_bind_int64(&b, scan_ms);
    lv_sqlite_bind_blob(&b, blob, len);
    return lv_sqlite_run_done(&b, "insert chunk index", err);
}

int lv_sqlite_logs_chunk_index_get(void *impl, int64_t chunk_id,
                                   struct lv_buf *blob, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT blob FROM logs_chunk_indexes WHERE chunk_id = ?1";
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, chunk_id);
    rc = lv_sqlite_run_row(&b, "read chunk index", err);
    if (rc != 1) {
        return rc;
    }
    if (lv_sqlite_col_blob(b.st, 0, blob) < 0) {
        sqlite3_reset(b.st);
        lv_log(LV_LOG_WARN, "store: chunk index too long chunk=%lld",
               (long long)chunk_id);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    sqlite3_reset(b.st);
    return 1;
}

struct cix_row {
    int64_t chunk_id;
    int64_t scan_ms;
    struct lv_buf blob;
};

struct cix_walk {
    int64_t group_id;
    lv_log_chunk_index_fn fn;
    void *arg;
};

static void read_cix(sqlite3_stmt *st, void *row)
{
    struct cix_row *c = row;

    c->chunk_id = sqlite3_column_int64(st, 0);
    c->scan_ms = sqlite3_column_int64(st, 1);
    lv_buf_init(&c->blob, BLOB_MAX);
    if (lv_sqlite_col_blob(st, 2, &c->blob) < 0) {
        /* Too long to be ours: read as no index (empty blob). */
        lv_log(LV_LOG_WARN, "store: chunk index too long chunk=%lld",
               (long long)c->chunk_id);
    }
}

static void release_cix(void *row)
{
    struct cix_row *c = row;

    lv_buf_release(&c->blob);
    memset(c, 0, sizeof(*c));
}

static void bind_cix(struct lv_sqlite_bind *b, void *ctx, const void *last,
                     int n)
{
    struct cix_walk *cw = ctx;
    const struct cix_row *c = last;

    lv_sqlite_bind_int64(b, cw->group_id);
    lv_sqlite_bind_int64(b, c ? c->chunk_id : INT64_MIN);
    lv_sqlite_bind_int64(b, n);
}

static int call_cix(void *ctx, const void *row)
{
    struct cix_walk *cw = ctx;
    const struct cix_row *c = row;

    return cw->fn(cw->arg, c->chunk_id, c->scan_ms, c->blob.data,
                  c->blob.len);
}

int lv_sqlite_logs_chunk_index_list(void *impl, int64_t group_id,
                                    lv_log_chunk_index_fn fn, void *arg,
                                    struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT chunk_id, scan_ms, blob FROM logs_chunk_indexes"
        " WHERE group_id = ?1 AND chunk_id > ?2 ORDER BY chunk_id LIMIT ?3";
    struct cix_walk cw = { group_id, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list chunk indexes", sizeof(struct cix_row), 0, &cw,
        bind_cix, read_cix, release_cix, call_cix,
    };

    return lv_sqlite_walk_run(s, &w, err);
}
