/*
 * test_store: the store core and its SQLite backend — open, migrations
 * (fresh, reopen, forward, newer refused, failing step), per-thread
 * connections, the writers' turn, transactions, meta, the statement cache, failures to
 * open, and the background passes' use of leases (against a scripted
 * backend). Each test works in its own temporary directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <ftw.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "store/store_int.h"
#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

/* ---- helpers ---- */

struct tmp {
    char root[64];      /* removed at the end */
    char data[128];     /* root/data: not created beforehand */
    char db[160];       /* data/logvault.db */
};

static void tmp_make(struct tmp *t)
{
    snprintf(t->root, sizeof(t->root), "/tmp/lv-test-store-XXXXXX");
    assert_non_null(mkdtemp(t->root));
    snprintf(t->data, sizeof(t->data), "%s/data", t->root);
    snprintf(t->db, sizeof(t->db), "%s/logvault.db", t->data);
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void tmp_remove(struct tmp *t)
{
    nftw(t->root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static struct lv_store *open_with(const struct tmp *t,
                                  const struct lv_migration *const *lists,
                                  struct lv_err *err)
{
    struct lv_store_config cfg = { "sqlite", t->data };

    return lv_store_open_with(&cfg, lists, err);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;

    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    data = lv_xmalloc((size_t)n + 1);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return data;
}

static int version_of(struct lv_store *s, const char *component)
{
    struct lv_err err = LV_ERR_INIT;
    int v = -1;

    assert_int_equal(lv_store_schema_version(s, component, &v, &err), 0);
    return v;
}

static int max_version(const struct lv_migration *m)
{
    int max = 0;

    for (; m->component; m++) {
        max = m->version > max ? m->version : max;
    }
    return max;
}

/* Runs one query returning one integer on this thread's connection. */
static long long query_int(struct lv_store *s, const char *sql)
{
    struct lv_err err = LV_ERR_INIT;
    sqlite3_stmt *st;
    long long v;

    st = lv_sqlite_prepare(lv_sqlite_of(s), sql, &err);
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    v = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return v;
}

static void exec_ok(struct lv_store *s, const char *sql)
{
    struct lv_err err = LV_ERR_INIT;

    assert_int_equal(s->be->exec(s->impl, sql, &err), 0);
}

/* ---- fake component "fake" at several versions ---- */

static const struct lv_migration fake1[] = {
    { "fake", 1, "CREATE TABLE t1 (x INTEGER)" },
    LV_MIGRATION_END,
};
static const struct lv_migration fake2[] = {
    { "fake", 1, "CREATE TABLE t1 (x INTEGER)" },
    { "fake", 2, "CREATE TABLE t2 (x INTEGER)" },
    LV_MIGRATION_END,
};
static const struct lv_migration fake3[] = {
    { "fake", 1, "CREATE TABLE t1 (x INTEGER)" },
    { "fake", 2, "CREATE TABLE t2 (x INTEGER)" },
    { "fake", 3, "INSERT INTO t2 VALUES (7); INSERT INTO t2 VALUES (8)" },
    LV_MIGRATION_END,
};
/* Step 3's first statement works, its second does not. */
static const struct lv_migration fake3_bad[] = {
    { "fake", 1, "CREATE TABLE t1 (x INTEGER)" },
    { "fake", 2, "CREATE TABLE t2 (x INTEGER)" },
    { "fake", 3, "CREATE TABLE t3 (x INTEGER); CREATE TABL oops (x)" },
    LV_MIGRATION_END,
};
static const struct lv_migration other1[] = {
    { "other", 1, "CREATE TABLE o1 (x INTEGER)" },
    LV_MIGRATION_END,
};

static const struct lv_migration *const lists_fake1[] = { fake1, NULL };
static const struct lv_migration *const lists_fake2[] = { fake2, NULL };
static const struct lv_migration *const lists_fake3[] = { fake3, NULL };
static const struct lv_migration *const lists_fake3_bad[] = { fake3_bad,
                                                              NULL };
static const struct lv_migration other1_bad[] = {
    { "other", 1, "CREATE TABLE o1 (x INTEGER); CREATE TABL oops (x)" },
    LV_MIGRATION_END,
};

static const struct lv_migration *const lists_other1[] = { other1, NULL };
static const struct lv_migration *const lists_fake2_other1_bad[] = {
    fake2, other1_bad, NULL
};
static const struct lv_migration *const lists_both[] = { fake1, other1,
                                                         NULL };

/* ---- tests ---- */

static void test_fresh_open(void **state)
{
    struct tmp t;
    struct lv_store_config cfg = { 0 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_store *s;
    struct stat st;

    (void)state;
    tmp_make(&t);
    cfg.spec = NULL;
    cfg.data_dir = t.data;
    s = lv_store_open(&cfg, &err);
    assert_non_null(s);
    assert_int_equal(version_of(s, "core"), max_version(
                         lv_sqlite_migrations_core));
    assert_int_equal(version_of(s, "kms"), max_version(
                         lv_sqlite_migrations_kms));
    assert_int_equal(version_of(s, "logs"), max_version(
                         lv_sqlite_migrations_logs));
    assert_int_equal(version_of(s, "nothing"), 0);
    assert_int_equal(lv_store_ping(s, &err), 0);
    /* core 1 records when the store was created: 2024-01-02T03:04:05Z */
    assert_int_equal(lv_store_meta_get(s, "core.created", &b, &err), 1);
    assert_int_equal(b.len, 20);
    assert_int_equal(b.data[19], 'Z');
    assert_int_equal(query_int(s, "PRAGMA foreign_keys"), 1);
    assert_int_equal(query_int(s, "PRAGMA synchronous"), 2);  /* FULL */
    assert_int_equal(stat(t.data, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(stat(t.db, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    lv_store_close(s);
    lv_buf_release(&b);
    tmp_remove(&t);
}

static void test_journal_is_wal(void **state)
{
    struct tmp t;
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    sqlite3_stmt *st;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    st = lv_sqlite_prepare(lv_sqlite_of(s), "PRAGMA journal_mode", &err);
    assert_non_null(st);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_reset(st);
    lv_store_close(s);
    tmp_remove(&t);
}

/* Open with `first`, close, open with `second`: the versions after. */
struct migrate_case {
    const char *name;
    const struct lv_migration *const *first;
    const struct lv_migration *const *second;
    int fake;           /* fake's version after the second open */
    int other;
    long long t2_rows;  /* -1: no table t2 */
};

static const struct migrate_case migrate_cases[] = {
    { "reopen runs nothing again", lists_fake1, lists_fake1, 1, 0, -1 },
    { "reopen at v3 runs nothing again", lists_fake3, lists_fake3, 3, 0, 2 },
    { "v1 forward to v3", lists_fake1, lists_fake3, 3, 0, 2 },
    { "v2 forward to v3", lists_fake2, lists_fake3, 3, 0, 2 },
    { "v1 forward to v2", lists_fake1, lists_fake2, 2, 0, 0 },
    { "a new component joins", lists_fake1, lists_both, 1, 1, -1 },
};

static void test_migrate(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(migrate_cases) / sizeof(*migrate_cases);
         i++) {
        const struct migrate_case *c = &migrate_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_store *s;
        struct tmp t;

        print_message("case: %s\n", c->name);
        tmp_make(&t);
        s = open_with(&t, c->first, &err);
        assert_non_null(s);
        lv_store_close(s);
        s = open_with(&t, c->second, &err);
        if (!s) {
            print_message("case %s: %s\n", c->name, err.msg);
        }
        assert_non_null(s);
        assert_int_equal(version_of(s, "fake"), c->fake);
        assert_int_equal(version_of(s, "other"), c->other);
        if (c->t2_rows < 0) {
            assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master"
                                          " WHERE name = 't2'"), 0);
        } else {
            assert_int_equal(query_int(s, "SELECT count(*) FROM t2"),
                             c->t2_rows);
        }
        lv_store_close(s);
        tmp_remove(&t);
    }
}

/* before_migrate: called once the store is open and before any step; its
 * refusal stops the open with the database left at its old version. */
struct hook_seen {
    int calls;
    int fake_version;       /* what the hook read: the version before */
    int refuse;
};

static int hook(struct lv_store *s, void *arg, struct lv_err *err)
{
    struct hook_seen *h = arg;

    h->calls++;
    h->fake_version = version_of(s, "fake");
    if (h->refuse) {
        return lv_err_set(err, LV_E_INTERNAL_FAILURE, "refused by the hook");
    }
    return 0;
}

static void test_before_migrate(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct hook_seen h = { 0, -1, 1 };
    struct lv_store_config cfg = { 0 };
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    lv_store_close(s);
    cfg.spec = "sqlite";
    cfg.data_dir = t.data;
    cfg.before_migrate = hook;
    cfg.before_migrate_arg = &h;
    /* Refused: fake stays at 1 although the lists know 3. */
    s = lv_store_open_with(&cfg, lists_fake3, &err);
    assert_null(s);
    assert_string_equal(err.msg, "refused by the hook");
    assert_int_equal(h.calls, 1);
    assert_int_equal(h.fake_version, 1);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    assert_int_equal(version_of(s, "fake"), 1);
    lv_store_close(s);
    /* Allowed: it still runs before the steps, which then apply. */
    h.refuse = 0;
    s = lv_store_open_with(&cfg, lists_fake3, &err);
    assert_non_null(s);
    assert_int_equal(h.calls, 2);
    assert_int_equal(h.fake_version, 1);
    assert_int_equal(version_of(s, "fake"), 3);
    lv_store_close(s);
    tmp_remove(&t);
}

/* A database that a newer binary wrote: refused, the file unchanged. */
struct newer_case {
    const char *name;
    const struct lv_migration *const *written;
    const struct lv_migration *const *reader;
    const char *component;
    int version;
    int known;
};

static const struct newer_case newer_cases[] = {
    { "older binary", lists_fake3, lists_fake1, "fake", 3, 1 },
    { "older binary by one", lists_fake2, lists_fake1, "fake", 2, 1 },
    { "binary without the component", lists_fake1, lists_other1, "fake", 1,
      0 },
};

static void test_newer_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(newer_cases) / sizeof(*newer_cases); i++) {
        const struct newer_case *c = &newer_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_store *s;
        struct tmp t;
        char want[512];
        char *before;
        char *after;
        size_t nbefore;
        size_t nafter;

        print_message("case: %s\n", c->name);
        tmp_make(&t);
        s = open_with(&t, c->written, &err);
        assert_non_null(s);
        lv_store_close(s);
        before = read_file(t.db, &nbefore);

        s = open_with(&t, c->reader, &err);
        assert_null(s);
        assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
        snprintf(want, sizeof(want),
                 "store: %s has schema %s version %d, newer than this "
                 "logvault understands (%d); upgrade logvault",
                 t.db, c->component, c->version, c->known);
        assert_string_equal(err.msg, want);

        after = read_file(t.db, &nafter);
        assert_int_equal(nbefore, nafter);
        assert_memory_equal(before, after, nbefore);
        /* Nothing was created for the reader's component either. */
        s = open_with(&t, c->written, &err);
        assert_non_null(s);
        assert_int_equal(query_int(s, "SELECT count(*) FROM schema_version"),
                         1);
        lv_store_close(s);
        free(before);
        free(after);
        tmp_remove(&t);
    }
}

static void test_failing_step(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    lv_store_close(s);

    s = open_with(&t, lists_fake3_bad, &err);
    assert_null(s);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "migrating schema fake to version 3"));

    /* Step 2 stayed applied; step 3 left nothing behind, not even t3. */
    s = open_with(&t, lists_fake2, &err);
    assert_non_null(s);
    assert_int_equal(version_of(s, "fake"), 2);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master"
                                  " WHERE name = 't3'"), 0);
    lv_store_close(s);

    /* And a fixed binary still gets there. */
    s = open_with(&t, lists_fake3, &err);
    assert_non_null(s);
    assert_int_equal(version_of(s, "fake"), 3);
    lv_store_close(s);
    tmp_remove(&t);
}

