/*
 * Unit tests for src/store/kms_store.h on the sqlite backend: keys,
 * material versions, aliases, grants and tags. Each test opens a fresh
 * store in a temporary data dir. Table-driven where cases differ only in
 * data: each row has a name, printed when it fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "store/kms_store.h"
#include "store/store.h"
#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT_A "111111111111"
#define ACCT_B "222222222222"

/* ---- fixture ------------------------------------------------------------ */

static int setup(void **state)
{
    return lv_test_store_new(state, "kms-store");
}

static int teardown(void **state)
{
    return lv_test_store_free(state);
}

/* ---- helpers ------------------------------------------------------------ */

static void make_key(struct lv_kms_key *k, const char *id,
                     const char *account, const char *region)
{
    lv_kms_key_init(k);
    snprintf(k->id, sizeof(k->id), "%s", id);
    snprintf(k->account, sizeof(k->account), "%s", account);
    snprintf(k->region, sizeof(k->region), "%s", region);
    snprintf(k->arn, sizeof(k->arn), "arn:aws:kms:%s:%s:key/%s", region,
             account, id);
    snprintf(k->key_spec, sizeof(k->key_spec), "SYMMETRIC_DEFAULT");
    snprintf(k->key_usage, sizeof(k->key_usage), "ENCRYPT_DECRYPT");
    snprintf(k->state, sizeof(k->state), "Enabled");
    snprintf(k->origin, sizeof(k->origin), "AWS_KMS");
    k->creation_date = 1700000000.25;
    k->current_version = 1;
}

/* Inserts a plain key with 8 bytes of sealed material. */
static void put_key(struct lv_store *s, const char *id, const char *account,
                    const char *region)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k;

    make_key(&k, id, account, region);
    assert_int_equal(lv_store_kms_key_insert(s, &k, "sealed-1", 8, &err), 0);
    lv_kms_key_release(&k);
}

/* Ids collected by a list callback, joined with ','. */
struct seen {
    char text[8192];
    int n;
    int stop_at;        /* stop (return 7) when n reaches this; 0: never */
};

static int seen_add(struct seen *sn, const char *id)
{
    size_t len = strlen(sn->text);

    snprintf(sn->text + len, sizeof(sn->text) - len, "%s%s",
             sn->n ? "," : "", id);
    sn->n++;
    return sn->stop_at && sn->n == sn->stop_at ? 7 : 0;
}

static int seen_key(void *arg, const struct lv_kms_key *k)
{
    return seen_add(arg, k->id);
}

static int seen_alias(void *arg, const struct lv_kms_alias *a)
{
    return seen_add(arg, a->name);
}

static int seen_grant(void *arg, const struct lv_kms_grant *g)
{
    return seen_add(arg, g->id);
}

static int seen_material(void *arg, const struct lv_kms_material *m)
{
    char v[32];

    snprintf(v, sizeof(v), "%u:%s", m->version, m->rotation_type);
    return seen_add(arg, v);
}

static int seen_tag(void *arg, const char *key, const char *value)
{
    char kv[300];

    snprintf(kv, sizeof(kv), "%s=%s", key, value);
    return seen_add(arg, kv);
}

static void key_id(char *out, size_t cap, int scope, int i)
{
    snprintf(out, cap, "%08d-0000-4000-8000-%012d", scope, i);
}

static void expect_key_equal(const char *name, const struct lv_kms_key *a,
                             const struct lv_kms_key *b)
{
    CHECK(name, strcmp(a->id, b->id) == 0);
    CHECK(name, strcmp(a->arn, b->arn) == 0);
    CHECK(name, strcmp(a->account, b->account) == 0);
    CHECK(name, strcmp(a->region, b->region) == 0);
    CHECK(name, strcmp(a->description ? a->description : "",
                       b->description) == 0);
    CHECK(name, strcmp(a->key_spec, b->key_spec) == 0);
    CHECK(name, strcmp(a->key_usage, b->key_usage) == 0);
    CHECK(name, strcmp(a->state, b->state) == 0);
    CHECK(name, strcmp(a->origin, b->origin) == 0);
    CHECK(name, a->creation_date == b->creation_date);
    CHECK(name, a->deletion_date == b->deletion_date);
    CHECK(name, a->pending_window_days == b->pending_window_days);
    CHECK(name, strcmp(a->policy ? a->policy : "", b->policy) == 0);
    CHECK(name, a->rotation_enabled == b->rotation_enabled);
    CHECK(name, a->rotation_period_days == b->rotation_period_days);
    CHECK(name, a->next_rotation_date == b->next_rotation_date);
    CHECK(name, a->current_version == b->current_version);
    CHECK(name, a->on_demand_rotations == b->on_demand_rotations);
    CHECK(name, a->material_destroyed == b->material_destroyed);
}

/* ---- keys --------------------------------------------------------------- */

struct key_case {
    const char *name;
    const char *description;    /* NULL: left NULL (stored as "") */
    const char *policy;
    const char *spec;
    const char *usage;
    const char *state;
    double deletion_date;
    int window;
    int rot_enabled;
    int rot_period;
    double next_rot;
    uint32_t version;
    int on_demand;
    int destroyed;
};

static const struct key_case key_cases[] = {
    { "minimal, NULL strings", NULL, NULL, "SYMMETRIC_DEFAULT",
      "ENCRYPT_DECRYPT", "Enabled", 0, 0, 0, 0, 0, 1, 0, 0 },
    { "every field set", "my key \xc3\xa9 'quoted'",
      "{\"Version\":\"2012-10-17\",\"Statement\":[]}", "RSA_2048",
      "SIGN_VERIFY", "PendingDeletion", 1800000000.5, 30, 1, 365,
      1731536000.125, 4294967295u, 10, 1 },
    { "empty strings", "", "", "HMAC_256", "GENERATE_VERIFY_MAC",
      "Disabled", 0, 0, 1, 90, 1.0, 7, 0, 0 },
};

static void test_key_round_trip(void **state)
{
    struct lv_test_store *f = *state;

    for (size_t i = 0; i < N(key_cases); i++) {
        const struct key_case *c = &key_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_kms_key k, got;
        char id[37];

        key_id(id, sizeof(id), 1, (int)i);
        make_key(&k, id, ACCT_A, "us-east-1");
        k.description = c->description ? lv_xstrdup(c->description) : NULL;
        k.policy = c->policy ? lv_xstrdup(c->policy) : NULL;
        snprintf(k.key_spec, sizeof(k.key_spec), "%s", c->spec);
        snprintf(k.key_usage, sizeof(k.key_usage), "%s", c->usage);
        snprintf(k.state, sizeof(k.state), "%s", c->state);
        k.deletion_date = c->deletion_date;
        k.pending_window_days = c->window;
        k.rotation_enabled = c->rot_enabled;
        k.rotation_period_days = c->rot_period;
        k.next_rotation_date = c->next_rot;
        k.current_version = c->version;
        k.on_demand_rotations = c->on_demand;
        k.material_destroyed = c->destroyed;
        CHECK(c->name, lv_store_kms_key_insert(f->s, &k, "x", 1, &err) == 0);

        lv_kms_key_init(&got);
        CHECK(c->name, lv_store_kms_key_get(f->s, id, &got, &err) == 1);
        CHECK(c->name, got.description && got.policy);
        expect_key_equal(c->name, &k, &got);

        /* A second get reuses `got`, whose strings must be replaced
         * without a leak. */
        CHECK(c->name, lv_store_kms_key_get(f->s, id, &got, &err) == 1);
        expect_key_equal(c->name, &k, &got);

        lv_kms_key_release(&k);
        lv_kms_key_release(&got);
        CHECK(c->name, got.description == NULL && got.policy == NULL);
    }
}

