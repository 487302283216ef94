/*
 * sqlite_kms.c: kms_store.h on the embedded SQLite backend — keys, sealed
 * material versions, aliases, grants and tags in the kms_* tables
 * (schema_kms.c).
 *
 * Every statement is static SQL through lv_sqlite_prepare() (cached per
 * connection), reset before the function returns, on error paths too.
 * Strings are copied out of SQLite before the reset. The sealed material is
 * bound and read as a blob and never logged.
 *
 * Lists run in batches (walk_run): up to WALK_BATCH rows are copied out,
 * the statement is reset, and only then is the caller's function called, so
 * that it may itself use the store (update the key it is shown, list
 * another thing) without meeting a statement still stepping. The next batch
 * resumes after the last row seen (keyset paging), so rows written by the
 * callback into the part already walked are not seen twice.
 */
#include "store/kms_store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define WALK_BATCH 64

/* ---- binding and reading --------------------------------------------- */

/* Binds parameters ?1, ?2 … in order; the first failure sticks. */
struct bind {
    sqlite3_stmt *st;
    int i;
    int rc;
};

static void bind_start(struct bind *b, sqlite3_stmt *st)
{
    b->st = st;
    b->i = 0;
    b->rc = SQLITE_OK;
}

static void bind_textn(struct bind *b, const char *s, size_t len)
{
    b->i++;
    if (b->rc != SQLITE_OK) {
        return;
    }
    if (len > INT_MAX) {
        b->rc = SQLITE_TOOBIG;
        return;
    }
    /* TRANSIENT: a cursor may point into a row the walk is about to
     * overwrite. */
    b->rc = sqlite3_bind_text(b->st, b->i, s ? s : "", (int)len,
                              SQLITE_TRANSIENT);
}

/* An owned string; NULL binds as "". */
static void bind_text(struct bind *b, const char *s)
{
    bind_textn(b, s, s ? strlen(s) : 0);
}

/* A fixed-size field: never reads past its end even when unterminated. */
static void bind_field(struct bind *b, const char *field, size_t cap)
{
    bind_textn(b, field, strnlen(field, cap));
}

static void bind_int64(struct bind *b, int64_t v)
{
    b->i++;
    if (b->rc == SQLITE_OK) {
        b->rc = sqlite3_bind_int64(b->st, b->i, v);
    }
}

static void bind_double(struct bind *b, double v)
{
    b->i++;
    if (b->rc == SQLITE_OK) {
        b->rc = sqlite3_bind_double(b->st, b->i, v);
    }
}

/* STATIC: the statement is reset before the caller's bytes go away. */
static void bind_blob(struct bind *b, const void *p, size_t len)
{
    b->i++;
    if (b->rc != SQLITE_OK) {
        return;
    }
    if (len > INT_MAX) {
        b->rc = SQLITE_TOOBIG;
        return;
    }
    b->rc = sqlite3_bind_blob(b->st, b->i, len ? p : "", (int)len,
                              SQLITE_STATIC);
}

/* Copies text column i into a fixed field. A value too long for it is a
 * bug in whoever wrote it: truncated (never overflowing) and logged. */
static void col_field(sqlite3_stmt *st, int i, char *dst, size_t cap,
                      const char *field)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);

    if (!t) {
        t = (const unsigned char *)"";
        n = 0;
    }
    if ((size_t)n >= cap) {
        lv_log(LV_LOG_WARN, "store: kms value too long for its field "
               "field=%s len=%d max=%zu, truncated", field, n, cap - 1);
        n = (int)(cap - 1);
    }
    snprintf(dst, cap, "%.*s", n, (const char *)t);
}

/* Text column i as a fresh string ("" for NULL). */
static char *col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    int n = sqlite3_column_bytes(st, i);

    return t ? lv_xstrndup((const char *)t, (size_t)n) : lv_xstrdup("");
}

/* Reports a failed step or bind (before the reset, while SQLite's message
 * is still there), then resets. Returns -1. */
static int stmt_fail(sqlite3_stmt *st, int rc, const char *what,
                     struct lv_err *err)
{
    lv_sqlite_fail(sqlite3_db_handle(st), rc, what, err);
    sqlite3_reset(st);
    return -1;
}

