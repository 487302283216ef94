/*
 * Unit tests for the groups, streams and tags sections of
 * src/store/logs_store.h on the sqlite backend, the retention pass, chunk
 * sequence reservations, and store.h's leases. Each test opens a fresh
 * store in a temporary data dir. Table-driven where cases differ only in
 * data: each row has a name, printed when it fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logs/retention.h"
#include "store/logs_store.h"
#include "store/store.h"
#include "store/sqlite/sqlite_int.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/mem.h"

#include "helpers.h"

#define ACCT_A "111111111111"
#define ACCT_B "222222222222"
#define REGION "eu-west-2"

/* ---- fixture ------------------------------------------------------------ */

static int setup(void **state)
{
    return lv_test_store_new(state, "logs-store");
}

static int teardown(void **state)
{
    return lv_test_store_free(state);
}

/* ---- helpers ------------------------------------------------------------ */

static int64_t add_group(struct lv_store *s, const char *account,
                         const char *name)
{
    struct lv_log_group g;
    struct lv_err err = LV_ERR_INIT;

    memset(&g, 0, sizeof(g));
    snprintf(g.account, sizeof(g.account), "%s", account);
    snprintf(g.region, sizeof(g.region), REGION);
    snprintf(g.name, sizeof(g.name), "%s", name);
    g.creation_time = 1700000000123;
    assert_int_equal(lv_store_logs_group_insert(s, &g, &err), 0);
    assert_true(g.id > 0);
    return g.id;
}

static int64_t add_stream(struct lv_store *s, int64_t group_id,
                          const char *name)
{
    struct lv_log_stream st;
    struct lv_err err = LV_ERR_INIT;

    memset(&st, 0, sizeof(st));
    st.group_id = group_id;
    snprintf(st.name, sizeof(st.name), "%s", name);
    st.creation_time = 1700000000456;
    assert_int_equal(lv_store_logs_stream_insert(s, &st, &err), 0);
    assert_true(st.id > 0);
    return st.id;
}

/* Names seen by a walk, joined with ",". */
struct names {
    char buf[4096];
    int stop_after;             /* > 0: stop (return 7) after that many */
    int n;
};

static void names_add(struct names *ns, const char *name)
{
    size_t len = strlen(ns->buf);

    snprintf(ns->buf + len, sizeof(ns->buf) - len, "%s%s", len ? "," : "",
             name);
    ns->n++;
}

static int group_name(void *arg, const struct lv_log_group *g)
{
    struct names *ns = arg;

    names_add(ns, g->name);
    return ns->stop_after > 0 && ns->n == ns->stop_after ? 7 : 0;
}

static int stream_name(void *arg, const struct lv_log_stream *st)
{
    struct names *ns = arg;

    names_add(ns, st->name);
    return ns->stop_after > 0 && ns->n == ns->stop_after ? 7 : 0;
}

static int tag_pair(void *arg, const char *key, const char *value)
{
    struct names *ns = arg;
    char kv[600];

    snprintf(kv, sizeof(kv), "%s=%s", key, value);
    names_add(ns, kv);
    return 0;
}

/* ---- groups ------------------------------------------------------------- */

