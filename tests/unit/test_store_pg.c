/*
 * test_store_pg: the PostgreSQL backend's core and KMS half, on a real
 * server — migrations (fresh, again, a newer schema refused untouched),
 * nested transactions, a failed statement failing the commit, meta_add
 * from two stores, KMS records with their row-version guard and the
 * generation every store reads, leases between two stores, a connection
 * lost outside and inside a transaction, stores opened at once on an empty
 * database (the migration lock).
 *
 * Needs LV_PG_ADMIN_URI, a superuser's libpq URI (the test harness sets
 * it): each run creates the database lv_unit_<pid>, works in it and drops
 * it. Without it the test is skipped (exit 77).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store/kms_store.h"
#include "store/postgres/pg_int.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

static PGconn *admin;           /* on the admin URI's database */
static char dbname[64];         /* lv_unit_<pid> */
static char *spec;              /* a conninfo string for dbname */

/* ---- the scratch database ---- */

/* A conninfo value, single-quoted with \ and ' escaped. */
static void add_value(struct lv_buf *b, const char *v)
{
    lv_buf_addc(b, '\'');
    for (const char *p = v; *p; p++) {
        if (*p == '\'' || *p == '\\') {
            lv_buf_addc(b, '\\');
        }
        lv_buf_addc(b, *p);
    }
    lv_buf_addc(b, '\'');
}

/* The admin connection's own settings, with dbname replaced. */
static char *spec_for(PGconn *pg, const char *db)
{
    PQconninfoOption *opts = PQconninfo(pg);
    struct lv_buf b = LV_BUF_INIT(SIZE_MAX);

    for (PQconninfoOption *o = opts; o && o->keyword; o++) {
        if (!o->val || !*o->val || strcmp(o->keyword, "dbname") == 0) {
            continue;
        }
        lv_buf_addf(&b, "%s=", o->keyword);
        add_value(&b, o->val);
        lv_buf_addc(&b, ' ');
    }
    lv_buf_addf(&b, "dbname=");
    add_value(&b, db);
    PQconninfoFree(opts);
    return lv_buf_detach(&b, NULL);
}

static void admin_run(const char *sql)
{
    PGresult *r = PQexec(admin, sql);
    ExecStatusType st = PQresultStatus(r);

    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        fail_msg("admin: %s: %s", sql, PQerrorMessage(admin));
    }
    PQclear(r);
}

/* Runs sql on the scratch database (a connection of its own); the first
 * column of the first row as a fresh string ("" when no row). */
static char *db_query(const char *sql)
{
    PGconn *pg = PQconnectdb(spec);
    PGresult *r;
    char *v;

    assert_int_equal(PQstatus(pg), CONNECTION_OK);
    r = PQexec(pg, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK &&
        PQresultStatus(r) != PGRES_COMMAND_OK) {
        fail_msg("%s: %s", sql, PQerrorMessage(pg));
    }
    v = lv_xstrdup(PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r)
                       ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(pg);
    return v;
}

static int64_t db_int(const char *sql)
{
    char *v = db_query(sql);
    int64_t n = strtoll(v, NULL, 10);

    free(v);
    return n;
}

static struct lv_store *open_store(void)
{
    struct lv_store_config cfg = { spec, NULL };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = lv_store_open(&cfg, &err);

    if (!s) {
        fail_msg("lv_store_open: %s", err.msg);
    }
    return s;
}

/* ---- migrations ---- */