/* Steps a bound statement that returns no rows, then resets it. */
static int run_done(sqlite3_stmt *st, const struct bind *b,
                    const char *what, struct lv_err *err)
{
    int rc = b->rc;

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(st);
    }
    if (rc != SQLITE_DONE) {
        return stmt_fail(st, rc, what, err);
    }
    sqlite3_reset(st);
    return 0;
}

/* Rows the last statement on st's connection changed. */
static int changes(sqlite3_stmt *st)
{
    return sqlite3_changes(sqlite3_db_handle(st));
}

/* ---- batched walks ----------------------------------------------------- */

/*
 * A list query. Its SQL ends with a keyset condition and "LIMIT ?n"; bind
 * binds every parameter: the rows after `last` (a row of the previous
 * batch, or NULL for the first batch: then the caller's `after`), at most
 * `n` of them.
 */
struct walk {
    const char *sql;
    const char *what;
    size_t size;                /* bytes of one row */
    int limit;                  /* rows in all; <= 0: no limit */
    void *ctx;
    void (*bind)(struct bind *b, void *ctx, const void *last, int n);
    void (*read)(sqlite3_stmt *st, void *row);  /* into a zeroed row */
    void (*release)(void *row);                 /* and zero it; or NULL */
    int (*call)(void *ctx, const void *row);
};

static void walk_release(const struct walk *w, char *rows, int n)
{
    for (int i = 0; i < n; i++) {
        if (w->release) {
            w->release(rows + (size_t)i * w->size);
        } else {
            memset(rows + (size_t)i * w->size, 0, w->size);
        }
    }
}

/* Runs w batch by batch: 0 when done, the first non-zero value a call
 * returned, or -1 with *err on a store fault. */
static int walk_run(struct lv_store *s, const struct walk *w,
                    struct lv_err *err)
{
    char *rows = lv_xcalloc(WALK_BATCH, w->size);
    struct bind b;
    sqlite3_stmt *st;
    int total = 0;
    int n = 0;
    int want;
    int rc;
    int ret = -1;

    for (;;) {
        want = WALK_BATCH;
        if (w->limit > 0 && w->limit - total < want) {
            want = w->limit - total;
        }
        if (want <= 0) {
            break;
        }
        st = lv_sqlite_prepare(s, w->sql, err);
        if (!st) {
            goto out;
        }
        bind_start(&b, st);
        w->bind(&b, w->ctx, n ? rows + (size_t)(n - 1) * w->size : NULL,
                want);
        walk_release(w, rows, n);   /* the cursor is bound (copied) */
        n = 0;
        rc = b.rc;
        while (rc == SQLITE_OK || rc == SQLITE_ROW) {
            if (n == want) {
                rc = SQLITE_DONE;
                break;
            }
            rc = sqlite3_step(st);
            if (rc == SQLITE_ROW) {
                w->read(st, rows + (size_t)n * w->size);
                n++;
            }
        }
        if (rc != SQLITE_DONE) {
            stmt_fail(st, rc, w->what, err);
            goto out;
        }
        sqlite3_reset(st);
        for (int i = 0; i < n; i++) {
            int r = w->call(w->ctx, rows + (size_t)i * w->size);

            if (r != 0) {
                ret = r;
                goto out;
            }
        }
        total += n;
        if (n < want) {
            break;
        }
    }
    ret = 0;
out:
    walk_release(w, rows, n);
    free(rows);
    return ret;
}

/* ---- keys -------------------------------------------------------------- */

void lv_kms_key_init(struct lv_kms_key *k)
{
    memset(k, 0, sizeof(*k));
    k->description = NULL;
    k->policy = NULL;
}

void lv_kms_key_release(struct lv_kms_key *k)
{
    free(k->description);
    free(k->policy);
    lv_kms_key_init(k);
}

#define KEY_COLS                                                             \
    "id, arn, account, region, description, key_spec, key_usage, state,"    \
    " origin, creation_date, deletion_date, pending_window_days, policy,"   \
    " rotation_enabled, rotation_period_days, next_rotation_date,"          \
    " current_version, on_demand_rotations, material_destroyed"

