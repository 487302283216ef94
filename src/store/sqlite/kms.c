/*
 * sqlite/kms.c: kms_store.h on the embedded SQLite backend — keys, sealed
 * material versions, aliases, grants and tags in the kms_* tables
 * (schema_kms.c).
 *
 * Every statement is static SQL through lv_sqlite_prepare() (cached per
 * connection), reset before the function returns, on error paths too.
 * Strings are copied out of SQLite before the reset. The sealed material is
 * bound and read as a blob and never logged.
 *
 * Lists run in batches (lv_sqlite_walk_run() in sqlite/util.c): a batch of
 * rows is copied out, the statement is reset, and only then is the
 * caller's function called, so that it may itself use the store (update
 * the key it is shown, list another thing) without meeting a statement
 * still stepping. The next batch resumes after the last row seen (keyset
 * paging), so rows written by the callback into the part already walked
 * are not seen twice.
 */
#include "store/kms_store.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- keys -------------------------------------------------------------- */

#define KEY_COLS                                                             \
    "id, arn, account, region, description, key_spec, key_usage, state,"    \
    " origin, creation_date, deletion_date, pending_window_days, policy,"   \
    " rotation_enabled, rotation_period_days, next_rotation_date,"          \
    " current_version, on_demand_rotations, material_destroyed, row_version,"\
    " expiration_model, valid_to, import_fingerprint, primary_region,"\
    " custom_key_store_id, key_manager"

#define F(k, f) (k)->f, sizeof((k)->f)

/* Passes rc through after a write of KMS records, which moves the KMS
 * generation (lv_store_kms_generation(): kms/cache.c's cache of keys,
 * aliases and material is current only while it stands still). Called
 * after the statement, whatever its outcome. */
static int changed(struct lv_sqlite *s, int rc)
{
    lv_sqlite_kms_changed(s);
    return rc;
}

/* A row of KEY_COLS into k (initialised, owning nothing). */
static void read_key(sqlite3_stmt *st, struct lv_kms_key *k)
{
    lv_sqlite_col_field(st, 0, F(k, id), "key id");
    lv_sqlite_col_field(st, 1, F(k, arn), "key arn");
    lv_sqlite_col_field(st, 2, F(k, account), "key account");
    lv_sqlite_col_field(st, 3, F(k, region), "key region");
    k->description = lv_sqlite_col_dup(st, 4);
    lv_sqlite_col_field(st, 5, F(k, key_spec), "key spec");
    lv_sqlite_col_field(st, 6, F(k, key_usage), "key usage");
    lv_sqlite_col_field(st, 7, F(k, state), "key state");
    lv_sqlite_col_field(st, 8, F(k, origin), "key origin");
    k->creation_date = sqlite3_column_double(st, 9);
    k->deletion_date = sqlite3_column_double(st, 10);
    k->pending_window_days = sqlite3_column_int(st, 11);
    k->policy = lv_sqlite_col_dup(st, 12);
    k->rotation_enabled = sqlite3_column_int(st, 13);
    k->rotation_period_days = sqlite3_column_int(st, 14);
    k->next_rotation_date = sqlite3_column_double(st, 15);
    k->current_version = (uint32_t)sqlite3_column_int64(st, 16);
    k->on_demand_rotations = sqlite3_column_int(st, 17);
    k->material_destroyed = sqlite3_column_int(st, 18);
    k->row_version = (uint64_t)sqlite3_column_int64(st, 19);
    lv_sqlite_col_field(st, 20, F(k, expiration_model), "expiration model");
    k->valid_to = sqlite3_column_double(st, 21);
    lv_sqlite_col_field(st, 22, F(k, import_fingerprint),
                        "import fingerprint");
    lv_sqlite_col_field(st, 23, F(k, primary_region), "primary region");
    lv_sqlite_col_field(st, 24, F(k, custom_key_store_id),
                        "custom key store id");
    lv_sqlite_col_field(st, 25, F(k, key_manager), "key manager");
}

static void read_key_row(sqlite3_stmt *st, void *row)
{
    read_key(st, row);
}

static void release_key_row(void *row)
{
    lv_kms_key_release(row);
}