/* A new database gets all its steps in one transaction: a failing step
 * of the last list leaves not even the first list's steps behind. */
static void test_failing_step_fresh(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake2_other1_bad, &err);
    assert_null(s);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_non_null(strstr(err.msg, "migrating schema other to version 1"));
    lv_err_release(&err);

    s = open_with(&t, lists_other1, &err);
    assert_non_null(s);
    assert_int_equal(version_of(s, "fake"), 0);
    assert_int_equal(version_of(s, "other"), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM sqlite_master"
                                  " WHERE name IN ('t1', 't2')"), 0);
    lv_store_close(s);

    /* And a fixed binary still gets there, step by step on a store that
     * has a schema now. */
    s = open_with(&t, lists_both, &err);
    assert_non_null(s);
    assert_int_equal(version_of(s, "fake"), 1);
    assert_int_equal(version_of(s, "other"), 1);
    lv_store_close(s);
    tmp_remove(&t);
}

/* ---- threads ---- */

#define WRITERS 4
#define WRITES 100

struct writer {
    struct lv_store *s;
    int id;
    sqlite3 *db;
    int failures;
};

static void *write_rows(void *arg)
{
    static const char insert[] = "INSERT INTO w (thread, n) VALUES (?1, ?2)";
    struct writer *w = arg;
    struct lv_err err = LV_ERR_INIT;
    sqlite3_stmt *st;

    w->db = lv_sqlite_conn(lv_sqlite_of(w->s), &err);
    for (int i = 0; i < WRITES; i++) {
        if (lv_store_begin(w->s, &err) < 0) {
            w->failures++;
            continue;
        }
        st = lv_sqlite_prepare(lv_sqlite_of(w->s), insert, &err);
        if (!st) {
            w->failures++;
            lv_store_rollback(w->s);
            continue;
        }
        sqlite3_bind_int(st, 1, w->id);
        sqlite3_bind_int(st, 2, i);
        if (sqlite3_step(st) != SQLITE_DONE) {
            w->failures++;
        }
        sqlite3_reset(st);
        if (lv_store_commit(w->s, &err) < 0) {
            w->failures++;
        }
    }
    return NULL;
}