#define F(k, f) (k)->f, sizeof((k)->f)

/* A row of KEY_COLS into k (initialised, owning nothing). */
static void read_key(sqlite3_stmt *st, struct lv_kms_key *k)
{
    col_field(st, 0, F(k, id), "key id");
    col_field(st, 1, F(k, arn), "key arn");
    col_field(st, 2, F(k, account), "key account");
    col_field(st, 3, F(k, region), "key region");
    k->description = col_dup(st, 4);
    col_field(st, 5, F(k, key_spec), "key spec");
    col_field(st, 6, F(k, key_usage), "key usage");
    col_field(st, 7, F(k, state), "key state");
    col_field(st, 8, F(k, origin), "key origin");
    k->creation_date = sqlite3_column_double(st, 9);
    k->deletion_date = sqlite3_column_double(st, 10);
    k->pending_window_days = sqlite3_column_int(st, 11);
    k->policy = col_dup(st, 12);
    k->rotation_enabled = sqlite3_column_int(st, 13);
    k->rotation_period_days = sqlite3_column_int(st, 14);
    k->next_rotation_date = sqlite3_column_double(st, 15);
    k->current_version = (uint32_t)sqlite3_column_int64(st, 16);
    k->on_demand_rotations = sqlite3_column_int(st, 17);
    k->material_destroyed = sqlite3_column_int(st, 18);
}

static void read_key_row(sqlite3_stmt *st, void *row)
{
    read_key(st, row);
}

static void release_key_row(void *row)
{
    lv_kms_key_release(row);
}

static int material_insert(struct lv_store *s, const char *key_id,
                           size_t key_id_cap,
                           const struct lv_kms_material *m,
                           const void *sealed, size_t sealed_len,
                           struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_material (key_id, version, created, rotation_type,"
        " sealed) VALUES (?1, ?2, ?3, ?4, ?5)";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_field(&b, key_id, key_id_cap);
    bind_int64(&b, m->version);
    bind_double(&b, m->created);
    bind_field(&b, F(m, rotation_type));
    bind_blob(&b, sealed, sealed_len);
    return run_done(st, &b, "insert kms material", err);
}

static int key_insert_row(struct lv_store *s, const struct lv_kms_key *k,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_keys (" KEY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5,"
        " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_field(&b, F(k, id));
    bind_field(&b, F(k, arn));
    bind_field(&b, F(k, account));
    bind_field(&b, F(k, region));
    bind_text(&b, k->description);
    bind_field(&b, F(k, key_spec));
    bind_field(&b, F(k, key_usage));
    bind_field(&b, F(k, state));
    bind_field(&b, F(k, origin));
    bind_double(&b, k->creation_date);
    bind_double(&b, k->deletion_date);
    bind_int64(&b, k->pending_window_days);
    bind_text(&b, k->policy);
    bind_int64(&b, k->rotation_enabled);
    bind_int64(&b, k->rotation_period_days);
    bind_double(&b, k->next_rotation_date);
    bind_int64(&b, k->current_version);
    bind_int64(&b, k->on_demand_rotations);
    bind_int64(&b, k->material_destroyed);
    return run_done(st, &b, "insert kms key", err);
}

int lv_store_kms_key_insert(struct lv_store *s, const struct lv_kms_key *k,
                            const void *sealed, size_t sealed_len,
                            struct lv_err *err)
{
    struct lv_kms_material m;

    memset(&m, 0, sizeof(m));
    m.version = 1;
    m.created = k->creation_date;
    /* The key and its first material land together or not at all; inside
     * a caller's transaction this is a savepoint. */
    if (lv_store_begin(s, err) < 0) {
        return -1;
    }
    if (key_insert_row(s, k, err) < 0 ||
        material_insert(s, F(k, id), &m, sealed, sealed_len, err) < 0) {
        lv_store_rollback(s);
        return -1;
    }
    return lv_store_commit(s, err);
}

int lv_store_kms_key_get(struct lv_store *s, const char *id,
                         struct lv_kms_key *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys WHERE id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct lv_kms_key k;
    struct bind b;
    int rc;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, id);
    rc = b.rc == SQLITE_OK ? sqlite3_step(st) : b.rc;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        return stmt_fail(st, rc, "read kms key", err);
    }
    lv_kms_key_init(&k);
    read_key(st, &k);
    sqlite3_reset(st);
    lv_kms_key_release(out);
    *out = k;
    return 1;
}

