/*
 * sqlite/lookup.c: lookup_store.h on the embedded SQLite backend (table
 * lookup_tables of schema_lookup.c). An insert that meets an existing
 * name is "INSERT … ON CONFLICT DO NOTHING" and answers 0; an update sets
 * the content fields in one statement.
 */
#include "store/lookup_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/err.h"
#include "util/mem.h"

#define F(p, f) (p)->f, sizeof((p)->f)

#define META_COLS                                                            \
    "account, region, name, description, kms_key_arn, fields, records,"     \
    " size_bytes, created_ms, updated_ms, tags, data_key"

/* Blob column i as a fresh allocation (at least one byte) and its size. */
static uint8_t *col_blob(sqlite3_stmt *st, int i, size_t *len)
{
    const void *b = sqlite3_column_blob(st, i);
    int n = sqlite3_column_bytes(st, i);
    uint8_t *p = lv_xmalloc(n > 0 ? (size_t)n : 1);

    if (n > 0) {
        memcpy(p, b, (size_t)n);
    }
    *len = n > 0 ? (size_t)n : 0;
    return p;
}

static void read_meta(sqlite3_stmt *st, void *p)
{
    struct lv_lookup_rec *t = p;

    lv_sqlite_col_field(st, 0, F(t, account), "lookup account");
    lv_sqlite_col_field(st, 1, F(t, region), "lookup region");
    lv_sqlite_col_field(st, 2, F(t, name), "lookup name");
    t->description = lv_sqlite_col_dup(st, 3);
    lv_sqlite_col_field(st, 4, F(t, kms_key_arn), "lookup key");
    t->fields = lv_sqlite_col_dup(st, 5);
    t->records = sqlite3_column_int64(st, 6);
    t->size_bytes = sqlite3_column_int64(st, 7);
    t->created_ms = sqlite3_column_int64(st, 8);
    t->updated_ms = sqlite3_column_int64(st, 9);
    t->tags = lv_sqlite_col_dup(st, 10);
    t->data_key = col_blob(st, 11, &t->data_key_len);
}

static void read_with_body(sqlite3_stmt *st, void *p)
{
    struct lv_lookup_rec *t = p;

    read_meta(st, p);
    t->body = col_blob(st, 12, &t->body_len);
}

static void release_rec(void *p)
{
    struct lv_lookup_rec *t = p;

    lv_lookup_rec_release(t);
    memset(t, 0, sizeof(*t));
}

int lv_sqlite_lookup_insert(void *impl, const struct lv_lookup_rec *t,
                            struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO lookup_tables (" META_COLS ", body)"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(t, account));
    lv_sqlite_bind_field(&b, F(t, region));
    lv_sqlite_bind_field(&b, F(t, name));
    lv_sqlite_bind_text(&b, t->description);
    lv_sqlite_bind_field(&b, F(t, kms_key_arn));
    lv_sqlite_bind_text(&b, t->fields ? t->fields : "[]");
    lv_sqlite_bind_int64(&b, t->records);
    lv_sqlite_bind_int64(&b, t->size_bytes);
    lv_sqlite_bind_int64(&b, t->created_ms);
    lv_sqlite_bind_int64(&b, t->updated_ms);
    lv_sqlite_bind_text(&b, t->tags ? t->tags : "{}");
    lv_sqlite_bind_blob(&b, t->data_key, t->data_key_len);
    lv_sqlite_bind_blob(&b, t->body, t->body_len);
    return lv_sqlite_run_changed(&b, "insert lookup table", err);
}