static void test_get_missing(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k;
    struct lv_kms_grant g;
    struct lv_kms_alias a;
    struct lv_buf b = LV_BUF_INIT(1024);

    put_key(f->s, "k1", ACCT_A, "us-east-1");
    lv_kms_key_init(&k);
    snprintf(k.id, sizeof(k.id), "untouched");
    assert_int_equal(lv_store_kms_key_get(f->s, "nope", &k, &err), 0);
    assert_string_equal(k.id, "untouched");
    assert_null(k.description);

    lv_kms_grant_init(&g);
    assert_int_equal(lv_store_kms_grant_get(f->s, "nope", &g, &err), 0);
    assert_null(g.name);

    memset(&a, 0, sizeof(a));
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/nope", &a, &err), 0);
    assert_string_equal(a.name, "");

    lv_buf_add(&b, "keep", 4);
    assert_int_equal(lv_store_kms_material_get(f->s, "k1", 2, &b, &err), 0);
    assert_int_equal(lv_store_kms_material_get(f->s, "nope", 1, &b, &err), 0);
    assert_string_equal(b.data, "keep");
    lv_buf_release(&b);
}

/* Keys: 70 in (A, us-east-1) — more than one internal batch — and 3 in
 * each of the three other scopes. */
static void put_scoped_keys(struct lv_store *s)
{
    static const struct {
        const char *account;
        const char *region;
        int n;
    } scopes[] = {
        { ACCT_A, "us-east-1", 70 },
        { ACCT_A, "eu-west-1", 3 },
        { ACCT_B, "us-east-1", 3 },
        { ACCT_B, "eu-west-1", 3 },
    };
    struct lv_err err = LV_ERR_INIT;
    char id[37];

    assert_int_equal(lv_store_begin(s, &err), 0);
    for (size_t i = 0; i < N(scopes); i++) {
        for (int j = 0; j < scopes[i].n; j++) {
            key_id(id, sizeof(id), (int)i, j);
            put_key(s, id, scopes[i].account, scopes[i].region);
        }
    }
    assert_int_equal(lv_store_commit(s, &err), 0);
}

struct list_case {
    const char *name;
    const char *account;
    const char *region;
    int after;          /* index of the `after` id in scope; -1: "" */
    int limit;
    int stop_at;
    int want_ret;
    int want_n;
    int want_first;     /* index of the first id returned */
    int want_last;
};

static const struct list_case list_cases[] = {
    { "whole big scope", ACCT_A, "us-east-1", -1, 0, 0, 0, 70, 0, 69 },
    { "first page of 10", ACCT_A, "us-east-1", -1, 10, 0, 0, 10, 0, 9 },
    { "page after 9", ACCT_A, "us-east-1", 9, 10, 0, 0, 10, 10, 19 },
    { "page across batches", ACCT_A, "us-east-1", 60, 100, 0, 0, 9, 61,
      69 },
    { "limit exactly a batch", ACCT_A, "us-east-1", -1, 64, 0, 0, 64, 0,
      63 },
    { "after the last", ACCT_A, "us-east-1", 69, 10, 0, 0, 0, -1, -1 },
    { "callback stops", ACCT_A, "us-east-1", -1, 0, 5, 7, 5, 0, 4 },
    { "callback stops in 2nd batch", ACCT_A, "us-east-1", -1, 0, 66, 7, 66,
      0, 65 },
    { "other region", ACCT_A, "eu-west-1", -1, 0, 0, 0, 3, 0, 2 },
    { "other account", ACCT_B, "us-east-1", -1, 0, 0, 0, 3, 0, 2 },
    { "other both", ACCT_B, "eu-west-1", -1, 2, 0, 0, 2, 0, 1 },
    { "empty scope", ACCT_B, "ap-south-1", -1, 0, 0, 0, 0, -1, -1 },
};

static int scope_index(const char *account, const char *region)
{
    if (strcmp(account, ACCT_A) == 0) {
        return strcmp(region, "us-east-1") == 0 ? 0 : 1;
    }
    if (strcmp(region, "us-east-1") == 0) {
        return 2;
    }
    return strcmp(region, "eu-west-1") == 0 ? 3 : 9;
}

static void test_key_list(void **state)
{
    struct lv_test_store *f = *state;

    put_scoped_keys(f->s);
    for (size_t i = 0; i < N(list_cases); i++) {
        const struct list_case *c = &list_cases[i];
        int sc = scope_index(c->account, c->region);
        struct lv_err err = LV_ERR_INIT;
        struct seen sn;
        char after[37] = "";
        char want[37];
        char *last;

        memset(&sn, 0, sizeof(sn));
        sn.stop_at = c->stop_at;
        if (c->after >= 0) {
            key_id(after, sizeof(after), sc, c->after);
        }
        CHECK(c->name, lv_store_kms_key_list(f->s, c->account, c->region,
                                             after, c->limit, seen_key, &sn,
                                             &err) == c->want_ret);
        CHECK(c->name, sn.n == c->want_n);
        if (c->want_n == 0) {
            continue;
        }
        key_id(want, sizeof(want), sc, c->want_first);
        CHECK(c->name, strncmp(sn.text, want, strlen(want)) == 0);
        key_id(want, sizeof(want), sc, c->want_last);
        last = strrchr(sn.text, ',');
        CHECK(c->name, strcmp(last ? last + 1 : sn.text, want) == 0);
    }
}

/* The callback may use the store: it updates the key it is shown. */
static int disable_key(void *arg, const struct lv_kms_key *k)
{
    struct lv_store *s = arg;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key copy;

    lv_kms_key_init(&copy);
    assert_int_equal(lv_store_kms_key_get(s, k->id, &copy, &err), 1);
    assert_int_equal(lv_store_kms_key_set_state(s, k->id, copy.row_version,
                                                "Disabled", &err), 1);
    lv_kms_key_release(&copy);
    return 0;
}

static int count_disabled(void *arg, const struct lv_kms_key *k)
{
    int *n = arg;

    *n += strcmp(k->state, "Disabled") == 0;
    return 0;
}

static void test_key_list_reentrant(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    int n = 0;

    put_scoped_keys(f->s);
    assert_int_equal(lv_store_kms_key_list(f->s, ACCT_A, "us-east-1", "", 0,
                                           disable_key, f->s, &err), 0);
    assert_int_equal(lv_store_kms_key_list(f->s, ACCT_A, "us-east-1", NULL,
                                           0, count_disabled, &n, &err), 0);
    assert_int_equal(n, 70);
}

struct due_case {
    const char *id;
    const char *state;
    double deletion_date;
    double next_rotation;
    int due;            /* expected in the due list at NOW */
};

#define NOW 1800000000.0

static const struct due_case due_cases[] = {
    { "a-deletion-past", "PendingDeletion", NOW - 1, 0, 1 },
    { "b-deletion-now", "PendingDeletion", NOW, 0, 1 },
    { "c-deletion-future", "PendingDeletion", NOW + 1, 0, 0 },
    { "d-rotation-past", "Enabled", 0, NOW - 86400, 1 },
    { "e-rotation-future", "Enabled", 0, NOW + 86400, 0 },
    { "f-rotation-off", "Enabled", 0, 0, 0 },
    { "g-both-due", "PendingDeletion", NOW - 5, NOW - 5, 1 },
    { "h-disabled-deldate", "Disabled", NOW - 5, 0, 0 },
    { "i-deleted-rot-future", "PendingDeletion", NOW + 9, NOW + 9, 0 },
};

static void test_key_due(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    char want[512] = "";
    struct seen sn;
    int nwant = 0;

    for (size_t i = 0; i < N(due_cases); i++) {
        const struct due_case *c = &due_cases[i];
        struct lv_kms_key k;
        size_t len = strlen(want);

        make_key(&k, c->id, i % 2 ? ACCT_A : ACCT_B,
                 i % 3 ? "us-east-1" : "eu-west-1");
        snprintf(k.state, sizeof(k.state), "%s", c->state);
        k.deletion_date = c->deletion_date;
        k.next_rotation_date = c->next_rotation;
        k.rotation_enabled = c->next_rotation > 0;
        CHECK(c->id, lv_store_kms_key_insert(f->s, &k, "s", 1, &err) == 0);
        lv_kms_key_release(&k);
        if (c->due) {
            snprintf(want + len, sizeof(want) - len, "%s%s",
                     nwant++ ? "," : "", c->id);
        }
    }
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_key_due(f->s, NOW, seen_key, &sn, &err),
                     0);
    assert_string_equal(sn.text, want);
    assert_int_equal(sn.n, nwant);

    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_key_due(f->s, 1.0, seen_key, &sn, &err),
                     0);
    assert_int_equal(sn.n, 0);

    memset(&sn, 0, sizeof(sn));
    sn.stop_at = 2;
    assert_int_equal(lv_store_kms_key_due(f->s, NOW, seen_key, &sn, &err),
                     7);
    assert_int_equal(sn.n, 2);
}