int lv_store_kms_key_update(struct lv_store *s, const struct lv_kms_key *k,
                            struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET description = ?1, state = ?2,"
        " deletion_date = ?3, pending_window_days = ?4, policy = ?5,"
        " rotation_enabled = ?6, rotation_period_days = ?7,"
        " next_rotation_date = ?8, current_version = ?9,"
        " on_demand_rotations = ?10, material_destroyed = ?11"
        " WHERE id = ?12";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, k->description);
    bind_field(&b, F(k, state));
    bind_double(&b, k->deletion_date);
    bind_int64(&b, k->pending_window_days);
    bind_text(&b, k->policy);
    bind_int64(&b, k->rotation_enabled);
    bind_int64(&b, k->rotation_period_days);
    bind_double(&b, k->next_rotation_date);
    bind_int64(&b, k->current_version);
    bind_int64(&b, k->on_demand_rotations);
    bind_int64(&b, k->material_destroyed);
    bind_field(&b, F(k, id));
    if (run_done(st, &b, "update kms key", err) < 0) {
        return -1;
    }
    if (changes(st) == 0) {
        /* Keys are never removed, so the caller read one that is not
         * there: a bug upstream, reported rather than silently lost. */
        lv_log(LV_LOG_WARN, "store: update of a missing kms key id=%.*s",
               (int)strnlen(k->id, sizeof(k->id)), k->id);
        return lv_err_set(err, LV_E_NOT_FOUND, "Key '%.*s' does not exist",
                          (int)strnlen(k->arn, sizeof(k->arn)), k->arn);
    }
    return 0;
}

struct key_walk {
    const char *account;
    const char *region;
    const char *after;
    double now;
    lv_kms_key_fn fn;
    void *arg;
};

static int call_key(void *ctx, const void *row)
{
    struct key_walk *kw = ctx;

    return kw->fn(kw->arg, row);
}

static void bind_key_list(struct bind *b, void *ctx, const void *last, int n)
{
    struct key_walk *kw = ctx;
    const struct lv_kms_key *k = last;

    bind_text(b, kw->account);
    bind_text(b, kw->region);
    bind_text(b, k ? k->id : kw->after);
    bind_int64(b, n);
}

int lv_store_kms_key_list(struct lv_store *s, const char *account,
                          const char *region, const char *after, int limit,
                          lv_kms_key_fn fn, void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE account = ?1 AND region = ?2 AND id > ?3"
        " ORDER BY id LIMIT ?4";
    struct key_walk kw = { account, region, after, 0, fn, arg };
    struct walk w = {
        sql, "list kms keys", sizeof(struct lv_kms_key), limit, &kw,
        bind_key_list, read_key_row, release_key_row, call_key,
    };

    return walk_run(s, &w, err);
}

static void bind_key_due(struct bind *b, void *ctx, const void *last, int n)
{
    struct key_walk *kw = ctx;
    const struct lv_kms_key *k = last;

    bind_double(b, kw->now);
    bind_text(b, k ? k->id : "");
    bind_int64(b, n);
}

int lv_store_kms_key_due(struct lv_store *s, double now, lv_kms_key_fn fn,
                         void *arg, struct lv_err *err)
{
    /* Two indexed halves (kms_keys_deletion, kms_keys_rotation); UNION
     * also drops a key that is due for both reasons to one row. */
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE state = 'PendingDeletion' AND deletion_date <= ?1"
        " AND id > ?2"
        " UNION "
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE next_rotation_date > 0 AND next_rotation_date <= ?1"
        " AND id > ?2"
        " ORDER BY 1 LIMIT ?3";
    struct key_walk kw = { NULL, NULL, NULL, now, fn, arg };
    struct walk w = {
        sql, "list due kms keys", sizeof(struct lv_kms_key), 0, &kw,
        bind_key_due, read_key_row, release_key_row, call_key,
    };

    return walk_run(s, &w, err);
}