static void test_migrations(void **state)
{
    static const char *const comps[] = { "core", "kms", "logs", "events",
                                         "audit", "insights", "lookup",
                                         "policies", "respol",
                                         "index", "delivery",
                                         "sched", "anomaly", "livetail" };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store_config cfg = { NULL, NULL };
    enum lv_store_presence pres = LV_STORE_PRESENT;
    struct lv_store *s;
    int v;

    (void)state;
    cfg.spec = spec;
    /* probe writes nothing: absent before, and still absent after. */
    assert_int_equal(lv_store_probe(&cfg, &pres, &err), 0);
    assert_int_equal(pres, LV_STORE_ABSENT);
    assert_int_equal(db_int("SELECT count(*) FROM pg_tables"
                            " WHERE schemaname = 'public'"), 0);

    s = open_store();
    for (size_t i = 0; i < sizeof(comps) / sizeof(comps[0]); i++) {
        assert_int_equal(lv_store_schema_version(s, comps[i], &v, &err), 0);
        /* audit's step 2: its batches, 3: the eventID salt; events'
         * step 2: live tail's
         * index by ingestion time; kms's step 2: imported material, 3:
         * multi-Region keys, 4: custom key stores, 5: AWS managed keys;
         * logs' step 2: log transformers, 3: their version; policies'
         * step 2: their generation. */
        assert_int_equal(v, strcmp(comps[i], "kms") == 0 ||
                                    strcmp(comps[i], "logs") == 0
                                ? (strcmp(comps[i], "kms") == 0 ? 5 : 3)
                            : strcmp(comps[i], "audit") == 0
                                ? 3
                            : strcmp(comps[i], "events") == 0 ||
                                    strcmp(comps[i], "policies") == 0
                                ? 2 : 1);
    }
    assert_true(lv_pg_conn_count(lv_pg_of(s)) >= 1);
    lv_store_close(s);
    assert_int_equal(lv_store_probe(&cfg, &pres, &err), 0);
    assert_int_equal(pres, LV_STORE_PRESENT);

    /* Again: every step already there, nothing applied twice. */
    s = open_store();
    assert_int_equal(lv_store_schema_version(s, "events", &v, &err), 0);
    assert_int_equal(v, 2);
    lv_store_close(s);
    assert_int_equal(db_int("SELECT count(*) FROM schema_version"),
                     (int64_t)(sizeof(comps) / sizeof(comps[0])));
    assert_int_equal(db_int("SELECT count(*) FROM kms_generation"), 1);
}

static void test_newer_refused(void **state)
{
    struct lv_store_config cfg = { NULL, NULL };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    char *before;
    char *after;
    char *was;
    char restore[128];

    (void)state;
    lv_store_close(open_store());
    cfg.spec = spec;
    was = db_query("SELECT version FROM schema_version"
                   " WHERE component = 'kms'");
    snprintf(restore, sizeof(restore), "UPDATE schema_version SET version"
             " = %ld WHERE component = 'kms'", strtol(was, NULL, 10));
    free(was);
    free(db_query("UPDATE schema_version SET version = 99"
                  " WHERE component = 'kms'"));
    /* Everything a step could touch: the tables and the versions. */
    static const char fingerprint[] =
        "SELECT (SELECT string_agg(tablename, ',' ORDER BY tablename)"
        " FROM pg_tables WHERE schemaname = 'public') || ';' ||"
        " (SELECT string_agg(component || '=' || version, ','"
        " ORDER BY component) FROM schema_version) || ';' ||"
        " (SELECT count(*) FROM meta)";
    before = db_query(fingerprint);
    s = lv_store_open(&cfg, &err);
    assert_null(s);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "newer than this logvault"));
    after = db_query(fingerprint);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* back to the version it had, so later tests open it */
    free(db_query(restore));
}

/* ---- transactions ---- */

static int meta_has(struct lv_store *s, const char *key)
{
    struct lv_buf b = LV_BUF_INIT(1024);
    struct lv_err err = LV_ERR_INIT;
    int rc = lv_store_meta_get(s, key, &b, &err);

    lv_buf_release(&b);
    assert_true(rc >= 0);
    return rc;
}