/* A key inserted in a transaction that is rolled back leaves nothing,
 * neither the key nor its material. */
static void test_key_insert_rollback(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(1024);
    struct lv_kms_key k;

    lv_kms_key_init(&k);
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    put_key(f->s, "rolled-back", ACCT_A, "us-east-1");
    assert_int_equal(lv_store_kms_key_get(f->s, "rolled-back", &k, &err), 1);
    lv_store_rollback(f->s);
    assert_int_equal(lv_store_kms_key_get(f->s, "rolled-back", &k, &err), 0);
    assert_int_equal(lv_store_kms_material_get(f->s, "rolled-back", 1, &b,
                                               &err), 0);

    /* A duplicate id fails and leaves the first key's material intact. */
    put_key(f->s, "dup", ACCT_A, "us-east-1");
    lv_kms_key_release(&k);
    make_key(&k, "dup", ACCT_B, "us-east-1");
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "other", 5, &err),
                     -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_int_equal(lv_store_kms_key_get(f->s, "dup", &k, &err), 1);
    assert_string_equal(k.account, ACCT_A);
    assert_int_equal(lv_store_kms_material_get(f->s, "dup", 1, &b, &err), 1);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "sealed-1", 8);
    lv_kms_key_release(&k);
    lv_buf_release(&b);
}

/* A value stored longer than its fixed field is cut, never overflowing. */
static void test_key_field_too_long(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key k;
    sqlite3 *db;

    put_key(f->s, "long", ACCT_A, "us-east-1");
    db = lv_sqlite_conn(lv_sqlite_of(f->s), &err);
    assert_non_null(db);
    assert_int_equal(sqlite3_exec(db,
        "UPDATE kms_keys SET state = printf('%.100c', 'S'),"
        " region = printf('%.300c', 'r') WHERE id = 'long'",
        NULL, NULL, NULL), SQLITE_OK);
    lv_kms_key_init(&k);
    assert_int_equal(lv_store_kms_key_get(f->s, "long", &k, &err), 1);
    assert_int_equal(strlen(k.state), sizeof(k.state) - 1);
    assert_int_equal(strlen(k.region), sizeof(k.region) - 1);
    assert_string_equal(k.account, ACCT_A);
    lv_kms_key_release(&k);
}

/* ---- material ----------------------------------------------------------- */

static void test_material(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_buf tiny = LV_BUF_INIT(4);
    static const uint8_t bin[] = { 0, 1, 2, 0, 0xff, 0xfe, 0 };
    struct lv_kms_material m;
    struct lv_kms_key k;
    struct seen sn;

    put_key(f->s, "mk", ACCT_A, "us-east-1");
    put_key(f->s, "other", ACCT_A, "us-east-1");
    memset(&m, 0, sizeof(m));
    m.version = 2;
    m.created = 1700000100.5;
    snprintf(m.rotation_type, sizeof(m.rotation_type), "AUTOMATIC");
    assert_int_equal(lv_store_kms_key_rotate(f->s, "mk", 0, &m, bin,
                                             sizeof(bin), &err), 1);
    m.version = 3;
    snprintf(m.rotation_type, sizeof(m.rotation_type), "ON_DEMAND");
    assert_int_equal(lv_store_kms_key_rotate(f->s, "mk", 1, &m, "v3", 2,
                                             &err), 1);
    /* Same version twice (with the row_version it now has), and a key
     * that does not exist: nothing written. */
    assert_int_equal(lv_store_kms_key_rotate(f->s, "mk", 2, &m, "v3", 2,
                                             &err), 0);
    assert_int_equal(lv_store_kms_key_rotate(f->s, "ghost", 0, &m, "g", 1,
                                             &err), 0);

    assert_int_equal(lv_store_kms_material_get(f->s, "mk", 1, &b, &err), 1);
    assert_int_equal(b.len, 8);
    assert_memory_equal(b.data, "sealed-1", 8);
    assert_int_equal(lv_store_kms_material_get(f->s, "mk", 2, &b, &err), 1);
    assert_int_equal(b.len, sizeof(bin));
    assert_memory_equal(b.data, bin, sizeof(bin));
    assert_int_equal(lv_store_kms_material_get(f->s, "mk", 3, &b, &err), 1);
    assert_int_equal(b.len, 2);
    assert_int_equal(lv_store_kms_material_get(f->s, "mk", 4, &b, &err), 0);
    /* Larger than the caller's buffer allows. */
    lv_buf_add(&tiny, "ab", 2);
    assert_int_equal(lv_store_kms_material_get(f->s, "mk", 1, &tiny, &err),
                     -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_string_equal(tiny.data, "ab");

    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_material_list(f->s, "mk", 0, 0,
                                                seen_material, &sn, &err), 0);
    assert_string_equal(sn.text, "1:,2:AUTOMATIC,3:ON_DEMAND");
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_material_list(f->s, "mk", 1, 1,
                                                seen_material, &sn, &err), 0);
    assert_string_equal(sn.text, "2:AUTOMATIC");
    memset(&sn, 0, sizeof(sn));
    sn.stop_at = 1;
    assert_int_equal(lv_store_kms_material_list(f->s, "mk", 0, 0,
                                                seen_material, &sn, &err), 7);
    assert_int_equal(sn.n, 1);

    assert_int_equal(lv_store_kms_material_destroy(f->s, "mk", &err), 0);
    for (uint32_t v = 1; v <= 3; v++) {
        assert_int_equal(lv_store_kms_material_get(f->s, "mk", v, &b, &err),
                         0);
    }
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_material_list(f->s, "mk", 0, 0,
                                                seen_material, &sn, &err), 0);
    assert_int_equal(sn.n, 0);
    /* The key row stays; the other key's material too. */
    lv_kms_key_init(&k);
    assert_int_equal(lv_store_kms_key_get(f->s, "mk", &k, &err), 1);
    assert_int_equal(lv_store_kms_material_get(f->s, "other", 1, &b, &err),
                     1);
    lv_kms_key_release(&k);
    lv_buf_release(&b);
    lv_buf_release(&tiny);
}

/* ---- aliases ------------------------------------------------------------ */

static void make_alias(struct lv_kms_alias *a, const char *account,
                       const char *region, const char *name,
                       const char *key)
{
    memset(a, 0, sizeof(*a));
    snprintf(a->account, sizeof(a->account), "%s", account);
    snprintf(a->region, sizeof(a->region), "%s", region);
    snprintf(a->name, sizeof(a->name), "%s", name);
    snprintf(a->key_id, sizeof(a->key_id), "%s", key);
    a->creation_date = 1700000000.5;
    a->last_updated = 1700000000.5;
}

struct alias_list_case {
    const char *name;
    const char *account;
    const char *region;
    const char *key_id;
    const char *after;
    int limit;
    const char *want;
};

static const struct alias_list_case alias_list_cases[] = {
    { "all of scope", ACCT_A, "us-east-1", NULL, "", 0,
      "alias/a,alias/b,alias/c,alias/d" },
    { "all, NULL after", ACCT_A, "us-east-1", NULL, NULL, 0,
      "alias/a,alias/b,alias/c,alias/d" },
    { "page 1", ACCT_A, "us-east-1", NULL, "", 2, "alias/a,alias/b" },
    { "page 2", ACCT_A, "us-east-1", NULL, "alias/b", 2, "alias/c,alias/d" },
    { "by key k1", ACCT_A, "us-east-1", "k1", "", 0, "alias/a,alias/c" },
    { "by key after", ACCT_A, "us-east-1", "k1", "alias/a", 0, "alias/c" },
    { "by key k2", ACCT_A, "us-east-1", "k2", "", 0, "alias/b,alias/d" },
    { "by key none", ACCT_A, "us-east-1", "k9", "", 0, "" },
    { "other region", ACCT_A, "eu-west-1", NULL, "", 0, "alias/a" },
    { "other account", ACCT_B, "us-east-1", NULL, "", 0, "alias/a" },
};