/* ---- material versions ------------------------------------------------- */

int lv_store_kms_material_add(struct lv_store *s, const char *key_id,
                              const struct lv_kms_material *m,
                              const void *sealed, size_t sealed_len,
                              struct lv_err *err)
{
    return material_insert(s, key_id, strlen(key_id) + 1, m, sealed,
                           sealed_len, err);
}

int lv_store_kms_material_get(struct lv_store *s, const char *key_id,
                              uint32_t version, struct lv_buf *sealed,
                              struct lv_err *err)
{
    static const char sql[] =
        "SELECT sealed FROM kms_material WHERE key_id = ?1 AND version = ?2";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;
    const void *p;
    int n;
    int rc;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    bind_int64(&b, version);
    rc = b.rc == SQLITE_OK ? sqlite3_step(st) : b.rc;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        return stmt_fail(st, rc, "read kms material", err);
    }
    p = sqlite3_column_blob(st, 0);
    n = sqlite3_column_bytes(st, 0);
    if ((size_t)n > sealed->max) {
        /* *sealed is left as it was: written only on success. */
        sqlite3_reset(st);
        lv_log(LV_LOG_ERROR, "store: kms material larger than its buffer "
               "version=%u len=%d max=%zu", version, n, sealed->max);
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                          LV_STORE_UNAVAILABLE_MSG);
    }
    lv_buf_reset(sealed);
    if (n > 0 && lv_buf_add(sealed, p, (size_t)n) < 0) {
        LV_BUG("lv_buf_add within max failed");
    }
    sqlite3_reset(st);
    return 1;
}

struct material_walk {
    const char *key_id;
    uint32_t after;
    lv_kms_material_fn fn;
    void *arg;
};

static void bind_material(struct bind *b, void *ctx, const void *last,
                          int n)
{
    struct material_walk *mw = ctx;
    const struct lv_kms_material *m = last;

    bind_text(b, mw->key_id);
    bind_int64(b, m ? m->version : mw->after);
    bind_int64(b, n);
}

static void read_material(sqlite3_stmt *st, void *row)
{
    struct lv_kms_material *m = row;

    m->version = (uint32_t)sqlite3_column_int64(st, 0);
    m->created = sqlite3_column_double(st, 1);
    col_field(st, 2, F(m, rotation_type), "material rotation type");
}

static int call_material(void *ctx, const void *row)
{
    struct material_walk *mw = ctx;

    return mw->fn(mw->arg, row);
}

int lv_store_kms_material_list(struct lv_store *s, const char *key_id,
                               uint32_t after, int limit,
                               lv_kms_material_fn fn, void *arg,
                               struct lv_err *err)
{
    static const char sql[] =
        "SELECT version, created, rotation_type FROM kms_material"
        " WHERE key_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3";
    struct material_walk mw = { key_id, after, fn, arg };
    struct walk w = {
        sql, "list kms material", sizeof(struct lv_kms_material), limit,
        &mw, bind_material, read_material, NULL, call_material,
    };

    return walk_run(s, &w, err);
}

int lv_store_kms_material_destroy(struct lv_store *s, const char *key_id,
                                  struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_material WHERE key_id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    return run_done(st, &b, "destroy kms material", err);
}

/* ---- aliases ----------------------------------------------------------- */

#define ALIAS_COLS "account, region, name, key_id, creation_date, last_updated"

static void read_alias(sqlite3_stmt *st, void *row)
{
    struct lv_kms_alias *a = row;

    col_field(st, 0, F(a, account), "alias account");
    col_field(st, 1, F(a, region), "alias region");
    col_field(st, 2, F(a, name), "alias name");
    col_field(st, 3, F(a, key_id), "alias key id");
    a->creation_date = sqlite3_column_double(st, 4);
    a->last_updated = sqlite3_column_double(st, 5);
}