static void test_threads_write(void **state)
{
    struct writer w[WRITERS];
    pthread_t th[WRITERS];
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    sqlite3 *mine;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    exec_ok(s, "CREATE TABLE w (thread INTEGER, n INTEGER)");
    mine = lv_sqlite_conn(lv_sqlite_of(s), &err);
    assert_non_null(mine);
    assert_int_equal(lv_sqlite_conn_count(lv_sqlite_of(s)), 1);
    for (int i = 0; i < WRITERS; i++) {
        w[i] = (struct writer){ s, i, NULL, 0 };
        assert_int_equal(pthread_create(&th[i], NULL, write_rows, &w[i]), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    for (int i = 0; i < WRITERS; i++) {
        assert_int_equal(w[i].failures, 0);
        assert_non_null(w[i].db);
        assert_ptr_not_equal(w[i].db, mine);
    }
    /* Each writer's connection closed when its thread exited. */
    assert_int_equal(lv_sqlite_conn_count(lv_sqlite_of(s)), 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM w"),
                     WRITERS * WRITES);
    assert_int_equal(query_int(s, "SELECT count(DISTINCT thread) FROM w"),
                     WRITERS);
    lv_store_close(s);
    tmp_remove(&t);
}

/* Two threads hold their connections at once: distinct, and each can write
 * while the other has written. */
struct holder {
    struct lv_store *s;
    pthread_barrier_t *opened;
    pthread_barrier_t *closed;
    sqlite3 *db;
};

static void *hold_conn(void *arg)
{
    struct holder *h = arg;
    struct lv_err err = LV_ERR_INIT;

    h->db = lv_sqlite_conn(lv_sqlite_of(h->s), &err);
    if (h->db) {
        lv_store_meta_set(h->s, "held", "x", 1, &err);
    }
    pthread_barrier_wait(h->opened);
    /* The main thread closes the store meanwhile; this thread then exits
     * with its key already deleted: nothing may be closed twice. */
    pthread_barrier_wait(h->closed);
    return NULL;
}

static void test_close_with_live_threads(void **state)
{
    pthread_barrier_t opened;
    pthread_barrier_t closed;
    struct holder h[2];
    pthread_t th[2];
    struct lv_store_config cfg = { 0 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    cfg.spec = "sqlite";
    cfg.data_dir = t.data;
    s = lv_store_open(&cfg, &err);
    assert_non_null(s);
    pthread_barrier_init(&opened, NULL, 3);
    pthread_barrier_init(&closed, NULL, 3);
    for (int i = 0; i < 2; i++) {
        h[i] = (struct holder){ s, &opened, &closed, NULL };
        assert_int_equal(pthread_create(&th[i], NULL, hold_conn, &h[i]), 0);
    }
    pthread_barrier_wait(&opened);
    assert_non_null(h[0].db);
    assert_non_null(h[1].db);
    assert_ptr_not_equal(h[0].db, h[1].db);
    assert_int_equal(lv_sqlite_conn_count(lv_sqlite_of(s)), 3);
    lv_store_close(s);
    pthread_barrier_wait(&closed);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(pthread_join(th[i], NULL), 0);
    }
    pthread_barrier_destroy(&opened);
    pthread_barrier_destroy(&closed);
    tmp_remove(&t);
}

/* ---- the writers' turn (turn.c) ---- */

/* Until n threads wait for the turn (they block, so this only polls);
 * fails after a minute of waiting, as a thread that never queues would
 * leave it. */
static void wait_queued(struct lv_sqlite_turn *t, int n)
{
    for (int i = 0; lv_sqlite_turn_waiting(t) < n; i++) {
        assert_true(i < 60000);
        usleep(1000);
    }
}

#define TURN_THREADS 4

struct turn_taker {
    struct lv_sqlite_turn *t;
    int id;
    int timeout_ms;
    int rc;                     /* what take answered */
    pthread_mutex_t *mu;        /* guards order and n */
    int *order;
    int *n;
};

static void *take_turn(void *arg)
{
    struct turn_taker *k = arg;

    k->rc = lv_sqlite_turn_take(k->t, k->timeout_ms);
    if (k->rc == 0) {
        pthread_mutex_lock(k->mu);
        k->order[(*k->n)++] = k->id;
        pthread_mutex_unlock(k->mu);
        lv_sqlite_turn_give(k->t);
    }
    return NULL;
}

/* Threads get the turn in the order they asked for it, and one whose wait
 * runs out leaves the queue without holding up those behind it. */
static void test_turn_order(void **state)
{
    struct lv_sqlite_turn t;
    struct turn_taker k[TURN_THREADS];
    pthread_t th[TURN_THREADS];
    pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    int order[TURN_THREADS];
    int n = 0;

    (void)state;
    lv_sqlite_turn_init(&t);
    /* Free: taken at once, and again once given back. */
    assert_int_equal(lv_sqlite_turn_take(&t, 0), 0);
    lv_sqlite_turn_give(&t);
    assert_int_equal(lv_sqlite_turn_take(&t, 0), 0);
    /* Held: a wait runs out (and leaves nothing queued). */
    assert_int_equal(lv_sqlite_turn_take(&t, 20), -1);
    assert_int_equal(lv_sqlite_turn_waiting(&t), 0);
    /* Four threads queue one after the other; the third gives up. */
    for (int i = 0; i < TURN_THREADS; i++) {
        k[i] = (struct turn_taker){ &t, i, i == 2 ? 50 : 60000, -2, &mu,
                                    order, &n };
        assert_int_equal(pthread_create(&th[i], NULL, take_turn, &k[i]), 0);
        wait_queued(&t, i == 3 ? 3 : i + 1);
        if (i == 2) {
            assert_int_equal(pthread_join(th[2], NULL), 0);
            assert_int_equal(k[2].rc, -1);
            assert_int_equal(lv_sqlite_turn_waiting(&t), 2);
        }
    }
    lv_sqlite_turn_give(&t);
    for (int i = 0; i < TURN_THREADS; i++) {
        if (i != 2) {
            assert_int_equal(pthread_join(th[i], NULL), 0);
            assert_int_equal(k[i].rc, 0);
        }
    }
    assert_int_equal(n, 3);
    assert_int_equal(order[0], 0);
    assert_int_equal(order[1], 1);
    assert_int_equal(order[2], 3);
    /* The last gave it back: free again. */
    assert_int_equal(lv_sqlite_turn_take(&t, 0), 0);
    lv_sqlite_turn_give(&t);
    lv_sqlite_turn_destroy(&t);
}

struct turn_writer {
    struct lv_store *s;
    int rc;
};

/* A write outside any transaction, through util.c's helpers. */
static void *write_alone(void *arg)
{
    static const char sql[] = "INSERT INTO w (thread, n) VALUES (1, 1)";
    struct turn_writer *w = arg;
    struct lv_err err = LV_ERR_INIT;
    struct lv_sqlite_bind b;

    w->rc = lv_sqlite_start(lv_sqlite_of(w->s), sql, &b, &err);
    if (w->rc == 0) {
        w->rc = lv_sqlite_run_done(&b, "insert", &err);
    }
    return NULL;
}

/* A transaction, and it ends with its thread without a commit (begun on
 * the backend: the store core's bookkeeping of it would leak). */
static void *begin_and_exit(void *arg)
{
    struct turn_writer *w = arg;
    struct lv_err err = LV_ERR_INIT;

    w->rc = w->s->be->begin(w->s->impl, &err);
    if (w->rc == 0) {
        w->rc = w->s->be->exec(w->s->impl,
                               "INSERT INTO w (thread, n) VALUES (2, 2)",
                               &err);
    }
    return NULL;
}

static void *set_meta(void *arg)
{
    struct turn_writer *w = arg;
    struct lv_err err = LV_ERR_INIT;

    w->rc = lv_store_meta_set(w->s, "turn", "x", 1, &err);
    return NULL;
}

/* Opens a transaction on s and starts fn(w) in a thread; returns once
 * that thread waits for the turn. */
static pthread_t queue_behind(struct lv_store *s, struct lv_sqlite_turn *turn,
                              void *(*fn)(void *), struct turn_writer *w)
{
    struct lv_err err = LV_ERR_INIT;
    pthread_t th;

    w->rc = -2;
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(pthread_create(&th, NULL, fn, w), 0);
    wait_queued(turn, 1);
    return th;
}

/* Ends queue_behind's transaction (commit or rollback); the thread then
 * has the turn, and what it did succeeded. */
static void end_and_join(struct lv_store *s, pthread_t th,
                         const struct turn_writer *w, int commit)
{
    struct lv_err err = LV_ERR_INIT;

    if (commit) {
        assert_int_equal(lv_store_commit(s, &err), 0);
    } else {
        lv_store_rollback(s);
    }
    assert_int_equal(pthread_join(th, NULL), 0);
    assert_int_equal(w->rc, 0);
}

/* The store's writers take the turn: a write outside a transaction queues
 * behind an open transaction (rather than polling SQLite's lock), a meta
 * write too, and a thread that ends inside a transaction passes the turn
 * on as its connection closes. */
static void test_turn_in_store(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct turn_writer w = { NULL, -2 };
    struct lv_store_config cfg = { 0 };
    struct lv_sqlite_turn *turn;
    struct lv_store *s;
    pthread_t th;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    cfg.spec = "sqlite";
    cfg.data_dir = t.data;
    s = lv_store_open(&cfg, &err);     /* with the meta table */
    assert_non_null(s);
    turn = lv_sqlite_turn_of(lv_sqlite_of(s));
    exec_ok(s, "CREATE TABLE w (thread INTEGER, n INTEGER)");
    w.s = s;

    th = queue_behind(s, turn, write_alone, &w);
    assert_int_equal(query_int(s, "SELECT count(*) FROM w"), 0);
    end_and_join(s, th, &w, 1);
    assert_int_equal(query_int(s, "SELECT count(*) FROM w"), 1);

    th = queue_behind(s, turn, begin_and_exit, &w);
    end_and_join(s, th, &w, 0);
    /* Its connection closed with the thread, its insert undone, and the
     * turn is free: taken at once. */
    assert_int_equal(lv_sqlite_turn_take(turn, 0), 0);
    lv_sqlite_turn_give(turn);
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM w"), 1);
    assert_int_equal(lv_store_commit(s, &err), 0);

    th = queue_behind(s, turn, set_meta, &w);
    end_and_join(s, th, &w, 0);
    lv_store_close(s);
    tmp_remove(&t);
}

/* ---- transactions ---- */

/* lv_store_begin_relaxed: a transaction like any other (kept on commit,
 * undone on rollback, levels nested in it), run with synchronous=NORMAL,
 * and the connection back at FULL once it ends, whichever way. */
static void test_begin_relaxed(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    assert_int_equal(query_int(s, "PRAGMA synchronous"), 2);   /* FULL */

    assert_int_equal(lv_store_begin_relaxed(s, &err), 0);
    assert_int_equal(query_int(s, "PRAGMA synchronous"), 1);   /* NORMAL */
    exec_ok(s, "INSERT INTO t1 VALUES (1)");
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (2)");
    lv_store_rollback(s);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 1);
    assert_int_equal(query_int(s, "PRAGMA synchronous"), 2);

    assert_int_equal(lv_store_begin_relaxed(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (3)");
    lv_store_rollback(s);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 1);
    assert_int_equal(query_int(s, "PRAGMA synchronous"), 2);

    /* Work after it commits with FULL again (no transaction left open). */
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (4)");
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 2);
    lv_store_close(s);
    tmp_remove(&t);
}

static void test_transactions(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);

    /* rollback undoes */
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (1)");
    lv_store_rollback(s);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 0);

    /* commit keeps */
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (2)");
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 1);

    /* nested: an inner rollback undoes only its own level */
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (10)");
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (11)");
    lv_store_rollback(s);
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (12)");
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (13)");
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 4);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"
                                  " WHERE x IN (2, 10, 12, 13)"), 4);

    /* nested: an outer rollback undoes committed inner levels */
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (20)");
    assert_int_equal(lv_store_commit(s, &err), 0);
    lv_store_rollback(s);
    assert_int_equal(query_int(s, "SELECT count(*) FROM t1"), 4);
    lv_store_close(s);
    tmp_remove(&t);
}