static void test_nested(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = open_store();

    (void)state;
    /* An inner rollback keeps the outer level's work. */
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "t.outer", "1", 1, &err), 0);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "t.inner", "2", 1, &err), 0);
    assert_int_equal(meta_has(s, "t.inner"), 1);
    lv_store_rollback(s);
    assert_int_equal(meta_has(s, "t.inner"), 0);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "t.kept", "3", 1, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key IN ('t.outer', 't.kept')"), 2);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key = 't.inner'"), 0);

    /* Nothing is seen outside before the outermost commit. */
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "t.late", "4", 1, &err), 0);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key = 't.late'"), 0);
    lv_store_rollback(s);
    assert_int_equal(meta_has(s, "t.late"), 0);
    lv_store_close(s);
}

/* synchronous_commit on this thread's connection ("on", "off"). */
static char *sync_commit(struct lv_store *s)
{
    struct lv_err err = LV_ERR_INIT;
    PGconn *pg = lv_pg_conn(lv_pg_of(s), &err);
    PGresult *r;
    char *v;

    assert_non_null(pg);
    r = PQexec(pg, "SHOW synchronous_commit");
    assert_int_equal(PQresultStatus(r), PGRES_TUPLES_OK);
    v = lv_xstrdup(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

/* lv_store_begin_relaxed: a transaction like any other (kept on commit,
 * undone on rollback, levels nested in it), with synchronous_commit off
 * for it alone. */
static void test_begin_relaxed(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = open_store();
    char *v;

    (void)state;
    assert_int_equal(lv_store_begin_relaxed(s, &err), 0);
    v = sync_commit(s);
    assert_string_equal(v, "off");
    free(v);
    assert_int_equal(lv_store_meta_set(s, "r.kept", "1", 1, &err), 0);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "r.inner", "2", 1, &err), 0);
    lv_store_rollback(s);
    assert_int_equal(lv_store_commit(s, &err), 0);
    v = sync_commit(s);
    assert_string_equal(v, "on");
    free(v);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key = 'r.kept'"), 1);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key = 'r.inner'"), 0);

    assert_int_equal(lv_store_begin_relaxed(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "r.undone", "3", 1, &err), 0);
    lv_store_rollback(s);
    assert_int_equal(meta_has(s, "r.undone"), 0);
    v = sync_commit(s);
    assert_string_equal(v, "on");
    free(v);
    lv_store_close(s);
}

/* The second of two transactions locking one name (lv_store_lock) waits
 * for the first to end: the waiter sees what the first did before it
 * committed. */
struct locker {
    struct lv_store *s;
    volatile int first_done;        /* set by the first just before its
                                     * commit */
    int seen;                       /* first_done when the lock came */
    int rc;
};

static void *second_locker(void *arg)
{
    struct locker *l = arg;
    struct lv_err err = LV_ERR_INIT;

    l->rc = lv_store_begin(l->s, &err);
    if (l->rc == 0) {
        l->rc = lv_store_lock(l->s, "test.lock", &err);
        l->seen = l->first_done;
        lv_store_rollback(l->s);
    }
    return NULL;
}

static void test_lock(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct locker l = { open_store(), 0, -1, -1 };
    pthread_t th;

    (void)state;
    assert_int_equal(lv_store_begin(l.s, &err), 0);
    assert_int_equal(lv_store_lock(l.s, "test.lock", &err), 0);
    assert_int_equal(pthread_create(&th, NULL, second_locker, &l), 0);
    /* Ample time for the second to take the lock if it did not wait;
     * not a timed assertion: the order is what is checked. */
    usleep(300 * 1000);
    l.first_done = 1;
    assert_int_equal(lv_store_commit(l.s, &err), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.seen, 1);

    /* Another name does not wait. */
    l.first_done = 0;
    assert_int_equal(lv_store_begin(l.s, &err), 0);
    assert_int_equal(lv_store_lock(l.s, "test.other", &err), 0);
    assert_int_equal(pthread_create(&th, NULL, second_locker, &l), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(l.rc, 0);
    assert_int_equal(l.seen, 0);
    lv_store_rollback(l.s);
    lv_store_close(l.s);
}

static void test_failed_statement(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = open_store();
    const struct lv_store_backend *be = s->be;

    (void)state;
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "f.one", "1", 1, &err), 0);
    assert_int_equal(be->exec(s->impl, "SELEKT 1", &err), -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    /* Every later call and the commit fail; the transaction rolls back. */
    assert_int_equal(lv_store_meta_set(s, "f.two", "2", 1, &err), -1);
    assert_int_equal(lv_store_commit(s, &err), -1);
    assert_int_equal(meta_has(s, "f.one"), 0);

    /* Inside a nested level, up to the outermost. */
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "f.three", "3", 1, &err), 0);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(be->exec(s->impl, "SELEKT 1", &err), -1);
    assert_int_equal(lv_store_commit(s, &err), -1);
    assert_int_equal(lv_store_commit(s, &err), -1);
    assert_int_equal(meta_has(s, "f.three"), 0);

    /* The connection serves again afterwards. */
    assert_int_equal(lv_store_meta_set(s, "f.four", "4", 1, &err), 0);
    assert_int_equal(meta_has(s, "f.four"), 1);
    lv_store_close(s);
}