int lv_store_kms_alias_insert(struct lv_store *s, const struct lv_kms_alias *a,
                              struct lv_err *err)
{
    /* Only the primary key's conflict is "exists"; any other constraint
     * still fails as an error. */
    static const char sql[] =
        "INSERT INTO kms_aliases (" ALIAS_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_field(&b, F(a, account));
    bind_field(&b, F(a, region));
    bind_field(&b, F(a, name));
    bind_field(&b, F(a, key_id));
    bind_double(&b, a->creation_date);
    bind_double(&b, a->last_updated);
    if (run_done(st, &b, "insert kms alias", err) < 0) {
        return -1;
    }
    return changes(st) == 0 ? 1 : 0;
}

int lv_store_kms_alias_get(struct lv_store *s, const char *account,
                           const char *region, const char *name,
                           struct lv_kms_alias *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct lv_kms_alias a;
    struct bind b;
    int rc;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, account);
    bind_text(&b, region);
    bind_text(&b, name);
    rc = b.rc == SQLITE_OK ? sqlite3_step(st) : b.rc;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        return stmt_fail(st, rc, "read kms alias", err);
    }
    memset(&a, 0, sizeof(a));
    read_alias(st, &a);
    sqlite3_reset(st);
    *out = a;
    return 1;
}

int lv_store_kms_alias_update(struct lv_store *s, const struct lv_kms_alias *a,
                              struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_aliases SET key_id = ?1, last_updated = ?2"
        " WHERE account = ?3 AND region = ?4 AND name = ?5";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_field(&b, F(a, key_id));
    bind_double(&b, a->last_updated);
    bind_field(&b, F(a, account));
    bind_field(&b, F(a, region));
    bind_field(&b, F(a, name));
    if (run_done(st, &b, "update kms alias", err) < 0) {
        return -1;
    }
    if (changes(st) == 0) {
        lv_log(LV_LOG_WARN, "store: update of a missing kms alias");
        return lv_err_set(err, LV_E_NOT_FOUND,
                          "Alias arn:aws:kms:%.*s:%.*s:%.*s is not found.",
                          (int)strnlen(a->region, sizeof(a->region)),
                          a->region,
                          (int)strnlen(a->account, sizeof(a->account)),
                          a->account,
                          (int)strnlen(a->name, sizeof(a->name)), a->name);
    }
    return 0;
}

int lv_store_kms_alias_delete(struct lv_store *s, const char *account,
                              const char *region, const char *name,
                              struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, account);
    bind_text(&b, region);
    bind_text(&b, name);
    return run_done(st, &b, "delete kms alias", err);
}

struct alias_walk {
    const char *account;
    const char *region;
    const char *key_id;
    const char *after;
    lv_kms_alias_fn fn;
    void *arg;
};

static void bind_alias_list(struct bind *b, void *ctx, const void *last,
                            int n)
{
    struct alias_walk *aw = ctx;
    const struct lv_kms_alias *a = last;

    bind_text(b, aw->account);
    bind_text(b, aw->region);
    bind_text(b, a ? a->name : aw->after);
    bind_int64(b, n);
    if (aw->key_id) {
        bind_text(b, aw->key_id);
    }
}

static int call_alias(void *ctx, const void *row)
{
    struct alias_walk *aw = ctx;

    return aw->fn(aw->arg, row);
}