static void test_alias(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_alias a, got;
    struct seen sn;
    static const struct {
        const char *account, *region, *name, *key;
    } rows[] = {
        { ACCT_A, "us-east-1", "alias/c", "k1" },
        { ACCT_A, "us-east-1", "alias/a", "k1" },
        { ACCT_A, "us-east-1", "alias/b", "k2" },
        { ACCT_A, "us-east-1", "alias/d", "k2" },
        { ACCT_A, "eu-west-1", "alias/a", "k3" },
        { ACCT_B, "us-east-1", "alias/a", "k4" },
    };

    for (size_t i = 0; i < N(rows); i++) {
        make_alias(&a, rows[i].account, rows[i].region, rows[i].name,
                   rows[i].key);
        assert_int_equal(lv_store_kms_alias_insert(f->s, &a, &err), 0);
    }
    /* A duplicate name in the scope: 1, nothing written. */
    make_alias(&a, ACCT_A, "us-east-1", "alias/a", "k9");
    a.creation_date = 5;
    assert_int_equal(lv_store_kms_alias_insert(f->s, &a, &err), 1);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/a", &got, &err), 1);
    assert_string_equal(got.key_id, "k1");
    assert_string_equal(got.account, ACCT_A);
    assert_string_equal(got.region, "us-east-1");
    assert_string_equal(got.name, "alias/a");
    assert_true(got.creation_date == 1700000000.5);
    assert_true(got.last_updated == 1700000000.5);

    for (size_t i = 0; i < N(alias_list_cases); i++) {
        const struct alias_list_case *c = &alias_list_cases[i];

        memset(&sn, 0, sizeof(sn));
        CHECK(c->name, lv_store_kms_alias_list(f->s, c->account, c->region,
                                               c->key_id, c->after, c->limit,
                                               seen_alias, &sn, &err) == 0);
        CHECK(c->name, strcmp(sn.text, c->want) == 0);
    }
    memset(&sn, 0, sizeof(sn));
    sn.stop_at = 1;
    assert_int_equal(lv_store_kms_alias_list(f->s, ACCT_A, "us-east-1", NULL,
                                             "", 0, seen_alias, &sn, &err),
                     7);

    /* Update points the alias elsewhere and moves last_updated only,
     * when it still points at the key its caller read. */
    put_key(f->s, "k2", ACCT_A, "us-east-1");
    make_alias(&a, ACCT_A, "us-east-1", "alias/a", "k2");
    a.creation_date = 1;
    a.last_updated = 1700000500.25;
    assert_int_equal(lv_store_kms_alias_update(f->s, &a, "k9", &err), 0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/a", &got, &err), 1);
    assert_string_equal(got.key_id, "k1");
    assert_int_equal(lv_store_kms_alias_update(f->s, &a, "k1", &err), 1);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/a", &got, &err), 1);
    assert_string_equal(got.key_id, "k2");
    assert_true(got.creation_date == 1700000000.5);
    assert_true(got.last_updated == 1700000500.25);
    make_alias(&a, ACCT_A, "us-east-1", "alias/none", "k2");
    assert_int_equal(lv_store_kms_alias_update(f->s, &a, "k1", &err), 0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/none", &got, &err), 0);
    /* Not to a key that does not exist (or was deleted). */
    make_alias(&a, ACCT_A, "us-east-1", "alias/b", "k7");
    assert_int_equal(lv_store_kms_alias_update(f->s, &a, "k2", &err), 0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/b", &got, &err), 1);
    assert_string_equal(got.key_id, "k2");

    /* Delete one, only while it points at the key its caller read; the
     * same name in other scopes stays. */
    assert_int_equal(lv_store_kms_alias_delete(f->s, ACCT_A, "us-east-1",
                                               "alias/a", "k1", &err), 0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/a", &got, &err), 1);
    assert_int_equal(lv_store_kms_alias_delete(f->s, ACCT_A, "us-east-1",
                                               "alias/a", "k2", &err), 1);
    assert_int_equal(lv_store_kms_alias_delete(f->s, ACCT_A, "us-east-1",
                                               "alias/a", "k2", &err), 0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/a", &got, &err), 0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "eu-west-1",
                                            "alias/a", &got, &err), 1);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_B, "us-east-1",
                                            "alias/a", &got, &err), 1);
    /* The name is free again. */
    make_alias(&a, ACCT_A, "us-east-1", "alias/a", "k3");
    assert_int_equal(lv_store_kms_alias_insert(f->s, &a, &err), 0);

    assert_int_equal(lv_store_kms_alias_delete_for_key(f->s, "k2", &err), 0);
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_alias_list(f->s, ACCT_A, "us-east-1", NULL,
                                             "", 0, seen_alias, &sn, &err),
                     0);
    assert_string_equal(sn.text, "alias/a,alias/c");
}

/* ---- grants ------------------------------------------------------------- */

struct grant_row {
    const char *id;
    const char *key;
    const char *name;
    const char *retiring;
};

static const struct grant_row grant_rows[] = {
    { "g01", "k1", "first", "arn:aws:iam::111111111111:role/r" },
    { "g02", "k1", NULL, NULL },
    { "g03", "k2", "", "arn:aws:iam::111111111111:role/r" },
    { "g04", "k1", "fourth", "arn:aws:iam::111111111111:role/other" },
    { "g05", "k2", NULL, NULL },
    { "g06", "k1", NULL, "arn:aws:iam::111111111111:role/r" },
};

struct grant_list_case {
    const char *name;
    const char *key_id;
    const char *retiring;
    const char *after;
    int limit;
    int stop_at;
    int want_ret;
    const char *want;
};

#define RET_R "arn:aws:iam::111111111111:role/r"

static const struct grant_list_case grant_list_cases[] = {
    { "all", NULL, NULL, "", 0, 0, 0, "g01,g02,g03,g04,g05,g06" },
    { "all paged", NULL, NULL, "g02", 2, 0, 0, "g03,g04" },
    { "by key", "k1", NULL, "", 0, 0, 0, "g01,g02,g04,g06" },
    { "by key paged", "k1", NULL, "g02", 1, 0, 0, "g04" },
    { "by key NULL after", "k2", NULL, NULL, 0, 0, 0, "g03,g05" },
    { "by retiring", NULL, RET_R, "", 0, 0, 0, "g01,g03,g06" },
    { "by retiring paged", NULL, RET_R, "g01", 1, 0, 0, "g03" },
    { "by key and retiring", "k1", RET_R, "", 0, 0, 0, "g01,g06" },
    { "no such key", "k9", NULL, "", 0, 0, 0, "" },
    { "stop early", "k1", NULL, "", 0, 2, 7, "g01,g02" },
};