static void test_group_crud(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_group g;
    struct lv_log_group dup;
    int64_t id = add_group(f->s, ACCT_A, "/app/one");

    memset(&g, 0, sizeof(g));
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_A, REGION,
                                             "/app/one", &g, &err), 1);
    assert_int_equal(g.id, id);
    assert_string_equal(g.account, ACCT_A);
    assert_string_equal(g.region, REGION);
    assert_int_equal(g.creation_time, 1700000000123);
    assert_int_equal(g.retention_days, 0);
    assert_string_equal(g.kms_key_arn, "");
    assert_string_equal(g.log_group_class, "STANDARD");
    assert_int_equal(g.deletion_protection, 0);
    assert_int_equal(g.stored_bytes, 0);

    /* Same name in the scope: 1, nothing written. Another account: ok. */
    dup = g;
    dup.id = 0;
    dup.retention_days = 7;
    assert_int_equal(lv_store_logs_group_insert(f->s, &dup, &err), 1);
    add_group(f->s, ACCT_B, "/app/one");
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_A, REGION,
                                             "/app/one", &g, &err), 1);
    assert_int_equal(g.retention_days, 0);
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_A, "us-east-1",
                                             "/app/one", &g, &err), 0);
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_A, REGION,
                                             "/app/One", &g, &err), 0);

    assert_int_equal(lv_store_logs_group_set_retention(f->s, id, 30, &err),
                     1);
    assert_int_equal(lv_store_logs_group_set_kms_key(
                         f->s, id, "arn:aws:kms:eu-west-2:111111111111:key/k",
                         &err), 1);
    assert_int_equal(lv_store_logs_group_set_deletion_protection(f->s, id, 1,
                                                                 &err), 1);
    memset(&g, 0, sizeof(g));
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, id, &g, &err), 1);
    assert_string_equal(g.name, "/app/one");
    assert_int_equal(g.retention_days, 30);
    assert_string_equal(g.kms_key_arn,
                        "arn:aws:kms:eu-west-2:111111111111:key/k");
    assert_int_equal(g.deletion_protection, 1);
    /* Each setter left the other fields as they were. */
    assert_int_equal(g.creation_time, 1700000000123);
    assert_string_equal(g.log_group_class, "STANDARD");

    /* Protected: not deleted; unprotected: deleted; then gone. */
    assert_int_equal(lv_store_logs_group_delete_unprotected(f->s, id, &err),
                     2);
    assert_int_equal(lv_store_logs_group_set_deletion_protection(f->s, id, 0,
                                                                 &err), 1);
    assert_int_equal(lv_store_logs_group_delete_unprotected(f->s, id, &err),
                     1);
    assert_int_equal(lv_store_logs_group_get_by_id(f->s, id, &g, &err), 0);
    assert_int_equal(lv_store_logs_group_delete_unprotected(f->s, id, &err),
                     0);
    /* A setter on a group that is gone changes nothing and says so. */
    assert_int_equal(lv_store_logs_group_set_retention(f->s, id, 7, &err),
                     0);
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_B, REGION,
                                             "/app/one", &g, &err), 1);
}

static void test_group_list(void **state)
{
    static const char *const names[] = {
        "/app/b", "/app/a", "/app/aa", "/app/c", "/apq", "/ap", "#x",
        "Upper", "lower", "/app/a/deep",
    };
    static const struct {
        const char *name;
        const char *prefix;
        const char *after;
        int limit;
        int stop_after;
        const char *want;
        int want_rc;
    } cases[] = {
        { "all, ascii order", "", "", 0, 0,
          "#x,/ap,/app/a,/app/a/deep,/app/aa,/app/b,/app/c,/apq,Upper,lower",
          0 },
        { "prefix", "/app/", "", 0, 0, "/app/a,/app/a/deep,/app/aa,/app/b,"
          "/app/c", 0 },
        { "prefix is a name", "/app/a", "", 0, 0,
          "/app/a,/app/a/deep,/app/aa", 0 },
        { "prefix and after", "/app/", "/app/aa", 0, 0, "/app/b,/app/c", 0 },
        { "after only", "", "/apq", 0, 0, "Upper,lower", 0 },
        { "limit", "", "", 3, 0, "#x,/ap,/app/a", 0 },
        { "limit and after", "", "/app/a", 2, 0, "/app/a/deep,/app/aa", 0 },
        { "no match", "/zzz", "", 0, 0, "", 0 },
        { "prefix case-sensitive", "/APP", "", 0, 0, "", 0 },
        { "callback stops", "", "", 0, 2, "#x,/ap", 7 },
    };
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;

    for (size_t i = 0; i < N(names); i++) {
        add_group(f->s, ACCT_A, names[i]);
    }
    add_group(f->s, ACCT_B, "/app/other-account");
    for (size_t i = 0; i < N(cases); i++) {
        struct names ns;
        int rc;

        memset(&ns, 0, sizeof(ns));
        ns.stop_after = cases[i].stop_after;
        rc = lv_store_logs_group_list(f->s, ACCT_A, REGION, cases[i].prefix,
                                      cases[i].after, cases[i].limit,
                                      group_name, &ns, &err);
        CHECK(cases[i].name, rc == cases[i].want_rc);
        if (strcmp(ns.buf, cases[i].want) != 0) {
            fail_msg("%s: got '%s' want '%s'", cases[i].name, ns.buf,
                     cases[i].want);
        }
    }
}