int lv_store_kms_alias_list(struct lv_store *s, const char *account,
                            const char *region, const char *key_id,
                            const char *after, int limit, lv_kms_alias_fn fn,
                            void *arg, struct lv_err *err)
{
    static const char sql_all[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name > ?3"
        " ORDER BY name LIMIT ?4";
    static const char sql_key[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name > ?3 AND key_id = ?5"
        " ORDER BY name LIMIT ?4";
    struct alias_walk aw = { account, region, key_id, after, fn, arg };
    struct walk w = {
        key_id ? sql_key : sql_all, "list kms aliases",
        sizeof(struct lv_kms_alias), limit, &aw, bind_alias_list,
        read_alias, NULL, call_alias,
    };

    return walk_run(s, &w, err);
}

int lv_store_kms_alias_delete_for_key(struct lv_store *s, const char *key_id,
                                      struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_aliases WHERE key_id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    return run_done(st, &b, "delete kms aliases of key", err);
}

/* ---- grants ------------------------------------------------------------ */

void lv_kms_grant_init(struct lv_kms_grant *g)
{
    memset(g, 0, sizeof(*g));
    g->name = NULL;
    g->grantee = NULL;
    g->retiring = NULL;
    g->issuing_account = NULL;
    g->operations = NULL;
    g->constraints = NULL;
}

void lv_kms_grant_release(struct lv_kms_grant *g)
{
    free(g->name);
    free(g->grantee);
    free(g->retiring);
    free(g->issuing_account);
    free(g->operations);
    free(g->constraints);
    lv_kms_grant_init(g);
}

#define GRANT_COLS                                                           \
    "id, key_id, name, grantee, retiring, issuing_account, operations,"     \
    " constraints, creation_date"

static void read_grant(sqlite3_stmt *st, void *row)
{
    struct lv_kms_grant *g = row;

    col_field(st, 0, F(g, id), "grant id");
    col_field(st, 1, F(g, key_id), "grant key id");
    g->name = col_dup(st, 2);
    g->grantee = col_dup(st, 3);
    g->retiring = col_dup(st, 4);
    g->issuing_account = col_dup(st, 5);
    g->operations = col_dup(st, 6);
    g->constraints = col_dup(st, 7);
    g->creation_date = sqlite3_column_double(st, 8);
}

static void release_grant_row(void *row)
{
    lv_kms_grant_release(row);
}

int lv_store_kms_grant_insert(struct lv_store *s, const struct lv_kms_grant *g,
                              struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_grants (" GRANT_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_field(&b, F(g, id));
    bind_field(&b, F(g, key_id));
    bind_text(&b, g->name);
    bind_text(&b, g->grantee);
    bind_text(&b, g->retiring);
    bind_text(&b, g->issuing_account);
    bind_text(&b, g->operations);
    bind_text(&b, g->constraints);
    bind_double(&b, g->creation_date);
    return run_done(st, &b, "insert kms grant", err);
}

int lv_store_kms_grant_get(struct lv_store *s, const char *grant_id,
                           struct lv_kms_grant *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " GRANT_COLS " FROM kms_grants WHERE id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct lv_kms_grant g;
    struct bind b;
    int rc;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, grant_id);
    rc = b.rc == SQLITE_OK ? sqlite3_step(st) : b.rc;
    if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return 0;
    }
    if (rc != SQLITE_ROW) {
        return stmt_fail(st, rc, "read kms grant", err);
    }
    lv_kms_grant_init(&g);
    read_grant(st, &g);
    sqlite3_reset(st);
    lv_kms_grant_release(out);
    *out = g;
    return 1;
}

int lv_store_kms_grant_delete(struct lv_store *s, const char *grant_id,
                              struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_grants WHERE id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, grant_id);
    return run_done(st, &b, "delete kms grant", err);
}

struct grant_walk {
    const char *key_id;
    const char *retiring;
    const char *after;
    lv_kms_grant_fn fn;
    void *arg;
};

/* ?1 after, ?2 limit, then ?3 key_id and/or ?3|?4 retiring as the chosen
 * statement names them. */
static void bind_grant_list(struct bind *b, void *ctx, const void *last,
                            int n)
{
    struct grant_walk *gw = ctx;
    const struct lv_kms_grant *g = last;

    bind_text(b, g ? g->id : gw->after);
    bind_int64(b, n);
    if (gw->key_id) {
        bind_text(b, gw->key_id);
    }
    if (gw->retiring) {
        bind_text(b, gw->retiring);
    }
}

static int call_grant(void *ctx, const void *row)
{
    struct grant_walk *gw = ctx;

    return gw->fn(gw->arg, row);
}