/* This thread's backend pid of store s. */
static int backend_pid(struct lv_store *s)
{
    struct lv_err err = LV_ERR_INIT;
    PGconn *pg = lv_pg_conn(lv_pg_of(s), &err);

    assert_non_null(pg);
    return PQbackendPID(pg);
}

static void terminate(int pid)
{
    char sql[96];

    snprintf(sql, sizeof(sql), "SELECT pg_terminate_backend(%d)", pid);
    admin_run(sql);
}

static void test_reconnect(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = open_store();
    int pid = backend_pid(s);
    int tries = 0;
    char sql[128];

    (void)state;
    /* Outside a transaction: the call that finds it gone fails (the
     * statement may have run), the next one connects again. */
    terminate(pid);
    while (lv_store_ping(s, &err) < 0) {
        assert_string_equal(err.msg, LV_STORE_UNAVAILABLE_MSG);
        assert_true(++tries < 3);
    }
    assert_int_not_equal(backend_pid(s), pid);

    /* While the database refuses connections: every call fails with the
     * message a client may read (no host, no libpq text), then serves
     * again once it takes them. */
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS false",
             dbname);
    admin_run(sql);
    terminate(backend_pid(s));
    for (int i = 0; i < 3; i++) {
        assert_int_equal(lv_store_ping(s, &err), -1);
        assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
        assert_string_equal(err.msg, LV_STORE_UNAVAILABLE_MSG);
    }
    snprintf(sql, sizeof(sql), "ALTER DATABASE %s ALLOW_CONNECTIONS true",
             dbname);
    admin_run(sql);
    assert_int_equal(lv_store_ping(s, &err), 0);

    /* Inside one: every call and the commit fail, nothing lands. */
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "r.one", "1", 1, &err), 0);
    terminate(backend_pid(s));
    assert_int_equal(lv_store_meta_set(s, "r.two", "2", 1, &err), -1);
    assert_int_equal(lv_store_begin(s, &err), -1);
    assert_int_equal(lv_store_commit(s, &err), -1);
    assert_int_equal(lv_store_ping(s, &err), 0);
    assert_int_equal(meta_has(s, "r.one"), 0);
    lv_store_close(s);
}

static void test_meta_add_two_stores(void **state)
{
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *a = open_store();
    struct lv_store *c = open_store();
    const unsigned char bin[4] = { 0, 0xff, '\n', 0x80 };

    (void)state;
    assert_int_equal(lv_store_meta_add(a, "m.once", bin, 4, &err), 1);
    assert_int_equal(lv_store_meta_add(c, "m.once", "zz", 2, &err), 0);
    assert_int_equal(lv_store_meta_get(c, "m.once", &b, &err), 1);
    assert_int_equal(b.len, 4);
    assert_memory_equal(b.data, bin, 4);
    /* An empty value is a value. */
    assert_int_equal(lv_store_meta_add(c, "m.empty", NULL, 0, &err), 1);
    assert_int_equal(lv_store_meta_get(a, "m.empty", &b, &err), 1);
    assert_int_equal(b.len, 0);
    lv_buf_release(&b);
    lv_store_close(a);
    lv_store_close(c);
}