static void test_group_list_many(void **state)
{
    /* More than one batch of the walk (64). */
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct names ns;
    char name[32];

    for (int i = 0; i < 150; i++) {
        snprintf(name, sizeof(name), "g%03d", i);
        add_group(f->s, ACCT_A, name);
    }
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_group_list(f->s, ACCT_A, REGION, "", "",
                                              0, group_name, &ns, &err), 0);
    assert_int_equal(ns.n, 150);
    assert_non_null(strstr(ns.buf, "g063,g064,g065"));
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_group_list(f->s, ACCT_A, REGION, "g1",
                                              "g120", 0, group_name, &ns,
                                              &err), 0);
    assert_int_equal(ns.n, 29);
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_group_list(f->s, ACCT_A, REGION, "", "",
                                              100, group_name, &ns, &err),
                     0);
    assert_int_equal(ns.n, 100);
}

static void test_group_list_retained(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_group g;
    struct names ns;

    add_group(f->s, ACCT_A, "none");
    add_group(f->s, ACCT_A, "kept");
    add_group(f->s, ACCT_B, "other");
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_A, REGION, "kept",
                                             &g, &err), 1);
    assert_int_equal(lv_store_logs_group_set_retention(f->s, g.id, 1, &err),
                     1);
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_B, REGION, "other",
                                             &g, &err), 1);
    assert_int_equal(lv_store_logs_group_set_retention(f->s, g.id, 3653,
                                                       &err), 1);
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_group_list_retained(f->s, group_name,
                                                       &ns, &err), 0);
    assert_string_equal(ns.buf, "kept,other");
}

/* ---- streams ------------------------------------------------------------ */

static void test_stream_crud(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_stream st;
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t gid2 = add_group(f->s, ACCT_A, "g2");
    int64_t sid = add_stream(f->s, gid, "s1");

    memset(&st, 0, sizeof(st));
    st.group_id = gid;
    snprintf(st.name, sizeof(st.name), "s1");
    assert_int_equal(lv_store_logs_stream_insert(f->s, &st, &err), 1);
    add_stream(f->s, gid2, "s1");

    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s1", &st, &err),
                     1);
    assert_int_equal(st.id, sid);
    assert_int_equal(st.creation_time, 1700000000456);
    assert_int_equal(st.first_event_ts, 0);
    assert_int_equal(st.next_seq, 0);
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "S1", &st, &err),
                     0);

    /* Appends widen the event range and add up. */
    assert_int_equal(lv_store_logs_stream_note_append(f->s, sid, 5000, 6000,
                                                      7000, 100, 1, &err),
                     0);
    assert_int_equal(lv_store_logs_stream_note_append(f->s, sid, 4000, 5500,
                                                      6500, 50, 2, &err),
                     0);
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s1", &st, &err),
                     1);
    assert_int_equal(st.first_event_ts, 4000);
    assert_int_equal(st.last_event_ts, 6000);
    assert_int_equal(st.last_ingestion_time, 7000);
    assert_int_equal(st.stored_bytes, 150);
    assert_int_equal(st.next_seq, 3);

    assert_int_equal(lv_store_logs_stream_delete(f->s, sid, &err), 0);
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s1", &st, &err),
                     0);
    assert_int_equal(lv_store_logs_stream_get(f->s, gid2, "s1", &st, &err),
                     1);
}

