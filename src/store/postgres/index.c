/*
 * postgres/index.c: the field index section of logs_store.h on the
 * PostgreSQL backend (tables of schema_index.c), as sqlite/index.c.
 */
#include "store/logs_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

/* A chunk index is at most 20 fields of 4096 hashes (logs/fidx.h). */
#define BLOB_MAX (1 << 20)

int lv_pg_logs_index_policy_put(void *impl, int64_t group_id,
                                const char *doc, int64_t now_ms,
                                struct lv_err *err)
{
    struct lv_pg *q = impl;
    /* The group is looked up (and kept) by the insert itself, as tag_set
     * does. */
    static const char sql[] =
        "INSERT INTO logs_index_policies (group_id, document, updated_ms)"
        " SELECT $1::bigint, $2::text, $3::bigint"
        " WHERE EXISTS (SELECT 1 FROM logs_groups WHERE id = $1"
        "               FOR KEY SHARE)"
        " ON CONFLICT (group_id) DO UPDATE SET document = excluded.document,"
        " updated_ms = excluded.updated_ms";
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    lv_pg_param_text(&p, doc);
    lv_pg_param_int64(&p, now_ms);
    rc = lv_pg_changed(q, sql, &p, "put index policy", err);
    if (rc < 0) {
        return -1;
    }
    if (rc == 0) {
        return lv_err_set(err, LV_E_RESOURCE_NOT_FOUND,
                          "The specified log group does not exist.");
    }
    return 0;
}

int lv_pg_logs_index_policy_get(void *impl, int64_t group_id,
                                struct lv_buf *doc, int64_t *updated_ms,
                                struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT document, updated_ms FROM logs_index_policies"
        " WHERE group_id = $1";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret = -1;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    if (lv_pg_query(q, sql, &p, LV_PG_TEXT, &res, "read index policy",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
    } else {
        lv_buf_reset(doc);
        if (lv_buf_add(doc, PQgetvalue(res, 0, 0),
                       (size_t)PQgetlength(res, 0, 0)) < 0) {
            lv_log(LV_LOG_WARN, "store: index policy too long group=%lld",
                   (long long)group_id);
            lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                       LV_STORE_UNAVAILABLE_MSG);
        } else {
            *updated_ms = lv_pg_get_int64(res, 0, 1);
            ret = 1;
        }
    }
    PQclear(res);
    return ret;
}

int lv_pg_logs_index_policy_delete(void *impl, int64_t group_id,
                                   struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "DELETE FROM logs_index_policies WHERE group_id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, group_id);
    return lv_pg_changed(q, sql, &p, "delete index policy", err);
}

int lv_pg_logs_chunk_index_put(void *impl, int64_t group_id,
                               int64_t chunk_id, int64_t scan_ms,
                               const void *blob, size_t len,
                               struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "INSERT INTO logs_chunk_indexes (chunk_id, group_id, scan_ms, blob)"
        " VALUES ($1, $2, $3, $4::bytea)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, chunk_id);
    lv_pg_param_int64(&p, group_id);
    lv_pg_param_int64(&p, scan_ms);
    lv_pg_param_bytea(&p, blob, len);
    return lv_pg_run(q, sql, &p, "insert chunk index", err);
}

int lv_pg_logs_chunk_index_get(void *impl, int64_t chunk_id,
                               struct lv_buf *blob, struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT blob FROM logs_chunk_indexes WHERE chunk_id = $1";
    struct lv_pg_params p;
    PGresult *res = NULL;
    int ret = -1;

    lv_pg_params_init(&p);
    lv_pg_param_int64(&p, chunk_id);
    if (lv_pg_query(q, sql, &p, LV_PG_BINARY, &res, "read chunk index",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
    } else if (lv_pg_get_bytea(res, 0, 0, blob) < 0) {
        lv_log(LV_LOG_WARN, "store: chunk index too long chunk=%lld",
               (long long)chunk_id);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
    } else {
        ret = 1;
    }
    PQclear(res);
    return ret;
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

static void read_cix(const PGresult *r, int row, void *out)
{
    struct cix_row *c = out;

    c->chunk_id = lv_pg_get_int64(r, row, 0);
    c->scan_ms = lv_pg_get_int64(r, row, 1);
    lv_buf_init(&c->blob, BLOB_MAX);
    if (lv_pg_get_bytea(r, row, 2, &c->blob) < 0) {
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

static void bind_cix(struct lv_pg_params *p, void *ctx, const void *last,
                     int n)
{
    struct cix_walk *cw = ctx;
    const struct cix_row *c = last;

    lv_pg_param_int64(p, cw->group_id);
    lv_pg_param_int64(p, c ? c->chunk_id : INT64_MIN);
    lv_pg_param_int64(p, n);
}

static int call_cix(void *ctx, const void *row)
{
    struct cix_walk *cw = ctx;
    const struct cix_row *c = row;

    return cw->fn(cw->arg, c->chunk_id, c->scan_ms, c->blob.data,
                  c->blob.len);
}

int lv_pg_logs_chunk_index_list(void *impl, int64_t group_id,
                                lv_log_chunk_index_fn fn, void *arg,
                                struct lv_err *err)
{
    struct lv_pg *q = impl;
    static const char sql[] =
        "SELECT chunk_id, scan_ms, blob FROM logs_chunk_indexes"
        " WHERE group_id = $1 AND chunk_id > $2 ORDER BY chunk_id LIMIT $3";
    struct cix_walk cw = { group_id, fn, arg };
    struct lv_pg_walk w = {
        sql, "list chunk indexes", sizeof(struct cix_row), 0, &cw,
        bind_cix, read_cix, release_cix, call_cix,
    };

    return lv_pg_walk_run(q, &w, err);
}