static void test_grants(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_grant g, got;
    struct seen sn;

    for (size_t i = 0; i < N(grant_rows); i++) {
        const struct grant_row *r = &grant_rows[i];

        lv_kms_grant_init(&g);
        snprintf(g.id, sizeof(g.id), "%s", r->id);
        snprintf(g.key_id, sizeof(g.key_id), "%s", r->key);
        g.name = r->name ? lv_xstrdup(r->name) : NULL;
        g.retiring = r->retiring ? lv_xstrdup(r->retiring) : NULL;
        g.grantee = lv_xstrdup("arn:aws:iam::111111111111:role/grantee");
        g.issuing_account = lv_xstrdup("arn:aws:iam::111111111111:root");
        g.operations = lv_xstrdup("[\"Encrypt\",\"Decrypt\"]");
        g.constraints = i % 2 ? NULL : lv_xstrdup(
            "{\"EncryptionContextSubset\":{\"a\":\"b\"}}");
        g.creation_date = 1700000000.0 + (double)i;
        CHECK(r->id, lv_store_kms_grant_insert(f->s, &g, &err) == 0);

        lv_kms_grant_init(&got);
        CHECK(r->id, lv_store_kms_grant_get(f->s, r->id, &got, &err) == 1);
        CHECK(r->id, strcmp(got.id, r->id) == 0);
        CHECK(r->id, strcmp(got.key_id, r->key) == 0);
        CHECK(r->id, strcmp(got.name, r->name ? r->name : "") == 0);
        CHECK(r->id, strcmp(got.retiring,
                            r->retiring ? r->retiring : "") == 0);
        CHECK(r->id, strcmp(got.grantee, g.grantee) == 0);
        CHECK(r->id, strcmp(got.issuing_account, g.issuing_account) == 0);
        CHECK(r->id, strcmp(got.operations, g.operations) == 0);
        CHECK(r->id, strcmp(got.constraints,
                            g.constraints ? g.constraints : "") == 0);
        CHECK(r->id, got.creation_date == g.creation_date);
        /* A second get into the same struct replaces its strings. */
        CHECK(r->id, lv_store_kms_grant_get(f->s, r->id, &got, &err) == 1);
        lv_kms_grant_release(&got);
        lv_kms_grant_release(&g);
        CHECK(r->id, g.name == NULL && g.operations == NULL);
    }
    /* The same id twice fails. */
    lv_kms_grant_init(&g);
    snprintf(g.id, sizeof(g.id), "g01");
    snprintf(g.key_id, sizeof(g.key_id), "k1");
    assert_int_equal(lv_store_kms_grant_insert(f->s, &g, &err), -1);
    lv_kms_grant_release(&g);

    for (size_t i = 0; i < N(grant_list_cases); i++) {
        const struct grant_list_case *c = &grant_list_cases[i];

        memset(&sn, 0, sizeof(sn));
        sn.stop_at = c->stop_at;
        CHECK(c->name, lv_store_kms_grant_list(f->s, c->key_id, c->retiring,
                                               c->after, c->limit,
                                               seen_grant, &sn, &err) ==
                       c->want_ret);
        CHECK(c->name, strcmp(sn.text, c->want) == 0);
    }

    assert_int_equal(lv_store_kms_grant_delete(f->s, "g01", &err), 0);
    assert_int_equal(lv_store_kms_grant_delete(f->s, "g01", &err), 0);
    lv_kms_grant_init(&got);
    assert_int_equal(lv_store_kms_grant_get(f->s, "g01", &got, &err), 0);
    assert_int_equal(lv_store_kms_grant_delete_for_key(f->s, "k1", &err), 0);
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_grant_list(f->s, NULL, NULL, "", 0,
                                             seen_grant, &sn, &err), 0);
    assert_string_equal(sn.text, "g03,g05");
}

/* ---- tags --------------------------------------------------------------- */

static void test_tags(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct seen sn;
    int n = -1;
    static const struct {
        const char *name;
        const char *after;
        int limit;
        int stop_at;
        int want_ret;
        const char *want;
    } cases[] = {
        { "all", "", 0, 0, 0, "a=1,b=two,c=" },
        { "NULL after", NULL, 0, 0, 0, "a=1,b=two,c=" },
        { "page 1", "", 2, 0, 0, "a=1,b=two" },
        { "page 2", "b", 2, 0, 0, "c=" },
        { "past the end", "c", 2, 0, 0, "" },
        { "stop early", "", 0, 1, 7, "a=1" },
    };

    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "b", "2", &err), 0);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "a", "1", &err), 0);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "c", "", &err), 0);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "d", "gone", &err), 0);
    assert_int_equal(lv_store_kms_tag_set(f->s, "k2", "a", "other", &err),
                     0);
    /* Replace, and delete (twice: the second is a no-op). */
    assert_int_equal(lv_store_kms_tag_set(f->s, "k1", "b", "two", &err), 0);
    assert_int_equal(lv_store_kms_tag_delete(f->s, "k1", "d", &err), 0);
    assert_int_equal(lv_store_kms_tag_delete(f->s, "k1", "d", &err), 0);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k1", &n, &err), 0);
    assert_int_equal(n, 3);
    assert_int_equal(lv_store_kms_tag_count(f->s, "k2", &n, &err), 0);
    assert_int_equal(n, 1);

    for (size_t i = 0; i < N(cases); i++) {
        memset(&sn, 0, sizeof(sn));
        sn.stop_at = cases[i].stop_at;
        CHECK(cases[i].name,
              lv_store_kms_tag_list(f->s, "k1", cases[i].after,
                                    cases[i].limit, seen_tag, &sn, &err) ==
              cases[i].want_ret);
        CHECK(cases[i].name, strcmp(sn.text, cases[i].want) == 0);
    }
}

/* ---- changes of a key --------------------------------------------------- */

/* The record every change starts from: every mutable field set to
 * something that the changes below move away from. */
static void make_busy_key(struct lv_kms_key *k, const char *id)
{
    make_key(k, id, ACCT_A, "us-east-1");
    k->description = lv_xstrdup("old description");
    k->policy = lv_xstrdup("{\"p\":1}");
    snprintf(k->state, sizeof(k->state), "PendingDeletion");
    k->deletion_date = 1800000000.5;
    k->pending_window_days = 30;
    k->rotation_enabled = 1;
    k->rotation_period_days = 365;
    k->next_rotation_date = 1731536000.125;
    k->current_version = 4;
    k->on_demand_rotations = 3;
    k->row_version = 41;
}

static int do_description(struct lv_store *s, const char *id, uint64_t rv,
                          struct lv_err *err)
{
    return lv_store_kms_key_set_description(s, id, rv, "new \xc3\xa9", err);
}

static void want_description(struct lv_kms_key *k)
{
    free(k->description);
    k->description = lv_xstrdup("new \xc3\xa9");
}

static int do_state(struct lv_store *s, const char *id, uint64_t rv,
                    struct lv_err *err)
{
    return lv_store_kms_key_set_state(s, id, rv, "Disabled", err);
}

static void want_state(struct lv_kms_key *k)
{
    snprintf(k->state, sizeof(k->state), "Disabled");
}

static int do_policy(struct lv_store *s, const char *id, uint64_t rv,
                     struct lv_err *err)
{
    return lv_store_kms_key_set_policy(s, id, rv, "{\"p\":2}", err);
}

static void want_policy(struct lv_kms_key *k)
{
    free(k->policy);
    k->policy = lv_xstrdup("{\"p\":2}");
}

static int do_schedule(struct lv_store *s, const char *id, uint64_t rv,
                       struct lv_err *err)
{
    return lv_store_kms_key_schedule_deletion(s, id, rv, 1900000000.125, 7,
                                              err);
}

static void want_schedule(struct lv_kms_key *k)
{
    snprintf(k->state, sizeof(k->state), "PendingDeletion");
    k->deletion_date = 1900000000.125;
    k->pending_window_days = 7;
}

static int do_cancel(struct lv_store *s, const char *id, uint64_t rv,
                     struct lv_err *err)
{
    return lv_store_kms_key_cancel_deletion(s, id, rv, err);
}

static void want_cancel(struct lv_kms_key *k)
{
    snprintf(k->state, sizeof(k->state), "Disabled");
    k->deletion_date = 0;
    k->pending_window_days = 0;
}

static int do_rotation_on(struct lv_store *s, const char *id, uint64_t rv,
                          struct lv_err *err)
{
    return lv_store_kms_key_set_rotation(s, id, rv, 1, 90, 1750000000.25,
                                         err);
}

static void want_rotation_on(struct lv_kms_key *k)
{
    k->rotation_enabled = 1;
    k->rotation_period_days = 90;
    k->next_rotation_date = 1750000000.25;
}

static int do_rotation_off(struct lv_store *s, const char *id, uint64_t rv,
                           struct lv_err *err)
{
    return lv_store_kms_key_set_rotation(s, id, rv, 0, 365, 0, err);
}

static void want_rotation_off(struct lv_kms_key *k)
{
    k->rotation_enabled = 0;
    k->next_rotation_date = 0;
}