static void test_stream_list(void **state)
{
    static const char *const names[] = {
        "b", "a", "a/1", "a/2", "\xc3\xa9t\xc3\xa9", "\xc3\xa9", "z", "A",
    };
    static const struct {
        const char *name;
        const char *prefix;
        const char *after;
        int limit;
        const char *want;
    } cases[] = {
        { "all", "", "", 0,
          "A,a,a/1,a/2,b,z,\xc3\xa9,\xc3\xa9t\xc3\xa9" },
        { "prefix", "a", "", 0, "a,a/1,a/2" },
        { "prefix utf-8", "\xc3\xa9", "", 0, "\xc3\xa9,\xc3\xa9t\xc3\xa9" },
        { "after", "", "a/2", 0, "b,z,\xc3\xa9,\xc3\xa9t\xc3\xa9" },
        { "prefix after limit", "a", "a", 1, "a/1" },
    };
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t other = add_group(f->s, ACCT_A, "h");

    for (size_t i = 0; i < N(names); i++) {
        add_stream(f->s, gid, names[i]);
    }
    add_stream(f->s, other, "a/other");
    for (size_t i = 0; i < N(cases); i++) {
        struct names ns;

        memset(&ns, 0, sizeof(ns));
        CHECK(cases[i].name,
              lv_store_logs_stream_list(f->s, gid, cases[i].prefix,
                                        cases[i].after, cases[i].limit,
                                        stream_name, &ns, &err) == 0);
        if (strcmp(ns.buf, cases[i].want) != 0) {
            fail_msg("%s: got '%s' want '%s'", cases[i].name, ns.buf,
                     cases[i].want);
        }
    }
}

static void test_stream_list_by_time(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct names ns;
    char name[16];
    int64_t gid = add_group(f->s, ACCT_A, "g");

    /* 100 streams (two batches): s000…s099, last events such that the
     * order by time differs from the order by name; ties broken by name. */
    for (int i = 0; i < 100; i++) {
        int64_t sid;

        snprintf(name, sizeof(name), "s%03d", i);
        sid = add_stream(f->s, gid, name);
        if (i % 10 != 0) {
            assert_int_equal(lv_store_logs_stream_note_append(
                                 f->s, sid, 1000, 100000 - (i % 50) * 10,
                                 200000, 1, 1, &err), 0);
        }
    }
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_stream_list_by_time(f->s, gid, 0,
                                                       stream_name, &ns,
                                                       &err), 0);
    assert_int_equal(ns.n, 100);
    /* Empty streams (last_event_ts 0) first, by name. */
    assert_true(strncmp(ns.buf, "s000,s010,s020,s030,s040,s050,s060,s070,"
                        "s080,s090,s049,s099,s048,s098", 69) == 0);
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_stream_list_by_time(f->s, gid, 1,
                                                       stream_name, &ns,
                                                       &err), 0);
    assert_int_equal(ns.n, 100);
    assert_true(strncmp(ns.buf, "s051,s001,s052,s002", 19) == 0);
    assert_non_null(strstr(ns.buf, "s090,s080,s070,s060,s050,s040,s030,"
                           "s020,s010,s000"));
}

/* ---- tags and cascades -------------------------------------------------- */

static void test_tags(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct names ns;
    int n = -1;
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t other = add_group(f->s, ACCT_A, "h");

    assert_int_equal(lv_store_logs_tag_count(f->s, gid, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "team", "a", &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "env", "", &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "team", "b", &err), 0);
    assert_int_equal(lv_store_logs_tag_set(f->s, other, "x", "y", &err), 0);
    assert_int_equal(lv_store_logs_tag_count(f->s, gid, &n, &err), 0);
    assert_int_equal(n, 2);
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_tag_list(f->s, gid, tag_pair, &ns, &err),
                     0);
    assert_string_equal(ns.buf, "env=,team=b");
    assert_int_equal(lv_store_logs_tag_delete(f->s, gid, "env", &err), 0);
    assert_int_equal(lv_store_logs_tag_delete(f->s, gid, "absent", &err), 0);
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_tag_list(f->s, gid, tag_pair, &ns, &err),
                     0);
    assert_string_equal(ns.buf, "team=b");
}