/* ---- after-commit work ---- */

/* What a hook saw: the order it ran in (a code per call) and, for a hook
 * that checks, the count another connection reads at that moment. */
struct hook_log {
    struct lv_store *s;
    char ran[32];
    size_t n;
    int seen_by_other;
};

struct hook_arg {
    struct hook_log *log;
    char code;
};

static void *count_on_other_thread(void *arg)
{
    struct hook_log *log = arg;

    log->seen_by_other = query_int(log->s, "SELECT count(*) FROM t1");
    return NULL;
}

static void hook_ran(void *arg)
{
    struct hook_arg *a = arg;

    a->log->ran[a->log->n++] = a->code;
}

static void hook_dropped(void *arg)
{
    struct hook_arg *a = arg;

    a->log->ran[a->log->n++] = (char)(a->code - 'a' + 'A');
}

/* A hook that reads, from another thread (another connection), what the
 * transaction wrote: it must already be visible. */
static void hook_reads(void *arg)
{
    struct hook_arg *a = arg;
    pthread_t th;

    assert_int_equal(pthread_create(&th, NULL, count_on_other_thread,
                                    a->log), 0);
    assert_int_equal(pthread_join(th, NULL), 0);
    hook_ran(arg);
}

static void test_after_commit(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct hook_log log = { 0 };
    struct hook_arg a = { &log, 'a' }, b = { &log, 'b' }, c = { &log, 'c' },
                    d = { &log, 'd' }, e = { &log, 'e' };
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    log.s = s;

    /* outside a transaction: at once */
    lv_store_after_commit(s, hook_ran, hook_dropped, &a);
    assert_string_equal(log.ran, "a");

    /* after the outermost commit, in order; not before; visible to
     * another connection when it runs */
    memset(log.ran, 0, sizeof(log.ran)), log.n = 0;
    assert_int_equal(lv_store_begin(s, &err), 0);
    exec_ok(s, "INSERT INTO t1 VALUES (1)");
    lv_store_after_commit(s, hook_reads, hook_dropped, &b);
    assert_int_equal(lv_store_begin(s, &err), 0);
    lv_store_after_commit(s, hook_ran, hook_dropped, &c);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(log.n, 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_string_equal(log.ran, "bc");
    assert_int_equal(log.seen_by_other, 1);

    /* a rollback drops; an inner rollback drops only its own level's */
    memset(log.ran, 0, sizeof(log.ran)), log.n = 0;
    assert_int_equal(lv_store_begin(s, &err), 0);
    lv_store_after_commit(s, hook_ran, hook_dropped, &a);
    assert_int_equal(lv_store_begin(s, &err), 0);
    lv_store_after_commit(s, hook_ran, hook_dropped, &b);
    lv_store_rollback(s);
    assert_string_equal(log.ran, "B");
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_string_equal(log.ran, "Ba");

    /* an inner commit moves its work out; the outer rollback drops it */
    memset(log.ran, 0, sizeof(log.ran)), log.n = 0;
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_begin(s, &err), 0);
    lv_store_after_commit(s, hook_ran, hook_dropped, &d);
    assert_int_equal(lv_store_commit(s, &err), 0);
    lv_store_after_commit(s, NULL, hook_dropped, &e);
    lv_store_rollback(s);
    assert_string_equal(log.ran, "DE");

    /* and the next transaction starts clean */
    memset(log.ran, 0, sizeof(log.ran)), log.n = 0;
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_commit(s, &err), 0);
    assert_int_equal(log.n, 0);
    lv_store_close(s);
    tmp_remove(&t);
}