static int do_hold(struct lv_store *s, const char *id, uint64_t rv,
                   struct lv_err *err)
{
    return lv_store_kms_key_hold(s, id, rv, err);
}

static void want_nothing(struct lv_kms_key *k)
{
    (void)k;
}

struct change_case {
    const char *name;
    int (*apply)(struct lv_store *s, const char *id, uint64_t rv,
                 struct lv_err *err);
    void (*want)(struct lv_kms_key *k);     /* the fields it changes */
};

static const struct change_case change_cases[] = {
    { "set description", do_description, want_description },
    { "set state", do_state, want_state },
    { "set policy", do_policy, want_policy },
    { "schedule deletion", do_schedule, want_schedule },
    { "cancel deletion", do_cancel, want_cancel },
    { "rotation on", do_rotation_on, want_rotation_on },
    { "rotation off", do_rotation_off, want_rotation_off },
    { "hold", do_hold, want_nothing },
};

/* Each change writes its fields and no other, moves row_version on by
 * one, and writes nothing at all when the row_version it is given is not
 * the key's (stale or ahead), when the key does not exist, or when its
 * transaction is rolled back. */
static void test_key_changes(void **state)
{
    struct lv_test_store *f = *state;

    for (size_t i = 0; i < N(change_cases); i++) {
        const struct change_case *c = &change_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_kms_key k, want, got;
        char id[37];

        key_id(id, sizeof(id), 2, (int)i);
        make_busy_key(&k, id);
        CHECK(c->name, lv_store_kms_key_insert(f->s, &k, "x", 1, &err) == 0);
        lv_kms_key_init(&got);

        CHECK(c->name, c->apply(f->s, id, k.row_version - 1, &err) == 0);
        CHECK(c->name, c->apply(f->s, id, k.row_version + 1, &err) == 0);
        CHECK(c->name, c->apply(f->s, "no-such-key", k.row_version,
                                &err) == 0);
        CHECK(c->name, lv_store_begin(f->s, &err) == 0);
        CHECK(c->name, c->apply(f->s, id, k.row_version, &err) == 1);
        lv_store_rollback(f->s);
        CHECK(c->name, lv_store_kms_key_get(f->s, id, &got, &err) == 1);
        expect_key_equal(c->name, &k, &got);
        CHECK(c->name, got.row_version == k.row_version);

        CHECK(c->name, c->apply(f->s, id, k.row_version, &err) == 1);
        make_busy_key(&want, id);
        c->want(&want);
        CHECK(c->name, lv_store_kms_key_get(f->s, id, &got, &err) == 1);
        expect_key_equal(c->name, &want, &got);
        CHECK(c->name, got.row_version == k.row_version + 1);
        /* The record it was decided on is stale now. */
        CHECK(c->name, c->apply(f->s, id, k.row_version, &err) == 0);
        CHECK(c->name, lv_store_kms_key_get(f->s, id, &got, &err) == 1);
        CHECK(c->name, got.row_version == k.row_version + 1);

        lv_kms_key_release(&k);
        lv_kms_key_release(&want);
        lv_kms_key_release(&got);
    }
}

/* Two changes decided on the same read: the second finds the guard moved
 * and writes nothing, so the first is never undone (the lost update of
 * issue 10: a DisableKey reverted by a description written back). */
static void test_key_change_stale(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_key a, b, got;

    put_key(f->s, "race", ACCT_A, "us-east-1");
    lv_kms_key_init(&a);
    lv_kms_key_init(&b);
    lv_kms_key_init(&got);
    assert_int_equal(lv_store_kms_key_get(f->s, "race", &a, &err), 1);
    assert_int_equal(lv_store_kms_key_get(f->s, "race", &b, &err), 1);
    assert_int_equal(lv_store_kms_key_set_state(f->s, "race", a.row_version,
                                                "Disabled", &err), 1);
    assert_int_equal(lv_store_kms_key_set_description(f->s, "race",
                                                      b.row_version, "x",
                                                      &err), 0);
    assert_int_equal(lv_store_kms_key_get(f->s, "race", &got, &err), 1);
    assert_string_equal(got.state, "Disabled");
    assert_string_equal(got.description, "");
    /* Decided again on a fresh read, it goes through and keeps the
     * state. */
    assert_int_equal(lv_store_kms_key_set_description(f->s, "race",
                                                      got.row_version, "x",
                                                      &err), 1);
    assert_int_equal(lv_store_kms_key_get(f->s, "race", &got, &err), 1);
    assert_string_equal(got.state, "Disabled");
    assert_string_equal(got.description, "x");
    lv_kms_key_release(&a);
    lv_kms_key_release(&b);
    lv_kms_key_release(&got);
}

static void set_material(struct lv_kms_material *m, uint32_t version,
                         double created, const char *type)
{
    memset(m, 0, sizeof(*m));
    m->version = version;
    m->created = created;
    snprintf(m->rotation_type, sizeof(m->rotation_type), "%s", type);
}

/* A rotation adds the version and makes it current in one step; a second
 * rotation decided on the same read (the same version) is refused before
 * it inserts anything, so no version is ever taken twice. */
static void test_key_rotate(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_kms_material m;
    struct lv_kms_key k, got;
    struct seen sn;

    make_key(&k, "rot", ACCT_A, "us-east-1");
    k.rotation_enabled = 1;
    k.rotation_period_days = 90;
    k.next_rotation_date = 1700000050.5;
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "v1", 2, &err), 0);
    lv_kms_key_init(&got);

    /* AUTOMATIC: the schedule moves one period past the rotation. */
    set_material(&m, 2, 1700000100.25, "AUTOMATIC");
    assert_int_equal(lv_store_kms_key_rotate(f->s, "rot", 0, &m, "v2", 2,
                                             &err), 1);
    assert_int_equal(lv_store_kms_key_get(f->s, "rot", &got, &err), 1);
    assert_int_equal(got.current_version, 2);
    assert_int_equal(got.on_demand_rotations, 0);
    assert_true(got.next_rotation_date == 1700000100.25 + 90 * 86400.0);
    assert_int_equal(got.row_version, 1);

    /* ON_DEMAND: counted; the schedule stays. A second one from the same
     * read is refused and inserts nothing. */
    set_material(&m, 3, 1700000200.75, "ON_DEMAND");
    assert_int_equal(lv_store_kms_key_rotate(f->s, "rot", 1, &m, "v3", 2,
                                             &err), 1);
    assert_int_equal(lv_store_kms_key_rotate(f->s, "rot", 1, &m, "XX", 2,
                                             &err), 0);
    assert_int_equal(lv_store_kms_key_get(f->s, "rot", &got, &err), 1);
    assert_int_equal(got.current_version, 3);
    assert_int_equal(got.on_demand_rotations, 1);
    assert_true(got.next_rotation_date == 1700000100.25 + 90 * 86400.0);
    assert_int_equal(lv_store_kms_material_get(f->s, "rot", 3, &b, &err), 1);
    assert_memory_equal(b.data, "v3", 2);

    /* A version that is not current + 1, with the right row_version:
     * refused, nothing inserted, nothing changed. */
    set_material(&m, 5, 1700000300, "ON_DEMAND");
    assert_int_equal(lv_store_kms_key_rotate(f->s, "rot", 2, &m, "v5", 2,
                                             &err), 0);
    assert_int_equal(lv_store_kms_material_get(f->s, "rot", 5, &b, &err), 0);
    assert_int_equal(lv_store_kms_key_get(f->s, "rot", &got, &err), 1);
    assert_int_equal(got.current_version, 3);
    assert_int_equal(got.row_version, 2);

    /* With rotation off, AUTOMATIC leaves next_rotation_date at 0. */
    assert_int_equal(lv_store_kms_key_set_rotation(f->s, "rot", 2, 0, 90, 0,
                                                   &err), 1);
    set_material(&m, 4, 1700000400, "AUTOMATIC");
    assert_int_equal(lv_store_kms_key_rotate(f->s, "rot", 3, &m, "v4", 2,
                                             &err), 1);
    assert_int_equal(lv_store_kms_key_get(f->s, "rot", &got, &err), 1);
    assert_int_equal(got.current_version, 4);
    assert_true(got.next_rotation_date == 0);

    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_material_list(f->s, "rot", 0, 0,
                                                seen_material, &sn, &err), 0);
    assert_string_equal(sn.text, "1:,2:AUTOMATIC,3:ON_DEMAND,4:AUTOMATIC");
    lv_kms_key_release(&k);
    lv_kms_key_release(&got);
    lv_buf_release(&b);
}