static void test_group_delete_cascades(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_stream st;
    struct names ns;
    int n = -1;
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t keep = add_group(f->s, ACCT_A, "keep");

    add_stream(f->s, gid, "s1");
    add_stream(f->s, keep, "s1");
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "k", "v", &err), 0);
    assert_int_equal(lv_store_logs_group_delete(f->s, gid, &err), 0);
    memset(&ns, 0, sizeof(ns));
    assert_int_equal(lv_store_logs_stream_list(f->s, gid, "", "", 0,
                                               stream_name, &ns, &err), 0);
    assert_string_equal(ns.buf, "");
    assert_int_equal(lv_store_logs_tag_count(f->s, gid, &n, &err), 0);
    assert_int_equal(n, 0);
    assert_int_equal(lv_store_logs_stream_get(f->s, keep, "s1", &st, &err),
                     1);
    /* A name freed by a delete can be created again. */
    add_group(f->s, ACCT_A, "g");
}

static void test_ids_never_reused(void **state)
{
    /* SQLite reuses the highest rowid once its row is gone; the store
     * must not: caches are keyed by these ids. */
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_stream st;
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t gid2;
    int64_t sid;

    add_stream(f->s, gid, "s");
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s", &st, &err), 1);
    sid = st.id;
    assert_int_equal(lv_store_logs_stream_delete(f->s, sid, &err), 0);
    add_stream(f->s, gid, "s");
    assert_int_equal(lv_store_logs_stream_get(f->s, gid, "s", &st, &err), 1);
    assert_true(st.id > sid);
    assert_int_equal(lv_store_logs_group_delete(f->s, gid, &err), 0);
    gid2 = add_group(f->s, ACCT_A, "g");
    assert_true(gid2 > gid);
    /* A refused duplicate consumes nothing visible and breaks nothing. */
    assert_true(add_group(f->s, ACCT_A, "h") > gid2);
}

static void test_transaction_rollback(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_group g;
    int64_t gid;

    assert_int_equal(lv_store_begin(f->s, &err), 0);
    gid = add_group(f->s, ACCT_A, "tx");
    assert_int_equal(lv_store_logs_tag_set(f->s, gid, "k", "v", &err), 0);
    lv_store_rollback(f->s);
    assert_int_equal(lv_store_logs_group_get(f->s, ACCT_A, REGION, "tx", &g,
                                             &err), 0);
}

static void test_retention_pass(void **state)
{
    /* The pass walks every retained group (past one batch) and asks the
     * events store to expire each; with no chunks nothing goes. */
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_group g;
    char name[16];
    int64_t n = -1;

    for (int i = 0; i < 70; i++) {
        snprintf(name, sizeof(name), "r%02d", i);
        add_group(f->s, i % 2 ? ACCT_A : ACCT_B, name);
        assert_int_equal(lv_store_logs_group_get(f->s, i % 2 ? ACCT_A
                                                 : ACCT_B, REGION, name, &g,
                                                 &err), 1);
        assert_int_equal(lv_store_logs_group_set_retention(f->s, g.id,
                                                           1 + i % 3, &err),
                         1);
    }
    assert_int_equal(lv_logs_retention_pass(f->s, 1800000000000, &n, &err),
                     0);
    assert_int_equal(n, 0);
}

static void exec_ok(struct lv_store *s, const char *sql)
{
    struct lv_err err = LV_ERR_INIT;

    assert_int_equal(s->be->exec(s->impl, sql, &err), 0);
}

static int count_chunk(void *arg, const struct lv_log_chunk *c)
{
    (void)c;
    (*(int *)arg)++;
    return 0;
}

static int64_t add_old_chunk(struct lv_store *s, int64_t gid, int64_t sid,
                             int64_t last_ts)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_data_key dk;
    struct lv_log_chunk c;

    memset(&dk, 0, sizeof(dk));
    dk.group_id = gid;
    dk.created_ms = last_ts;
    assert_int_equal(lv_store_logs_data_key_insert(s, &dk, "w", 1, &err), 0);
    memset(&c, 0, sizeof(c));
    c.group_id = gid;
    c.stream_id = sid;
    c.first_ts = last_ts - 10;
    c.last_ts = last_ts;
    c.ingestion_time = last_ts;
    c.n_events = 1;
    c.raw_bytes = 40;
    c.data_key_id = dk.id;
    assert_int_equal(lv_store_logs_chunk_insert(s, &c, "p", 1, &err), 0);
    return c.id;
}