/* ---- meta ---- */

struct meta_case {
    const char *name;
    const char *key;
    const char *value;
    size_t len;
};

static const struct meta_case meta_cases[] = {
    { "text", "test.text", "hello", 5 },
    { "binary with NUL and 0xff", "test.bin", "a\0b\xff", 4 },
    { "empty", "test.empty", "", 0 },
    { "32 bytes", "test.check", "0123456789abcdef0123456789abcdef", 32 },
};

static void test_meta(void **state)
{
    struct lv_store_config cfg = { 0 };
    struct lv_err err = LV_ERR_INIT;
    struct lv_buf b = LV_BUF_INIT(64);
    struct lv_buf small = LV_BUF_INIT(2);
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    cfg.spec = "sqlite";
    cfg.data_dir = t.data;
    s = lv_store_open(&cfg, &err);
    assert_non_null(s);
    for (size_t i = 0; i < sizeof(meta_cases) / sizeof(*meta_cases); i++) {
        const struct meta_case *c = &meta_cases[i];

        print_message("case: %s\n", c->name);
        lv_buf_reset(&b);
        lv_buf_adds(&b, "untouched");
        assert_int_equal(lv_store_meta_get(s, c->key, &b, &err), 0);
        assert_string_equal(b.data, "untouched");
        assert_int_equal(lv_store_meta_set(s, c->key, c->value, c->len, &err),
                         0);
        assert_int_equal(lv_store_meta_get(s, c->key, &b, &err), 1);
        assert_int_equal(b.len, c->len);
        assert_memory_equal(b.data, c->value, c->len);
        /* add does not replace */
        assert_int_equal(lv_store_meta_add(s, c->key, "zz", 2, &err), 0);
        assert_int_equal(lv_store_meta_get(s, c->key, &b, &err), 1);
        assert_int_equal(b.len, c->len);
        assert_memory_equal(b.data, c->value, c->len);
        /* set does */
        assert_int_equal(lv_store_meta_set(s, c->key, "new", 3, &err), 0);
        assert_int_equal(lv_store_meta_get(s, c->key, &b, &err), 1);
        assert_int_equal(b.len, 3);
        assert_memory_equal(b.data, "new", 3);
    }
    assert_int_equal(lv_store_meta_add(s, "test.once", "1", 1, &err), 1);
    assert_int_equal(lv_store_meta_add(s, "test.once", "2", 1, &err), 0);
    assert_int_equal(lv_store_meta_get(s, "test.once", &b, &err), 1);
    assert_string_equal(b.data, "1");
    assert_int_equal(lv_store_meta_set(s, "test.null", NULL, 0, &err), 0);
    assert_int_equal(lv_store_meta_get(s, "test.null", &b, &err), 1);
    assert_int_equal(b.len, 0);

    /* a value longer than the buffer's ceiling: an error, buffer as was */
    lv_buf_adds(&small, "ab");
    assert_int_equal(lv_store_meta_get(s, "test.text", &small, &err), -1);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_string_equal(small.data, "ab");

    /* inside a rolled-back transaction, a set is undone */
    assert_int_equal(lv_store_begin(s, &err), 0);
    assert_int_equal(lv_store_meta_set(s, "test.txn", "x", 1, &err), 0);
    lv_store_rollback(s);
    assert_int_equal(lv_store_meta_get(s, "test.txn", &b, &err), 0);

    /* survives a reopen */
    lv_store_close(s);
    s = lv_store_open(&cfg, &err);
    assert_non_null(s);
    assert_int_equal(lv_store_meta_get(s, "test.once", &b, &err), 1);
    assert_string_equal(b.data, "1");
    lv_store_close(s);
    lv_buf_release(&b);
    lv_buf_release(&small);
    tmp_remove(&t);
}