static void put_grant(struct lv_store *s, const char *id, const char *key)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_kms_grant g;

    lv_kms_grant_init(&g);
    snprintf(g.id, sizeof(g.id), "%s", id);
    snprintf(g.key_id, sizeof(g.key_id), "%s", key);
    g.grantee = lv_xstrdup("arn:aws:iam::111111111111:role/grantee");
    g.issuing_account = lv_xstrdup("arn:aws:iam::111111111111:root");
    g.operations = lv_xstrdup("[\"Decrypt\"]");
    assert_int_equal(lv_store_kms_grant_insert(s, &g, &err), 0);
    lv_kms_grant_release(&g);
}

/* Deletion takes the material, aliases and grants of that key with it, in
 * one step guarded like every change; another key keeps its own. */
static void test_key_destroy(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_kms_alias a;
    struct lv_kms_key k, got;
    struct lv_kms_grant g;

    make_key(&k, "doomed", ACCT_A, "us-east-1");
    snprintf(k.state, sizeof(k.state), "PendingDeletion");
    k.deletion_date = 1700000000;
    k.rotation_enabled = 1;
    k.next_rotation_date = 1700000000;
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, "v1", 2, &err), 0);
    put_key(f->s, "kept", ACCT_A, "us-east-1");
    make_alias(&a, ACCT_A, "us-east-1", "alias/doomed", "doomed");
    assert_int_equal(lv_store_kms_alias_insert(f->s, &a, &err), 0);
    make_alias(&a, ACCT_A, "us-east-1", "alias/kept", "kept");
    assert_int_equal(lv_store_kms_alias_insert(f->s, &a, &err), 0);
    put_grant(f->s, "gd", "doomed");
    put_grant(f->s, "gk", "kept");
    lv_kms_key_init(&got);
    lv_kms_grant_init(&g);

    assert_int_equal(lv_store_kms_key_destroy(f->s, "doomed", 1, &err), 0);
    assert_int_equal(lv_store_kms_material_get(f->s, "doomed", 1, &b, &err),
                     1);
    assert_int_equal(lv_store_kms_key_destroy(f->s, "doomed", 0, &err), 1);
    assert_int_equal(lv_store_kms_key_get(f->s, "doomed", &got, &err), 1);
    assert_string_equal(got.state, "Deleted");
    assert_int_equal(got.material_destroyed, 1);
    assert_int_equal(got.rotation_enabled, 0);
    assert_true(got.next_rotation_date == 0);
    assert_int_equal(got.row_version, 1);
    assert_int_equal(lv_store_kms_material_get(f->s, "doomed", 1, &b, &err),
                     0);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/doomed", &a, &err), 0);
    assert_int_equal(lv_store_kms_grant_get(f->s, "gd", &g, &err), 0);
    /* The other key keeps everything. */
    assert_int_equal(lv_store_kms_material_get(f->s, "kept", 1, &b, &err),
                     1);
    assert_int_equal(lv_store_kms_alias_get(f->s, ACCT_A, "us-east-1",
                                            "alias/kept", &a, &err), 1);
    assert_int_equal(lv_store_kms_grant_get(f->s, "gk", &g, &err), 1);
    /* An alias can no longer be pointed at the deleted key. */
    make_alias(&a, ACCT_A, "us-east-1", "alias/kept", "doomed");
    assert_int_equal(lv_store_kms_alias_update(f->s, &a, "kept", &err), 0);
    lv_kms_key_release(&k);
    lv_kms_key_release(&got);
    lv_kms_grant_release(&g);
    lv_buf_release(&b);
}

/* ---- schema ------------------------------------------------------------- */

/* A key with no material (origin EXTERNAL): import makes version 1 and
 * sets the expiration; a stale import writes nothing; the expiry makes it
 * due; deleting the material keeps the fingerprint; a reimport
 * replaces the material. */
static void test_key_import(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_kms_import imp;
    struct lv_kms_key k, got;
    struct seen sn;

    make_key(&k, "imp", ACCT_A, "us-east-1");
    snprintf(k.state, sizeof(k.state), "PendingImport");
    snprintf(k.origin, sizeof(k.origin), "EXTERNAL");
    assert_int_equal(lv_store_kms_key_insert(f->s, &k, NULL, 0, &err), 0);
    assert_int_equal(lv_store_kms_material_get(f->s, "imp", 1, &b, &err), 0);
    lv_kms_key_init(&got);
    assert_int_equal(lv_store_kms_key_get(f->s, "imp", &got, &err), 1);
    assert_string_equal(got.origin, "EXTERNAL");
    assert_string_equal(got.expiration_model, "");
    assert_string_equal(got.import_fingerprint, "");

    memset(&imp, 0, sizeof(imp));
    imp.created = 1700000100;
    snprintf(imp.state, sizeof(imp.state), "Enabled");
    snprintf(imp.expiration_model, sizeof(imp.expiration_model),
             "KEY_MATERIAL_EXPIRES");
    imp.valid_to = NOW - 1;
    snprintf(imp.fingerprint, sizeof(imp.fingerprint), "%064d", 7);
    assert_int_equal(lv_store_kms_key_import(f->s, "imp", 0, &imp, "m1", 2,
                                             &err), 1);
    assert_int_equal(lv_store_kms_key_import(f->s, "imp", 0, &imp, "XX", 2,
                                             &err), 0);
    assert_int_equal(lv_store_kms_key_get(f->s, "imp", &got, &err), 1);
    assert_string_equal(got.state, "Enabled");
    assert_string_equal(got.expiration_model, "KEY_MATERIAL_EXPIRES");
    assert_true(got.valid_to == NOW - 1);
    assert_string_equal(got.import_fingerprint, imp.fingerprint);
    assert_int_equal(got.current_version, 1);
    assert_int_equal(lv_store_kms_material_get(f->s, "imp", 1, &b, &err), 1);
    assert_memory_equal(b.data, "m1", 2);
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_key_due(f->s, NOW, seen_key, &sn, &err),
                     0);
    assert_string_equal(sn.text, "imp");

    assert_int_equal(lv_store_kms_key_delete_material(f->s, "imp", 1,
                                                      "PendingImport", &err),
                     1);
    assert_int_equal(lv_store_kms_key_delete_material(f->s, "imp", 1,
                                                      "PendingImport", &err),
                     0);
    assert_int_equal(lv_store_kms_key_get(f->s, "imp", &got, &err), 1);
    assert_string_equal(got.state, "PendingImport");
    assert_string_equal(got.expiration_model, "");
    assert_true(got.valid_to == 0);
    assert_string_equal(got.import_fingerprint, imp.fingerprint);
    assert_int_equal(lv_store_kms_material_get(f->s, "imp", 1, &b, &err), 0);
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_key_due(f->s, NOW, seen_key, &sn, &err),
                     0);
    assert_int_equal(sn.n, 0);

    imp.valid_to = 0;
    snprintf(imp.expiration_model, sizeof(imp.expiration_model),
             "KEY_MATERIAL_DOES_NOT_EXPIRE");
    assert_int_equal(lv_store_kms_key_import(f->s, "imp", 2, &imp, "m2", 2,
                                             &err), 1);
    assert_int_equal(lv_store_kms_material_get(f->s, "imp", 1, &b, &err), 1);
    assert_memory_equal(b.data, "m2", 2);
    lv_kms_key_release(&got);
    lv_kms_key_release(&k);
    lv_buf_release(&b);
}

/* ---- custom key stores ------------------------------------------------- */

