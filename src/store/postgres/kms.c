/*
 * postgres/kms.c: kms_store.h on the PostgreSQL backend — keys, sealed
 * material versions, aliases, grants and tags in the kms_* tables
 * (schema_kms.c), with the behaviour of sqlite/kms.c: the same row-version
 * guards, the same answers for "not found" and "exists", lists in the same
 * orders (text compares byte-wise: COLLATE "C" in the schema).
 *
 * Every write runs in a nested level of its own (lv_pg_begin, a savepoint
 * inside the caller's transaction) together with lv_pg_kms_changed(), which
 * moves the database's KMS generation: the write and the move land
 * together, so a node that reads the generation unchanged may keep what
 * it cached. The sealed material is bound and read as bytea, never logged.
 *
 * Lists run in batches (lv_pg_walk_run() in util.c): a batch of rows is
 * copied out and the result freed before the caller's function runs, so
 * that it may itself use the store; the next batch resumes after the last
 * row seen (keyset paging).
 */
#include "store/kms_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/postgres/pg_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#define F(k, f) (k)->f, sizeof((k)->f)

/* ---- writes ------------------------------------------------------------ */

/*
 * A write of KMS records: sql with p in a nested level, with the KMS
 * generation moved when it succeeded. `changed` 1 answers whether it
 * changed (or returned) a row: 1/0; else 0. -1 with *err on a fault.
 */
static int write_kms(struct lv_pg *q, const char *sql,
                     const struct lv_pg_params *p, int changed,
                     const char *what, struct lv_err *err)
{
    int rc;

    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    rc = changed ? lv_pg_changed(q, sql, p, what, err)
                 : lv_pg_run(q, sql, p, what, err);
    if (rc >= 0 && lv_pg_kms_changed(q, err) < 0) {
        rc = -1;
    }
    if (rc < 0) {
        lv_pg_rollback(q);
        return -1;
    }
    return lv_pg_commit(q, err) < 0 ? -1 : rc;
}

/* ---- keys -------------------------------------------------------------- */

#define KEY_COLS                                                             \
    "id, arn, account, region, description, key_spec, key_usage, state,"    \
    " origin, creation_date, deletion_date, pending_window_days, policy,"   \
    " rotation_enabled, rotation_period_days, next_rotation_date,"          \
    " current_version, on_demand_rotations, material_destroyed, row_version,"\
    " expiration_model, valid_to, import_fingerprint, primary_region,"\
    " custom_key_store_id, key_manager"

/* A row of KEY_COLS into k (initialised, owning nothing). */
static void read_key(const PGresult *r, int row, void *out)
{
    struct lv_kms_key *k = out;

    lv_pg_get_field(r, row, 0, F(k, id), "key id");
    lv_pg_get_field(r, row, 1, F(k, arn), "key arn");
    lv_pg_get_field(r, row, 2, F(k, account), "key account");
    lv_pg_get_field(r, row, 3, F(k, region), "key region");
    k->description = lv_pg_get_dup(r, row, 4);
    lv_pg_get_field(r, row, 5, F(k, key_spec), "key spec");
    lv_pg_get_field(r, row, 6, F(k, key_usage), "key usage");
    lv_pg_get_field(r, row, 7, F(k, state), "key state");
    lv_pg_get_field(r, row, 8, F(k, origin), "key origin");
    k->creation_date = lv_pg_get_double(r, row, 9);
    k->deletion_date = lv_pg_get_double(r, row, 10);
    k->pending_window_days = (int)lv_pg_get_int64(r, row, 11);
    k->policy = lv_pg_get_dup(r, row, 12);
    k->rotation_enabled = (int)lv_pg_get_int64(r, row, 13);
    k->rotation_period_days = (int)lv_pg_get_int64(r, row, 14);
    k->next_rotation_date = lv_pg_get_double(r, row, 15);
    k->current_version = (uint32_t)lv_pg_get_int64(r, row, 16);
    k->on_demand_rotations = (int)lv_pg_get_int64(r, row, 17);
    k->material_destroyed = (int)lv_pg_get_int64(r, row, 18);
    k->row_version = (uint64_t)lv_pg_get_int64(r, row, 19);
    lv_pg_get_field(r, row, 20, F(k, expiration_model), "expiration model");
    k->valid_to = lv_pg_get_double(r, row, 21);
    lv_pg_get_field(r, row, 22, F(k, import_fingerprint),
                    "import fingerprint");
    lv_pg_get_field(r, row, 23, F(k, primary_region), "primary region");
    lv_pg_get_field(r, row, 24, F(k, custom_key_store_id),
                    "custom key store id");
    lv_pg_get_field(r, row, 25, F(k, key_manager), "key manager");
}

static void release_key_row(void *row)
{
    lv_kms_key_release(row);
}