static int material_insert(struct lv_sqlite *s, const char *key_id,
                           size_t key_id_cap,
                           const struct lv_kms_material *m,
                           const void *sealed, size_t sealed_len,
                           struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_material (key_id, version, created, rotation_type,"
        " sealed) VALUES (?1, ?2, ?3, ?4, ?5)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, key_id, key_id_cap);
    lv_sqlite_bind_int64(&b, m->version);
    lv_sqlite_bind_double(&b, m->created);
    lv_sqlite_bind_field(&b, F(m, rotation_type));
    lv_sqlite_bind_blob(&b, sealed, sealed_len);
    return changed(s, lv_sqlite_run_done(&b, "insert kms material", err));
}

static int key_insert_row(struct lv_sqlite *s, const struct lv_kms_key *k,
                          struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_keys (" KEY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5,"
        " ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,"
        " ?20, ?21, ?22, ?23, ?24, ?25, ?26)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(k, id));
    lv_sqlite_bind_field(&b, F(k, arn));
    lv_sqlite_bind_field(&b, F(k, account));
    lv_sqlite_bind_field(&b, F(k, region));
    lv_sqlite_bind_text(&b, k->description);
    lv_sqlite_bind_field(&b, F(k, key_spec));
    lv_sqlite_bind_field(&b, F(k, key_usage));
    lv_sqlite_bind_field(&b, F(k, state));
    lv_sqlite_bind_field(&b, F(k, origin));
    lv_sqlite_bind_double(&b, k->creation_date);
    lv_sqlite_bind_double(&b, k->deletion_date);
    lv_sqlite_bind_int64(&b, k->pending_window_days);
    lv_sqlite_bind_text(&b, k->policy);
    lv_sqlite_bind_int64(&b, k->rotation_enabled);
    lv_sqlite_bind_int64(&b, k->rotation_period_days);
    lv_sqlite_bind_double(&b, k->next_rotation_date);
    lv_sqlite_bind_int64(&b, k->current_version);
    lv_sqlite_bind_int64(&b, k->on_demand_rotations);
    lv_sqlite_bind_int64(&b, k->material_destroyed);
    lv_sqlite_bind_int64(&b, (int64_t)k->row_version);
    lv_sqlite_bind_field(&b, F(k, expiration_model));
    lv_sqlite_bind_double(&b, k->valid_to);
    lv_sqlite_bind_field(&b, F(k, import_fingerprint));
    lv_sqlite_bind_field(&b, F(k, primary_region));
    lv_sqlite_bind_field(&b, F(k, custom_key_store_id));
    lv_sqlite_bind_field(&b, F(k, key_manager));
    return changed(s, lv_sqlite_run_done(&b, "insert kms key", err));
}

int lv_sqlite_kms_key_insert(void *impl, const struct lv_kms_key *k,
                             const void *sealed, size_t sealed_len,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    struct lv_kms_material m;

    memset(&m, 0, sizeof(m));
    m.version = 1;
    m.created = k->creation_date;
    /* The key and its first material land together or not at all; inside
     * a caller's transaction this is a savepoint. */
    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (key_insert_row(s, k, err) < 0 ||
        (sealed_len > 0 &&
         material_insert(s, F(k, id), &m, sealed, sealed_len, err) < 0)) {
        lv_sqlite_rollback(s);
        return -1;
    }
    return lv_sqlite_commit(s, err);
}

int lv_sqlite_kms_key_get(void *impl, const char *id, struct lv_kms_key *out,
                          struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys WHERE id = ?1";
    struct lv_kms_key k;
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_kms_key_init(&k);
    rc = lv_sqlite_run_one(&b, read_key_row, &k, "read kms key", err);
    if (rc != 1) {
        lv_kms_key_release(&k);
        return rc;
    }
    lv_kms_key_release(out);
    *out = k;
    return 1;
}

/* ---- changes of a key ------------------------------------------------- */

/* The tail of every change: move row_version on, only where it is still
 * the one the caller read (?1 the id, ?2 that row_version). */
#define KEY_GUARD \
    " row_version = row_version + 1 WHERE id = ?1 AND row_version = ?2"

/* Prepares a change and starts its bindings: ?1 id, ?2 row_version.
 * 0, or -1 with *err. */
static int start_change(struct lv_sqlite *s, const char *sql, const char *id,
                        uint64_t row_version, struct lv_sqlite_bind *b,
                        struct lv_err *err)
{
    if (lv_sqlite_start(s, sql, b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(b, id);
    lv_sqlite_bind_int64(b, (int64_t)row_version);
    return 0;
}

/* Runs a bound change: 1 made, 0 guard failed, -1 fault. */
static int run_change(struct lv_sqlite *s, const struct lv_sqlite_bind *b,
                      const char *what, struct lv_err *err)
{
    return changed(s, lv_sqlite_run_changed(b, what, err));
}

int lv_sqlite_kms_key_set_description(void *impl, const char *id,
                                      uint64_t row_version,
                                      const char *description,
                                      struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET description = ?3," KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, description);
    return run_change(s, &b, "set kms key description", err);
}

int lv_sqlite_kms_key_set_state(void *impl, const char *id,
                                uint64_t row_version, const char *state,
                                struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "UPDATE kms_keys SET state = ?3," KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, state);
    return run_change(s, &b, "set kms key state", err);
}

int lv_sqlite_kms_key_set_policy(void *impl, const char *id,
                                 uint64_t row_version, const char *policy,
                                 struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "UPDATE kms_keys SET policy = ?3," KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, policy);
    return run_change(s, &b, "set kms key policy", err);
}

int lv_sqlite_kms_key_schedule_deletion(void *impl, const char *id,
                                        uint64_t row_version,
                                        double deletion_date, int window_days,
                                        struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET state = 'PendingDeletion', deletion_date = ?3,"
        " pending_window_days = ?4," KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_double(&b, deletion_date);
    lv_sqlite_bind_int64(&b, window_days);
    return run_change(s, &b, "schedule kms key deletion", err);
}

int lv_sqlite_kms_key_cancel_deletion(void *impl, const char *id,
                                      uint64_t row_version, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET state = 'Disabled', deletion_date = 0,"
        " pending_window_days = 0," KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    return run_change(s, &b, "cancel kms key deletion", err);
}

int lv_sqlite_kms_key_set_rotation(void *impl, const char *id,
                                   uint64_t row_version, int enabled,
                                   int period_days, double next_rotation_date,
                                   struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET rotation_enabled = ?3,"
        " rotation_period_days = ?4, next_rotation_date = ?5," KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_int64(&b, enabled ? 1 : 0);
    lv_sqlite_bind_int64(&b, period_days);
    lv_sqlite_bind_double(&b, next_rotation_date);
    return run_change(s, &b, "set kms key rotation", err);
}

int lv_sqlite_kms_key_rotate(void *impl, const char *id, uint64_t row_version,
                             const struct lv_kms_material *m,
                             const void *sealed, size_t sealed_len,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* The version is checked against the row in the same statement that
     * makes it current, so two rotations can never both take one version
     * (the second's guard fails before its material is inserted). */
    static const char sql[] =
        "UPDATE kms_keys SET current_version = ?3,"
        " on_demand_rotations = on_demand_rotations + ?4,"
        " next_rotation_date = CASE WHEN ?4 = 0 AND rotation_enabled <> 0"
        " THEN ?5 + rotation_period_days * 86400.0"
        " ELSE next_rotation_date END," KEY_GUARD
        " AND current_version = ?3 - 1";
    struct lv_sqlite_bind b;
    int on_demand;
    int rc;

    if (strcmp(m->rotation_type, "ON_DEMAND") == 0) {
        on_demand = 1;
    } else if (strcmp(m->rotation_type, "AUTOMATIC") == 0) {
        on_demand = 0;
    } else {
        LV_BUG("kms rotation of unknown type");
    }
    if (m->version < 2) {
        LV_BUG("kms rotation to version %u", m->version);
    }
    /* The key and its new material land together or not at all; inside
     * a caller's transaction this is a savepoint. */
    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        lv_sqlite_rollback(s);
        return -1;
    }
    lv_sqlite_bind_int64(&b, m->version);
    lv_sqlite_bind_int64(&b, on_demand);
    lv_sqlite_bind_double(&b, m->created);
    rc = run_change(s, &b, "rotate kms key", err);
    if (rc == 1 && material_insert(s, id, strlen(id) + 1, m, sealed,
                                   sealed_len, err) < 0) {
        rc = -1;
    }
    if (rc != 1) {
        lv_sqlite_rollback(s);
        return rc;
    }
    return lv_sqlite_commit(s, err) < 0 ? -1 : 1;
}

int lv_sqlite_kms_key_import(void *impl, const char *id, uint64_t row_version,
                             const struct lv_kms_import *imp,
                             const void *sealed, size_t sealed_len,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET state = ?3, expiration_model = ?4,"
        " valid_to = ?5, import_fingerprint = ?6, current_version = 1,"
        KEY_GUARD;
    struct lv_kms_material m;
    struct lv_sqlite_bind b;
    int rc;

    memset(&m, 0, sizeof(m));
    m.version = 1;
    m.created = imp->created;
    /* The key and its material land together or not at all. */
    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        lv_sqlite_rollback(s);
        return -1;
    }
    lv_sqlite_bind_field(&b, F(imp, state));
    lv_sqlite_bind_field(&b, F(imp, expiration_model));
    lv_sqlite_bind_double(&b, imp->valid_to);
    lv_sqlite_bind_field(&b, F(imp, fingerprint));
    rc = run_change(s, &b, "import kms key material", err);
    if (rc == 1 &&
        (lv_sqlite_kms_material_destroy(s, id, err) < 0 ||
         material_insert(s, id, strlen(id) + 1, &m, sealed, sealed_len,
                         err) < 0)) {
        rc = -1;
    }
    if (rc != 1) {
        lv_sqlite_rollback(s);
        return rc;
    }
    return lv_sqlite_commit(s, err) < 0 ? -1 : 1;
}

int lv_sqlite_kms_key_delete_material(void *impl, const char *id,
                                      uint64_t row_version, const char *state,
                                      struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET state = ?3, expiration_model = '',"
        " valid_to = 0," KEY_GUARD;
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        lv_sqlite_rollback(s);
        return -1;
    }
    lv_sqlite_bind_text(&b, state);
    rc = run_change(s, &b, "delete kms key material", err);
    if (rc == 1 && lv_sqlite_kms_material_destroy(s, id, err) < 0) {
        rc = -1;
    }
    if (rc != 1) {
        lv_sqlite_rollback(s);
        return rc;
    }
    return lv_sqlite_commit(s, err) < 0 ? -1 : 1;
}