static void make_cks(struct lv_kms_cks *c, const char *id, const char *name)
{
    lv_kms_cks_init(c);
    snprintf(c->id, sizeof(c->id), "%s", id);
    snprintf(c->account, sizeof(c->account), ACCT_A);
    snprintf(c->region, sizeof(c->region), "us-east-1");
    snprintf(c->name, sizeof(c->name), "%s", name);
    snprintf(c->type, sizeof(c->type), "AWS_CLOUDHSM");
    snprintf(c->cluster_id, sizeof(c->cluster_id), "token-1");
    snprintf(c->state, sizeof(c->state), "DISCONNECTED");
    c->trust_anchor = lv_xstrdup("-----BEGIN CERTIFICATE-----\n");
    c->creation_date = 1700000000.5;
}

static int seen_cks(void *arg, const struct lv_kms_cks *c)
{
    return seen_add(arg, c->name);
}

static void test_custom_key_store(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_store *s = f->s;
    struct lv_err err = LV_ERR_INIT;
    struct seen sn;
    struct lv_kms_cks c;
    struct lv_kms_cks got;
    struct lv_kms_key k;
    int n = -1;

    lv_kms_cks_init(&got);
    make_cks(&c, "cks-0000000000000000a", "one");
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 0);
    /* The same id, or the same name in the scope: exists. */
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 1);
    snprintf(c.id, sizeof(c.id), "cks-0000000000000000b");
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 1);
    snprintf(c.name, sizeof(c.name), "two");
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 0);
    lv_kms_cks_release(&c);

    assert_int_equal(lv_store_kms_cks_get(s, "cks-0000000000000000a", &got,
                                          &err), 1);
    assert_string_equal(got.name, "one");
    assert_string_equal(got.type, "AWS_CLOUDHSM");
    assert_string_equal(got.cluster_id, "token-1");
    assert_string_equal(got.trust_anchor, "-----BEGIN CERTIFICATE-----\n");
    assert_string_equal(got.state, "DISCONNECTED");
    assert_string_equal(got.error_code, "");
    assert_true(got.creation_date == 1700000000.5);
    assert_int_equal(lv_store_kms_cks_get(s, "cks-00000000000000000", &got,
                                          &err), 0);

    /* Connection state and name change in place. */
    snprintf(got.state, sizeof(got.state), "FAILED");
    snprintf(got.error_code, sizeof(got.error_code), "INVALID_CREDENTIALS");
    snprintf(got.name, sizeof(got.name), "uno");
    assert_int_equal(lv_store_kms_cks_update(s, &got, &err), 1);
    lv_kms_cks_release(&got);
    assert_int_equal(lv_store_kms_cks_get(s, "cks-0000000000000000a", &got,
                                          &err), 1);
    assert_string_equal(got.name, "uno");
    assert_string_equal(got.state, "FAILED");
    assert_string_equal(got.error_code, "INVALID_CREDENTIALS");

    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_cks_list(s, ACCT_A, "us-east-1", "", 10,
                                           seen_cks, &sn, &err), 0);
    assert_string_equal(sn.text, "uno,two");
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_cks_list(s, ACCT_A, "us-east-1",
                                           "cks-0000000000000000a", 10,
                                           seen_cks, &sn, &err), 0);
    assert_string_equal(sn.text, "two");
    memset(&sn, 0, sizeof(sn));
    assert_int_equal(lv_store_kms_cks_list(s, ACCT_A, "us-west-2", "", 10,
                                           seen_cks, &sn, &err), 0);
    assert_string_equal(sn.text, "");

    /* A key of the store counts until it is Deleted. */
    make_key(&k, "kc", ACCT_A, "us-east-1");
    snprintf(k.custom_key_store_id, sizeof(k.custom_key_store_id),
             "cks-0000000000000000a");
    /* (and the key manager round-trips: AWS managed keys) */
    snprintf(k.key_manager, sizeof(k.key_manager), "AWS");
    assert_int_equal(lv_store_kms_key_insert(s, &k, "x", 1, &err), 0);
    lv_kms_key_release(&k);
    assert_int_equal(lv_store_kms_key_get(s, "kc", &k, &err), 1);
    assert_string_equal(k.custom_key_store_id, "cks-0000000000000000a");
    assert_string_equal(k.key_manager, "AWS");
    assert_int_equal(lv_store_kms_cks_key_count(s, "cks-0000000000000000a",
                                                &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(lv_store_kms_key_destroy(s, "kc", k.row_version, &err),
                     1);
    lv_kms_key_release(&k);
    assert_int_equal(lv_store_kms_cks_key_count(s, "cks-0000000000000000a",
                                                &n, &err), 0);
    assert_int_equal(n, 0);

    assert_int_equal(lv_store_kms_cks_delete(s, "cks-0000000000000000a",
                                             &err), 1);
    assert_int_equal(lv_store_kms_cks_delete(s, "cks-0000000000000000a",
                                             &err), 0);
    lv_kms_cks_release(&got);
}

static void test_schema_version(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    int v = 0;

    assert_int_equal(lv_store_schema_version(f->s, "kms", &v, &err), 0);
    assert_int_equal(v, 6);
}

/* A key written by a logvault before the row version (kms schema 1) is
 * read after the upgrade with row_version 0 and changes as any other. */
static void test_upgrade_from_v1(void **state)
{
    struct lv_migration kms_v1[2];
    const struct lv_migration *lists[] = {
        lv_sqlite_migrations_core, kms_v1, lv_sqlite_migrations_logs,
        lv_sqlite_migrations_events, NULL,
    };
    struct lv_store_config cfg = { "sqlite", NULL };
    struct lv_err err = LV_ERR_INIT;
    char dir[LV_TEST_DIR_MAX];
    struct lv_store *s;
    struct lv_kms_key k;
    sqlite3 *db;
    int v = 0;

    (void)state;
    kms_v1[0] = lv_sqlite_migrations_kms[0];
    kms_v1[1] = (struct lv_migration)LV_MIGRATION_END;
    snprintf(dir, sizeof(dir), "/tmp/lv-test-kms-upgrade-XXXXXX");
    assert_non_null(mkdtemp(dir));
    cfg.data_dir = dir;
    s = lv_store_open_with(&cfg, lists, &err);
    assert_non_null(s);
    db = lv_sqlite_conn(lv_sqlite_of(s), &err);
    assert_non_null(db);
    assert_int_equal(sqlite3_exec(db,
        "INSERT INTO kms_keys (id, arn, account, region, key_spec,"
        " key_usage, state, origin, creation_date) VALUES ('old', 'a',"
        " '111111111111', 'us-east-1', 'SYMMETRIC_DEFAULT',"
        " 'ENCRYPT_DECRYPT', 'Enabled', 'AWS_KMS', 1)",
        NULL, NULL, NULL), SQLITE_OK);
    lv_store_close(s);

    s = lv_store_open(&cfg, &err);
    assert_non_null(s);
    assert_int_equal(lv_store_schema_version(s, "kms", &v, &err), 0);
    assert_int_equal(v, 6);
    lv_kms_key_init(&k);
    assert_int_equal(lv_store_kms_key_get(s, "old", &k, &err), 1);
    assert_int_equal(k.row_version, 0);
    /* Keys from before AWS managed keys (kms schema 6) are the
     * customer's. */
    assert_string_equal(k.key_manager, "");
    assert_int_equal(lv_store_kms_key_set_state(s, "old", 0, "Disabled",
                                                &err), 1);
    assert_int_equal(lv_store_kms_key_get(s, "old", &k, &err), 1);
    assert_string_equal(k.state, "Disabled");
    assert_int_equal(k.row_version, 1);
    lv_kms_key_release(&k);
    lv_test_store_close(s, dir);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_schema_version),
        T(test_key_round_trip),
        T(test_key_changes),
        T(test_key_change_stale),
        T(test_key_rotate),
        T(test_key_destroy),
        T(test_key_import),
        T(test_get_missing),
        T(test_key_list),
        T(test_key_list_reentrant),
        T(test_key_due),
        T(test_key_insert_rollback),
        T(test_key_field_too_long),
        T(test_material),
        T(test_alias),
        T(test_grants),
        T(test_tags),
        T(test_custom_key_store),
        cmocka_unit_test(test_upgrade_from_v1),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