static void test_retention_reads_current(void **state)
{
    /*
     * The retention task lists the retained groups first, then expires
     * each in its own transaction. A PutRetentionPolicy that commits in
     * between must decide for its group: here group b's retention moves
     * from 1 day to 3653 days while a's chunks are being expired (a
     * trigger on this connection plays the concurrent writer, committing
     * with a's transaction, before b's begins). b's 3-day-old chunk must
     * stay; a's goes.
     */
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    const int64_t now = 1800000000000;
    const int64_t old = now - 3 * INT64_C(86400000);
    int64_t a = add_group(f->s, ACCT_A, "a");
    int64_t b = add_group(f->s, ACCT_A, "b");
    int64_t sa = add_stream(f->s, a, "s");
    int64_t sb = add_stream(f->s, b, "s");
    char sql[512];
    int64_t n = -1;
    int left = 0;

    assert_true(a < b);
    add_old_chunk(f->s, a, sa, old);
    add_old_chunk(f->s, b, sb, old);
    exec_ok(f->s, "UPDATE logs_groups SET retention_days = 1");
    snprintf(sql, sizeof(sql),
             "CREATE TEMP TRIGGER lv_test_put_retention AFTER UPDATE OF"
             " stored_bytes ON logs_streams WHEN new.group_id = %lld BEGIN"
             " UPDATE logs_groups SET retention_days = 3653"
             " WHERE id = %lld; END",
             (long long)a, (long long)b);
    exec_ok(f->s, sql);
    assert_int_equal(lv_logs_retention_pass(f->s, now, &n, &err), 0);
    exec_ok(f->s, "DROP TRIGGER lv_test_put_retention");
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sb, 0, INT64_MAX,
                                                     0, count_chunk, &left,
                                                     &err), 0);
    assert_int_equal(left, 1);
    left = 0;
    assert_int_equal(lv_store_logs_chunk_list_stream(f->s, sa, 0, INT64_MAX,
                                                     0, count_chunk, &left,
                                                     &err), 0);
    assert_int_equal(left, 0);
    assert_int_equal(n, 1);
}

/* ---- chunk sequence numbers and leases --------------------------------- */

static int64_t reserve(struct lv_store *s, int64_t sid, int n)
{
    struct lv_err err = LV_ERR_INIT;
    int64_t first = -1;

    assert_int_equal(lv_store_logs_seq_reserve(s, sid, n, &first, &err), 0);
    return first;
}

static void test_seq_reserve(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_data_key dk;
    struct lv_log_chunk c;
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t fresh = add_stream(f->s, gid, "fresh");
    int64_t counted = add_stream(f->s, gid, "counted");
    int64_t chunked = add_stream(f->s, gid, "chunked");
    int64_t max;

    /* A new stream starts at 0; numbers follow on, a gap stays a gap. */
    assert_int_equal(reserve(f->s, fresh, 2), 0);
    assert_int_equal(reserve(f->s, fresh, 1), 2);
    assert_int_equal(reserve(f->s, fresh, 3), 3);
    assert_int_equal(reserve(f->s, fresh, 1), 6);

    /* Seeded from the row's next_seq ... */
    assert_int_equal(lv_store_logs_stream_note_append(f->s, counted, 1, 2, 3,
                                                      10, 5, &err), 0);
    assert_int_equal(reserve(f->s, counted, 1), 5);

    /* ... or from the highest chunk seq when that is above it. */
    memset(&dk, 0, sizeof(dk));
    dk.group_id = gid;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, "w", 1, &err),
                     0);
    memset(&c, 0, sizeof(c));
    c.group_id = gid;
    c.stream_id = chunked;
    c.seq = 7;
    c.first_ts = 1;
    c.last_ts = 2;
    c.n_events = 1;
    c.raw_bytes = 27;
    c.data_key_id = dk.id;
    assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, "p", 1, &err), 0);
    assert_int_equal(lv_store_logs_stream_note_append(f->s, chunked, 1, 2, 3,
                                                      27, 1, &err), 0);
    assert_int_equal(reserve(f->s, chunked, 2), 8);
    /* A reservation is not a write: nothing stored moved. */
    assert_int_equal(lv_store_logs_chunk_max_seq(f->s, chunked, &max, &err),
                     0);
    assert_int_equal(max, 7);

    /* A rollback around it does not take it back. */
    assert_int_equal(lv_store_begin(f->s, &err), 0);
    lv_store_rollback(f->s);
    assert_int_equal(reserve(f->s, chunked, 1), 10);
}