/* ---- the statement cache ---- */

#define MANY 100
static char many_sql[MANY][32];

static void test_stmt_cache(void **state)
{
    static const char one[] = "SELECT 1";
    sqlite3_stmt *first[MANY];
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    sqlite3_stmt *a;
    sqlite3_stmt *b;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);

    a = lv_sqlite_prepare(lv_sqlite_of(s), one, &err);
    assert_non_null(a);
    assert_int_equal(sqlite3_bind_parameter_count(a), 0);
    assert_int_equal(sqlite3_step(a), SQLITE_ROW);
    /* left mid-step: the next prepare hands it back reset */
    b = lv_sqlite_prepare(lv_sqlite_of(s), one, &err);
    assert_ptr_equal(a, b);
    assert_int_equal(sqlite3_stmt_busy(b), 0);

    /* many statements: the cache grows and still finds each */
    for (int i = 0; i < MANY; i++) {
        snprintf(many_sql[i], sizeof(many_sql[i]), "SELECT %d", i);
        first[i] = lv_sqlite_prepare(lv_sqlite_of(s), many_sql[i], &err);
        assert_non_null(first[i]);
    }
    for (int i = 0; i < MANY; i++) {
        b = lv_sqlite_prepare(lv_sqlite_of(s), many_sql[i], &err);
        assert_ptr_equal(b, first[i]);
        assert_int_equal(sqlite3_step(b), SQLITE_ROW);
        assert_int_equal(sqlite3_column_int(b, 0), i);
        sqlite3_reset(b);
    }

    /* bad SQL: a generic error for the client */
    a = lv_sqlite_prepare(lv_sqlite_of(s), "SELEKT nothing", &err);
    assert_null(a);
    assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
    assert_string_equal(err.msg, LV_STORE_UNAVAILABLE_MSG);
    lv_store_close(s);
    tmp_remove(&t);
}