/* Inserts material version m of key_id; part of the caller's level. */
static int material_insert(struct lv_pg *q, const char *key_id,
                           const struct lv_kms_material *m,
                           const void *sealed, size_t sealed_len,
                           struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_material (key_id, version, created, rotation_type,"
        " sealed) VALUES ($1, $2, $3, $4, $5)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    lv_pg_param_int64(&p, m->version);
    lv_pg_param_double(&p, m->created);
    lv_pg_param_field(&p, F(m, rotation_type));
    lv_pg_param_bytea(&p, sealed, sealed_len);
    return lv_pg_run(q, sql, &p, "insert kms material", err);
}

int lv_pg_kms_key_insert(void *impl, const struct lv_kms_key *k,
                         const void *sealed, size_t sealed_len,
                         struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_keys (" KEY_COLS ") VALUES ($1, $2, $3, $4, $5,"
        " $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19,"
        " $20, $21, $22, $23, $24, $25, $26)";
    struct lv_pg *q = impl;
    struct lv_kms_material m;
    struct lv_pg_params p;
    char id[sizeof(k->id)];

    memset(&m, 0, sizeof(m));
    m.version = 1;
    m.created = k->creation_date;
    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(k, id));
    lv_pg_param_field(&p, F(k, arn));
    lv_pg_param_field(&p, F(k, account));
    lv_pg_param_field(&p, F(k, region));
    lv_pg_param_text(&p, k->description);
    lv_pg_param_field(&p, F(k, key_spec));
    lv_pg_param_field(&p, F(k, key_usage));
    lv_pg_param_field(&p, F(k, state));
    lv_pg_param_field(&p, F(k, origin));
    lv_pg_param_double(&p, k->creation_date);
    lv_pg_param_double(&p, k->deletion_date);
    lv_pg_param_int64(&p, k->pending_window_days);
    lv_pg_param_text(&p, k->policy);
    lv_pg_param_int64(&p, k->rotation_enabled);
    lv_pg_param_int64(&p, k->rotation_period_days);
    lv_pg_param_double(&p, k->next_rotation_date);
    lv_pg_param_int64(&p, k->current_version);
    lv_pg_param_int64(&p, k->on_demand_rotations);
    lv_pg_param_int64(&p, k->material_destroyed);
    lv_pg_param_int64(&p, (int64_t)k->row_version);
    lv_pg_param_field(&p, F(k, expiration_model));
    lv_pg_param_double(&p, k->valid_to);
    lv_pg_param_field(&p, F(k, import_fingerprint));
    lv_pg_param_field(&p, F(k, primary_region));
    lv_pg_param_field(&p, F(k, custom_key_store_id));
    lv_pg_param_field(&p, F(k, key_manager));
    snprintf(id, sizeof(id), "%.*s", (int)strnlen(k->id, sizeof(k->id) - 1),
             k->id);
    /* The key and its first material land together or not at all. */
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    if (lv_pg_run(q, sql, &p, "insert kms key", err) < 0 ||
        (sealed_len > 0 &&
         material_insert(q, id, &m, sealed, sealed_len, err) < 0) ||
        lv_pg_kms_changed(q, err) < 0) {
        lv_pg_rollback(q);
        return -1;
    }
    return lv_pg_commit(q, err);
}

/* A single-row query: 1 with read() called on it, 0 when no row, -1. */
static int query_one(struct lv_pg *q, const char *sql,
                     const struct lv_pg_params *p,
                     void (*read)(const PGresult *r, int row, void *out),
                     void *out, const char *what, struct lv_err *err)
{
    PGresult *res;
    int ret = 0;

    if (lv_pg_query(q, sql, p, LV_PG_TEXT, &res, what, err) < 0) {
        return -1;
    }
    if (PQntuples(res) > 0) {
        read(res, 0, out);
        ret = 1;
    }
    PQclear(res);
    return ret;
}

/*
 * Inside a transaction the key is read FOR UPDATE: a transaction reads a
 * key to decide a change of it (lv_kms_key_change), and its row lock,
 * held to the end, makes the record read the one the change is made on,
 * as SQLite's write lock taken at BEGIN does. Read without it, a change
 * of a key that other requests keep writing could lose the row-version
 * race every time it tried (each retry reading a version that a writer
 * holding the row was about to move on).
 */
int lv_pg_kms_key_get(void *impl, const char *id, struct lv_kms_key *out,
                      struct lv_err *err)
{
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys WHERE id = $1";
    static const char sql_txn[] =
        "SELECT " KEY_COLS " FROM kms_keys WHERE id = $1 FOR UPDATE";
    struct lv_kms_key k;
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_kms_key_init(&k);
    rc = query_one(impl, lv_pg_txn_depth(impl) > 0 ? sql_txn : sql, &p,
                   read_key, &k, "read kms key", err);
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
 * the one the caller read ($1 the id, $2 that row_version). */
#define KEY_GUARD \
    " row_version = row_version + 1 WHERE id = $1 AND row_version = $2"

static void start_change(struct lv_pg_params *p, const char *id,
                         uint64_t row_version)
{
    lv_pg_params_init(p);
    lv_pg_param_text(p, id);
    lv_pg_param_int64(p, (int64_t)row_version);
}

int lv_pg_kms_key_set_description(void *impl, const char *id,
                                  uint64_t row_version,
                                  const char *description, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET description = $3," KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    lv_pg_param_text(&p, description);
    return write_kms(impl, sql, &p, 1, "set kms key description", err);
}

int lv_pg_kms_key_set_state(void *impl, const char *id, uint64_t row_version,
                            const char *state, struct lv_err *err)
{
    static const char sql[] = "UPDATE kms_keys SET state = $3," KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    lv_pg_param_text(&p, state);
    return write_kms(impl, sql, &p, 1, "set kms key state", err);
}

int lv_pg_kms_key_set_policy(void *impl, const char *id,
                             uint64_t row_version, const char *policy,
                             struct lv_err *err)
{
    static const char sql[] = "UPDATE kms_keys SET policy = $3," KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    lv_pg_param_text(&p, policy);
    return write_kms(impl, sql, &p, 1, "set kms key policy", err);
}

int lv_pg_kms_key_schedule_deletion(void *impl, const char *id,
                                    uint64_t row_version,
                                    double deletion_date, int window_days,
                                    struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET state = 'PendingDeletion', deletion_date = $3,"
        " pending_window_days = $4," KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    lv_pg_param_double(&p, deletion_date);
    lv_pg_param_int64(&p, window_days);
    return write_kms(impl, sql, &p, 1, "schedule kms key deletion", err);
}

int lv_pg_kms_key_cancel_deletion(void *impl, const char *id,
                                  uint64_t row_version, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET state = 'Disabled', deletion_date = 0,"
        " pending_window_days = 0," KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    return write_kms(impl, sql, &p, 1, "cancel kms key deletion", err);
}

int lv_pg_kms_key_set_rotation(void *impl, const char *id,
                               uint64_t row_version, int enabled,
                               int period_days, double next_rotation_date,
                               struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET rotation_enabled = $3,"
        " rotation_period_days = $4, next_rotation_date = $5," KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    lv_pg_param_int64(&p, enabled ? 1 : 0);
    lv_pg_param_int64(&p, period_days);
    lv_pg_param_double(&p, next_rotation_date);
    return write_kms(impl, sql, &p, 1, "set kms key rotation", err);
}

int lv_pg_kms_key_rotate(void *impl, const char *id, uint64_t row_version,
                         const struct lv_kms_material *m, const void *sealed,
                         size_t sealed_len, struct lv_err *err)
{
    /* The version is checked against the row in the same statement that
     * makes it current, so two rotations can never both take one version
     * (the second waits for the first's row lock, then its guard fails
     * before its material is inserted). */
    static const char sql[] =
        "UPDATE kms_keys SET current_version = $3,"
        " on_demand_rotations = on_demand_rotations + $4::bigint,"
        " next_rotation_date = CASE WHEN $4::bigint = 0"
        " AND rotation_enabled <> 0"
        " THEN $5::float8 + rotation_period_days * 86400.0::float8"
        " ELSE next_rotation_date END," KEY_GUARD
        " AND current_version = $3::bigint - 1";
    struct lv_pg *q = impl;
    struct lv_pg_params p;
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
    start_change(&p, id, row_version);
    lv_pg_param_int64(&p, m->version);
    lv_pg_param_int64(&p, on_demand);
    lv_pg_param_double(&p, m->created);
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    rc = lv_pg_changed(q, sql, &p, "rotate kms key", err);
    if (rc == 1 && (material_insert(q, id, m, sealed, sealed_len, err) < 0 ||
                    lv_pg_kms_changed(q, err) < 0)) {
        rc = -1;
    }
    if (rc != 1) {
        lv_pg_rollback(q);
        return rc;
    }
    return lv_pg_commit(q, err) < 0 ? -1 : 1;
}

int lv_pg_kms_key_import(void *impl, const char *id, uint64_t row_version,
                         const struct lv_kms_import *imp, const void *sealed,
                         size_t sealed_len, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET state = $3, expiration_model = $4,"
        " valid_to = $5, import_fingerprint = $6, current_version = 1,"
        KEY_GUARD;
    struct lv_pg *q = impl;
    struct lv_kms_material m;
    struct lv_pg_params p;
    int rc;

    memset(&m, 0, sizeof(m));
    m.version = 1;
    m.created = imp->created;
    start_change(&p, id, row_version);
    lv_pg_param_field(&p, F(imp, state));
    lv_pg_param_field(&p, F(imp, expiration_model));
    lv_pg_param_double(&p, imp->valid_to);
    lv_pg_param_field(&p, F(imp, fingerprint));
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    rc = lv_pg_changed(q, sql, &p, "import kms key material", err);
    if (rc == 1 &&
        (lv_pg_kms_material_destroy(q, id, err) < 0 ||
         material_insert(q, id, &m, sealed, sealed_len, err) < 0 ||
         lv_pg_kms_changed(q, err) < 0)) {
        rc = -1;
    }
    if (rc != 1) {
        lv_pg_rollback(q);
        return rc;
    }
    return lv_pg_commit(q, err) < 0 ? -1 : 1;
}

int lv_pg_kms_key_delete_material(void *impl, const char *id,
                                  uint64_t row_version, const char *state,
                                  struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET state = $3, expiration_model = '',"
        " valid_to = 0," KEY_GUARD;
    struct lv_pg *q = impl;
    struct lv_pg_params p;
    int rc;

    start_change(&p, id, row_version);
    lv_pg_param_text(&p, state);
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    rc = lv_pg_changed(q, sql, &p, "delete kms key material", err);
    if (rc == 1 && (lv_pg_kms_material_destroy(q, id, err) < 0 ||
                    lv_pg_kms_changed(q, err) < 0)) {
        rc = -1;
    }
    if (rc != 1) {
        lv_pg_rollback(q);
        return rc;
    }
    return lv_pg_commit(q, err) < 0 ? -1 : 1;
}

int lv_pg_kms_key_destroy(void *impl, const char *id, uint64_t row_version,
                          struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET state = 'Deleted', material_destroyed = 1,"
        " rotation_enabled = 0, next_rotation_date = 0," KEY_GUARD;
    struct lv_pg *q = impl;
    struct lv_pg_params p;
    int rc;

    start_change(&p, id, row_version);
    if (lv_pg_begin(q, err) < 0) {
        return -1;
    }
    rc = lv_pg_changed(q, sql, &p, "destroy kms key", err);
    if (rc == 1 &&
        (lv_pg_kms_material_destroy(q, id, err) < 0 ||
         lv_pg_kms_alias_delete_for_key(q, id, err) < 0 ||
         lv_pg_kms_grant_delete_for_key(q, id, err) < 0 ||
         lv_pg_kms_changed(q, err) < 0)) {
        rc = -1;
    }
    if (rc != 1) {
        lv_pg_rollback(q);
        return rc;
    }
    return lv_pg_commit(q, err) < 0 ? -1 : 1;
}

int lv_pg_kms_key_hold(void *impl, const char *id, uint64_t row_version,
                       struct lv_err *err)
{
    static const char sql[] = "UPDATE kms_keys SET" KEY_GUARD;
    struct lv_pg_params p;

    start_change(&p, id, row_version);
    return write_kms(impl, sql, &p, 1, "hold kms key", err);
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

static void bind_key_list(struct lv_pg_params *p, void *ctx,
                          const void *last, int n)
{
    struct key_walk *kw = ctx;
    const struct lv_kms_key *k = last;

    lv_pg_param_text(p, kw->account);
    lv_pg_param_text(p, kw->region);
    lv_pg_param_text(p, k ? k->id : kw->after);
    lv_pg_param_int64(p, n);
}

int lv_pg_kms_key_list(void *impl, const char *account, const char *region,
                       const char *after, int limit, lv_kms_key_fn fn,
                       void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE account = $1 AND region = $2 AND id > $3"
        " ORDER BY id LIMIT $4";
    struct key_walk kw = { account, region, after, 0, fn, arg };
    struct lv_pg_walk w = {
        sql, "list kms keys", sizeof(struct lv_kms_key), limit, &kw,
        bind_key_list, read_key, release_key_row, call_key,
    };

    return lv_pg_walk_run(impl, &w, err);
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

static void bind_key_mr(struct lv_pg_params *p, void *ctx, const void *last,
                        int n)
{
    struct mr_walk *mw = ctx;
    const struct lv_kms_key *k = last;

    lv_pg_param_text(p, k ? k->id : mw->lo);
    lv_pg_param_text(p, mw->hi);
    lv_pg_param_int64(p, n);
}

int lv_pg_kms_key_mr_list(void *impl, const char *key_id, lv_kms_key_fn fn,
                          void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE id > $1 AND id < $2 ORDER BY id LIMIT $3";
    struct mr_walk mw;
    struct lv_pg_walk w = {
        sql, "list multi-Region kms key", sizeof(struct lv_kms_key), 1000,
        &mw, bind_key_mr, read_key, release_key_row, call_mr_key,
    };

    mr_range(key_id, mw.lo, mw.hi);
    mw.fn = fn;
    mw.arg = arg;
    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_kms_key_set_primary(void *impl, const char *key_id,
                              const char *region, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_keys SET primary_region = $3,"
        " row_version = row_version + 1 WHERE id > $1 AND id < $2";
    struct lv_pg_params p;
    char lo[LV_KMS_ID_MAX];
    char hi[LV_KMS_ID_MAX];

    mr_range(key_id, lo, hi);
    lv_pg_params_init(&p);
    lv_pg_param_text(&p, lo);
    lv_pg_param_text(&p, hi);
    lv_pg_param_text(&p, region);
    return write_kms(impl, sql, &p, 0, "set kms key primary region", err);
}

static void bind_key_due(struct lv_pg_params *p, void *ctx, const void *last,
                         int n)
{
    struct key_walk *kw = ctx;
    const struct lv_kms_key *k = last;

    lv_pg_param_double(p, kw->now);
    lv_pg_param_text(p, k ? k->id : "");
    lv_pg_param_int64(p, n);
}

int lv_pg_kms_key_due(void *impl, double now, lv_kms_key_fn fn, void *arg,
                      struct lv_err *err)
{
    /* Three indexed parts; UNION also drops a key due for several reasons
     * to one row. */
    static const char sql[] =
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE state = 'PendingDeletion' AND deletion_date <= $1"
        " AND id > $2"
        " UNION "
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE next_rotation_date > 0 AND next_rotation_date <= $1"
        " AND id > $2"
        " UNION "
        "SELECT " KEY_COLS " FROM kms_keys"
        " WHERE valid_to > 0 AND valid_to <= $1 AND id > $2"
        " ORDER BY 1 LIMIT $3";
    struct key_walk kw = { NULL, NULL, NULL, now, fn, arg };
    struct lv_pg_walk w = {
        sql, "list due kms keys", sizeof(struct lv_kms_key), 0, &kw,
        bind_key_due, read_key, release_key_row, call_key,
    };

    return lv_pg_walk_run(impl, &w, err);
}

/* ---- material versions ------------------------------------------------- */

int lv_pg_kms_material_get(void *impl, const char *key_id, uint32_t version,
                           struct lv_buf *sealed, struct lv_err *err)
{
    static const char sql[] =
        "SELECT sealed FROM kms_material WHERE key_id = $1 AND version = $2";
    struct lv_pg_params p;
    PGresult *res;
    size_t n;
    int ret = -1;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    lv_pg_param_int64(&p, version);
    if (lv_pg_query(impl, sql, &p, LV_PG_BINARY, &res, "read kms material",
                    err) < 0) {
        return -1;
    }
    if (PQntuples(res) == 0) {
        ret = 0;
        goto out;
    }
    n = (size_t)PQgetlength(res, 0, 0);
    if (n > sealed->max) {
        /* *sealed is left as it was: written only on success. */
        lv_log(LV_LOG_ERROR, "store: kms material larger than its buffer "
               "version=%u len=%zu max=%zu", version, n, sealed->max);
        lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "%s",
                   LV_STORE_UNAVAILABLE_MSG);
        goto out;
    }
    if (lv_pg_get_bytea(res, 0, 0, sealed) < 0) {
        LV_BUG("lv_buf_add within max failed");
    }
    ret = 1;
out:
    PQclear(res);
    return ret;
}

struct material_walk {
    const char *key_id;
    uint32_t after;
    lv_kms_material_fn fn;
    void *arg;
};

static void bind_material(struct lv_pg_params *p, void *ctx,
                          const void *last, int n)
{
    struct material_walk *mw = ctx;
    const struct lv_kms_material *m = last;

    lv_pg_param_text(p, mw->key_id);
    lv_pg_param_int64(p, m ? m->version : mw->after);
    lv_pg_param_int64(p, n);
}

static void read_material(const PGresult *r, int row, void *out)
{
    struct lv_kms_material *m = out;

    m->version = (uint32_t)lv_pg_get_int64(r, row, 0);
    m->created = lv_pg_get_double(r, row, 1);
    lv_pg_get_field(r, row, 2, F(m, rotation_type),
                    "material rotation type");
}

static int call_material(void *ctx, const void *row)
{
    struct material_walk *mw = ctx;

    return mw->fn(mw->arg, row);
}

int lv_pg_kms_material_list(void *impl, const char *key_id, uint32_t after,
                            int limit, lv_kms_material_fn fn, void *arg,
                            struct lv_err *err)
{
    static const char sql[] =
        "SELECT version, created, rotation_type FROM kms_material"
        " WHERE key_id = $1 AND version > $2 ORDER BY version LIMIT $3";
    struct material_walk mw = { key_id, after, fn, arg };
    struct lv_pg_walk w = {
        sql, "list kms material", sizeof(struct lv_kms_material), limit,
        &mw, bind_material, read_material, NULL, call_material,
    };

    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_kms_material_destroy(void *impl, const char *key_id,
                               struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_material WHERE key_id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    return write_kms(impl, sql, &p, 0, "destroy kms material", err);
}

/* ---- aliases ----------------------------------------------------------- */

#define ALIAS_COLS "account, region, name, key_id, creation_date, last_updated"

static void read_alias(const PGresult *r, int row, void *out)
{
    struct lv_kms_alias *a = out;

    lv_pg_get_field(r, row, 0, F(a, account), "alias account");
    lv_pg_get_field(r, row, 1, F(a, region), "alias region");
    lv_pg_get_field(r, row, 2, F(a, name), "alias name");
    lv_pg_get_field(r, row, 3, F(a, key_id), "alias key id");
    a->creation_date = lv_pg_get_double(r, row, 4);
    a->last_updated = lv_pg_get_double(r, row, 5);
}

int lv_pg_kms_alias_insert(void *impl, const struct lv_kms_alias *a,
                           struct lv_err *err)
{
    /* Only the primary key's conflict is "exists"; any other constraint
     * still fails as an error. */
    static const char sql[] =
        "INSERT INTO kms_aliases (" ALIAS_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6)"
        " ON CONFLICT (account, region, name) DO NOTHING";
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(a, account));
    lv_pg_param_field(&p, F(a, region));
    lv_pg_param_field(&p, F(a, name));
    lv_pg_param_field(&p, F(a, key_id));
    lv_pg_param_double(&p, a->creation_date);
    lv_pg_param_double(&p, a->last_updated);
    rc = write_kms(impl, sql, &p, 1, "insert kms alias", err);
    if (rc < 0) {
        return -1;
    }
    return rc == 0 ? 1 : 0;
}

int lv_pg_kms_alias_get(void *impl, const char *account, const char *region,
                        const char *name, struct lv_kms_alias *out,
                        struct lv_err *err)
{
    static const char sql[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = $1 AND region = $2 AND name = $3";
    struct lv_kms_alias a;
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    memset(&a, 0, sizeof(a));
    rc = query_one(impl, sql, &p, read_alias, &a, "read kms alias", err);
    if (rc == 1) {
        *out = a;
    }
    return rc;
}

int lv_pg_kms_alias_update(void *impl, const struct lv_kms_alias *a,
                           const char *from_key_id, struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_aliases SET key_id = $1, last_updated = $2"
        " WHERE account = $3 AND region = $4 AND name = $5 AND key_id = $6"
        " AND EXISTS (SELECT 1 FROM kms_keys"
        " WHERE id = $1 AND material_destroyed = 0)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(a, key_id));
    lv_pg_param_double(&p, a->last_updated);
    lv_pg_param_field(&p, F(a, account));
    lv_pg_param_field(&p, F(a, region));
    lv_pg_param_field(&p, F(a, name));
    lv_pg_param_text(&p, from_key_id);
    return write_kms(impl, sql, &p, 1, "update kms alias", err);
}

int lv_pg_kms_alias_delete(void *impl, const char *account,
                           const char *region, const char *name,
                           const char *from_key_id, struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM kms_aliases"
        " WHERE account = $1 AND region = $2 AND name = $3 AND key_id = $4";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, account);
    lv_pg_param_text(&p, region);
    lv_pg_param_text(&p, name);
    lv_pg_param_text(&p, from_key_id);
    return write_kms(impl, sql, &p, 1, "delete kms alias", err);
}

struct alias_walk {
    const char *account;
    const char *region;
    const char *key_id;
    const char *after;
    lv_kms_alias_fn fn;
    void *arg;
};

static void bind_alias_list(struct lv_pg_params *p, void *ctx,
                            const void *last, int n)
{
    struct alias_walk *aw = ctx;
    const struct lv_kms_alias *a = last;

    lv_pg_param_text(p, aw->account);
    lv_pg_param_text(p, aw->region);
    lv_pg_param_text(p, a ? a->name : aw->after);
    lv_pg_param_int64(p, n);
    if (aw->key_id) {
        lv_pg_param_text(p, aw->key_id);
    }
}

static int call_alias(void *ctx, const void *row)
{
    struct alias_walk *aw = ctx;

    return aw->fn(aw->arg, row);
}

int lv_pg_kms_alias_list(void *impl, const char *account, const char *region,
                         const char *key_id, const char *after, int limit,
                         lv_kms_alias_fn fn, void *arg, struct lv_err *err)
{
    static const char sql_all[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = $1 AND region = $2 AND name > $3"
        " ORDER BY name LIMIT $4";
    static const char sql_key[] =
        "SELECT " ALIAS_COLS " FROM kms_aliases"
        " WHERE account = $1 AND region = $2 AND name > $3 AND key_id = $5"
        " ORDER BY name LIMIT $4";
    struct alias_walk aw = { account, region, key_id, after, fn, arg };
    struct lv_pg_walk w = {
        key_id ? sql_key : sql_all, "list kms aliases",
        sizeof(struct lv_kms_alias), limit, &aw, bind_alias_list,
        read_alias, NULL, call_alias,
    };

    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_kms_alias_delete_for_key(void *impl, const char *key_id,
                                   struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_aliases WHERE key_id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    return write_kms(impl, sql, &p, 0, "delete kms aliases of key", err);
}

/* ---- grants ------------------------------------------------------------ */

#define GRANT_COLS                                                           \
    "id, key_id, name, grantee, retiring, issuing_account, operations,"     \
    " constraints, creation_date"

static void read_grant(const PGresult *r, int row, void *out)
{
    struct lv_kms_grant *g = out;

    lv_pg_get_field(r, row, 0, F(g, id), "grant id");
    lv_pg_get_field(r, row, 1, F(g, key_id), "grant key id");
    g->name = lv_pg_get_dup(r, row, 2);
    g->grantee = lv_pg_get_dup(r, row, 3);
    g->retiring = lv_pg_get_dup(r, row, 4);
    g->issuing_account = lv_pg_get_dup(r, row, 5);
    g->operations = lv_pg_get_dup(r, row, 6);
    g->constraints = lv_pg_get_dup(r, row, 7);
    g->creation_date = lv_pg_get_double(r, row, 8);
}

static void release_grant_row(void *row)
{
    lv_kms_grant_release(row);
}

int lv_pg_kms_grant_insert(void *impl, const struct lv_kms_grant *g,
                           struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_grants (" GRANT_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(g, id));
    lv_pg_param_field(&p, F(g, key_id));
    lv_pg_param_text(&p, g->name);
    lv_pg_param_text(&p, g->grantee);
    lv_pg_param_text(&p, g->retiring);
    lv_pg_param_text(&p, g->issuing_account);
    lv_pg_param_text(&p, g->operations);
    lv_pg_param_text(&p, g->constraints);
    lv_pg_param_double(&p, g->creation_date);
    return write_kms(impl, sql, &p, 0, "insert kms grant", err);
}

int lv_pg_kms_grant_get(void *impl, const char *grant_id,
                        struct lv_kms_grant *out, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " GRANT_COLS " FROM kms_grants WHERE id = $1";
    struct lv_kms_grant g;
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, grant_id);
    lv_kms_grant_init(&g);
    rc = query_one(impl, sql, &p, read_grant, &g, "read kms grant", err);
    if (rc != 1) {
        lv_kms_grant_release(&g);
        return rc;
    }
    lv_kms_grant_release(out);
    *out = g;
    return 1;
}

int lv_pg_kms_grant_delete(void *impl, const char *grant_id,
                           struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_grants WHERE id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, grant_id);
    return write_kms(impl, sql, &p, 0, "delete kms grant", err);
}

struct grant_walk {
    const char *key_id;
    const char *retiring;
    const char *after;
    lv_kms_grant_fn fn;
    void *arg;
};

/* $1 after, $2 limit, then $3 key_id and/or $3|$4 retiring as the chosen
 * statement names them. */
static void bind_grant_list(struct lv_pg_params *p, void *ctx,
                            const void *last, int n)
{
    struct grant_walk *gw = ctx;
    const struct lv_kms_grant *g = last;

    lv_pg_param_text(p, g ? g->id : gw->after);
    lv_pg_param_int64(p, n);
    if (gw->key_id) {
        lv_pg_param_text(p, gw->key_id);
    }
    if (gw->retiring) {
        lv_pg_param_text(p, gw->retiring);
    }
}

static int call_grant(void *ctx, const void *row)
{
    struct grant_walk *gw = ctx;

    return gw->fn(gw->arg, row);
}

int lv_pg_kms_grant_list(void *impl, const char *key_id, const char *retiring,
                         const char *after, int limit, lv_kms_grant_fn fn,
                         void *arg, struct lv_err *err)
{
    /* One statement per filter, so each uses its index; indexed by
     * (key_id != NULL) + 2 * (retiring != NULL). */
    static const char sql_any[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE id > $1 ORDER BY id LIMIT $2";
    static const char sql_key[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE key_id = $3 AND id > $1 ORDER BY id LIMIT $2";
    static const char sql_ret[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE retiring = $3 AND id > $1 ORDER BY id LIMIT $2";
    static const char sql_both[] =
        "SELECT " GRANT_COLS " FROM kms_grants"
        " WHERE key_id = $3 AND retiring = $4 AND id > $1"
        " ORDER BY id LIMIT $2";
    static const char *const sqls[4] = { sql_any, sql_key, sql_ret,
                                         sql_both };
    struct grant_walk gw = { key_id, retiring, after, fn, arg };
    struct lv_pg_walk w = {
        sqls[(key_id != NULL) + 2 * (retiring != NULL)], "list kms grants",
        sizeof(struct lv_kms_grant), limit, &gw, bind_grant_list,
        read_grant, release_grant_row, call_grant,
    };

    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_kms_grant_delete_for_key(void *impl, const char *key_id,
                                   struct lv_err *err)
{
    static const char sql[] = "DELETE FROM kms_grants WHERE key_id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    return write_kms(impl, sql, &p, 0, "delete kms grants of key", err);
}

/* ---- tags -------------------------------------------------------------- */

int lv_pg_kms_tag_set(void *impl, const char *key_id, const char *tag_key,
                      const char *value, struct lv_err *err)
{
    static const char sql[] =
        "INSERT INTO kms_tags (key_id, tag_key, value) VALUES ($1, $2, $3)"
        " ON CONFLICT (key_id, tag_key) DO UPDATE SET value = excluded.value";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    lv_pg_param_text(&p, tag_key);
    lv_pg_param_text(&p, value);
    return write_kms(impl, sql, &p, 0, "set kms tag", err);
}

int lv_pg_kms_tag_delete(void *impl, const char *key_id, const char *tag_key,
                         struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM kms_tags WHERE key_id = $1 AND tag_key = $2";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    lv_pg_param_text(&p, tag_key);
    return write_kms(impl, sql, &p, 0, "delete kms tag", err);
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

static void bind_tag_list(struct lv_pg_params *p, void *ctx,
                          const void *last, int n)
{
    struct tag_walk *tw = ctx;
    const struct tag_row *t = last;

    lv_pg_param_text(p, tw->key_id);
    lv_pg_param_text(p, t ? t->key : tw->after);
    lv_pg_param_int64(p, n);
}

static void read_tag(const PGresult *r, int row, void *out)
{
    struct tag_row *t = out;

    t->key = lv_pg_get_dup(r, row, 0);
    t->value = lv_pg_get_dup(r, row, 1);
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

int lv_pg_kms_tag_list(void *impl, const char *key_id, const char *after,
                       int limit, lv_kms_tag_fn fn, void *arg,
                       struct lv_err *err)
{
    static const char sql[] =
        "SELECT tag_key, value FROM kms_tags"
        " WHERE key_id = $1 AND tag_key > $2 ORDER BY tag_key LIMIT $3";
    struct tag_walk tw = { key_id, after, fn, arg };
    struct lv_pg_walk w = {
        sql, "list kms tags", sizeof(struct tag_row), limit, &tw,
        bind_tag_list, read_tag, release_tag_row, call_tag,
    };

    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_kms_tag_count(void *impl, const char *key_id, int *n,
                        struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM kms_tags WHERE key_id = $1";
    struct lv_pg_params p;
    int64_t v = 0;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, key_id);
    if (lv_pg_query_int64(impl, sql, &p, &v, "count kms tags", err) < 0) {
        return -1;
    }
    *n = (int)v;
    return 0;
}

/* ---- custom key stores -------------------------------------------------- */

#define CKS_COLS                                                             \
    "id, account, region, name, type, cluster_id, trust_anchor, state,"     \
    " error_code, creation_date"

static void read_cks(const PGresult *r, int row, void *out)
{
    struct lv_kms_cks *c = out;

    lv_pg_get_field(r, row, 0, F(c, id), "custom key store id");
    lv_pg_get_field(r, row, 1, F(c, account), "custom key store account");
    lv_pg_get_field(r, row, 2, F(c, region), "custom key store region");
    lv_pg_get_field(r, row, 3, F(c, name), "custom key store name");
    lv_pg_get_field(r, row, 4, F(c, type), "custom key store type");
    lv_pg_get_field(r, row, 5, F(c, cluster_id), "custom key store cluster");
    c->trust_anchor = lv_pg_get_dup(r, row, 6);
    lv_pg_get_field(r, row, 7, F(c, state), "custom key store state");
    lv_pg_get_field(r, row, 8, F(c, error_code), "custom key store error");
    c->creation_date = lv_pg_get_double(r, row, 9);
}

static void release_cks_row(void *row)
{
    lv_kms_cks_release(row);
}

int lv_pg_kms_cks_insert(void *impl, const struct lv_kms_cks *c,
                         struct lv_err *err)
{
    /* The id's and the scoped name's conflicts are "exists". */
    static const char sql[] =
        "INSERT INTO kms_custom_key_stores (" CKS_COLS ")"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
        " ON CONFLICT DO NOTHING";
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(c, id));
    lv_pg_param_field(&p, F(c, account));
    lv_pg_param_field(&p, F(c, region));
    lv_pg_param_field(&p, F(c, name));
    lv_pg_param_field(&p, F(c, type));
    lv_pg_param_field(&p, F(c, cluster_id));
    lv_pg_param_text(&p, c->trust_anchor ? c->trust_anchor : "");
    lv_pg_param_field(&p, F(c, state));
    lv_pg_param_field(&p, F(c, error_code));
    lv_pg_param_double(&p, c->creation_date);
    rc = write_kms(impl, sql, &p, 1, "insert kms custom key store", err);
    if (rc < 0) {
        return -1;
    }
    return rc == 0 ? 1 : 0;
}

/* Inside a transaction the store is read FOR UPDATE, as a key is. */
int lv_pg_kms_cks_get(void *impl, const char *id, struct lv_kms_cks *out,
                      struct lv_err *err)
{
    static const char sql[] =
        "SELECT " CKS_COLS " FROM kms_custom_key_stores WHERE id = $1";
    static const char sql_txn[] =
        "SELECT " CKS_COLS " FROM kms_custom_key_stores WHERE id = $1"
        " FOR UPDATE";
    struct lv_kms_cks c;
    struct lv_pg_params p;
    int rc;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    lv_kms_cks_init(&c);
    rc = query_one(impl, lv_pg_txn_depth(impl) > 0 ? sql_txn : sql, &p,
                   read_cks, &c, "read kms custom key store", err);
    if (rc != 1) {
        lv_kms_cks_release(&c);
        return rc;
    }
    lv_kms_cks_release(out);
    *out = c;
    return 1;
}

int lv_pg_kms_cks_update(void *impl, const struct lv_kms_cks *c,
                         struct lv_err *err)
{
    static const char sql[] =
        "UPDATE kms_custom_key_stores SET name = $2, cluster_id = $3,"
        " trust_anchor = $4, state = $5, error_code = $6 WHERE id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_field(&p, F(c, id));
    lv_pg_param_field(&p, F(c, name));
    lv_pg_param_field(&p, F(c, cluster_id));
    lv_pg_param_text(&p, c->trust_anchor ? c->trust_anchor : "");
    lv_pg_param_field(&p, F(c, state));
    lv_pg_param_field(&p, F(c, error_code));
    return write_kms(impl, sql, &p, 1, "update kms custom key store", err);
}

int lv_pg_kms_cks_delete(void *impl, const char *id, struct lv_err *err)
{
    static const char sql[] =
        "DELETE FROM kms_custom_key_stores WHERE id = $1";
    struct lv_pg_params p;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    return write_kms(impl, sql, &p, 1, "delete kms custom key store", err);
}

struct cks_walk {
    const char *account;
    const char *region;
    const char *after;
    lv_kms_cks_fn fn;
    void *arg;
};

static void bind_cks_list(struct lv_pg_params *p, void *ctx,
                          const void *last, int n)
{
    struct cks_walk *cw = ctx;
    const struct lv_kms_cks *c = last;

    lv_pg_param_text(p, cw->account);
    lv_pg_param_text(p, cw->region);
    lv_pg_param_text(p, c ? c->id : cw->after);
    lv_pg_param_int64(p, n);
}

static int call_cks(void *ctx, const void *row)
{
    struct cks_walk *cw = ctx;

    return cw->fn(cw->arg, row);
}

int lv_pg_kms_cks_list(void *impl, const char *account, const char *region,
                       const char *after, int limit, lv_kms_cks_fn fn,
                       void *arg, struct lv_err *err)
{
    static const char sql[] =
        "SELECT " CKS_COLS " FROM kms_custom_key_stores"
        " WHERE account = $1 AND region = $2 AND id > $3"
        " ORDER BY id LIMIT $4";
    struct cks_walk cw = { account, region, after, fn, arg };
    struct lv_pg_walk w = {
        sql, "list kms custom key stores", sizeof(struct lv_kms_cks), limit,
        &cw, bind_cks_list, read_cks, release_cks_row, call_cks,
    };

    return lv_pg_walk_run(impl, &w, err);
}

int lv_pg_kms_cks_key_count(void *impl, const char *id, int *n,
                            struct lv_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM kms_keys"
        " WHERE custom_key_store_id = $1 AND state <> 'Deleted'";
    struct lv_pg_params p;
    int64_t v = 0;

    lv_pg_params_init(&p);
    lv_pg_param_text(&p, id);
    if (lv_pg_query_int64(impl, sql, &p, &v,
                          "count kms keys of custom key store", err) < 0) {
        return -1;
    }
    *n = (int)v;
    return 0;
}
