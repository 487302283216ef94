/*
 * postgres/lookup.c: lookup_store.h on PostgreSQL (table lookup_tables of
 * schema_lookup.c). An insert that meets an existing name (committed, or
 * being inserted by another node: ON CONFLICT waits for it) inserts
 * nothing and answers 0; an update sets the content fields in one
 * statement, so two updates on two nodes never mix their fields.
 */
#include "store/lookup_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define META_COLS                                                            \
    "account, region, name, description, kms_key_arn, fields, records,"     \
    " size_bytes, created_ms, updated_ms, tags"

/* A sealed body's bound: the CSV (10 MB) and the seal's few bytes. */
#define BODY_MAX (11u * 1024 * 1024)

static void read_meta(const PGresult *r, int i, void *p)
{
    struct lv_lookup_rec *t = p;

    lv_pg_get_field(r, i, 0, F(t, account), "lookup account");
    lv_pg_get_field(r, i, 1, F(t, region), "lookup region");
    lv_pg_get_field(r, i, 2, F(t, name), "lookup name");
    t->description = lv_pg_get_dup(r, i, 3);
    lv_pg_get_field(r, i, 4, F(t, kms_key_arn), "lookup key");
    t->fields = lv_pg_get_dup(r, i, 5);
    t->records = lv_pg_get_int64(r, i, 6);
    t->size_bytes = lv_pg_get_int64(r, i, 7);
    t->created_ms = lv_pg_get_int64(r, i, 8);
    t->updated_ms = lv_pg_get_int64(r, i, 9);
    t->tags = lv_pg_get_dup(r, i, 10);
}

static void release_rec(void *p)
{
    struct lv_lookup_rec *t = p;

    lv_lookup_rec_release(t);
    memset(t, 0, sizeof(*t));
}

int lv_pg_lookup_insert(void *impl, const struct lv_lookup_rec *t,
                        struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO lookup_tables (" META_COLS ", data_key, body)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(t, account));
    lv_pg_param_field(&p, F(t, region));
    lv_pg_param_field(&p, F(t, name));
    lv_pg_param_text(&p, t->description);
    lv_pg_param_field(&p, F(t, kms_key_arn));
    lv_pg_param_text(&p, t->fields ? t->fields : "[]");
    lv_pg_param_int64(&p, t->records);
    lv_pg_param_int64(&p, t->size_bytes);
    lv_pg_param_int64(&p, t->created_ms);
    lv_pg_param_int64(&p, t->updated_ms);
    lv_pg_param_text(&p, t->tags ? t->tags : "{}");
    lv_pg_param_bytea(&p, t->data_key, t->data_key_len);
    lv_pg_param_bytea(&p, t->body, t->body_len);
    return lv_pg_changed(impl, sql, &p, "insert lookup table", err);
}

int lv_pg_lookup_get(void *impl, const char *account, const char *region,
                     const char *name, int with_body,
                     struct lv_lookup_rec *out, struct lv_err *err)
{
    static const char meta[] =
        "SELECT " META_COLS ", data_key FROM lookup_tables"
        " WHERE account = $1 AND region = $2 AND name = $3";
    static const char whole[] =
        "SELECT " META_COLS ", data_key, body FROM lookup_tables"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;
    struct lv_buf key = LV_BUF_INIT(4096);
    struct lv_buf body = LV_BUF_INIT(BODY_MAX);
    PGresult *res = NULL;
    int ret = -1;

    memset(out, 0, sizeof(*out));
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    if (lv_pg_query(impl, with_body ? whole : meta, &p, LV_PG_TEXT, &res,
                    "read lookup table", err) < 0) {
        goto out;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
        goto out;
    }
    if (lv_pg_get_bytea(res, 0, 11, &key) < 0 ||
        (with_body && lv_pg_get_bytea(res, 0, 12, &body) < 0)) {
        lv_pg_fail("read lookup table", "bytes unreadable", err);
        goto out;
    }
    read_meta(res, 0, out);
    out->data_key = (uint8_t *)lv_buf_detach(&key, &out->data_key_len);
    if (with_body) {
        out->body = (uint8_t *)lv_buf_detach(&body, &out->body_len);
    }
    ret = 1;
out:
    PQclear(res);
    lv_buf_release(&key);
    lv_buf_release(&body);
    return ret;
}

int lv_pg_lookup_update(void *impl, const struct lv_lookup_rec *t,
                        struct lv_err *err)
{
    static const char sql[] =
        "UPDATE lookup_tables SET description = $4, kms_key_arn = $5,"
        " fields = $6, records = $7, size_bytes = $8, updated_ms = $9,"
        " data_key = $10, body = $11"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(t, account));
    lv_pg_param_field(&p, F(t, region));
    lv_pg_param_field(&p, F(t, name));
    lv_pg_param_text(&p, t->description);
    lv_pg_param_field(&p, F(t, kms_key_arn));
    lv_pg_param_text(&p, t->fields ? t->fields : "[]");
    lv_pg_param_int64(&p, t->records);
    lv_pg_param_int64(&p, t->size_bytes);
    lv_pg_param_int64(&p, t->updated_ms);
    lv_pg_param_bytea(&p, t->data_key, t->data_key_len);
    lv_pg_param_bytea(&p, t->body, t->body_len);
    return lv_pg_changed(impl, sql, &p, "update lookup table", err);
}

struct walk {
    const char *account;
    const char *region;
    const char *prefix;
    const char *after_name;
    lv_lookup_rec_fn fn;
    void *arg;
};

static void bind_list(struct lv_pg_params *p, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_lookup_rec *t = last;

    lv_pg_param_text(p, w->account);
    lv_pg_param_text(p, w->region);
    lv_pg_param_text(p, w->prefix);
    lv_pg_param_text(p, t ? t->name : w->after_name);
    lv_pg_param_int64(p, n);
}

static int call_rec(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->fn(w->arg, row);
}

int lv_pg_lookup_list(void *impl, const char *account, const char *region,
                      const char *prefix, const char *after_name, int limit,
                      lv_lookup_rec_fn fn, void *arg, struct lv_err *err)
{
    /* As insights_defs: the range starts at the prefix and starts_with()
     * keeps the names under it. */
    static const char sql[] =
        "SELECT " META_COLS " FROM lookup_tables"
        " WHERE account = $1 AND region = $2 AND name >= $3"
        " AND starts_with(name, $3) AND name > $4::text"
        " ORDER BY name LIMIT $5";
    struct walk wk = { 0 };
    struct lv_pg_walk w = {
        sql, "list lookup tables", sizeof(struct lv_lookup_rec), limit, &wk,
        bind_list, read_meta, release_rec, call_rec,
    };

    if (limit <= 0) {
        LV_BUG("lookup list: limit %d", limit);
    }
    wk.account = account;
    wk.region = region;
    wk.prefix = prefix ? prefix : "";
    wk.after_name = after_name ? after_name : "";
    wk.fn = fn;
    wk.arg = arg;
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_lookup_count(void *impl, const char *account, const char *region,
                       int64_t *n, struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM lookup_tables"
        " WHERE account = $1 AND region = $2";
    struct lv_pg_params p;

    *n = 0;
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    return lv_pg_query_int64(impl, sql, &p, n, "count lookup tables", err) < 0
               ? -1
               : 0;
}

int lv_pg_lookup_delete(void *impl, const char *account, const char *region,
                        const char *name, struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM lookup_tables"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    return lv_pg_changed(impl, sql, &p, "delete lookup table", err);
}