/* ---- KMS ---- */

static void make_key(struct lv_kms_key *k, const char *id)
{
    lv_kms_key_init(k);
    snprintf(k->id, sizeof(k->id), "%s", id);
    snprintf(k->account, sizeof(k->account), "111111111111");
    snprintf(k->region, sizeof(k->region), "us-east-1");
    snprintf(k->arn, sizeof(k->arn), "arn:aws:kms:us-east-1:111111111111:"
             "key/%s", id);
    snprintf(k->key_spec, sizeof(k->key_spec), "SYMMETRIC_DEFAULT");
    snprintf(k->key_usage, sizeof(k->key_usage), "ENCRYPT_DECRYPT");
    snprintf(k->state, sizeof(k->state), "Enabled");
    snprintf(k->origin, sizeof(k->origin), "AWS_KMS");
    k->creation_date = 1700000000.25;
    k->current_version = 1;
    k->description = lv_xstrdup("d\xc3\xa9scription");
    k->policy = lv_xstrdup("{\"Version\":\"2012-10-17\"}");
}

static int collect_tag(void *arg, const char *key, const char *value)
{
    struct lv_buf *b = arg;

    lv_buf_addf(b, "%s=%s;", key, value);
    return 0;
}

static uint64_t generation(struct lv_store *s)
{
    uint64_t g = 0;

    assert_int_equal(lv_store_kms_generation(s, &g), 1);
    return g;
}

static int cks_names(void *arg, const struct lv_kms_cks *c)
{
    struct lv_buf *b = arg;

    return lv_buf_addf(b, "%s,", c->name) < 0 ? -1 : 0;
}

/* Custom key store records (kms step 4) and a key naming its store. */
static void test_kms_custom_key_store(void **state)
{
    struct lv_buf b = LV_BUF_INIT(1024);
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s = open_store();
    struct lv_kms_cks c;
    struct lv_kms_cks got;
    struct lv_kms_key k;
    int n = -1;

    (void)state;
    lv_kms_cks_init(&c);
    lv_kms_cks_init(&got);
    snprintf(c.id, sizeof(c.id), "cks-0000000000000000a");
    snprintf(c.account, sizeof(c.account), "111111111111");
    snprintf(c.region, sizeof(c.region), "us-east-1");
    snprintf(c.name, sizeof(c.name), "one");
    snprintf(c.type, sizeof(c.type), "AWS_CLOUDHSM");
    snprintf(c.cluster_id, sizeof(c.cluster_id), "token-1");
    snprintf(c.state, sizeof(c.state), "DISCONNECTED");
    c.creation_date = 1700000000.5;
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 0);
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 1);
    snprintf(c.id, sizeof(c.id), "cks-0000000000000000b");
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 1);
    snprintf(c.name, sizeof(c.name), "two");
    assert_int_equal(lv_store_kms_cks_insert(s, &c, &err), 0);
    assert_int_equal(lv_store_kms_cks_get(s, "cks-0000000000000000a", &got,
                                          &err), 1);
    assert_string_equal(got.name, "one");
    assert_string_equal(got.trust_anchor, "");
    snprintf(got.state, sizeof(got.state), "CONNECTED");
    assert_int_equal(lv_store_kms_cks_update(s, &got, &err), 1);
    assert_int_equal(lv_store_kms_cks_get(s, "cks-0000000000000000a", &got,
                                          &err), 1);
    assert_string_equal(got.state, "CONNECTED");
    assert_int_equal(lv_store_kms_cks_list(s, "111111111111", "us-east-1",
                                           "", 10, cks_names, &b, &err), 0);
    assert_int_equal(lv_buf_addc(&b, '\0'), 0);
    assert_string_equal(b.data, "one,two,");
    make_key(&k, "0b7a1f3e-0000-4000-8000-0000000000c5");
    snprintf(k.custom_key_store_id, sizeof(k.custom_key_store_id),
             "cks-0000000000000000a");
    /* (and the key manager round-trips: AWS managed keys) */
    snprintf(k.key_manager, sizeof(k.key_manager), "AWS");
    assert_int_equal(lv_store_kms_key_insert(s, &k, "x", 1, &err), 0);
    lv_kms_key_release(&k);
    assert_int_equal(lv_store_kms_key_get(s,
                                          "0b7a1f3e-0000-4000-8000-0000000000c5",
                                          &k, &err), 1);
    assert_string_equal(k.custom_key_store_id, "cks-0000000000000000a");
    assert_string_equal(k.key_manager, "AWS");
    lv_kms_key_release(&k);
    assert_int_equal(lv_store_kms_cks_key_count(s, "cks-0000000000000000a",
                                                &n, &err), 0);
    assert_int_equal(n, 1);
    assert_int_equal(lv_store_kms_cks_delete(s, "cks-0000000000000000b",
                                             &err), 1);
    assert_int_equal(lv_store_kms_cks_delete(s, "cks-0000000000000000b",
                                             &err), 0);
    lv_kms_cks_release(&got);
    lv_kms_cks_release(&c);
    lv_buf_release(&b);
    lv_store_close(s);
}