#define SEQ_THREADS 6
#define SEQ_CALLS 300

struct seq_worker {
    struct lv_store *s;
    int64_t sid;
    int64_t got[SEQ_CALLS];     /* first of each reservation */
    int n[SEQ_CALLS];
    int failed;
};

static void *seq_work(void *arg)
{
    struct seq_worker *w = arg;
    struct lv_err err = LV_ERR_INIT;

    for (int i = 0; i < SEQ_CALLS; i++) {
        w->n[i] = 1 + i % 4;
        if (lv_store_logs_seq_reserve(w->s, w->sid, w->n[i], &w->got[i],
                                      &err) < 0) {
            w->failed = 1;
        }
    }
    return NULL;
}

/* Threads reserving on one stream at once, the first use included: every
 * number handed out once, and together they are 0 … total - 1. */
static void test_seq_reserve_threads(void **state)
{
    struct lv_test_store *f = *state;
    struct seq_worker *w = lv_xcalloc(SEQ_THREADS, sizeof(*w));
    pthread_t th[SEQ_THREADS];
    int64_t gid = add_group(f->s, ACCT_A, "g");
    int64_t sid = add_stream(f->s, gid, "s");
    int64_t total = 0;
    unsigned char *seen;

    for (int t = 0; t < SEQ_THREADS; t++) {
        w[t].s = f->s;
        w[t].sid = sid;
        assert_int_equal(pthread_create(&th[t], NULL, seq_work, &w[t]), 0);
    }
    for (int t = 0; t < SEQ_THREADS; t++) {
        assert_int_equal(pthread_join(th[t], NULL), 0);
        assert_false(w[t].failed);
        for (int i = 0; i < SEQ_CALLS; i++) {
            total += w[t].n[i];
        }
    }
    seen = lv_xcalloc((size_t)total, 1);
    for (int t = 0; t < SEQ_THREADS; t++) {
        for (int i = 0; i < SEQ_CALLS; i++) {
            for (int k = 0; k < w[t].n[i]; k++) {
                int64_t v = w[t].got[i] + k;

                assert_true(v >= 0 && v < total);
                assert_int_equal(seen[v], 0);
                seen[v] = 1;
            }
        }
    }
    assert_int_equal(reserve(f->s, sid, 1), total);
    free(seen);
    free(w);
}

/* One process owns a sqlite store: it holds every lease, again and
 * again. */
static void test_lease(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;

    assert_string_equal(lv_store_kind_of(f->s), "sqlite");
    assert_int_equal(lv_store_lease(f->s, "kms.sweeper", &err), 1);
    assert_int_equal(lv_store_lease(f->s, "logs.retention", &err), 1);
    assert_int_equal(lv_store_lease(f->s, "kms.sweeper", &err), 1);
}

/* The WAL checkpointer (store/sqlite/ckpt.c): the commits of one
 * connection, back to back, put ~15,000 pages through the WAL (60 MB, twice
 * the hard bound); the WAL file never passes that bound (8,000 pages and a
 * commit's worth), so it was checkpointed and started over, and every
 * chunk reads back whole, from another connection, and after a reopen. */
#define WAL_CHUNKS 300
#define WAL_PAYLOAD (200 * 1024)