int lv_sqlite_lookup_get(void *impl, const char *account, const char *region,
                         const char *name, int with_body,
                         struct lv_lookup_rec *out, struct lv_err *err)
{
    static const char meta[] =
        "SELECT " META_COLS " FROM lookup_tables"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    static const char whole[] =
        "SELECT " META_COLS ", body FROM lookup_tables"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    memset(out, 0, sizeof(*out));
    if (lv_sqlite_start(impl, with_body ? whole : meta, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    return lv_sqlite_run_one(&b, with_body ? read_with_body : read_meta, out,
                             "read lookup table", err);
}

int lv_sqlite_lookup_update(void *impl, const struct lv_lookup_rec *t,
                            struct lv_err *err)
{
    static const char sql[] =
        "UPDATE lookup_tables SET description = ?4, kms_key_arn = ?5,"
        " fields = ?6, records = ?7, size_bytes = ?8, updated_ms = ?9,"
        " data_key = ?10, body = ?11"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(t, account));
    lv_sqlite_bind_field(&b, F(t, region));
    lv_sqlite_bind_field(&b, F(t, name));
    lv_sqlite_bind_text(&b, t->description);
    lv_sqlite_bind_field(&b, F(t, kms_key_arn));
    lv_sqlite_bind_text(&b, t->fields ? t->fields : "[]");
    lv_sqlite_bind_int64(&b, t->records);
    lv_sqlite_bind_int64(&b, t->size_bytes);
    lv_sqlite_bind_int64(&b, t->updated_ms);
    lv_sqlite_bind_blob(&b, t->data_key, t->data_key_len);
    lv_sqlite_bind_blob(&b, t->body, t->body_len);
    return lv_sqlite_run_changed(&b, "update lookup table", err);
}

/* LookupTableName is ASCII of at most 256 bytes. */
#define UPPER_MAX 260

struct walk {
    const char *account;
    const char *region;
    const char *prefix;
    char upper[UPPER_MAX];
    const char *after_name;
    lv_lookup_rec_fn fn;
    void *arg;
};

/* The smallest string above every string that starts with prefix (as in
 * sqlite/insights.c): its last byte raised by one, or "\xff" for "". */
static void prefix_upper(const char *prefix, char *out)
{
    size_t n = strlen(prefix);

    if (n == 0) {
        out[0] = (char)0xff;
        out[1] = '\0';
        return;
    }
    if (n >= UPPER_MAX) {
        out[0] = '\0';
        return;
    }
    memcpy(out, prefix, n + 1);
    out[n - 1] = (char)((unsigned char)out[n - 1] + 1);
}

static void bind_list(struct lv_sqlite_bind *b, void *ctx, const void *last,
                      int n)
{
    const struct walk *w = ctx;
    const struct lv_lookup_rec *t = last;

    lv_sqlite_bind_text(b, w->account);
    lv_sqlite_bind_text(b, w->region);
    lv_sqlite_bind_text(b, w->prefix);
    lv_sqlite_bind_text(b, *w->upper ? w->upper : w->prefix);
    lv_sqlite_bind_text(b, t ? t->name : w->after_name);
    lv_sqlite_bind_int64(b, n);
}

static int call_rec(void *ctx, const void *row)
{
    const struct walk *w = ctx;

    return w->fn(w->arg, row);
}

int lv_sqlite_lookup_list(void *impl, const char *account, const char *region,
                          const char *prefix, const char *after_name,
                          int limit, lv_lookup_rec_fn fn, void *arg,
                          struct lv_err *err)
{
    static const char sql[] =
        "SELECT " META_COLS " FROM lookup_tables"
        " WHERE account = ?1 AND region = ?2 AND name >= ?3 AND name < ?4"
        " AND name > ?5 ORDER BY name LIMIT ?6";
    struct walk wk;
    struct lv_sqlite_walk w = {
        sql, "list lookup tables", sizeof(struct lv_lookup_rec), limit, &wk,
        bind_list, read_meta, release_rec, call_rec,
    };

    if (limit <= 0) {
        LV_BUG("lookup list: limit %d", limit);
    }
    memset(&wk, 0, sizeof(wk));
    wk.account = account;
    wk.region = region;
    wk.prefix = prefix ? prefix : "";
    wk.after_name = after_name ? after_name : "";
    wk.fn = fn;
    wk.arg = arg;
    prefix_upper(wk.prefix, wk.upper);
    return lv_sqlite_walk_run(impl, &w, err);
}

int lv_sqlite_lookup_count(void *impl, const char *account,
                           const char *region, int64_t *n,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM lookup_tables"
        " WHERE account = ?1 AND region = ?2";
    struct lv_sqlite_bind b;

    *n = 0;
    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    return lv_sqlite_run_int(&b, n, "count lookup tables", err);
}

int lv_sqlite_lookup_delete(void *impl, const char *account,
                            const char *region, const char *name,
                            struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM lookup_tables"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(impl, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    return lv_sqlite_run_changed(&b, "delete lookup table", err);
}