static void test_kms_round_trip(void **state)
{
    static const char id[] = "0b7a1f3e-0000-4000-8000-000000000001";
    const unsigned char sealed[5] = { 1, 0, 2, 0xfe, 3 };
    struct lv_buf b = LV_BUF_INIT(1024);
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *a = open_store();
    struct lv_store *c = open_store();
    struct lv_kms_alias al;
    struct lv_kms_key k;
    struct lv_kms_key got;
    uint64_t g0;
    uint64_t g1;
    int n = -1;

    (void)state;
    make_key(&k, id);
    lv_kms_key_init(&got);
    g0 = generation(c);
    assert_int_equal(lv_store_kms_key_insert(a, &k, sealed, 5, &err), 0);
    g1 = generation(c);
    assert_true(g1 != g0);      /* a write through a seen by c */

    assert_int_equal(lv_store_kms_key_get(c, id, &got, &err), 1);
    assert_string_equal(got.arn, k.arn);
    assert_string_equal(got.description, k.description);
    assert_string_equal(got.policy, k.policy);
    assert_true(got.creation_date == k.creation_date);
    assert_int_equal(got.current_version, 1);
    assert_int_equal(got.row_version, 0);
    assert_int_equal(lv_store_kms_material_get(c, id, 1, &b, &err), 1);
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.data, sealed, 5);
    assert_int_equal(lv_store_kms_material_get(c, id, 2, &b, &err), 0);

    /* The row-version guard: the change decided on version 0 lands once;
     * the same change from the other store, on the same copy, does not. */
    assert_int_equal(lv_store_kms_key_set_state(a, id, 0, "Disabled", &err),
                     1);
    assert_int_equal(lv_store_kms_key_set_state(c, id, 0, "Enabled", &err),
                     0);
    assert_int_equal(lv_store_kms_key_get(c, id, &got, &err), 1);
    assert_string_equal(got.state, "Disabled");
    assert_int_equal(got.row_version, 1);
    assert_true(generation(c) != g1);
    assert_int_equal(lv_store_kms_key_get(c, "no-such-key", &got, &err), 0);

    /* Inside a transaction that wrote: not cacheable until it ends. */
    assert_int_equal(lv_store_begin(a, &err), 0);
    assert_int_equal(lv_store_kms_key_set_description(a, id, 1, "x", &err),
                     1);
    assert_int_equal(lv_store_kms_generation(a, &g0), 0);
    lv_store_rollback(a);
    g0 = generation(a);
    assert_int_equal(lv_store_kms_key_get(a, id, &got, &err), 1);
    assert_int_equal(got.row_version, 1);

    /* Aliases: the second insert of a name answers "exists". */
    memset(&al, 0, sizeof(al));
    snprintf(al.account, sizeof(al.account), "111111111111");
    snprintf(al.region, sizeof(al.region), "us-east-1");
    snprintf(al.name, sizeof(al.name), "alias/one");
    snprintf(al.key_id, sizeof(al.key_id), "%s", id);
    assert_int_equal(lv_store_kms_alias_insert(a, &al, &err), 0);
    assert_int_equal(lv_store_kms_alias_insert(c, &al, &err), 1);

    /* Tags: set, replace, list in byte order, count. */
    assert_int_equal(lv_store_kms_tag_set(a, id, "b", "1", &err), 0);
    assert_int_equal(lv_store_kms_tag_set(a, id, "B", "2", &err), 0);
    assert_int_equal(lv_store_kms_tag_set(c, id, "b", "3", &err), 0);
    lv_buf_reset(&b);
    assert_int_equal(lv_store_kms_tag_list(c, id, "", 10, collect_tag, &b,
                                           &err), 0);
    assert_string_equal(b.data, "B=2;b=3;");
    assert_int_equal(lv_store_kms_tag_count(a, id, &n, &err), 0);
    assert_int_equal(n, 2);

    /* Destroy: material gone, aliases gone, record kept as Deleted. */
    assert_int_equal(lv_store_kms_key_destroy(a, id, 0, &err), 0);
    assert_int_equal(lv_store_kms_key_destroy(a, id, 1, &err), 1);
    assert_int_equal(lv_store_kms_material_get(c, id, 1, &b, &err), 0);
    assert_int_equal(lv_store_kms_alias_get(c, "111111111111", "us-east-1",
                                            "alias/one", &al, &err), 0);
    assert_int_equal(lv_store_kms_key_get(c, id, &got, &err), 1);
    assert_string_equal(got.state, "Deleted");
    assert_int_equal(got.material_destroyed, 1);

    lv_kms_key_release(&k);
    lv_kms_key_release(&got);
    lv_buf_release(&b);
    lv_store_close(a);
    lv_store_close(c);
}