static off_t wal_size(const char *dir)
{
    char path[LV_TEST_DIR_MAX + 32];
    struct stat sb;

    snprintf(path, sizeof(path), "%s/logvault.db-wal", dir);
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

static int64_t chunk_bytes(struct lv_store *s, int64_t *n)
{
    struct lv_err err = LV_ERR_INIT;
    sqlite3 *db = lv_sqlite_conn(lv_sqlite_of(s), &err);
    sqlite3_stmt *st = NULL;
    int64_t bytes;

    assert_non_null(db);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT count(*), "
                                        "total(length(payload)) FROM "
                                        "logs_chunks", -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    *n = sqlite3_column_int64(st, 0);
    bytes = (int64_t)sqlite3_column_double(st, 1);
    sqlite3_finalize(st);
    return bytes;
}

static void *count_other_thread(void *arg)
{
    static int64_t n;

    n = 0;
    chunk_bytes(arg, &n);
    return &n;
}

static void test_wal_checkpointed(void **state)
{
    struct lv_test_store *f = *state;
    struct lv_err err = LV_ERR_INIT;
    struct lv_log_data_key dk;
    char *payload = lv_xmalloc(WAL_PAYLOAD);
    int64_t gid = add_group(f->s, ACCT_A, "wal");
    int64_t sid = add_stream(f->s, gid, "s");
    off_t most = 0;
    int64_t n = 0;
    pthread_t th;
    void *got;
    struct lv_store_config cfg = { "sqlite", NULL };

    for (size_t i = 0; i < WAL_PAYLOAD; i++) {
        payload[i] = (char)(i * 2654435761u >> 13);
    }
    memset(&dk, 0, sizeof(dk));
    dk.group_id = gid;
    dk.created_ms = 1700000000000;
    assert_int_equal(lv_store_logs_data_key_insert(f->s, &dk, "w", 1, &err),
                     0);
    for (int i = 0; i < WAL_CHUNKS; i++) {
        struct lv_log_chunk c;
        off_t w;

        memset(&c, 0, sizeof(c));
        c.group_id = gid;
        c.stream_id = sid;
        c.seq = i;
        c.first_ts = 1700000000000 + i;
        c.last_ts = c.first_ts;
        c.ingestion_time = c.first_ts;
        c.n_events = 1;
        c.raw_bytes = WAL_PAYLOAD;
        c.data_key_id = dk.id;
        payload[0] = (char)i;
        assert_int_equal(lv_store_begin(f->s, &err), 0);
        assert_int_equal(lv_store_logs_chunk_insert(f->s, &c, payload,
                                                    WAL_PAYLOAD, &err), 0);
        assert_int_equal(lv_store_commit(f->s, &err), 0);
        w = wal_size(f->dir);
        most = w > most ? w : most;
    }
    print_message("largest WAL: %lld bytes\n", (long long)most);
    assert_true(most > 0);
    assert_true(most < (off_t)(8000 + 2 * WAL_PAYLOAD / 4096 + 64) * 4120);
    assert_int_equal(chunk_bytes(f->s, &n), (int64_t)WAL_CHUNKS * WAL_PAYLOAD);
    assert_int_equal(n, WAL_CHUNKS);
    assert_int_equal(pthread_create(&th, NULL, count_other_thread, f->s), 0);
    assert_int_equal(pthread_join(th, &got), 0);
    assert_int_equal(*(int64_t *)got, WAL_CHUNKS);
    lv_store_close(f->s);
    cfg.data_dir = f->dir;
    f->s = lv_store_open(&cfg, &err);
    assert_non_null(f->s);
    assert_int_equal(chunk_bytes(f->s, &n), (int64_t)WAL_CHUNKS * WAL_PAYLOAD);
    assert_int_equal(n, WAL_CHUNKS);
    free(payload);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_group_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_list_many, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_group_list_retained, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stream_crud, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_list_by_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tags, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_delete_cascades, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_ids_never_reused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_transaction_rollback, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retention_pass, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_retention_reads_current, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_seq_reserve, setup, teardown),
        cmocka_unit_test_setup_teardown(test_seq_reserve_threads, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_lease, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_checkpointed, setup,
                                        teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