static void test_cleared_bindings(void **state)
{
    static const char sql[] = "SELECT ?1 IS NULL";
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    sqlite3_stmt *st;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    st = lv_sqlite_prepare(lv_sqlite_of(s), sql, &err);
    sqlite3_bind_int(st, 1, 42);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    st = lv_sqlite_prepare(lv_sqlite_of(s), sql, &err);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 1);
    sqlite3_reset(st);
    lv_store_close(s);
    tmp_remove(&t);
}

/* ---- failures to open ---- */

enum setup { SETUP_NONE, SETUP_FILE_AS_DIR, SETUP_GARBAGE_DB, SETUP_DB_DIR };

struct open_fail_case {
    const char *name;
    const char *spec;
    enum setup setup;
    const char *want;   /* a substring of the message */
};

static const struct open_fail_case open_fail_cases[] = {
    { "data dir under a regular file", "sqlite", SETUP_FILE_AS_DIR,
      "store: cannot create data directory" },
    { "not a database", "sqlite", SETUP_GARBAGE_DB,
      "file is not a database" },
    { "database path is a directory", "sqlite", SETUP_DB_DIR,
      "store: cannot open" },
    { "unknown store kind", "mysql://x", SETUP_NONE,
      "store: unknown store kind" },
    /* Nothing listens on port 1: refused at once, the password unsaid. */
    { "postgresql unreachable", "postgresql://u:secret@127.0.0.1:1/db",
      SETUP_NONE, "store: cannot connect to the PostgreSQL database" },
    { "postgresql spec unreadable", "host=127.0.0.1 password='secret",
      SETUP_NONE, "not a PostgreSQL connection URI or conninfo" },
};