/* ---- leases ---- */

static void test_lease(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *a = open_store();
    struct lv_store *c = open_store();
    struct timespec pause = { 0, 50 * 1000 * 1000 };
    int rc = 0;

    (void)state;
    assert_int_equal(lv_pg_lease(a->impl, "test.sweeper", &err), 1);
    assert_int_equal(lv_pg_lease(a->impl, "test.sweeper", &err), 1);
    assert_int_equal(lv_pg_lease(c->impl, "test.sweeper", &err), 0);
    assert_int_equal(lv_pg_lease(c->impl, "test.other", &err), 1);
    assert_int_equal(lv_pg_lease(a->impl, "test.other", &err), 0);
    lv_store_close(a);
    /* The server lets go of a's locks once it has seen a's connection
     * close; bounded wait. */
    for (int i = 0; i < 200 && rc == 0; i++) {
        rc = lv_pg_lease(c->impl, "test.sweeper", &err);
        if (rc == 0) {
            nanosleep(&pause, NULL);
        }
    }
    if (rc != 1) {
        fail_msg("the lease was not free 10 s after its holder closed");
    }
    lv_store_close(c);
}

/* ---- nodes starting together ---- */

#define TOGETHER 4

struct opener {
    pthread_barrier_t *go;
    int ok;
    char msg[512];
};

static void *open_at_once(void *arg)
{
    struct opener *o = arg;
    struct lv_store_config cfg = { spec, NULL };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;

    pthread_barrier_wait(o->go);
    s = lv_store_open(&cfg, &err);
    o->ok = s != NULL;
    snprintf(o->msg, sizeof(o->msg), "%s", s ? "" : err.msg);
    lv_store_close(s);
    return NULL;
}