int lv_sqlite_kms_key_destroy(void *impl, const char *id, uint64_t row_version,
                              struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET state = 'Deleted', material_destroyed = 1,"
        " rotation_enabled = 0, next_rotation_date = 0," KEY_GUARD;
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_begin(s, err) < 0) {
        return -1;
    }
    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        lv_sqlite_rollback(s);
        return -1;
    }
    rc = run_change(s, &b, "destroy kms key", err);
    if (rc == 1 &&
        (lv_sqlite_kms_material_destroy(s, id, err) < 0 ||
         lv_sqlite_kms_alias_delete_for_key(s, id, err) < 0 ||
         lv_sqlite_kms_grant_delete_for_key(s, id, err) < 0)) {
        rc = -1;
    }
    if (rc != 1) {
        lv_sqlite_rollback(s);
        return rc;
    }
    return lv_sqlite_commit(s, err) < 0 ? -1 : 1;
}

int lv_sqlite_kms_key_hold(void *impl, const char *id, uint64_t row_version,
                           struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "UPDATE kms_keys SET" KEY_GUARD;
    struct lv_sqlite_bind b;

    if (start_change(s, sql, id, row_version, &b, err) < 0) {
        return -1;
    }
    return run_change(s, &b, "hold kms key", err);
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

static void bind_key_list(struct lv_sqlite_bind *b, void *ctx,
                          const void *last, int n)
{
    struct key_walk *kw = ctx;
    const struct lv_kms_key *k = last;

    lv_sqlite_bind_text(b, kw->account);
    lv_sqlite_bind_text(b, kw->region);
    lv_sqlite_bind_text(b, k ? k->id : kw->after);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_kms_key_list(void *impl, const char *account, const char *region,
                           const char *after, int limit, lv_kms_key_fn fn,
                           void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE account = ?1 AND region = ?2 AND id > ?3"
        " ORDER BY id LIMIT ?4";
    struct key_walk kw = { account, region, after, 0, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list kms keys", sizeof(struct lv_kms_key), limit, &kw,
        bind_key_list, read_key_row, release_key_row, call_key,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

/* The stored ids of a multi-Region key's records lie between "KEYID@"
 * and "KEYID@~" (region names are lower case, digits and '-'). */
static void mr_range(const char *key_id, char lo[LV_KMS_ID_MAX],
                     char hi[LV_KMS_ID_MAX])
{
    snprintf(lo, LV_KMS_ID_MAX, "%s@", key_id);
    snprintf(hi, LV_KMS_ID_MAX, "%s@~", key_id);
}

struct mr_walk {
    char lo[LV_KMS_ID_MAX];
    char hi[LV_KMS_ID_MAX];
    lv_kms_key_fn fn;
    void *arg;
};

static int call_mr_key(void *ctx, const void *row)
{
    struct mr_walk *mw = ctx;

    return mw->fn(mw->arg, row);
}

static void bind_key_mr(struct lv_sqlite_bind *b, void *ctx,
                        const void *last, int n)
{
    struct mr_walk *mw = ctx;
    const struct lv_kms_key *k = last;

    lv_sqlite_bind_text(b, k ? k->id : mw->lo);
    lv_sqlite_bind_text(b, mw->hi);
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_kms_key_mr_list(void *impl, const char *key_id,
                              lv_kms_key_fn fn, void *arg,
                              struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE id > ?1 AND id < ?2 ORDER BY id LIMIT ?3";
    struct mr_walk mw;
    struct lv_sqlite_walk w = {
        sql, "list multi-Region kms key", sizeof(struct lv_kms_key), 1000,
        &mw, bind_key_mr, read_key_row, release_key_row, call_mr_key,
    };

    mr_range(key_id, mw.lo, mw.hi);
    mw.fn = fn;
    mw.arg = arg;
    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_kms_key_set_primary(void *impl, const char *key_id,
                                  const char *region, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_keys SET primary_region = ?3,"
        " row_version = row_version + 1 WHERE id > ?1 AND id < ?2";
    struct lv_sqlite_bind b;
    char lo[LV_KMS_ID_MAX];
    char hi[LV_KMS_ID_MAX];

    mr_range(key_id, lo, hi);
    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, lo);
    lv_sqlite_bind_text(&b, hi);
    lv_sqlite_bind_text(&b, region);
    return changed(s, lv_sqlite_run_done(&b, "set kms key primary region",
                                         err));
}

static void bind_key_due(struct lv_sqlite_bind *b, void *ctx,
                         const void *last, int n)
{
    struct key_walk *kw = ctx;
    const struct lv_kms_key *k = last;

    lv_sqlite_bind_double(b, kw->now);
    lv_sqlite_bind_text(b, k ? k->id : "");
    lv_sqlite_bind_int64(b, n);
}

int lv_sqlite_kms_key_due(void *impl, double now, lv_kms_key_fn fn, void *arg,
                          struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Three indexed parts (kms_keys_deletion, kms_keys_rotation,
     * kms_keys_valid_to); UNION also drops a key that is due for several
     * reasons to one row. */
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE state = 'PendingDeletion' AND deletion_date <= ?1"
        " AND id > ?2"
        " UNION "
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE next_rotation_date > 0 AND next_rotation_date <= ?1"
        " AND id > ?2"
        " UNION "
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE valid_to > 0 AND valid_to <= ?1 AND id > ?2"
        " ORDER BY 1 LIMIT ?3";
    struct key_walk kw = { NULL, NULL, NULL, now, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list due kms keys", sizeof(struct lv_kms_key), 0, &kw,
        bind_key_due, read_key_row, release_key_row, call_key,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

/* ---- material versions ------------------------------------------------- */

int lv_sqlite_kms_material_get(void *impl, const char *key_id,
                               uint32_t version, struct lv_buf *sealed,
                               struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT sealed FROM kms_material WHERE key_id = ?1 AND version = ?2";
    struct lv_sqlite_bind b;
    sqlite3_stmt *st;
    const void *p;
    int n;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    lv_sqlite_bind_int64(&b, version);
    rc = lv_sqlite_run_row(&b, "read kms material", err);
    if (rc != 1) {
        return rc;
    }
    st = b.st;
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

static void bind_material(struct lv_sqlite_bind *b, void *ctx, const void *last,
                          int n)
{
    struct material_walk *mw = ctx;
    const struct lv_kms_material *m = last;

    lv_sqlite_bind_text(b, mw->key_id);
    lv_sqlite_bind_int64(b, m ? m->version : mw->after);
    lv_sqlite_bind_int64(b, n);
}

static void read_material(sqlite3_stmt *st, void *row)
{
    struct lv_kms_material *m = row;

    m->version = (uint32_t)sqlite3_column_int64(st, 0);
    m->created = sqlite3_column_double(st, 1);
    lv_sqlite_col_field(st, 2, F(m, rotation_type), "material rotation type");
}

static int call_material(void *ctx, const void *row)
{
    struct material_walk *mw = ctx;

    return mw->fn(mw->arg, row);
}

int lv_sqlite_kms_material_list(void *impl, const char *key_id, uint32_t after,
                                int limit, lv_kms_material_fn fn, void *arg,
                                struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT version, created, rotation_type FROM kms_material"
        " WHERE key_id = ?1 AND version > ?2 ORDER BY version LIMIT ?3";
    struct material_walk mw = { key_id, after, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list kms material", sizeof(struct lv_kms_material), limit,
        &mw, bind_material, read_material, NULL, call_material,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_kms_material_destroy(void *impl, const char *key_id,
                                   struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "DELETE FROM kms_material WHERE key_id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    return changed(s, lv_sqlite_run_done(&b, "destroy kms material",
                                         err));
}

/* ---- aliases ----------------------------------------------------------- */

#define ALIAS_COLS "account, region, name, key_id, creation_date, last_updated"

static void read_alias(sqlite3_stmt *st, void *row)
{
    struct lv_kms_alias *a = row;

    lv_sqlite_col_field(st, 0, F(a, account), "alias account");
    lv_sqlite_col_field(st, 1, F(a, region), "alias region");
    lv_sqlite_col_field(st, 2, F(a, name), "alias name");
    lv_sqlite_col_field(st, 3, F(a, key_id), "alias key id");
    a->creation_date = sqlite3_column_double(st, 4);
    a->last_updated = sqlite3_column_double(st, 5);
}

int lv_sqlite_kms_alias_insert(void *impl, const struct lv_kms_alias *a,
                               struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* Only the primary key's conflict is "exists"; any other constraint
     * still fails as an error. */
    static const char sql[] =
        "INSERT INTO kms_aliases (" ALIAS_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(a, account));
    lv_sqlite_bind_field(&b, F(a, region));
    lv_sqlite_bind_field(&b, F(a, name));
    lv_sqlite_bind_field(&b, F(a, key_id));
    lv_sqlite_bind_double(&b, a->creation_date);
    lv_sqlite_bind_double(&b, a->last_updated);
    if (changed(s, lv_sqlite_run_done(&b, "insert kms alias", err)) < 0) {
        return -1;
    }
    return lv_sqlite_changes(b.st) == 0 ? 1 : 0;
}

int lv_sqlite_kms_alias_get(void *impl, const char *account,
                            const char *region, const char *name,
                            struct lv_kms_alias *out, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name = ?3";
    struct lv_kms_alias a;
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    memset(&a, 0, sizeof(a));
    rc = lv_sqlite_run_one(&b, read_alias, &a, "read kms alias", err);
    if (rc == 1) {
        *out = a;
    }
    return rc;
}

int lv_sqlite_kms_alias_update(void *impl, const struct lv_kms_alias *a,
                               const char *from_key_id, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_aliases SET key_id = ?1, last_updated = ?2"
        " WHERE account = ?3 AND region = ?4 AND name = ?5 AND key_id = ?6"
        " AND EXISTS (SELECT 1 FROM kms_keys"
        " WHERE id = ?1 AND material_destroyed = 0)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(a, key_id));
    lv_sqlite_bind_double(&b, a->last_updated);
    lv_sqlite_bind_field(&b, F(a, account));
    lv_sqlite_bind_field(&b, F(a, region));
    lv_sqlite_bind_field(&b, F(a, name));
    lv_sqlite_bind_text(&b, from_key_id);
    return changed(s, lv_sqlite_run_changed(&b, "update kms alias", err));
}

int lv_sqlite_kms_alias_delete(void *impl, const char *account,
                               const char *region, const char *name,
                               const char *from_key_id, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "DELETE FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name = ?3 AND key_id = ?4";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, account);
    lv_sqlite_bind_text(&b, region);
    lv_sqlite_bind_text(&b, name);
    lv_sqlite_bind_text(&b, from_key_id);
    return changed(s, lv_sqlite_run_changed(&b, "delete kms alias", err));
}

struct alias_walk {
    const char *account;
    const char *region;
    const char *key_id;
    const char *after;
    lv_kms_alias_fn fn;
    void *arg;
};

static void bind_alias_list(struct lv_sqlite_bind *b, void *ctx,
                            const void *last, int n)
{
    struct alias_walk *aw = ctx;
    const struct lv_kms_alias *a = last;

    lv_sqlite_bind_text(b, aw->account);
    lv_sqlite_bind_text(b, aw->region);
    lv_sqlite_bind_text(b, a ? a->name : aw->after);
    lv_sqlite_bind_int64(b, n);
    if (aw->key_id) {
        lv_sqlite_bind_text(b, aw->key_id);
    }
}

static int call_alias(void *ctx, const void *row)
{
    struct alias_walk *aw = ctx;

    return aw->fn(aw->arg, row);
}

int lv_sqlite_kms_alias_list(void *impl, const char *account,
                             const char *region, const char *key_id,
                             const char *after, int limit, lv_kms_alias_fn fn,
                             void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql_all[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name > ?3"
        " ORDER BY name LIMIT ?4";
    static const char sql_key[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = ?1 AND region = ?2 AND name > ?3 AND key_id = ?5"
        " ORDER BY name LIMIT ?4";
    struct alias_walk aw = { account, region, key_id, after, fn, arg };
    struct lv_sqlite_walk w = {
        key_id ? sql_key : sql_all, "list kms aliases",
        sizeof(struct lv_kms_alias), limit, &aw, bind_alias_list,
        read_alias, NULL, call_alias,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_kms_alias_delete_for_key(void *impl, const char *key_id,
                                       struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "DELETE FROM kms_aliases WHERE key_id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    return changed(s, lv_sqlite_run_done(&b, "delete kms aliases of key",
                                         err));
}

/* ---- grants ------------------------------------------------------------ */

#define GRANT_COLS                                                           \
    "id, key_id, name, grantee, retiring, issuing_account, operations,"     \
    " constraints, creation_date"

static void read_grant(sqlite3_stmt *st, void *row)
{
    struct lv_kms_grant *g = row;

    lv_sqlite_col_field(st, 0, F(g, id), "grant id");
    lv_sqlite_col_field(st, 1, F(g, key_id), "grant key id");
    g->name = lv_sqlite_col_dup(st, 2);
    g->grantee = lv_sqlite_col_dup(st, 3);
    g->retiring = lv_sqlite_col_dup(st, 4);
    g->issuing_account = lv_sqlite_col_dup(st, 5);
    g->operations = lv_sqlite_col_dup(st, 6);
    g->constraints = lv_sqlite_col_dup(st, 7);
    g->creation_date = sqlite3_column_double(st, 8);
}

static void release_grant_row(void *row)
{
    lv_kms_grant_release(row);
}

int lv_sqlite_kms_grant_insert(void *impl, const struct lv_kms_grant *g,
                               struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "INSERT INTO kms_grants (" GRANT_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(g, id));
    lv_sqlite_bind_field(&b, F(g, key_id));
    lv_sqlite_bind_text(&b, g->name);
    lv_sqlite_bind_text(&b, g->grantee);
    lv_sqlite_bind_text(&b, g->retiring);
    lv_sqlite_bind_text(&b, g->issuing_account);
    lv_sqlite_bind_text(&b, g->operations);
    lv_sqlite_bind_text(&b, g->constraints);
    lv_sqlite_bind_double(&b, g->creation_date);
    return changed(s, lv_sqlite_run_done(&b, "insert kms grant", err));
}

int lv_sqlite_kms_grant_get(void *impl, const char *grant_id,
                            struct lv_kms_grant *out, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " GRANT_COLS " FROM kms_grants WHERE id = ?1";
    struct lv_kms_grant g;
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, grant_id);
    lv_kms_grant_init(&g);
    rc = lv_sqlite_run_one(&b, read_grant, &g, "read kms grant", err);
    if (rc != 1) {
        lv_kms_grant_release(&g);
        return rc;
    }
    lv_kms_grant_release(out);
    *out = g;
    return 1;
}

int lv_sqlite_kms_grant_delete(void *impl, const char *grant_id,
                               struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "DELETE FROM kms_grants WHERE id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, grant_id);
    return changed(s, lv_sqlite_run_done(&b, "delete kms grant", err));
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
static void bind_grant_list(struct lv_sqlite_bind *b, void *ctx,
                            const void *last, int n)
{
    struct grant_walk *gw = ctx;
    const struct lv_kms_grant *g = last;

    lv_sqlite_bind_text(b, g ? g->id : gw->after);
    lv_sqlite_bind_int64(b, n);
    if (gw->key_id) {
        lv_sqlite_bind_text(b, gw->key_id);
    }
    if (gw->retiring) {
        lv_sqlite_bind_text(b, gw->retiring);
    }
}

static int call_grant(void *ctx, const void *row)
{
    struct grant_walk *gw = ctx;

    return gw->fn(gw->arg, row);
}

int lv_sqlite_kms_grant_list(void *impl, const char *key_id,
                             const char *retiring, const char *after,
                             int limit, lv_kms_grant_fn fn, void *arg,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
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
    struct lv_sqlite_walk w = {
        sqls[(key_id != NULL) + 2 * (retiring != NULL)], "list kms grants",
        sizeof(struct lv_kms_grant), limit, &gw, bind_grant_list,
        read_grant, release_grant_row, call_grant,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_kms_grant_delete_for_key(void *impl, const char *key_id,
                                       struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] = "DELETE FROM kms_grants WHERE key_id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    return changed(s, lv_sqlite_run_done(&b, "delete kms grants of key",
                                         err));
}

/* ---- tags -------------------------------------------------------------- */

int lv_sqlite_kms_tag_set(void *impl, const char *key_id, const char *tag_key,
                          const char *value, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "INSERT INTO kms_tags (key_id, tag_key, value) VALUES (?1, ?2, ?3)"
        " ON CONFLICT (key_id, tag_key) DO UPDATE SET value = excluded.value";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    lv_sqlite_bind_text(&b, tag_key);
    lv_sqlite_bind_text(&b, value);
    return lv_sqlite_run_done(&b, "set kms tag", err);
}

int lv_sqlite_kms_tag_delete(void *impl, const char *key_id,
                             const char *tag_key, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "DELETE FROM kms_tags WHERE key_id = ?1 AND tag_key = ?2";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    lv_sqlite_bind_text(&b, tag_key);
    return lv_sqlite_run_done(&b, "delete kms tag", err);
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

static void bind_tag_list(struct lv_sqlite_bind *b, void *ctx,
                          const void *last, int n)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = last;

    lv_sqlite_bind_text(b, tw->key_id);
    lv_sqlite_bind_text(b, t ? t->key : tw->after);
    lv_sqlite_bind_int64(b, n);
}

static void read_tag(sqlite3_stmt *st, void *row)
{
    struct tag_row *t = row;

    t->key = lv_sqlite_col_dup(st, 0);
    t->value = lv_sqlite_col_dup(st, 1);
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

int lv_sqlite_kms_tag_list(void *impl, const char *key_id, const char *after,
                           int limit, lv_kms_tag_fn fn, void *arg,
                           struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT tag_key, value FROM kms_tags"
        " WHERE key_id = ?1 AND tag_key > ?2 ORDER BY tag_key LIMIT ?3";
    struct tag_walk tw = { key_id, after, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list kms tags", sizeof(struct tag_row), limit, &tw,
        bind_tag_list, read_tag, release_tag_row, call_tag,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_kms_tag_count(void *impl, const char *key_id, int *n,
                            struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT count(*) FROM kms_tags WHERE key_id = ?1";
    struct lv_sqlite_bind b;
    int64_t v;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, key_id);
    if (lv_sqlite_run_int(&b, &v, "count kms tags", err) < 0) {
        return -1;
    }
    *n = (int)v;
    return 0;
}

/* ---- custom key stores -------------------------------------------------- */

#define CKS_COLS                                                             \
    "id, account, region, name, type, cluster_id, trust_anchor, state,"     \
    " error_code, creation_date"

static void read_cks(sqlite3_stmt *st, void *row)
{
    struct lv_kms_cks *c = row;

    lv_sqlite_col_field(st, 0, F(c, id), "custom key store id");
    lv_sqlite_col_field(st, 1, F(c, account), "custom key store account");
    lv_sqlite_col_field(st, 2, F(c, region), "custom key store region");
    lv_sqlite_col_field(st, 3, F(c, name), "custom key store name");
    lv_sqlite_col_field(st, 4, F(c, type), "custom key store type");
    lv_sqlite_col_field(st, 5, F(c, cluster_id), "custom key store cluster");
    c->trust_anchor = lv_sqlite_col_dup(st, 6);
    lv_sqlite_col_field(st, 7, F(c, state), "custom key store state");
    lv_sqlite_col_field(st, 8, F(c, error_code), "custom key store error");
    c->creation_date = sqlite3_column_double(st, 9);
}

static void release_cks_row(void *row)
{
    lv_kms_cks_release(row);
}

int lv_sqlite_kms_cks_insert(void *impl, const struct lv_kms_cks *c,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    /* The id's and the scoped name's conflicts are "exists". */
    static const char sql[] =
        "INSERT INTO kms_custom_key_stores (" CKS_COLS ")"
        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
        " ON CONFLICT DO NOTHING";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(c, id));
    lv_sqlite_bind_field(&b, F(c, account));
    lv_sqlite_bind_field(&b, F(c, region));
    lv_sqlite_bind_field(&b, F(c, name));
    lv_sqlite_bind_field(&b, F(c, type));
    lv_sqlite_bind_field(&b, F(c, cluster_id));
    lv_sqlite_bind_text(&b, c->trust_anchor ? c->trust_anchor : "");
    lv_sqlite_bind_field(&b, F(c, state));
    lv_sqlite_bind_field(&b, F(c, error_code));
    lv_sqlite_bind_double(&b, c->creation_date);
    if (changed(s, lv_sqlite_run_done(&b, "insert kms custom key store",
                                      err)) < 0) {
        return -1;
    }
    return lv_sqlite_changes(b.st) == 0 ? 1 : 0;
}

int lv_sqlite_kms_cks_get(void *impl, const char *id, struct lv_kms_cks *out,
                          struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " CKS_COLS " FROM kms_custom_key_stores WHERE id = ?1";
    struct lv_kms_cks c;
    struct lv_sqlite_bind b;
    int rc;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    lv_kms_cks_init(&c);
    rc = lv_sqlite_run_one(&b, read_cks, &c, "read kms custom key store",
                           err);
    if (rc != 1) {
        lv_kms_cks_release(&c);
        return rc;
    }
    lv_kms_cks_release(out);
    *out = c;
    return 1;
}

int lv_sqlite_kms_cks_update(void *impl, const struct lv_kms_cks *c,
                             struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "UPDATE kms_custom_key_stores SET name = ?2, cluster_id = ?3,"
        " trust_anchor = ?4, state = ?5, error_code = ?6 WHERE id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_field(&b, F(c, id));
    lv_sqlite_bind_field(&b, F(c, name));
    lv_sqlite_bind_field(&b, F(c, cluster_id));
    lv_sqlite_bind_text(&b, c->trust_anchor ? c->trust_anchor : "");
    lv_sqlite_bind_field(&b, F(c, state));
    lv_sqlite_bind_field(&b, F(c, error_code));
    return changed(s, lv_sqlite_run_changed(&b, "update kms custom key store",
                                            err));
}

int lv_sqlite_kms_cks_delete(void *impl, const char *id, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "DELETE FROM kms_custom_key_stores WHERE id = ?1";
    struct lv_sqlite_bind b;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    return changed(s, lv_sqlite_run_changed(&b, "delete kms custom key store",
                                            err));
}

struct cks_walk {
    const char *account;
    const char *region;
    const char *after;
    lv_kms_cks_fn fn;
    void *arg;
};

static void bind_cks_list(struct lv_sqlite_bind *b, void *ctx,
                          const void *last, int n)
{
    struct cks_walk *cw = ctx;
    const struct lv_kms_cks *c = last;

    lv_sqlite_bind_text(b, cw->account);
    lv_sqlite_bind_text(b, cw->region);
    lv_sqlite_bind_text(b, c ? c->id : cw->after);
    lv_sqlite_bind_int64(b, n);
}

static int call_cks(void *ctx, const void *row)
{
    struct cks_walk *cw = ctx;

    return cw->fn(cw->arg, row);
}

int lv_sqlite_kms_cks_list(void *impl, const char *account,
                           const char *region, const char *after, int limit,
                           lv_kms_cks_fn fn, void *arg, struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT " CKS_COLS " FROM kms_custom_key_stores"
        " WHERE account = ?1 AND region = ?2 AND id > ?3"
        " ORDER BY id LIMIT ?4";
    struct cks_walk cw = { account, region, after, fn, arg };
    struct lv_sqlite_walk w = {
        sql, "list kms custom key stores", sizeof(struct lv_kms_cks), limit,
        &cw, bind_cks_list, read_cks, release_cks_row, call_cks,
    };

    return lv_sqlite_walk_run(s, &w, err);
}

int lv_sqlite_kms_cks_key_count(void *impl, const char *id, int *n,
                                struct lv_err *err)
{
    struct lv_sqlite *s = impl;
    static const char sql[] =
        "SELECT count(*) FROM kms_keys"
        " WHERE custom_key_store_id = ?1 AND state <> 'Deleted'";
    struct lv_sqlite_bind b;
    int64_t v;

    if (lv_sqlite_start(s, sql, &b, err) < 0) {
        return -1;
    }
    lv_sqlite_bind_text(&b, id);
    if (lv_sqlite_run_int(&b, &v, "count kms keys of custom key store",
                          err) < 0) {
        return -1;
    }
    *n = (int)v;
    return 0;
}