static void test_open_failures(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(open_fail_cases) / sizeof(*open_fail_cases);
         i++) {
        const struct open_fail_case *c = &open_fail_cases[i];
        struct lv_err err = LV_ERR_INIT;
        struct lv_store_config cfg = { 0 };
        char garbage[4096];
        char path[256];
        struct lv_store *s;
        struct tmp t;
        int fd;

        print_message("case: %s\n", c->name);
        tmp_make(&t);
        cfg.spec = c->spec;
        cfg.data_dir = t.data;
        switch (c->setup) {
        case SETUP_NONE:
            break;
        case SETUP_FILE_AS_DIR:
            snprintf(path, sizeof(path), "%s/file", t.root);
            fd = open(path, O_CREAT | O_WRONLY, 0600);
            assert_true(fd >= 0);
            close(fd);
            snprintf(path, sizeof(path), "%s/file/data", t.root);
            cfg.data_dir = path;
            break;
        case SETUP_GARBAGE_DB:
            assert_int_equal(mkdir(t.data, 0700), 0);
            fd = open(t.db, O_CREAT | O_WRONLY, 0600);
            assert_true(fd >= 0);
            memset(garbage, 'g', sizeof(garbage));
            assert_int_equal(write(fd, garbage, sizeof(garbage)),
                             (ssize_t)sizeof(garbage));
            close(fd);
            break;
        case SETUP_DB_DIR:
            assert_int_equal(mkdir(t.data, 0700), 0);
            assert_int_equal(mkdir(t.db, 0700), 0);
            break;
        }
        s = lv_store_open(&cfg, &err);
        assert_null(s);
        assert_int_equal(err.code, LV_E_SERVICE_UNAVAILABLE);
        if (!strstr(err.msg, c->want)) {
            print_message("case %s: got \"%s\"\n", c->name, err.msg);
        }
        assert_non_null(strstr(err.msg, c->want));
        assert_null(strstr(err.msg, "secret"));
        tmp_remove(&t);
    }
}

static void test_ping(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_store *s;
    struct tmp t;

    (void)state;
    tmp_make(&t);
    s = open_with(&t, lists_fake1, &err);
    assert_non_null(s);
    assert_int_equal(lv_store_ping(s, &err), 0);
    assert_int_equal(lv_store_ping(s, &err), 0);
    lv_store_close(s);
    lv_store_close(NULL);
    tmp_remove(&t);
}

/* ---- leases for background passes ---- */

/* A backend whose lease answers a script: 1, 0 or -1 (a fault). */
struct lease_script {
    const int *answers;
    size_t next;
};

static int scripted_lease(void *impl, const char *name, struct lv_err *err)
{
    struct lease_script *sc = impl;
    int a = sc->answers[sc->next++];

    (void)name;
    if (a < 0) {
        return lv_err_set(err, LV_E_SERVICE_UNAVAILABLE, "store down");
    }
    return a;
}

/* lv_store_lease_pass(): runs the pass only with the lease (a fault
 * skips it too), and logs a line only when the answer changes. */
static void test_lease_pass(void **state)
{
    static const int answers[] = { 1, 1, 0, 0, -1, -1, 1, 1 };
    static const int runs[] = { 1, 1, 0, 0, 0, 0, 1, 1 };
    static const char *const lines[] = {
        "store: lease held name=t.pass",
        "store: lease held by another node name=t.pass",
        "store: lease unknown, pass skipped name=t.pass: store down",
        "store: lease held name=t.pass",
    };
    struct lv_store_backend be;
    struct lease_script sc = { answers, 0 };
    struct lv_store s;
    char path[] = "/tmp/lv-test-lease-XXXXXX";
    char text[2048];
    int lease = LV_STORE_LEASE_UNKNOWN;
    int saved_level = lv_log_level;
    int fd = mkstemp(path);
    int saved = dup(2);
    ssize_t n;
    const char *p;

    (void)state;
    assert_true(fd >= 0 && saved >= 0);
    memset(&be, 0, sizeof(be));
    be.name = "scripted";
    be.lease = scripted_lease;
    memset(&s, 0, sizeof(s));
    s.be = &be;
    s.impl = &sc;
    lv_log_level = LV_LOG_DEBUG;
    fflush(stderr);
    assert_true(dup2(fd, 2) == 2);
    for (size_t i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
        int ran = lv_store_lease_pass(&s, "t.pass", &lease);

        if (ran != runs[i]) {
            fflush(stderr);
            dup2(saved, 2);
            fail_msg("pass %zu: ran %d, expected %d", i, ran, runs[i]);
        }
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    lv_log_level = saved_level;
    n = pread(fd, text, sizeof(text) - 1, 0);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    text[n] = '\0';
    p = text;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        p = strstr(p, lines[i]);
        if (!p) {
            fail_msg("no line %zu \"%s\" in order in:\n%s", i, lines[i],
                     text);
        }
        p = strchr(p, '\n');
        assert_non_null(p);
    }
    /* Four lines for eight passes: one per change, none more. */
    n = 0;
    for (p = text; (p = strchr(p, '\n')); p++) {
        n++;
    }
    assert_int_equal(n, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fresh_open),
        cmocka_unit_test(test_journal_is_wal),
        cmocka_unit_test(test_migrate),
        cmocka_unit_test(test_newer_refused),
        cmocka_unit_test(test_before_migrate),
        cmocka_unit_test(test_failing_step_fresh),
        cmocka_unit_test(test_failing_step),
        cmocka_unit_test(test_threads_write),
        cmocka_unit_test(test_close_with_live_threads),
        cmocka_unit_test(test_turn_order),
        cmocka_unit_test(test_turn_in_store),
        cmocka_unit_test(test_transactions),
        cmocka_unit_test(test_begin_relaxed),
        cmocka_unit_test(test_after_commit),
        cmocka_unit_test(test_meta),
        cmocka_unit_test(test_stmt_cache),
        cmocka_unit_test(test_cleared_bindings),
        cmocka_unit_test(test_open_failures),
        cmocka_unit_test(test_ping),
        cmocka_unit_test(test_lease_pass),
    };

    lv_log_level = LV_LOG_WARN;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