int lv_store_kms_grant_list(struct lv_store *s, const char *key_id,
                            const char *retiring, const char *after,
                            int limit, lv_kms_grant_fn fn, void *arg,
                            struct lv_err *err)
{
    /* One statement per filter, so each uses its index; indexed by
     * (key_id != NULL) + 2 * (retiring != NULL). */
    static const char sql_any[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE id > ?1 ORDER BY id LIMIT ?2";
    static const char sql_key[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE key_id = ?3 AND id > ?1 ORDER BY id LIMIT ?2";
    static const char sql_ret[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE retiring = ?3 AND id > ?1 ORDER BY id LIMIT ?2";
    static const char sql_both[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE key_id = ?3 AND retiring = ?4 AND id > ?1"
        " ORDER BY id LIMIT ?2";
    static const char *const sqls[4] = { sql_any, sql_key, sql_ret,
                                         sql_both };
    struct grant_walk gw = { key_id, retiring, after, fn, arg };
    struct walk w = {
        sqls[(key_id != NULL) + 2 * (retiring != NULL)], "list kms grants",
        sizeof(struct lv_kms_grant), limit, &gw, bind_grant_list,
        read_grant, release_grant_row, call_grant,
    };

    return walk_run(s, &w, err);
}

int lv_store_kms_grant_delete_for_key(struct lv_store *s, const char *key_id,
                                      struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_grants WHERE key_id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    return run_done(st, &b, "delete kms grants of key", err);
}

/* ---- tags -------------------------------------------------------------- */

int lv_store_kms_tag_set(struct lv_store *s, const char *key_id,
                         const char *tag_key, const char *value,
                         struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_tags (key_id, tag_key, value) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (key_id, tag_key) DO UPDATE SET value = excluded.value";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    bind_text(&b, tag_key);
    bind_text(&b, value);
    return run_done(st, &b, "set kms tag", err);
}

int lv_store_kms_tag_delete(struct lv_store *s, const char *key_id,
                            const char *tag_key, struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM kms_tags WHERE key_id = ?1 AND tag_key = ?2";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    bind_text(&b, tag_key);
    return run_done(st, &b, "delete kms tag", err);
}

struct tag_row {
    char *key;
    char *value;
};

struct tag_walk {
    const char *key_id;
    const char *after;
    lv_kms_tag_fn fn;
    void *arg;
};

static void bind_tag_list(struct bind *b, void *ctx, const void *last, int n)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = last;

    bind_text(b, tw->key_id);
    bind_text(b, t ? t->key : tw->after);
    bind_int64(b, n);
}

static void read_tag(sqlite3_stmt *st, void *row)
{
    struct tag_row *t = row;

    t->key = col_dup(st, 0);
    t->value = col_dup(st, 1);
}

static void release_tag_row(void *row)
{
    struct tag_row *t = row;

    free(t->key);
    free(t->value);
    t->key = NULL;
    t->value = NULL;
}

static int call_tag(void *ctx, const void *row)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = row;

    return tw->fn(tw->arg, t->key, t->value);
}

int lv_store_kms_tag_list(struct lv_store *s, const char *key_id,
                          const char *after, int limit, lv_kms_tag_fn fn,
                          void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT tag_key, value FROM kms_tags"
        " WHERE key_id = ?1 AND tag_key > ?2 ORDER BY tag_key LIMIT ?3";
    struct tag_walk tw = { key_id, after, fn, arg };
    struct walk w = {
        sql, "list kms tags", sizeof(struct tag_row), limit, &tw,
        bind_tag_list, read_tag, release_tag_row, call_tag,
    };

    return walk_run(s, &w, err);
}

int lv_store_kms_tag_count(struct lv_store *s, const char *key_id, int *n,
                           struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM kms_tags WHERE key_id = ?1";
    sqlite3_stmt *st = lv_sqlite_prepare(s, sql, err);
    struct bind b;
    int rc;

    if (!st) {
        return -1;
    }
    bind_start(&b, st);
    bind_text(&b, key_id);
    rc = b.rc == SQLITE_OK ? sqlite3_step(st) : b.rc;
    if (rc != SQLITE_ROW) {
        return stmt_fail(st, rc, "count kms tags", err);
    }
    *n = sqlite3_column_int(st, 0);
    sqlite3_reset(st);
    return 0;
}