/* Under the migration lock, one migrates and the others find it done:
 * without it, their CREATE TABLEs collide and some fail. */
static void test_migrate_together(void **state)
{
    pthread_barrier_t go;
    pthread_t th[TOGETHER];
    struct opener o[TOGETHER];

    (void)state;
    free(db_query("DROP SCHEMA public CASCADE; CREATE SCHEMA public"));
    pthread_barrier_init(&go, NULL, TOGETHER);
    for (int i = 0; i < TOGETHER; i++) {
        o[i].go = &go;
        assert_int_equal(pthread_create(&th[i], NULL, open_at_once, &o[i]),
                         0);
    }
    for (int i = 0; i < TOGETHER; i++) {
        pthread_join(th[i], NULL);
    }
    pthread_barrier_destroy(&go);
    for (int i = 0; i < TOGETHER; i++) {
        if (!o[i].ok) {
            fail_msg("opener %d: %s", i, o[i].msg);
        }
    }
    /* core, insights, lookup, respol, index, delivery, sched, anomaly,
     * livetail at 1; events and policies at 2, logs and audit at 3, kms
     * at 5: each once, and the eventID salt drawn once. */
    assert_int_equal(db_int("SELECT count(*) FROM schema_version"
                            " WHERE version = 1"), 9);
    assert_int_equal(db_int("SELECT count(*) FROM schema_version"
                            " WHERE component IN ('events',"
                            " 'policies') AND version = 2"), 2);
    assert_int_equal(db_int("SELECT count(*) FROM schema_version"
                            " WHERE component IN ('logs', 'audit')"
                            " AND version = 3"), 2);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key = 'audit.eid_salt'"
                            " AND length(value) = 16"), 1);
    assert_int_equal(db_int("SELECT count(*) FROM schema_version"
                            " WHERE component = 'kms' AND version = 5"), 1);
    assert_int_equal(db_int("SELECT count(*) FROM meta"
                            " WHERE key = 'core.created'"), 1);
}

/* ---- main ---- */

static void quiet(void *arg, const PGresult *res)
{
    (void)arg;
    (void)res;
}

static int make_db(void)
{
    const char *uri = getenv("LV_PG_ADMIN_URI");
    char sql[128];

    admin = PQconnectdb(uri);
    if (PQstatus(admin) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect with LV_PG_ADMIN_URI: %s",
                PQerrorMessage(admin));
        return -1;
    }
    PQsetNoticeReceiver(admin, quiet, NULL);
    snprintf(dbname, sizeof(dbname), "lv_unit_%ld", (long)getpid());
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s", dbname);
    PQclear(PQexec(admin, sql));
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", dbname);
    admin_run(sql);
    spec = spec_for(admin, dbname);
    return 0;
}

static void drop_db(void)
{
    char sql[128];

    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)",
             dbname);
    admin_run(sql);
    PQfinish(admin);
    free(spec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migrations),
        cmocka_unit_test(test_newer_refused),
        cmocka_unit_test(test_nested),
        cmocka_unit_test(test_begin_relaxed),
        cmocka_unit_test(test_lock),
        cmocka_unit_test(test_failed_statement),
        cmocka_unit_test(test_reconnect),
        cmocka_unit_test(test_meta_add_two_stores),
        cmocka_unit_test(test_kms_round_trip),
        cmocka_unit_test(test_kms_custom_key_store),
        cmocka_unit_test(test_lease),
        cmocka_unit_test(test_migrate_together),   /* empties the schema */
    };
    int rc;

    if (!getenv("LV_PG_ADMIN_URI") || !*getenv("LV_PG_ADMIN_URI")) {
        printf("skipped: LV_PG_ADMIN_URI not set\n");
        return 77;
    }
    lv_log_level = LV_LOG_WARN;
    if (make_db() < 0) {
        return 1;
    }
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    drop_db();
    return rc;
}
